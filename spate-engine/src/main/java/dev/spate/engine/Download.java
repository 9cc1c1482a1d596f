package dev.spate.engine;

import dev.spate.core.Bitfield;
import dev.spate.core.InfoHash;
import dev.spate.metainfo.TorrentInfo;
import dev.spate.peer.PeerSession;
import dev.spate.picker.BlockReceipt;
import dev.spate.picker.BlockRequest;
import dev.spate.picker.PiecePicker;
import dev.spate.storage.DiskIo;
import dev.spate.storage.Storage;
import dev.spate.wire.Message;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.Consumer;

/**
 * The download role of a torrent: what peers have (through the picker, the one holder of
 * availability and of our outstanding requests), interest, which blocks to ask of whom, blocks
 * joining their pieces, hash verdicts, and the hash-failure policy (charge the senders, ban a
 * proven liar or a repeat offender).
 *
 * <p>The way of a block: the peer session hands it here; the picker marks it (or names it a
 * duplicate, cancelling the endgame copies asked of others); the bytes join the piece's buffer;
 * a complete piece goes to the disk pool to be hashed and written, from a virtual thread that may
 * wait for room in the disk queue, and the verdict comes back to the loop as a message.
 *
 * <p>Not thread-safe: owned by the torrent's loop.
 */
final class Download {
    /** Hash failures a peer may take part in before it is banned even without proof. */
    static final int MAX_HASH_FAILURES = 3;
    /** Requests taken back from one peer whose blocks are still welcome if they come. */
    static final int WITHDRAWN_REMEMBERED = 1024;
    /** Blocks a peer without the fast extension may send unasked before it is dropped. */
    static final int MAX_UNASKED_BLOCKS = 64;

    /** What the download needs of its torrent. */
    interface Host {
        /** Whether blocks may be requested now. */
        boolean downloading();

        Collection<PeerSession> peerSessions();

        boolean post(Runnable task);

        void ban(InetSocketAddress address, String reason);

        void disconnect(PeerSession peer, String reason);

        /** A piece was verified and is on disk. */
        void pieceVerified(int piece);

        /** The last missing piece of the wanted files was verified. */
        void downloadComplete();

        /** The disk failed: the torrent cannot go on. */
        void fail(String message);

        /** A piece that web seed {@code source} brought whole failed its hash check. */
        void wholePieceFailed(Object source, int piece);
    }

    private final InfoHash hash;
    private final TorrentInfo info;
    private final Storage storage;
    /** See {@link #wantedBytes()}; set with the levels, kept as pieces verify. */
    private long wantedBytes;
    private long wantedBytesVerified;
    private final DiskIo disk;
    private final Consumer<Event> events;
    private final Host host;
    /** Keyed by {@link PeerSession} for a peer, and by the web seed's own object for a web seed. */
    private final PiecePicker<Object> picker;
    private final PieceAssembler assembler;
    private final LiarFinder liars;
    private final dev.spate.core.Clock clock;
    private final Consumer<Throwable> fatal;
    private final dev.spate.peer.RateMeter rate = new dev.spate.peer.RateMeter(5);
    /** Per peer: requests we took back whose blocks may still come; see {@link #withdrawn}. */
    private final java.util.Map<PeerSession, java.util.LinkedHashSet<Long>> withdrawn = new java.util.HashMap<>();
    /** Per peer: blocks it sent that nobody asked of it. */
    private final java.util.Map<PeerSession, Integer> unasked = new java.util.HashMap<>();
    private long wasted;
    private int hashFailures;
    private long bytesVerified;
    /** Which files are wanted, and each file's verified bytes. */
    private final FileChoice choice;
    /** The verified pieces, kept as they verify, bit {@code p % 64} of word {@code p / 64}. */
    private final long[] verifiedWords;
    /** An immutable copy of {@link #verifiedWords}; null when a piece verified or was lost since it was made. */
    private PieceSet verifiedCopy;
    /**
     * Pieces of level 0 (of skipped files only) that have a deadline: the picker is given level 1
     * for them, so that they are fetched, until they are verified or their deadline is cleared.
     */
    private final Set<Integer> raisedForDeadline = new java.util.HashSet<>();
    /** The download rate of the fastest peer, as of the last tick; see {@link #fast}. */
    private long fastestRate;
    /** Whether a tick came since {@link #fastestRate} was found. */
    private boolean fastestStale = true;

