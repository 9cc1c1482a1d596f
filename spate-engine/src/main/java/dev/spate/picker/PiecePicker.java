package dev.spate.picker;

import dev.spate.core.Bitfield;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.IntPredicate;
import java.util.random.RandomGenerator;

/**
 * A torrent's download state and the choice of blocks to request from each peer.
 *
 * <p>State: the pieces we have (verified); for each piece in progress, every block's state, one of
 * <em>free</em> (nobody asked for it), <em>requested</em> (by one peer, or by several in endgame) or
 * <em>received</em>; and each piece's availability among the connected peers. Peers that have
 * everything (a complete bitfield, or BEP 6 have-all) are counted once as seeds rather than
 * added to every piece, since they do not change which piece is rarest.
 *
 * <p>Policy of {@link #pick}, in order, until the peer's budget is spent:
 * <ol>
 *   <li>free blocks of pieces already started, so that pieces complete and can be shared;</li>
 *   <li>while we have fewer than {@link #RANDOM_FIRST_PIECES} pieces, a new piece chosen at random
 *       among those the peer has: the rarest are slow to come and we want something to trade;</li>
 *   <li>then a new piece among the rarest the peer has, ties broken at random;</li>
 *   <li>endgame: once no block anywhere is free, blocks already requested from other peers (never
 *       from this one): any peer gets those {@linkplain #ENDGAME_OVERDUE_NANOS overdue}, the most
 *       overdue first, and a peer with fewer than {@link #ENDGAME_QUEUE} requests outstanding the
 *       others; those with the fewest requesters first, among them the ones asked last (at
 *       the back of their peers' queues, where a cancel still finds them). The first copy to arrive wins and
 *       {@link #blockReceived} names the peers to cancel.</li>
 * </ol>
 * Outside endgame a block is requested from one peer at a time, and a piece we have is never picked.
 *
 * <p>Priorities ({@link #setPiecePriorities}): each piece has a level, 0 for a piece nobody wants
 * (only of skipped files), higher for sooner. New pieces are taken from the highest level the peer
 * can serve, rarest-first (or at random, as above) within it; a piece of level 0 is never
 * requested, and the download is {@linkplain #isFinished() finished} once every piece of a level
 * above 0 is verified. In {@linkplain #setSequential sequential} mode the lowest-numbered piece of
 * the highest level the peer has is taken instead of the rarest (what a player reading the file in
 * order needs). With every piece at one level and sequential mode off, the choice is exactly the
 * plain rarest-first above, at its cost; otherwise a new piece costs a scan of the candidates of
 * each level until one the peer has is found.
 *
 * <p>Deadlines ({@link #setDeadline}): a piece may be wanted by a time on the caller's clock (a
 * player reading a file needs the bytes under its position). Before everything above, {@link #pick}
 * serves the pieces with a deadline, earliest deadline first, whatever their level above 0, rarity
 * or the cap on pieces in progress (up to twice it): their free blocks go to a peer the caller calls
 * fast ({@link #pick(Object, int, long, boolean)}); once a deadline is within {@link #setUrgency the
 * urgency} or past, to any peer, and the blocks already requested elsewhere are asked again of
 * other peers, endgame style, up to {@link #DEADLINE_COPIES} requesters a block, the first copy
 * winning as in endgame. A deadline ends when its piece is verified or it is cleared. The picker
 * has no clock: the caller passes the time of each pick.
 *
 * <p>Invariants (checked by {@link #checkInvariants()} in tests): a piece is either had, in
 * progress, or a candidate in the rarity buckets, exactly one of them; a block is received, free,
 * or requested by a non-empty set of peers, and each of those peers lists the block among its
 * outstanding requests; the free and requested counters equal the sums over pieces in progress.
 *
 * <p>A pure data structure with no threads, IO or clock: it is owned by the torrent's loop and must
 * only be used from that thread. Randomness is injected so that tests are repeatable.
 *
 * @param <P> the engine's key for a peer connection; needs {@code equals} and {@code hashCode}
 */
public final class PiecePicker<P> {
    private boolean endgameEnabled = true;
    /** Time stamp of the requests the current {@link #pick} records. */
    private long now;
    /** Pieces that may be in progress at once; see {@link #setMaxPiecesInProgress}. */
    private int maxInProgress = Integer.MAX_VALUE;
    /** Timed-out blocks remembered per peer; see {@link #expire}. */
    static final int TIMED_OUT_REMEMBERED = 1024;
    /** While we have fewer verified pieces than this, new pieces are chosen at random. */
    public static final int RANDOM_FIRST_PIECES = 4;

    private final PieceGeometry geometry;
    private final RandomGenerator random;
    private final Bitfield have;
    private final RarityBuckets rarity;
    private final Map<P, PeerState> peers = new HashMap<>();
    private int seeds;
    private final Progress[] progress;
    /** Every piece in progress, oldest first. */
    private final Set<Integer> inProgress = new LinkedHashSet<>();
    /** Endgame's scratch for the blocks to copy (see {@link #pickDuplicates}). */
    private final BestBlocks overdueScratch = new BestBlocks(0);
    private final BestBlocks freshScratch = new BestBlocks(0);
    /** The pieces in progress that have a free block. */
    private final Set<Integer> withFree = new LinkedHashSet<>();
    /** Free blocks in pieces in progress. */
    private int freeBlocks;
    /** Distinct blocks requested and not received. */
    private int requestedBlocks;
    /** Pieces taken whole by a source of whole pieces (a web seed), and which source; see {@link #pickWholePiece}. */
    private final Map<Integer, P> whole = new HashMap<>();
    /** Each piece's level; 0: not wanted. Every piece at {@link #DEFAULT_LEVEL} until set. */
    private final int[] level;
    /** Whether every piece is at one level above 0: then the plain rarest-first applies. */
    private boolean uniform = true;
    private int maxLevel = DEFAULT_LEVEL;
    private boolean sequential;
    /** The pieces we have and those of level 0: what we need from nobody. */
    private final Bitfield notNeeded;
    /** Pieces of a level above 0 that we do not have. */
    private int wantedMissing;
    /** Candidates (not had, not started) of a level above 0. */
    private int wantedCandidates;
    /** Level of every piece until {@link #setPiecePriorities} says otherwise. */
    public static final int DEFAULT_LEVEL = 1;
    /** Peers a block of an urgent deadline piece may be requested of at once. */
    public static final int DEADLINE_COPIES = 3;
    /**
     * In endgame, a peer is given blocks requested of others only while it has fewer than this
     * many outstanding: a second copy helps only when it comes sooner than the first, which it
     * does from a peer whose queue is (nearly) empty. Asked of a peer with a full queue, it would
     * come behind everything already on the wire, as late as the first, and both would arrive:
     * with eight fast seeds and deep queues, filling every queue with duplicates wasted a tenth
     * of a 512 MiB download.
     */
    public static final int ENDGAME_QUEUE = 8;
    /**
     * In endgame, a block whose every request is older than this is overdue: its peers are
     * stalled or far behind, and any peer may be asked for a copy, however full its queue, the
     * most overdue first. Twice the depth a queue is sized for (1.5 s of a peer's rate), so a
     * peer that keeps up is never overtaken; without it, a stalled peer holding thousands of
     * requests would be relieved only {@link #ENDGAME_QUEUE} blocks a round trip until its
     * requests time out.
     */
    public static final long ENDGAME_OVERDUE_NANOS = 3_000_000_000L;
    /** How near a deadline is urgent unless {@link #setUrgency} says otherwise: one second. */
    public static final long DEFAULT_URGENCY_NANOS = 1_000_000_000L;

