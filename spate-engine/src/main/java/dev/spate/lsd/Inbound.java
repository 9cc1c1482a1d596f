package dev.spate.lsd;

import dev.spate.core.InfoHash;
import java.lang.System.Logger.Level;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Predicate;

/**
 * The receive path, without the socket: one datagram and its source in, zero or more (info-hash,
 * peer) out to the listener. In order: a source address that cannot send (wildcard, multicast) or is
 * not on the interface's networks drops the datagram; the codec's strict decode; our own cookie drops
 * it; then each info-hash not registered with us is skipped, and the rest go through the
 * {@link PeerAdmission}. Every outcome is counted.
 *
 * <p>Called by the receive threads of both address families at once: the lock guards the admission
 * and the networks (never held while the listener runs). The listener is called on the calling thread.
 */
final class Inbound {
    private final String cookie;
    private final Predicate<InfoHash> registered;
    private final LocalNetworks networks;
    private final PeerAdmission admission;
    private final LsdListener listener;
    private final LsdCounters counters;
    private final RateLimitedLog log;
    private final ReentrantLock lock = new ReentrantLock();

    private record Found(InfoHash infoHash, InetSocketAddress peer) {
    }

    Inbound(String cookie, Predicate<InfoHash> registered, LocalNetworks networks, PeerAdmission admission,
            LsdListener listener, LsdCounters counters, RateLimitedLog log) {
        this.cookie = cookie;
        this.registered = registered;
        this.networks = networks;
        this.admission = admission;
        this.listener = listener;
        this.counters = counters;
        this.log = log;
    }

    /** Handles the bytes from {@code datagram}'s position to its limit, received from {@code source}. */
    void onDatagram(ByteBuffer datagram, InetSocketAddress source) {
        counters.datagramsReceived.incrementAndGet();
        InetAddress ip = source.getAddress();
        if (ip == null || ip.isAnyLocalAddress() || ip.isMulticastAddress()) {
            counters.rejected.incrementAndGet();
            return;
        }
        lock.lock();
        try {
            if (!networks.contains(ip)) {
                counters.offNetwork.incrementAndGet();
                return;
            }
        } finally {
            lock.unlock();
        }
        AnnounceCodec.Decoded decoded = AnnounceCodec.decode(datagram);
        if (decoded instanceof AnnounceCodec.Rejected r) {
            counters.rejected.incrementAndGet();
            log.log(Level.DEBUG, "rejected", "LSD: ignored a datagram from " + dev.spate.core.PeerAddress.host(ip) + ": " + r.reason());
            return;
        }
        Announce announce = ((AnnounceCodec.Valid) decoded).announce();
        if (announce.cookie().filter(cookie::equals).isPresent()) {
            counters.own.incrementAndGet();
            return;
        }
        InetSocketAddress peer = new InetSocketAddress(ip, announce.port());
        List<Found> found = new ArrayList<>();
        lock.lock();
        try {
            for (InfoHash h : announce.infoHashes()) {
                if (!registered.test(h)) {
                    counters.unknownTorrents.incrementAndGet();
                    continue;
                }
                switch (admission.admit(h, peer)) {
                    case ADMITTED -> found.add(new Found(h, peer));
                    case DUPLICATE -> counters.duplicates.incrementAndGet();
                    case SOURCE_LIMITED, TOTAL_LIMITED -> counters.rateLimited.incrementAndGet();
                }
            }
        } finally {
            lock.unlock();
        }
        for (Found f : found) {
            try {
                listener.onPeer(f.infoHash(), f.peer());
                counters.peersReported.incrementAndGet();
            } catch (RuntimeException e) {
                log.log(Level.WARNING, "listener", "LSD: the listener failed on peer " + dev.spate.core.PeerAddress.format(f.peer()) + " of "
                        + f.infoHash() + ": " + e);
            }
        }
    }
}
