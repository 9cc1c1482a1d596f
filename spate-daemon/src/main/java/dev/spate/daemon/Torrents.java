package dev.spate.daemon;

import dev.spate.core.InfoHash;
import dev.spate.engine.FilePriority;
import dev.spate.engine.PeerStats;
import dev.spate.engine.Session;
import dev.spate.engine.TorrentHandle;
import dev.spate.engine.TorrentState;
import dev.spate.engine.TorrentOptions;
import dev.spate.engine.TorrentStatus;
import dev.spate.engine.TorrentUrls;
import dev.spate.metainfo.Magnet;
import dev.spate.metainfo.Metainfo;
import dev.spate.metainfo.MetainfoException;
import dev.spate.metainfo.MetainfoParser;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.UnaryOperator;

/**
 * The daemon's facade: plain request/response methods over one engine {@link Session}, which the
 * Transmission RPC (and later surfaces) translate to. It numbers the torrents (1, 2, ... in the
 * order they were added, as Transmission's ids are; never reused while the daemon runs, nor over
 * restarts with a {@link TorrentStore}) and keeps
 * what the engine does not: each torrent's download directory, when it was added, and the files'
 * priorities apart from whether they are wanted (Transmission keeps both; the engine's
 * {@link FilePriority#SKIP} is "unwanted"); and, in each torrent's {@link Ledger}, its own settings,
 * its queue place and its counters over restarts. Transmission's queues and seeding limits are
 * {@link Queue}'s decision, applied by {@link QueueKeeper} (pause, resume) at every change and every
 * {@link #tick()}; {@link Relocations} gives torrents another directory; {@link StoreKeeper} keeps
 * the list in the {@link TorrentStore}.
 *
 * <p>Any thread: the state is the {@link Table}'s, guarded by its one lock, held only for
 * bookkeeping and for the engine's non-blocking calls; removing with the data (which waits for the
 * deletion) runs outside it.
 */
public final class Torrents {
    /** How long a .torrent at an http(s) URL may take to fetch. */
    static final Duration FETCH_TIMEOUT = Duration.ofSeconds(30);

    /** Where torrents go when a request names no directory; changed by {@link #setDefaultDirectory}. */
    private volatile Path defaultDirectory;
    /** Where requests may put data. */
    private final DownloadRoots roots;
    /** The torrents and what they share, guarded by its lock. */
    private final Table table;
    /** Shorthand for the table's lock. */
    private final ReentrantLock lock;
    private final StoreKeeper keeper;
    private final QueueKeeper queue;
    private final Relocations relocations;
    /** How often the counters, which change all the time, are written when nothing else changes. */
    static final Duration COUNTERS_EVERY = Duration.ofSeconds(60);

    /**
     * A torrent as the facade answers it: its id, the engine's snapshot, and what the daemon keeps.
     *
     * @param metainfo the .torrent when it was added from one (empty for a magnet link)
     * @param wanted per file, whether it is to be downloaded (as {@link TorrentStatus#files()})
     * @param priorities per file, its priority when wanted (never {@link FilePriority#SKIP})
     * @param book its settings, queue place and counters
     */
    public record Torrent(int id, TorrentStatus status, Path downloadDirectory, Instant added,
                          Optional<Metainfo> metainfo, List<Boolean> wanted, List<FilePriority> priorities,
                          TorrentBook book) {
        public Torrent {
            wanted = List.copyOf(wanted);
            priorities = List.copyOf(priorities);
        }
    }

    /** What an add did: added a new torrent, or found it there already ({@code duplicate}). */
    public record Added(Torrent torrent, boolean duplicate) {
    }

    /** Where a torrent to add comes from. */
    public sealed interface Source {
        /** A .torrent file on this machine. */
        record File(Path path) implements Source {
        }

        /** A .torrent at an http(s) URL. */
        record Url(URI uri) implements Source {
        }

        /** A magnet link (BEP 9). */
        record Link(String magnet) implements Source {
        }

        /** The bytes of a .torrent file. */
        record Bytes(byte[] torrent) implements Source {
        }

        /** A magnet link, an http(s) URL or else a path, as Transmission's {@code filename} may be. */
        static Source of(String text) {
            if (text.regionMatches(true, 0, "magnet:", 0, 7)) {
                return new Link(text);
            }
            if (TorrentUrls.isUrl(text)) {
                return new Url(URI.create(text));
            }
            return new File(Path.of(text));
        }
    }

    /** Refused: the torrent given cannot be read, or the request does not fit it. */
    public static final class TorrentsException extends Exception {
        public TorrentsException(String message) {
            super(message);
        }