    /** A piece wanted by {@code at} on the caller's clock. */
    private record Deadline(long at, int piece) {
    }

    /** The deadline of each piece that has one. */
    private final Map<Integer, Deadline> deadlines = new HashMap<>();
    /** The same deadlines, earliest first. */
    private final java.util.TreeSet<Deadline> byDeadline = new java.util.TreeSet<>(
            Comparator.comparingLong(Deadline::at).thenComparingInt(Deadline::piece));
    private long urgency = DEFAULT_URGENCY_NANOS;

    @SuppressWarnings({"unchecked", "rawtypes"}) // an array of the inner class Progress
    public PiecePicker(PieceGeometry geometry, RandomGenerator random) {
        this.geometry = Objects.requireNonNull(geometry, "geometry");
        this.random = Objects.requireNonNull(random, "random");
        int n = geometry.pieceCount();
        this.have = new Bitfield(n);
        this.rarity = new RarityBuckets(n);
        this.progress = new PiecePicker.Progress[n];
        this.notNeeded = new Bitfield(n);
        this.level = new int[n];
        java.util.Arrays.fill(level, DEFAULT_LEVEL);
        this.wantedMissing = n;
        this.wantedCandidates = n;
    }

    public PiecePicker(int pieceCount, int pieceLength, long totalLength, RandomGenerator random) {
        this(new PieceGeometry(pieceCount, pieceLength, totalLength), random);
    }

    public PieceGeometry geometry() {
        return geometry;
    }

    /** Pieces in the torrent. */
    public int pieceCount() {
        return geometry.pieceCount();
    }

    // ---- availability -------------------------------------------------------------------------

    /**
     * The peer announced {@code piece} (BEP 3 have). Returns whether it is news and a piece we
     * lack, that is whether the peer may have become interesting.
     */
    public boolean peerHas(P peer, int piece) {
        geometry.checkPiece(piece);
        PeerState state = state(peer);
        if (state.seed || !state.has().set(piece)) {
            return false;
        }
        rarity.increment(piece);
        if (state.has.isComplete()) {
            becomeSeed(state);
        }
        return !notNeeded.get(piece);
    }

    /**
     * The peer's bitfield (BEP 3), added to what it announced before. Returns whether the peer has
     * a piece we lack.
     */
    public boolean peerHasBitfield(P peer, Bitfield pieces) {
        sameSize(pieces);
        if (pieces.isComplete()) {
            return peerHasAll(peer);
        }
        PeerState state = state(peer);
        if (state.seed) {
            return !isFinished();
        }
        Bitfield has = state.has();
        for (int piece = pieces.nextSet(0); piece >= 0; piece = pieces.nextSet(piece + 1)) {
            if (has.set(piece)) {
                rarity.increment(piece);
            }
        }
        if (has.isComplete()) {
            becomeSeed(state);
        }
        return notNeeded.lacksAnyOf(pieces);
    }

    /** The peer has every piece (BEP 6 have-all, or a complete bitfield). Constant time for a new peer. */
    public boolean peerHasAll(P peer) {
        becomeSeed(state(peer));
        return !isFinished();
    }

    /**
     * The connection is gone: its availability is removed and its outstanding requests return to
     * the pool. Returns those requests.
     */
    public List<BlockRequest> peerLeft(P peer) {
        PeerState state = peers.get(peer);
        if (state == null) {
            return List.of();
        }
        List<BlockRequest> released = releaseAll(peer, state);
        whole.values().removeIf(peer::equals);
        if (state.seed) {
            seeds--;
        } else if (state.has != null) {
            for (int piece = state.has.nextSet(0); piece >= 0; piece = state.has.nextSet(piece + 1)) {
                rarity.decrement(piece);
            }
        }
        peers.remove(peer);
        dropOrphans();
        return released;
    }

    /**
     * Pieces started that nobody connected has any more, and of which nothing arrived, go back
     * among the candidates: they hold no data, and must not count against the cap on pieces in
     * progress while no peer can finish them.
     */
    private void dropOrphans() {
        if (seeds > 0) {
            return;
        }
        for (Integer piece : List.copyOf(inProgress)) {
            Progress p = progress[piece];
            if (rarity.availability(piece) == 0 && p.receivedCount == 0 && p.free == p.blocks) {
                discard(p);
                addCandidate(piece);
            }
        }
    }

    /** How many connected peers have {@code piece}, seeds included. */
    public int availability(int piece) {
        geometry.checkPiece(piece);
        return rarity.availability(piece) + seeds;
    }

    /** Whether the peer, by what it announced, has a piece we lack and want (of a level above 0). */
    public boolean isInteresting(P peer) {
        PeerState state = peers.get(peer);
        if (state == null) {
            return false;
        }
        return state.seed ? !isFinished() : state.has != null && notNeeded.lacksAnyOf(state.has);
    }

    /** Whether {@code peerPieces} holds a piece we lack and want. */
    public boolean isInteresting(Bitfield peerPieces) {
        sameSize(peerPieces);
        return notNeeded.lacksAnyOf(peerPieces);
    }

