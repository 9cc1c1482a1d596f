package dev.spate.engine;

import dev.spate.core.Clock;
import dev.spate.peer.PeerLink;
import dev.spate.peer.PeerSession;
import dev.spate.wire.ExtendedHandshake;
import dev.spate.wire.ExtensionIds;
import dev.spate.wire.PexMessage;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Peer exchange (BEP 11, {@code ut_pex}): tells each peer that supports it which peers we are
 * connected to, and takes the peers it tells us of as candidates to dial.
 *
 * <p>Sending: a peer hears first of the peers we are connected to {@link #FIRST_DELAY_NANOS}
 * after it connected (BEP 11 lets the first message wait until there are connections worth
 * telling of; these are the torrent's start-up dials), then at most once a minute (BEP 11) of the
 * changes since: peers connected since ({@code added}, with flags), peers gone since
 * ({@code dropped}, every one we ever told it of, once). A connect and disconnect between two
 * messages is elided, as BEP 11 allows. At most {@value #MAX_PER_MESSAGE} added and as many
 * dropped per message (BEP 11), the first message up to {@link PexMessage#MAX_PEERS} added; the
 * rest wait for the next. A peer is told of by its listening address: the address we dialled, or
 * for a peer that dialled us its address with the listen port of its BEP 10 handshake (a peer that
 * gave none is not told of: the port it came from is no one's to dial).
 *
 * <p>Receiving: the added peers become the torrent's candidates (dialled within its connection
 * limits and back-off), checked by a {@link PexIntake}, which also says when a peer is to be
 * dropped for what it sent.
 *
 * <p>Off for a private torrent (BEP 27: its peers come from its tracker only) and when the session
 * switches PEX off: then {@code ut_pex} is not announced, so no peer may send it, and nothing is
 * sent.
 *
 * <p>Not thread-safe: owned by the torrent's loop.
 */
final class Pex {
    /** How long after a peer connects its first message goes out. */
    static final long FIRST_DELAY_NANOS = TimeUnit.SECONDS.toNanos(5);
    /** BEP 11: clients must send no more than one PEX message per minute. */
    static final long INTERVAL_NANOS = TimeUnit.MINUTES.toNanos(1);
    /** BEP 11: except for the first message, at most 50 added and 50 dropped. */
    static final int MAX_PER_MESSAGE = 50;

    /** What PEX needs of its torrent. */
    interface Host {
        /** The peers connected now. */
        Collection<PeerSession> peerSessions();

        /** Whether the peer has every piece. */
        boolean peerIsSeed(PeerSession peer);

        /** A peer learned of by PEX, to dial. */
        void pexCandidate(InetSocketAddress address);

        /** A peer no source lists any more: forget it unless known from elsewhere too. */
        void pexDropped(InetSocketAddress address);

        /** A peer PEX says prefers encryption: dial it with MSE. */
        void prefersEncryption(InetSocketAddress address);

        /** Hangs up on a peer, for a reason. */
        void disconnect(PeerSession peer, String reason);
    }

    private final boolean enabled;
    private final Clock clock;
    private final Host host;
    private final Map<PeerSession, State> states = new HashMap<>();
    private final PexIntake<PeerSession> intake = new PexIntake<>();
    private final PexIntake.Sink sink;

    /**
     * @param enabled whether the session has PEX on
     * @param privateTorrent whether the torrent is private (BEP 27): then PEX is off
     */
    Pex(boolean enabled, boolean privateTorrent, Clock clock, Host host) {
        this.enabled = enabled && !privateTorrent;
        this.clock = clock;
        this.host = host;
        this.sink = new PexIntake.Sink() {
            @Override
            public void learned(InetSocketAddress address, boolean prefersEncryption) {
                if (prefersEncryption) {
                    host.prefersEncryption(address);
                }
                host.pexCandidate(address);
            }

            @Override
            public void forgotten(InetSocketAddress address) {
                host.pexDropped(address);
            }
        };
    }

    /** What we add to our BEP 10 handshake: {@code ut_pex}, when on. */
    Map<String, Integer> extensions() {
        return enabled ? Map.of(ExtensionIds.UT_PEX, ExtensionIds.OUR_UT_PEX) : Map.of();
    }

    /** Sends each peer that is due its message, if it has news. Once a second, from the torrent's tick. */
    void tick() {
        if (!enabled) {
            return;
        }
        long now = clock.nanoTime();
        Map<InetSocketAddress, Integer> connected = new LinkedHashMap<>();
        for (PeerSession ps : host.peerSessions()) {
            listenAddress(ps).ifPresent(a -> connected.putIfAbsent(a, flags(ps)));
        }
        for (PeerSession ps : host.peerSessions()) {
            if (ps.extensions().outgoing(ExtensionIds.UT_PEX).isEmpty()) {
                continue;
            }
            State s = state(ps);
            boolean due = s.sent
                    ? now - s.lastSentNanos >= INTERVAL_NANOS
                    : now - ps.connectedAtNanos() >= FIRST_DELAY_NANOS;
            if (!due) {
                continue;
            }
            PexMessage m = news(s, connected, listenAddress(ps));
            if (m != null && ps.sendExtension(ExtensionIds.UT_PEX, m.encode())) {
                s.sent = true;
                s.lastSentNanos = now;
            }
        }
    }

    /** The changes a peer has not heard of yet, as a message; null when there are none. */
    private static PexMessage news(State s, Map<InetSocketAddress, Integer> connected,
            Optional<InetSocketAddress> itself) {
        int maxAdded = s.sent ? MAX_PER_MESSAGE : PexMessage.MAX_PEERS;
        List<PexMessage.Peer> added = new ArrayList<>();
        for (Map.Entry<InetSocketAddress, Integer> e : connected.entrySet()) {
            if (added.size() >= maxAdded) {
                break;
            }
            if (!s.told.contains(e.getKey()) && !itself.equals(Optional.of(e.getKey()))) {
                added.add(new PexMessage.Peer(e.getKey(), e.getValue()));
            }
        }
        List<InetSocketAddress> dropped = new ArrayList<>();
        for (InetSocketAddress a : s.told) {
            if (dropped.size() >= MAX_PER_MESSAGE) {
                break;
            }
            if (!connected.containsKey(a)) {
                dropped.add(a);
            }
        }
        if (added.isEmpty() && dropped.isEmpty()) {
            return null;
        }
        added.forEach(p -> s.told.add(p.address()));
        dropped.forEach(s.told::remove);
        return new PexMessage(added, dropped);
    }

    /**
     * BEP 11's flags for a peer: seed; reachable when we dialled it (a peer that dialled us may
     * well be reachable, but we have not seen it accept a connection); prefers encryption when its
     * BEP 10 handshake said so or our connection to it is MSE. We have no uTP, so never "uTP".
     */
    private int flags(PeerSession ps) {
        int flags = 0;
        if (ps.link().encryption() != dev.spate.peer.Encryption.PLAINTEXT
                || ps.peerHandshake().map(dev.spate.wire.ExtendedHandshake::prefersEncryption).orElse(false)) {
            flags |= PexMessage.PREFERS_ENCRYPTION;
        }
        if (host.peerIsSeed(ps)) {
            flags |= PexMessage.SEED;
        }
        if (ps.link().outgoing()) {
            flags |= PexMessage.REACHABLE;
        }
        return flags;
    }

    /** Where the peer can be dialled: see the class comment. */
    static Optional<InetSocketAddress> listenAddress(PeerSession ps) {
        PeerLink link = ps.link();
        InetSocketAddress remote = link.remote();
        if (remote.isUnresolved() || remote.getPort() == 0) {
            return Optional.empty();
        }
        if (link.outgoing()) {
            return Optional.of(remote);
        }
        return ps.peerHandshake().map(ExtendedHandshake::listenPort)
                .filter(p -> p.isPresent())
                .map(p -> new InetSocketAddress(remote.getAddress(), p.getAsInt()));
    }

    /** A {@code ut_pex} message from {@code peer}: see {@link PexIntake}. */
    void onMessage(PeerSession peer, byte[] payload) {
        if (!enabled) {
            return; // not announced, so not addressed to us; PeerSession would not pass it on
        }
        Set<InetSocketAddress> itself = new HashSet<>();
        itself.add(peer.link().remote());
        listenAddress(peer).ifPresent(itself::add);
        intake.receive(peer, payload, clock.nanoTime(), itself, sink)
                .ifPresent(reason -> host.disconnect(peer, reason));
    }

    /** Forgets a peer that left; what it told us of stays among the candidates. */
    void peerLeft(PeerSession peer) {
        states.remove(peer);
        intake.peerLeft(peer);
    }

    /** The peers told of and heard of, for tests. */
    Set<InetSocketAddress> toldTo(PeerSession peer) {
        State s = states.get(peer);
        return s == null ? Set.of() : Set.copyOf(s.told);
    }

    private State state(PeerSession peer) {
        return states.computeIfAbsent(peer, p -> new State());
    }

    /** What we have told one peer. */
    private static final class State {
        /** The peers this one has heard from us as connected, and not yet as dropped. */
        final Set<InetSocketAddress> told = new LinkedHashSet<>();
        boolean sent;
        long lastSentNanos;
    }
}
