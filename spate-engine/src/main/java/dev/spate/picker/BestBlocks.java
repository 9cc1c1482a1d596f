package dev.spate.picker;

/**
 * The few best of many requested blocks, for endgame's duplicates: fewest requesters first, then
 * the one asked last, then a random tie-break. Kept in a small sorted array, so choosing
 * {@code k} of {@code n} costs {@code n} comparisons and a few shifts, with no list of all
 * {@code n} to build and sort on every pick.
 *
 * <p>Not thread-safe: a scratch value of one {@link PiecePicker#pick} on the torrent's loop.
 */
final class BestBlocks {
    private final int[] piece;
    private final int[] block;
    private final int[] requesters;
    private final long[] newest;
    private final int[] tieBreak;
    private int size;

    BestBlocks(int capacity) {
        piece = new int[capacity];
        block = new int[capacity];
        requesters = new int[capacity];
        newest = new long[capacity];
        tieBreak = new int[capacity];
    }

    /** Considers one block; kept if it is among the best {@code capacity} so far. */
    void offer(int pieceIndex, int blockIndex, int requesterCount, long newestRequest, int tie) {
        int capacity = piece.length;
        if (capacity == 0) {
            return;
        }
        if (size == capacity && !better(requesterCount, newestRequest, tie, size - 1)) {
            return;
        }
        int at = size < capacity ? size++ : capacity - 1;
        while (at > 0 && better(requesterCount, newestRequest, tie, at - 1)) {
            move(at - 1, at);
            at--;
        }
        piece[at] = pieceIndex;
        block[at] = blockIndex;
        requesters[at] = requesterCount;
        newest[at] = newestRequest;
        tieBreak[at] = tie;
    }

    private boolean better(int requesterCount, long newestRequest, int tie, int than) {
        if (requesterCount != requesters[than]) {
            return requesterCount < requesters[than];
        }
        if (newestRequest != newest[than]) {
            return newestRequest > newest[than];
        }
        return tie < tieBreak[than];
    }

    private void move(int from, int to) {
        piece[to] = piece[from];
        block[to] = block[from];
        requesters[to] = requesters[from];
        newest[to] = newest[from];
        tieBreak[to] = tieBreak[from];
    }

    int size() {
        return size;
    }

    int piece(int i) {
        return piece[i];
    }

    int block(int i) {
        return block[i];
    }
}
