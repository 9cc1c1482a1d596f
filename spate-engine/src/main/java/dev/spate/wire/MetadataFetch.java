package dev.spate.wire;

import dev.spate.core.InfoHash;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Fetches a torrent's info dictionary from peers by BEP 9, for a magnet link: which piece to ask of
 * which peer, what to make of their answers, and the SHA-1 check of the whole against the
 * info-hash. A plain state machine: no sockets, no threads, no clock; every call that needs the
 * time takes {@code now}, nanoseconds of the caller's {@link dev.spate.core.Clock}. The caller
 * sends the {@link Ask}s it returns and hands back the {@link MetadataMessage}s that come in.
 *
 * <p>Peers lie, so nothing one peer says decides anything alone:
 * <ul>
 *   <li><b>Sizes are votes.</b> Each peer claims a size, by {@code metadata_size} in its
 *       handshake or, without one, by the {@code total_size} of its answer to a first request for
 *       piece 0. A claim above the limit ({@link Config#maxSize}, 32 MiB by default) makes the
 *       peer one we never ask. The fetch collects the pieces of one size, the <em>target</em>: the
 *       size most peers not penalized claim, kept while any of them still claims it and pieces of
 *       it have arrived. A lone liar's size is dropped as soon as its pieces fail the hash, and
 *       honest peers outvote it from the start.
 *   <li><b>Every answer is checked against the question.</b> Data or a reject for a piece not
 *       asked of that peer is ignored; a {@code total_size} that differs from the peer's own claim,
 *       a reject, or no answer within {@link Config#requestTimeout} penalizes the peer.
 *   <li><b>A failed hash is attributed.</b> Pieces from one peer that fail the hash penalize it.
 *       Pieces from several switch to fetching the whole from one contributor at a time, the one
 *       that gave most first; whichever one's own pieces fail is penalized, and the next is tried.
 *       Once the metadata verifies, every peer that sent a piece differing from it (a SHA-1 of
 *       each piece received is kept per peer) is penalized too, so a liar is caught even when an
 *       honest peer's pieces verified first.
 *   <li><b>A penalty is time off.</b> A penalized peer is asked nothing until its penalty ends:
 *       {@link Config#penalty} for the first offence, doubling with each further one up to
 *       {@link Config#maxPenalty}. What the caller does besides (disconnecting, banning) is its own.
 * </ul>
 *
 * <p>Requests: at most {@link Config#requestsPerPeer} outstanding per peer, at most one per piece
 * per peer; a piece no peer has been asked for goes first, the lowest index first; when every
 * missing piece is asked for somewhere, a second peer may be asked for one too (so one slow peer
 * cannot stall the end), never a third.
 *
 * <p>Memory: the pieces of the target only (at most {@link Config#maxSize} bytes, allocated as
 * they arrive), and 20 bytes per piece per peer that sent it. Verifying hashes the whole metadata
 * once per complete candidate, 20 ms for 32 MiB.
 *
 * <p>Not thread-safe: owned by the torrent's loop, like the picker.
 *
 * @param <P> the caller's handle for a peer connection, with equals and hashCode by identity or
 *     address (it is a map key)
 */
public final class MetadataFetch<P> {

    /**
     * Limits and times of a fetch.
     *
     * @param maxSize the largest metadata accepted, in bytes
     * @param requestTimeout how long a request may go unanswered before its peer is penalized
     * @param penalty the time off for a peer's first offence
     * @param maxPenalty the longest time off, however many offences
     * @param requestsPerPeer the most requests outstanding at one peer
     */
    public record Config(long maxSize, Duration requestTimeout, Duration penalty, Duration maxPenalty,
            int requestsPerPeer) {
        /** 32 MiB, 20 s, 1 min doubling to 30 min, 4 requests per peer. */
        public static final Config DEFAULTS = new Config(MetadataMessage.DEFAULT_MAX_SIZE, Duration.ofSeconds(20),
                Duration.ofMinutes(1), Duration.ofMinutes(30), 4);

        public Config {
            if (maxSize < 1 || maxSize > Integer.MAX_VALUE - 8) {
                throw new IllegalArgumentException("max metadata size " + maxSize + " outside [1, 2 GiB)");
            }
            if (requestTimeout.isNegative() || requestTimeout.isZero()) {
                throw new IllegalArgumentException("request timeout " + requestTimeout + " is not positive");
            }
            if (penalty.isNegative() || penalty.isZero() || maxPenalty.compareTo(penalty) < 0) {
                throw new IllegalArgumentException("penalty " + penalty + " up to " + maxPenalty);
            }
            if (requestsPerPeer < 1) {
                throw new IllegalArgumentException("requests per peer " + requestsPerPeer + " is not positive");
            }
        }

        /** These settings with another size limit. */
        public Config withMaxSize(long bytes) {
            return new Config(bytes, requestTimeout, penalty, maxPenalty, requestsPerPeer);
        }
    }

    /**
     * A request to send: {@code request.toMessage(peer's ut_metadata id)} to {@code peer}.
     *
     * @param <P> the caller's peer handle
     * @param peer whom to ask
     * @param request what to ask for
     */
    public record Ask<P>(P peer, MetadataMessage.Request request) {
    }

    /**
     * A peer the fetch will not ask again before {@code untilNanos}, and why.
     *
     * @param <P> the caller's peer handle
     * @param peer the peer penalized
     * @param reason why, one line, for a log
     * @param untilNanos on the caller's clock
     */
    public record Penalty<P>(P peer, String reason, long untilNanos) {
    }

    /**
     * What an answer led to.
     *
     * @param <P> the caller's peer handle
     * @param metadata the verified info dictionary, present in the one outcome that completed the fetch
     * @param penalties the peers penalized by it, with reasons (the sender, or the contributors of
     *     pieces that failed or differed)
     */
    public record Outcome<P>(Optional<byte[]> metadata, List<Penalty<P>> penalties) {
        public Outcome {
            penalties = List.copyOf(penalties);
        }
    }

    /**
     * How far the fetch is.
     *
     * @param size the target size, once a peer claimed one
     * @param pieces pieces of the target (0 before it is known)
     * @param have pieces of the target held
     */
    public record Progress(OptionalLong size, int pieces, int have) {
    }

    private static final long UNKNOWN = -1;
    /** A piece is asked of at most this many peers at once. */
    private static final int MAX_ASKED = 2;

    private final byte[] infoHash;
    private final Config config;
    private final Map<P, PeerState> peers = new LinkedHashMap<>();
    private long target = UNKNOWN;
    private byte[][] pieces = new byte[0][];
    private Object[] sources = new Object[0];
    private int have;
    /** In attribution after a failed hash: the one peer whose pieces are collected, or null. */
    private P solo;
    private final ArrayDeque<P> soloQueue = new ArrayDeque<>();
    private byte[] metadata;

    /** A fetch of the info dictionary whose SHA-1 is {@code infoHash}. */
    public MetadataFetch(InfoHash infoHash, Config config) {
        this.infoHash = infoHash.bytes();
        this.config = Objects.requireNonNull(config, "config");
    }

    /** A fetch with the {@linkplain Config#DEFAULTS default} settings. */
    public MetadataFetch(InfoHash infoHash) {
        this(infoHash, Config.DEFAULTS);
    }

    /**
     * A peer that announced {@code ut_metadata}, with the {@code metadata_size} of its extended
     * handshake; again when it sends a new handshake.
     *
     * @return why the peer will never be asked (a size above the limit), or empty
     */
    public Optional<String> addPeer(P peer, OptionalLong metadataSize) {
        PeerState s = peers.computeIfAbsent(Objects.requireNonNull(peer, "peer"), k -> new PeerState());
        if (metadataSize.isPresent() && metadataSize.getAsLong() > 0) {
            long size = metadataSize.getAsLong();
            if (size > config.maxSize) {
                s.tooLarge = true;
                s.claimed = UNKNOWN;
                s.outstanding.clear();
                return Optional.of("metadata_size " + size + " exceeds the limit of " + config.maxSize + " bytes");
            }
            s.tooLarge = false;
            if (s.claimed != size) {
                // A new claim: answers to what was asked under the old one would contradict it.
                s.outstanding.clear();
                s.digests.clear();
            }
            s.claimed = size;
        }
        return Optional.empty();
    }

    /** A peer that disconnected or switched {@code ut_metadata} off; its requests are forgotten. */
    public void removePeer(P peer) {
        if (peers.remove(peer) != null && peer.equals(solo)) {
            nextSolo();
        }
    }

    /**
     * The requests to send now, to any peers; each is then outstanding until answered or timed
     * out. Call after every change (a peer added, an answer, {@link #expire}); it returns nothing
     * once done.
     */
    public List<Ask<P>> requests(long now) {
        if (metadata != null) {
            return List.of();
        }
        chooseTarget(now);
        int[] asked = askedCounts();
        List<Ask<P>> asks = new ArrayList<>();
        for (Map.Entry<P, PeerState> e : peers.entrySet()) {
            P peer = e.getKey();
            PeerState s = e.getValue();
            if (!usable(s, now)) {
                continue;
            }
            if (s.claimed == UNKNOWN) {
                // Without metadata_size, the answer to piece 0 tells the peer's size (libtorrent does so too).
                if (!s.probed && s.outstanding.isEmpty()) {
                    s.probed = true;
                    s.outstanding.put(0, now);
                    asks.add(new Ask<>(peer, new MetadataMessage.Request(0)));
                }
                continue;
            }
            if (s.claimed != target || solo != null && !solo.equals(peer)) {
                continue;
            }
            while (s.outstanding.size() < config.requestsPerPeer) {
                int piece = pick(s, asked);
                if (piece < 0) {
                    break;
                }
                s.outstanding.put(piece, now);
                asked[piece]++;
                asks.add(new Ask<>(peer, new MetadataMessage.Request(piece)));
            }
        }
        return asks;
    }

    /**
     * An answer from {@code peer}: a data or reject message (a request is the serving side's, see
     * {@link MetadataMessage#answer}, and is ignored here).
     */
    public Outcome<P> receive(P peer, MetadataMessage message, long now) {
        PeerState s = peers.get(peer);
        List<Penalty<P>> penalties = new ArrayList<>();
        if (s == null || metadata != null) {
            return new Outcome<>(Optional.empty(), penalties);
        }
        boolean completed = false;
        switch (message) {
            case MetadataMessage.Request r -> {
                // Not an answer.
            }
            case MetadataMessage.Reject r -> {
                if (s.outstanding.remove(r.piece()) != null) {
                    penalties.add(penalize(peer, s, "rejected metadata piece " + r.piece(), now));
                }
            }
            case MetadataMessage.Data d -> completed = data(peer, s, d, now, penalties);
        }
        return new Outcome<>(completed ? Optional.of(metadata.clone()) : Optional.empty(), penalties);
    }

    /** Penalizes every peer with a request unanswered for {@link Config#requestTimeout}. Call on each tick. */
    public List<Penalty<P>> expire(long now) {
        List<Penalty<P>> penalties = new ArrayList<>();
        if (metadata != null) {
            return penalties;
        }
        long timeout = config.requestTimeout.toNanos();
        for (Map.Entry<P, PeerState> e : new ArrayList<>(peers.entrySet())) {
            PeerState s = e.getValue();
            for (Map.Entry<Integer, Long> request : s.outstanding.entrySet()) {
                if (now - request.getValue() >= timeout) {
                    penalties.add(penalize(e.getKey(), s, "no answer to a request for metadata piece " + request.getKey()
                            + " in " + config.requestTimeout.toSeconds() + " s", now));
                    break;
                }
            }
        }
        return penalties;
    }

    /** Whether the metadata has been fetched and verified. */
    public boolean done() {
        return metadata != null;
    }

    /** The verified info dictionary, once {@link #done}. */
    public Optional<byte[]> metadata() {
        return metadata == null ? Optional.empty() : Optional.of(metadata.clone());
    }

    /** How far the fetch is. */
    public Progress progress() {
        if (metadata != null) {
            return new Progress(OptionalLong.of(metadata.length), pieces.length, pieces.length);
        }
        return new Progress(target == UNKNOWN ? OptionalLong.empty() : OptionalLong.of(target), pieces.length, have);
    }

    /** Whether {@code peer} is serving a penalty at {@code now}. */
    public boolean isPenalized(P peer, long now) {
        PeerState s = peers.get(peer);
        return s != null && penalized(s, now);
    }

    // ---- inside ----

    /** What the fetch knows of one peer. */
    private static final class PeerState {
        long claimed = UNKNOWN;
        boolean tooLarge;
        /** Asked for piece 0 to learn its size. */
        boolean probed;
        int offences;
        boolean penalized;
        long penalizedUntil;
        /** Piece to the time it was asked for, oldest first. */
        final Map<Integer, Long> outstanding = new LinkedHashMap<>();
        /** SHA-1 of each piece of the target this peer sent. */
        final Map<Integer, byte[]> digests = new HashMap<>();
    }

    private boolean data(P peer, PeerState s, MetadataMessage.Data d, long now, List<Penalty<P>> penalties) {
        if (s.outstanding.remove(d.piece()) == null) {
            return false; // not asked of this peer: BEP 9 has an answer carry the piece asked for
        }
        if (d.totalSize() > config.maxSize) {
            s.tooLarge = true;
            penalties.add(penalize(peer, s, "total_size " + d.totalSize() + " exceeds the limit of " + config.maxSize
                    + " bytes", now));
            return false;
        }
        if (s.claimed == UNKNOWN) {
            s.claimed = d.totalSize();
        } else if (s.claimed != d.totalSize()) {
            penalties.add(penalize(peer, s, "sent total_size " + d.totalSize() + " after claiming " + s.claimed, now));
            return false;
        }
        chooseTarget(now);
        if (d.totalSize() != target) {
            return false; // a piece of another candidate size: not collected now
        }
        s.digests.put(d.piece(), sha1(d.bytes(), 0, d.bytes().length));
        if (pieces[d.piece()] == null && (solo == null || solo.equals(peer))) {
            pieces[d.piece()] = d.bytes();
            sources[d.piece()] = peer;
            have++;
        }
        return have == pieces.length && verify(now, penalties);
    }

    /** Checks the complete candidate; true if it is the metadata. */
    private boolean verify(long now, List<Penalty<P>> penalties) {
        byte[] all = new byte[(int) target];
        for (int i = 0; i < pieces.length; i++) {
            System.arraycopy(pieces[i], 0, all, i * MetadataMessage.PIECE_LENGTH, pieces[i].length);
        }
        if (Arrays.equals(sha1(all, 0, all.length), infoHash)) {
            metadata = all;
            catchLiars(now, penalties);
            peers.values().forEach(s -> s.outstanding.clear());
            return true;
        }
        String reason = "metadata of " + target + " bytes with its pieces fails the info-hash";
        if (solo != null) {
            P guilty = solo;
            penalties.add(penalize(guilty, peers.get(guilty), reason, now)); // moves on to the next contributor
            return false;
        }
        Map<P, Integer> contributed = new LinkedHashMap<>();
        for (Object source : sources) {
            @SuppressWarnings("unchecked")
            P p = (P) source;
            contributed.merge(p, 1, Integer::sum);
        }
        if (contributed.size() == 1) {
            P guilty = contributed.keySet().iterator().next();
            clearPieces();
            PeerState s = peers.get(guilty);
            if (s != null) {
                penalties.add(penalize(guilty, s, reason, now));
            }
            return false;
        }
        // Several contributors: one of them at least lied, and the pieces do not say which. Collect
        // the whole from each in turn, keeping what it already gave.
        contributed.entrySet().stream()
                .sorted(Map.Entry.<P, Integer>comparingByValue(Comparator.reverseOrder()))
                .forEach(e -> soloQueue.add(e.getKey()));
        nextSolo();
        return false;
    }

    /** After success: penalizes each peer that sent a piece differing from the verified metadata. */
    private void catchLiars(long now, List<Penalty<P>> penalties) {
        for (Map.Entry<P, PeerState> e : peers.entrySet()) {
            PeerState s = e.getValue();
            for (Map.Entry<Integer, byte[]> d : s.digests.entrySet()) {
                int piece = d.getKey();
                int from = piece * MetadataMessage.PIECE_LENGTH;
                byte[] good = sha1(metadata, from, MetadataMessage.pieceLength(metadata.length, piece));
                if (!Arrays.equals(good, d.getValue())) {
                    if (!penalized(s, now)) {
                        penalties.add(penalize(e.getKey(), s, "sent metadata piece " + piece
                                + " that differs from the verified metadata", now));
                    }
                    break;
                }
            }
        }
    }

    private Penalty<P> penalize(P peer, PeerState s, String reason, long now) {
        s.offences++;
        long base = config.penalty.toNanos();
        long max = config.maxPenalty.toNanos();
        long time = base;
        for (int i = 1; i < s.offences && time < max; i++) {
            time = time > max / 2 ? max : time * 2;
        }
        time = Math.min(time, max);
        s.penalized = true;
        s.penalizedUntil = now + time;
        s.outstanding.clear();
        s.probed = false;
        if (peer.equals(solo)) {
            nextSolo();
        }
        return new Penalty<>(peer, reason, s.penalizedUntil);
    }

    /** The next contributor to collect from alone, keeping only its pieces; none when all were tried. */
    private void nextSolo() {
        solo = null;
        while (!soloQueue.isEmpty()) {
            P next = soloQueue.poll();
            if (peers.containsKey(next)) {
                solo = next;
                break;
            }
        }
        for (int i = 0; i < pieces.length; i++) {
            if (pieces[i] != null && !Objects.equals(sources[i], solo)) {
                pieces[i] = null;
                sources[i] = null;
                have--;
            }
        }
    }

    private void clearPieces() {
        Arrays.fill(pieces, null);
        Arrays.fill(sources, null);
        have = 0;
    }

    /**
     * Keeps the target while a usable peer claims it and pieces of it came in (or attribution is
     * under way); otherwise takes the size most usable peers claim, the current one on a tie.
     */
    private void chooseTarget(long now) {
        Map<Long, Integer> votes = new LinkedHashMap<>();
        for (PeerState s : peers.values()) {
            if (usable(s, now) && s.claimed != UNKNOWN) {
                votes.merge(s.claimed, 1, Integer::sum);
            }
        }
        int current = target == UNKNOWN ? 0 : votes.getOrDefault(target, 0);
        if (current > 0 && (have > 0 || solo != null)) {
            return;
        }
        long best = UNKNOWN;
        int bestVotes = current;
        for (Map.Entry<Long, Integer> v : votes.entrySet()) {
            if (v.getValue() > bestVotes) {
                best = v.getKey();
                bestVotes = v.getValue();
            }
        }
        if (best != UNKNOWN && best != target) {
            target = best;
            int count = MetadataMessage.pieceCount(best);
            pieces = new byte[count][];
            sources = new Object[count];
            have = 0;
            solo = null;
            soloQueue.clear();
            peers.values().forEach(s -> s.digests.clear());
        }
    }

    /** How many peers each piece of the target is asked of now; in attribution only the solo peer counts. */
    private int[] askedCounts() {
        int[] asked = new int[pieces.length];
        for (Map.Entry<P, PeerState> e : peers.entrySet()) {
            PeerState s = e.getValue();
            if (s.claimed != target || solo != null && !solo.equals(e.getKey())) {
                continue;
            }
            for (int piece : s.outstanding.keySet()) {
                if (piece < asked.length) {
                    asked[piece]++;
                }
            }
        }
        return asked;
    }

    /** The piece to ask {@code s} for next, or -1. */
    private int pick(PeerState s, int[] asked) {
        int best = -1;
        for (int i = 0; i < pieces.length; i++) {
            if (pieces[i] != null || s.outstanding.containsKey(i)) {
                continue;
            }
            if (asked[i] == 0) {
                return i;
            }
            if (asked[i] < MAX_ASKED && (best < 0 || asked[i] < asked[best])) {
                best = i;
            }
        }
        return best;
    }

    private boolean usable(PeerState s, long now) {
        return !s.tooLarge && !penalized(s, now);
    }

    private static boolean penalized(PeerState s, long now) {
        if (s.penalized && now - s.penalizedUntil >= 0) {
            s.penalized = false;
        }
        return s.penalized;
    }

    private static byte[] sha1(byte[] bytes, int offset, int length) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-1");
            md.update(bytes, offset, length);
            return md.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-1", e);
        }
    }
}
