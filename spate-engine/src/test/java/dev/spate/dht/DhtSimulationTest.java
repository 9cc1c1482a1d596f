package dev.spate.dht;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class DhtSimulationTest {
    static boolean DEBUG = false;

    record Measure(int lookups, int exact, int[] rounds, int[] messages) {
        int median(int[] a) {
            return a[a.length / 2];
        }

        int p90(int[] a) {
            return a[(int) Math.ceil(a.length * 0.9) - 1];
        }
    }

    static List<NodeId> trueClosest(SimNetwork net, NodeId target, DhtNode exclude, int k) {
        List<NodeId> ids = new ArrayList<>();
        for (DhtNode n : net.nodes.values()) {
            if (n != exclude) {
                ids.add(n.id());
            }
        }
        ids.sort(target::compareDistance);
        return ids.subList(0, Math.min(k, ids.size()));
    }

    static Measure measure(SimNetwork net) {
        int exact = 0;
        List<Integer> rounds = new ArrayList<>();
        List<Integer> messages = new ArrayList<>();
        for (DhtNode n : List.copyOf(net.nodes.values())) {
            NodeId target = NodeId.random(net.random);
            AtomicReference<LookupResult> got = new AtomicReference<>();
            n.findNode(target, AddressFamily.IPV4, got::set);
            net.run();
            LookupResult r = got.get();
            assertThat(r).as("lookup from %s finished", n.id()).isNotNull();
            List<NodeId> found = r.closest().stream().map(NodeContact::id).toList();
            List<NodeId> truth = trueClosest(net, target, n, 8);
            if (found.equals(truth)) {
                exact++;
            } else if (DEBUG) {
                System.out.printf("querier %s target %s found %s cached %s rounds %d%n", n.id(), target, found, r.cached(), r.rounds());
                for (NodeContact fc : r.closest()) {
                    DhtNode o = net.nodes.get(fc.address());
                    System.out.printf("  %s says %s%n", fc.id(), o.table(AddressFamily.IPV4).closest(target, 8, net.now).stream().map(NodeContact::id).toList());
                }
                for (NodeId t : truth) {
                    if (!found.contains(t)) {
                        int knowers = 0;
                        for (DhtNode o : net.nodes.values()) {
                            for (NodeContact c : o.table(AddressFamily.IPV4).contacts(net.now)) {
                                if (c.id().equals(t)) {
                                    knowers++;
                                }
                            }
                        }
                        System.out.printf("missed %s (rank %d), known by %d nodes; found %d, msgs %d%n", t,
                                truth.indexOf(t), knowers, found.size(), r.messages());
                    }
                }
            }
            rounds.add(r.rounds());
            messages.add(r.messages());
        }
        return new Measure(net.nodes.size(), exact, rounds.stream().mapToInt(i -> i).sorted().toArray(),
                messages.stream().mapToInt(i -> i).sorted().toArray());
    }

    @Test
    void everyNodeOf500FindsTheTrueClosestEightOfARandomTarget() {
        SimNetwork net = new SimNetwork(500);
        long t0 = System.nanoTime();
        net.grow(500);
        net.settle();
        long t1 = System.nanoTime();
        Measure m = measure(net);
        long t2 = System.nanoTime();
        System.out.printf("500 nodes: build %d ms, lookups %d ms, exact %d/%d, rounds median %d p90 %d max %d,"
                + " messages median %d p90 %d max %d, datagrams %d%n", (t1 - t0) / 1_000_000, (t2 - t1) / 1_000_000,
                m.exact, m.lookups, m.median(m.rounds), m.p90(m.rounds), m.rounds[m.rounds.length - 1],
                m.median(m.messages), m.p90(m.messages), m.messages[m.messages.length - 1], net.delivered);
        assertThat(m.exact).isEqualTo(m.lookups);
    }

    @Test
    void twoThousand() {
        SimNetwork net = new SimNetwork(2000);
        long t0 = System.nanoTime();
        net.grow(2000);
        net.settle();
        long t1 = System.nanoTime();
        Measure m = measure(net);
        long t2 = System.nanoTime();
        System.out.printf("2000 nodes: build %d ms, lookups %d ms, exact %d/%d, rounds median %d p90 %d max %d,"
                + " messages median %d p90 %d max %d, datagrams %d%n", (t1 - t0) / 1_000_000, (t2 - t1) / 1_000_000,
                m.exact, m.lookups, m.median(m.rounds), m.p90(m.rounds), m.rounds[m.rounds.length - 1],
                m.median(m.messages), m.p90(m.messages), m.messages[m.messages.length - 1], net.delivered);
        assertThat(m.exact).isEqualTo(m.lookups);
    }
}