    Download(TorrentContext context, InfoHash hash, TorrentInfo info, Storage storage, Host host) {
        this(context, hash, info, storage, host, new FileChoice(info, TorrentOptions.defaults()));
    }

    Download(TorrentContext context, InfoHash hash, TorrentInfo info, Storage storage, Host host, FileChoice choice) {
        this.choice = choice;
        this.hash = hash;
        this.info = info;
        this.storage = storage;
        this.disk = context.disk();
        this.events = context.events();
        this.clock = context.clock();
        this.fatal = context.fatal();
        this.host = host;
        this.picker = new PiecePicker<>(info.pieceCount(), info.pieceLength(), info.totalLength(), new SplittableRandom());
        picker.setEndgameEnabled(context.config().endgame());
        // Each piece in progress holds a whole piece's buffer until its verdict: bound them by twice
        // the disk queue (one queue being filled while one is hashed), and at least 4 pieces.
        long budget = 2 * context.config().diskQueueBytes();
        picker.setMaxPiecesInProgress((int) Math.max(4, Math.min(100_000, budget / info.pieceLength())));
        this.assembler = new PieceAssembler(info, picker.geometry(), context.config().diskQueueBytes());
        this.liars = new LiarFinder(picker.geometry());
        this.verifiedWords = new long[(info.pieceCount() + 63) >>> 6];
        applyLevels();
        picker.setSequential(choice.sequential());
    }

    /**
     * The levels of the choice of files, and level 1 for a piece of level 0 that has a deadline;
     * the wanted bytes follow them. Cost: O(pieces + files), as each change of the choice.
     */
    private void applyLevels() {
        int[] levels = choice.pieceLevels();
        for (int piece : raisedForDeadline) {
            levels[piece] = Math.max(levels[piece], 1);
        }
        picker.setPiecePriorities(levels);
        long wanted = 0;
        long verified = 0;
        for (int p = 0; p < levels.length; p++) {
            if (levels[p] > 0) {
                long n = choice.wantedBytesIn(p);
                wanted += n;
                if (picker.weHave(p)) {
                    verified += n;
                }
            }
        }
        wantedBytes = wanted;
        wantedBytesVerified = verified;
    }

    /** {@code piece} verified ({@code sign} 1) or lost (-1): the files' and the wanted bytes follow. */
    private void countVerified(int piece, int sign) {
        if (sign > 0) {
            choice.pieceVerified(piece);
        } else {
            choice.pieceLost(piece);
        }
        if (picker.level(piece) > 0) {
            wantedBytesVerified += sign * choice.wantedBytesIn(piece);
        }
    }

    /**
     * What the picker means to fetch, in bytes: those of the wanted files in the pieces it wants
     * (level above 0), and all the bytes of a piece it wants that holds no wanted file (one of
     * skipped files wanted by itself: {@link TorrentHandle#setPiecePriority} or a deadline). So a
     * piece skipped by itself leaves its bytes out, and the torrent is finished ({@link
     * TorrentStatus#isFinished}) exactly when the picker is.
     */
    long wantedBytes() {
        return wantedBytes;
    }

    /** The verified bytes among {@link #wantedBytes}. */
    long wantedBytesVerified() {
        return wantedBytesVerified;
    }

    private void markVerified(int piece) {
        verifiedWords[piece >>> 6] |= 1L << piece;
        verifiedCopy = null;
        raisedForDeadline.remove(piece); // had: its level no longer matters
    }

    /** {@code piece} no longer verified (a recheck did not find it): out of {@link #verifiedPieces} too. */
    private void markLost(int piece) {
        verifiedWords[piece >>> 6] &= ~(1L << piece);
        verifiedCopy = null;
    }

