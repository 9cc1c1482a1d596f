package dev.spate.engine;

import dev.spate.core.Bitfield;
import dev.spate.core.InfoHash;
import dev.spate.metainfo.Metainfo;
import dev.spate.metainfo.TorrentInfo;
import dev.spate.choke.ChokeCandidate;
import dev.spate.choke.ChokeDecision;
import dev.spate.choke.Choker;
import dev.spate.peer.OutgoingBlock;
import dev.spate.peer.PeerConnection;
import dev.spate.peer.PeerSession;
import dev.spate.peer.TokenBucket;
import dev.spate.picker.BlockReceipt;
import dev.spate.picker.BlockRequest;
import dev.spate.picker.PiecePicker;
import dev.spate.storage.FileStorage;
import dev.spate.storage.PieceBuffers;
import dev.spate.storage.ResumeCheck;
import dev.spate.storage.ResumeFile;
import dev.spate.storage.Storage;
import dev.spate.storage.StorageException;
import dev.spate.wire.ExtendedHandshake;
import dev.spate.wire.Handshake;
import dev.spate.wire.Message;
import dev.spate.wire.MessageDecoder;
import dev.spate.wire.TorrentGeometry;
import dev.spate.wire.WireException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * One torrent's state machine and the loop that owns it.
 *
 * <p>Threads: every field below "loop-owned" is read and written only on the loop thread (a single
 * virtual thread draining a mailbox). Peer reader threads, the disk pool, the session's ticker and
 * API callers only post tasks to the loop. No lock guards the picker, the peers or the pieces.
 *
 * <p>The way of a block: a peer's reader thread decodes a {@code Piece} (waiting first while the
 * disk queue is full) and posts it; here the peer session checks we asked for it, the picker marks
 * it, and the bytes join the piece's buffer. A complete piece goes to the disk pool to be hashed
 * and, if it matches, written; the outcome comes back here: {@code Have} to every peer and a
 * {@link Event.PieceVerified}, or the piece is reset, the peers that sent it are charged, and one
 * whose blocks turn out wrong once the piece verifies is banned.
 */
final class Torrent implements TorrentHandle, PeerConnection.Listener {
    private static final System.Logger LOG = System.getLogger(Torrent.class.getName());
    /** A peer that delivers nothing we asked for in this long is snubbed. */
    static final long SNUB_NANOS = TimeUnit.SECONDS.toNanos(60);
    /** BEP 3 suggests a keep-alive every two minutes; we send one after 90 s of silence. */
    static final long KEEPALIVE_NANOS = TimeUnit.SECONDS.toNanos(90);
    /**
     * How many requests a peer may have waiting with us: announced as BEP 10 {@code reqq}; a peer
     * that sends more is flooding and is dropped.
     */
    static final int MAX_PEER_REQUESTS = 500;
    /**
     * A served block counts as waiting until the loop hears it went out, a moment after the peer
     * may have it and have asked for the next: a peer that keeps exactly {@code reqq} requests
     * open can seem a few over. Flooding is well beyond that.
     */
    static final int FLOOD_SLACK = 64;
    /** Bytes queued to one peer's socket before its requests stop being read. */
    static final long OUTBOX_LIMIT = 4L << 20;
    /** Hash failures a peer may take part in before it is banned even without proof. */
    static final int MAX_HASH_FAILURES = 3;
    /** Requests sent together once the pipeline has room for this many. */
    static final int REQUEST_BATCH = 16;
    static final long RESUME_SAVE_NANOS = TimeUnit.SECONDS.toNanos(30);
    static final String CLIENT_NAME = "Spate 0.1.0";

    private final Session session;
    private final Metainfo metainfo;
    private final TorrentInfo info;
    private final InfoHash hash;
    private final String hex;
    private final Storage storage;
    private final Path resumeFile;
    private final TorrentGeometry geometry;
    private final ExecutorService loop;
    private final PieceAssembler assembler;
    private final CompletableFuture<Void> completion = new CompletableFuture<>();

    // ---- loop-owned ----
    private final PiecePicker<PeerSession> picker;
    private final Choker<PeerSession> choker;
    private final LiarFinder liars;
    private final Announcer announcer;
    private final TokenBucket downloadLimit = TokenBucket.unlimited();
    private final TokenBucket uploadLimit = TokenBucket.unlimited();
    private final Map<PeerConnection, PeerSession> peers = new HashMap<>();
    private final Set<InetSocketAddress> connecting = new HashSet<>();
    private final LinkedHashSet<InetSocketAddress> candidates = new LinkedHashSet<>();
    private final Set<String> banned = new HashSet<>();
    private final dev.spate.peer.RateMeter downloadRate = new dev.spate.peer.RateMeter(5);
    private final dev.spate.peer.RateMeter uploadRate = new dev.spate.peer.RateMeter(5);
    private TorrentState state = TorrentState.CHECKING;
    private String error;
    private long wasted;
    private int hashFailures;
    private long bytesVerified;
    private boolean resumeDirty;
    private long lastResumeSave = System.nanoTime();
    /** The last snapshot, for callers when the loop does not answer in time; written by the loop. */
    private volatile TorrentStatus lastStatus;