        public TorrentsException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /**
     * A facade over {@code session}, whose torrents added without a directory go to
     * {@code defaultDirectory}, the only download root. Torrents already in the session are not
     * taken over.
     */
    public Torrents(Session session, Path defaultDirectory) {
        this(session, defaultDirectory, Clock.systemUTC(), null);
    }

    /**
     * A facade as {@link #Torrents(Session, Path, TorrentStore)} ({@code store} null: the list is
     * not kept) whose requests may put data anywhere inside {@code roots}, which must hold
     * {@code defaultDirectory}.
     *
     * @throws IllegalArgumentException when the default directory is outside the roots
     */
    public Torrents(Session session, Path defaultDirectory, DownloadRoots roots, TorrentStore store) {
        this(session, defaultDirectory, Clock.systemUTC(), store, roots);
    }

    /**
     * A facade as {@link #Torrents(Session, Path)} whose torrent list is kept in {@code store}: the
     * torrents kept there are added again at once (same ids, directories, stopped or not, file
     * choices; the engine's resume data spares the hashing of what was verified), and every change
     * is written to it. A kept torrent the engine refuses is logged and left out.
     */
    public Torrents(Session session, Path defaultDirectory, TorrentStore store) {
        this(session, defaultDirectory, Clock.systemUTC(), Objects.requireNonNull(store, "store"));
    }

    Torrents(Session session, Path defaultDirectory, Clock clock) {
        this(session, defaultDirectory, clock, null);
    }

    Torrents(Session session, Path defaultDirectory, Clock clock, TorrentStore store) {
        this(session, defaultDirectory, clock, store, DownloadRoots.of(List.of(defaultDirectory)));
    }