    // ---- our state ----------------------------------------------------------------------------

    public boolean weHave(int piece) {
        geometry.checkPiece(piece);
        return have.get(piece);
    }

    /** A copy of the verified pieces. */
    public Bitfield haveBitfield() {
        return have.copy();
    }

    /** Whether every piece is verified. */
    public boolean isComplete() {
        return have.isComplete();
    }

    /** Whether every wanted piece (of a level above 0) is verified: nothing is left to request. */
    public boolean isFinished() {
        return wantedMissing == 0;
    }

    /** Wanted pieces (of a level above 0) we do not have yet. */
    public int wantedMissingCount() {
        return wantedMissing;
    }

    /** The level of {@code piece}; 0 when it is not wanted. */
    public int level(int piece) {
        geometry.checkPiece(piece);
        return level[piece];
    }

    /**
     * Sets every piece's level: 0 for a piece not wanted (never requested), higher to be fetched
     * sooner. Pieces started that are no longer wanted and hold nothing yet go back among the
     * candidates; blocks already requested of them may still come and are taken. Cost: O(pieces).
     *
     * @throws IllegalArgumentException when {@code levels} is not one level per piece, or one is negative
     */
    public void setPiecePriorities(int[] levels) {
        if (levels.length != geometry.pieceCount()) {
            throw new IllegalArgumentException(levels.length + " levels for " + geometry.pieceCount() + " pieces");
        }
        int first = levels.length == 0 ? DEFAULT_LEVEL : levels[0];
        boolean same = first > 0;
        int max = 0;
        for (int v : levels) {
            if (v < 0) {
                throw new IllegalArgumentException("negative level " + v);
            }
            same &= v == first;
            max = Math.max(max, v);
        }
        System.arraycopy(levels, 0, level, 0, levels.length);
        uniform = same;
        maxLevel = max;
        wantedMissing = 0;
        wantedCandidates = 0;
        for (int piece = 0; piece < levels.length; piece++) {
            boolean wanted = levels[piece] > 0;
            if (have.get(piece) || !wanted) {
                notNeeded.set(piece);
            } else {
                notNeeded.clear(piece);
            }
            if (wanted && !have.get(piece)) {
                wantedMissing++;
                if (rarity.isCandidate(piece)) {
                    wantedCandidates++;
                }
            }
        }
        for (Integer piece : List.copyOf(inProgress)) {
            Progress p = progress[piece];
            if (level[piece] == 0 && p.receivedCount == 0 && p.free == p.blocks && !whole.containsKey(piece)) {
                discard(p); // no request is out for it (every block free): nothing comes
                addCandidate(piece);
            }
        }
    }

    /**
     * Sequential mode: new pieces are taken lowest-numbered first within the highest level the
     * peer has, rather than rarest-first.
     */
    public void setSequential(boolean on) {
        sequential = on;
    }

    public boolean isSequential() {
        return sequential;
    }

    // ---- deadlines ----------------------------------------------------------------------------

    /**
     * {@code piece} is wanted by {@code atNanos} on the caller's clock (the one it passes to
     * {@link #pick(Object, int, long)}); replaces any deadline it had. Ignored, returning false, for a
     * piece we have. A piece of level 0 with a deadline is still not requested: the caller gives it
     * a level above 0 for as long as it wants it.
     */
    public boolean setDeadline(int piece, long atNanos) {
        geometry.checkPiece(piece);
        if (have.get(piece)) {
            return false;
        }
        clearDeadline(piece);
        Deadline d = new Deadline(atNanos, piece);
        deadlines.put(piece, d);
        byDeadline.add(d);
        return true;
    }

    /** Forgets the deadline of {@code piece}; returns whether it had one. */
    public boolean clearDeadline(int piece) {
        geometry.checkPiece(piece);
        Deadline d = deadlines.remove(piece);
        if (d == null) {
            return false;
        }
        byDeadline.remove(d);
        return true;
    }

    /** Forgets every deadline. */
    public void clearDeadlines() {
        deadlines.clear();
        byDeadline.clear();
    }

    /** The deadline of {@code piece}, if it has one. */
    public java.util.OptionalLong deadline(int piece) {
        geometry.checkPiece(piece);
        Deadline d = deadlines.get(piece);
        return d == null ? java.util.OptionalLong.empty() : java.util.OptionalLong.of(d.at);
    }

    /** Pieces with a deadline (none of them had). */
    public int deadlineCount() {
        return deadlines.size();
    }

    /**
     * A deadline this near (or past) is urgent: its piece's blocks go to any peer, and are asked of
     * several at once.
     *
     * @throws IllegalArgumentException when negative
     */
    public void setUrgency(long nanos) {
        if (nanos < 0) {
            throw new IllegalArgumentException("urgency " + nanos + " is negative");
        }
        urgency = nanos;
    }

    /** Pieces we do not have yet. */
    public int missingCount() {
        return geometry.pieceCount() - have.cardinality();
    }

    /** Pieces started and not yet verified, including those waiting for their hash check. */
    public int inProgressCount() {
        return inProgress.size();
    }

    /** Requests the peer has outstanding, as far as the picker knows. */
    public int outstanding(P peer) {
        PeerState state = peers.get(peer);
        return state == null ? 0 : state.requests.size();
    }

    /**
     * Whether every missing block has been requested, none is free, and some are still on their
     * way: from now on {@link #pick} hands out duplicates.
     */
    /**
     * Turns endgame duplicates on (the default) or off. Off, the last blocks wait for the peers they
     * were asked of, however slow: only for measuring what endgame is worth.
     */
    public void setEndgameEnabled(boolean enabled) {
        endgameEnabled = enabled;
    }

    public boolean isEndgame() {
        return !isFinished() && wantedCandidates == 0 && !hasFreeWantedBlock() && requestedBlocks > 0;
    }

    private boolean hasFreeWantedBlock() {
        if (uniform) {
            return freeBlocks > 0;
        }
        for (Integer piece : withFree) {
            if (level[piece] > 0) {
                return true;
            }
        }
        return false;
    }

    /**
     * The piece passed its hash check (or was found on disk at resume): we have it. Returns whether
     * it is new. Any requests still outstanding for it are forgotten.
     */
    public boolean pieceVerified(int piece) {
        geometry.checkPiece(piece);
        if (!have.set(piece)) {
            return false;
        }
        notNeeded.set(piece);
        if (level[piece] > 0) {
            wantedMissing--;
        }
        Progress p = progress[piece];
        if (p != null) {
            discard(p);
        }
        removeCandidate(piece);
        clearDeadline(piece);
        return true;
    }

