package dev.spate.dht;

/** A saved routing table that cannot be read; the message says what is wrong with it. */
public final class DhtStateException extends Exception {
    public DhtStateException(String message) {
        super(message);
    }
}
