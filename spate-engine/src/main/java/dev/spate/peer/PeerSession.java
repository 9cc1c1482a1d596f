package dev.spate.peer;

import dev.spate.core.Bitfield;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What we know of one connected peer and what we asked of it: the four choke and interest flags
 * (BEP 3), its pieces, the blocks we requested and when, the request pipeline, rates and
 * timestamps.
 *
 * <p>Not thread-safe: owned by its torrent's loop thread. The connection's reader thread only posts
 * messages to that loop.
 */
public final class PeerSession {
    /** A block we asked for. */
    public record Outstanding(int piece, int begin, int length, long sentNanos) {
    }

    private final PeerConnection connection;
    private final Bitfield has;
    private final RequestPipeline pipeline = new RequestPipeline();
    private final RateMeter download = new RateMeter(5);
    private final RateMeter upload = new RateMeter(5);
    /** Keyed by {@link #key}; insertion order is age order, oldest first. */
    private final LinkedHashMap<Long, Outstanding> outstanding = new LinkedHashMap<>();
    /** Blocks the peer asked of us that we are reading or sending, by {@link #key}. */
    private final java.util.HashMap<Long, OutgoingBlock> serving = new java.util.HashMap<>();
    private final long connectedAtNanos;
    private boolean amChoking = true;
    private int requestsWhileChoked;
    private boolean amInterested;
    private boolean peerChoking = true;
    private boolean peerInterested;
    private boolean sawAvailability;
    private boolean hasAll;
    private long lastReceiveNanos;
    private long lastBlockNanos;
    private String client;
    private int hashFailures;

    public PeerSession(PeerConnection connection, int pieceCount, long nowNanos) {
        this.connection = connection;
        this.has = new Bitfield(pieceCount);
        this.lastReceiveNanos = nowNanos;
        this.lastBlockNanos = nowNanos;
        this.connectedAtNanos = nowNanos;
        this.client = ClientNames.fromPeerId(connection.theirHandshake().peerId().bytes());
    }

    /** Identifies a block by piece and offset. */
    public static long key(int piece, int begin) {
        return ((long) piece << 32) | (begin & 0xffffffffL);
    }

    public PeerConnection connection() {
        return connection;
    }

    public Bitfield has() {
        return has;
    }

    public RequestPipeline pipeline() {
        return pipeline;
    }

    public RateMeter download() {
        return download;
    }

    public RateMeter upload() {
        return upload;
    }

    public boolean amChoking() {
        return amChoking;
    }

    public void amChoking(boolean v) {
        amChoking = v;
        if (!v) {
            requestsWhileChoked = 0;
        }
    }

    public boolean amInterested() {
        return amInterested;
    }

    public void amInterested(boolean v) {
        amInterested = v;
    }

    public boolean peerChoking() {
        return peerChoking;
    }

    public void peerChoking(boolean v) {
        peerChoking = v;
    }

    public boolean peerInterested() {
        return peerInterested;
    }

    public void peerInterested(boolean v) {
        peerInterested = v;
    }

    /**
     * Records a message announcing the peer's pieces (bitfield, have-all, have-none or have) and
     * returns whether it is the first such message. BEP 3 wants a bitfield "only as the first
     * message", but BEP 10 has the extension handshake sent right after the BitTorrent handshake,
     * and real clients do: libtorrent 2.0 sends its extended handshake before have-all, Transmission
     * before its bitfield. So a bitfield, have-all or have-none is accepted once, whatever came
     * before it, as long as no other message has announced pieces yet (a have, or a second bitfield,
     * is still a violation).
     */
    public boolean firstAvailability() {
        boolean first = !sawAvailability;
        sawAvailability = true;
        return first;
    }

    /** BEP 6 have-all: the peer is a seed. */
    public void setHasAll() {
        hasAll = true;
        has.setAll();
    }

    public boolean hasAll() {
        return hasAll || has.isComplete();
    }

    public String client() {
        return client;
    }

    public void client(String name) {
        if (name != null && !name.isBlank()) {
            client = name.length() > 64 ? name.substring(0, 64) : name;
        }
    }

    public void received(long nowNanos) {
        lastReceiveNanos = nowNanos;
    }

    public long lastReceiveNanos() {
        return lastReceiveNanos;
    }

