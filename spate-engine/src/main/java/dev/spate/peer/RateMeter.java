package dev.spate.peer;

/**
 * Bytes per second over a sliding window of whole seconds. {@link #add} counts bytes into the
 * current second; {@link #tick} (once a second, from the owner's tick) closes it.
 *
 * <p>Not thread-safe: owned by a torrent's loop thread.
 */
public final class RateMeter {
    private final long[] seconds;
    private int filled;
    private int next;
    private long current;
    private long total;

    /** A meter averaging over the last {@code windowSeconds} closed seconds. */
    public RateMeter(int windowSeconds) {
        if (windowSeconds < 1) {
            throw new IllegalArgumentException("window of " + windowSeconds + " seconds");
        }
        this.seconds = new long[windowSeconds];
    }

    public void add(long bytes) {
        current += bytes;
        total += bytes;
    }

    /** Closes the current second. */
    public void tick() {
        seconds[next] = current;
        next = (next + 1) % seconds.length;
        filled = Math.min(filled + 1, seconds.length);
        current = 0;
    }

    /** Average bytes per second over the closed seconds of the window; 0 before the first tick. */
    public long rate() {
        if (filled == 0) {
            return 0;
        }
        long sum = 0;
        for (int i = 0; i < filled; i++) {
            sum += seconds[i];
        }
        return sum / filled;
    }

    /** Bytes in the last closed second. */
    public long lastSecond() {
        return filled == 0 ? 0 : seconds[(next + seconds.length - 1) % seconds.length];
    }

    /** Every byte ever added. */
    public long total() {
        return total;
    }
}