    Torrents(Session session, Path defaultDirectory, Clock clock, TorrentStore store, DownloadRoots roots) {
        this.table = new Table(session, clock);
        this.lock = table.lock;
        this.roots = Objects.requireNonNull(roots, "roots");
        try {
            this.defaultDirectory = roots.check(defaultDirectory.toAbsolutePath());
        } catch (DownloadRoots.OutsideRootsException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
        this.keeper = new StoreKeeper(table, store);
        this.queue = new QueueKeeper(table, keeper);
        this.relocations = new Relocations(table, queue, keeper);
        if (store != null) {
            keeper.restore(store.read(), queue);
        } else {
            table.applySessionSettings();
        }
    }

    /** The session under the facade. */
    public Session session() {
        return table.session;
    }

    /** Where torrents go when the request names no directory. */
    public Path defaultDirectory() {
        return defaultDirectory;
    }

    /** Where requests may put data. */
    public DownloadRoots roots() {
        return roots;
    }

    /**
     * Makes {@code directory} where torrents added without one go from now on (what session-set's
     * {@code download-dir} changes); the torrents already added stay where they are.
     *
     * @throws TorrentsException when it is outside the download roots
     */
    public void setDefaultDirectory(Path directory) throws TorrentsException {
        defaultDirectory = inRoots(directory);
    }

    /**
     * The space of the file system {@code path} is on.
     *
     * @param path the path asked about, normalized
     * @param free the bytes free there (for this process: what it may still write)
     * @param total the file system's size in bytes
     */
    public record Space(Path path, long free, long total) {
    }

    /**
     * The space at {@code path}, which must be inside the roots (so that the RPC tells nothing of
     * other places); a directory not made yet is on the file system of its closest existing parent.
     *
     * @throws TorrentsException when it is outside the roots
     * @throws IOException when the file system cannot be asked
     */
    public Space freeSpace(Path path) throws TorrentsException, IOException {
        Path p = inRoots(path);
        Path existing = p;
        while (!java.nio.file.Files.exists(existing) && existing.getParent() != null) {
            existing = existing.getParent();
        }
        java.nio.file.FileStore store = java.nio.file.Files.getFileStore(existing);
        return new Space(p, store.getUsableSpace(), store.getTotalSpace());
    }

    /** {@code directory} checked against the roots, normalized. */
    Path inRoots(Path directory) throws TorrentsException {
        try {
            return roots.check(directory);
        } catch (DownloadRoots.OutsideRootsException e) {
            throw new TorrentsException(e.getMessage(), e);
        }
    }

    /** When the facade started. */
    public Instant started() {
        return table.started;
    }

    /**
     * Adds the torrent of {@code source}, its files in {@code directory} (null: the default), paused
     * at once when {@code paused}. A torrent already here is not added again: the answer is it, as
     * a duplicate.
     *
     * @throws TorrentsException when the source cannot be read or is not a torrent the engine takes,
     *     or {@code directory} is outside the download roots
     * @throws IOException when the torrent's files cannot be opened
     */
    public Added add(Source source, Path directory, boolean paused) throws TorrentsException, IOException,
            InterruptedException {
        Path dir = directory == null ? defaultDirectory : inRoots(directory);
        Metainfo meta = null;
        Magnet magnet = null;
        try {
            switch (source) {
                case Source.File f -> meta = MetainfoParser.read(f.path());
                case Source.Url u -> meta = TorrentUrls.fetch(u.uri(), FETCH_TIMEOUT);
                case Source.Bytes b -> meta = MetainfoParser.parse(b.torrent());
                case Source.Link l -> magnet = Magnet.parse(l.magnet());
            }
        } catch (MetainfoException e) {
            throw new TorrentsException("invalid or corrupt torrent file: " + e.getMessage(), e);
        } catch (java.nio.file.NoSuchFileException e) {
            throw new TorrentsException("no such file: " + e.getFile(), e);
        }
        InfoHash hash;
        try {
            hash = meta != null ? InfoHash.of(meta.infoHash()) : magnet.requireV1InfoHash();
        } catch (MetainfoException e) {
            throw new TorrentsException(e.getMessage(), e);
        }
        if (meta != null && meta.v2Only()) {
            throw new TorrentsException("v2-only torrents are not supported yet");
        }
        lock.lock();
        try {
            for (Entry e : table.byId.values()) {
                if (e.handle.infoHash().equals(hash)) {
                    return new Added(view(e), true);
                }
            }
            TorrentHandle handle;
            try {
                // Added stopped, then started by the queue when it may run: one added paused, or
                // waiting for a place, never announces or connects.
                TorrentOptions stopped = TorrentOptions.defaults().withPaused(true);
                handle = meta != null ? table.session.add(meta, dir, stopped)
                        : table.session.add(magnet, dir, stopped);
            } catch (IllegalArgumentException e) {
                throw new TorrentsException(e.getMessage(), e);
            }
            Ledger ledger = new Ledger(table.newSettings(), table.byId.size(), TorrentStore.Counters.ZERO,
                    table.clock.instant());
            ledger.engineRunning = false;
            Entry entry = new Entry(table.nextId++, handle, dir, table.clock.instant(), Optional.ofNullable(meta),
                    source instanceof Source.Link l ? Optional.of(l.magnet()) : Optional.empty(), paused, ledger);
            table.byId.put(entry.id, entry);
            table.addedThisRun++;
            queue.applyQueue();
            Added added = new Added(view(entry), false);
            keeper.persist();
            return added;
        } finally {
            lock.unlock();
        }
    }

    /** Every torrent, in the order added. */
    public List<Torrent> list() {
        return views(List.copyOf(table.entries()));
    }

    /** The torrents of {@code ids} (null: all) that exist, in the order added. */
    public List<Torrent> get(Collection<Object> ids) {
        return views(table.select(ids));
    }

    /** The torrent of {@code id}, if there is one. */
    public Optional<Torrent> get(int id) {
        return views(table.select(List.of(id))).stream().findFirst();
    }

    /** The connected peers of torrent {@code id} (empty when there is no such torrent). */
    public List<PeerStats> peers(int id) {
        List<Entry> e = table.select(List.of(id));
        return e.isEmpty() ? List.of() : e.get(0).handle.peers();
    }

    /**
     * A stream of file {@code fileIndex} of torrent {@code id} from its start, which waits for
     * each piece and asks for the ones just ahead first ({@link TorrentHandle#openStream}); closing
     * it forgets what it asked.
     *
     * @throws TorrentsException when there is no such torrent or file, or its files are not known yet
     */
    public java.io.InputStream openStream(int id, int fileIndex) throws TorrentsException {
        List<Entry> e = table.select(List.of(id));
        if (e.isEmpty()) {
            throw new TorrentsException("no torrent " + id);
        }
        try {
            return e.get(0).handle.openStream(fileIndex);
        } catch (IllegalArgumentException ex) {
            throw new TorrentsException("torrent " + id + " has no file " + fileIndex, ex);
        } catch (IllegalStateException ex) {
            throw new TorrentsException("torrent " + id + ": its files are not known yet", ex);
        }
    }

    /**
     * Starts the torrents of {@code ids} (null: all) again after a stop, through the queue: each runs
     * when its queue has room, and waits (download-wait, seed-wait) until then. One stopped by its
     * seed ratio seeds on without a ratio limit, as Transmission does ("restarted manually").
     */
    public void start(Collection<Object> ids) {
        setPaused(ids, false, false);
    }

    /**
     * Asks the trackers (and the DHT) of the torrents of {@code ids} (null: all) for peers now
     * ({@link TorrentHandle#reannounce}): not sooner than a tracker's minimum interval allows, and
     * not for a stopped or queued torrent.
     */
    public void reannounce(Collection<Object> ids) {
        table.select(ids).forEach(e -> e.handle.reannounce());
    }

    /** Starts the torrents of {@code ids} (null: all) at once, past the queue (torrent-start-now). */
    public void startNow(Collection<Object> ids) {
        setPaused(ids, false, true);
    }

    /** Stops the torrents of {@code ids} (null: all): disconnects their peers; the data stays. */
    public void stop(Collection<Object> ids) {
        setPaused(ids, true, false);
    }

    private void setPaused(Collection<Object> ids, boolean paused, boolean now) {
        List<Entry> chosen = table.select(ids);
        lock.lock();
        try {
            for (Entry e : chosen) {
                Ledger l = e.ledger;
                if (paused) {
                    e.handle.pause();
                    l.engineRunning = false;
                    l.admitted = false;
                    l.forced = false;
                    l.startDate = null;
                } else {
                    TorrentStatus s = e.handle.status();
                    if (s.state() == TorrentState.ERROR) {
                        e.handle.resume(); // the engine's own retry; the queue leaves a torrent in error alone
                    }
                    Queue.Item i = queue.item(e, s);
                    if (i.done() && Queue.ratioReached(table.settings, i)) {
                        l.settings = l.settings.withSeedRatioMode(TorrentSettings.UNLIMITED);
                    }
                    l.finished = false;
                    l.forced = l.forced || now;
                }
                e.paused = paused;
            }
            queue.applyQueue();
            keeper.persist();
        } finally {
            lock.unlock();
        }
    }

    /** Hashes the data of the torrents of {@code ids} (null: all) again ({@link TorrentHandle#recheck()}). */
    public void verify(Collection<Object> ids) {
        table.select(ids).forEach(e -> e.handle.recheck());
    }

    /**
     * Takes the torrents of {@code ids} (null: all) out of the session; with {@code deleteData},
     * also deletes their data ({@link TorrentHandle#remove(boolean)}) and waits for that.
     */
    public void remove(Collection<Object> ids, boolean deleteData) {
        List<Entry> chosen = table.select(ids);
        lock.lock();
        try {
            for (Entry e : chosen) {
                if (table.byId.remove(e.id) != null) {
                    table.removedUploaded += e.ledger.runUploaded;
                    table.removedDownloaded += e.ledger.runDownloaded;
                }
            }
            table.renumber();
            queue.applyQueue();
            keeper.persist();
        } finally {
            lock.unlock();
        }
        for (Entry e : chosen) {
            e.handle.remove(deleteData);
        }
    }

    /**
     * Gives the torrents of {@code ids} (null: all) the download directory {@code location}, which
     * must be inside the roots. With {@code move}, their data is moved there
     * ({@link TorrentHandle#moveStorage}): this returns at once, and each torrent's directory
     * changes (and is kept) when its move completes; a move that fails is logged and leaves it
     * where it was. Without, the data is taken to be there already: each torrent is taken out of
     * the session (its files left alone) and added again at the new place, with the same id and
     * settings, where what is there is checked. A magnet link's torrent whose metadata is not here
     * yet has nothing on disk: either way it is added again at the new place.
     *
     * @throws TorrentsException when {@code location} is outside the download roots
     * @throws IOException when a torrent cannot be added again at the new place (it is then added
     *     back at the old one)
     */
    public void setLocation(Collection<Object> ids, Path location, boolean move) throws TorrentsException, IOException {
        Path dir = inRoots(location);
        relocations.setLocation(table.select(ids), dir, move);
    }

    /**
     * Sets whether files are wanted ({@code wanted} null: unchanged) and their priority when wanted
     * ({@code priority} null: unchanged) in the torrents of {@code ids} (null: all); {@code files}
     * are indices as {@link TorrentStatus#files()} lists them, empty meaning every file (as in
     * Transmission's torrent-set).
     *
     * @throws TorrentsException when a torrent's files are not known yet (a magnet link's metadata
     *     is not here) or an index is not one of its files
     */
    public void setFiles(Collection<Object> ids, Collection<Integer> files, Boolean wanted, FilePriority priority)
            throws TorrentsException {
        if (priority == FilePriority.SKIP) {
            throw new IllegalArgumentException("a priority, not SKIP: unwanted is 'wanted' false");
        }
        for (Entry e : table.select(ids)) {
            lock.lock();
            try {
                if (!e.knowFiles(null)) {
                    throw new TorrentsException("torrent " + e.id + ": its files are not known yet");
                }
                int count = e.priorities.length;
                List<Integer> which = new ArrayList<>();
                if (files.isEmpty()) {
                    for (int i = 0; i < count; i++) {
                        which.add(i);
                    }
                } else {
                    for (int i : files) {
                        if (i < 0 || i >= count) {
                            throw new TorrentsException("torrent " + e.id + " has no file " + i + " (it has " + count + ")");
                        }
                        which.add(i);
                    }
                }
                for (int i : which) {
                    if (wanted != null) {
                        e.wanted[i] = wanted;
                    }
                    if (priority != null) {
                        e.priorities[i] = priority;
                    }
                }
                e.handle.setFilePriorities(Entry.engine(e.wanted, e.priorities));
                keeper.persist();
            } finally {
                lock.unlock();
            }
        }
    }

    /**
     * One tick of the daemon's clock ({@link Ticker}, every second): takes in each torrent's bytes
     * and time, applies the queue and the seeding limits, and writes the counters now and then.
     */
    void tick() {
        queue.sample(false);
    }

    /** Writes everything now (at close: the counters since the last write). */
    void flush() {
        queue.sample(true);
    }

    /** The session settings (session-get). */
    public SessionSettings sessionSettings() {
        lock.lock();
        try {
            return table.settings;
        } finally {
            lock.unlock();
        }
    }

    /** Replaces the session settings (session-set): applies the rate limits and the queues at once, and keeps them. */
    public void setSessionSettings(SessionSettings changed) {
        lock.lock();
        try {
            table.settings = Objects.requireNonNull(changed, "changed");
            table.applySessionSettings();
            queue.applyQueue();
            keeper.persist();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Changes the settings of the torrents of {@code ids} (null: all) with {@code change}, applies
     * their speed limits and seeding limits at once, and keeps them.
     */
    public void setSettings(Collection<Object> ids, UnaryOperator<TorrentSettings> change) {
        List<Entry> chosen = table.select(ids);
        lock.lock();
        try {
            for (Entry e : chosen) {
                e.ledger.settings = Objects.requireNonNull(change.apply(e.ledger.settings));
                e.ledger.editDate = table.clock.instant().getEpochSecond();
                e.applyRates();
            }
            queue.applyQueue();
            keeper.persist();
        } finally {
            lock.unlock();
        }
    }

    /** Where queue-move-* puts torrents. */
    public enum Move { TOP, UP, DOWN, BOTTOM }

    /**
     * Moves the torrents of {@code ids} (null: all) in the queue, as Transmission's queue-move-top,
     * -up, -down and -bottom: the ones moved keep their order among themselves.
     */
    public void moveInQueue(Collection<Object> ids, Move move) {
        List<Entry> chosen = table.select(ids);
        lock.lock();
        try {
            queue.move(chosen, move);
            queue.applyQueue();
            keeper.persist();
        } finally {
            lock.unlock();
        }
    }

    /** Puts the torrents of {@code ids} at queue position {@code position} (torrent-set queuePosition), clamped. */
    public void setQueuePosition(Collection<Object> ids, int position) {
        List<Entry> chosen = table.select(ids);
        lock.lock();
        try {
            queue.place(chosen, position);
            queue.applyQueue();
            keeper.persist();
        } finally {
            lock.unlock();
        }
    }

    /** This run's statistics (session-stats "current-stats"), as of the last tick. */
    public TorrentStore.Stats currentStats() {
        return table.currentStats();
    }

    /** The statistics over every run, this one included (session-stats "cumulative-stats"). */
    public TorrentStore.Stats cumulativeStats() {
        return table.cumulativeStats();
    }

    private List<Torrent> views(List<Entry> entries) {
        List<Torrent> out = new ArrayList<>(entries.size());
        for (Entry e : entries) {
            out.add(view(e));
        }
        return out;
    }

    private Torrent view(Entry e) {
        TorrentStatus s = e.handle.status();
        List<Boolean> wanted;
        List<FilePriority> priorities;
        lock.lock();
        try {
            e.knowFiles(s);
            wanted = e.wantedList();
            priorities = e.prioritiesList();
        } finally {
            lock.unlock();
        }
        TorrentBook book;
        lock.lock();
        try {
            book = queue.book(e, s);
        } finally {
            lock.unlock();
        }
        return new Torrent(e.id, s, e.directory, e.added, e.metainfo, wanted, priorities, book);
    }
}
