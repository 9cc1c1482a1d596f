package dev.spate.dht;

import java.net.InetAddress;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Per-IP rate limit of incoming queries: a token bucket of {@code burst} queries refilled at
 * {@code perSecond}; an IP that empties it is blocked for {@code blockNanos}, during which all its
 * datagrams are dropped before decoding. Both maps are bounded (least recently seen forgotten
 * first), so a flood from many addresses costs bounded memory. Owned by the node's thread.
 */
final class QueryLimiter {
    private static final long SECOND = 1_000_000_000L;

    private final double perSecond;
    private final double burst;
    private final long blockNanos;
    private final int maxTracked;
    private final LinkedHashMap<InetAddress, Bucket> buckets;
    private final LinkedHashMap<InetAddress, Long> blockedUntil;

    QueryLimiter(double perSecond, int burst, long blockNanos, int maxTracked) {
        this.perSecond = perSecond;
        this.burst = burst;
        this.blockNanos = blockNanos;
        this.maxTracked = maxTracked;
        this.buckets = new LinkedHashMap<>(64, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<InetAddress, Bucket> eldest) {
                return size() > QueryLimiter.this.maxTracked;
            }
        };
        this.blockedUntil = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<InetAddress, Long> eldest) {
                return size() > QueryLimiter.this.maxTracked;
            }
        };
    }

    /** Whether {@code ip} is blocked now. */
    boolean blocked(InetAddress ip, long now) {
        Long until = blockedUntil.get(ip);
        if (until == null) {
            return false;
        }
        if (now - until >= 0) {
            blockedUntil.remove(ip);
            return false;
        }
        return true;
    }

    /** Counts a query from {@code ip}; false (and the IP blocked) when it is over its rate. */
    boolean admit(InetAddress ip, long now) {
        Bucket b = buckets.get(ip);
        if (b == null) {
            b = new Bucket(burst, now);
            buckets.put(ip, b);
        }
        long elapsed = Math.max(0, now - b.at);
        b.tokens = Math.min(burst, b.tokens + elapsed * perSecond / SECOND);
        b.at = now;
        if (b.tokens < 1) {
            blockedUntil.put(ip, now + blockNanos);
            buckets.remove(ip);
            return false;
        }
        b.tokens -= 1;
        return true;
    }

    private static final class Bucket {
        double tokens;
        long at;

        Bucket(double tokens, long at) {
            this.tokens = tokens;
            this.at = at;
        }
    }

    int blockedCount() {
        return blockedUntil.size();
    }
}