    /**
     * A piece we had is no longer on disk (a recheck found it missing or not matching its hash): it
     * is a candidate again, at its level, fetched like any other. Returns whether we had it.
     */
    public boolean pieceLost(int piece) {
        geometry.checkPiece(piece);
        if (!have.clear(piece)) {
            return false;
        }
        if (level[piece] > 0) {
            notNeeded.clear(piece);
            wantedMissing++;
        }
        addCandidate(piece);
        return true;
    }

    /**
     * The piece failed its hash check: every block becomes free again, and the piece, still in
     * progress, is fetched again before new pieces are started.
     *
     * @throws IllegalStateException when we have the piece
     */
    public void pieceFailed(int piece) {
        geometry.checkPiece(piece);
        if (have.get(piece)) {
            throw new IllegalStateException("piece " + piece + " failed but is verified");
        }
        Progress p = progress[piece];
        if (p != null) {
            discard(p);
            start(piece);
        }
    }

    // ---- requests -----------------------------------------------------------------------------

    /**
     * Up to {@code maxBlocks} blocks to request from {@code peer}, among the pieces in
     * {@code peerPieces} (its bitfield, or a subset such as BEP 6's allowed-fast set). The blocks
     * are recorded as requested by this peer.
     */
    public List<BlockRequest> pick(P peer, Bitfield peerPieces, int maxBlocks) {
        sameSize(peerPieces);
        now = 0;
        return pick(peer, peerPieces::get, maxBlocks);
    }

    /** Like {@link #pick(Object, Bitfield, int)}, with the pieces the peer announced to the picker. */
    public List<BlockRequest> pick(P peer, int maxBlocks) {
        return pick(peer, maxBlocks, 0);
    }

    /**
     * Up to {@code maxBlocks} blocks to request from {@code peer} among the pieces it announced,
     * recorded as requested at {@code nowNanos} (the caller's clock: the picker has none), so that
     * {@link #expire} can later find those that waited too long.
     */
    public List<BlockRequest> pick(P peer, int maxBlocks, long nowNanos) {
        return pick(peer, maxBlocks, nowNanos, true);
    }

    /**
     * Like {@link #pick(Object, int, long)}; {@code fast} says whether the peer is one of the
     * fast ones, which alone are given the pieces with a deadline before it is urgent (see the
     * class comment).
     */
    public List<BlockRequest> pick(P peer, int maxBlocks, long nowNanos, boolean fast) {
        now = nowNanos;
        PeerState state = state(peer);
        if (state.seed) {
            return pick(peer, piece -> true, maxBlocks, fast);
        }
        Bitfield has = state.has();
        return pick(peer, has::get, maxBlocks, fast);
    }

    private List<BlockRequest> pick(P peer, IntPredicate has, int maxBlocks) {
        return pick(peer, has, maxBlocks, true);
    }

    private List<BlockRequest> pick(P peer, IntPredicate has, int maxBlocks, boolean fast) {
        List<BlockRequest> out = new ArrayList<>(Math.max(0, Math.min(maxBlocks, 16)));
        if (maxBlocks <= 0 || isFinished()) {
            return out;
        }
        PeerState state = state(peer);
        if (!deadlines.isEmpty()) {
            pickDeadlines(peer, state, has, maxBlocks, fast, out);
            if (!fast) {
                IntPredicate all = has; // what is left of a deadline piece is not for a slow peer either
                has = piece -> all.test(piece) && !deadlines.containsKey(piece);
            }
        }
        if (!withFree.isEmpty()) {
            for (Integer piece : List.copyOf(withFree)) {
                if (out.size() >= maxBlocks) {
                    return out;
                }
                if (has.test(piece) && level[piece] > 0) {
                    takeFree(peer, state, progress[piece], maxBlocks, out);
                }
            }
        }
        // Past the cap, a new piece only for a peer that has none of those started still missing
        // blocks (their other holders may have left), and never beyond twice the cap. A peer that
        // has one waits: its blocks are all asked of others, and come back to it if those fail.
        // (Many fast peers with deep queues otherwise ask for every started piece's blocks and
        // start more, up to the hard cap: 8 seeds, 1 MiB pieces, 130 MiB of buffers held.)
        while (out.size() < maxBlocks && (inProgress.size() < maxInProgress
                || out.isEmpty() && inProgress.size() < hardMaxInProgress() && !hasStartedPiece(has))) {
            int piece = nextPiece(has);
            if (piece < 0) {
                break;
            }
            takeFree(peer, state, start(piece), maxBlocks, out);
        }
        if (out.size() < maxBlocks && endgameEnabled && isEndgame()) {
            pickDuplicates(peer, state, has, maxBlocks, Math.max(0, ENDGAME_QUEUE - state.requests.size()), out);
        }
        return out;
    }

    /** Whether {@code has} accepts a wanted piece in progress with blocks not yet received. */
    private boolean hasStartedPiece(IntPredicate has) {
        for (Integer piece : inProgress) {
            Progress p = progress[piece];
            if (p.receivedCount < p.blocks && level[piece] > 0 && !whole.containsKey(piece) && has.test(piece)) {
                return true;
            }
        }
        return false;
    }

    /**
     * The piece to start next among the candidates {@code has} accepts: from the highest level
     * holding one, the lowest-numbered in sequential mode, else at random while we have fewer than
     * {@link #RANDOM_FIRST_PIECES} pieces, else the rarest; -1 when there is none.
     */
    private int nextPiece(IntPredicate has) {
        boolean early = have.cardinality() < RANDOM_FIRST_PIECES;
        if (uniform && !sequential) {
            return early ? rarity.any(has, random) : rarity.rarest(has, random);
        }
        if (wantedCandidates == 0) {
            return -1;
        }
        for (int l = maxLevel; l > 0; l--) {
            int at = l;
            IntPredicate ok = uniform ? has : piece -> level[piece] == at && has.test(piece);
            int piece;
            if (sequential) {
                piece = -1;
                for (int p = notNeeded.nextClear(0); p >= 0; p = notNeeded.nextClear(p + 1)) {
                    if (rarity.isCandidate(p) && ok.test(p)) {
                        piece = p;
                        break;
                    }
                }
            } else {
                piece = early ? rarity.any(ok, random) : rarity.rarest(ok, random);
            }
            if (piece >= 0 || uniform) {
                return piece;
            }
        }
        return -1;
    }

