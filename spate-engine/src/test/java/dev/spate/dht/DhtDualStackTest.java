package dev.spate.dht;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * BEP 32: dual-stack nodes keep two tables, each of one family; a node that bootstraps over IPv4
 * only fills its IPv6 table from the {@code nodes6} that "want" asks for; IPv6 lookups run in the
 * IPv6 DHT alone.
 */
class DhtDualStackTest {
    static InetSocketAddress v6(int i) throws Exception {
        return new InetSocketAddress(InetAddress.getByName("2001:db8::" + Integer.toHexString(i)), 6881);
    }

    @Test
    void ipv6TablesFillFromIpv4BootstrapAndIpv6LookupsFindTheTrueClosest() throws Exception {
        SimNetwork net = new SimNetwork(32);
        Map<DhtNode, InetSocketAddress> v4Of = new HashMap<>();
        List<DhtNode> all = new ArrayList<>();
        InetSocketAddress router = null;
        InetSocketAddress router6 = null;
        for (int i = 1; i <= 200; i++) {
            InetSocketAddress a4 = SimNetwork.address(i);
            InetSocketAddress a6 = v6(i);
            // One node, two sockets: it sends from the address of the destination's family.
            DhtNode n = new DhtNode(net.config().withFamilies(EnumSet.allOf(AddressFamily.class)),
                    (to, bytes) -> net.queue.add(new SimNetwork.Datagram(
                            AddressFamily.of(to.getAddress()) == AddressFamily.IPV4 ? a4 : a6, to, bytes)));
            n.setExternalAddress(a4.getAddress());
            net.nodes.put(a4, n);
            net.nodes.put(a6, n);
            v4Of.put(n, a4);
            all.add(n);
            if (router == null) {
                router = a4;
                router6 = a6;
            } else {
                // The last 20 know only the IPv4 router: their IPv6 tables fill from the leak alone.
                n.bootstrap(i > 180 ? List.of(router) : List.of(router, router6));
                net.run();
            }
            net.now += 50_000_000L;
        }
        net.settle();
        int v6Entries = 0;
        for (DhtNode n : all) {
            v6Entries += n.stats().nodes6();
            for (NodeContact c : n.table(AddressFamily.IPV6).contacts(net.now)) {
                assertThat(c.family()).isEqualTo(AddressFamily.IPV6);
                assertThat(net.nodes.get(c.address()).id()).isEqualTo(c.id());
            }
            for (NodeContact c : n.table(AddressFamily.IPV4).contacts(net.now)) {
                assertThat(c.family()).isEqualTo(AddressFamily.IPV4);
            }
        }
        assertThat(v6Entries / all.size()).as("IPv6 entries per node").isGreaterThanOrEqualTo(RoutingTable.K);
        for (DhtNode late : all.subList(180, 200)) {
            assertThat(late.stats().nodes6()).as("IPv6 nodes of one that bootstrapped over IPv4")
                    .isGreaterThanOrEqualTo(RoutingTable.K);
        }

        int exact = 0;
        for (DhtNode n : all.subList(0, 100)) {
            NodeId target = NodeId.random(net.random);
            AtomicReference<LookupResult> got = new AtomicReference<>();
            n.findNode(target, AddressFamily.IPV6, got::set);
            net.run();
            assertThat(got.get().family()).isEqualTo(AddressFamily.IPV6);
            List<NodeId> truth = all.stream().filter(o -> o != n).map(DhtNode::id).sorted(target::compareDistance)
                    .limit(RoutingTable.K).toList();
            if (got.get().closest().stream().map(NodeContact::id).toList().equals(truth)) {
                exact++;
            }
            assertThat(got.get().closest()).allMatch(c -> c.family() == AddressFamily.IPV6);
        }
        assertThat(exact).isEqualTo(100);
    }
}
