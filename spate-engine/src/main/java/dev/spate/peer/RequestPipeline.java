package dev.spate.peer;

/**
 * How many blocks to keep requested from one peer.
 *
 * <p>A new peer starts with a short queue that grows by one for every block that arrives (slow
 * start) as long as the peer's per-second rate keeps rising. Once the rate stops rising, the queue
 * follows the bandwidth-delay product: the measured rate times an assumed round trip, in blocks,
 * within a floor and a ceiling. The ceiling is what the peer says it accepts (BEP 10
 * {@code reqq}), up to {@link #CEILING}; a peer that says nothing gets {@link #UNANNOUNCED_CEILING}.
 * A snubbed peer gets one request at a time until it delivers again.
 *
 * <p>The queue has to cover the round trip: at 400 Mbit/s and 200 ms (100 ms each way) that is
 * 10 MB, 610 blocks, before any queueing on the path; the usual 500-request caps hold such a
 * peer to 80% of the link. Slow start doubles the queue every round trip, so even at 200 ms it
 * passes that depth within two seconds, and {@link #QUEUE_SECONDS} keeps it there.
 *
 * <p>Not thread-safe: owned by a torrent's loop thread.
 */
public final class RequestPipeline {
    /** BEP 3: requests are for 2^14 bytes, the size every client serves. */
    public static final int BLOCK = 16 * 1024;
    static final int INITIAL = 4;
    static final int FLOOR = 2;
    /**
     * The most we keep asked of a peer that allows it: 64 MiB, a 200 ms round trip at 2.7 Gbit/s.
     * It costs us a picker entry per block; the peer's socket holds the 17-byte requests.
     */
    static final int CEILING = 4096;
    /**
     * The most for a peer that announces no {@code reqq}: what we asked of every peer before, so
     * a client that drops requests past a limit it never told us loses none to timeouts.
     */
    static final int UNANNOUNCED_CEILING = 1000;
    /**
     * The round trip assumed for the bandwidth-delay product. Generous on purpose: a peer's answer
     * time includes its disk and its other peers, not only the network. Since it is well above
     * real round trips, a queue that ends slow start short of the path's depth still grows to it
     * in one tick: a queue of n blocks brings n / RTT, and 1.5 s of that is more than n.
     */
    static final double QUEUE_SECONDS = 1.5;
    /** Slow start ends when a second's rate is not this much above the previous second's. */
    static final double STILL_RISING = 1.10;

    private int target = INITIAL;
    private int ceiling = UNANNOUNCED_CEILING;
    private boolean slowStart = true;
    private boolean snubbed;
    private long previousRate = -1;

    /** Blocks to keep outstanding now. */
    public int target() {
        return snubbed ? 1 : target;
    }

    public boolean inSlowStart() {
        return slowStart && !snubbed;
    }

    public boolean snubbed() {
        return snubbed;
    }

    /**
     * Sets the ceiling to the peer's advertised request queue length (BEP 10 {@code reqq}), within
     * {@link #CEILING}: above {@link #UNANNOUNCED_CEILING} when the peer allows it, below when it
     * asks for fewer.
     */
    public void limitTo(int peerQueueLength) {
        if (peerQueueLength > 0) {
            ceiling = Math.max(1, Math.min(CEILING, peerQueueLength));
            target = Math.min(target, ceiling);
        }
    }

    /** A requested block arrived. */
    public void blockReceived() {
        snubbed = false;
        if (slowStart && target < ceiling) {
            target++;
        }
    }

    /**
     * Once a second, with the bytes per second received from the peer in the second just ended and
     * averaged over the last few.
     */
    public void tick(long lastSecondRate, long averageRate) {
        if (snubbed) {
            return;
        }
        if (slowStart) {
            if (previousRate >= 0 && lastSecondRate > 0 && lastSecondRate < previousRate * STILL_RISING) {
                slowStart = false;
            }
            if (lastSecondRate > 0) {
                previousRate = lastSecondRate;
            }
        }
        if (!slowStart) {
            long bdp = (long) (Math.max(lastSecondRate, averageRate) * QUEUE_SECONDS / BLOCK);
            target = (int) Math.max(FLOOR, Math.min(ceiling, bdp));
        }
    }

    /** The peer has sent nothing we asked for in too long: ask one block at a time. */
    public void snub() {
        snubbed = true;
        slowStart = false;
    }
}
