package dev.spate.lsd;

import dev.spate.core.Clock;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.ProtocolFamily;
import java.net.SocketException;
import java.net.StandardProtocolFamily;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * How an {@link LsdService} runs. {@link #defaults} gives what users get (BEP 14's groups and
 * timing); the {@code with...} methods change one thing each. Every value is checked when the record
 * is made, with a message naming the field.
 *
 * @param networkInterface where to join the groups and send announces; the caller chooses (the engine:
 *     each interface it listens on, BEP 14 "on each interface"; tests: a network namespace's own)
 * @param listenPort the TCP port we accept peers on, announced in {@code Port}
 * @param families which groups to use: {@link StandardProtocolFamily#INET} for {@link #IPV4_GROUP},
 *     {@link StandardProtocolFamily#INET6} for {@link #IPV6_GROUP}
 * @param ipv4Source the address IPv4 announces are sent from, which receivers take as ours (BEP 14:
 *     the peer's address is the UDP source); empty: the kernel chooses one of the interface's
 * @param ipv6Source the same for IPv6
 * @param multicastTtl IP TTL / hop limit of announces; 1 keeps them on the link (BEP 14 notes that the
 *     groups' scope is wider and allows more)
 * @param announceInterval how often each torrent is announced again (BEP 14: every 5 minutes); at
 *     least {@link #MIN_ANNOUNCE_INTERVAL}
 * @param maxAnnouncesPerMinute announce rounds in any minute, in total; a round is one datagram to each
 *     group, so each network sees at most this many datagrams a minute from us
 * @param maxPeersPerSourcePerMinute peers passed on from one source address in any minute
 * @param maxPeersPerMinute peers passed on from all sources together in any minute
 * @param clock time for the schedule and the limits
 */
public record LsdConfig(NetworkInterface networkInterface, int listenPort, Set<StandardProtocolFamily> families,
        Optional<InetAddress> ipv4Source, Optional<InetAddress> ipv6Source, int multicastTtl,
        Duration announceInterval, int maxAnnouncesPerMinute, int maxPeersPerSourcePerMinute,
        int maxPeersPerMinute, Clock clock) {

    /** The UDP port of both groups (BEP 14). */
    public static final int PORT = 6771;
    /** BEP 14's IPv4 group, organization-local scope. */
    public static final InetSocketAddress IPV4_GROUP = new InetSocketAddress(
            address(new byte[] {(byte) 239, (byte) 192, (byte) 152, (byte) 143}), PORT);
    /** BEP 14's IPv6 group, site-local scope: {@code [ff15::efc0:988f]:6771}. */
    public static final InetSocketAddress IPV6_GROUP = new InetSocketAddress(
            address(new byte[] {(byte) 0xff, 0x15, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                (byte) 0xef, (byte) 0xc0, (byte) 0x98, (byte) 0x8f}), PORT);
    /** The {@code Host} header of IPv4 announces (BEP 14: RFC 2616 14.23 form of the group). */
    static final String IPV4_HOST = "239.192.152.143:6771";
    /** The {@code Host} header of IPv6 announces (RFC 2732 brackets). */
    static final String IPV6_HOST = "[ff15::efc0:988f]:6771";

    public static final Duration DEFAULT_ANNOUNCE_INTERVAL = Duration.ofMinutes(5);
    /** Shortest interval accepted; integration tests use a few seconds instead of waiting 5 minutes. */
    public static final Duration MIN_ANNOUNCE_INTERVAL = Duration.ofSeconds(1);
    /**
     * Announce rounds a minute. BEP 14 suggests one; six let a torrent just added be announced at once
     * while others were a moment ago, and each round carries every torrent due (up to 25), so that a
     * session sends far less than libtorrent's three datagrams per torrent every five minutes.
     */
    public static final int DEFAULT_MAX_ANNOUNCES_PER_MINUTE = 6;
    public static final int DEFAULT_MAX_PEERS_PER_SOURCE_PER_MINUTE = 10;
    public static final int DEFAULT_MAX_PEERS_PER_MINUTE = 100;
    public static final int DEFAULT_MULTICAST_TTL = 1;

    public LsdConfig {
        Objects.requireNonNull(networkInterface, "networkInterface");
        if (listenPort < 1 || listenPort > 65_535) {
            throw new IllegalArgumentException("listenPort must be in 1..65535, not " + listenPort);
        }
        Objects.requireNonNull(families, "families");
        if (families.isEmpty()) {
            throw new IllegalArgumentException("families must name INET, INET6 or both");
        }
        families = Set.copyOf(families);
        Objects.requireNonNull(ipv4Source, "ipv4Source");
        Objects.requireNonNull(ipv6Source, "ipv6Source");
        if (ipv4Source.isPresent() && !(ipv4Source.get() instanceof Inet4Address)) {
            throw new IllegalArgumentException("ipv4Source is not an IPv4 address: " + ipv4Source.get());
        }
        if (ipv6Source.isPresent() && !(ipv6Source.get() instanceof Inet6Address)) {
            throw new IllegalArgumentException("ipv6Source is not an IPv6 address: " + ipv6Source.get());
        }
        if (multicastTtl < 1 || multicastTtl > 255) {
            throw new IllegalArgumentException("multicastTtl must be in 1..255, not " + multicastTtl);
        }
        Objects.requireNonNull(announceInterval, "announceInterval");
        if (announceInterval.compareTo(MIN_ANNOUNCE_INTERVAL) < 0) {
            throw new IllegalArgumentException("announceInterval must be at least " + MIN_ANNOUNCE_INTERVAL
                    + ", not " + announceInterval);
        }
        requirePositive(maxAnnouncesPerMinute, "maxAnnouncesPerMinute");
        requirePositive(maxPeersPerSourcePerMinute, "maxPeersPerSourcePerMinute");
        requirePositive(maxPeersPerMinute, "maxPeersPerMinute");
        Objects.requireNonNull(clock, "clock");
    }

    /** What users get: both groups, BEP 14's timing, the default limits, the system clock. */
    public static LsdConfig defaults(NetworkInterface networkInterface, int listenPort) {
        return new LsdConfig(networkInterface, listenPort,
                EnumSet.of(StandardProtocolFamily.INET, StandardProtocolFamily.INET6), Optional.empty(),
                Optional.empty(), DEFAULT_MULTICAST_TTL, DEFAULT_ANNOUNCE_INTERVAL,
                DEFAULT_MAX_ANNOUNCES_PER_MINUTE, DEFAULT_MAX_PEERS_PER_SOURCE_PER_MINUTE,
                DEFAULT_MAX_PEERS_PER_MINUTE, Clock.system());
    }

    public LsdConfig withFamilies(Set<StandardProtocolFamily> families) {
        return new LsdConfig(networkInterface, listenPort, families, ipv4Source, ipv6Source, multicastTtl,
                announceInterval, maxAnnouncesPerMinute, maxPeersPerSourcePerMinute, maxPeersPerMinute, clock);
    }

    /** Sends IPv4 announces from {@code source} (an address of the interface). */
    public LsdConfig withIpv4Source(InetAddress source) {
        return new LsdConfig(networkInterface, listenPort, families, Optional.of(source), ipv6Source,
                multicastTtl, announceInterval, maxAnnouncesPerMinute, maxPeersPerSourcePerMinute,
                maxPeersPerMinute, clock);
    }

    /** Sends IPv6 announces from {@code source} (an address of the interface). */
    public LsdConfig withIpv6Source(InetAddress source) {
        return new LsdConfig(networkInterface, listenPort, families, ipv4Source, Optional.of(source),
                multicastTtl, announceInterval, maxAnnouncesPerMinute, maxPeersPerSourcePerMinute,
                maxPeersPerMinute, clock);
    }

    public LsdConfig withMulticastTtl(int ttl) {
        return new LsdConfig(networkInterface, listenPort, families, ipv4Source, ipv6Source, ttl,
                announceInterval, maxAnnouncesPerMinute, maxPeersPerSourcePerMinute, maxPeersPerMinute, clock);
    }

    public LsdConfig withAnnounceInterval(Duration interval) {
        return new LsdConfig(networkInterface, listenPort, families, ipv4Source, ipv6Source, multicastTtl,
                interval, maxAnnouncesPerMinute, maxPeersPerSourcePerMinute, maxPeersPerMinute, clock);
    }

    public LsdConfig withMaxAnnouncesPerMinute(int max) {
        return new LsdConfig(networkInterface, listenPort, families, ipv4Source, ipv6Source, multicastTtl,
                announceInterval, max, maxPeersPerSourcePerMinute, maxPeersPerMinute, clock);
    }

    public LsdConfig withPeerLimits(int perSourcePerMinute, int totalPerMinute) {
        return new LsdConfig(networkInterface, listenPort, families, ipv4Source, ipv6Source, multicastTtl,
                announceInterval, maxAnnouncesPerMinute, perSourcePerMinute, totalPerMinute, clock);
    }

    public LsdConfig withClock(Clock clock) {
        return new LsdConfig(networkInterface, listenPort, families, ipv4Source, ipv6Source, multicastTtl,
                announceInterval, maxAnnouncesPerMinute, maxPeersPerSourcePerMinute, maxPeersPerMinute, clock);
    }

    /**
     * The interfaces users get LSD on unless they choose: up, multicast-capable, not loopback, not
     * point-to-point (a VPN tunnel leads off the LAN), not a virtual sub-interface, and with an address.
     * The engine starts one service per interface. Tests never use this: they pass their namespace's own.
     */
    public static List<NetworkInterface> defaultInterfaces() throws SocketException {
        List<NetworkInterface> out = new ArrayList<>();
        for (NetworkInterface ni : NetworkInterface.networkInterfaces().toList()) {
            if (ni.isUp() && ni.supportsMulticast() && !ni.isLoopback() && !ni.isPointToPoint() && !ni.isVirtual()
                    && ni.inetAddresses().findAny().isPresent()) {
                out.add(ni);
            }
        }
        return List.copyOf(out);
    }

    /** The group of {@code family}. */
    static InetSocketAddress group(ProtocolFamily family) {
        return family == StandardProtocolFamily.INET ? IPV4_GROUP : IPV6_GROUP;
    }

    /** The Host header of announces to the group of {@code family}. */
    static String host(ProtocolFamily family) {
        return family == StandardProtocolFamily.INET ? IPV4_HOST : IPV6_HOST;
    }

    private static void requirePositive(int value, String name) {
        if (value < 1) {
            throw new IllegalArgumentException(name + " must be at least 1, not " + value);
        }
    }

    private static InetAddress address(byte[] bytes) {
        try {
            return InetAddress.getByAddress(bytes);
        } catch (UnknownHostException e) {
            throw new AssertionError("a literal address of 4 or 16 bytes", e);
        }
    }
}