    /** The verified pieces now; a new copy only when a piece verified or was lost since the last one. */
    PieceSet verifiedPieces() {
        if (verifiedCopy == null) {
            verifiedCopy = PieceSet.copyOf(verifiedWords, info.pieceCount());
        }
        return verifiedCopy;
    }

    // ---- deadlines ----

    /**
     * {@code piece} is wanted by {@code atNanos} on the torrent's clock: the picker serves it before
     * other pieces (see {@link PiecePicker}), and fetches it even when it belongs to skipped files
     * only. Nothing for a piece we have.
     */
    void setDeadline(int piece, long atNanos) {
        if (!picker.setDeadline(piece, atNanos)) {
            return;
        }
        if (picker.level(piece) == 0 && raisedForDeadline.add(piece)) {
            applyLevels();
            for (PeerSession ps : List.copyOf(host.peerSessions())) {
                updateInterest(ps);
            }
        }
        fillAll();
    }

    /** Forgets the deadline of {@code piece} (or of every piece, for -1). */
    void clearDeadline(int piece) {
        if (piece < 0) {
            picker.clearDeadlines();
        } else {
            picker.clearDeadline(piece);
        }
        boolean lowered = piece < 0 ? !raisedForDeadline.isEmpty() : raisedForDeadline.contains(piece);
        if (piece < 0) {
            raisedForDeadline.clear();
        } else {
            raisedForDeadline.remove(piece);
        }
        if (lowered) {
            applyLevels();
            for (PeerSession ps : List.copyOf(host.peerSessions())) {
                updateInterest(ps);
            }
        }
    }

    /**
     * Whether {@code ps} is fast enough to be asked for pieces with a deadline before it is near:
     * at least half the rate of the fastest peer (every peer while none has sent anything).
     */
    private boolean fast(PeerSession ps) {
        if (picker.deadlineCount() == 0) {
            return true;
        }
        if (fastestStale) {
            // Found at the first fill after a tick, when the peers' meters have closed their second
            // (the torrent ticks this before its peers).
            long fastest = 0;
            for (PeerSession other : host.peerSessions()) {
                fastest = Math.max(fastest, other.download().rate());
            }
            fastestRate = fastest;
            fastestStale = false;
        }
        return 2 * ps.download().rate() >= fastestRate;
    }

    // ---- what is on disk ----

    /** Pieces found on disk when the torrent started. */
    void alreadyHave(Bitfield have) {
        for (int p = have.nextSet(0); p >= 0; p = have.nextSet(p + 1)) {
            if (picker.pieceVerified(p)) {
                bytesVerified += info.pieceSize(p);
                countVerified(p, 1);
                markVerified(p);
            }
        }
    }

    /**
     * What a recheck found on disk ({@code found}): a piece we had that it did not find is lost, and
     * fetched again; one it found that we lacked is ours now, and announced to the peers. Pieces in
     * {@code keep}, verified after the recheck began (it may have read them before their write),
     * stay. Then interest follows (the caller sends requests once it is downloading again).
     * Returns the lost pieces, lowest first.
     */
    List<Integer> rechecked(Bitfield found, Bitfield keep) {
        List<Integer> lost = new java.util.ArrayList<>();
        List<Integer> gained = new java.util.ArrayList<>();
        for (int p = 0; p < info.pieceCount(); p++) {
            boolean had = picker.weHave(p);
            if (had && !found.get(p) && !keep.get(p)) {
                picker.pieceLost(p);
                bytesVerified -= info.pieceSize(p);
                countVerified(p, -1);
                markLost(p);
                lost.add(p);
            } else if (!had && found.get(p)) {
                cancelRequests(p); // the picker forgets them: their blocks would come unasked
                assembler.dropPartial(p);
                picker.pieceVerified(p);
                bytesVerified += info.pieceSize(p);
                countVerified(p, 1);
                markVerified(p);
                gained.add(p);
            }
        }
        // BEP 3 has no way to take a have back: peers keep believing in a lost piece, and a request
        // for it is refused by Upload (rejected under BEP 6); the gained ones they are told of.
        for (PeerSession ps : host.peerSessions()) {
            gained.forEach(ps::have);
        }
        for (PeerSession ps : List.copyOf(host.peerSessions())) {
            if (picker.isComplete() && picker.peerIsSeed(ps)) {
                host.disconnect(ps, "both of us are seeds"); // complete again: a seed has nothing for us
            } else {
                updateInterest(ps);
            }
        }
        return lost;
    }

