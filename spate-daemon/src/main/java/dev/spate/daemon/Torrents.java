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
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
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
 * {@link Queue}'s decision, applied here (pause, resume) at every change and every {@link #tick()}.
 *
 * <p>Any thread: the table is guarded by one lock, held only for bookkeeping and for the engine's
 * non-blocking calls; removing with the data (which waits for the deletion) runs outside it.
 */
public final class Torrents {
    /** How long a .torrent at an http(s) URL may take to fetch. */
    static final Duration FETCH_TIMEOUT = Duration.ofSeconds(30);

    private final Session session;
    /** Where torrents go when a request names no directory; changed by {@link #setDefaultDirectory}. */
    private volatile Path defaultDirectory;
    /** Where requests may put data. */
    private final DownloadRoots roots;
    private final Clock clock;
    private final Instant started;
    private final ReentrantLock lock = new ReentrantLock();
    /** By id, in the order added. Guarded by {@link #lock}. */
    private final Map<Integer, Entry> byId = new LinkedHashMap<>();
    private int nextId = 1;
    /** Where the list is kept over restarts; null: not kept. */
    private final TorrentStore store;
    /** Guarded by {@link #lock}. */
    private SessionSettings settings;
    /** The statistics of the runs before this one. */
    private TorrentStore.Stats statsBefore = TorrentStore.Stats.ZERO;
    /** This run's bytes of torrents removed since (their engine counters are gone). Guarded by {@link #lock}. */
    private long removedUploaded;
    private long removedDownloaded;
    private int addedThisRun;
    /** When the counters were last written. Guarded by {@link #lock}. */
    private Instant persisted;
    /** How often the counters, which change all the time, are written when nothing else changes. */
    static final Duration COUNTERS_EVERY = Duration.ofSeconds(60);
    private static final System.Logger LOG = System.getLogger(Torrents.class.getName());

    /** One torrent of the daemon; its mutable parts guarded by {@link #lock}. */
    private static final class Entry {
        final int id;
        /** Replaced when the torrent is added again at another place (a set-location without moving). */
        TorrentHandle handle;
        /** Changed when its data moved (or is found) at another place. */
        Path directory;
        final Instant added;
        final Optional<Metainfo> metainfo;
        /** The link it was added from, when from a magnet link (kept to add it again at the next start). */
        final Optional<String> magnet;
        /** Stopped by the user (added paused or stopped since), so stopped again at the next start. */
        boolean paused;
        /** The priority of each file as set, wanted or not; null until the file count is known. */
        FilePriority[] priorities;
        boolean[] wanted;
        /** Settings, queue place and counters. */
        final Ledger ledger;

        Entry(int id, TorrentHandle handle, Path directory, Instant added, Optional<Metainfo> metainfo,
              Optional<String> magnet, boolean paused, Ledger ledger) {
            this.id = id;
            this.ledger = ledger;
            this.handle = handle;
            this.directory = directory;
            this.added = added;
            this.metainfo = metainfo;
            this.magnet = magnet;
            this.paused = paused;
        }
    }

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
        this.session = Objects.requireNonNull(session, "session");
        this.roots = Objects.requireNonNull(roots, "roots");
        try {
            this.defaultDirectory = roots.check(defaultDirectory.toAbsolutePath());
        } catch (DownloadRoots.OutsideRootsException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
        this.clock = clock;
        this.started = clock.instant();
        this.persisted = started;
        this.store = store;
        this.settings = SessionSettings.defaults();
        if (store != null) {
            restore(store.read());
        } else {
            applySessionSettings();
        }
    }

    /** The session's rate limits from the settings; the command line's (the session's config) win at start. */
    private void applySessionSettings() {
        session.setRateLimits(settings.effectiveDownBytes(), settings.effectiveUpBytes());
    }