    Torrent(Session session, Metainfo metainfo, Path directory) throws IOException {
        this.session = session;
        this.metainfo = metainfo;
        this.info = metainfo.info();
        this.hash = InfoHash.of(metainfo.infoHash());
        this.hex = hash.hex();
        this.geometry = new TorrentGeometry(info.pieceCount(), info.pieceLength(), info.totalLength());
        this.storage = FileStorage.open(directory, info, FileStorage.DEFAULT_OPEN_FILES,
                session.config().directWrites());
        this.resumeFile = ResumeFile.pathFor(directory.resolve(".spate"), hash);
        this.picker = new PiecePicker<>(info.pieceCount(), info.pieceLength(), info.totalLength(), new SplittableRandom());
        this.assembler = new PieceAssembler(info, picker.geometry(), session.config().diskQueueBytes());
        this.choker = new Choker<>(session.config().uploadSlots(), new SplittableRandom());
        this.liars = new LiarFinder(picker.geometry());
        picker.setEndgameEnabled(session.config().endgame());
        this.announcer = new Announcer(hash, session.peerId(), metainfo.trackerTiers(), session.trackerConfig(),
                new Announcer.Listener() {
                    @Override
                    public void answered(String url, dev.spate.tracker.AnnounceResponse response) {
                        post(() -> trackerAnswered(url, response));
                    }

                    @Override
                    public void failed(String message) {
                        post(() -> publish(new Event.TrackerError(hex, message)));
                    }
                });
        this.loop = Executors.newSingleThreadExecutor(Thread.ofVirtual().name("torrent " + info.name()).factory());
        this.lastStatus = snapshot();
    }

    InfoHash hash() {
        return hash;
    }

    // ---- lifecycle ----

    /** Checks what is on disk, then starts downloading or seeding. */
    void start() {
        publish(new Event.StateChanged(hex, null, TorrentState.CHECKING));
        ResumeCheck.load(session.disk(), storage, resumeFile, hash, (done, total) -> { })
                .whenComplete((outcome, failure) -> post(() -> {
                    if (failure != null) {
                        fail("checking the data on disk failed: " + Messages.message(failure));
                        return;
                    }
                    Bitfield have = outcome.have();
                    for (int p = have.nextSet(0); p >= 0; p = have.nextSet(p + 1)) {
                        picker.pieceVerified(p);
                        bytesVerified += info.pieceSize(p);
                    }
                    resumeDirty = !outcome.trusted();
                    if (picker.isComplete()) {
                        setState(TorrentState.SEEDING);
                        completed();
                    } else {
                        setState(TorrentState.DOWNLOADING);
                    }
                    announcer.start(session.listenPort(), counters());
                    dialCandidates();
                }));
    }

    @Override
    public void connect(InetSocketAddress peer) {
        post(() -> {
            if (isBanned(peer) || isConnectedTo(peer) || connecting.contains(peer)) {
                return;
            }
            candidates.add(peer);
            dialCandidates();
        });
    }

    @Override
    public void setRateLimits(long downloadBytesPerSecond, long uploadBytesPerSecond) {
        downloadLimit.setRate(downloadBytesPerSecond);
        uploadLimit.setRate(uploadBytesPerSecond);
    }

    @Override
    public void addTracker(String url) {
        post(() -> announcer.addTracker(url));
    }

    @Override
    public CompletableFuture<Void> completion() {
        return completion.copy();
    }

    @Override
    public void pause() {
        post(() -> {
            if (state == TorrentState.DOWNLOADING || state == TorrentState.SEEDING) {
                disconnectAll("paused");
                assembler.trim();
                announcer.stopped(session.listenPort(), counters()); // goes out in the background
                setState(TorrentState.PAUSED);
                saveResume();
            }
        });
    }

    @Override
    public void resume() {
        post(() -> {
            if (state == TorrentState.PAUSED) {
                setState(picker.isComplete() ? TorrentState.SEEDING : TorrentState.DOWNLOADING);
                dialCandidates();
            }
        });
    }