    private void removeCandidate(int piece) {
        if (rarity.remove(piece) && level[piece] > 0) {
            wantedCandidates--;
        }
    }

    private void addCandidate(int piece) {
        if (rarity.add(piece) && level[piece] > 0) {
            wantedCandidates++;
        }
    }

    private void takeFree(P peer, PeerState state, Progress p, int maxBlocks, List<BlockRequest> out) {
        boolean skipped = false;
        for (int block = p.firstFree; block < p.blocks && out.size() < maxBlocks; block++) {
            if (!p.received[block] && p.requesters[block] == null) {
                if (state.timedOut != null && state.timedOut.contains(key(p.piece, block)) && availability(p.piece) > 1) {
                    skipped = true; // it did not deliver this one in time: another peer's turn
                    continue;
                }
                List<P> requesters = new ArrayList<>(1);
                requesters.add(peer);
                p.requesters[block] = requesters;
                p.askedAt[block] = now;
                p.free--;
                freeBlocks--;
                requestedBlocks++;
                state.requests.put(key(p.piece, block), now);
                out.add(geometry.request(p.piece, block));
                if (!skipped) {
                    p.firstFree = block + 1; // no free block before the hint, the skipped one included
                }
            }
        }
        if (p.free == 0) {
            withFree.remove(p.piece);
        }
    }

    /** The pieces with a deadline, earliest first; see the class comment. */
    private void pickDeadlines(P peer, PeerState state, IntPredicate has, int maxBlocks, boolean fast,
                               List<BlockRequest> out) {
        for (Deadline d : byDeadline) {
            if (out.size() >= maxBlocks) {
                return;
            }
            int piece = d.piece;
            if (level[piece] == 0 || !has.test(piece) || whole.containsKey(piece)) {
                continue; // a piece taken whole is fetched in one request: no block of it is shared
            }
            boolean urgent = d.at - now <= urgency;
            if (!fast && !urgent) {
                continue; // before it is urgent, for the fast peers only
            }
            Progress p = progress[piece];
            if (p == null) {
                if (inProgress.size() >= hardMaxInProgress()) {
                    continue;
                }
                p = start(piece);
            }
            takeFree(peer, state, p, maxBlocks, out);
            if (urgent && endgameEnabled) {
                for (int block = 0; block < p.blocks && out.size() < maxBlocks; block++) {
                    List<P> requesters = p.requesters[block];
                    if (requesters != null && requesters.size() < DEADLINE_COPIES && !requesters.contains(peer)) {
                        requesters.add(peer);
                        p.askedAt[block] = now;
                        state.requests.put(key(piece, block), now);
                        out.add(geometry.request(piece, block));
                    }
                }
            }
        }
    }

    /**
     * Endgame's copies for {@code peer}: overdue blocks (see {@link #ENDGAME_OVERDUE_NANOS}) up to
     * {@code maxBlocks}, the most overdue first; then, within {@code room}, the others, the ones
     * asked last first. Fewest requesters first throughout.
     */
    private void pickDuplicates(P peer, PeerState state, IntPredicate has, int maxBlocks, int room,
                                List<BlockRequest> out) {
        if (state.requests.size() >= requestedBlocks) {
            // Every block asked is asked of this peer already (its requests are exactly the blocks
            // it is a requester of): nothing to copy. A lone peer's endgame otherwise walked every
            // block in progress after every block it sent, enough to be compiled twice by C2.
            return;
        }
        // The blocks asked last go first: they wait at the back of their peers' queues, so this
        // peer's copy comes well before theirs, and the cancel reaches them while the block is
        // still queued there, not yet sent. A block at the head of a queue is on its way already;
        // a second copy of it would only be waste, unless it has waited there far too long.
        // Never more wanted than there are requested blocks to copy, and the scratch arrays are the
        // picker's own: endgame picks for every peer after every block, and fresh arrays of a
        // deep queue's size each time made most of a leech's garbage in its last seconds.
        int wanted = Math.max(0, Math.min(maxBlocks - out.size(), requestedBlocks));
        BestBlocks overdue = overdueScratch.reset(wanted);
        BestBlocks fresh = freshScratch.reset(Math.min(wanted, room));
        long overdueBefore = now - ENDGAME_OVERDUE_NANOS;
        for (Integer piece : inProgress) {
            if (!has.test(piece) || whole.containsKey(piece) || level[piece] == 0) {
                continue; // a piece taken whole is fetched in one request: no block of it is shared
            }
            Progress p = progress[piece];
            for (int block = 0; block < p.blocks; block++) {
                List<P> requesters = p.requesters[block];
                if (requesters != null && !requesters.contains(peer)) {
                    long newest = p.askedAt[block];
                    if (newest < overdueBefore) {
                        overdue.offer(piece, block, requesters.size(), -newest, random.nextInt());
                    } else {
                        fresh.offer(piece, block, requesters.size(), newest, random.nextInt());
                    }
                }
            }
        }
        for (int i = 0; i < overdue.size(); i++) {
            duplicate(peer, state, overdue.piece(i), overdue.block(i), out);
        }
        int fromFresh = Math.min(fresh.size(), Math.min(room, maxBlocks - out.size()));
        for (int i = 0; i < fromFresh; i++) {
            duplicate(peer, state, fresh.piece(i), fresh.block(i), out);
        }
    }

    private void duplicate(P peer, PeerState state, int piece, int block, List<BlockRequest> out) {
        progress[piece].requesters[block].add(peer);
        progress[piece].askedAt[block] = now;
        state.requests.put(key(piece, block), now);
        out.add(geometry.request(piece, block));
    }

    /** When the block {@code key} was last asked of one of {@code requesters}. */
    private long newestRequest(List<P> requesters, long key) {
        long newest = Long.MIN_VALUE;
        for (P r : requesters) {
            Long at = peers.get(r).requests.get(key);
            if (at != null && at > newest) {
                newest = at;
            }
        }
        return newest;
    }

