package dev.spate.tracker;

import dev.spate.core.Clock;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A torrent's trackers as BEP 12 tiers. Each tier is shuffled once, when made. An announce tries
 * the tiers in order and the trackers of a tier in order, and stops at the first answer; the tracker
 * that answered moves to the front of its tier, so it is asked first next time. A URL whose scheme
 * we do not speak fails like an unreachable tracker, with its error recorded.
 *
 * <p>Threads: one announce at a time, on its caller's thread (the torrent's announcing virtual
 * thread); a second announce while one is in flight is refused, not queued, and no lock is held
 * across the network. The tier order and each tracker's outcome, tracker id and schedule belong to
 * the announce in flight. {@link #isDue}, {@link #nextAnnounceNanos} and {@link #statuses} read a
 * snapshot that the announcing thread publishes in one volatile write after each tracker it asks,
 * so any thread (the torrent loop's tick) gets an answer at once while an announce waits out a
 * tracker that never answers.
 */
public final class TrackerTiers {
    /** Which tracker answered, and what it said. */
    public record Answer(String url, AnnounceResponse response) {
    }

    /** The last outcome of asking one tracker. */
    public sealed interface Outcome permits NotContacted, Working, Failed {
    }

    /** Not asked yet: an earlier tracker has always answered. */
    public record NotContacted() implements Outcome {
    }

    /** Answered with {@code peers} peers. */
    public record Working(int peers) implements Outcome {
    }

    /** Failed with {@code message} (a {@link TrackerException}'s). */
    public record Failed(String message) implements Outcome {
    }

    /**
     * One tracker's state, for display.
     *
     * @param tier 0 for the first tier
     * @param nextAnnounceNanos when it should be asked next ({@link Clock} time), empty if never asked
     */
    public record TrackerStatus(String url, int tier, Outcome lastOutcome, OptionalLong nextAnnounceNanos) {
    }

    /** Announces to one URL; {@link Trackers#forUrl} in production, a fake in tests. */
    @FunctionalInterface
    interface Endpoint {
        AnnounceResponse announce(String url, AnnounceRequest request) throws TrackerException;
    }

    private static final class Entry {
        final String url;
        final int tier;
        final AnnounceSchedule schedule;
        Outcome outcome = new NotContacted();
        Optional<String> trackerId = Optional.empty();

        Entry(String url, int tier, Clock clock) {
            this.url = url;
            this.tier = tier;
            this.schedule = new AnnounceSchedule(clock);
        }
    }

    /** What the readers see, published together by the announcing thread. */
    private record View(List<TrackerStatus> statuses, long nextAnnounceNanos, long reannounceNanos) {
    }

    // Owned by the announce in flight (handed from one to the next by the announcing flag).
    private final List<List<Entry>> tiers = new ArrayList<>();
    private final Endpoint endpoint;
    private final AnnounceSchedule schedule;
    private final Clock clock;
    private final AtomicBoolean announcing = new AtomicBoolean();
    private volatile View view;

    /** Tiers of announce URLs (metainfo {@code announce-list}, or one tier of {@code announce}). */
    public TrackerTiers(List<List<String>> urls, TrackerConfig config, Random random) {
        this(urls, random, config.clock(), cachingEndpoint(config));
    }

    TrackerTiers(List<List<String>> urls, Random random, Clock clock, Endpoint endpoint) {
        this.endpoint = Objects.requireNonNull(endpoint, "endpoint");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.schedule = new AnnounceSchedule(clock);
        for (List<String> tierUrls : urls) {
            if (tierUrls.isEmpty()) {
                continue;
            }
            List<Entry> tier = new ArrayList<>();
            for (String url : tierUrls) {
                tier.add(new Entry(url, tiers.size(), clock));
            }
            // BEP 12: "the URLs within each tier are processed in a randomly chosen order".
            Collections.shuffle(tier, random);
            tiers.add(tier);
        }
        publish();
    }

    /** Makes each URL's {@link Tracker} once; used by the announce in flight only. */
    private static Endpoint cachingEndpoint(TrackerConfig config) {
        Map<String, Tracker> trackers = new HashMap<>();
        return (url, request) -> {
            Tracker t = trackers.get(url);
            if (t == null) {
                t = Trackers.forUrl(url, config);
                trackers.put(url, t);
            }
            return t.announce(request);
        };
    }

    /**
     * Announces down the tiers until one tracker answers, blocking for as long as the trackers'
     * timeouts allow. An interrupt ends it with "announce interrupted", and neither marks the tracker
     * being asked as failed nor backs off: we gave up, the tracker did not.
     *
     * @throws TrackerException when none did; its message lists each tracker's error
     * @throws IllegalStateException when another announce on these tiers is in flight
     */
    public Answer announce(AnnounceRequest request) throws TrackerException {
        if (!announcing.compareAndSet(false, true)) {
            throw new IllegalStateException("an announce is already in flight on these trackers");
        }
        try {
            return announceDownTheTiers(request);
        } finally {
            publish();
            announcing.set(false);
        }
    }

    private Answer announceDownTheTiers(AnnounceRequest request) throws TrackerException {
        List<String> errors = new ArrayList<>();
        for (List<Entry> tier : tiers) {
            for (int i = 0; i < tier.size(); i++) {
                if (Thread.currentThread().isInterrupted()) {
                    throw new TrackerException("announce interrupted");
                }
                Entry e = tier.get(i);
                AnnounceResponse response;
                try {
                    AnnounceRequest r = e.trackerId.isPresent() ? request.withTrackerId(e.trackerId) : request;
                    response = endpoint.announce(e.url, r);
                } catch (TrackerException ex) {
                    if (Thread.currentThread().isInterrupted()) {
                        // We gave up (the torrent stops), not the tracker: no error, no back-off.
                        throw new TrackerException("announce interrupted", ex);
                    }
                    e.outcome = new Failed(ex.getMessage());
                    e.schedule.failed();
                    errors.add(e.url + ": " + ex.getMessage());
                    publish(); // the status shows this failure while the next tracker is asked
                    continue;
                }
                e.outcome = new Working(response.peers().size());
                e.schedule.succeeded(response);
                if (response.trackerId().isPresent()) {
                    e.trackerId = response.trackerId();
                }
                // BEP 12: a tracker that answered moves to the front of its tier.
                tier.remove(i);
                tier.add(0, e);
                schedule.succeeded(response);
                return new Answer(e.url, response);
            }
        }
        schedule.failed();
        throw new TrackerException(errors.isEmpty() ? "no trackers to announce to"
                : "no tracker answered: " + String.join("; ", errors));
    }

    /** The trackers in the order they would be asked now; lock-free, as {@link #isDue}. */
    public List<TrackerStatus> statuses() {
        return view.statuses();
    }

    /**
     * Whether the next regular announce is due (after the last answer's interval, or a back-off).
     * Lock-free: an announce in flight does not hold it up.
     */
    public boolean isDue() {
        return clock.nanoTime() - view.nextAnnounceNanos() >= 0;
    }

    /**
     * Whether an announce the user forces may go out now ({@link AnnounceSchedule#mayReannounce}
     * of the last announce down the tiers: it reached, and was answered by, one tracker at most,
     * the one a forced announce asks first); lock-free, as {@link #isDue}.
     */
    public boolean mayReannounce() {
        return clock.nanoTime() - view.reannounceNanos() >= 0;
    }

    /** {@link Clock} time of the next regular announce; lock-free, as {@link #isDue}. */
    public long nextAnnounceNanos() {
        return view.nextAnnounceNanos();
    }

    /** Publishes the announcing thread's state for the readers, in one volatile write. */
    private void publish() {
        List<TrackerStatus> out = new ArrayList<>();
        for (List<Entry> tier : tiers) {
            for (Entry e : tier) {
                out.add(new TrackerStatus(e.url, e.tier, e.outcome, e.schedule.hasStarted()
                        ? OptionalLong.of(e.schedule.nextAnnounceNanos()) : OptionalLong.empty()));
            }
        }
        view = new View(List.copyOf(out), schedule.nextAnnounceNanos(), schedule.reannounceNanos());
    }
}
