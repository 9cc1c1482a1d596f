package dev.spate.engine;

import dev.spate.core.InfoHash;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The {@link TorrentHandle} of a torrent in a session, through both of its phases: a magnet link's
 * torrent first fetches its info dictionary ({@link MetadataResolver}), then becomes a
 * {@link Torrent} like one added from a .torrent file, which is one from the start. Every call goes
 * to the live phase; what the user set before the metadata arrived (rate limits, trackers, pause)
 * carries over. A question (status, peers) waits at most {@link #ASK_TIMEOUT} for the phase's loop,
 * then gives the last snapshot, marked {@link TorrentStatus#stale()}.
 *
 * <p>Thread-safe: the phase changes once, from the resolver's thread, under this object's lock.
 */
final class Handle implements TorrentHandle {
    /** How long a question waits for the loop before the last snapshot answers it. */
    static final Duration ASK_TIMEOUT = Duration.ofSeconds(2);

    private final InfoHash hash;
    private final CompletableFuture<Void> completion = new CompletableFuture<>();
    private volatile Torrent torrent;
    private volatile MetadataResolver resolver;
    /** What was asked before the torrent existed; guarded by this. */
    private long downloadLimit;
    private long uploadLimit;
    private final List<String> addedTrackers = new ArrayList<>();
    private boolean paused;
    private boolean removed;
    /** The choice of files and order asked for so far; guarded by this. */
    private TorrentOptions options = TorrentOptions.defaults();

    /** The handle of a torrent that has its metadata. */
    Handle(Torrent torrent) {
        this.hash = torrent.hash();
        this.options = torrent.options();
        this.paused = options.paused();
        attach(torrent);
    }

    /** The handle of a magnet link's torrent, resolving its metadata. */
    Handle(InfoHash hash, MetadataResolver resolver) {
        this(hash, resolver, TorrentOptions.defaults());
    }

    /** The same, with the choice of files and order the torrent is to be made with. */
    Handle(InfoHash hash, MetadataResolver resolver, TorrentOptions options) {
        this.hash = hash;
        this.resolver = resolver;
        this.options = options;
        this.paused = options.paused();
    }

    /** What the torrent is to be made with, once its metadata is here. */
    synchronized TorrentOptions options() {
        return options;
    }

    /** The torrent, once it has its metadata; null before. */
    Torrent torrent() {
        return torrent;
    }

    MetadataResolver resolver() {
        return resolver;
    }

    /**
     * The metadata arrived and {@code t} is the torrent now (not started yet): it takes over what
     * was asked meanwhile. Returns false when the handle was removed meanwhile (then {@code t} is
     * to be discarded).
     */
    synchronized boolean attach(Torrent t) {
        if (removed) {
            return false;
        }
        torrent = t;
        resolver = null;
        TorrentOptions now = options;
        if (!now.equals(t.options())) {
            t.choose(c -> { // what was asked while the torrent was being made (it was made with options() then)
                if (!now.filePriorities().isEmpty() && now.filePriorities().size() == c.fileCount()) {
                    c.setPriorities(now.filePriorities());
                }
                c.setSequential(now.sequential());
                c.setFirstLast(now.firstLastPiecesFirst());
            });
        }
        if (downloadLimit != 0 || uploadLimit != 0) {
            t.setRateLimits(downloadLimit, uploadLimit);
        }
        addedTrackers.forEach(t::addTracker);
        // Made with options() as they were then; paused or resumed since, it is told.
        if (paused && !t.options().paused()) {
            t.pause();
        } else if (!paused && t.options().paused()) {
            t.resume();
        }
        t.completion().whenComplete((ok, failure) -> {
            if (failure == null) {
                completion.complete(null);
            } else {
                completion.completeExceptionally(failure instanceof CompletionException c && c.getCause() != null
                        ? c.getCause() : failure);
            }
        });
        return true;
    }

    /** The magnet's torrent could not be made (bad metadata, the session failed): it ends here. */
    void failed(RuntimeException why) {
        completion.completeExceptionally(why);
    }

    @Override
    public InfoHash infoHash() {
        return hash;
    }

    @Override
    public String name() {
        Torrent t = torrent;
        if (t != null) {
            return t.info().name();
        }
        MetadataResolver r = resolver;
        return r != null ? r.name() : hash.hex();
    }

    @Override
    public TorrentStatus status() {
        Torrent t = torrent;
        if (t != null) {
            TorrentStatus s = ask(t.loop().ask(t::snapshot));
            return s != null ? s : t.lastStatus();
        }
        MetadataResolver r = resolver;
        if (r != null) {
            TorrentStatus s = ask(r.loop().ask(r::snapshot));
            return s != null ? s : r.lastStatus();
        }
        Torrent late = torrent; // attached meanwhile
        return late != null ? status() : TorrentStatus.builder().name(hash.hex()).infoHash(hash)
                .state(TorrentState.REMOVED).build();
    }

    @Override
    public TorrentStatus latestStatus() {
        Torrent t = torrent;
        if (t != null) {
            return t.latestStatus();
        }
        MetadataResolver r = resolver;
        if (r != null) {
            return r.latestStatus();
        }
        Torrent late = torrent; // attached meanwhile
        return late != null ? late.latestStatus() : TorrentStatus.builder().name(hash.hex()).infoHash(hash)
                .state(TorrentState.REMOVED).build();
    }

    @Override
    public List<PeerStats> peers() {
        Torrent t = torrent;
        if (t == null) {
            return List.of();
        }
        List<PeerStats> p = ask(t.loop().ask(t::peerSnapshots));
        return p != null ? p : List.of();
    }

    /** The loop's answer, or null when it is gone or too slow; an interrupt stays set for the caller. */
    private static <T> T ask(CompletableFuture<T> answer) {
        try {
            return answer.get(ASK_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        } catch (ExecutionException | TimeoutException e) {
            return null;
        }
    }

    @Override
    public synchronized void connect(InetSocketAddress peer) {
        if (torrent != null) {
            torrent.connect(peer);
        } else if (resolver != null) {
            resolver.connect(peer);
        }
    }

    /**
     * A peer heard by local service discovery: to the live phase, which takes it or not on its loop.
     * Any thread; never blocks (an LSD receive thread calls it). Lost when the phase changes right
     * now, which costs nothing: announces repeat.
     */
    void discovered(InetSocketAddress peer) {
        Torrent t = torrent;
        if (t != null) {
            t.discovered(peer);
            return;
        }
        MetadataResolver r = resolver;
        if (r != null) {
            r.discovered(peer);
        }
    }

    @Override
    public synchronized void setRateLimits(long downloadBytesPerSecond, long uploadBytesPerSecond) {
        if (downloadBytesPerSecond < 0 || uploadBytesPerSecond < 0) {
            throw new IllegalArgumentException("rate limits " + downloadBytesPerSecond + ", " + uploadBytesPerSecond
                    + ": negative");
        }
        downloadLimit = downloadBytesPerSecond;
        uploadLimit = uploadBytesPerSecond;
        if (torrent != null) {
            torrent.setRateLimits(downloadBytesPerSecond, uploadBytesPerSecond);
        }
    }

    @Override
    public synchronized void addTracker(String url) {
        if (torrent != null) {
            torrent.addTracker(url);
        } else {
            addedTrackers.add(url);
            if (resolver != null) {
                resolver.addTracker(url);
            }
        }
    }

    @Override
    public synchronized void setFilePriorities(java.util.List<FilePriority> priorities) {
        java.util.Objects.requireNonNull(priorities, "priorities");
        if (torrent != null) {
            FileChoice.check(torrent.info(), priorities);
            List<FilePriority> copy = List.copyOf(priorities);
            torrent.choose(c -> c.setPriorities(copy));
        }
        options = options.withFilePriorities(priorities); // before the metadata: checked when it comes
    }

    @Override
    public synchronized void setFilePriority(int index, FilePriority priority) {
        java.util.Objects.requireNonNull(priority, "priority");
        Torrent t = torrent;
        if (t == null) {
            throw new IllegalStateException("the files of " + name() + " are not known yet (its metadata is being fetched)");
        }
        int files = t.info().dataFiles().size();
        if (index < 0 || index >= files) {
            throw new IllegalArgumentException("no file " + index + " in a torrent of " + files
                    + (files == 1 ? " file" : " files"));
        }
        t.choose(c -> c.setPriority(index, priority));
    }

    @Override
    public synchronized void setSequential(boolean on) {
        options = options.withSequential(on);
        if (torrent != null) {
            torrent.choose(c -> c.setSequential(on));
        }
    }

    @Override
    public synchronized void setFirstLastPiecesFirst(boolean on) {
        options = options.withFirstLastPiecesFirst(on);
        if (torrent != null) {
            torrent.choose(c -> c.setFirstLast(on));
        }
    }

    @Override
    public void setPieceDeadline(int piece, Duration within) {
        java.util.Objects.requireNonNull(within, "within");
        if (within.isNegative()) {
            throw new IllegalArgumentException("deadline within " + within + ": negative");
        }
        torrentWithPiece(piece).setPieceDeadlines(java.util.Map.of(piece, within));
    }

    @Override
    public void clearPieceDeadlines() {
        Torrent t = torrent;
        if (t != null) {
            t.clearPieceDeadlines();
        }
    }

    @Override
    public void setPiecePriority(int piece, FilePriority priority) {
        java.util.Objects.requireNonNull(priority, "priority");
        torrentWithPiece(piece).choose(c -> c.setPiecePriority(piece, priority));
    }

    @Override
    public java.io.InputStream openStream(int fileIndex) {
        Torrent t = torrent;
        if (t == null) {
            throw new IllegalStateException("the files of " + name() + " are not known yet (its metadata is being fetched)");
        }
        int files = t.info().dataFiles().size();
        if (fileIndex < 0 || fileIndex >= files) {
            throw new IllegalArgumentException("no file " + fileIndex + " in a torrent of " + files
                    + (files == 1 ? " file" : " files"));
        }
        return new FileStream(t, fileIndex);
    }

    /** The torrent, which has {@code piece}. */
    private Torrent torrentWithPiece(int piece) {
        Torrent t = torrent;
        if (t == null) {
            throw new IllegalStateException("the pieces of " + name() + " are not known yet (its metadata is being fetched)");
        }
        int pieces = t.info().pieceCount();
        if (piece < 0 || piece >= pieces) {
            throw new IllegalArgumentException("no piece " + piece + " in a torrent of " + pieces
                    + (pieces == 1 ? " piece" : " pieces"));
        }
        return t;
    }

    @Override
    public CompletableFuture<Void> completion() {
        return completion.copy();
    }

    @Override
    public boolean awaitCompletion(Duration timeout) throws InterruptedException {
        try {
            completion.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r; // TorrentRemovedException or TorrentFailedException
            }
            throw new IllegalStateException(e.getCause());
        }
    }

    @Override
    public CompletableFuture<Void> moveStorage(java.nio.file.Path newDirectory) {
        java.util.Objects.requireNonNull(newDirectory, "newDirectory");
        Torrent t = torrent;
        if (t == null) {
            return CompletableFuture.failedFuture(new IllegalStateException("the files of " + name()
                    + " are not known yet (its metadata is being fetched)"));
        }
        return t.moveStorage(newDirectory);
    }

    @Override
    public synchronized void pause() {
        paused = true;
        options = options.withPaused(true);
        if (torrent != null) {
            torrent.pause();
        } else if (resolver != null) {
            resolver.pause();
        }
    }

    @Override
    public synchronized void resume() {
        paused = false;
        options = options.withPaused(false);
        if (torrent != null) {
            torrent.resume();
        } else if (resolver != null) {
            resolver.resume();
        }
    }

    @Override
    public void reannounce() {
        Torrent t = torrent;
        if (t != null) {
            t.reannounce();
            return;
        }
        MetadataResolver r = resolver;
        if (r != null) {
            r.reannounce();
        }
    }

    @Override
    public void recheck() {
        Torrent t = torrent;
        if (t != null) {
            t.recheck();
        }
    }

    @Override
    public void remove() {
        remove(false);
    }

    @Override
    public void remove(boolean deleteData) {
        Torrent t;
        MetadataResolver r;
        synchronized (this) {
            removed = true;
            t = torrent;
            r = resolver;
        }
        if (t != null) {
            t.remove(deleteData);
        } else { // no metadata yet: nothing of the torrent's is on disk
            if (r != null) {
                r.remove();
            }
            completion.completeExceptionally(new TorrentRemovedException("torrent " + name() + " was removed"));
        }
    }

    @Override
    public String toString() {
        return "torrent " + name() + " " + infoHash();
    }
}
