package dev.spate.engine;

import dev.spate.core.InfoHash;
import dev.spate.metainfo.Metainfo;
import dev.spate.metainfo.TorrentInfo;
import dev.spate.peer.PeerConnection;
import dev.spate.peer.PeerLink;
import dev.spate.peer.PeerSession;
import dev.spate.storage.ResumeCheck;
import dev.spate.wire.Message;
import dev.spate.wire.TorrentGeometry;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * One torrent: its lifecycle, and the loop that owns it and ties its roles together, the
 * {@link Connections} (peer table, dialling, bans), the {@link Download} (picker, pieces,
 * verdicts), the {@link Upload} (choker, serving), the {@link WebSeeds}, the {@link Announcer}
 * and the resume data.
 *
 * <p>Threads: all state is owned by the loop ({@link Mailbox}). Peer reader threads, the disk pool,
 * announcing threads, the session's ticker and API callers only post to it; the loop never waits
 * on the network or the disk, whose results come back as messages. A peer's reader may have at
 * most {@link Connections#CREDITS} messages waiting on the loop; past that it stops reading, so
 * a flooding peer stalls itself, not the torrent.
 */
final class Torrent implements Connections.Host, Download.Host, Pex.Host, Inbox.Loop, WebSeeds.Host {
    private static final System.Logger LOG = System.getLogger(Torrent.class.getName());
    static final String CLIENT_NAME = "Spate 0.1.0";

    private final TorrentContext context;
    private final TorrentInfo info;
    /** BEP 5: the .torrent's {@code nodes}, DHT contacts (host names unresolved). */
    private final List<InetSocketAddress> dhtNodes;
    private final InfoHash hash;
    private final MovableStorage storage;
    private final Mailbox loop;
    private final Consumer<Torrent> onRemoved;
    private final CompletableFuture<Void> completion = new CompletableFuture<>();
    private final java.util.concurrent.atomic.AtomicBoolean stopping = new java.util.concurrent.atomic.AtomicBoolean();
    private final CompletableFuture<Void> stoppedAll = new CompletableFuture<>();
    private final PeerSession.Timeouts timeouts;
    /** What the torrent was made with; see {@link #choose} for what changed since. */
    private final TorrentOptions options;

    // ---- loop-owned ----
    private final Lifecycle lifecycle;
    private final Connections connections;
    private final Download download;
    private final WebSeeds webSeeds;
    private final Upload upload;
    private final TorrentTrackers trackers;
    private boolean checked;
    /** Where the files are: the directory the torrent was added with, until a move. */
    private Path directory;
    /** A {@link #moveStorage} is under way; whether the torrent resumes when it ends. */
    private boolean moving;
    private boolean resumeAfterMove;
    private String error;
    private final ResumeSaver resume;
    private final Inbox inbox;
    private final PeerIntents intents;
    private final Snapshots snapshots;
    private final MetadataServer metadataServer;
    private final Pex pex;
    private final Map<String, Integer> extensions;
    /** Streams waiting for pieces to verify. */
    private final PieceWaiters waiters = new PieceWaiters();
    /**
     * Per piece, the time each owner of a deadline wants it by: each stream ({@link
     * #claimPieceDeadlines}), and {@link #API} for those of {@link TorrentHandle#setPieceDeadline};
     * a piece's deadline is the earliest. Loop thread.
     */
    private final Map<Integer, Map<Object, Long>> deadlineClaims = new java.util.HashMap<>();
    /** Per owner, the pieces it claims. Loop thread. */
    private final Map<Object, java.util.Set<Integer>> claimedBy = new java.util.HashMap<>();
    /** The owner of the deadlines set through the handle, so a stream letting go of a piece leaves them. */
    private static final Object API = new Object();
    /** Pieces verified while a recheck runs (it may have read them before their write); null when none runs. */
    private dev.spate.core.Bitfield verifiedDuringRecheck;
    /**
     * Added paused ({@link TorrentOptions#paused()}) and not resumed since: once the check at start
     * is over it is paused instead of activated, so nobody hears of it first.
     */
    private boolean pausedAtCheck;
    /** While a recheck runs: whether the torrent is to be active when it ends (not paused before or meanwhile). */
    private boolean activeAfterRecheck;
    /** While a recheck runs: whether peers, trackers and discovery are stopped (it was paused before or meanwhile). */
    private boolean quietDuringRecheck;
    /** A rechoke is queued on the loop behind the batch of messages that made it due. */
    private boolean rechokeQueued;
    /** Connections of the metadata phase waiting for the check to end, each holding a slot. */
    private final List<CarriedPeer> carried = new ArrayList<>();

    Torrent(TorrentContext context, Metainfo metainfo, Path directory, Consumer<Torrent> onRemoved) throws IOException {
        this(context, metainfo, directory, TorrentOptions.defaults(), onRemoved);
    }

    /** @throws IllegalArgumentException when {@code options} name a priority per file of another torrent */
    Torrent(TorrentContext context, Metainfo metainfo, Path directory, TorrentOptions options,
            Consumer<Torrent> onRemoved) throws IOException {
        this.context = context;
        this.info = metainfo.info();
        this.dhtNodes = metainfo.dhtNodes();
        this.hash = InfoHash.of(metainfo.infoHash());
        this.onRemoved = onRemoved;
        FileChoice choice = new FileChoice(info, options);
        this.options = options;
        this.pausedAtCheck = options.paused();
        this.directory = directory;
        this.storage = new MovableStorage(context.storage().open(info, directory,
                context.resumes().partsLocation(hash, directory), choice.wantedFiles()), choice.wantedFiles());
        SessionConfig config = context.config();
        this.timeouts = new PeerSession.Timeouts(config.idleTimeout().toNanos(), config.requestTimeout().toNanos());
        this.lifecycle = new Lifecycle(hash, context.events());
        TorrentGeometry geometry = new TorrentGeometry(info.pieceCount(), info.pieceLength(), info.totalLength());
        this.connections = new Connections(context, hash, geometry, this);
        this.download = new Download(context, hash, info, storage, this, choice);
        this.webSeeds = new WebSeeds(hash, context.webSeeds().open(metainfo.webSeeds(), info), context.clock(), download,
                this, connections.downloadLimits(), context.events(), context.fatal());
        this.upload = new Upload(config.uploadSlots(), storage, download::weHave);
        this.trackers = new TorrentTrackers(context, hash, metainfo.trackerTiers(), peers -> {
            peers.forEach(connections::add);
            connections.dial();
        }, this::counters, this::post);
        this.resume = new ResumeSaver(context.disk(), storage, context.resumes().entry(hash, directory),
                context.clock(), download::have, this::post, () -> lifecycle.state() == TorrentState.DOWNLOADING
                        || lifecycle.state() == TorrentState.CHECKING);
        this.inbox = new Inbox(context, info.pieceLength(), connections, upload, this);
        this.metadataServer = new MetadataServer(metainfo.infoBytes(), info.isPrivate(), context.clock());
        this.pex = new Pex(config.pex(), info.isPrivate(), context.clock(), this);
        Map<String, Integer> ours = new HashMap<>(metadataServer.extensions());
        ours.putAll(pex.extensions());
        this.extensions = Map.copyOf(ours);
        this.intents = new PeerIntents(download, upload, connections, lifecycle, metadataServer, pex,
                node -> {
                    if (!info.isPrivate()) {
                        context.dht().nodeSeen(node);
                    }
                });
        this.loop = context.loops().create("torrent " + info.name(), e -> fail("internal error: " + e),
                context.fatal()::accept);
        this.snapshots = new Snapshots(info, hash, lifecycle, download, upload, connections, trackers, webSeeds);
        snapshot();
    }

    InfoHash hash() {
        return hash;
    }


    // ---- lifecycle ----

    /** Checks what is on disk, then starts downloading or seeding (or pauses, when added paused). */
    void start() {
        post(lifecycle::announceStart);
        ResumeCheck.load(context.disk(), storage, resume.entry(), (done, total) -> { })
                .whenComplete((outcome, failure) -> post(() -> {
                    if (failure != null) {
                        fail("checking the data on disk failed: " + Messages.message(failure));
                        return;
                    }
                    download.alreadyHave(outcome.have());
                    resume.checked(outcome.clean());
                    if (!outcome.trusted()) {
                        resume.changed();
                    }
                    checked = true;
                    if (lifecycle.state() != TorrentState.CHECKING) {
                        return; // paused meanwhile
                    }
                    if (pausedAtCheck) {
                        lifecycle.go(TorrentState.PAUSED);
                        if (download.isFinished()) {
                            completed();
                        }
                        resume.save(); // a clean record of what was found
                        snapshot();
                    } else {
                        activate();
                    }
                }));
    }

    /** Downloading or seeding, whichever fits, with announces and dials. */
    private void activate() {
        boolean complete = download.isFinished();
        if (!lifecycle.go(complete ? TorrentState.SEEDING : TorrentState.DOWNLOADING)) {
            return;
        }
        if (complete) {
            completed();
        } else {
            resume.save(); // the record says running from now on: pieces will be written
        }
        adoptCarried();
        trackers.start();
        joinDiscovery();
        connections.dial(); // after the adoption: a carried peer is connected, not dialled again
        webSeeds.fill();
    }

    /**
     * Announces the torrent on the local network (BEP 14) and in the DHT (BEP 5, the .torrent's
     * {@code nodes} as extra contacts) while it is active; a private torrent never (BEP 27: its
     * peers come from its trackers only). Loop.
     */
    private void joinDiscovery() {
        if (!info.isPrivate()) {
            context.localDiscovery().join(hash);
            context.dht().join(hash, true, dhtNodes);
        }
    }

    /** Stops both; harmless when never joined. Any thread. */
    private void leaveDiscovery() {
        context.localDiscovery().leave(hash);
        context.dht().leave(hash);
    }

    /**
     * A peer on the local network announced this torrent (BEP 14): dialled like a tracker's peer,
     * within the torrent's and the session's connection limits, while the torrent is active and not
     * private. Any thread.
     */
    void discovered(InetSocketAddress peer) {
        post(() -> {
            if (!info.isPrivate() && lifecycle.isActive()) {
                connections.add(peer);
                connections.dial();
            }
        });
    }

    /**
     * Disconnects every peer and stops; the data and what is verified stay. During a recheck it
     * stops at once, and is paused once the recheck ends. Any thread.
     */
    void pause() {
        post(() -> {
            resumeAfterMove = false;
            pauseNow();
        });
    }

    private void pauseNow() {
        if (verifiedDuringRecheck != null) {
            activeAfterRecheck = false;
            if (!quietDuringRecheck) {
                quietDuringRecheck = true;
                quiet("paused");
            }
            return;
        }
        boolean wasActive = lifecycle.isActive();
        if (!lifecycle.go(TorrentState.PAUSED)) {
            return;
        }
        dropCarried("paused", true);
        if (wasActive) {
            quiet("paused");
        }
    }

    /** Stops taking part in the swarm: peers, web seeds, trackers, discovery. Loop. */
    private void quiet(String reason) {
        leaveDiscovery();
        connections.disconnectAll(reason);
        webSeeds.stop();
        trackers.stopped();
        download.trim();
        resume.save();
    }

    /**
     * Hashes every piece on disk again, on the disk pool, as the check at start does, in state
     * CHECKING: a verified piece not found is lost (published as {@link Event.PieceLost}) and
     * fetched again, one found that was missing is had; per-file progress and the resume data
     * follow. Peers stay connected meanwhile (no requests go out, none is served); a paused
     * torrent is paused again after it. Ignored while the start-up check or another recheck runs,
     * and once the torrent failed or is removed. Any thread.
     */
    void recheck() {
        post(() -> {
            if (!checked || verifiedDuringRecheck != null || lifecycle.isOver()) {
                return;
            }
            boolean active = lifecycle.isActive();
            if (!lifecycle.go(TorrentState.CHECKING)) {
                return;
            }
            verifiedDuringRecheck = new dev.spate.core.Bitfield(info.pieceCount());
            activeAfterRecheck = active;
            quietDuringRecheck = !active;
            context.disk().execute(storage::forgetOpenFiles) // a file deleted or replaced since it was opened
                    .thenCompose(v -> context.disk().recheck(storage, dev.spate.storage.Recheck.Progress.NONE))
                    .whenComplete((found, failure) -> post(() -> rechecked(found, failure)));
            snapshot();
        });
    }

    /** The recheck's outcome, on the loop. */
    private void rechecked(dev.spate.core.Bitfield found, Throwable failure) {
        dev.spate.core.Bitfield keep = verifiedDuringRecheck;
        verifiedDuringRecheck = null;
        if (lifecycle.isOver()) {
            return;
        }
        if (failure != null) {
            fail("rechecking the data on disk failed: " + Messages.message(failure));
            return;
        }
        for (int piece : download.rechecked(found, keep)) {
            publish(new Event.PieceLost(hash, piece));
        }
        resume.changed();
        boolean finished = download.isFinished();
        if (!activeAfterRecheck) {
            lifecycle.go(TorrentState.PAUSED);
            if (finished) {
                completed(); // no news when it was complete before
            }
        } else if (quietDuringRecheck) {
            activate(); // paused when it began, resumed meanwhile
        } else if (!finished) {
            lifecycle.go(TorrentState.DOWNLOADING);
            download.fillAll();
            webSeeds.fill();
            upload.markDue();
        } else {
            lifecycle.go(TorrentState.SEEDING);
            if (!completion.isDone()) {
                completed();
                trackers.completed();
            }
            upload.markDue();
        }
        resume.save(); // in the state it ended in: clean unless downloading
        snapshot();
    }


    /**
     * Announces to the trackers and the DHT now, as far as their limits allow ({@link
     * Announcer#reannounce}, {@link DhtSchedule#reannounce}); only while downloading or seeding.
     * Any thread.
     */
    void reannounce() {
        post(() -> {
            if (!lifecycle.isActive()) {
                return; // paused, checking, over: nobody is to hear of it now
            }
            trackers.reannounce();
            if (!info.isPrivate()) {
                context.dht().reannounce(hash);
            }
        });
    }

    /** Starts again after {@link #pause()}; once a move under way is done. Any thread. */
    void resume() {
        post(() -> {
            if (moving) {
                resumeAfterMove = true;
            } else {
                resumeNow();
            }
        });
    }

    private void resumeNow() {
        pausedAtCheck = false; // added paused: it starts once its check is over, or now
        if (verifiedDuringRecheck != null) {
            activeAfterRecheck = true; // active again once the recheck ends
            return;
        }
        if (lifecycle.state() != TorrentState.PAUSED) {
            return;
        }
        if (checked) {
            activate();
        } else {
            lifecycle.go(TorrentState.CHECKING); // the check goes on; it activates when done
        }
    }

    /**
     * Pauses, moves the files to {@code to} ({@link StorageMoves}), and resumes if the torrent was
     * not paused before. Any thread; see {@link TorrentHandle#moveStorage}.
     */
    CompletableFuture<Void> moveStorage(Path to) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        if (!post(() -> {
            if (lifecycle.isOver()) {
                done.completeExceptionally(lifecycle.state() == TorrentState.ERROR ? new TorrentFailedException(error)
                        : new TorrentRemovedException("torrent " + info.name() + " was removed"));
                return;
            }
            if (moving) {
                done.completeExceptionally(new IllegalStateException("a move of " + info.name() + " is under way"));
                return;
            }
            moving = true;
            resumeAfterMove = lifecycle.state() != TorrentState.PAUSED;
            pauseNow();
            StorageMoves.start(context, hash, info, directory, to, storage)
                    .whenComplete((moved, failure) -> {
                        if (!post(() -> moveEnded(moved, failure, done))) {
                            // Removed meanwhile: the move itself is over (its storage waited for it) and says how.
                            if (failure == null) {
                                done.complete(null);
                            } else {
                                done.completeExceptionally(failure instanceof StorageMoves.Broken broken
                                        ? new TorrentFailedException(broken.getMessage()) : failure);
                            }
                        }
                    });
        })) {
            done.completeExceptionally(new TorrentRemovedException("torrent " + info.name() + " was removed"));
        }
        return done;
    }

    private void moveEnded(Path moved, Throwable failure, CompletableFuture<Void> done) {
        moving = false;
        if (failure == null) {
            directory = moved;
            resume.moveTo(context.resumes().entry(hash, moved));
            if (checked) {
                resume.changed(); // the files' times as they are at the new place
                resume.save();
            }
            done.complete(null);
        } else if (failure instanceof StorageMoves.Broken broken) {
            fail(broken.getMessage());
            done.completeExceptionally(new TorrentFailedException(broken.getMessage()));
            return;
        } else {
            done.completeExceptionally(failure);
        }
        if (resumeAfterMove) {
            resumeNow();
        }
        snapshot();
    }

    /** Stops and leaves the session; waits for the loop to end. Any thread but the loop. */
    void remove() {
        remove(false);
    }

    /**
     * Stops and leaves the session; with {@code deleteData}, then deletes the torrent's own files,
     * the empty directories its layout made, its part file and resume data ({@link
     * dev.spate.storage.DataRemoval}), publishing a {@link Event.DataLeft} for each thing left.
     * Waits for the loop to end, and for the deletion. Any thread but the loop.
     */
    void remove(boolean deleteData) {
        onRemoved.accept(this);
        shutdown();
        if (deleteData) {
            deleteData();
        }
    }

    /** After the stop: nothing of the torrent's writes any more (the storage is closed, the last save done). */
    private void deleteData() {
        try {
            resume.inFlight().get(10, TimeUnit.SECONDS); // a save on the pool would write the resume file again
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            // failed (nothing written) or stuck: the deletion goes on regardless
        }
        Path directory = resume.entry().downloadDirectory();
        dev.spate.storage.DataRemoval.Report report = dev.spate.storage.DataRemoval.delete(directory, info,
                List.of(context.resumes().partsLocation(hash, directory), resume.entry().location()));
        for (dev.spate.storage.DataRemoval.Left left : report.left()) {
            LOG.log(System.Logger.Level.WARNING, "removing the data of {0}: left {1}: {2}", info.name(), left.path(),
                    left.reason());
            publish(new Event.DataLeft(hash, left.path(), left.reason()));
        }
    }

    /**
     * Stops everything: peers, announces, the loop, the files; waits (off the loop, which never
     * waits) for the loop to finish, then saves what was verified.
     */
    void shutdown() {
        if (!stopping.compareAndSet(false, true)) {
            // Someone else is stopping it (the session closing while the user removes it): wait.
            try {
                stoppedAll.get(20, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (ExecutionException | TimeoutException e) {
                LOG.log(System.Logger.Level.WARNING, "torrent {0} did not stop in time", info.name());
            }
            return;
        }
        try {
            stop();
        } finally {
            stoppedAll.complete(null);
        }
    }

    private void stop() {
        CompletableFuture<CompletableFuture<Void>> stopped = new CompletableFuture<>();
        if (!post(() -> {
            dropCarried("shutting down", false);
            // On the loop, behind any activation still queued, which can then no longer join.
            leaveDiscovery();
            connections.disconnectAll("shutting down");
            webSeeds.stop();
            CompletableFuture<Void> announced = trackers.stopped();
            lifecycle.go(TorrentState.REMOVED);
            stopped.complete(announced);
        })) {
            leaveDiscovery(); // the loop is gone: nothing can join any more
            stopped.complete(CompletableFuture.completedFuture(null));
        }
        loop.close();
        try {
            loop.ended().get(10, TimeUnit.SECONDS);
            // The loop is over: this thread owns the torrent's state now. The last snapshot is what
            // status() answers from here on: it says REMOVED (also when the loop was gone before the
            // stop could be posted), not the state it was in when last asked.
            lifecycle.go(TorrentState.REMOVED);
            snapshot();
            // Verdicts queued behind the stop ran after it and published PieceVerified: save now, so
            // every such piece is listed.
            resume.saveNow();
            stopped.getNow(CompletableFuture.completedFuture(null)).get(3, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            LOG.log(System.Logger.Level.WARNING, "torrent {0} did not stop cleanly: {1}", info.name(), e.toString());
        }
        dropCarried("torrent stopped", false); // the loop is over: this thread owns what it left
        connections.releaseAll("torrent stopped");
        closeStorage();
        download.trim();
        TorrentRemovedException removed = new TorrentRemovedException("torrent " + info.name() + " was removed");
        waiters.stop(removed); // the loop is over: this thread owns them
        completion.completeExceptionally(removed);
    }

    /** Releases what the constructor opened, for a torrent that never started. */
    void discard() {
        loop.close();
        closeStorage();
    }

    private void closeStorage() {
        try {
            storage.close();
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "closing files of {0}: {1}", info.name(), e.getMessage());
        }
    }

    @Override
    public void fail(String message) {
        if (!lifecycle.go(TorrentState.ERROR)) {
            return;
        }
        error = message;
        dropCarried("torrent error", false);
        leaveDiscovery();
        connections.disconnectAll("torrent error");
        webSeeds.stop();
        trackers.stopped();
        publish(new Event.TorrentError(hash, message));
        waiters.stop(new TorrentFailedException(message));
        completion.completeExceptionally(new TorrentFailedException(message));
    }

    /** The session is stopping by itself (see {@link Session#failure()}); any thread. */
    void abort(String message) {
        completion.completeExceptionally(new TorrentFailedException(message));
        post(() -> fail(message));
    }

    private void completed() {
        if (completion.isDone()) {
            return; // once: a seed resumed after a pause is no news
        }
        download.trim();
        resume.save();
        publish(new Event.TorrentComplete(hash));
        completion.complete(null);
    }

    // ---- connections carried over from a magnet's metadata phase ----

    /**
     * The metadata phase's connections, held, with their slots: adopted once the torrent is
     * active (after the check, which decides what we announce), dropped if it stops or pauses
     * first. Any thread.
     */
    void adopt(List<CarriedPeer> peers) {
        if (peers.isEmpty()) {
            return;
        }
        List<CarriedPeer> copy = List.copyOf(peers);
        if (!post(() -> {
            carried.addAll(copy);
            if (lifecycle.isActive()) {
                adoptCarried();
            } else if (lifecycle.state() != TorrentState.CHECKING) {
                dropCarried("torrent is not active", lifecycle.state() == TorrentState.PAUSED);
            }
        })) {
            copy.forEach(p -> p.drop(context, hash, "torrent stopped"));
        }
    }

    private void adoptCarried() {
        List<CarriedPeer> now = new ArrayList<>(carried);
        carried.clear();
        for (CarriedPeer p : now) {
            for (Message m : connections.adopt(p).orElse(List.of())) {
                received(p.link(), m); // as if they came now, ahead of what the link delivers next
            }
        }
    }

    /** Gives back the waiting connections; their peers stay candidates when the torrent may resume. */
    private void dropCarried(String reason, boolean keepAsCandidates) {
        for (CarriedPeer p : carried) {
            p.drop(context, hash, reason);
            if (keepAsCandidates) {
                connections.add(p.link().remote());
            }
        }
        carried.clear();
    }

    // ---- for the handle ----

    /** Adds a peer to dial (ignored when banned, connected, or ourselves). Any thread. */
    void connect(InetSocketAddress peer) {
        post(() -> {
            connections.add(peer);
            connections.dial();
        });
    }

    void setRateLimits(long downloadBytesPerSecond, long uploadBytesPerSecond) {
        connections.setRateLimits(downloadBytesPerSecond, uploadBytesPerSecond);
    }

    void addTracker(String url) {
        post(() -> trackers.add(url));
    }

    /**
     * Changes the choice of files or the order of pieces ({@code change} runs on the loop, on the
     * {@link FileChoice}): the picker and storage follow, a finished torrent that wants more goes
     * back to downloading, and one whose wanted files are all there now seeds. Any thread.
     */
    void choose(Consumer<FileChoice> change) {
        post(() -> {
            change.accept(download.choice());
            download.choiceChanged();
            followChoice();
        });
    }

    /**
     * Each piece is wanted within its duration of now on the torrent's clock, fetched before
     * pieces without a deadline (see {@link Download#setDeadline}). Any thread.
     */
    void setPieceDeadlines(Map<Integer, java.time.Duration> within) {
        Map<Integer, java.time.Duration> copy = Map.copyOf(within);
        post(() -> {
            long now = context.clock().nanoTime();
            java.util.Set<Integer> mine = claimedBy.computeIfAbsent(API, k -> new java.util.HashSet<>());
            copy.forEach((piece, d) -> {
                deadlineClaims.computeIfAbsent(piece, k -> new java.util.HashMap<>()).put(API, now + capped(d));
                mine.add(piece);
            });
            copy.keySet().forEach(this::applyClaims);
            followChoice(); // a piece of skipped files only may be wanted now
        });
    }

    /** Forgets every deadline: the handle's and the streams' claims alike. Any thread. */
    void clearPieceDeadlines() {
        post(() -> {
            download.clearDeadline(-1);
            deadlineClaims.clear();
            claimedBy.clear();
            followChoice();
        });
    }

    /** How many owners (streams, the handle) claim a deadline for {@code piece}; for tests. Loop thread. */
    int deadlineOwners(int piece) {
        Map<Object, Long> claims = deadlineClaims.get(piece);
        return claims == null ? 0 : claims.size();
    }

    /** A duration as nanoseconds, a year at most: beyond that as good as none, and no overflow. */
    private static long capped(java.time.Duration d) {
        java.time.Duration year = java.time.Duration.ofDays(365);
        return (d.compareTo(year) > 0 ? year : d).toNanos();
    }

    /** Gives {@code piece} the earliest time any owner claims for it, or no deadline when none does. Loop thread. */
    private void applyClaims(int piece) {
        Map<Object, Long> claims = deadlineClaims.get(piece);
        if (claims == null || claims.isEmpty()) {
            deadlineClaims.remove(piece);
            download.clearDeadline(piece);
        } else {
            download.setDeadline(piece, java.util.Collections.min(claims.values()));
        }
    }

    /**
     * Replaces the deadlines {@code owner} (a stream) claims with {@code window}: each piece there
     * wanted within its duration of now, the pieces it claimed before and not now released. A
     * piece several streams claim has the earliest of their times, and keeps a deadline until the
     * last of them lets go, so readers of one torrent never undo each other's read-ahead. An empty
     * window releases everything the owner claimed. Any thread.
     */
    void claimPieceDeadlines(Object owner, Map<Integer, java.time.Duration> window) {
        Map<Integer, java.time.Duration> given = Map.copyOf(window);
        post(() -> {
            // A stream closed since it asked has let go already, or is about to: its claim is void.
            Map<Integer, java.time.Duration> copy = owner instanceof FileStream f && f.isClosed() ? Map.of() : given;
            long now = context.clock().nanoTime();
            java.util.Set<Integer> touched = new java.util.HashSet<>(copy.keySet());
            java.util.Set<Integer> before = claimedBy.remove(owner);
            if (before != null) {
                for (int piece : before) {
                    if (!copy.containsKey(piece)) {
                        Map<Object, Long> claims = deadlineClaims.get(piece);
                        if (claims != null) {
                            claims.remove(owner);
                        }
                        touched.add(piece);
                    }
                }
            }
            copy.forEach((piece, d) -> deadlineClaims.computeIfAbsent(piece, k -> new java.util.HashMap<>())
                    .put(owner, now + capped(d)));
            if (!copy.isEmpty()) {
                claimedBy.put(owner, new java.util.HashSet<>(copy.keySet()));
            }
            touched.forEach(this::applyClaims);
            followChoice(); // a piece of skipped files only may be wanted now, or no longer
        });
    }

    /**
     * Completes when {@code piece} is verified (at once if it is), exceptionally when the torrent
     * is removed or fails first. Any thread.
     */
    CompletableFuture<Void> whenVerified(int piece) {
        CompletableFuture<CompletableFuture<Void>> registered = new CompletableFuture<>();
        if (!post(() -> registered.complete(waiters.await(piece, download.weHave(piece))))) {
            return CompletableFuture.failedFuture(new TorrentRemovedException("torrent " + info.name() + " was removed"));
        }
        CompletableFuture<Void> out = registered.thenCompose(f -> f);
        out.whenComplete((ok, failure) -> {
            if (out.isCancelled()) {
                registered.thenAccept(f -> f.cancel(false)); // the waiter gave up: the loop forgets it
            }
        });
        return out;
    }

    /** Reads verified bytes of {@code piece} into {@code dst} on the disk pool. Any thread. */
    CompletableFuture<Void> readVerified(int piece, int begin, java.nio.ByteBuffer dst) {
        return context.disk().execute(() -> storage.read(piece, begin, dst));
    }

    /** After a change of what is wanted: a finished torrent that wants more downloads, and the reverse. Loop. */
    private void followChoice() {
        boolean finished = download.isFinished();
        if (lifecycle.state() == TorrentState.SEEDING && !finished) {
            lifecycle.go(TorrentState.DOWNLOADING);
            download.fillAll();
            webSeeds.fill();
        } else if (lifecycle.state() == TorrentState.DOWNLOADING && finished) {
            downloadComplete();
        }
        snapshot();
    }

    TorrentOptions options() {
        return options;
    }

    CompletableFuture<Void> completion() {
        return completion.copy();
    }

    TorrentInfo info() {
        return info;
    }

    /** The last snapshot the loop took, marked stale. Any thread. */
    TorrentStatus lastStatus() {
        return snapshots.last();
    }

    /** The last snapshot the loop took, as it took it. Any thread. */
    TorrentStatus latestStatus() {
        return snapshots.latest();
    }

    /** A snapshot of the torrent. Loop. */
    TorrentStatus snapshot() {
        return snapshots.status(Optional.ofNullable(error));
    }

    /** A snapshot of every peer. Loop. */
    List<PeerStats> peerSnapshots() {
        return snapshots.peers();
    }

    // ---- connections (Connections.Host) ----

    /** An incoming connection whose handshake named this torrent; called on its own thread. */
    void acceptIncoming(PeerConnection.Handshaken h) {
        connections.incoming(h);
    }

    /**
     * A link already handshaken (a scripted peer in tests): takes a slot and attaches it on the
     * loop, as an incoming connection would be. Returns false when the session has no slot.
     */
    boolean attach(PeerLink link) {
        if (!context.slots().reserve()) {
            return false;
        }
        if (!post(() -> connections.attach(link))) {
            context.slots().release();
            return false;
        }
        return true;
    }

    @Override
    public boolean active() {
        return lifecycle.isActive();
    }

    @Override
    public PeerSession open(PeerLink link) {
        return greet(link, extensions);
    }

    @Override
    public PeerSession openCarried(PeerLink link) {
        // The metadata phase announced ut_metadata and ut_pex; BEP 10's m is additive, so what this
        // torrent does not use (a private one: neither) is switched off with id 0.
        Map<String, Integer> ids = new HashMap<>(Map.of(dev.spate.wire.ExtensionIds.UT_METADATA, 0,
                dev.spate.wire.ExtensionIds.UT_PEX, 0));
        ids.putAll(extensions);
        return greet(link, ids);
    }

    /** A session for {@code link}, our pieces and our BEP 10 handshake (with {@code ids} as its m) sent. */
    private PeerSession greet(PeerLink link, Map<String, Integer> ids) {
        PeerSession ps = new PeerSession(link, info.pieceCount(), intents, context.clock(), timeouts);
        ps.start(download.have(), new PeerSession.Greeting(context.listenPort().getAsInt(), CLIENT_NAME, ids,
                metadataServer.metadataSize(), info.isPrivate() ? 0 : context.dht().port(),
                context.config().encryption() != EncryptionPolicy.TOLERATE));
        return ps;
    }

    @Override
    public void left(PeerSession ps, String reason) {
        download.peerLeft(ps);
        metadataServer.peerLeft(ps);
        pex.peerLeft(ps);
        publish(new Event.PeerDisconnected(hash, ps.link().remote(), reason));
        upload.markDue();
    }

    @Override
    public PeerConnection.Listener linkListener() {
        return inbox;
    }


    // ---- the loop's side of the inbox ----

    @Override
    public void received(PeerLink link, Message m) {
        PeerSession ps = connections.session(link);
        if (ps != null) {
            try {
                ps.handle(m);
            } catch (RuntimeException e) {
                // A message we failed to handle costs its peer, not the torrent.
                LOG.log(System.Logger.Level.WARNING,
                        "handling " + m + " from " + dev.spate.core.PeerAddress.format(link.remote()), e);
                connections.disconnect(ps, "internal error handling " + m.getClass().getSimpleName() + ": " + e);
            }
        }
        rechokeAfterBatch();
    }

    /**
     * Runs a due rechoke once the batch of messages is through, however many of them changed a
     * peer's interest: now when nothing else waits on the loop, else queued behind what waits. The
     * batch may end with a task that is not a message (a disk's verdict, a tracker's answer), after
     * which nothing would look again until the next tick.
     */
    private void rechokeAfterBatch() {
        if (!upload.isDue() || rechokeQueued) {
            return;
        }
        if (loop.pending() == 0) {
            rechoke();
        } else {
            rechokeQueued = loop.post(() -> {
                rechokeQueued = false;
                if (upload.isDue()) {
                    rechoke();
                }
            });
        }
    }

    @Override
    public void unreadable(String message) {
        fail(message);
    }

    /** Where the links' threads hand over what they read and sent. */
    Inbox inbox() {
        return inbox;
    }

    // ---- download's needs (Download.Host) ----

    @Override
    public boolean downloading() {
        return lifecycle.state() == TorrentState.DOWNLOADING;
    }

    @Override
    public java.util.Collection<PeerSession> peerSessions() {
        return connections.peers();
    }

    @Override
    public void disconnect(PeerSession peer, String reason) {
        connections.disconnect(peer, reason);
    }

    @Override
    public void ban(InetSocketAddress address, String reason) {
        connections.ban(address, reason);
    }

    // ---- PEX's needs (Pex.Host) ----

    @Override
    public boolean peerIsSeed(PeerSession peer) {
        return download.peerIsSeed(peer);
    }

    @Override
    public void pexCandidate(InetSocketAddress address) {
        connections.addFromPex(address);
        if (lifecycle.isActive()) {
            connections.dial();
        }
    }

    @Override
    public void pexDropped(InetSocketAddress address) {
        connections.droppedByPex(address);
    }

    @Override
    public void prefersEncryption(InetSocketAddress address) {
        context.connector().prefersEncryption(address);
    }

    @Override
    public void pieceVerified(int piece) {
        if (verifiedDuringRecheck != null) {
            verifiedDuringRecheck.set(piece);
        }
        resume.changed();
        publish(new Event.PieceVerified(hash, piece));
        waiters.verified(piece);
    }

    @Override
    public void wholePieceFailed(Object source, int piece) {
        webSeeds.hashFailed(source, piece);
    }

    @Override
    public void downloadComplete() {
        if (lifecycle.state() == TorrentState.DOWNLOADING) {
            lifecycle.go(TorrentState.SEEDING);
            if (completion.isDone()) {
                // Finished again, after more files were wanted: news, but not for the trackers.
                resume.save();
                publish(new Event.TorrentComplete(hash));
            } else {
                completed();
                trackers.completed();
            }
        } else if (lifecycle.state() == TorrentState.PAUSED) {
            completed(); // the last verdict came after the pause: complete, and still paused
        }
    }

    // ---- time ----

    void postTick() {
        post(this::tick);
    }

    private void tick() {
        download.tick();
        upload.tick();
        for (PeerSession ps : connections.snapshot()) {
            ps.tick(download.outstanding(ps));
        }
        download.fillAll();
        webSeeds.tick();
        pex.tick();
        rechoke();
        if (lifecycle.isActive()) {
            trackers.tick();
            connections.dial();
        }
        resume.tick();
        snapshot();
        if (idle()) {
            loop.markDormant();
        }
    }

    /**
     * Whether nothing happens to this torrent until something arrives (a peer, a request, a
     * tracker's answer, a dial's outcome): it is not downloading, has no peer connected, its rates
     * have fallen to 0 (so that its snapshot stays what it is), and no tracker is to be asked within
     * {@link QuietTicks#EVERY} seconds (so that announces stay on time). The session then ticks it
     * only every {@code EVERY} seconds, for its other timers: resume saves, and the peers it knows
     * of to dial again once their back-off is over (minutes; a few seconds later changes nothing).
     * Loop.
     */
    private boolean idle() {
        TorrentState state = lifecycle.state();
        // Only seeding and paused torrents doze: a check or a move reports progress every second,
        // and an announce under way (or an event waiting for it) is answered on the next tick.
        if (state != TorrentState.SEEDING && state != TorrentState.PAUSED || connections.count() != 0
                || download.rate() != 0 || upload.rate() != 0 || trackers.busy()) {
            return false;
        }
        for (TrackerState t : snapshots.latest().trackers()) {
            if (t.nextAnnounceSeconds() >= 0 && t.nextAnnounceSeconds() < QuietTicks.EVERY) {
                return false;
            }
        }
        return true;
    }

    /** Whether its loop marked it idle and nothing was posted to it since. Any thread. */
    boolean dormant() {
        return loop.dormant();
    }


    private void rechoke() {
        if (lifecycle.isActive()) {
            upload.rechoke(context.clock().nanoTime(), connections.peers(), lifecycle.state() == TorrentState.SEEDING);
        }
    }

    // ---- trackers ----

    private Announcer.Counters counters() {
        // BEP 3 "left": what we still mean to download (Download#wantedBytes).
        return new Announcer.Counters(upload.total(), download.total(),
                Math.max(0, download.wantedBytes() - download.wantedBytesVerified()));
    }

    // ---- helpers ----

    private void publish(Event e) {
        context.events().accept(e);
    }

    @Override
    public boolean post(Runnable task) {
        return loop.post(task);
    }

    /** When its resume data is written, for tests that wait for a save. */
    ResumeSaver resumeSaver() {
        return resume;
    }

    /** The torrent's mailbox, for tests that drive the loop by hand. */
    Mailbox loop() {
        return loop;
    }
}
