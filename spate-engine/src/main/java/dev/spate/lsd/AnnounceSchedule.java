package dev.spate.lsd;

import dev.spate.core.Clock;
import dev.spate.core.InfoHash;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * When to announce which torrent (BEP 14, "Usage"): each registered info-hash once as soon as it is
 * added, then again every {@code interval} (BEP 14: every 5 minutes), never more often, not even when it
 * is removed and added again within the interval; and at most {@code maxDatagramsPerMinute} announce
 * rounds in any minute in total, each round one datagram to each group. Info-hashes due together share
 * a datagram, up to {@code maxHashesPerDatagram} of them (BEP 14 allows several per announce), the
 * longest-waiting first; the rest wait for the next round.
 *
 * <p>A plain object over the injected {@link Clock}, no threads. Not thread-safe: the service's lock
 * guards it.
 */
final class AnnounceSchedule {
    private static final long MINUTE_NANOS = 60_000_000_000L;

    private final Clock clock;
    private final long intervalNanos;
    private final int maxHashesPerDatagram;
    private final SlidingWindow rounds;
    /** Every hash registered, and every hash removed within the interval of its last announce. */
    private final Map<InfoHash, Entry> entries = new LinkedHashMap<>();

    private static final class Entry {
        boolean active = true;
        boolean announced;
        long lastAnnouncedAt;
    }

    AnnounceSchedule(Clock clock, long intervalNanos, int maxDatagramsPerMinute, int maxHashesPerDatagram) {
        if (intervalNanos <= 0) {
            throw new IllegalArgumentException("the announce interval must be positive, not " + intervalNanos + " ns");
        }
        if (maxHashesPerDatagram < 1) {
            throw new IllegalArgumentException("a datagram holds at least one info-hash, not " + maxHashesPerDatagram);
        }
        this.clock = clock;
        this.intervalNanos = intervalNanos;
        this.maxHashesPerDatagram = maxHashesPerDatagram;
        this.rounds = new SlidingWindow(maxDatagramsPerMinute, MINUTE_NANOS);
    }

    /** Registers {@code h}: due now, unless it was announced less than an interval ago. No-op if registered. */
    void add(InfoHash h) {
        entries.computeIfAbsent(h, k -> new Entry()).active = true;
    }

    /** Stops announcing {@code h}; its last announce time is kept for an interval. */
    void remove(InfoHash h) {
        Entry e = entries.get(h);
        if (e == null) {
            return;
        }
        if (e.announced) {
            e.active = false;
        } else {
            entries.remove(h);
        }
    }

    /** Whether {@code h} is registered. */
    boolean contains(InfoHash h) {
        Entry e = entries.get(h);
        return e != null && e.active;
    }

    /**
     * The info-hashes to announce now, in one datagram, and records that they were; empty when none is
     * due or the rounds of the last minute are used up.
     */
    List<InfoHash> poll() {
        long now = clock.nanoTime();
        forgetExpired(now);
        if (!rounds.allows(now)) {
            return List.of();
        }
        List<Map.Entry<InfoHash, Entry>> due = new ArrayList<>();
        for (Map.Entry<InfoHash, Entry> e : entries.entrySet()) {
            if (e.getValue().active && dueIn(e.getValue(), now) == 0) {
                due.add(e);
            }
        }
        if (due.isEmpty()) {
            return List.of();
        }
        // Never announced first (in the order added), then the longest waiting. The sort is stable.
        due.sort(Comparator.comparingLong(
                e -> e.getValue().announced ? e.getValue().lastAnnouncedAt - now : Long.MIN_VALUE));
        List<InfoHash> batch = new ArrayList<>();
        for (Map.Entry<InfoHash, Entry> e : due.subList(0, Math.min(due.size(), maxHashesPerDatagram))) {
            e.getValue().announced = true;
            e.getValue().lastAnnouncedAt = now;
            batch.add(e.getKey());
        }
        rounds.record(now);
        return List.copyOf(batch);
    }

    /** How long until {@link #poll} may return something; {@link Long#MAX_VALUE} when nothing is registered. */
    long nanosUntilDue() {
        long now = clock.nanoTime();
        long soonest = Long.MAX_VALUE;
        for (Entry e : entries.values()) {
            if (e.active) {
                soonest = Math.min(soonest, dueIn(e, now));
            }
        }
        return soonest == Long.MAX_VALUE ? soonest : Math.max(soonest, rounds.nanosUntilAllowed(now));
    }

    private long dueIn(Entry e, long now) {
        return e.announced ? Math.max(0, e.lastAnnouncedAt + intervalNanos - now) : 0;
    }

    private void forgetExpired(long now) {
        for (Iterator<Entry> it = entries.values().iterator(); it.hasNext(); ) {
            Entry e = it.next();
            if (!e.active && now - e.lastAnnouncedAt >= intervalNanos) {
                it.remove();
            }
        }
    }
}