    public long lastBlockNanos() {
        return lastBlockNanos;
    }

    public int hashFailures() {
        return hashFailures;
    }

    public int chargeHashFailure() {
        return ++hashFailures;
    }

    /** Records a request we sent. */
    public void requested(int piece, int begin, int length, long nowNanos) {
        outstanding.put(key(piece, begin), new Outstanding(piece, begin, length, nowNanos));
    }

    /**
     * A block arrived: whether we had asked for exactly it (a block we did not ask for, or have
     * cancelled, is wasted but not an offence, as a cancel may cross the block on the wire).
     */
    public boolean blockArrived(int piece, int begin, int length, long nowNanos) {
        Outstanding o = outstanding.get(key(piece, begin));
        if (o == null || o.length() != length) {
            return false;
        }
        outstanding.remove(key(piece, begin));
        lastBlockNanos = nowNanos;
        download.add(length);
        pipeline.blockReceived();
        return true;
    }

    /** Forgets a request (cancelled, rejected, or given up). Returns whether it was outstanding. */
    public boolean forget(int piece, int begin) {
        return outstanding.remove(key(piece, begin)) != null;
    }

    /** Forgets every request and returns them. */
    public List<Outstanding> forgetAll() {
        List<Outstanding> all = new ArrayList<>(outstanding.values());
        outstanding.clear();
        return all;
    }

    /** Removes and returns the requests older than {@code timeoutNanos}. */
    public List<Outstanding> expire(long nowNanos, long timeoutNanos) {
        List<Outstanding> expired = new ArrayList<>();
        Iterator<Map.Entry<Long, Outstanding>> it = outstanding.entrySet().iterator();
        while (it.hasNext()) {
            Outstanding o = it.next().getValue();
            if (nowNanos - o.sentNanos() < timeoutNanos) {
                break; // age order: the rest are younger
            }
            expired.add(o);
            it.remove();
        }
        return expired;
    }

    public int outstandingCount() {
        return outstanding.size();
    }

    /** How many more blocks to ask for now. */
    public int requestSlots() {
        return Math.max(0, pipeline.target() - outstanding.size());
    }

    /**
     * The peer asked for a block we will serve, queued as {@code block}; false if it already asked
     * for the same one (then {@code block} is not to be sent).
     */
    public boolean startServing(OutgoingBlock block) {
        return serving.putIfAbsent(key(block.piece(), block.begin()), block) == null;
    }

    /** A block went out: it no longer counts as waiting. Returns whether it still did. */
    public boolean finishServing(int piece, int begin) {
        return serving.remove(key(piece, begin)) != null;
    }

    /**
     * The peer cancelled a request (BEP 3 cancel): withdraws the block unless it is already on
     * its way; returns whether it was withdrawn.
     */
    public boolean cancelServing(int piece, int begin) {
        OutgoingBlock b = serving.remove(key(piece, begin));
        return b != null && b.cancel();
    }

    /**
     * Withdraws every block not yet on its way (we choked the peer) and returns them, so that with
     * the fast extension each can be rejected (BEP 6). A block the writer already took is sent,
     * before the choke, and is not rejected.
     */
    public List<dev.spate.wire.Message.Reject> stopServing() {
        List<dev.spate.wire.Message.Reject> dropped = new ArrayList<>(serving.size());
        for (OutgoingBlock b : serving.values()) {
            if (b.cancel()) {
                dropped.add(new dev.spate.wire.Message.Reject(b.piece(), b.begin(), b.length()));
            }
        }
        serving.clear();
        return dropped;
    }

    /** When the connection was made, in {@link System#nanoTime()} terms. */
    public long connectedAtNanos() {
        return connectedAtNanos;
    }

    /**
     * Counts a request the peer sent while we choke it and returns how many it has sent since we
     * last unchoked it. A few cross our choke on the wire; hundreds are a flood.
     */
    public int requestWhileChoked() {
        return ++requestsWhileChoked;
    }

    /** Requests of the peer we have accepted and not yet sent. */
    public int servingCount() {
        return serving.size();
    }

    /** Once a second: rates and the pipeline. */
    public void tick() {
        download.tick();
        upload.tick();
        pipeline.tick(download.lastSecond(), download.rate());
    }
}