    /**
     * A block arrived from {@code peer}. See {@link BlockReceipt} for what to do next.
     *
     * @throws IllegalArgumentException when {@code begin} is not a block boundary of the piece
     */
    public BlockReceipt<P> blockReceived(P peer, int piece, int begin) {
        geometry.checkPiece(piece);
        int block = geometry.blockIndex(piece, begin);
        long key = key(piece, block);
        PeerState state = peers.get(peer);
        boolean requested = state != null && state.requests.remove(key) != null;
        Progress p = progress[piece];
        if (p == null || p.received[block]) {
            return new BlockReceipt<>(false, requested, List.of(), false);
        }
        List<P> requesters = p.requesters[block];
        List<P> cancel = new ArrayList<>();
        if (requesters == null) {
            p.free--;
            freeBlocks--;
            if (p.free == 0) {
                withFree.remove(piece);
            }
        } else {
            requestedBlocks--;
            for (P other : requesters) {
                if (!other.equals(peer)) {
                    cancel.add(other);
                    peers.get(other).requests.remove(key);
                }
            }
            p.requesters[block] = null;
        }
        p.received[block] = true;
        p.receivedCount++;
        return new BlockReceipt<>(true, requested, cancel, p.receivedCount == p.blocks);
    }

    /**
     * We cancelled our request (or the peer rejected it, BEP 6): the block is free again unless
     * another peer has it requested. Returns whether the request was outstanding.
     */
    public boolean requestCancelled(P peer, int piece, int begin) {
        geometry.checkPiece(piece);
        int block = geometry.blockIndex(piece, begin);
        PeerState state = peers.get(peer);
        if (state == null || state.requests.remove(key(piece, block)) == null) {
            return false;
        }
        release(peer, piece, block);
        return true;
    }

    /**
     * The request waited too long: treated as cancelled, so the block can go to another peer. Send
     * the peer a Cancel. Returns whether the request was outstanding.
     */
    public boolean requestTimedOut(P peer, int piece, int begin) {
        return requestCancelled(peer, piece, begin);
    }

    /**
     * The peer choked us: without BEP 6 its pending requests are dropped (BEP 3), so they all return
     * to the pool. Returns them.
     */
    public List<BlockRequest> peerChoked(P peer) {
        PeerState state = peers.get(peer);
        return state == null ? List.of() : releaseAll(peer, state);
    }

    /**
     * Releases and returns the peer's requests picked at or before {@code pickedAtOrBefore}: they
     * waited too long, and their blocks may go to other peers (send the peer a Cancel for each).
     */
    public List<BlockRequest> expire(P peer, long pickedAtOrBefore) {
        PeerState state = peers.get(peer);
        if (state == null || state.requests.isEmpty()) {
            return List.of();
        }
        List<BlockRequest> expired = new ArrayList<>();
        var it = state.requests.entrySet().iterator();
        while (it.hasNext()) {
            var e = it.next();
            if (e.getValue() > pickedAtOrBefore) {
                break; // oldest first: the rest are younger
            }
            int piece = (int) (e.getKey() >>> 32);
            int block = (int) (long) e.getKey();
            it.remove();
            release(peer, piece, block);
            expired.add(geometry.request(piece, block));
            if (state.timedOut == null) {
                state.timedOut = new LinkedHashSet<>();
            }
            // Not handed back to this peer while another peer has the piece.
            state.timedOut.add(e.getKey());
            if (state.timedOut.size() > TIMED_OUT_REMEMBERED) {
                state.timedOut.remove(state.timedOut.iterator().next());
            }
        }
        return expired;
    }

    // ---- sources of whole pieces ----------------------------------------------------------------

    /**
     * A piece for {@code source}, which fetches pieces whole (a BEP 19 web seed, one HTTP request
     * per piece and file): every block of it not yet received is recorded as requested by the
     * source, and no peer is asked for any of them, not even in endgame, until the source gives
     * the piece back ({@link #wholePieceAbandoned}), leaves ({@link #peerLeft}), or the piece is
     * verified or fails. The source takes what peers are not serving: a piece nobody has started,
     * the rarest first (those no connected peer has come before any a peer could give), ties
     * broken at random; when every missing piece is started, a started piece that nobody has a
     * request out for (its peers left or choked us). The source does not count towards
     * availability. Returns -1 when there is no such piece, or when {@link
     * #setMaxPiecesInProgress twice the cap} on pieces in progress is reached.
     */
    public int pickWholePiece(P source, long nowNanos) {
        if (isFinished()) {
            return -1;
        }
        PeerState state = state(source);
        Progress p = null;
        if (inProgress.size() < hardMaxInProgress()) {
            int piece = uniform && !sequential ? rarity.rarest(x -> true, random) : nextPiece(x -> true);
            if (piece >= 0) {
                p = start(piece);
            }
        }
        if (p == null) {
            for (Integer piece : withFree) {
                Progress q = progress[piece];
                if (!whole.containsKey(piece) && level[piece] > 0 && q.free + q.receivedCount == q.blocks) {
                    p = q;
                    break;
                }
            }
        }
        if (p == null) {
            return -1;
        }
        now = nowNanos;
        for (int block = 0; block < p.blocks; block++) {
            if (!p.received[block] && p.requesters[block] == null) {
                List<P> requesters = new ArrayList<>(1);
                requesters.add(source);
                p.requesters[block] = requesters;
                p.askedAt[block] = now;
                p.free--;
                freeBlocks--;
                requestedBlocks++;
                state.requests.put(key(p.piece, block), now);
            }
        }
        p.firstFree = p.blocks;
        withFree.remove(p.piece);
        whole.put(p.piece, source);
        return p.piece;
    }

    /** Whether {@code piece} is taken whole by a source ({@link #pickWholePiece}). */
    public boolean isTakenWhole(int piece) {
        geometry.checkPiece(piece);
        return whole.containsKey(piece);
    }

    /**
     * {@code source} brought the whole of {@code piece}: every block is received, and the piece
     * awaits its verdict ({@link #pieceVerified} or {@link #pieceFailed}). Returns false, changing
     * nothing, when the piece is not taken by this source any more (it gave it back, left, or
     * the piece was verified meanwhile): then its bytes are not wanted.
     */
    public boolean wholePieceReceived(P source, int piece) {
        geometry.checkPiece(piece);
        if (!source.equals(whole.get(piece))) {
            return false;
        }
        Progress p = progress[piece];
        PeerState state = peers.get(source);
        for (int block = 0; block < p.blocks; block++) {
            if (p.received[block]) {
                continue;
            }
            if (p.requesters[block] != null) {
                state.requests.remove(key(piece, block));
                p.requesters[block] = null;
                requestedBlocks--;
            }
            p.received[block] = true;
            p.receivedCount++;
        }
        return true;
    }

