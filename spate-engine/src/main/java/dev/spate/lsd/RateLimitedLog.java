package dev.spate.lsd;

import dev.spate.core.Clock;
import java.lang.System.Logger.Level;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * A log that says each kind of trouble once, then at most once per quiet period with the count of
 * what it kept back, so that a socket failing in a loop or a LAN full of garbage cannot flood the log.
 * Kinds are a fixed set of keys chosen by the code (never text from the network).
 *
 * <p>Thread-safe: the receive and announce threads share one.
 */
final class RateLimitedLog {
    private final System.Logger logger;
    private final Clock clock;
    private final long quietNanos;
    private final ConcurrentMap<String, State> states = new ConcurrentHashMap<>();

    private record State(long loggedAt, long suppressed, boolean logNow) {
    }

    RateLimitedLog(System.Logger logger, Clock clock, long quietNanos) {
        this.logger = logger;
        this.clock = clock;
        this.quietNanos = quietNanos;
    }

    /** Logs {@code message} at {@code level} unless a message of this {@code key} was logged within the quiet period. */
    void log(Level level, String key, String message) {
        long now = clock.nanoTime();
        long[] keptBack = new long[1];
        State s = states.compute(key, (k, old) -> {
            if (old == null || now - old.loggedAt >= quietNanos) {
                keptBack[0] = old == null ? 0 : old.suppressed;
                return new State(now, 0, true);
            }
            return new State(old.loggedAt, old.suppressed + 1, false);
        });
        if (s.logNow && logger.isLoggable(level)) {
            logger.log(level, keptBack[0] == 0 ? message : message + " (" + keptBack[0] + " more like it not logged)");
        }
    }
}
