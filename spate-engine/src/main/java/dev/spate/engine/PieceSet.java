package dev.spate.engine;

import java.util.Arrays;
import java.util.BitSet;

/**
 * An immutable set of a torrent's pieces, by index from 0: which are verified, in
 * {@link TorrentStatus#verifiedPieces()}. Unlike {@link dev.spate.core.Bitfield}, which the engine
 * changes as it goes, a {@code PieceSet} never changes once made, so a status can be kept and read
 * from any thread.
 */
public final class PieceSet {
    private static final PieceSet EMPTY = new PieceSet(new long[0], 0);

    private final long[] words;
    private final int size;
    private final int count;

    /** {@code words} is taken, not copied: the caller gives up its array. */
    private PieceSet(long[] words, int size) {
        this.words = words;
        this.size = size;
        int n = 0;
        for (long w : words) {
            n += Long.bitCount(w);
        }
        this.count = n;
    }

    /** No pieces, of a torrent of {@code size}. */
    public static PieceSet none(int size) {
        if (size < 0) {
            throw new IllegalArgumentException("size " + size + " is negative");
        }
        return size == 0 ? EMPTY : new PieceSet(new long[(size + 63) >>> 6], size);
    }

    /**
     * The pieces set in {@code pieces} (copied) of a torrent of {@code size}.
     *
     * @throws IllegalArgumentException when {@code pieces} holds an index of {@code size} or more
     */
    public static PieceSet of(BitSet pieces, int size) {
        if (size < 0 || pieces.length() > size) {
            throw new IllegalArgumentException("pieces up to " + pieces.length() + " in a set of " + size);
        }
        return new PieceSet(Arrays.copyOf(pieces.toLongArray(), (size + 63) >>> 6), size);
    }

    /** A copy of {@code words}, bit {@code i % 64} of word {@code i / 64} being piece {@code i}. Engine only. */
    static PieceSet copyOf(long[] words, int size) {
        return new PieceSet(words.clone(), size);
    }

    /** Pieces in the torrent. */
    public int size() {
        return size;
    }

    /** Pieces in the set. */
    public int count() {
        return count;
    }

    /** Whether every piece is in the set. */
    public boolean isComplete() {
        return count == size;
    }

    /**
     * Whether {@code piece} is in the set.
     *
     * @throws IndexOutOfBoundsException when it is no piece of the torrent
     */
    public boolean contains(int piece) {
        java.util.Objects.checkIndex(piece, size);
        return (words[piece >>> 6] & (1L << piece)) != 0;
    }

    /** The first piece in the set at or after {@code from}, or -1. */
    public int nextIn(int from) {
        for (int i = Math.max(0, from); i < size; i++) {
            long w = words[i >>> 6] >>> i;
            if (w != 0) {
                int next = i + Long.numberOfTrailingZeros(w);
                return next < size ? next : -1;
            }
            i |= 63; // the rest of this word is empty
        }
        return -1;
    }

    /** The first piece not in the set at or after {@code from}, or -1. */
    public int nextMissing(int from) {
        for (int i = Math.max(0, from); i < size; i++) {
            long w = ~words[i >>> 6] >>> i;
            if (w != 0) {
                int next = i + Long.numberOfTrailingZeros(w);
                return next < size ? next : -1;
            }
            i |= 63;
        }
        return -1;
    }

    /** The set as a new {@link BitSet} (the caller's to change). */
    public BitSet toBitSet() {
        return BitSet.valueOf(words);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PieceSet other && other.size == size && Arrays.equals(other.words, words);
    }

    @Override
    public int hashCode() {
        return 31 * size + Arrays.hashCode(words);
    }

    /** For instance {@code 3 of 8 pieces: 0-1, 5}. */
    @Override
    public String toString() {
        StringBuilder s = new StringBuilder().append(count).append(" of ").append(size).append(" pieces");
        String sep = ": ";
        for (int start = nextIn(0); start >= 0; ) {
            int end = nextMissing(start);
            int last = (end < 0 ? size : end) - 1;
            s.append(sep).append(start);
            if (last > start) {
                s.append('-').append(last);
            }
            sep = ", ";
            start = end < 0 ? -1 : nextIn(end);
        }
        return s.toString();
    }
}
