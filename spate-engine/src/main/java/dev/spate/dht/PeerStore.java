package dev.spate.dht;

import dev.spate.core.InfoHash;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.random.RandomGenerator;

/**
 * The peers others announced to us (BEP 5 announce_peer), by info-hash. Bounded per info-hash, in
 * info-hashes and in total; an entry expires {@link #TTL} after its last announce. When full, an
 * announce for a new peer is dropped rather than evicting others: a flood of announces cannot
 * displace the peers already stored. Owned by the node's thread.
 */
final class PeerStore {
    /** How long an announce is kept (peers re-announce every 15-30 minutes). */
    static final long TTL = 30 * 60 * 1_000_000_000L;

    private final int maxPerHash;
    private final int maxHashes;
    private final int maxTotal;
    /** Per info-hash, peer to the time of its last announce, oldest first. */
    private final Map<InfoHash, LinkedHashMap<InetSocketAddress, Long>> peers = new LinkedHashMap<>();
    private int total;

    PeerStore(int maxPerHash, int maxHashes, int maxTotal) {
        this.maxPerHash = maxPerHash;
        this.maxHashes = maxHashes;
        this.maxTotal = maxTotal;
    }

    /** Records an announce; false when a bound refused it. */
    boolean add(InfoHash infoHash, InetSocketAddress peer, long now) {
        LinkedHashMap<InetSocketAddress, Long> set = peers.get(infoHash);
        if (set == null) {
            if (peers.size() >= maxHashes || total >= maxTotal) {
                return false;
            }
            set = new LinkedHashMap<>();
            peers.put(infoHash, set);
        }
        if (set.remove(peer) != null) {
            set.put(peer, now);
            return true;
        }
        if (set.size() >= maxPerHash || total >= maxTotal) {
            return false;
        }
        set.put(peer, now);
        total++;
        return true;
    }

    /** Up to {@code max} live peers of {@code infoHash} with addresses of {@code family}, chosen at random. */
    List<InetSocketAddress> get(InfoHash infoHash, AddressFamily family, int max, long now, RandomGenerator random) {
        LinkedHashMap<InetSocketAddress, Long> set = peers.get(infoHash);
        if (set == null) {
            return List.of();
        }
        List<InetSocketAddress> out = new ArrayList<>();
        for (Map.Entry<InetSocketAddress, Long> e : set.entrySet()) {
            if (now - e.getValue() < TTL && AddressFamily.of(e.getKey().getAddress()) == family) {
                out.add(e.getKey());
            }
        }
        // A partial Fisher-Yates shuffle, so that every stored peer gets handed out over time.
        int n = Math.min(max, out.size());
        for (int i = 0; i < n; i++) {
            int j = i + random.nextInt(out.size() - i);
            InetSocketAddress t = out.get(i);
            out.set(i, out.get(j));
            out.set(j, t);
        }
        return List.copyOf(out.subList(0, n));
    }

    /** Drops expired entries; the node calls it from its tick. */
    void expire(long now) {
        Iterator<LinkedHashMap<InetSocketAddress, Long>> sets = peers.values().iterator();
        while (sets.hasNext()) {
            LinkedHashMap<InetSocketAddress, Long> set = sets.next();
            Iterator<Long> times = set.values().iterator();
            // Oldest first: stop at the first live one.
            while (times.hasNext()) {
                if (now - times.next() < TTL) {
                    break;
                }
                times.remove();
                total--;
            }
            if (set.isEmpty()) {
                sets.remove();
            }
        }
    }

    int size() {
        return total;
    }

    int infoHashes() {
        return peers.size();
    }
}
