package dev.spate.tracker;

import dev.spate.core.Clock;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * Limits and timeouts for tracker clients.
 *
 * @param connectTimeout HTTP: longest wait for the TCP (and TLS) connection
 * @param readTimeout HTTP: longest wait for the whole response once a request is sent
 * @param maxResponseBytes HTTP: a body larger than this is refused
 * @param maxRedirects HTTP: redirects followed before giving up
 * @param udpBaseTimeout UDP: first wait before retransmitting; BEP 15 says 15 s, doubled each time
 * @param udpMaxAttempts UDP: sends before giving up; BEP 15 allows n = 0..8, that is 9
 * @param clock UDP: measures the 60 s life of a connection id
 * @param localAddress the address HTTP and UDP requests are sent from (a session's bind address),
 *     empty for the system's choice. Trackers record the address an announce comes from as the
 *     peer's, so a client listening on one of several local addresses must announce from it.
 * @param publishedIpv6 a global IPv6 address we listen on, sent as BEP 7's {@code ipv6} parameter
 *     of an HTTP announce that goes over IPv4 (so the tracker learns both of our families from one
 *     announce, as Transmission does); empty to send none
 */
public record TrackerConfig(
        Duration connectTimeout,
        Duration readTimeout,
        int maxResponseBytes,
        int maxRedirects,
        Duration udpBaseTimeout,
        int udpMaxAttempts,
        Clock clock,
        Optional<InetAddress> localAddress,
        Optional<Inet6Address> publishedIpv6) {

    public static final int ONE_MIB = 1 << 20;

    public TrackerConfig {
        positive(connectTimeout, "connectTimeout");
        positive(readTimeout, "readTimeout");
        positive(udpBaseTimeout, "udpBaseTimeout");
        Objects.requireNonNull(clock, "clock");
        Objects.requireNonNull(localAddress, "localAddress");
        Objects.requireNonNull(publishedIpv6, "publishedIpv6");
        if (maxResponseBytes <= 0) {
            throw new IllegalArgumentException("maxResponseBytes must be positive, not " + maxResponseBytes);
        }
        if (maxRedirects < 0) {
            throw new IllegalArgumentException("maxRedirects must not be negative, not " + maxRedirects);
        }
        if (udpMaxAttempts < 1 || udpMaxAttempts > 9) {
            throw new IllegalArgumentException("udpMaxAttempts must be in [1, 9] (BEP 15: n up to 8), not "
                    + udpMaxAttempts);
        }
    }

    /** 10 s connect, 30 s read, 1 MiB, 5 redirects, BEP 15's 15 s and 9 attempts, the system clock. */
    public static TrackerConfig defaults() {
        return new TrackerConfig(Duration.ofSeconds(10), Duration.ofSeconds(30), ONE_MIB, 5,
                Duration.ofSeconds(15), 9, Clock.system(), Optional.empty(), Optional.empty());
    }

    public TrackerConfig withTimeouts(Duration connect, Duration read) {
        return new TrackerConfig(connect, read, maxResponseBytes, maxRedirects, udpBaseTimeout, udpMaxAttempts,
                clock, localAddress, publishedIpv6);
    }

    public TrackerConfig withUdpRetransmission(Duration base, int attempts) {
        return new TrackerConfig(connectTimeout, readTimeout, maxResponseBytes, maxRedirects, base, attempts,
                clock, localAddress, publishedIpv6);
    }

    public TrackerConfig withClock(Clock newClock) {
        return new TrackerConfig(connectTimeout, readTimeout, maxResponseBytes, maxRedirects, udpBaseTimeout,
                udpMaxAttempts, newClock, localAddress, publishedIpv6);
    }

    /** Requests sent from {@code address} (empty: the system's choice); see {@link #localAddress()}. */
    public TrackerConfig withLocalAddress(Optional<InetAddress> address) {
        return new TrackerConfig(connectTimeout, readTimeout, maxResponseBytes, maxRedirects, udpBaseTimeout,
                udpMaxAttempts, clock, address, publishedIpv6);
    }

    public TrackerConfig withPublishedIpv6(Optional<Inet6Address> address) {
        return new TrackerConfig(connectTimeout, readTimeout, maxResponseBytes, maxRedirects, udpBaseTimeout,
                udpMaxAttempts, clock, localAddress, address);
    }

    private static void positive(Duration d, String name) {
        Objects.requireNonNull(d, name);
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(name + " must be positive, not " + d);
        }
    }
}
