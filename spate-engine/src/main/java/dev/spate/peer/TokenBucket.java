package dev.spate.peer;

import dev.spate.core.Clock;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A rate limit in bytes per second. Taking bytes may run the bucket into debt; the taker then
 * waits until the debt is paid at the limit's rate, so over time exactly the limit passes however
 * many threads take. Up to a quarter second of unused rate is saved as a burst.
 *
 * <p>Thread-safe: peers' reader and writer threads take from the buckets of their torrent and of
 * the session at once. A lock, not {@code synchronized}, so that virtual threads never pin.
 */
public final class TokenBucket {
    /** At least this much may go at once, so one block never waits on a tiny burst. */
    static final long MIN_BURST = 32 * 1024;
    private final Clock clock;
    private final ReentrantLock lock = new ReentrantLock();
    private volatile long rate;
    private double tokens;
    private long last;

    /** A bucket of {@code bytesPerSecond}; 0 for no limit. */
    public TokenBucket(long bytesPerSecond, Clock clock) {
        this.clock = clock;
        this.last = clock.nanoTime();
        setRate(bytesPerSecond);
        this.tokens = burst(); // a new limit starts with its burst available
    }

    public static TokenBucket unlimited() {
        return new TokenBucket(0, Clock.system());
    }

    /** Changes the limit; 0 removes it. */
    public void setRate(long bytesPerSecond) {
        if (bytesPerSecond < 0) {
            throw new IllegalArgumentException("negative rate limit " + bytesPerSecond);
        }
        lock.lock();
        try {
            refill();
            rate = bytesPerSecond;
            tokens = Math.min(tokens, burst());
        } finally {
            lock.unlock();
        }
    }

    public long rate() {
        return rate;
    }

    /**
     * Takes {@code bytes} and returns how many nanoseconds the taker must wait before using them
     * (0 when there were enough).
     */
    public long reserve(long bytes) {
        if (rate == 0) {
            return 0;
        }
        lock.lock();
        try {
            refill();
            tokens -= bytes;
            return tokens >= 0 ? 0 : (long) (-tokens * 1e9 / rate);
        } finally {
            lock.unlock();
        }
    }

    /** Takes {@code bytes}, waiting as long as the limit requires. */
    public void acquire(long bytes) throws InterruptedException {
        long wait = reserve(bytes);
        if (wait > 0) {
            TimeUnit.NANOSECONDS.sleep(wait);
        }
    }

    private void refill() {
        long now = clock.nanoTime();
        long r = rate;
        if (r > 0) {
            tokens = Math.min(burst(), tokens + (now - last) * (double) r / 1e9);
        }
        last = now;
    }

    private double burst() {
        return Math.max(MIN_BURST, rate / 4.0);
    }
}