    /**
     * {@code source} could not bring {@code piece} (an HTTP error, a timeout, a pause): its blocks
     * are free again for peers or another source. Returns false when the piece was not the
     * source's.
     */
    public boolean wholePieceAbandoned(P source, int piece) {
        geometry.checkPiece(piece);
        if (!source.equals(whole.get(piece))) {
            return false;
        }
        whole.remove(piece);
        Progress p = progress[piece];
        PeerState state = peers.get(source);
        for (int block = 0; block < p.blocks; block++) {
            if (p.requesters[block] != null && state.requests.remove(key(piece, block)) != null) {
                release(source, piece, block);
            }
        }
        dropOrphans();
        return true;
    }

    /** Pieces {@code source} has taken whole and not yet brought. */
    public int wholePiecesOf(P source) {
        int n = 0;
        for (P owner : whole.values()) {
            if (owner.equals(source)) {
                n++;
            }
        }
        return n;
    }

    private int hardMaxInProgress() {
        return maxInProgress >= Integer.MAX_VALUE / 2 ? Integer.MAX_VALUE : 2 * maxInProgress + 4;
    }

    /** Whether {@code peer} has a request outstanding for the block at {@code begin} of {@code piece}. */
    public boolean isRequested(P peer, int piece, int begin) {
        if (piece < 0 || piece >= geometry.pieceCount() || begin < 0 || begin % PieceGeometry.BLOCK_SIZE != 0
                || begin >= geometry.pieceLength(piece)) {
            return false;
        }
        PeerState state = peers.get(peer);
        return state != null && state.requests.containsKey(key(piece, geometry.blockIndex(piece, begin)));
    }

    /** When the peer's oldest outstanding request was picked, or empty when it has none. */
    public java.util.OptionalLong oldestRequest(P peer) {
        PeerState state = peers.get(peer);
        if (state == null || state.requests.isEmpty()) {
            return java.util.OptionalLong.empty();
        }
        return java.util.OptionalLong.of(state.requests.values().iterator().next());
    }

