package dev.spate.picker;

import java.util.Arrays;
import java.util.function.IntPredicate;
import java.util.random.RandomGenerator;

/**
 * Every piece's availability (how many peers, other than seeds, have it), and the pieces still to
 * start kept sorted by it, so that the rarest can be found without scanning every piece.
 *
 * <p>Layout: {@code order[0, size)} holds the candidate pieces grouped in buckets of equal
 * availability, bucket {@code a} being {@code order[start[a], start[a + 1])}, with
 * {@code start[levels] == size}. {@code pos[piece]} is the piece's index in {@code order}, or -1 when
 * it is not a candidate. Changing a piece's availability by one moves it across one bucket border
 * with a single swap, O(1); adding or removing a candidate walks the borders above its bucket,
 * O(levels), at most the number of peers.
 *
 * <p>Owned by the {@link PiecePicker} that made it; single-threaded.
 */
final class RarityBuckets {
    private final int[] availability;
    private final int[] order;
    private final int[] pos;
    private int size;
    /** {@code start[a]} for {@code a} in {@code [0, levels]}; grows as availability does. */
    private int[] start = new int[2];
    private int levels = 1;

    /** All {@code pieceCount} pieces start as candidates with availability 0. */
    RarityBuckets(int pieceCount) {
        availability = new int[pieceCount];
        order = new int[pieceCount];
        pos = new int[pieceCount];
        for (int i = 0; i < pieceCount; i++) {
            order[i] = i;
            pos[i] = i;
        }
        size = pieceCount;
        start[0] = 0;
        start[1] = size;
    }

    int availability(int piece) {
        return availability[piece];
    }

    int candidateCount() {
        return size;
    }

    boolean isCandidate(int piece) {
        return pos[piece] >= 0;
    }

    void increment(int piece) {
        int a = availability[piece]++;
        if (a + 1 >= levels) {
            addLevel();
        }
        int i = pos[piece];
        if (i >= 0) {
            int last = start[a + 1] - 1;
            swap(i, last);
            start[a + 1]--;
        }
    }

    void decrement(int piece) {
        int a = availability[piece];
        if (a == 0) {
            throw new IllegalStateException("availability of piece " + piece + " would go below zero");
        }
        availability[piece] = a - 1;
        int i = pos[piece];
        if (i >= 0) {
            int first = start[a];
            swap(i, first);
            start[a]++;
        }
    }

    /** Stops offering {@code piece} (started or had); returns whether it was a candidate. */
    boolean remove(int piece) {
        int i = pos[piece];
        if (i < 0) {
            return false;
        }
        // Move the piece to the end of its bucket, then across each higher bucket, to the end.
        for (int b = availability[piece]; b < levels; b++) {
            int end = start[b + 1] - 1;
            swap(i, end);
            i = end;
            start[b + 1]--;
        }
        size--;
        pos[piece] = -1;
        return true;
    }

    /** Offers {@code piece} again (a failed hash); returns whether it was not a candidate already. */
    boolean add(int piece) {
        if (pos[piece] >= 0) {
            return false;
        }
        int i = size++;
        order[i] = piece;
        pos[piece] = i;
        start[levels]++;
        // The piece is the last of the top bucket; walk it down to its own.
        for (int b = levels - 1; b > availability[piece]; b--) {
            int first = start[b];
            swap(pos[piece], first);
            start[b]++;
        }
        return true;
    }

    /**
     * A candidate {@code has} accepts, from the lowest bucket holding one, chosen by scanning that
     * bucket from a random offset; -1 when there is none. Cost: the candidates looked at, which is
     * one or a few when the peer has most pieces, all of them when it has none we need.
     */
    int rarest(IntPredicate has, RandomGenerator random) {
        for (int a = 0; a < levels; a++) {
            int piece = scan(start[a], start[a + 1], has, random);
            if (piece >= 0) {
                return piece;
            }
        }
        return -1;
    }

    /** A candidate {@code has} accepts, regardless of availability; -1 when there is none. */
    int any(IntPredicate has, RandomGenerator random) {
        return scan(0, size, has, random);
    }

    private int scan(int from, int to, IntPredicate has, RandomGenerator random) {
        int n = to - from;
        if (n <= 0) {
            return -1;
        }
        int offset = random.nextInt(n);
        for (int k = 0; k < n; k++) {
            int piece = order[from + (offset + k) % n];
            if (has.test(piece)) {
                return piece;
            }
        }
        return -1;
    }

    private void addLevel() {
        if (levels + 1 >= start.length) {
            start = Arrays.copyOf(start, start.length * 2);
        }
        levels++;
        start[levels] = size;
    }

    private void swap(int i, int j) {
        if (i == j) {
            return;
        }
        int a = order[i];
        int b = order[j];
        order[i] = b;
        order[j] = a;
        pos[b] = i;
        pos[a] = j;
    }

    /** Checks the layout described in the class comment; for tests. */
    void checkInvariants() {
        if (start[0] != 0 || start[levels] != size) {
            throw new AssertionError("bucket borders " + Arrays.toString(Arrays.copyOf(start, levels + 1)) + " size " + size);
        }
        int seen = 0;
        for (int a = 0; a < levels; a++) {
            if (start[a] > start[a + 1]) {
                throw new AssertionError("bucket " + a + " has negative size");
            }
            for (int i = start[a]; i < start[a + 1]; i++) {
                int piece = order[i];
                if (pos[piece] != i) {
                    throw new AssertionError("pos of piece " + piece + " is " + pos[piece] + ", not " + i);
                }
                if (availability[piece] != a) {
                    throw new AssertionError("piece " + piece + " of availability " + availability[piece] + " in bucket " + a);
                }
                seen++;
            }
        }
        int candidates = 0;
        for (int p : pos) {
            if (p >= 0) {
                candidates++;
            }
        }
        if (seen != size || candidates != size) {
            throw new AssertionError(size + " candidates, " + seen + " in buckets, " + candidates + " with positions");
        }
    }
}