    /** Cancels what is asked of peers for {@code piece}; blocks already on the wire stay welcome. */
    private void cancelRequests(int piece) {
        var geometry = picker.geometry();
        for (PeerSession ps : host.peerSessions()) {
            for (int block = 0; block < geometry.blockCount(piece); block++) {
                BlockRequest b = geometry.request(piece, block);
                if (picker.isRequested(ps, piece, b.begin())) {
                    ps.cancel(piece, b.begin(), b.length());
                    withdrawn(ps, piece, b.begin());
                }
            }
        }
    }

    boolean isComplete() {
        return picker.isComplete();
    }

    /** Whether every piece of the wanted files is verified. */
    boolean isFinished() {
        return picker.isFinished();
    }

    FileChoice choice() {
        return choice;
    }

    /**
     * The choice of files or order changed: the picker follows it at once, the storage (which
     * keeps the bytes of unwanted files apart and moves them into place when wanted) on the disk
     * pool, and interest follows what is wanted now.
     */
    void choiceChanged() {
        applyLevels();
        picker.setSequential(choice.sequential());
        boolean[] wanted = choice.wantedFiles();
        // At once, not behind the pieces queued for the disk: a piece of a file skipped now,
        // written before the choice is applied, must not create the file.
        storage.willWant(wanted);
        disk.execute(() -> storage.setWantedFiles(wanted)).whenComplete((ok, failure) -> {
            if (failure != null) {
                host.post(() -> host.fail("applying the choice of files: " + Messages.message(failure)));
            }
        });
        for (PeerSession ps : List.copyOf(host.peerSessions())) {
            updateInterest(ps);
        }
        fillAll();
    }

    Bitfield have() {
        return picker.haveBitfield();
    }

    int piecesVerified() {
        return picker.pieceCount() - picker.missingCount();
    }

    long bytesVerified() {
        return bytesVerified;
    }

    /** Payload bytes per second received, every block counted. */
    long rate() {
        return rate.rate();
    }

    long total() {
        return rate.total();
    }

    void tick() {
        rate.tick();
        fastestStale = true;
    }

    long wasted() {
        return wasted;
    }

    int hashFailures() {
        return hashFailures;
    }

    int outstanding(PeerSession ps) {
        return picker.outstanding(ps);
    }

    int peerPieces(PeerSession ps) {
        return picker.peerPieceCount(ps);
    }

    boolean peerIsSeed(PeerSession ps) {
        return picker.peerIsSeed(ps);
    }

    boolean weHave(int piece) {
        return picker.weHave(piece);
    }

    /** Lets go of idle piece buffers: nothing is assembled for now. */
    void trim() {
        assembler.trim();
    }

    // ---- availability and interest ----

    void peerHas(PeerSession ps, int piece) {
        if (picker.peerHas(ps, piece)) {
            // News, and a piece we lack: interesting, with no scan of the peer's pieces.
            ps.interested(true);
            fill(ps);
        }
    }

    void peerHasBitfield(PeerSession ps, Bitfield pieces) {
        picker.peerHasBitfield(ps, pieces);
        afterAvailability(ps);
    }

    void peerHasAll(PeerSession ps) {
        picker.peerHasAll(ps);
        afterAvailability(ps);
    }

    void peerHasNone(PeerSession ps) {
        afterAvailability(ps);
    }

    private void afterAvailability(PeerSession ps) {
        if (picker.isComplete() && picker.peerIsSeed(ps)) {
            host.disconnect(ps, "both of us are seeds");
            return;
        }
        updateInterest(ps);
        fill(ps);
    }

    /** Interest from a full look at what the peer has: after its bitfield, and as we gain pieces. */
    void updateInterest(PeerSession ps) {
        ps.interested(!picker.isFinished() && picker.isInteresting(ps));
    }

