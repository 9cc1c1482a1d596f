package dev.spate.lsd;

import dev.spate.core.Clock;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InterfaceAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * The networks of the interface a service is joined on, to drop announces whose source address is not
 * on them (libtorrent does the same). On Linux a socket bound to the group's port receives the group's
 * datagrams from every interface on which any socket joined it, so without this a service for one
 * interface would pass on peers heard on another. The addresses are read again, at most once per
 * {@code refreshNanos}, when a source matches none of them (addresses change: DHCP, SLAAC).
 *
 * <p>Not thread-safe: the receive path's lock guards it.
 */
final class LocalNetworks {
    /** {@code address/prefixLength}. */
    record Subnet(InetAddress address, int prefixLength) {
        Subnet {
            Objects.requireNonNull(address, "address");
            int bits = address.getAddress().length * 8;
            if (prefixLength < 0 || prefixLength > bits) {
                prefixLength = bits;
            }
        }

        boolean contains(InetAddress a) {
            byte[] net = address.getAddress();
            byte[] other = a.getAddress();
            if (net.length != other.length) {
                return false;
            }
            int full = prefixLength / 8;
            for (int i = 0; i < full; i++) {
                if (net[i] != other[i]) {
                    return false;
                }
            }
            int rest = prefixLength % 8;
            if (rest == 0) {
                return true;
            }
            int mask = (0xff << (8 - rest)) & 0xff;
            return (net[full] & mask) == (other[full] & mask);
        }
    }

    private final Supplier<List<Subnet>> reader;
    private final Clock clock;
    private final long refreshNanos;
    private List<Subnet> subnets;
    private long readAt;

    LocalNetworks(Supplier<List<Subnet>> reader, Clock clock, long refreshNanos) {
        this.reader = reader;
        this.clock = clock;
        this.refreshNanos = refreshNanos;
        this.subnets = List.copyOf(reader.get());
        this.readAt = clock.nanoTime();
    }

    /** The subnets of {@code ni}, read afresh (by index) on every call. */
    static Supplier<List<Subnet>> of(NetworkInterface ni) {
        int index = ni.getIndex();
        String name = ni.getName();
        return () -> {
            try {
                NetworkInterface now = NetworkInterface.getByIndex(index);
                if (now == null) {
                    return List.of();
                }
                List<Subnet> out = new ArrayList<>();
                for (InterfaceAddress ia : now.getInterfaceAddresses()) {
                    out.add(new Subnet(ia.getAddress(), ia.getNetworkPrefixLength()));
                }
                return out;
            } catch (SocketException e) {
                throw new UncheckedIOException("reading the addresses of interface " + name, e);
            }
        };
    }

    /** Whether {@code a} is on one of the interface's networks. */
    boolean contains(InetAddress a) {
        if (matches(a)) {
            return true;
        }
        long now = clock.nanoTime();
        if (now - readAt < refreshNanos) {
            return false;
        }
        readAt = now;
        try {
            subnets = List.copyOf(reader.get());
        } catch (UncheckedIOException e) {
            // Keep the last addresses known; the next miss after refreshNanos tries again.
            return false;
        }
        return matches(a);
    }

    private boolean matches(InetAddress a) {
        for (Subnet s : subnets) {
            if (s.contains(a)) {
                return true;
            }
        }
        return false;
    }
}
