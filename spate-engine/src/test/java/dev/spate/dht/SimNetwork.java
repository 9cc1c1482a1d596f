package dev.spate.dht;

import dev.spate.core.Clock;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.UnaryOperator;

/**
 * An in-memory UDP network of {@link DhtNode}s with one fake clock, driven from the test's thread:
 * datagrams queue in order and {@link #run} delivers them until none are left; time moves only in
 * {@link #advance}. Nodes have public-looking IPv4 addresses (20.x.y.z, never sent anywhere: there
 * is no socket) and BEP 42 ids derived from them.
 */
final class SimNetwork {
    record Datagram(InetSocketAddress from, InetSocketAddress to, byte[] bytes) {
    }

    long now = 1_000_000_000_000L;
    final Clock clock = () -> now;
    final Map<InetSocketAddress, DhtNode> nodes = new LinkedHashMap<>();
    final ArrayDeque<Datagram> queue = new ArrayDeque<>();
    final SplittableRandom random;
    long delivered;
    /** Called for every datagram before delivery; may replace it (null drops it). */
    UnaryOperator<Datagram> filter = d -> d;
    /** Addresses answered by a test's own code instead of a node (a hostile node). */
    final Map<InetSocketAddress, java.util.function.Consumer<Datagram>> others = new LinkedHashMap<>();

    SimNetwork(long seed) {
        this.random = new SplittableRandom(seed);
    }

    static InetSocketAddress address(int i) {
        try {
            return new InetSocketAddress(InetAddress.getByAddress(new byte[] {20, (byte) (i >>> 16), (byte) (i >>> 8),
                (byte) i}), 6881);
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    DhtConfig config() {
        return DhtConfig.defaults().withBootstrap(List.of()).withFamilies(java.util.Set.of(AddressFamily.IPV4))
                .withClock(clock).withRandom(random.split());
    }

    DatagramTransport transport(InetSocketAddress self) {
        return (to, bytes) -> queue.add(new Datagram(self, to, bytes));
    }

    /** Adds a node at {@code address} with its BEP 42 id. */
    DhtNode add(InetSocketAddress address, DhtConfig config) {
        DhtNode n = new DhtNode(config, transport(address));
        n.setExternalAddress(address.getAddress());
        nodes.put(address, n);
        return n;
    }

    /** Builds a network of {@code count} nodes, each joining through the first. */
    List<DhtNode> grow(int count) {
        List<DhtNode> out = new ArrayList<>();
        int base = nodes.size();
        for (int i = 0; i < count; i++) {
            InetSocketAddress a = address(base + i + 1);
            DhtNode n = add(a, config());
            out.add(n);
            if (nodes.size() > 1) {
                n.bootstrap(List.of(nodes.keySet().iterator().next()));
                run();
            }
            now += Duration.ofMillis(50).toNanos();
        }
        return out;
    }

    /** Lets the joined nodes run their first ticks: the refreshes of sparse buckets after joining. */
    void settle() {
        advance(Duration.ofSeconds(20), Duration.ofSeconds(1));
    }

    void remove(InetSocketAddress a) {
        nodes.remove(a);
    }

    /** Sends a datagram from an address that is not a node's (a test's hostile node). */
    void inject(InetSocketAddress from, InetSocketAddress to, byte[] bytes) {
        queue.add(new Datagram(from, to, bytes));
    }

    /** Delivers datagrams until none are left. */
    void run() {
        long limit = delivered + 50_000_000L;
        while (!queue.isEmpty()) {
            Datagram d = filter.apply(queue.poll());
            if (d == null) {
                continue;
            }
            DhtNode n = nodes.get(d.to());
            if (n != null) {
                delivered++;
                n.onDatagram(d.from(), d.bytes(), 0, d.bytes().length);
            } else if (others.containsKey(d.to())) {
                delivered++;
                others.get(d.to()).accept(d);
            }
            if (delivered > limit) {
                throw new AssertionError("the network does not quiesce");
            }
        }
    }

    /** Moves time on in steps of {@code step}, ticking every node and delivering after each step. */
    void advance(Duration total, Duration step) {
        for (long t = 0; t < total.toNanos(); t += step.toNanos()) {
            now += step.toNanos();
            for (DhtNode n : List.copyOf(nodes.values())) {
                n.tick();
            }
            run();
        }
    }
}