    @Override
    public void remove() {
        session.removed(this);
        shutdown();
    }

    /** Stops everything: peers, the loop, the files. Waits a little for the loop to finish. */
    void shutdown() {
        try {
            CompletableFuture<Void> stopped = CompletableFuture.supplyAsync(() -> {
                disconnectAll("shutting down");
                CompletableFuture<Void> told = announcer.stopped(session.listenPort(), counters());
                saveResume();
                TorrentState from = state;
                state = TorrentState.REMOVED;
                publish(new Event.StateChanged(hex, from, TorrentState.REMOVED));
                return told;
            }, loop).get(10, TimeUnit.SECONDS);
            stopped.get(10, TimeUnit.SECONDS); // off the loop; the announcer bounds it (3 s)
        } catch (Exception e) {
            LOG.log(System.Logger.Level.WARNING, "torrent {0} did not stop cleanly: {1}", info.name(), e.toString());
        }
        loop.shutdown();
        try {
            if (loop.awaitTermination(5, TimeUnit.SECONDS)) {
                // Verdicts queued behind the stop ran after its save (and published PieceVerified):
                // save again, so that every piece announced as verified is in the resume file. The
                // loop is over, so this thread owns its state now.
                saveResume();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        closeStorage();
        assembler.trim();
        if (!completion.isDone()) {
            completion.completeExceptionally(new IllegalStateException("torrent removed before completing"));
        }
    }

    /** Releases what the constructor opened, for a torrent that never started. */
    void discard() {
        loop.shutdown();
        closeStorage();
    }

    private void closeStorage() {
        try {
            storage.close();
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "closing files of {0}: {1}", info.name(), e.getMessage());
        }
    }

    // ---- API snapshots ----

    @Override
    public String infoHash() {
        return hex;
    }

    @Override
    public String name() {
        return info.name();
    }

    @Override
    public TorrentStatus status() {
        try {
            return CompletableFuture.supplyAsync(this::snapshot, loop).get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            return lastStatus;
        }
    }

    @Override
    public List<PeerStats> peers() {
        try {
            return CompletableFuture.supplyAsync(this::peerSnapshots, loop).get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            return List.of();
        }
    }

    private TorrentStatus snapshot() {
        TorrentStatus s = new TorrentStatus(info.name(), hex, state, picker.haveBitfield().cardinality(),
                info.pieceCount(), bytesVerified, info.totalLength(), downloadRate.rate(), uploadRate.rate(),
                downloadRate.total(), uploadRate.total(), wasted, peers.size(), hashFailures,
                Optional.ofNullable(error), announcer.states());
        lastStatus = s;
        return s;
    }

    private List<PeerStats> peerSnapshots() {
        List<PeerStats> out = new ArrayList<>();
        for (PeerSession ps : peers.values()) {
            PeerConnection c = ps.connection();
            out.add(new PeerStats(c.remote(), ps.client(), c.outgoing(), ps.download().rate(), ps.upload().rate(),
                    ps.download().total(), ps.upload().total(), ps.peerChoking(), ps.peerInterested(),
                    ps.amChoking(), ps.amInterested(), ps.outstandingCount(), ps.pipeline().target(),
                    ps.pipeline().snubbed(), ps.has().cardinality()));
        }
        return out;
    }

    // ---- connections ----

    private void dialCandidates() {
        if (state != TorrentState.DOWNLOADING && state != TorrentState.SEEDING) {
            return;
        }
        var it = candidates.iterator();
        while (it.hasNext() && peers.size() + connecting.size() < session.config().maxPeersPerTorrent()) {
            InetSocketAddress addr = it.next();
            it.remove();
            if (isBanned(addr) || isConnectedTo(addr) || connecting.contains(addr)) {
                continue;
            }
            if (state == TorrentState.SEEDING) {
                continue; // a seed waits to be dialled; dialling is for finding pieces
            }
            if (!session.reserveConnection()) {
                candidates.add(addr);
                return;
            }
            connecting.add(addr);
            Handshake ours = Handshake.ours(hash, session.peerId());
            Thread.ofVirtual().name("dial " + addr).start(() -> {
                try {
                    PeerConnection.Handshaken h = PeerConnection.dial(addr, session.config().bindAddress(),
                            session.config().connectTimeout(), ours);
                    post(() -> {
                        connecting.remove(addr);
                        attach(h, true);
                    }, () -> closeQuietly(h));
                } catch (Exception e) {
                    session.releaseConnection();
                    post(() -> {
                        connecting.remove(addr);
                        publish(new Event.PeerDisconnected(hex, addr, "connect failed: " + Messages.message(e)));
                    });
                }
            });
        }
    }

    /** An incoming connection whose handshake named this torrent; called on its own thread. */
    void acceptIncoming(PeerConnection.Handshaken h) {
        if (!session.reserveConnection()) {
            closeQuietly(h);
            return;
        }
        post(() -> {
            if (peers.size() >= session.config().maxPeersPerTorrent()
                    || state != TorrentState.DOWNLOADING && state != TorrentState.SEEDING) {
                session.releaseConnection();
                closeQuietly(h);
                return;
            }
            Handshake ours = Handshake.ours(hash, session.peerId());
            try {
                // Small, into a fresh socket's empty send buffer: does not block in practice.
                PeerConnection.writeFully(h.channel(), ByteBuffer.wrap(ours.encode()));
            } catch (IOException e) {
                session.releaseConnection();
                closeQuietly(h);
                return;
            }
            attach(h, false);
        }, () -> closeQuietly(h));
    }

    /** Checks a handshaken connection and makes it a peer of this torrent. Loop thread. */
    private void attach(PeerConnection.Handshaken h, boolean outgoing) {
        Handshake theirs = h.theirs();
        String refusal = null;
        if (!theirs.infoHash().equals(hash)) {
            refusal = "handshake for another torrent " + theirs.infoHash().hex();
        } else if (theirs.peerId().equals(session.peerId())) {
            refusal = "connected to ourselves";
        } else if (isBanned(h.remote())) {
            refusal = "banned";
        } else if (state != TorrentState.DOWNLOADING && state != TorrentState.SEEDING) {
            refusal = "torrent is " + state.name().toLowerCase();
        } else {
            for (PeerSession other : peers.values()) {
                if (other.connection().theirHandshake().peerId().equals(theirs.peerId())) {
                    refusal = "duplicate connection to peer " + theirs.peerId();
                    break;
                }
            }
        }
        if (refusal != null) {
            session.releaseConnection();
            closeQuietly(h);
            publish(new Event.PeerDisconnected(hex, h.remote(), refusal));
            return;
        }
        Handshake ours = Handshake.ours(hash, session.peerId());
        PieceBuffers blocks = session.blockBuffers();
        PeerConnection c = new PeerConnection(h, MessageDecoder.negotiated(geometry, ours, theirs), this,
                len -> blocks.acquire(), new PeerConnection.Limits(
                        List.of(downloadLimit, session.downloadLimit()), List.of(uploadLimit, session.uploadLimit())));
        PeerSession ps = new PeerSession(c, info.pieceCount(), System.nanoTime());
        peers.put(c, ps);
        c.start();
        sendHaves(ps);
        if (c.decoder().extensionProtocol()) {
            c.send(new ExtendedHandshake(Map.of(), OptionalInt.of(session.listenPort()), Optional.of(CLIENT_NAME),
                    OptionalInt.of(MAX_PEER_REQUESTS), Optional.empty(), OptionalLong.empty()).toMessage());
        }
        publish(new Event.PeerConnected(hex, h.remote(), ps.client(), outgoing));
    }

    /** Our pieces right after the handshake: BEP 6 have-all/have-none where they fit, else BEP 3's bitfield. */
    private void sendHaves(PeerSession ps) {
        Bitfield have = picker.haveBitfield();
        PeerConnection c = ps.connection();
        boolean fast = c.decoder().fastExtension();
        if (fast && have.isComplete()) {
            c.send(new Message.HaveAll());
        } else if (fast && have.isEmpty()) {
            c.send(new Message.HaveNone());
        } else if (!have.isEmpty()) {
            c.send(Message.BitfieldMessage.of(have));
        }
    }

    @Override
    public void onMessage(PeerConnection c, Message m) throws InterruptedException {
        if (m instanceof Message.Piece) {
            // Backpressure: while the disk queue is full this peer is not read.
            session.disk().awaitRoom(info.pieceLength());
        } else if (m instanceof Message.Request) {
            // Backpressure: while this peer's outbox is full its requests are not read.
            c.awaitQueuedBelow(OUTBOX_LIMIT);
        }
        post(() -> handle(c, m));
    }

    @Override
    public void onClosed(PeerConnection c, String reason) {
        post(() -> {
            PeerSession ps = peers.remove(c);
            if (ps == null) {
                return;
            }
            session.releaseConnection();
            picker.peerLeft(ps);
            publish(new Event.PeerDisconnected(hex, c.remote(), reason));
            refillAll();
            rechoke(System.nanoTime());
        });
    }

    private void disconnect(PeerSession ps, String reason) {
        ps.connection().close(reason);
    }

    private void disconnectAll(String reason) {
        for (PeerSession ps : new ArrayList<>(peers.values())) {
            ps.connection().close(reason);
        }
    }

    private void ban(InetSocketAddress addr, String reason) {
        if (banned.add(banKey(addr))) {
            publish(new Event.PeerBanned(hex, addr, reason));
        }
        for (PeerSession ps : new ArrayList<>(peers.values())) {
            if (banKey(ps.connection().remote()).equals(banKey(addr))) {
                disconnect(ps, "banned: " + reason);
            }
        }
    }

    /**
     * Peers are banned by address; on loopback, where every test peer shares one address, by
     * address and port.
     */
    private static String banKey(InetSocketAddress addr) {
        InetAddress a = addr.getAddress();
        return a.isLoopbackAddress() ? a.getHostAddress() + ":" + addr.getPort() : a.getHostAddress();
    }

    private boolean isBanned(InetSocketAddress addr) {
        return banned.contains(banKey(addr));
    }

    private boolean isConnectedTo(InetSocketAddress addr) {
        for (PeerConnection c : peers.keySet()) {
            if (c.remote().equals(addr)) {
                return true;
            }
        }
        return false;
    }

    private static void closeQuietly(PeerConnection.Handshaken h) {
        try {
            h.channel().close();
        } catch (IOException ignored) {
            // nothing to do
        }
    }

    // ---- messages (loop thread) ----

    private void handle(PeerConnection c, Message m) {
        PeerSession ps = peers.get(c);
        if (ps == null) {
            if (m instanceof Message.Piece p) {
                session.blockBuffers().release(p.block());
            }
            return; // closed meanwhile
        }
        long now = System.nanoTime();
        ps.received(now);
        switch (m) {
            case Message.KeepAlive k -> { }
            case Message.Choke x -> {
                ps.peerChoking(true);
                if (!c.decoder().fastExtension()) {
                    // BEP 3: a choke discards every pending request. With BEP 6 they stay until rejected.
                    for (PeerSession.Outstanding o : ps.forgetAll()) {
                        picker.requestCancelled(ps, o.piece(), o.begin());
                    }
                    refillAll();
                }
            }
            case Message.Unchoke x -> {
                ps.peerChoking(false);
                fill(ps);
            }
            case Message.Interested x -> {
                ps.peerInterested(true);
                rechoke(now);
            }
            case Message.NotInterested x -> {
                ps.peerInterested(false);
                rechoke(now);
            }
            case Message.Have h -> {
                ps.firstAvailability(); // a bitfield after a have is a violation
                if (ps.has().set(h.piece())) {
                    picker.peerHas(ps, h.piece());
                }
                updateInterest(ps);
                fill(ps);
            }
            case Message.BitfieldMessage b -> {
                if (!ps.firstAvailability()) {
                    // BEP 3 sends the bitfield first only, but aria2 1.36 sends have-none, then haves
                    // and, every few seconds, a whole new bitfield (seen in SeedThroughTrackerIT);
                    // dropping it for that stalled its download. Take the new pieces as haves.
                    Bitfield late = b.toBitfield(info.pieceCount());
                    for (int p = late.nextSet(0); p >= 0; p = late.nextSet(p + 1)) {
                        if (ps.has().set(p)) {
                            picker.peerHas(ps, p);
                        }
                    }
                    updateInterest(ps);
                    fill(ps);
                    return;
                }
                Bitfield bits = b.toBitfield(info.pieceCount());
                for (int p = bits.nextSet(0); p >= 0; p = bits.nextSet(p + 1)) {
                    ps.has().set(p);
                }
                picker.peerHasBitfield(ps, bits);
                afterAvailability(ps);
            }
            case Message.HaveAll x -> {
                if (!ps.firstAvailability()) {
                    // Late, like aria2's repeated bitfields: take it as a have for every piece.
                    for (int p = ps.has().nextClear(0); p >= 0; p = ps.has().nextClear(p + 1)) {
                        ps.has().set(p);
                        picker.peerHas(ps, p);
                    }
                    afterAvailability(ps);
                    return;
                }
                ps.setHasAll();
                picker.peerHasAll(ps);
                afterAvailability(ps);
            }
            case Message.HaveNone x -> {
                if (!ps.firstAvailability()) {
                    disconnect(ps, "protocol violation: have-none after the peer's pieces were announced");
                    return;
                }
                afterAvailability(ps);
            }
            case Message.Request r -> onRequest(ps, r);
            case Message.Cancel x -> ps.cancelServing(x.piece(), x.begin());
            case Message.Piece p -> {
                try {
                    onBlock(ps, p, now);
                } finally {
                    session.blockBuffers().release(p.block());
                }
            }
            case Message.Reject r -> {
                if (ps.forget(r.piece(), r.begin())) {
                    picker.requestCancelled(ps, r.piece(), r.begin());
                    fill(ps);
                }
            }
            case Message.Suggest s -> { }
            case Message.AllowedFast a -> { }
            case Message.Port p -> { }
            case Message.Extended e -> {
                if (e.extendedId() == ExtendedHandshake.ID) {
                    try {
                        ExtendedHandshake hs = ExtendedHandshake.parse(e);
                        hs.client().ifPresent(ps::client);
                        hs.requestQueue().ifPresent(ps.pipeline()::limitTo);
                    } catch (WireException bad) {
                        disconnect(ps, "protocol violation: " + bad.getMessage());
                    }
                }
            }
        }
    }

    private void afterAvailability(PeerSession ps) {
        if (picker.isComplete() && ps.hasAll()) {
            disconnect(ps, "both of us are seeds");
            return;
        }
        updateInterest(ps);
        fill(ps);
    }

    private void updateInterest(PeerSession ps) {
        boolean want = !picker.isComplete() && picker.isInteresting(ps.has());
        if (want != ps.amInterested()) {
            ps.amInterested(want);
            ps.connection().send(want ? new Message.Interested() : new Message.NotInterested());
        }
    }

    /** Asks {@code ps} for as many blocks as its pipeline has room for. */
    private void fill(PeerSession ps) {
        if (state != TorrentState.DOWNLOADING || ps.peerChoking() || !ps.amInterested()) {
            return;
        }
        int slots = ps.requestSlots();
        // Ask in batches: one pick and one write for several blocks rather than one per block that
        // arrives. A small queue (a new or snubbed peer) is topped up at once.
        if (slots <= 0 || slots < Math.min(REQUEST_BATCH, Math.max(1, ps.pipeline().target() / 4))) {
            return;
        }
        long now = System.nanoTime();
        for (BlockRequest b : picker.pick(ps, ps.has(), slots)) {
            ps.requested(b.piece(), b.begin(), b.length(), now);
            ps.connection().send(new Message.Request(b.piece(), b.begin(), b.length()));
        }
    }

    private void refillAll() {
        for (PeerSession ps : peers.values()) {
            fill(ps);
        }
    }

    private void onBlock(PeerSession ps, Message.Piece p, long now) {
        int length = p.length();
        downloadRate.add(length);
        if (!ps.blockArrived(p.piece(), p.begin(), length, now) || picker.weHave(p.piece())) {
            wasted += length;
            return;
        }
        BlockReceipt<PeerSession> receipt = picker.blockReceived(ps, p.piece(), p.begin());
        for (PeerSession other : receipt.cancel()) {
            if (other.forget(p.piece(), p.begin())) {
                other.connection().send(new Message.Cancel(p.piece(), p.begin(), length));
            }
        }
        if (!receipt.accepted()) {
            wasted += length;
            fill(ps);
            return;
        }
        PieceAssembler.Piece a = assembler.add(p.piece(), p.begin(), p.block(), ps.connection().remote());
        if (receipt.pieceComplete()) {
            submit(a);
        }
        fill(ps);
    }

    /** Sends a complete piece to be hashed and written, from a thread that may wait for the disk. */
    private void submit(PieceAssembler.Piece a) {
        int piece = a.index;
        ByteBuffer data = a.data();
        Thread.ofVirtual().name("submit " + piece).start(() -> {
            try {
                session.disk().verifyAndWrite(storage, piece, data)
                        .whenComplete((passed, failure) -> post(() -> verified(a, passed, failure)));
            } catch (InterruptedException e) {
                post(() -> verified(a, null, e));
            } catch (RuntimeException e) {
                post(() -> verified(a, null, e));
            }
        });
    }

    /** The disk pool's verdict on a piece. Loop thread. */
    private void verified(PieceAssembler.Piece a, Boolean passed, Throwable failure) {
        try {
            if (failure != null) {
                // Storage names the piece, the file and the system's reason ("No space left on device").
                fail(Messages.message(failure));
                return;
            }
            if (passed) {
                pieceOk(a);
            } else {
                pieceBad(a);
            }
        } finally {
            assembler.done(a);
        }
    }

    private void pieceOk(PieceAssembler.Piece a) {
        int piece = a.index;
        if (!picker.pieceVerified(piece)) {
            return;
        }
        bytesVerified += info.pieceSize(piece);
        resumeDirty = true;
        // The piece is good now: whoever sent a block of it that differed earlier sent bad data.
        for (InetSocketAddress liar : liars.verified(piece, a.data())) {
            ban(liar, "sent corrupt data for piece " + piece);
        }
        for (PeerSession ps : peers.values()) {
            ps.connection().send(new Message.Have(piece));
        }
        publish(new Event.PieceVerified(hex, piece));
        for (PeerSession ps : new ArrayList<>(peers.values())) {
            updateInterest(ps);
        }
        if (picker.isComplete()) {
            setState(TorrentState.SEEDING);
            completed();
            announcer.completed(session.listenPort(), counters());
            for (PeerSession ps : new ArrayList<>(peers.values())) {
                if (ps.hasAll()) {
                    disconnect(ps, "both of us are seeds");
                }
            }
        }
    }

    private void pieceBad(PieceAssembler.Piece a) {
        int piece = a.index;
        hashFailures++;
        wasted += info.pieceSize(piece);
        picker.pieceFailed(piece);
        Set<InetSocketAddress> contributors = liars.failed(piece, a.data(), a.senders());
        publish(new Event.HashFailed(hex, piece, List.copyOf(contributors)));
        for (PeerSession ps : new ArrayList<>(peers.values())) {
            if (contributors.contains(ps.connection().remote()) && ps.chargeHashFailure() >= MAX_HASH_FAILURES) {
                ban(ps.connection().remote(), "took part in " + MAX_HASH_FAILURES + " pieces that failed their hash");
            }
        }
        if (contributors.size() == 1) {
            // Only one peer sent this piece: the bad data can only be its.
            ban(contributors.iterator().next(), "sent piece " + piece + " which failed its hash check");
        }
        refillAll();
    }

    // ---- serving (BEP 3 requests) ----

    /**
     * Asks the choker who may download from us and tells the peers whose state changed. The
     * choker itself keeps regular rounds ten seconds apart (BEP 3).
     */
    private void rechoke(long now) {
        if (state != TorrentState.DOWNLOADING && state != TorrentState.SEEDING) {
            return;
        }
        List<ChokeCandidate<PeerSession>> candidates = new ArrayList<>(peers.size());
        for (PeerSession ps : peers.values()) {
            candidates.add(new ChokeCandidate<>(ps, ps.peerInterested(), ps.pipeline().snubbed(),
                    ps.download().rate(), ps.upload().rate(), ps.connectedAtNanos()));
        }
        ChokeDecision<PeerSession> decision = choker.rechoke(now, candidates, state == TorrentState.SEEDING);
        for (PeerSession ps : peers.values()) {
            boolean unchoke = decision.isUnchoked(ps);
            if (unchoke && ps.amChoking()) {
                ps.amChoking(false);
                ps.connection().send(new Message.Unchoke());
            } else if (!unchoke && !ps.amChoking()) {
                ps.amChoking(true);
                ps.connection().send(new Message.Choke());
                List<Message.Reject> dropped = ps.stopServing();
                if (ps.connection().decoder().fastExtension()) {
                    // BEP 6: a choke no longer discards requests silently; each gets a reject.
                    dropped.forEach(ps.connection()::send);
                }
            }
        }
    }

    private void onRequest(PeerSession ps, Message.Request r) {
        PeerConnection c = ps.connection();
        if (ps.amChoking() && ps.requestWhileChoked() > MAX_PEER_REQUESTS) {
            disconnect(ps, "request flood: more than " + MAX_PEER_REQUESTS + " requests while choked");
            return;
        }
        if (ps.amChoking() || !picker.weHave(r.piece())) {
            // BEP 6: with the fast extension every request we will not serve gets a reject.
            if (c.decoder().fastExtension()) {
                c.send(new Message.Reject(r.piece(), r.begin(), r.length()));
            }
            return;
        }
        // No hop through the disk pool and no buffer: the writer has storage send the block from
        // the file (sendfile) when its turn comes.
        int piece = r.piece();
        int begin = r.begin();
        int length = r.length();
        OutgoingBlock block = new OutgoingBlock(piece, begin, length,
                target -> storage.transferTo(piece, begin, length, target));
        if (!ps.startServing(block)) {
            return; // the same block asked twice: served once
        }
        if (ps.servingCount() > MAX_PEER_REQUESTS + FLOOD_SLACK) {
            disconnect(ps, "request flood: more than " + MAX_PEER_REQUESTS + " requests waiting, the most we announced (reqq)");
            return;
        }
        c.sendBlock(block);
    }

    @Override
    public void onBlockSent(PeerConnection c, OutgoingBlock block) {
        post(() -> {
            PeerSession ps = peers.get(c);
            if (ps == null) {
                return;
            }
            ps.finishServing(block.piece(), block.begin());
            ps.upload().add(block.length());
            uploadRate.add(block.length());
        });
    }

    @Override
    public void onBlockFailed(PeerConnection c, OutgoingBlock block, IOException cause) {
        if (cause instanceof StorageException) {
            // Our data is gone or unreadable (a file deleted or cut short under us): the torrent
            // cannot seed it, whoever asks. A socket's failure only ends that connection.
            post(() -> {
                if (peers.containsKey(c)) {
                    fail(cause.getMessage());
                }
            });
        }
    }

    // ---- tick ----

    void postTick() {
        post(this::tick);
    }

    private void tick() {
        downloadRate.tick();
        uploadRate.tick();
        long now = System.nanoTime();
        long requestTimeout = session.config().requestTimeout().toNanos();
        long idle = session.config().idleTimeout().toNanos();
        for (PeerSession ps : new ArrayList<>(peers.values())) {
            ps.tick();
            if (now - ps.lastReceiveNanos() > idle) {
                disconnect(ps, "idle for " + session.config().idleTimeout().toSeconds() + " s");
                continue;
            }
            List<PeerSession.Outstanding> expired = ps.expire(now, requestTimeout);
            for (PeerSession.Outstanding o : expired) {
                picker.requestTimedOut(ps, o.piece(), o.begin());
                ps.connection().send(new Message.Cancel(o.piece(), o.begin(), o.length()));
            }
            if (ps.outstandingCount() > 0 && now - ps.lastBlockNanos() > SNUB_NANOS && !ps.pipeline().snubbed()) {
                ps.pipeline().snub();
            }
            if (now - ps.connection().lastSendNanos() > KEEPALIVE_NANOS) {
                ps.connection().send(new Message.KeepAlive());
            }
        }
        refillAll();
        rechoke(now);
        if (state == TorrentState.DOWNLOADING || state == TorrentState.SEEDING) {
            announcer.tick(session.listenPort(), counters());
        }
        dialCandidates();
        if (resumeDirty && now - lastResumeSave > RESUME_SAVE_NANOS) {
            saveResume();
        }
        snapshot();
    }

    private void saveResume() {
        if (!resumeDirty) {
            return;
        }
        try {
            ResumeCheck.save(storage, resumeFile, hash, picker.haveBitfield());
            resumeDirty = false;
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "saving resume data of {0}: {1}", info.name(), e.getMessage());
        }
        lastResumeSave = System.nanoTime();
    }

