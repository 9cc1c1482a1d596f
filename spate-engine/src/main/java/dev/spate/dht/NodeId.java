package dev.spate.dht;

import dev.spate.core.Hex;
import dev.spate.core.InfoHash;
import java.util.Arrays;
import java.util.random.RandomGenerator;

/**
 * A 160-bit DHT node id or lookup target (BEP 5: the same space as info-hashes), with the XOR
 * metric. Immutable.
 */
public final class NodeId implements Comparable<NodeId> {
    /** Bytes in an id. */
    public static final int LENGTH = 20;
    /** Bits in an id. */
    public static final int BITS = 160;

    private final byte[] bytes;
    private final int hash;

    private NodeId(byte[] bytes) {
        this.bytes = bytes;
        this.hash = Arrays.hashCode(bytes);
    }

    /** Copies {@code bytes}, which must be exactly 20 long. */
    public static NodeId of(byte[] bytes) {
        if (bytes.length != LENGTH) {
            throw new IllegalArgumentException("a node id is 20 bytes, not " + bytes.length);
        }
        return new NodeId(bytes.clone());
    }

    /** Copies {@code bytes[offset, offset+20)}. */
    static NodeId of(byte[] bytes, int offset) {
        return new NodeId(Arrays.copyOfRange(bytes, offset, offset + LENGTH));
    }

    /** The id naming the same point of the space as {@code infoHash}. */
    public static NodeId of(InfoHash infoHash) {
        return new NodeId(infoHash.bytes());
    }

    /** Parses 40 hex digits. */
    public static NodeId fromHex(String hex) {
        if (hex.length() != 2 * LENGTH) {
            throw new IllegalArgumentException("a node id is 40 hex digits, not " + hex.length());
        }
        return new NodeId(Hex.decode(hex));
    }

    /** A uniformly random id. */
    public static NodeId random(RandomGenerator random) {
        byte[] b = new byte[LENGTH];
        random.nextBytes(b);
        return new NodeId(b);
    }

    /** A copy of the bytes. */
    public byte[] bytes() {
        return bytes.clone();
    }

    /** Package access without a copy; callers never write to it. */
    byte[] raw() {
        return bytes;
    }

    /** The bit at {@code index}, 0 being the most significant. */
    boolean bit(int index) {
        return (bytes[index >>> 3] & (0x80 >>> (index & 7))) != 0;
    }

    /**
     * The number of leading bits this id shares with {@code other}: 160 for equal ids. The routing
     * table files a node under this count with our own id.
     */
    public int commonPrefix(NodeId other) {
        for (int i = 0; i < LENGTH; i++) {
            int x = (bytes[i] ^ other.bytes[i]) & 0xff;
            if (x != 0) {
                return i * 8 + Integer.numberOfLeadingZeros(x) - 24;
            }
        }
        return BITS;
    }

    /**
     * Compares the XOR distances of {@code a} and {@code b} to this id (BEP 5: the distance is
     * {@code a xor this} read as an unsigned integer): negative when {@code a} is closer.
     */
    public int compareDistance(NodeId a, NodeId b) {
        for (int i = 0; i < LENGTH; i++) {
            int da = (a.bytes[i] ^ bytes[i]) & 0xff;
            int db = (b.bytes[i] ^ bytes[i]) & 0xff;
            if (da != db) {
                return da < db ? -1 : 1;
            }
        }
        return 0;
    }

    /** Unsigned big-endian order of the ids themselves. */
    @Override
    public int compareTo(NodeId o) {
        return Arrays.compareUnsigned(bytes, o.bytes);
    }

    public String hex() {
        return Hex.encode(bytes);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof NodeId other && hash == other.hash && Arrays.equals(bytes, other.bytes);
    }

    @Override
    public int hashCode() {
        return hash;
    }

    @Override
    public String toString() {
        return hex();
    }
}
