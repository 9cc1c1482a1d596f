package dev.spate.daemon;

import dev.spate.engine.Session;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The state {@link Torrents} and its roles ({@link QueueKeeper}, {@link Relocations},
 * {@link StoreKeeper}) share: the torrents by id, the next id, the session settings and this
 * run's statistics, over one engine {@link Session}.
 *
 * <p>Any thread: everything mutable here (and in each {@link Entry}) is guarded by {@link #lock},
 * which each role takes itself; it is held only for bookkeeping and for the engine's non-blocking
 * calls (and, in {@link Relocations}, for a removal that waits for the torrent to stop).
 */
final class Table {
    final Session session;
    final Clock clock;
    /** When the facade started. */
    final Instant started;
    final ReentrantLock lock = new ReentrantLock();
    /** By id, in the order added. Guarded by {@link #lock}. */
    final Map<Integer, Entry> byId = new LinkedHashMap<>();
    /** Guarded by {@link #lock}. */
    int nextId = 1;
    /** Guarded by {@link #lock}. */
    SessionSettings settings = SessionSettings.defaults();
    /** The statistics of the runs before this one; set once, by the restore in the facade's constructor. */
    TorrentStore.Stats statsBefore = TorrentStore.Stats.ZERO;
    /** This run's bytes of torrents removed since (their engine counters are gone). Guarded by {@link #lock}. */
    long removedUploaded;
    long removedDownloaded;
    /** Guarded by {@link #lock}. */
    int addedThisRun;

    Table(Session session, Clock clock) {
        this.session = Objects.requireNonNull(session, "session");
        this.clock = clock;
        this.started = clock.instant();
    }

    /** The session's rate limits from the settings; the command line's (the session's config) win at start. */
    void applySessionSettings() {
        session.setRateLimits(settings.effectiveDownBytes(), settings.effectiveUpBytes());
    }

    /** A new torrent's settings: Transmission's, after the session's seeding limits and peers per torrent. */
    TorrentSettings newSettings() {
        return TorrentSettings.defaults(settings, session.config().maxPeersPerTorrent());
    }

    /** Queue positions made 0, 1, ... in their order (ties by id). Under the lock. */
    void renumber() {
        List<Entry> order = new ArrayList<>(byId.values());
        order.sort(Comparator.<Entry>comparingInt(e -> e.ledger.position).thenComparingInt(e -> e.id));
        number(order);
    }

    /** The entries by queue position (ties in the order added), in a list of one's own. Under the lock. */
    List<Entry> queueOrder() {
        List<Entry> order = new ArrayList<>(byId.values());
        order.sort(Comparator.comparingInt(e -> e.ledger.position));
        return order;
    }

    /** Gives the entries of {@code order} the queue positions 0, 1, ... in that order. Under the lock. */
    static void number(List<Entry> order) {
        for (int i = 0; i < order.size(); i++) {
            order.get(i).ledger.position = i;
        }
    }

    /** Every entry, in the order added, as of now. */
    List<Entry> entries() {
        lock.lock();
        try {
            return List.copyOf(byId.values());
        } finally {
            lock.unlock();
        }
    }

    /**
     * The entries {@code ids} name, in the order added: an Integer is an id, a String a hex
     * info-hash; null means all. Ids that name no torrent are left out, as Transmission does.
     */
    List<Entry> select(Collection<Object> ids) {
        List<Entry> all = entries();
        if (ids == null) {
            return all;
        }
        List<Entry> chosen = new ArrayList<>();
        for (Entry e : all) {
            for (Object id : ids) {
                boolean match = id instanceof Integer n ? n == e.id
                        : id instanceof String h && h.equalsIgnoreCase(e.handle.infoHash().hex());
                if (match) {
                    chosen.add(e);
                    break;
                }
            }
        }
        return chosen;
    }

    /** This run's statistics (session-stats "current-stats"), as of the last tick. */
    TorrentStore.Stats currentStats() {
        lock.lock();
        try {
            long up = removedUploaded;
            long down = removedDownloaded;
            for (Entry e : byId.values()) {
                up += e.ledger.runUploaded;
                down += e.ledger.runDownloaded;
            }
            return new TorrentStore.Stats(up, down, addedThisRun, 1,
                    Math.max(0, Duration.between(started, clock.instant()).toSeconds()));
        } finally {
            lock.unlock();
        }
    }

    /** The statistics over every run, this one included (session-stats "cumulative-stats"). */
    TorrentStore.Stats cumulativeStats() {
        TorrentStore.Stats now = currentStats();
        return new TorrentStore.Stats(statsBefore.uploadedBytes() + now.uploadedBytes(),
                statsBefore.downloadedBytes() + now.downloadedBytes(), statsBefore.filesAdded() + now.filesAdded(),
                statsBefore.sessionCount() + 1, statsBefore.secondsActive() + now.secondsActive());
    }
}