    /**
     * At most {@code n} pieces in progress at once (at least 1): each holds a whole piece's buffer
     * until it is verified, so this bounds the memory of partial pieces. Blocks of pieces already
     * started are still handed out beyond it.
     */
    public void setMaxPiecesInProgress(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("maxPiecesInProgress " + n + " is less than 1");
        }
        maxInProgress = n;
    }

    /** How many pieces the peer announced (all of them for a seed). */
    public int peerPieceCount(P peer) {
        PeerState state = peers.get(peer);
        if (state == null) {
            return 0;
        }
        return state.seed ? geometry.pieceCount() : state.has == null ? 0 : state.has.cardinality();
    }

    /** Whether the peer announced every piece. */
    public boolean peerIsSeed(P peer) {
        PeerState state = peers.get(peer);
        return state != null && state.seed;
    }

    /** Whether the peer announced {@code piece}. */
    public boolean peerHasPiece(P peer, int piece) {
        geometry.checkPiece(piece);
        PeerState state = peers.get(peer);
        return state != null && (state.seed || state.has != null && state.has.get(piece));
    }

    // ---- internals ----------------------------------------------------------------------------

    private PeerState state(P peer) {
        Objects.requireNonNull(peer, "peer");
        return peers.computeIfAbsent(peer, k -> new PeerState(geometry.pieceCount()));
    }

    private void becomeSeed(PeerState state) {
        if (state.seed) {
            return;
        }
        if (state.has != null) {
            for (int piece = state.has.nextSet(0); piece >= 0; piece = state.has.nextSet(piece + 1)) {
                rarity.decrement(piece);
            }
            state.has = null;
        }
        state.seed = true;
        seeds++;
    }

    private Progress start(int piece) {
        removeCandidate(piece);
        Progress p = new Progress(piece, geometry.blockCount(piece));
        progress[piece] = p;
        inProgress.add(piece);
        withFree.add(piece);
        freeBlocks += p.blocks;
        return p;
    }

    /** Forgets the progress of {@code p}, and every request for its blocks. */
    private void discard(Progress p) {
        for (int block = 0; block < p.blocks; block++) {
            List<P> requesters = p.requesters[block];
            if (requesters != null) {
                long key = key(p.piece, block);
                for (P peer : requesters) {
                    peers.get(peer).requests.remove(key);
                }
                requestedBlocks--;
            }
        }
        freeBlocks -= p.free;
        withFree.remove(p.piece);
        inProgress.remove(p.piece);
        whole.remove(p.piece);
        progress[p.piece] = null;
    }

    private List<BlockRequest> releaseAll(P peer, PeerState state) {
        List<BlockRequest> released = new ArrayList<>(state.requests.size());
        for (long key : state.requests.keySet()) {
            int piece = (int) (key >>> 32);
            int block = (int) key;
            release(peer, piece, block);
            released.add(geometry.request(piece, block));
        }
        state.requests.clear();
        return released;
    }

    /** Removes {@code peer} from the requesters of a block; the caller updates the peer's own set. */
    private void release(P peer, int piece, int block) {
        Progress p = progress[piece];
        List<P> requesters = p.requesters[block];
        requesters.remove(peer);
        if (requesters.isEmpty()) {
            p.requesters[block] = null;
            requestedBlocks--;
            p.free++;
            freeBlocks++;
            p.firstFree = Math.min(p.firstFree, block);
            withFree.add(piece);
        } else {
            p.askedAt[block] = newestRequest(requesters, key(piece, block));
        }
    }


    private void sameSize(Bitfield pieces) {
        if (pieces.size() != geometry.pieceCount()) {
            throw new IllegalArgumentException("bitfield of " + pieces.size() + " pieces for a torrent of "
                    + geometry.pieceCount());
        }
    }

    private static long key(int piece, int block) {
        return ((long) piece << 32) | block;
    }

    /** Checks the invariants of the class comment; for tests, O(pieces + peers x pieces). */
    void checkInvariants() {
        rarity.checkInvariants();
        int free = 0;
        int requested = 0;
        Map<P, Set<Long>> expected = new HashMap<>();
        for (int piece = 0; piece < geometry.pieceCount(); piece++) {
            Progress p = progress[piece];
            int roles = (have.get(piece) ? 1 : 0) + (p != null ? 1 : 0) + (rarity.isCandidate(piece) ? 1 : 0);
            if (roles != 1) {
                throw new AssertionError("piece " + piece + " is had/in progress/candidate in " + roles + " ways");
            }
            if (p == null) {
                continue;
            }
            int pieceFree = 0;
            int received = 0;
            for (int block = 0; block < p.blocks; block++) {
                List<P> requesters = p.requesters[block];
                if (p.received[block]) {
                    received++;
                    if (requesters != null) {
                        throw new AssertionError("received block " + piece + "/" + block + " still requested");
                    }
                } else if (requesters == null) {
                    pieceFree++;
                    if (block < p.firstFree) {
                        throw new AssertionError("free block " + piece + "/" + block + " before hint " + p.firstFree);
                    }
                } else {
                    if (requesters.isEmpty() || Set.copyOf(requesters).size() != requesters.size()) {
                        throw new AssertionError("block " + piece + "/" + block + " requesters " + requesters);
                    }
                    requested++;
                    if (p.askedAt[block] != newestRequest(requesters, key(piece, block))) {
                        throw new AssertionError("block " + piece + "/" + block + " asked at " + p.askedAt[block]
                                + ", its requesters' newest " + newestRequest(requesters, key(piece, block)));
                    }
                    for (P peer : requesters) {
                        expected.computeIfAbsent(peer, k -> new LinkedHashSet<>()).add(key(piece, block));
                    }
                }
            }
            if (pieceFree != p.free || received != p.receivedCount || (pieceFree > 0) != withFree.contains(piece)) {
                throw new AssertionError("piece " + piece + " counts free " + p.free + " received " + p.receivedCount
                        + ", found " + pieceFree + " and " + received);
            }
            free += pieceFree;
        }
        for (Map.Entry<Integer, P> e : whole.entrySet()) {
            Progress p = progress[e.getKey()];
            if (p == null) {
                throw new AssertionError("piece " + e.getKey() + " taken whole is not in progress");
            }
            for (int block = 0; block < p.blocks; block++) {
                if (!p.received[block] && !List.of(e.getValue()).equals(p.requesters[block])) {
                    throw new AssertionError("block " + e.getKey() + "/" + block + " of a piece taken whole by "
                            + e.getValue() + " has requesters " + p.requesters[block]);
                }
            }
        }
        int missing = 0;
        int candidates = 0;
        for (int piece = 0; piece < geometry.pieceCount(); piece++) {
            if (notNeeded.get(piece) != (have.get(piece) || level[piece] == 0)) {
                throw new AssertionError("piece " + piece + " needed " + !notNeeded.get(piece));
            }
            if (level[piece] > 0 && !have.get(piece)) {
                missing++;
                if (rarity.isCandidate(piece)) {
                    candidates++;
                }
            }
        }
        if (missing != wantedMissing || candidates != wantedCandidates) {
            throw new AssertionError("wanted missing " + wantedMissing + " candidates " + wantedCandidates
                    + ", found " + missing + " and " + candidates);
        }
        if (free != freeBlocks || requested != requestedBlocks) {
            throw new AssertionError("free " + freeBlocks + " requested " + requestedBlocks + ", found " + free + " and " + requested);
        }
        int seedCount = 0;
        int[] availability = new int[geometry.pieceCount()];
        for (Map.Entry<P, PeerState> e : peers.entrySet()) {
            PeerState state = e.getValue();
            if (!state.requests.keySet().equals(expected.getOrDefault(e.getKey(), Set.of()))) {
                throw new AssertionError("peer " + e.getKey() + " lists " + state.requests);
            }
            if (state.seed) {
                seedCount++;
            } else if (state.has != null) {
                for (int piece = state.has.nextSet(0); piece >= 0; piece = state.has.nextSet(piece + 1)) {
                    availability[piece]++;
                }
            }
        }
        if (deadlines.size() != byDeadline.size() || !byDeadline.containsAll(deadlines.values())) {
            throw new AssertionError("deadlines " + deadlines + " listed as " + byDeadline);
        }
        for (Integer piece : deadlines.keySet()) {
            if (have.get(piece)) {
                throw new AssertionError("piece " + piece + " is had and has a deadline");
            }
        }
        if (seedCount != seeds) {
            throw new AssertionError(seeds + " seeds counted, " + seedCount + " found");
        }
        for (int piece = 0; piece < availability.length; piece++) {
            if (availability[piece] != rarity.availability(piece)) {
                throw new AssertionError("availability of " + piece + " is " + rarity.availability(piece));
            }
        }
    }

    /** What the picker knows of one peer. */
    private final class PeerState {
        private final int pieceCount;
        /** Pieces announced; null for a seed or before the first announcement. */
        private Bitfield has;
        private boolean seed;
        /** Blocks this peer let time out, not to be asked of it again; null until one does. */
        private Set<Long> timedOut;
        /** Outstanding requests, {@link #key} to the time they were picked, oldest first. */
        private final java.util.LinkedHashMap<Long, Long> requests = new java.util.LinkedHashMap<>();

        private PeerState(int pieceCount) {
            this.pieceCount = pieceCount;
        }

        private Bitfield has() {
            if (has == null) {
                has = new Bitfield(pieceCount);
            }
            return has;
        }
    }

    /** The blocks of a piece in progress. */
    private final class Progress {
        private final int piece;
        private final int blocks;
        private final boolean[] received;
        /** Null when nobody has the block requested. */
        private final List<P>[] requesters;
        /**
         * When a block requested was last asked of one of its requesters (the newest of their
         * request times), kept here so that endgame need not look it up in each requester's map.
         */
        private final long[] askedAt;
        private int free;
        private int receivedCount;
        /** No free block lies before this index. */
        private int firstFree;

        @SuppressWarnings("unchecked")
        private Progress(int piece, int blocks) {
            this.piece = piece;
            this.blocks = blocks;
            this.received = new boolean[blocks];
            this.requesters = (List<P>[]) new List<?>[blocks];
            this.askedAt = new long[blocks];
            this.free = blocks;
        }
    }
}
