package dev.spate.lsd;

/**
 * At most {@code limit} events in any window of {@code windowNanos}: the times of the last
 * {@code limit} events in a ring, an event allowed when the oldest of them has left the window. Exact
 * (no burst at a window's edge, as fixed windows allow) and of constant size. Time comes in as
 * arguments, from a {@link dev.spate.core.Clock}; only differences of it are used.
 *
 * <p>Not thread-safe: its owner guards it.
 */
final class SlidingWindow {
    private final long[] times;
    private final long windowNanos;
    /** Where the next event's time goes; once the ring is full, also the oldest event. */
    private int next;
    private int count;

    SlidingWindow(int limit, long windowNanos) {
        if (limit < 1) {
            throw new IllegalArgumentException("a window's limit is at least 1, not " + limit);
        }
        if (windowNanos <= 0) {
            throw new IllegalArgumentException("a window lasts a positive time, not " + windowNanos + " ns");
        }
        this.times = new long[limit];
        this.windowNanos = windowNanos;
    }

    /** Whether an event at {@code now} would be allowed. */
    boolean allows(long now) {
        return nanosUntilAllowed(now) == 0;
    }

    /** Records an event at {@code now}; call only after {@link #allows} said yes. */
    void record(long now) {
        times[next] = now;
        next = (next + 1) % times.length;
        if (count < times.length) {
            count++;
        }
    }

    /** Records an event at {@code now} if allowed, and says whether it was. */
    boolean tryRecord(long now) {
        if (!allows(now)) {
            return false;
        }
        record(now);
        return true;
    }

    /** How long from {@code now} until an event is allowed; 0 if it is now. */
    long nanosUntilAllowed(long now) {
        if (count < times.length) {
            return 0;
        }
        long left = times[next] + windowNanos - now;
        return Math.max(0, left);
    }

    /** Whether no event happened within the window before {@code now}: the window could be forgotten. */
    boolean isIdle(long now) {
        if (count == 0) {
            return true;
        }
        long newest = times[(next - 1 + times.length) % times.length];
        return now - newest >= windowNanos;
    }
}
