package dev.spate.lsd;

import dev.spate.core.Clock;
import dev.spate.core.InfoHash;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Which announced peers we pass on, so that announces, which anyone on the LAN can send with any
 * source address, cannot make the engine dial without bound:
 * <ul>
 *   <li>the same (info-hash, peer) again within a window counts once (libtorrent sends each announce
 *       three times within six seconds);</li>
 *   <li>at most {@code perSource} peers from one source address in any window;</li>
 *   <li>at most {@code total} peers from all sources together in any window, so that a flood from many
 *       (spoofed) sources is bounded too.</li>
 * </ul>
 * Memory is bounded: the {@code maxSources} most recently heard sources and the {@code maxRemembered}
 * most recent peers are kept, the least recently used forgotten first. A flood of fresh sources thus
 * evicts older ones, but still cannot pass more than {@code total} peers a window.
 *
 * <p>A plain object over the injected {@link Clock}. Not thread-safe: the receive path's lock guards it.
 */
final class PeerAdmission {
    /** What became of one announced (info-hash, peer). */
    enum Verdict {
        ADMITTED, DUPLICATE, SOURCE_LIMITED, TOTAL_LIMITED
    }

    private record Seen(InfoHash infoHash, InetSocketAddress peer) {
    }

    private final Clock clock;
    private final int perSource;
    private final long windowNanos;
    private final SlidingWindow total;
    private final Map<InetAddress, SlidingWindow> sources;
    private final Map<Seen, Long> recent;

    PeerAdmission(Clock clock, int perSource, int total, long windowNanos, int maxSources, int maxRemembered) {
        if (perSource < 1) {
            throw new IllegalArgumentException("peers per source must be at least 1, not " + perSource);
        }
        if (maxSources < 1 || maxRemembered < 1) {
            throw new IllegalArgumentException("bounds must be positive: sources " + maxSources + ", peers " + maxRemembered);
        }
        this.clock = clock;
        this.perSource = perSource;
        this.windowNanos = windowNanos;
        this.total = new SlidingWindow(total, windowNanos);
        this.sources = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<InetAddress, SlidingWindow> eldest) {
                return size() > maxSources;
            }
        };
        this.recent = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<Seen, Long> eldest) {
                return size() > maxRemembered;
            }
        };
    }

    /** Decides on {@code peer} (the announce's source address and announced port) for {@code infoHash}. */
    Verdict admit(InfoHash infoHash, InetSocketAddress peer) {
        long now = clock.nanoTime();
        Seen seen = new Seen(infoHash, peer);
        Long last = recent.get(seen);
        if (last != null && now - last < windowNanos) {
            return Verdict.DUPLICATE;
        }
        SlidingWindow source = sources.computeIfAbsent(peer.getAddress(), a -> new SlidingWindow(perSource, windowNanos));
        if (!source.allows(now)) {
            return Verdict.SOURCE_LIMITED;
        }
        if (!total.allows(now)) {
            return Verdict.TOTAL_LIMITED;
        }
        source.record(now);
        total.record(now);
        recent.put(seen, now);
        return Verdict.ADMITTED;
    }

    /** Sources currently remembered; for tests of the bound. */
    int sourcesRemembered() {
        return sources.size();
    }
}
