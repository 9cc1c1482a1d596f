package dev.spate.webseed;

import dev.spate.core.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * When a web seed may be asked again: the standing of one web seed within one torrent. Pure: no
 * threads, no IO, time from the injected {@link Clock}. Not thread-safe: the torrent's loop owns
 * it, tells it how each fetch ended, and asks it before starting the next.
 *
 * <ul>
 *   <li>A failed fetch (any {@link WebSeedException}) makes the web seed wait: 10 s after the first
 *       failure in a row, doubling with each further one, at most 10 min. A successful fetch ends
 *       the run of failures.</li>
 *   <li>A server that said how long to wait ({@code Retry-After}, typically with 503, which BEP 19
 *       calls "busy" and says is no reason to discard a server) is not asked sooner than it said,
 *       up to one hour; a longer wish is cut to an hour, so a mistaken header cannot retire a
 *       mirror for good.</li>
 *   <li>A piece from the web seed that fails its hash check drops the web seed for the rest of
 *       the torrent's session (BEP 19: "that URL should be discarded"): it is never asked
 *       again. Only the caller knows, so it must say so with {@link #hashFailed(int)}.</li>
 * </ul>
 */
public final class WebSeedBackOff {
    /** Wait after the first failure in a row. */
    public static final Duration FIRST_DELAY = Duration.ofSeconds(10);
    /** Longest wait that failures alone lead to. */
    public static final Duration MAX_DELAY = Duration.ofMinutes(10);
    /** Longest wait a server's {@code Retry-After} is honoured for. */
    public static final Duration MAX_RETRY_AFTER = Duration.ofHours(1);

    private final Clock clock;
    private final Duration firstDelay;
    private final Duration maxDelay;
    private final Duration maxRetryAfter;
    private int failures;
    private boolean waiting;
    private long notBefore;
    private String dropReason;

    /** With the default delays: 10 s doubling to 10 min, {@code Retry-After} up to an hour. */
    public WebSeedBackOff(Clock clock) {
        this(clock, FIRST_DELAY, MAX_DELAY, MAX_RETRY_AFTER);
    }

    public WebSeedBackOff(Clock clock, Duration firstDelay, Duration maxDelay, Duration maxRetryAfter) {
        this.clock = Objects.requireNonNull(clock, "clock");
        this.firstDelay = Objects.requireNonNull(firstDelay, "firstDelay");
        this.maxDelay = Objects.requireNonNull(maxDelay, "maxDelay");
        this.maxRetryAfter = Objects.requireNonNull(maxRetryAfter, "maxRetryAfter");
        if (firstDelay.isNegative() || firstDelay.isZero() || maxDelay.compareTo(firstDelay) < 0
                || maxRetryAfter.isNegative()) {
            throw new IllegalArgumentException("delays must satisfy 0 < first <= max and maxRetryAfter >= 0, not "
                    + firstDelay + ", " + maxDelay + ", " + maxRetryAfter);
        }
    }

    /** Whether a fetch may start now: not dropped and not waiting after a failure. */
    public boolean mayTry() {
        return dropReason == null && (!waiting || clock.nanoTime() - notBefore >= 0);
    }

    /** How long until {@link #mayTry()} turns true: zero when it is, empty when the web seed is dropped. */
    public Optional<Duration> untilRetry() {
        if (dropReason != null) {
            return Optional.empty();
        }
        long left = waiting ? notBefore - clock.nanoTime() : 0;
        return Optional.of(left > 0 ? Duration.ofNanos(left) : Duration.ZERO);
    }

    /** A fetch returned its bytes: the run of failures is over. (Its hash is another matter.) */
    public void succeeded() {
        failures = 0;
        waiting = false;
    }

    /**
     * A fetch failed: wait before the next one. Returns the wait chosen.
     */
    public Duration failed(WebSeedException e) {
        failures = failures == Integer.MAX_VALUE ? failures : failures + 1;
        Duration delay = firstDelay;
        for (int i = 1; i < failures && delay.compareTo(maxDelay) < 0; i++) {
            delay = delay.multipliedBy(2);
        }
        if (delay.compareTo(maxDelay) > 0) {
            delay = maxDelay;
        }
        Optional<Duration> asked = e.retryAfter();
        if (asked.isPresent()) {
            Duration wish = asked.get().compareTo(maxRetryAfter) < 0 ? asked.get() : maxRetryAfter;
            if (wish.compareTo(delay) > 0) {
                delay = wish;
            }
        }
        waiting = true;
        notBefore = clock.nanoTime() + delay.toNanos();
        return delay;
    }

    /** A piece this web seed sent failed its hash check: the web seed is dropped for good. */
    public void hashFailed(int piece) {
        if (dropReason == null) {
            dropReason = "piece " + piece + " from it failed its hash check";
        }
    }

    /** Whether the web seed is dropped for the rest of the torrent's session. */
    public boolean dropped() {
        return dropReason != null;
    }

    /** Why the web seed was dropped, when it was. */
    public Optional<String> dropReason() {
        return Optional.ofNullable(dropReason);
    }

    /** Failed fetches since the last success. */
    public int consecutiveFailures() {
        return failures;
    }
}