    /** Adds the kept torrents again; one that cannot be is logged and dropped from the list. */
    private void restore(TorrentStore.Contents kept) {
        lock.lock();
        try {
            nextId = kept.nextId();
            settings = kept.session().orElse(SessionSettings.defaults())
                    .withCommandLineRates(session.config().downloadRateLimit(), session.config().uploadRateLimit());
            applySessionSettings();
            statsBefore = kept.stats();
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
                    if (!s.wanted().isEmpty()) {
                        List<FilePriority> engine = new ArrayList<>();
                        for (int i = 0; i < s.wanted().size(); i++) {
                            engine.add(s.wanted().get(i) ? s.priorities().get(i) : FilePriority.SKIP);
                        }
                        options = options.withFilePriorities(engine);
                    }
                    TorrentHandle handle = meta.isPresent() ? session.add(meta.get(), s.directory(), options)
                            : session.add(Magnet.parse(s.magnet().get()), s.directory(), options);
                    // A list written before positions were kept: the queue in the list's order, after any kept.
                    int position = s.queuePosition() >= 0 ? s.queuePosition() : Integer.MAX_VALUE / 2 + order;
                    Ledger ledger = new Ledger(s.settings().orElseGet(this::newSettings), position, s.counters(),
                            clock.instant());
                    order++;
                    ledger.finished = s.finished();
                    ledger.engineRunning = false;
                    applyRates(handle, ledger.settings);
                    Entry e = new Entry(s.id(), handle, s.directory(), s.added(), meta, s.magnet(), s.paused(), ledger);
                    if (!s.wanted().isEmpty()) {
                        int n = s.wanted().size();
                        e.wanted = new boolean[n];
                        e.priorities = new FilePriority[n];
                        for (int i = 0; i < n; i++) {
                            e.wanted[i] = s.wanted().get(i);
                            e.priorities[i] = s.priorities().get(i);
                        }
                    }
                    byId.put(e.id, e);
                    nextId = Math.max(nextId, e.id + 1);
                } catch (MetainfoException | IOException | RuntimeException ex) {
                    LOG.log(System.Logger.Level.WARNING, "cannot add kept torrent {0} ({1}) again, dropping it: {2}",
                            s.id(), s.infoHash(), ex.getMessage());
                }
            }
            renumber();
            applyQueue();
            persist();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Writes the list to the store, if there is one. Under the lock, so writes follow the changes in
     * order. A failed write is logged: the daemon goes on, and the next change writes it all again.
     */
    private void persist() {
        if (store == null) {
            return;
        }
        List<TorrentStore.Saved> out = new ArrayList<>(byId.size());
        for (Entry e : byId.values()) {
            List<Boolean> wanted = new ArrayList<>();
            List<FilePriority> priorities = new ArrayList<>();
            if (e.priorities != null) {
                for (int i = 0; i < e.priorities.length; i++) {
                    wanted.add(e.wanted[i]);
                    priorities.add(e.priorities[i]);
                }
            }
            out.add(new TorrentStore.Saved(e.id, e.handle.infoHash().hex().toLowerCase(java.util.Locale.ROOT),
                    e.metainfo.map(Metainfo::toTorrentFile), e.metainfo.isPresent() ? Optional.empty() : e.magnet,
                    e.directory, e.paused, e.added, wanted, priorities, Optional.of(e.ledger.settings),
                    e.ledger.counters(), e.ledger.position, e.ledger.finished));
        }
        persisted = clock.instant();
        try {
            store.write(new TorrentStore.Contents(out, nextId, Optional.of(settings), cumulativeStats()));
        } catch (IOException | RuntimeException ex) {
            LOG.log(System.Logger.Level.WARNING, "cannot write the daemon''s torrent list in {0}: {1}",
                    store.directory(), ex.getMessage());
        }
    }

