package dev.spate.daemon;

import dev.spate.core.InfoHash;
import dev.spate.engine.FilePriority;
import dev.spate.engine.TorrentHandle;
import dev.spate.engine.TorrentOptions;
import dev.spate.metainfo.Magnet;
import dev.spate.metainfo.Metainfo;
import dev.spate.metainfo.MetainfoException;
import dev.spate.metainfo.MetainfoParser;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Keeps the {@link Table} in a {@link TorrentStore} over restarts: writes it as
 * {@link TorrentStore.Saved} records at every change, and at start adds the kept torrents again.
 * Without a store (null) it keeps nothing.
 *
 * <p>Any thread: its state ({@link #persisted}) and the table's are guarded by {@link Table#lock};
 * every method is called with it held, or takes it itself ({@link #restore}).
 */
final class StoreKeeper {
    /** The same logger as the facade's: what it logs is the facade's doing. */
    private static final System.Logger LOG = System.getLogger(Torrents.class.getName());

    private final Table table;
    /** Where the list is kept over restarts; null: not kept. */
    private final TorrentStore store;
    /** When the counters were last written. Guarded by {@link Table#lock}. */
    private Instant persisted;

    StoreKeeper(Table table, TorrentStore store) {
        this.table = table;
        this.store = store;
        this.persisted = table.started;
    }

    /**
     * Whether the list is to be written now: when {@code write}, or when the counters, which change
     * all the time, were last written {@link Torrents#COUNTERS_EVERY} before {@code now}. Under the lock.
     */
    boolean due(boolean write, Instant now) {
        return store != null && (write || Duration.between(persisted, now).compareTo(Torrents.COUNTERS_EVERY) >= 0);
    }

    /**
     * Adds the torrents kept in {@code kept} again; one that cannot be is logged and dropped from the
     * list. Then {@code queue} starts what may run, and the list is written.
     */
    void restore(TorrentStore.Contents kept, QueueKeeper queue) {
        table.lock.lock();
        try {
            table.nextId = kept.nextId();
            table.settings = kept.session().orElse(SessionSettings.defaults())
                    .withCommandLineRates(table.session.config().downloadRateLimit(),
                            table.session.config().uploadRateLimit());
            table.applySessionSettings();
            table.statsBefore = kept.stats();
            int order = 0;
            for (TorrentStore.Saved s : kept.torrents()) {
                try {
                    Optional<Metainfo> meta = s.torrent().isPresent()
                            ? Optional.of(MetainfoParser.parse(s.torrent().get())) : Optional.empty();
                    InfoHash hash = meta.isPresent() ? InfoHash.of(meta.get().infoHash())
                            : Magnet.parse(s.magnet().get()).requireV1InfoHash();
                    if (!hash.hex().equalsIgnoreCase(s.infoHash())) {
                        throw new MetainfoException("its torrent is not info-hash " + s.infoHash());
                    }
                    // Added stopped: the queue below starts what may run, so a torrent kept stopped
                    // or waiting in the queue never announces or connects at all.
                    TorrentOptions options = TorrentOptions.defaults().withPaused(true);
                    boolean[] wanted = null;
                    FilePriority[] priorities = null;
                    if (!s.wanted().isEmpty()) {
                        int n = s.wanted().size();
                        wanted = new boolean[n];
                        priorities = new FilePriority[n];
                        for (int i = 0; i < n; i++) {
                            wanted[i] = s.wanted().get(i);
                            priorities[i] = s.priorities().get(i);
                        }
                        options = options.withFilePriorities(Entry.engine(wanted, priorities));
                    }
                    TorrentHandle handle = meta.isPresent() ? table.session.add(meta.get(), s.directory(), options)
                            : table.session.add(Magnet.parse(s.magnet().get()), s.directory(), options);
                    // A list written before positions were kept: the queue in the list's order, after any kept.
                    int position = s.queuePosition() >= 0 ? s.queuePosition() : Integer.MAX_VALUE / 2 + order;
                    Ledger ledger = new Ledger(s.settings().orElseGet(table::newSettings), position, s.counters(),
                            table.clock.instant());
                    order++;
                    ledger.finished = s.finished();
                    ledger.engineRunning = false;
                    Entry e = new Entry(s.id(), handle, s.directory(), s.added(), meta, s.magnet(), s.paused(), ledger);
                    e.applyRates();
                    e.wanted = wanted;
                    e.priorities = priorities;
                    table.byId.put(e.id, e);
                    table.nextId = Math.max(table.nextId, e.id + 1);
                } catch (MetainfoException | IOException | RuntimeException ex) {
                    LOG.log(System.Logger.Level.WARNING, "cannot add kept torrent {0} ({1}) again, dropping it: {2}",
                            s.id(), s.infoHash(), ex.getMessage());
                }
            }
            table.renumber();
            queue.applyQueue();
            persist();
        } finally {
            table.lock.unlock();
        }
    }

    /**
     * Writes the list to the store, if there is one. Under the lock, so writes follow the changes in
     * order. A failed write is logged: the daemon goes on, and the next change writes it all again.
     */
    void persist() {
        if (store == null) {
            return;
        }
        List<TorrentStore.Saved> out = new ArrayList<>(table.byId.size());
        for (Entry e : table.byId.values()) {
            String hash = e.handle.infoHash().hex().toLowerCase(Locale.ROOT);
            // Encoded only the first time: the list is written at every change, of every torrent.
            out.add(new TorrentStore.Saved(e.id, hash,
                    e.metainfo.map(m -> store.keeps(hash) ? TorrentStore.KEPT : m.toTorrentFile()),
                    e.metainfo.isPresent() ? Optional.empty() : e.magnet,
                    e.directory, e.paused, e.added, e.wantedList(), e.prioritiesList(), Optional.of(e.ledger.settings),
                    e.ledger.counters(), e.ledger.position, e.ledger.finished));
        }
        persisted = table.clock.instant();
        try {
            store.write(new TorrentStore.Contents(out, table.nextId, Optional.of(table.settings),
                    table.cumulativeStats()));
        } catch (IOException | RuntimeException ex) {
            LOG.log(System.Logger.Level.WARNING, "cannot write the daemon''s torrent list in {0}: {1}",
                    store.directory(), ex.getMessage());
        }
    }
}
