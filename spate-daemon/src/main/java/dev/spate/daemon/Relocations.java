package dev.spate.daemon;

import dev.spate.engine.TorrentHandle;
import dev.spate.engine.TorrentOptions;
import dev.spate.metainfo.Magnet;
import dev.spate.metainfo.MetainfoException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * Gives torrents another download directory (torrent-set-location): moves their data there, or
 * takes them out of the session and adds them again at the new place.
 *
 * <p>Any thread: its state is the {@link Table}'s, guarded by {@link Table#lock}, which each
 * method takes itself; a move's completion comes on the engine's thread.
 */
final class Relocations {
    /** The same logger as the facade's: what it logs is the facade's doing. */
    private static final System.Logger LOG = System.getLogger(Torrents.class.getName());

    private final Table table;
    private final QueueKeeper queue;
    private final StoreKeeper keeper;

    Relocations(Table table, QueueKeeper queue, StoreKeeper keeper) {
        this.table = table;
        this.queue = queue;
        this.keeper = keeper;
    }

    /**
     * Gives {@code chosen} the download directory {@code dir} (checked against the roots already),
     * as {@link Torrents#setLocation}: moving the data with {@code move}, else adding each again
     * there.
     *
     * @throws IOException when a torrent cannot be added again at the new place (it is then added
     *     back at the old one)
     */
    void setLocation(List<Entry> chosen, Path dir, boolean move) throws IOException {
        for (Entry e : chosen) {
            if (e.directory.equals(dir)) {
                continue;
            }
            // A magnet link's torrent before its metadata has nothing on disk: it is only added again.
            if (move && (e.metainfo.isPresent() || !e.handle.status().files().isEmpty())) {
                TorrentHandle handle = e.handle;
                handle.moveStorage(dir).whenComplete((ok, failure) -> moved(e, handle, dir, failure));
            } else {
                relocate(e, dir);
            }
        }
    }

    /** A move of {@link #setLocation} ended: the torrent's directory is the new one when it succeeded. Any thread. */
    private void moved(Entry e, TorrentHandle handle, Path dir, Throwable failure) {
        if (failure != null) {
            Throwable cause = failure instanceof java.util.concurrent.CompletionException c && c.getCause() != null
                    ? c.getCause() : failure;
            LOG.log(System.Logger.Level.WARNING, "cannot move the data of torrent {0} ({1}) to {2}: {3}",
                    e.id, handle.name(), dir, cause.getMessage());
            return;
        }
        table.lock.lock();
        try {
            if (table.byId.get(e.id) == e && e.handle == handle) {
                e.directory = dir;
                keeper.persist();
            }
        } finally {
            table.lock.unlock();
        }
    }

    /**
     * Takes {@code e} out of the session, its files left, and adds it again at {@code dir} with its
     * files' choices and paused or not. Under the lock: a request meanwhile sees it before or
     * after, never gone (the removal waits for the torrent to stop: a few seconds at most).
     */
    private void relocate(Entry e, Path dir) throws IOException {
        table.lock.lock();
        try {
            if (table.byId.get(e.id) != e || e.directory.equals(dir)) {
                return;
            }
            e.knowFiles(null);
            // Added stopped, as every torrent: the queue starts it again if it was running.
            TorrentOptions options = TorrentOptions.defaults().withPaused(true);
            if (e.priorities != null) {
                options = options.withFilePriorities(Entry.engine(e.wanted, e.priorities));
            }
            Path old = e.directory;
            // What it moved stays counted: a last sample of the old handle, as the new one starts from nothing.
            e.ledger.sample(e.handle.status(), table.clock.instant());
            e.ledger.newHandle();
            e.handle.remove(false);
            try {
                e.handle = addAt(e, dir, options);
                e.directory = dir;
                takeOver(e);
            } catch (IOException | RuntimeException ex) {
                // Not at the new place: back at the old one, as it was; else it is dropped.
                try {
                    e.handle = addAt(e, old, options);
                    takeOver(e);
                } catch (IOException | RuntimeException again) {
                    table.byId.remove(e.id);
                    LOG.log(System.Logger.Level.WARNING, "torrent {0} ({1}) cannot be added at {2} nor at {3} again,"
                            + " dropping it: {4}", e.id, e.handle.name(), dir, old, again.getMessage());
                }
                keeper.persist();
                throw new IOException("torrent " + e.id + " cannot be added at " + dir + ": " + ex.getMessage(), ex);
            }
            keeper.persist();
        } finally {
            table.lock.unlock();
        }
    }

    /**
     * The handle {@code e} was just added again with (stopped) takes the old one's place: its rates,
     * and the queue starts it when it is to run (not when the user or the queue had it stopped).
     * Under the lock.
     */
    private void takeOver(Entry e) {
        e.ledger.engineRunning = false;
        e.applyRates();
        queue.applyQueue();
    }

    private TorrentHandle addAt(Entry e, Path dir, TorrentOptions options) throws IOException {
        if (e.metainfo.isPresent()) {
            return table.session.add(e.metainfo.get(), dir, options);
        }
        try {
            return table.session.add(Magnet.parse(e.magnet.orElseThrow()), dir, options);
        } catch (MetainfoException ex) {
            throw new IllegalStateException(ex.getMessage(), ex); // it was parsed when added
        }
    }
}