    /** The session under the facade. */
    public Session session() {
        return session;
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
        return started;
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
            for (Entry e : byId.values()) {
                if (e.handle.infoHash().equals(hash)) {
                    return new Added(view(e), true);
                }
            }
            TorrentHandle handle;
            try {
                // Added stopped, then started by the queue when it may run: one added paused, or
                // waiting for a place, never announces or connects.
                TorrentOptions stopped = TorrentOptions.defaults().withPaused(true);
                handle = meta != null ? session.add(meta, dir, stopped) : session.add(magnet, dir, stopped);
            } catch (IllegalArgumentException e) {
                throw new TorrentsException(e.getMessage(), e);
            }
            Ledger ledger = new Ledger(newSettings(), byId.size(), TorrentStore.Counters.ZERO, clock.instant());
            ledger.engineRunning = false;
            Entry entry = new Entry(nextId++, handle, dir, clock.instant(), Optional.ofNullable(meta),
                    source instanceof Source.Link l ? Optional.of(l.magnet()) : Optional.empty(), paused, ledger);
            byId.put(entry.id, entry);
            addedThisRun++;
            applyQueue();
            Added added = new Added(view(entry), false);
            persist();
            return added;
        } finally {
            lock.unlock();
        }
    }

    /** Every torrent, in the order added. */
    public List<Torrent> list() {
        return views(List.copyOf(entries()));
    }

    /** The torrents of {@code ids} (null: all) that exist, in the order added. */
    public List<Torrent> get(Collection<Object> ids) {
        return views(select(ids));
    }

    /** The torrent of {@code id}, if there is one. */
    public Optional<Torrent> get(int id) {
        return views(select(List.of(id))).stream().findFirst();
    }

    /** The connected peers of torrent {@code id} (empty when there is no such torrent). */
    public List<PeerStats> peers(int id) {
        List<Entry> e = select(List.of(id));
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
        List<Entry> e = select(List.of(id));
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
        select(ids).forEach(e -> e.handle.reannounce());
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
        List<Entry> chosen = select(ids);
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
                    Queue.Item i = item(e, s);
                    if (i.done() && Queue.ratioReached(settings, i)) {
                        l.settings = l.settings.withSeedRatioMode(TorrentSettings.UNLIMITED);
                    }
                    l.finished = false;
                    l.forced = l.forced || now;
                }
                e.paused = paused;
            }
            applyQueue();
            persist();
        } finally {
            lock.unlock();
        }
    }

    /** Hashes the data of the torrents of {@code ids} (null: all) again ({@link TorrentHandle#recheck()}). */
    public void verify(Collection<Object> ids) {
        select(ids).forEach(e -> e.handle.recheck());
    }

    /**
     * Takes the torrents of {@code ids} (null: all) out of the session; with {@code deleteData},
     * also deletes their data ({@link TorrentHandle#remove(boolean)}) and waits for that.
     */
    public void remove(Collection<Object> ids, boolean deleteData) {
        List<Entry> chosen = select(ids);
        lock.lock();
        try {
            for (Entry e : chosen) {
                if (byId.remove(e.id) != null) {
                    removedUploaded += e.ledger.runUploaded;
                    removedDownloaded += e.ledger.runDownloaded;
                }
            }
            renumber();
            applyQueue();
            persist();
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
        for (Entry e : select(ids)) {
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
        lock.lock();
        try {
            if (byId.get(e.id) == e && e.handle == handle) {
                e.directory = dir;
                persist();
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Takes {@code e} out of the session, its files left, and adds it again at {@code dir} with its
     * files' choices and paused or not. Under the lock: a request meanwhile sees it before or
     * after, never gone (the removal waits for the torrent to stop: a few seconds at most).
     */
    private void relocate(Entry e, Path dir) throws IOException {
        lock.lock();
        try {
            if (byId.get(e.id) != e || e.directory.equals(dir)) {
                return;
            }
            knowFiles(e, null);
            // Added stopped, as every torrent: the queue starts it again if it was running.
            TorrentOptions options = TorrentOptions.defaults().withPaused(true);
            if (e.priorities != null) {
                List<FilePriority> engine = new ArrayList<>(e.priorities.length);
                for (int i = 0; i < e.priorities.length; i++) {
                    engine.add(e.wanted[i] ? e.priorities[i] : FilePriority.SKIP);
                }
                options = options.withFilePriorities(engine);
            }
            Path old = e.directory;
            // What it moved stays counted: a last sample of the old handle, as the new one starts from nothing.
            e.ledger.sample(e.handle.status(), clock.instant());
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
                    byId.remove(e.id);
                    LOG.log(System.Logger.Level.WARNING, "torrent {0} ({1}) cannot be added at {2} nor at {3} again,"
                            + " dropping it: {4}", e.id, e.handle.name(), dir, old, again.getMessage());
                }
                persist();
                throw new IOException("torrent " + e.id + " cannot be added at " + dir + ": " + ex.getMessage(), ex);
            }
            persist();
        } finally {
            lock.unlock();
        }
    }

    /**
     * The handle {@code e} was just added again with (stopped) takes the old one's place: its rates,
     * and the queue starts it when it is to run (not when the user or the queue had it stopped).
     * Under the lock.
     */
    private void takeOver(Entry e) {
        e.ledger.engineRunning = false;
        applyRates(e.handle, e.ledger.settings);
        applyQueue();
    }

    private TorrentHandle addAt(Entry e, Path dir, TorrentOptions options) throws IOException {
        if (e.metainfo.isPresent()) {
            return session.add(e.metainfo.get(), dir, options);
        }
        try {
            return session.add(Magnet.parse(e.magnet.orElseThrow()), dir, options);
        } catch (MetainfoException ex) {
            throw new IllegalStateException(ex.getMessage(), ex); // it was parsed when added
        }
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
        for (Entry e : select(ids)) {
            lock.lock();
            try {
                if (!knowFiles(e, null)) {
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
                List<FilePriority> engine = new ArrayList<>(count);
                for (int i = 0; i < count; i++) {
                    engine.add(e.wanted[i] ? e.priorities[i] : FilePriority.SKIP);
                }
                e.handle.setFilePriorities(engine);
                persist();
            } finally {
                lock.unlock();
            }
        }
    }

    /**
     * Fills in the file table of {@code e} from the engine once its files are known (at once for a
     * .torrent, after the metadata for a magnet link), from {@code status} or else a snapshot taken
     * now. Under the lock.
     */
    private boolean knowFiles(Entry e, TorrentStatus status) {
        if (e.priorities != null) {
            return true;
        }
        TorrentStatus s = status != null ? status : e.handle.status();
        if (s.state() == TorrentState.METADATA || s.files().isEmpty()) {
            return false;
        }
        int n = s.files().size();
        e.priorities = new FilePriority[n];
        e.wanted = new boolean[n];
        for (int i = 0; i < n; i++) {
            FilePriority p = s.files().get(i).priority();
            e.wanted[i] = p != FilePriority.SKIP;
            e.priorities[i] = p == FilePriority.SKIP ? FilePriority.NORMAL : p;
        }
        return true;
    }

    /** A new torrent's settings: Transmission's, after the session's seeding limits and peers per torrent. */
    private TorrentSettings newSettings() {
        return TorrentSettings.defaults(settings, session.config().maxPeersPerTorrent());
    }

    /** What of a torrent's settings the engine applies: its speed limits and sequential order. */
    private static void applyRates(TorrentHandle handle, TorrentSettings t) {
        handle.setRateLimits(t.downBytes(), t.upBytes());
        handle.setSequential(t.sequentialDownload());
    }

    /** Queue positions made 0, 1, ... in their order (ties by id). Under the lock. */
    private void renumber() {
        List<Entry> order = new ArrayList<>(byId.values());
        order.sort(Comparator.<Entry>comparingInt(e -> e.ledger.position).thenComparingInt(e -> e.id));
        for (int i = 0; i < order.size(); i++) {
            order.get(i).ledger.position = i;
        }
    }

    private Queue.Item item(Entry e, TorrentStatus s) {
        Ledger l = e.ledger;
        boolean done = s.isFinished() && s.state() != TorrentState.METADATA;
        return new Queue.Item(e.id, l.position, !e.paused, l.forced, l.admitted, s.state() == TorrentState.ERROR, done,
                l.uploadedEver(s), l.downloadedEver(s), s.wantedBytes(), l.idleSeconds(clock.instant()), l.settings);
    }

    private TorrentBook book(Entry e, TorrentStatus s) {
        Queue.Item i = item(e, s);
        boolean queued = !e.paused && !e.ledger.admitted && !i.error();
        boolean stalled = e.ledger.admitted && Queue.stalled(settings, i);
        return e.ledger.view(s, clock.instant(), queued, stalled, i.done() && Queue.ratioReached(settings, i));
    }

    /**
     * Asks {@link Queue} what each torrent should do and tells the engine (pause, resume) where that
     * changed. Under the lock.
     */
    private void applyQueue() {
        applyQueue(new HashMap<>());
    }

    /** As {@link #applyQueue()} with the snapshots already taken (those missing are taken now). Under the lock. */
    private void applyQueue(Map<Integer, TorrentStatus> statuses) {
        List<Queue.Item> items = new ArrayList<>(byId.size());
        for (Entry e : byId.values()) {
            TorrentStatus s = statuses.computeIfAbsent(e.id, k -> e.handle.status());
            items.add(item(e, s));
        }
        boolean stoppedForGood = false;
        for (Map.Entry<Integer, Queue.Decision> d : Queue.decide(settings, items).entrySet()) {
            Entry e = byId.get(d.getKey());
            Ledger l = e.ledger;
            switch (d.getValue()) {
                case RUN -> {
                    if (!l.admitted) {
                        l.admitted = true;
                        l.startDate = clock.instant();
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
            persist();
        }
    }

    /**
     * One tick of the daemon's clock ({@link Ticker}, every second): takes in each torrent's bytes
     * and time, applies the queue and the seeding limits, and writes the counters now and then.
     */
    void tick() {
        sampleAll(false);
    }

    /** Writes everything now (at close: the counters since the last write). */
    void flush() {
        sampleAll(true);
    }

    /**
     * Takes every torrent's snapshot (outside the lock: each is a round trip to the torrent's
     * thread), then under the lock samples the counters, applies the queue, and writes the list
     * when {@code write} or when the counters were last written {@link #COUNTERS_EVERY} ago.
     */
    private void sampleAll(boolean write) {
        Map<Integer, TorrentStatus> statuses = new HashMap<>();
        for (Entry e : entries()) {
            statuses.put(e.id, e.handle.status());
        }
        lock.lock();
        try {
            Instant now = clock.instant();
            for (Entry e : byId.values()) {
                TorrentStatus s = statuses.get(e.id);
                if (s != null) {
                    e.ledger.sample(s, now);
                }
            }
            applyQueue(statuses);
            if (store != null && (write || Duration.between(persisted, now).compareTo(COUNTERS_EVERY) >= 0)) {
                persist();
            }
        } finally {
            lock.unlock();
        }
    }

    /** The session settings (session-get). */
    public SessionSettings sessionSettings() {
        lock.lock();
        try {
            return settings;
        } finally {
            lock.unlock();
        }
    }

    /** Replaces the session settings (session-set): applies the rate limits and the queues at once, and keeps them. */
    public void setSessionSettings(SessionSettings changed) {
        lock.lock();
        try {
            settings = Objects.requireNonNull(changed, "changed");
            applySessionSettings();
            applyQueue();
            persist();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Changes the settings of the torrents of {@code ids} (null: all) with {@code change}, applies
     * their speed limits and seeding limits at once, and keeps them.
     */
    public void setSettings(Collection<Object> ids, UnaryOperator<TorrentSettings> change) {
        List<Entry> chosen = select(ids);
        lock.lock();
        try {
            for (Entry e : chosen) {
                e.ledger.settings = Objects.requireNonNull(change.apply(e.ledger.settings));
                e.ledger.editDate = clock.instant().getEpochSecond();
                applyRates(e.handle, e.ledger.settings);
            }
            applyQueue();
            persist();
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
        List<Entry> chosen = select(ids);
        lock.lock();
        try {
            List<Entry> order = new ArrayList<>(byId.values());
            order.sort(Comparator.comparingInt(e -> e.ledger.position));
            Set<Entry> moved = new HashSet<>(chosen);
            moved.retainAll(order);
            switch (move) {
                case TOP, BOTTOM -> {
                    List<Entry> them = order.stream().filter(moved::contains).toList();
                    order.removeAll(them);
                    order.addAll(move == Move.TOP ? 0 : order.size(), them);
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
            for (int i = 0; i < order.size(); i++) {
                order.get(i).ledger.position = i;
            }
            applyQueue();
            persist();
        } finally {
            lock.unlock();
        }
    }

    /** Puts the torrents of {@code ids} at queue position {@code position} (torrent-set queuePosition), clamped. */
    public void setQueuePosition(Collection<Object> ids, int position) {
        List<Entry> chosen = select(ids);
        lock.lock();
        try {
            List<Entry> order = new ArrayList<>(byId.values());
            order.sort(Comparator.comparingInt(e -> e.ledger.position));
            for (Entry e : chosen) {
                if (order.remove(e)) {
                    order.add(Math.max(0, Math.min(position, order.size())), e);
                }
            }
            for (int i = 0; i < order.size(); i++) {
                order.get(i).ledger.position = i;
            }
            applyQueue();
            persist();
        } finally {
            lock.unlock();
        }
    }

    /** This run's statistics (session-stats "current-stats"), as of the last tick. */
    public TorrentStore.Stats currentStats() {
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
    public TorrentStore.Stats cumulativeStats() {
        TorrentStore.Stats now = currentStats();
        return new TorrentStore.Stats(statsBefore.uploadedBytes() + now.uploadedBytes(),
                statsBefore.downloadedBytes() + now.downloadedBytes(), statsBefore.filesAdded() + now.filesAdded(),
                statsBefore.sessionCount() + 1, statsBefore.secondsActive() + now.secondsActive());
    }

    private List<Entry> entries() {
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
    private List<Entry> select(Collection<Object> ids) {
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

    private List<Torrent> views(List<Entry> entries) {
        List<Torrent> out = new ArrayList<>(entries.size());
        for (Entry e : entries) {
            out.add(view(e));
        }
        return out;
    }

    private Torrent view(Entry e) {
        TorrentStatus s = e.handle.status();
        List<Boolean> wanted = new ArrayList<>();
        List<FilePriority> priorities = new ArrayList<>();
        lock.lock();
        try {
            if (knowFiles(e, s)) {
                for (int i = 0; i < e.priorities.length; i++) {
                    wanted.add(e.wanted[i]);
                    priorities.add(e.priorities[i]);
                }
            }
        } finally {
            lock.unlock();
        }
        TorrentBook book;
        lock.lock();
        try {
            book = book(e, s);
        } finally {
            lock.unlock();
        }
        return new Torrent(e.id, s, e.directory, e.added, e.metainfo, wanted, priorities, book);
    }
}
