package dev.spate.tracker;

import dev.spate.core.Clock;
import java.time.Duration;
import java.util.Objects;

/**
 * When to announce next, as a pure function of past answers and an injected {@link Clock}: no
 * threads, no IO. Starts due. After an answer the next regular announce is {@code interval} away
 * (BEP 3); an early announce (for an event, or more peers) is allowed once {@code min interval} has
 * passed. After a failure it backs off 15 s, 30 s, 60 s ... up to 30 minutes. An announce the
 * user forces ({@link #mayReannounce}) waits out the min interval too, or {@link #REANNOUNCE_GAP}
 * when the tracker gave none.
 *
 * <p>Not thread-safe: owned by whoever schedules the announces.
 */
public final class AnnounceSchedule {
    static final Duration FIRST_BACKOFF = Duration.ofSeconds(15);
    static final Duration MAX_BACKOFF = Duration.ofMinutes(30);
    /**
     * Between an announce and one the user forces, when the tracker gave no {@code min interval}
     * (or did not answer). A reannounce is a button (or a script calling it in a loop: Sonarr-like
     * tools ask for one whenever a download stalls), and trackers ban clients that announce too
     * often; one a minute is far below any interval trackers ask for (typically 30 minutes), yet
     * soon enough for a user who just opened a port to see it used.
     */
    public static final Duration REANNOUNCE_GAP = Duration.ofSeconds(60);

    private final Clock clock;
    private long nextNanos;
    private long earliestNanos;
    private long reannounceNanos;
    private int failures;
    private boolean started;

    public AnnounceSchedule(Clock clock) {
        this.clock = Objects.requireNonNull(clock, "clock");
        this.nextNanos = clock.nanoTime();
        this.earliestNanos = nextNanos;
        this.reannounceNanos = nextNanos;
    }

    /** The tracker answered: next regular announce after its interval, no early one before its min interval. */
    public void succeeded(AnnounceResponse response) {
        long now = clock.nanoTime();
        failures = 0;
        started = true;
        nextNanos = now + response.interval().toNanos();
        earliestNanos = now + response.minInterval().orElse(Duration.ZERO).toNanos();
        reannounceNanos = now + response.minInterval().orElse(REANNOUNCE_GAP).toNanos();
    }

    /** No tracker answered: retry after a doubling back-off. */
    public void failed() {
        long now = clock.nanoTime();
        failures++;
        started = true;
        long backoff = FIRST_BACKOFF.toNanos() << Math.min(failures - 1, 20);
        nextNanos = now + Math.min(backoff, MAX_BACKOFF.toNanos());
        earliestNanos = nextNanos;
        reannounceNanos = now + REANNOUNCE_GAP.toNanos();
    }

    /** Whether a regular announce is due now. */
    public boolean isDue() {
        return clock.nanoTime() - nextNanos >= 0;
    }

    /** Whether an unscheduled announce (an event, a need for peers) may go out now. */
    public boolean mayAnnounceEarly() {
        return clock.nanoTime() - earliestNanos >= 0;
    }

    /**
     * Whether an announce the user forces may go out now: the last answer's {@code min interval}
     * has passed, or {@link #REANNOUNCE_GAP} since the last announce when there was none.
     */
    public boolean mayReannounce() {
        return clock.nanoTime() - reannounceNanos >= 0;
    }

    /** {@link Clock#nanoTime()} from which {@link #mayReannounce} holds. */
    public long reannounceNanos() {
        return reannounceNanos;
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
