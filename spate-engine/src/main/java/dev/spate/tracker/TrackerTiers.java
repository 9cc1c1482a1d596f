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
import java.util.concurrent.locks.ReentrantLock;

/**
 * A torrent's trackers as BEP 12 tiers. Each tier is shuffled once, when made. An announce tries
 * the tiers in order and the trackers of a tier in order, and stops at the first answer; the tracker
 * that answered moves to the front of its tier, so it is asked first next time. A URL whose scheme
 * we do not speak fails like an unreachable tracker, with its error recorded.
 *
 * <p>Announces are serialised (one at a time, under a lock held across the network calls, which
 * suits the one announcing thread per torrent). {@link #statuses()} may be read from any thread.
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

    private final List<List<Entry>> tiers = new ArrayList<>();
    private final Endpoint endpoint;
    private final AnnounceSchedule schedule;
    private final ReentrantLock lock = new ReentrantLock();
    private volatile List<TrackerStatus> statuses;

    /** Tiers of announce URLs (metainfo {@code announce-list}, or one tier of {@code announce}). */
    public TrackerTiers(List<List<String>> urls, TrackerConfig config, Random random) {
        this(urls, random, config.clock(), cachingEndpoint(config));
    }

    TrackerTiers(List<List<String>> urls, Random random, Clock clock, Endpoint endpoint) {
        this.endpoint = Objects.requireNonNull(endpoint, "endpoint");
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
     * Announces down the tiers until one tracker answers.
     *
     * @throws TrackerException when none did; its message lists each tracker's error
     */
    public Answer announce(AnnounceRequest request) throws TrackerException {
        lock.lock();
        try {
            List<String> errors = new ArrayList<>();
            for (List<Entry> tier : tiers) {
                for (int i = 0; i < tier.size(); i++) {
                    Entry e = tier.get(i);
                    try {
                        AnnounceRequest r = e.trackerId.isPresent() ? request.withTrackerId(e.trackerId) : request;
                        AnnounceResponse response = endpoint.announce(e.url, r);
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
                    } catch (TrackerException ex) {
                        e.outcome = new Failed(ex.getMessage());
                        e.schedule.failed();
                        errors.add(e.url + ": " + ex.getMessage());
                    }
                }
            }
            schedule.failed();
            throw new TrackerException(errors.isEmpty() ? "no trackers to announce to"
                    : "no tracker answered: " + String.join("; ", errors));
        } finally {
            publish();
            lock.unlock();
        }
    }

    /** The trackers in the order they would be asked now. */
    public List<TrackerStatus> statuses() {
        return statuses;
    }

    /** Whether the next regular announce is due (after the last answer's interval, or a back-off). */
    public boolean isDue() {
        lock.lock();
        try {
            return schedule.isDue();
        } finally {
            lock.unlock();
        }
    }

    /** {@link Clock} time of the next regular announce. */
    public long nextAnnounceNanos() {
        lock.lock();
        try {
            return schedule.nextAnnounceNanos();
        } finally {
            lock.unlock();
        }
    }

    private void publish() {
        List<TrackerStatus> out = new ArrayList<>();
        for (List<Entry> tier : tiers) {
            for (Entry e : tier) {
                out.add(new TrackerStatus(e.url, e.tier, e.outcome, e.schedule.hasStarted()
                        ? OptionalLong.of(e.schedule.nextAnnounceNanos()) : OptionalLong.empty()));
            }
        }
        statuses = List.copyOf(out);
    }
}
