package dev.spate.webseed;

import dev.spate.core.Clock;
import java.time.Duration;
import java.util.Objects;

/**
 * Limits and timeouts of web seed fetches.
 *
 * @param connectTimeout longest wait for the TCP (and TLS) connection of one request
 * @param readTimeout longest wait, once a request is sent, for the response to start (its status
 *     and headers); a server that accepts and never answers is given up after this
 * @param requestDeadline longest time for one file span: every redirect, the headers and the whole
 *     body. A body that trickles is given up at this deadline, which {@code readTimeout} alone
 *     does not bound
 * @param maxRedirects redirects followed for one request before giving up
 * @param maxConcurrentRequests fetches of one web seed running at once (1 to 4); a further fetch
 *     waits for a turn. BEP 19 warns that many parallel requests look like an attack to a server's
 *     owner, so keep this at 1 or 2
 * @param maxWholeFileBytes a server that ignores {@code Range} answers 200 with the whole file;
 *     that answer is accepted (and only the asked part kept) when the file is at most this long,
 *     and refused otherwise, so a piece never costs more than this beyond its own bytes. 0 refuses
 *     every 200
 * @param clock measures the request deadline
 */
public record WebSeedConfig(
        Duration connectTimeout,
        Duration readTimeout,
        Duration requestDeadline,
        int maxRedirects,
        int maxConcurrentRequests,
        int maxWholeFileBytes,
        Clock clock) {

    /** The most fetches of one web seed that may run at once. */
    public static final int MAX_CONCURRENT_REQUESTS = 4;

    public WebSeedConfig {
        positive(connectTimeout, "connectTimeout");
        positive(readTimeout, "readTimeout");
        positive(requestDeadline, "requestDeadline");
        Objects.requireNonNull(clock, "clock");
        if (maxRedirects < 0) {
            throw new IllegalArgumentException("maxRedirects must not be negative, not " + maxRedirects);
        }
        if (maxConcurrentRequests < 1 || maxConcurrentRequests > MAX_CONCURRENT_REQUESTS) {
            throw new IllegalArgumentException("maxConcurrentRequests must be in [1, " + MAX_CONCURRENT_REQUESTS
                    + "], not " + maxConcurrentRequests);
        }
        if (maxWholeFileBytes < 0) {
            throw new IllegalArgumentException("maxWholeFileBytes must not be negative, not " + maxWholeFileBytes);
        }
    }

    /**
     * 10 s to connect, 20 s for the response to start, 90 s for a whole file span (a 4 MiB piece
     * at 50 KiB/s), 5 redirects, 2 fetches at once, a 200 accepted for files up to 256 KiB, the
     * system clock.
     */
    public static WebSeedConfig defaults() {
        return new WebSeedConfig(Duration.ofSeconds(10), Duration.ofSeconds(20), Duration.ofSeconds(90), 5, 2,
                256 << 10, Clock.system());
    }

    public WebSeedConfig withTimeouts(Duration connect, Duration read, Duration deadline) {
        return new WebSeedConfig(connect, read, deadline, maxRedirects, maxConcurrentRequests, maxWholeFileBytes,
                clock);
    }

    public WebSeedConfig withMaxRedirects(int redirects) {
        return new WebSeedConfig(connectTimeout, readTimeout, requestDeadline, redirects, maxConcurrentRequests,
                maxWholeFileBytes, clock);
    }

    public WebSeedConfig withMaxConcurrentRequests(int requests) {
        return new WebSeedConfig(connectTimeout, readTimeout, requestDeadline, maxRedirects, requests,
                maxWholeFileBytes, clock);
    }

    public WebSeedConfig withMaxWholeFileBytes(int bytes) {
        return new WebSeedConfig(connectTimeout, readTimeout, requestDeadline, maxRedirects, maxConcurrentRequests,
                bytes, clock);
    }

    public WebSeedConfig withClock(Clock newClock) {
        return new WebSeedConfig(connectTimeout, readTimeout, requestDeadline, maxRedirects, maxConcurrentRequests,
                maxWholeFileBytes, newClock);
    }

    private static void positive(Duration d, String name) {
        Objects.requireNonNull(d, name);
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(name + " must be positive, not " + d);
        }
    }
}
