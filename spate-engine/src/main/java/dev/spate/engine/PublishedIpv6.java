package dev.spate.engine;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The IPv6 address an HTTP announce over IPv4 publishes as BEP 7's {@code ipv6} parameter
 * (stateless). BEP 7 discourages announcing an address other than our own, which would let anyone
 * point a swarm at a victim; so only a global address we listen on qualifies: the bind address
 * itself, or on the wildcard (whose dual-stack socket takes IPv6 too) one of this host's.
 */
final class PublishedIpv6 {
    private PublishedIpv6() {
    }

    /** For a session bound to {@code bind}, from this host's interfaces; empty when it has none. */
    static Optional<Inet6Address> of(InetAddress bind) {
        return choose(bind, bind.isAnyLocalAddress() ? hostAddresses() : List.of());
    }

    /**
     * The bind address when it is a global IPv6 one; on the wildcard, the first global IPv6 address
     * among {@code local}; empty when bound to anything else (IPv4, or a local IPv6 address peers on
     * the internet could not reach).
     */
    static Optional<Inet6Address> choose(InetAddress bind, List<InetAddress> local) {
        if (!bind.isAnyLocalAddress()) {
            return bind instanceof Inet6Address v6 && global(v6) ? Optional.of(v6) : Optional.empty();
        }
        return local.stream().filter(a -> a instanceof Inet6Address v6 && global(v6))
                .map(a -> (Inet6Address) a).findFirst();
    }

    /**
     * Global unicast (2000::/3, RFC 4291): not loopback, link-local, unique-local (fc00::/7), mapped
     * or multicast, which a tracker could not hand to peers elsewhere.
     */
    static boolean global(Inet6Address a) {
        return (a.getAddress()[0] & 0xe0) == 0x20;
    }

    private static List<InetAddress> hostAddresses() {
        List<InetAddress> out = new ArrayList<>();
        try {
            for (NetworkInterface ni : NetworkInterface.networkInterfaces().toList()) {
                if (ni.isUp() && !ni.isLoopback()) {
                    ni.inetAddresses().forEach(out::add);
                }
            }
        } catch (SocketException e) {
            // No interface list: nothing to publish, the announce goes without the parameter.
        }
        return out;
    }
}