    // ---- requests ----

    /** Asks {@code ps} for as many blocks as its pipeline has room for. */
    void fill(PeerSession ps) {
        if (!host.downloading()) {
            return;
        }
        int room = ps.requestRoom(picker.outstanding(ps));
        if (room <= 0) {
            return;
        }
        for (BlockRequest b : picker.pick(ps, room, clock.nanoTime(), fast(ps))) {
            ps.request(b.piece(), b.begin(), b.length());
        }
    }

    void fillAll() {
        for (PeerSession ps : host.peerSessions()) {
            fill(ps);
        }
    }

    /** A choke without the fast extension: every request to the peer is gone (BEP 3). */
    void requestsDropped(PeerSession ps) {
        List<BlockRequest> dropped = picker.peerChoked(ps);
        for (BlockRequest b : dropped) {
            withdrawn(ps, b.piece(), b.begin()); // blocks already on the wire may still come
        }
        if (!dropped.isEmpty()) {
            fillAll();
        }
    }

    /** The peer rejected a request (BEP 6): the block is free again. */
    void rejected(PeerSession ps, int piece, int begin, int length) {
        // A reject of something that is no block of ours (the decoder checks only that it lies in
        // its piece) rejects nothing we asked.
        if (picker.geometry().isBlock(piece, begin, length) && picker.requestCancelled(ps, piece, begin)) {
            fill(ps);
        }
    }

    /** Requests that waited too long go back to the pool, with a cancel to the slow peer. */
    void expired(PeerSession ps, long pickedAtOrBefore) {
        List<BlockRequest> expired = picker.expire(ps, pickedAtOrBefore);
        for (BlockRequest b : expired) {
            ps.cancel(b.piece(), b.begin(), b.length());
            withdrawn(ps, b.piece(), b.begin());
        }
        if (!expired.isEmpty()) {
            // Others first: the slow peer would get its own blocks back, and its reject of the
            // cancelled request would then withdraw the new one.
            for (PeerSession other : host.peerSessions()) {
                if (other != ps) {
                    fill(other);
                }
            }
        }
    }

    /** The peer left: its availability goes, and its requests return to the pool. */
    void peerLeft(PeerSession ps) {
        withdrawn.remove(ps);
        unasked.remove(ps);
        if (!picker.peerLeft(ps).isEmpty()) {
            fillAll();
        }
    }

    /**
     * Remembers a request we took back from {@code ps} (cancelled, expired, dropped by its choke):
     * its block may still arrive, crossing our cancel on the wire, and is welcome then (BEP 6).
     */
    private void withdrawn(PeerSession ps, int piece, int begin) {
        java.util.LinkedHashSet<Long> keys = withdrawn.computeIfAbsent(ps, k -> new java.util.LinkedHashSet<>());
        keys.add(blockKey(piece, begin));
        if (keys.size() > WITHDRAWN_REMEMBERED) {
            keys.remove(keys.iterator().next());
        }
    }

    // ---- blocks and pieces ----

