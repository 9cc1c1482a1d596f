package dev.spate.core;

import java.util.Arrays;

/**
 * A set of piece indices in {@code [0, size)}, laid out as BEP 3's bitfield message: piece 0 is the
 * high bit of the first byte, and spare bits at the end are zero.
 *
 * <p>Mutable and not thread-safe: it belongs to whoever created it (a torrent loop, a peer
 * session); hand another thread a {@link #copy()}.
 */
public final class Bitfield {
    private final int size;
    private final long[] words;
    private int cardinality;

    /** An empty bitfield of {@code size} indices, all clear; {@code size} must not be negative. */
    public Bitfield(int size) {
        if (size < 0) {
            throw new IllegalArgumentException("negative bitfield size " + size);
        }
        this.size = size;
        this.words = new long[(size + 63) >>> 6];
    }

    /**
     * Reads BEP 3 wire bytes for {@code size} pieces.
     *
     * @throws IllegalArgumentException when the length is not {@code ceil(size/8)} or a spare bit
     *     is set; the message says which
     */
    public static Bitfield fromBytes(byte[] bytes, int size) {
        return fromBytes(bytes, 0, bytes.length, size);
    }

    /** {@link #fromBytes(byte[], int)} on {@code length} bytes of {@code bytes} from {@code offset}. */
    public static Bitfield fromBytes(byte[] bytes, int offset, int length, int size) {
        int expected = byteLength(size);
        if (length != expected) {
            throw new IllegalArgumentException(
                    "bitfield of " + length + " bytes for " + size + " pieces, expected " + expected);
        }
        Bitfield field = new Bitfield(size);
        for (int i = 0; i < length; i++) {
            int b = bytes[offset + i] & 0xff;
            if (b == 0) {
                continue;
            }
            for (int bit = 0; bit < 8; bit++) {
                if ((b & (0x80 >>> bit)) != 0) {
                    int index = i * 8 + bit;
                    if (index >= size) {
                        throw new IllegalArgumentException("bitfield has spare bit " + index + " set beyond " + size + " pieces");
                    }
                    field.set(index);
                }
            }
        }
        return field;
    }

    /** Bytes a bitfield of {@code size} pieces takes on the wire. */
    public static int byteLength(int size) {
        return (size + 7) >>> 3;
    }

    /** Number of indices, set or clear. */
    public int size() {
        return size;
    }

    /** Number of set indices. */
    public int cardinality() {
        return cardinality;
    }

    /** Whether every index is set. */
    public boolean isComplete() {
        return cardinality == size;
    }

    /** Whether no index is set. */
    public boolean isEmpty() {
        return cardinality == 0;
    }

    /** Whether {@code index} is set. */
    public boolean get(int index) {
        check(index);
        return (words[index >>> 6] & (1L << index)) != 0;
    }

    /** Sets {@code index}; returns whether it was clear before. */
    public boolean set(int index) {
        check(index);
        long mask = 1L << index;
        long word = words[index >>> 6];
        if ((word & mask) != 0) {
            return false;
        }
        words[index >>> 6] = word | mask;
        cardinality++;
        return true;
    }

    /** Clears {@code index}; returns whether it was set before. */
    public boolean clear(int index) {
        check(index);
        long mask = 1L << index;
        long word = words[index >>> 6];
        if ((word & mask) == 0) {
            return false;
        }
        words[index >>> 6] = word & ~mask;
        cardinality--;
        return true;
    }

    /** Sets every index. */
    public void setAll() {
        Arrays.fill(words, -1L);
        int spare = words.length * 64 - size;
        if (spare > 0) {
            words[words.length - 1] = -1L >>> spare;
        }
        cardinality = size;
    }

    /** The first set index at or after {@code from}, or -1. */
    public int nextSet(int from) {
        if (from >= size) {
            return -1;
        }
        int w = from >>> 6;
        long word = words[w] & (-1L << from);
        while (true) {
            if (word != 0) {
                int index = (w << 6) + Long.numberOfTrailingZeros(word);
                return index < size ? index : -1;
            }
            if (++w == words.length) {
                return -1;
            }
            word = words[w];
        }
    }

    /** The first clear index at or after {@code from}, or -1. */
    public int nextClear(int from) {
        if (from >= size) {
            return -1;
        }
        int w = from >>> 6;
        long word = ~words[w] & (-1L << from);
        while (true) {
            if (word != 0) {
                int index = (w << 6) + Long.numberOfTrailingZeros(word);
                return index < size ? index : -1;
            }
            if (++w == words.length) {
                return -1;
            }
            word = ~words[w];
        }
    }

    /** Whether {@code other} has some index this one lacks. Both must have the same size. */
    public boolean lacksAnyOf(Bitfield other) {
        sameSize(other);
        for (int i = 0; i < words.length; i++) {
            if ((other.words[i] & ~words[i]) != 0) {
                return true;
            }
        }
        return false;
    }

    /** BEP 3 wire bytes: piece 0 in the high bit of byte 0, spare bits zero. */
    public byte[] toBytes() {
        byte[] out = new byte[byteLength(size)];
        for (int index = nextSet(0); index >= 0; index = nextSet(index + 1)) {
            out[index >>> 3] |= (byte) (0x80 >>> (index & 7));
        }
        return out;
    }

    /** An independent copy. */
    public Bitfield copy() {
        Bitfield copy = new Bitfield(size);
        System.arraycopy(words, 0, copy.words, 0, words.length);
        copy.cardinality = cardinality;
        return copy;
    }

    private void sameSize(Bitfield other) {
        if (other.size != size) {
            throw new IllegalArgumentException("bitfields of " + size + " and " + other.size + " pieces");
        }
    }

    private void check(int index) {
        if (index < 0 || index >= size) {
            throw new IndexOutOfBoundsException("piece " + index + " outside [0, " + size + ")");
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Bitfield other && other.size == size && Arrays.equals(words, other.words);
    }

    @Override
    public int hashCode() {
        return 31 * size + Arrays.hashCode(words);
    }

    @Override
    public String toString() {
        return "Bitfield[" + cardinality + "/" + size + "]";
    }
}
