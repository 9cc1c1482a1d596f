package dev.spate.daemon;

import dev.spate.engine.TorrentState;
import dev.spate.engine.TorrentStatus;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Turns {@link Queue}'s decisions into the engine's pause and resume, at every change and every
 * tick, samples each torrent's {@link Ledger} (its bytes and time) at the ticks, and moves torrents
 * in the queue (queue-move-*, torrent-set queuePosition).
 *
 * <p>Any thread: its state is the {@link Table}'s, guarded by {@link Table#lock}; the methods
 * marked "under the lock" are called with it held, {@link #sample} takes it itself.
 */
final class QueueKeeper {
    /** The same logger as the facade's: what it logs is the facade's doing. */
    private static final System.Logger LOG = System.getLogger(Torrents.class.getName());

    private final Table table;
    private final StoreKeeper keeper;

    QueueKeeper(Table table, StoreKeeper keeper) {
        this.table = table;
        this.keeper = keeper;
    }

    /** What {@link Queue} is told of {@code e}, with its snapshot {@code s}. Under the lock. */
    Queue.Item item(Entry e, TorrentStatus s) {
        Ledger l = e.ledger;
        boolean done = s.isFinished();
        return new Queue.Item(e.id, l.position, !e.paused, l.forced, l.admitted, s.state() == TorrentState.ERROR, done,
                l.uploadedEver(s), l.downloadedEver(s), s.wantedBytes(), l.idleSeconds(table.clock.instant()),
                l.settings);
    }

    /** The settings, queue place and counters of {@code e} as answered, with its snapshot {@code s}. Under the lock. */
    TorrentBook book(Entry e, TorrentStatus s) {
        Queue.Item i = item(e, s);
        boolean queued = !e.paused && !e.ledger.admitted && !i.error();
        boolean stalled = e.ledger.admitted && Queue.stalled(table.settings, i);
        return e.ledger.view(s, table.clock.instant(), queued, stalled, i.done() && Queue.ratioReached(table.settings, i));
    }

    /**
     * Asks {@link Queue} what each torrent should do and tells the engine (pause, resume) where that
     * changed. Under the lock.
     */
    void applyQueue() {
        applyQueue(new HashMap<>());
    }

    /** As {@link #applyQueue()} with the snapshots already taken (those missing are taken now). Under the lock. */
    void applyQueue(Map<Integer, TorrentStatus> statuses) {
        List<Queue.Item> items = new ArrayList<>(table.byId.size());
        for (Entry e : table.byId.values()) {
            // The latest snapshots, not a round trip to each torrent's thread: with a thousand
            // torrents every change would otherwise wait on a thousand threads, under the lock.
            TorrentStatus s = statuses.computeIfAbsent(e.id, k -> e.handle.latestStatus());
            items.add(item(e, s));
        }
        boolean stoppedForGood = false;
        for (Map.Entry<Integer, Queue.Decision> d : Queue.decide(table.settings, items).entrySet()) {
            Entry e = table.byId.get(d.getKey());
            Ledger l = e.ledger;
            switch (d.getValue()) {
                case RUN -> {
                    if (!l.admitted) {
                        l.admitted = true;
                        l.startDate = table.clock.instant();
                    }
                    if (!l.engineRunning) {
                        e.handle.resume();
                        l.engineRunning = true;
                    }
                }
                case WAIT, STOPPED -> {
                    l.admitted = false;
                    l.startDate = null;
                    if (l.engineRunning) {
                        e.handle.pause();
                        l.engineRunning = false;
                    }
                }
                case STOP_RATIO, STOP_IDLE -> {
                    LOG.log(System.Logger.Level.INFO, "torrent {0} ({1}) reached its seeding {2} limit: stopped",
                            e.id, statuses.get(e.id).name(), d.getValue() == Queue.Decision.STOP_RATIO ? "ratio" : "idle");
                    e.paused = true;
                    l.finished = true;
                    l.admitted = false;
                    l.forced = false;
                    l.startDate = null;
                    e.handle.pause();
                    l.engineRunning = false;
                    stoppedForGood = true;
                }
                case LEAVE -> {
                    l.admitted = false;
                    l.startDate = null;
                }
            }
        }
        if (stoppedForGood) {
            keeper.persist();
        }
    }

    /**
     * Moves {@code chosen} in the queue, as Transmission's queue-move-top, -up, -down and -bottom:
     * the ones moved keep their order among themselves. Under the lock.
     */
    void move(List<Entry> chosen, Torrents.Move move) {
        List<Entry> order = table.queueOrder();
        Set<Entry> moved = new HashSet<>(chosen);
        moved.retainAll(order);
        switch (move) {
            case TOP, BOTTOM -> {
                List<Entry> them = order.stream().filter(moved::contains).toList();
                order.removeAll(them);
                order.addAll(move == Torrents.Move.TOP ? 0 : order.size(), them);
            }
            case UP -> {
                for (int i = 1; i < order.size(); i++) {
                    if (moved.contains(order.get(i)) && !moved.contains(order.get(i - 1))) {
                        Collections.swap(order, i, i - 1);
                    }
                }
            }
            case DOWN -> {
                for (int i = order.size() - 2; i >= 0; i--) {
                    if (moved.contains(order.get(i)) && !moved.contains(order.get(i + 1))) {
                        Collections.swap(order, i, i + 1);
                    }
                }
            }
        }
        Table.number(order);
    }

    /** Puts {@code chosen} at queue position {@code position}, clamped. Under the lock. */
    void place(List<Entry> chosen, int position) {
        List<Entry> order = table.queueOrder();
        for (Entry e : chosen) {
            if (order.remove(e)) {
                order.add(Math.max(0, Math.min(position, order.size())), e);
            }
        }
        Table.number(order);
    }

    /**
     * Takes every torrent's latest snapshot (as its own thread took it, at most a second or two
     * ago: asking a thousand threads every second would keep them all awake), then under the lock
     * samples the counters, applies the queue, and writes the list when {@code write} or when the
     * counters were last written {@link Torrents#COUNTERS_EVERY} ago.
     */
    void sample(boolean write) {
        Map<Integer, TorrentStatus> statuses = new HashMap<>();
        Map<Integer, dev.spate.engine.TorrentHandle> of = new HashMap<>();
        for (Entry e : table.entries()) {
            dev.spate.engine.TorrentHandle h = e.handle;
            statuses.put(e.id, h.latestStatus());
            of.put(e.id, h);
        }
        table.lock.lock();
        try {
            Instant now = table.clock.instant();
            for (Entry e : table.byId.values()) {
                TorrentStatus s = statuses.get(e.id);
                // A snapshot of a handle replaced meanwhile (torrent-set-location) is not this one's:
                // its counters would be taken for a restart and counted again.
                if (s != null && of.get(e.id) == e.handle) {
                    e.ledger.sample(s, now);
                } else {
                    statuses.remove(e.id);
                }
            }
            applyQueue(statuses);
            if (keeper.due(write, now)) {
                keeper.persist();
            }
        } finally {
            table.lock.unlock();
        }
    }
}
