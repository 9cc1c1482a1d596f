package dev.spate.engine;

import dev.spate.core.InfoHash;
import dev.spate.lsd.LsdConfig;
import dev.spate.lsd.LsdListener;
import dev.spate.lsd.LsdService;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.StandardProtocolFamily;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * A session's Local Service Discovery (BEP 14): one {@link LsdService} per interface the session
 * listens on, all announcing the same torrents and handing the peers they hear to one listener.
 * BEP 14 asks for an announce "on each interface on which it is listening for bittorrent
 * connections", so the interfaces follow the bind address ({@link #plan}): the wildcard means every
 * interface users get LSD on ({@link LsdConfig#defaultInterfaces}), both groups; a single address
 * means the interface holding it, only the group of its family, announces sent from that address
 * (receivers take the source as the address to dial, and we accept connections there only).
 *
 * <p>An interface that cannot join its groups (down, no multicast) is logged and left out; the
 * session runs without LSD there rather than failing. Which torrents are announced is decided by
 * each torrent on its loop ({@link TorrentContext.LocalDiscovery}); this class only passes the
 * info-hashes on.
 *
 * <p>Threads: started and closed by the session; {@link #join} and {@link #leave} from torrents'
 * loops, any number at once (the services are thread-safe, the list never changes after start).
 */
final class LsdServices implements TorrentContext.LocalDiscovery, AutoCloseable {
    private static final System.Logger LOG = System.getLogger(LsdServices.class.getName());

    private final List<LsdService> services;

    private LsdServices(List<LsdService> services) {
        this.services = List.copyOf(services);
    }

    /**
     * The services of a session bound to {@code bindAddress}, listening on {@code listenPort}: one per
     * planned interface that could join its groups; possibly none.
     */
    static LsdServices start(InetAddress bindAddress, int listenPort, LsdListener listener) {
        List<LsdConfig> plan;
        try {
            plan = plan(bindAddress, listenPort, LsdConfig.defaultInterfaces());
        } catch (SocketException e) {
            LOG.log(System.Logger.Level.WARNING, "local service discovery is off: cannot list the network interfaces: {0}",
                    e.getMessage());
            return new LsdServices(List.of());
        }
        List<LsdService> started = new ArrayList<>();
        for (LsdConfig c : plan) {
            try {
                LsdService s = LsdService.start(c, listener);
                started.add(s);
                LOG.log(System.Logger.Level.DEBUG, "local service discovery on {0}: {1}", c.networkInterface().getName(),
                        s.groups());
            } catch (IOException | RuntimeException e) {
                LOG.log(expected(c.networkInterface()) ? System.Logger.Level.INFO : System.Logger.Level.WARNING,
                        "local service discovery is off on {0}: {1}", c.networkInterface().getName(), Messages.message(e));
            }
        }
        if (plan.isEmpty()) {
            LOG.log(System.Logger.Level.DEBUG, "local service discovery: no interface to announce on for {0}",
                    dev.spate.core.PeerAddress.host(bindAddress));
        }
        return new LsdServices(started);
    }

    /**
     * Where a session bound to {@code bindAddress} announces (BEP 14: on each interface it listens
     * on): on each of {@code defaults} for the wildcard address, in the families it has addresses of
     * ({@link #families}), else on the interface holding the address (even a loopback: the user chose
     * it), with its family's group only and the address as the source of announces; nothing when no
     * interface holds it.
     */
    static List<LsdConfig> plan(InetAddress bindAddress, int listenPort, List<NetworkInterface> defaults)
            throws SocketException {
        if (bindAddress.isAnyLocalAddress()) {
            List<LsdConfig> out = new ArrayList<>();
            for (NetworkInterface ni : defaults) {
                Set<StandardProtocolFamily> families = families(ni.inetAddresses().toList());
                if (!families.isEmpty()) {
                    out.add(LsdConfig.defaults(ni, listenPort).withFamilies(families));
                }
            }
            return List.copyOf(out);
        }
        NetworkInterface holder = NetworkInterface.getByInetAddress(bindAddress);
        if (holder == null) {
            return List.of();
        }
        LsdConfig c = LsdConfig.defaults(holder, listenPort);
        return List.of(bindAddress instanceof Inet4Address
                ? c.withFamilies(Set.of(StandardProtocolFamily.INET)).withIpv4Source(bindAddress)
                : c.withFamilies(Set.of(StandardProtocolFamily.INET6)).withIpv6Source(bindAddress));
    }

    /**
     * The groups an interface with {@code addresses} can take part in: IPv4's with an IPv4 address (the
     * kernel joins and sends from one); IPv6's with an IPv6 address wider than link-local, since the group
     * is site-local and an announce cannot be sent to it from a link-local address alone (measured: "Cannot
     * assign requested address" on an interface with only {@code fe80::}). Others are left out quietly
     * rather than failing with a warning on every start.
     */
    static Set<StandardProtocolFamily> families(List<InetAddress> addresses) {
        java.util.EnumSet<StandardProtocolFamily> out = java.util.EnumSet.noneOf(StandardProtocolFamily.class);
        for (InetAddress a : addresses) {
            if (a instanceof Inet4Address) {
                out.add(StandardProtocolFamily.INET);
            } else if (!a.isLinkLocalAddress() && !a.isLoopbackAddress()) {
                out.add(StandardProtocolFamily.INET6);
            }
        }
        return out;
    }

    /**
     * Whether LSD failing on {@code ni} is what one would expect, not worth a warning: a loopback (Linux
     * gives {@code lo} no multicast flag), an interface that is down or cannot multicast (a session bound
     * to 127.0.0.1, say).
     */
    private static boolean expected(NetworkInterface ni) {
        try {
            return ni.isLoopback() || !ni.isUp() || !ni.supportsMulticast();
        } catch (SocketException e) {
            return false;
        }
    }

    /** The services running, one per interface. */
    List<LsdService> services() {
        return services;
    }

    @Override
    public void join(InfoHash hash) {
        for (LsdService s : services) {
            s.add(hash);
        }
    }

    @Override
    public void leave(InfoHash hash) {
        for (LsdService s : services) {
            s.remove(hash);
        }
    }

    /** Stops every service; each returns once its threads have ended. */
    @Override
    public void close() {
        for (LsdService s : services) {
            s.close();
        }
    }
}
