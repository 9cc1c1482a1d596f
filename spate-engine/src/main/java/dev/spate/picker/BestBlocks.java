package dev.spate.picker;

/**
 * The few best of many requested blocks, for endgame's duplicates: fewest requesters first, then
 * the one asked last, then a random tie-break. Kept in a small sorted array, so choosing
 * {@code k} of {@code n} costs {@code n} comparisons and a few shifts, with no list of all
 * {@code n} to build and sort on every pick.
 *
 * <p>Not thread-safe: the picker's scratch, {@link #reset} at each {@link PiecePicker#pick} on the
 * torrent's loop; its arrays grow to the largest capacity asked and are kept.
 */
final class BestBlocks {
    private int[] piece = new int[0];
    private int[] block = new int[0];
    private int[] requesters = new int[0];
    private long[] newest = new long[0];
    private int[] tieBreak = new int[0];
    private int capacity;
    private int size;

    BestBlocks(int capacity) {
        reset(capacity);
    }

    /** Empties this and keeps at most {@code capacity} blocks from now on; returns this. */
    BestBlocks reset(int capacity) {
        if (capacity > piece.length) {
            piece = new int[capacity];
            block = new int[capacity];
            requesters = new int[capacity];
            newest = new long[capacity];
            tieBreak = new int[capacity];
        }
        this.capacity = capacity;
        size = 0;
        return this;
    }

    /** Considers one block; kept if it is among the best {@code capacity} so far. */
    void offer(int pieceIndex, int blockIndex, int requesterCount, long newestRequest, int tie) {
        int capacity = this.capacity;
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