    /**
     * A block arrived from {@code ps}; returns whether it was one we asked of this peer. The block's
     * buffer is copied into its piece; the caller gives it back to the pool.
     */
    boolean blockArrived(PeerSession ps, Message.Piece p) {
        int length = p.length();
        rate.add(length);
        int piece = p.piece();
        if (!picker.geometry().isBlock(piece, p.begin(), length)) {
            wasted += length;
            host.disconnect(ps, "protocol violation: a block of " + length + " bytes at " + p.begin()
                    + " of piece " + piece + " is no block of ours");
            return false;
        }
        if (!picker.isRequested(ps, piece, p.begin())) {
            java.util.LinkedHashSet<Long> back = withdrawn.get(ps);
            if (back == null || !back.remove(blockKey(piece, p.begin()))) {
                wasted += length;
                unaskedBlock(ps, piece, p.begin());
                return false;
            }
            // A block we had taken back: welcome if still missing (a cancel crossed it).
        }
        if (picker.weHave(piece)) {
            wasted += length;
            return true;
        }
        if (picker.isTakenWhole(piece)) {
            wasted += length; // a block we had taken back, of a piece a web seed fetches whole now
            return true;
        }
        BlockReceipt<Object> receipt = picker.blockReceived(ps, piece, p.begin());
        for (Object key : receipt.cancel()) {
            if (key instanceof PeerSession other) { // never a web seed: a piece taken whole is not shared
                other.cancel(piece, p.begin(), length);
                withdrawn(other, piece, p.begin()); // its copy may be on the wire already
            }
        }
        if (!receipt.accepted()) {
            wasted += length; // a duplicate, or not asked of anyone (a cancel crossed it)
            return true;
        }
        PieceAssembler.Piece a = assembler.add(piece, p.begin(), p.block(), ps.link().remote());
        if (receipt.pieceComplete()) {
            submit(a);
        }
        if (!receipt.cancel().isEmpty() && picker.isEndgame()) {
            // The peers that lost the race have room again: in endgame their queues are short,
            // and waiting for the next tick would leave them idle for up to a second.
            for (Object key : receipt.cancel()) {
                if (key instanceof PeerSession other) {
                    fill(other);
                }
            }
        }
        return true;
    }

    private static long blockKey(int piece, int begin) {
        return ((long) piece << 32) | begin;
    }

    /**
     * A block nobody asked of this peer. BEP 6: with the fast extension the peer must be dropped;
     * without it, where a choke drops requests silently, a few crossing the choke are forgiven.
     */
    private void unaskedBlock(PeerSession ps, int piece, int begin) {
        if (ps.link().fastExtension()) {
            host.disconnect(ps, "protocol violation: block " + begin + " of piece " + piece + " was never requested (BEP 6)");
            return;
        }
        int n = unasked.merge(ps, 1, Integer::sum);
        if (n > MAX_UNASKED_BLOCKS) {
            host.disconnect(ps, "sent " + n + " blocks that were never requested");
        }
    }

    // ---- whole pieces (web seeds) ----

    /**
     * A piece for web seed {@code source} to fetch whole, with a pooled buffer for it; empty when
     * the torrent is not downloading or the picker has none for a web seed (see {@link
     * PiecePicker#pickWholePiece}).
     */
    java.util.Optional<WholePiece> takeWholePiece(Object source) {
        if (!host.downloading()) {
            return java.util.Optional.empty();
        }
        int piece = picker.pickWholePiece(source, clock.nanoTime());
        return piece < 0 ? java.util.Optional.empty() : java.util.Optional.of(new WholePiece(piece, assembler.wholeBuffer(piece)));
    }

    /** A piece a web seed is to fetch, and the buffer it fetches into. */
    record WholePiece(int piece, ByteBuffer buffer) {
    }

    /**
     * Web seed {@code source} brought {@code piece} in {@code buffer}: it is hashed and written
     * like a piece of peers' blocks, unless the piece is no longer the web seed's to bring (it is
     * verified, or was given back), when the bytes are wasted. Returns whether they were taken.
     */
    boolean wholePieceArrived(Object source, int piece, ByteBuffer buffer) {
        int size = info.pieceSize(piece);
        rate.add(size);
        if (!picker.wholePieceReceived(source, piece)) {
            wasted += size;
            assembler.release(buffer);
            return false;
        }
        submit(assembler.whole(piece, buffer, source));
        return true;
    }

    /** Web seed {@code source} could not bring {@code piece}: peers may have it. */
    void wholePieceAbandoned(Object source, int piece, ByteBuffer buffer) {
        assembler.release(buffer);
        if (picker.wholePieceAbandoned(source, piece)) {
            fillAll();
        }
    }

    /** Web seed {@code source} is gone (dropped, paused): what it had taken is free for others. */
    void sourceLeft(Object source) {
        picker.peerLeft(source);
        fillAll();
    }

