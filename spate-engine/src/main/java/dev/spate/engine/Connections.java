package dev.spate.engine;

import dev.spate.core.Clock;
import dev.spate.core.InfoHash;
import dev.spate.core.PeerAddress;
import dev.spate.core.PeerId;
import dev.spate.peer.EarlyMessages;
import dev.spate.peer.PeerConnection;
import dev.spate.peer.PeerLink;
import dev.spate.peer.PeerSession;
import dev.spate.wire.Message;
import dev.spate.wire.MessageDecoder;
import dev.spate.wire.TorrentGeometry;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A torrent's connections: the peer table, the candidates to dial with their back-off, dials
 * under way, incoming connections, refusals (another torrent, ourselves, a duplicate, banned, the
 * torrent full or stopped) and bans.
 *
 * <p>Slots: a session connection slot is taken before every dial and every accepted connection
 * (a connection carried over from a magnet's metadata phase brings the one taken for it), and
 * given back exactly once, whichever way the connection ends: refused, failed, closed, or left
 * over when the torrent stops (the {@link #live} map is the one record, and only the remover of
 * an entry releases its slot).
 *
 * <p>Threads: owned by the torrent's loop, except {@link #live}, which readers consult for
 * credit and which {@link #release} may empty from any thread once the loop is gone.
 */
final class Connections {
    /**
     * Small messages a peer may have waiting on the loop before its reader stops reading (a block
     * weighs {@link Inbox#BLOCK_WEIGHT}).
     */
    static final int CREDITS = 512;

    /** What the connection manager needs of its torrent. */
    interface Host {
        /** Whether peers may be connected now (downloading or seeding). */
        boolean active();

        /** Makes the protocol state machine of a new peer and starts its conversation. */
        PeerSession open(PeerLink link);

        /**
         * As {@link #open}, for a connection carried over from the metadata phase, which has had
         * an extended handshake of ours already.
         */
        PeerSession openCarried(PeerLink link);

        /** The peer's link closed; its session is gone from the table. */
        void left(PeerSession peer, String reason);

        /** Posts to the loop; false once the torrent's loop is gone. */
        boolean post(Runnable task);

        PeerConnection.Listener linkListener();
    }

    private final TorrentContext context;
    private final InfoHash hash;
    private final TorrentGeometry geometry;
    private final Host host;
    private final Consumer<Event> events;
    private final Clock clock;
    private final Map<PeerLink, PeerSession> peers = new LinkedHashMap<>();
    /** Attached links and their reader credit; see the class comment. */
    private final Map<PeerLink, Semaphore> live = new ConcurrentHashMap<>();
    private final Set<InetSocketAddress> connecting = new HashSet<>();
    private final Candidates candidates = new Candidates();
    private final Set<String> banned = new HashSet<>();
    /** This torrent's rate limits; thread-safe, read by the links' threads. */
    private final dev.spate.peer.TokenBucket downloadLimit;
    private final dev.spate.peer.TokenBucket uploadLimit;
    private final PeerConnection.Limits limits;

    Connections(TorrentContext context, InfoHash hash, TorrentGeometry geometry, Host host) {
        this.context = context;
        this.hash = hash;
        this.geometry = geometry;
        this.host = host;
        this.events = context.events();
        this.clock = context.clock();
        this.downloadLimit = new dev.spate.peer.TokenBucket(0, clock);
        this.uploadLimit = new dev.spate.peer.TokenBucket(0, clock);
        // Every link obeys its torrent's limits and its session's.
        this.limits = new PeerConnection.Limits(List.of(downloadLimit, context.downloadLimit()),
                List.of(uploadLimit, context.uploadLimit()));
    }

    /** Payload bytes per second this torrent's links may receive and send, 0 for no limit. Any thread. */
    void setRateLimits(long downloadBytesPerSecond, long uploadBytesPerSecond) {
        downloadLimit.setRate(downloadBytesPerSecond);
        uploadLimit.setRate(uploadBytesPerSecond);
    }

    /** The download limits every byte of this torrent obeys, its own and its session's. */
    List<dev.spate.peer.TokenBucket> downloadLimits() {
        return limits.download();
    }

    Collection<PeerSession> peers() {
        return peers.values();
    }

    /** A copy, for loops that may disconnect. */
    List<PeerSession> snapshot() {
        return new ArrayList<>(peers.values());
    }

    int count() {
        return peers.size();
    }

    PeerSession session(PeerLink link) {
        return peers.get(link);
    }

    /** The reader credit of an attached link; null once it is gone. Any thread. */
    Semaphore credit(PeerLink link) {
        return live.get(link);
    }

    int candidateCount() {
        return candidates.size();
    }

    // ---- dialling ----

    /** The peer at {@code address} prefers encryption: the connector dials it with MSE. */
    void prefersEncryption(InetSocketAddress address) {
        context.connector().prefersEncryption(PeerAddress.canonical(address));
    }

    /**
     * Adds an address to dial (ignored when banned, connected, or ourselves). Every source of peers
     * (trackers, DHT, LSD, {@link Torrent#connect}) ends here or in {@link #addFromPex}, where a
     * v4-mapped address becomes plain IPv4 so that one host is one candidate.
     */
    void add(InetSocketAddress given) {
        InetSocketAddress address = PeerAddress.canonical(given);
        if (isBanned(address) || isOurselves(address) || !reachable(context, address) || isConnectedTo(address)
                || connecting.contains(address)) {
            return;
        }
        candidates.add(address);
    }

    /** Adds an address a peer told us of by PEX (BEP 11); ignored as {@link #add} ignores one. */
    void addFromPex(InetSocketAddress given) {
        InetSocketAddress address = PeerAddress.canonical(given);
        if (isBanned(address) || isOurselves(address) || !reachable(context, address) || isConnectedTo(address)
                || connecting.contains(address)) {
            return;
        }
        candidates.addFromPex(address);
    }

    /** PEX dropped an address: no longer a candidate unless known from elsewhere or being dialled. */
    void droppedByPex(InetSocketAddress given) {
        InetSocketAddress address = PeerAddress.canonical(given);
        if (!connecting.contains(address)) {
            candidates.forgetPex(address);
        }
    }

    /**
     * Dials the candidates that are due while there is room. Seeds dial too, as libtorrent does: a
     * leecher that announced before we did may never learn of us otherwise.
     */
    void dial() {
        if (!host.active()) {
            return;
        }
        long now = clock.nanoTime();
        int room = context.config().maxPeersPerTorrent() - peers.size() - connecting.size();
        if (room <= 0) {
            return;
        }
        for (InetSocketAddress address : candidates.due(now, room)) {
            if (isBanned(address) || isConnectedTo(address) || connecting.contains(address)) {
                candidates.forget(address);
                continue;
            }
            if (!context.slots().reserve()) {
                return; // the session is full; they stay due
            }
            candidates.dialling(address, now);
            connecting.add(address);
            Thread.ofVirtual().name("dial " + dev.spate.core.PeerAddress.format(address)).start(() -> {
                try {
                    dialOne(address);
                } catch (Error e) {
                    context.fatal().accept(e);
                }
            });
        }
    }

    private void dialOne(InetSocketAddress address) {
        PeerLink link;
        try {
            link = context.connector().dial(address, hash, geometry, host.linkListener(), limits);
        } catch (Exception e) {
            context.slots().release();
            String reason = "connect failed: " + Messages.message(e);
            host.post(() -> {
                connecting.remove(address);
                candidates.failed(address, clock.nanoTime());
                events.accept(new Event.PeerDisconnected(hash, address, reason));
            });
            return;
        }
        if (!host.post(() -> {
            connecting.remove(address);
            attach(link);
        })) {
            link.close("torrent stopped");
            context.slots().release();
        }
    }

    /**
     * An incoming connection whose handshake named this torrent; on its own thread. Our handshake
     * goes back here, off the loop, and the torrent decides on its loop.
     */
    void incoming(PeerConnection.Handshaken h) {
        if (!context.slots().reserve()) {
            closeQuietly(h);
            return;
        }
        PeerLink link;
        try {
            link = context.connector().accept(h, geometry, host.linkListener(), limits);
        } catch (IOException e) {
            context.slots().release();
            closeQuietly(h);
            return;
        }
        if (!host.post(() -> attach(link))) {
            link.close("torrent stopped");
            context.slots().release();
        }
    }

    /**
     * Makes a handshaken link a peer of this torrent, or refuses it. The caller holds a slot for
     * it, which is released here on refusal and on close otherwise.
     */
    void attach(PeerLink link) {
        String refusal = refusal(link);
        PeerSession twin = twin(link);
        if (refusal != null && twin != null && refusal.startsWith("duplicate") && keepNewer(twin.link(), link)) {
            String reason = "duplicate connection to peer " + link.peerId() + ": kept the one "
                    + (link.outgoing() ? "we" : "it") + " opened";
            twin.link().close(reason);
            peers.remove(twin.link());
            if (live.remove(twin.link()) != null) {
                context.slots().release();
            }
            host.left(twin, reason);
            refusal = null;
        }
        if (refusal != null) {
            if (refusal.equals("connected to ourselves")) {
                candidates.forget(link.remote());
            }
            link.close(refusal);
            context.slots().release();
            events.accept(new Event.PeerDisconnected(hash, link.remote(), refusal));
            return;
        }
        candidates.connected(link.remote());
        live.put(link, new Semaphore(CREDITS));
        PeerSession ps = host.open(link);
        peers.put(link, ps);
        link.start();
        events.accept(new Event.PeerConnected(hash, link.remote(), ps.client(), link.outgoing(),
                PeerEncryption.of(link.encryption())));
    }

    /**
     * Adopts a connection of the metadata phase, with its slot: no new handshake. What its peer
     * said before the metadata is checked against the piece count first; a peer whose kept
     * pieces do not fit (a bitfield of the wrong length or with spare bits set, a have beyond the
     * count) is disconnected, naming it. Then the link goes on with full checking
     * ({@link PeerLink#handOver}) and its messages come here.
     *
     * @return the kept messages to replay into the peer's new session, in order, before any the
     *     link delivers from now on (those are posted behind this task); empty when refused
     */
    Optional<List<Message>> adopt(CarriedPeer carried) {
        PeerLink link = carried.link();
        String refusal = refusal(link);
        EarlyMessages.Replay replay = null;
        if (refusal == null) {
            replay = carried.early().replay(new MessageDecoder(geometry, link.fastExtension(),
                    link.extensionProtocol()));
            refusal = replay.violation().orElse(null);
        }
        if (refusal != null) {
            if (refusal.equals("connected to ourselves")) {
                candidates.forget(link.remote());
            }
            carried.drop(context, hash, refusal);
            return Optional.empty();
        }
        candidates.connected(link.remote());
        live.put(link, new Semaphore(CREDITS));
        PeerSession ps = host.openCarried(link);
        peers.put(link, ps);
        if (!link.handOver(geometry, host.linkListener(), limits)) {
            // It closed while held: its old listener heard of it; the slot is ours to give back.
            closed(link, "connection closed while it was carried over from the metadata phase");
            return Optional.empty();
        }
        // No PeerConnected: the metadata phase published it for this very connection.
        return Optional.of(replay.messages());
    }

    private String refusal(PeerLink link) {
        PeerId theirs = link.peerId();
        if (theirs.equals(context.peerId())) {
            return "connected to ourselves";
        }
        if (isBanned(link.remote())) {
            return "banned";
        }
        if (!host.active()) {
            return "torrent is not active";
        }
        if (twin(link) != null) {
            return "duplicate connection to peer " + theirs;
        }
        if (peers.size() >= context.config().maxPeersPerTorrent()) {
            return "too many peers (" + peers.size() + ")";
        }
        return null;
    }

    private PeerSession twin(PeerLink link) {
        for (Map.Entry<PeerLink, PeerSession> e : peers.entrySet()) {
            if (e.getKey() != link && e.getKey().peerId().equals(link.peerId())) {
                return e.getValue();
            }
        }
        return null;
    }

    /**
     * Two connections to one peer, one each way (both sides dialled at once, as when PEX or a
     * tracker tells each of the other): both sides keep the one opened by the side with the lower
     * peer id, so that they do not each close a different one and lose both. Same direction: the
     * older stays.
     */
    private boolean keepNewer(PeerLink older, PeerLink newer) {
        if (older.outgoing() == newer.outgoing()) {
            return false;
        }
        byte[] ours = context.peerId().bytes();
        byte[] theirs = newer.peerId().bytes();
        boolean weAreLower = Arrays.compareUnsigned(ours, theirs) < 0;
        return newer.outgoing() == weAreLower;
    }

    /** A link closed (loop): the peer leaves the table and may be dialled again later. */
    void closed(PeerLink link, String reason) {
        PeerSession ps = peers.remove(link);
        if (live.remove(link) != null) {
            context.slots().release();
        }
        if (ps == null) {
            return;
        }
        if (link.outgoing() && !isBanned(link.remote()) && !reason.startsWith("both of us are seeds")) {
            candidates.disconnected(link.remote(), clock.nanoTime());
        }
        host.left(ps, reason);
    }

    /**
     * The loop is gone and {@code link} closed: its slot comes back without the loop. Any thread;
     * a no-op when the loop already handled it.
     */
    void release(PeerLink link) {
        if (live.remove(link) != null) {
            context.slots().release();
        }
    }

    /** After the loop ended: closes what is left and gives back every slot. */
    void releaseAll(String reason) {
        for (PeerLink link : new ArrayList<>(live.keySet())) {
            link.close(reason);
            release(link);
        }
    }

    void disconnect(PeerSession ps, String reason) {
        ps.link().close(reason);
    }

    void disconnectAll(String reason) {
        for (PeerSession ps : snapshot()) {
            ps.link().close(reason);
        }
    }

    // ---- bans ----

    void ban(InetSocketAddress address, String reason) {
        candidates.forget(address);
        if (banned.add(banKey(address))) {
            events.accept(new Event.PeerBanned(hash, address, reason));
        }
        for (PeerSession ps : snapshot()) {
            if (banKey(ps.link().remote()).equals(banKey(address))) {
                disconnect(ps, "banned: " + reason);
            }
        }
    }

    /**
     * Peers are banned by address; on loopback, where every test peer shares one address, by
     * address and port.
     */
    private static String banKey(InetSocketAddress address) {
        InetAddress a = address.getAddress();
        return a == null ? address.getHostString() + ":" + address.getPort()
                : a.isLoopbackAddress() ? a.getHostAddress() + ":" + address.getPort() : a.getHostAddress();
    }

    boolean isBanned(InetSocketAddress address) {
        return banned.contains(banKey(address));
    }

    private boolean isConnectedTo(InetSocketAddress address) {
        for (PeerLink link : peers.keySet()) {
            if (link.remote().equals(address)) {
                return true;
            }
        }
        return false;
    }

    /** Trackers hand us our own address among the peers; dialling it would only be refused. */
    private boolean isOurselves(InetSocketAddress peer) {
        return isOurselves(context, peer);
    }

    /**
     * Whether we can dial {@code peer}: from the wildcard, any family; bound to one address we dial
     * from it only ({@link SessionConfig#bindAddress}), so a peer of the other family is out of reach.
     */
    static boolean reachable(TorrentContext context, InetSocketAddress peer) {
        InetAddress bind = context.config().bindAddress();
        InetAddress a = peer.getAddress();
        return bind.isAnyLocalAddress() || a == null
                || (a instanceof java.net.Inet6Address) == (bind instanceof java.net.Inet6Address);
    }

    /** Whether {@code peer} is our own listening address, as far as we can tell without dialling. */
    static boolean isOurselves(TorrentContext context, InetSocketAddress peer) {
        if (peer.getPort() != context.listenPort().getAsInt()) {
            return false;
        }
        InetAddress a = peer.getAddress();
        InetAddress bind = context.config().bindAddress();
        return a != null && (a.isLoopbackAddress() || a.isAnyLocalAddress() || a.equals(bind));
    }

    private static void closeQuietly(PeerConnection.Handshaken h) {
        try {
            h.channel().close();
        } catch (IOException ignored) {
            // nothing to do
        }
    }

    /** How long a reader waits for credit before it looks whether its link is still attached. */
    static final long CREDIT_POLL_MILLIS = TimeUnit.MILLISECONDS.toMillis(100);
}