    // ---- trackers ----

    private Announcer.Counters counters() {
        return new Announcer.Counters(uploadRate.total(), downloadRate.total(), info.totalLength() - bytesVerified);
    }

    private void trackerAnswered(String url, dev.spate.tracker.AnnounceResponse response) {
        publish(new Event.TrackerReply(hex, url, response.peers().size(), response.warning(), response.interval()));
        for (InetSocketAddress peer : response.peers()) {
            if (!isOurselves(peer)) {
                connect(peer);
            }
        }
    }

    /** Trackers hand us our own address among the peers; dialling it would only be refused. */
    private boolean isOurselves(InetSocketAddress peer) {
        if (peer.getPort() != session.listenPort()) {
            return false;
        }
        InetAddress a = peer.getAddress();
        InetAddress bind = session.config().bindAddress();
        return a.isLoopbackAddress() || a.isAnyLocalAddress() || a.equals(bind);
    }

    // ---- helpers ----

    private void completed() {
        assembler.trim(); // a seed assembles no more pieces
        saveResume();
        publish(new Event.TorrentComplete(hex));
        completion.complete(null);
    }

    private void fail(String message) {
        if (state == TorrentState.ERROR) {
            return;
        }
        error = message;
        disconnectAll("torrent error");
        setState(TorrentState.ERROR);
        publish(new Event.TorrentError(hex, message));
    }

    private void setState(TorrentState to) {
        if (state != to) {
            TorrentState from = state;
            state = to;
            publish(new Event.StateChanged(hex, from, to));
        }
    }

    private void publish(Event e) {
        session.publish(e);
    }

    /** Runs {@code task} on the loop; dropped when the torrent is gone. */
    private void post(Runnable task) {
        post(task, () -> { });
    }

    private void post(Runnable task, Runnable ifGone) {
        try {
            loop.execute(() -> {
                try {
                    task.run();
                } catch (RuntimeException e) {
                    LOG.log(System.Logger.Level.ERROR, "torrent " + info.name() + " loop task failed", e);
                    fail("internal error: " + e);
                }
            });
        } catch (RejectedExecutionException e) {
            ifGone.run();
        }
    }

}
