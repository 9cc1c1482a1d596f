package dev.spate.core;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Arrays;

/**
 * A peer's 20-byte id. Ours follows the Azureus-style convention of BEP 20:
 * {@code -SE0100-} then twelve random printable characters. Immutable.
 */
public final class PeerId {
    /** Bytes in a peer id (BEP 3). */
    public static final int LENGTH = 20;
    /**
     * BEP 20 client prefix: SE for Spate Engine, version 0.1.0.0 ("SP" is free in BEP 20's list,
     * but libtorrent names it BitSpirit).
     */
    static final String CLIENT_PREFIX = "-SE0100-";
    private static final byte[] ALPHABET =
            "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ".getBytes(StandardCharsets.US_ASCII);
    private static final SecureRandom RANDOM = new SecureRandom();

    private final byte[] bytes;

    private PeerId(byte[] bytes) {
        this.bytes = bytes;
    }

    /** The id of these 20 bytes (copied). */
    public static PeerId of(byte[] bytes) {
        if (bytes.length != LENGTH) {
            throw new IllegalArgumentException("a peer id is 20 bytes, not " + bytes.length);
        }
        return new PeerId(bytes.clone());
    }

    /** A fresh id for this client: the BEP 20 prefix and random characters. */
    public static PeerId random() {
        byte[] id = new byte[LENGTH];
        byte[] prefix = CLIENT_PREFIX.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(prefix, 0, id, 0, prefix.length);
        for (int i = prefix.length; i < LENGTH; i++) {
            id[i] = ALPHABET[RANDOM.nextInt(ALPHABET.length)];
        }
        return new PeerId(id);
    }

    /** A copy of the 20 bytes. */
    public byte[] bytes() {
        return bytes.clone();
    }

    /** Whether {@code other[offset, offset+20)} holds this id, without copying. */
    public boolean matches(byte[] other, int offset) {
        return Arrays.equals(bytes, 0, LENGTH, other, offset, offset + LENGTH);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PeerId other && Arrays.equals(bytes, other.bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }

    /** Printable characters as they are, others escaped as %XX. */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(LENGTH);
        for (byte b : bytes) {
            int c = b & 0xff;
            if (c >= 0x20 && c < 0x7f && c != '%') {
                sb.append((char) c);
            } else {
                sb.append('%').append(Character.forDigit(c >> 4, 16)).append(Character.forDigit(c & 15, 16));
            }
        }
        return sb.toString();
    }
}
