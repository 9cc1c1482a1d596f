package dev.spate.core;

import java.util.Arrays;

/**
 * The 20-byte SHA-1 of a torrent's bencoded info dictionary (BEP 3), which names the torrent in
 * handshakes, tracker announces and the DHT. Immutable.
 */
public final class InfoHash {
    /** Bytes in a v1 info-hash: a SHA-1 digest. */
    public static final int LENGTH = 20;

    private final byte[] bytes;

    private InfoHash(byte[] bytes) {
        this.bytes = bytes;
    }

    /** Copies {@code bytes}, which must be exactly 20 long. */
    public static InfoHash of(byte[] bytes) {
        if (bytes.length != LENGTH) {
            throw new IllegalArgumentException("an info-hash is 20 bytes, not " + bytes.length);
        }
        return new InfoHash(bytes.clone());
    }

    /** Parses 40 hex digits. */
    public static InfoHash fromHex(String hex) {
        if (hex.length() != 2 * LENGTH) {
            throw new IllegalArgumentException("an info-hash is 40 hex digits, not " + hex.length());
        }
        return new InfoHash(Hex.decode(hex));
    }

    /** A copy of the 20 bytes. */
    public byte[] bytes() {
        return bytes.clone();
    }

    /** Whether {@code other[offset, offset+20)} holds this hash, without copying. */
    public boolean matches(byte[] other, int offset) {
        return Arrays.equals(bytes, 0, LENGTH, other, offset, offset + LENGTH);
    }

    /** The hash as 40 lower-case hexadecimal digits, as clients print it. */
    public String hex() {
        return Hex.encode(bytes);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof InfoHash other && Arrays.equals(bytes, other.bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
        return hex();
    }
}
