package dev.spate.tracker;

import dev.spate.core.Clock;
import java.time.Duration;
import java.util.Objects;

/**
 * When to announce next, as a pure function of past answers and an injected {@link Clock}: no
 * threads, no IO. Starts due. After an answer the next regular announce is {@code interval} away
 * (BEP 3); an early announce (for an event, or more peers) is allowed once {@code min interval} has
 * passed. After a failure it backs off 15 s, 30 s, 60 s ... up to 30 minutes.
 *
 * <p>Not thread-safe: owned by whoever schedules the announces.
 */
public final class AnnounceSchedule {
    static final Duration FIRST_BACKOFF = Duration.ofSeconds(15);
    static final Duration MAX_BACKOFF = Duration.ofMinutes(30);

    private final Clock clock;
    private long nextNanos;
    private long earliestNanos;
    private int failures;
    private boolean started;

    public AnnounceSchedule(Clock clock) {
        this.clock = Objects.requireNonNull(clock, "clock");
        this.nextNanos = clock.nanoTime();
        this.earliestNanos = nextNanos;
    }

    /** The tracker answered: next regular announce after its interval, no early one before its min interval. */
    public void succeeded(AnnounceResponse response) {
        long now = clock.nanoTime();
        failures = 0;
        started = true;
        nextNanos = now + response.interval().toNanos();
        earliestNanos = now + response.minInterval().orElse(Duration.ZERO).toNanos();
    }

    /** No tracker answered: retry after a doubling back-off. */
    public void failed() {
        long now = clock.nanoTime();
        failures++;
        started = true;
        long backoff = FIRST_BACKOFF.toNanos() << Math.min(failures - 1, 20);
        nextNanos = now + Math.min(backoff, MAX_BACKOFF.toNanos());
        earliestNanos = nextNanos;
    }

    /** Whether a regular announce is due now. */
    public boolean isDue() {
        return clock.nanoTime() - nextNanos >= 0;
    }

    /** Whether an unscheduled announce (an event, a need for peers) may go out now. */
    public boolean mayAnnounceEarly() {
        return clock.nanoTime() - earliestNanos >= 0;
    }

    /** {@link Clock#nanoTime()} of the next regular announce. */
    public long nextAnnounceNanos() {
        return nextNanos;
    }

    /** Time left until the next regular announce, zero when due. */
    public Duration untilNext() {
        return Duration.ofNanos(Math.max(0, nextNanos - clock.nanoTime()));
    }

    /** Failures since the last answer. */
    public int consecutiveFailures() {
        return failures;
    }

    /** Whether any announce has been tried. */
    public boolean hasStarted() {
        return started;
    }
}