    /**
     * Whether a peer could take over {@code piece} from a web seed now: the download is in endgame
     * (nothing left to ask that is not asked already), and a connected peer that has the piece is
     * not choking us.
     */
    boolean peerCouldTakeOver(int piece) {
        if (!picker.isEndgame()) {
            return false;
        }
        for (PeerSession ps : host.peerSessions()) {
            if (!ps.peerChoking() && picker.peerHasPiece(ps, piece)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Web seed {@code source} gives {@code piece} up for peers to fetch; its buffer stays with the
     * fetch, still running, which gives it back when it ends.
     */
    void handOver(Object source, int piece) {
        if (picker.wholePieceAbandoned(source, piece)) {
            fillAll();
        }
    }

    /** Gives back a buffer from {@link #takeWholePiece} that brought nothing wanted. Any thread. */
    void releaseWholeBuffer(ByteBuffer buffer) {
        assembler.release(buffer);
    }

    /** Sends a complete piece to be hashed and written, from a thread that may wait for the disk. */
    private void submit(PieceAssembler.Piece a) {
        int piece = a.index;
        ByteBuffer data = a.data();
        Thread.ofVirtual().name("submit " + piece).start(() -> {
            try {
                disk.verifyAndWrite(storage, piece, data)
                        .whenComplete((passed, failure) -> deliver(a, passed, failure));
            } catch (InterruptedException | RuntimeException e) {
                deliver(a, null, e);
            } catch (Error e) {
                fatal.accept(e);
            }
        });
    }

    private void deliver(PieceAssembler.Piece a, Boolean passed, Throwable failure) {
        if (!host.post(() -> verdict(a, passed, failure))) {
            // The torrent is gone; the piece was written or not, its buffer is free either way.
            assembler.release(a);
        }
    }

    /** The disk pool's verdict on a piece. */
    private void verdict(PieceAssembler.Piece a, Boolean passed, Throwable failure) {
        try {
            if (failure != null) {
                // Storage names the piece, the file and the system's reason ("No space left on device").
                host.fail(Messages.message(failure));
            } else if (passed) {
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
        countVerified(piece, 1);
        markVerified(piece);
        // The piece is good now: whoever sent a block of it that differed earlier sent bad data.
        for (InetSocketAddress liar : liars.verified(piece, a.data())) {
            host.ban(liar, "sent corrupt data for piece " + piece);
        }
        for (PeerSession ps : host.peerSessions()) {
            ps.have(piece);
        }
        host.pieceVerified(piece);
        for (PeerSession ps : List.copyOf(host.peerSessions())) {
            updateInterest(ps);
        }
        if (picker.isFinished() && picker.level(piece) > 0) { // the last wanted piece, not a late unwanted one
            assembler.trim(); // a seed assembles no more pieces
            host.downloadComplete();
            for (PeerSession ps : List.copyOf(host.peerSessions())) {
                if (picker.isComplete() && picker.peerIsSeed(ps)) {
                    host.disconnect(ps, "both of us are seeds");
                }
            }
        }
    }

    private void pieceBad(PieceAssembler.Piece a) {
        int piece = a.index;
        hashFailures++;
        wasted += info.pieceSize(piece);
        picker.pieceFailed(piece);
        if (a.wholeSource != null) {
            // BEP 19: the web seed's data failed the hash; its bytes are not written, and it is dropped.
            events.accept(new Event.HashFailed(hash, piece, List.of()));
            host.wholePieceFailed(a.wholeSource, piece);
            fillAll();
            return;
        }
        Set<InetSocketAddress> contributors = liars.failed(piece, a.data(), a.senders());
        events.accept(new Event.HashFailed(hash, piece, List.copyOf(contributors)));
        for (PeerSession ps : List.copyOf(host.peerSessions())) {
            if (contributors.contains(ps.link().remote()) && ps.chargeHashFailure() >= MAX_HASH_FAILURES) {
                host.ban(ps.link().remote(), "took part in " + MAX_HASH_FAILURES + " pieces that failed their hash");
            }
        }
        if (contributors.size() == 1) {
            // Only one peer sent this piece: the bad data can only be its.
            host.ban(contributors.iterator().next(), "sent piece " + piece + " which failed its hash check");
        }
        fillAll();
    }
}
