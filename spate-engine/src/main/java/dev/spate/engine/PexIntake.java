package dev.spate.engine;

import dev.spate.wire.PexMessage;
import dev.spate.wire.WireException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The receiving side of peer exchange (BEP 11): what the {@code ut_pex} messages of a torrent's
 * peers tell us, checked. The torrent ({@link Pex}) and the metadata phase
 * ({@link MetadataResolver}) each keep one.
 *
 * <p>The added peers are candidates to dial; a dropped peer is forgotten once no connected peer
 * lists it any more. BEP 11's security advice: one source gives at most
 * {@value #MAX_HEARD_PER_PEER} candidates, an IP listed twice in a message (another port) is
 * taken once (except on loopback, where every test peer shares one address), and addresses no one
 * can be dialled at (the wildcard, multicast, broadcast) are ignored, as is the sender itself. A
 * peer that sends messages less than {@link #MIN_RECEIVE_GAP_NANOS} apart (one a minute, with
 * slack for timers), more peers than allowed in one ({@link PexMessage#MAX_PEERS} in the first,
 * then {@value #LATER_MAX_PEERS}: BEP 11's 50 with room for libtorrent's 100), or a malformed
 * one, is to be dropped, as BEP 11 allows ("egregiously violate").
 *
 * <p>Memory: per connected peer at most {@value #MAX_HEARD_PER_PEER} addresses.
 *
 * <p>Not thread-safe: owned by its loop.
 *
 * @param <P> how the caller names a connected peer
 */
final class PexIntake<P> {
    /** Messages closer than this from one peer are a flood: a minute, less slack for its timers. */
    static final long MIN_RECEIVE_GAP_NANOS = TimeUnit.SECONDS.toNanos(45);
    /** Added or dropped peers a message after the first may carry before its sender is dropped. */
    static final int LATER_MAX_PEERS = 100;
    /** Candidates one peer may have given us at once: no single source fills the list (BEP 11). */
    static final int MAX_HEARD_PER_PEER = PexMessage.MAX_PEERS;

    /** Where what a message says goes. */
    interface Sink {
        /** A peer to dial; {@code prefersEncryption} when its flags say so (BEP 11's 0x01). */
        void learned(InetSocketAddress address, boolean prefersEncryption);

        /** A peer no source lists any more: forget it unless known from elsewhere too. */
        void forgotten(InetSocketAddress address);
    }

    private final Map<P, Source> sources = new HashMap<>();

    /**
     * A {@code ut_pex} message from {@code peer} at {@code now}.
     *
     * @param itself the sender's own addresses (where we reached it, its listen address), never
     *     taken as candidates
     * @return the reason to hang up on the peer, when it broke a rule; nothing was taken from it then
     */
    Optional<String> receive(P peer, byte[] payload, long now, Set<InetSocketAddress> itself, Sink sink) {
        Source s = sources.computeIfAbsent(peer, p -> new Source());
        if (s.received && now - s.lastReceivedNanos < MIN_RECEIVE_GAP_NANOS) {
            return Optional.of("pex flood: two ut_pex messages " + TimeUnit.NANOSECONDS.toSeconds(now - s.lastReceivedNanos)
                    + " s apart, BEP 11 allows one a minute");
        }
        PexMessage m;
        try {
            m = PexMessage.decode(payload, s.received ? LATER_MAX_PEERS : PexMessage.MAX_PEERS);
        } catch (WireException e) {
            return Optional.of("protocol violation: " + e.getMessage());
        }
        s.received = true;
        s.lastReceivedNanos = now;
        Set<InetAddress> ips = new HashSet<>();
        for (PexMessage.Peer p : m.added()) {
            InetSocketAddress a = p.address();
            InetAddress ip = a.getAddress();
            if (!ips.add(ip) && !ip.isLoopbackAddress()) {
                continue; // BEP 11: the same IP at another port is ignored
            }
            if (!dialable(ip) || itself.contains(a) || s.heard.contains(a) || s.heard.size() >= MAX_HEARD_PER_PEER) {
                continue;
            }
            s.heard.add(a);
            sink.learned(a, p.has(PexMessage.PREFERS_ENCRYPTION));
        }
        for (InetSocketAddress a : m.dropped()) {
            if (s.heard.remove(a) && !listedByAnother(a)) {
                sink.forgotten(a);
            }
        }
        return Optional.empty();
    }

    /** Forgets a peer that left; what it told us of stays among the candidates. */
    void peerLeft(P peer) {
        sources.remove(peer);
    }

    /** Addresses no one can be dialled at: a peer listing them is pointing us elsewhere. */
    private static boolean dialable(InetAddress ip) {
        byte[] raw = ip.getAddress();
        boolean broadcast = raw.length == 4 && (raw[0] & raw[1] & raw[2] & raw[3] & 0xff) == 0xff;
        return !ip.isAnyLocalAddress() && !ip.isMulticastAddress() && !broadcast;
    }

    private boolean listedByAnother(InetSocketAddress a) {
        for (Source other : sources.values()) {
            if (other.heard.contains(a)) {
                return true;
            }
        }
        return false;
    }

    /** What one peer told us. */
    private static final class Source {
        /** The peers it told us of as connected, and not yet as dropped; bounded. */
        final Set<InetSocketAddress> heard = new HashSet<>();
        boolean received;
        long lastReceivedNanos;
    }
}
