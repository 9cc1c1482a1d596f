package dev.spate.wire;

/**
 * A peer sent bytes that break the wire protocol. The message names the rule, for example
 * {@code request for 32768 bytes exceeds 16384} or {@code have for piece 12 of 10}; the connection
 * should be closed.
 */
public final class WireException extends Exception {
    private static final long serialVersionUID = 1L;

    public WireException(String message) {
        super(message);
    }
}
