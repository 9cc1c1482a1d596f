package dev.spate.dht;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spate.core.InfoHash;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Networks of hundreds of nodes in one thread: an in-memory network, one fake clock, no sleeping.
 * The lookups are checked against the true closest nodes found by brute force, and the rounds and
 * messages they take are measured (printed, and bounded by assertions).
 */
class DhtSimulationTest {
    static final int K = RoutingTable.K;

    /** Rounds and messages of lookups, sorted. */
    record Measure(int lookups, int exact, int[] rounds, int[] messages) {
        static int median(int[] a) {
            return a[a.length / 2];
        }

        static int p90(int[] a) {
            return a[(int) Math.ceil(a.length * 0.9) - 1];
        }

        static int max(int[] a) {
            return a[a.length - 1];
        }

        String summary() {
            return String.format("exact %d/%d, rounds median %d p90 %d max %d, messages median %d p90 %d max %d",
                    exact, lookups, median(rounds), p90(rounds), max(rounds), median(messages), p90(messages),
                    max(messages));
        }
    }

    static List<NodeId> trueClosest(SimNetwork net, NodeId target, DhtNode exclude) {
        List<NodeId> ids = new ArrayList<>();
        for (DhtNode n : net.nodes.values()) {
            if (n != exclude) {
                ids.add(n.id());
            }
        }
        ids.sort(target::compareDistance);
        return ids.subList(0, Math.min(K, ids.size()));
    }

    /** One find_node of a random target from each of {@code from}, each checked by brute force. */
    static Measure measure(SimNetwork net, List<DhtNode> from) {
        int exact = 0;
        List<Integer> rounds = new ArrayList<>();
        List<Integer> messages = new ArrayList<>();
        for (DhtNode n : from) {
            NodeId target = NodeId.random(net.random);
            AtomicReference<LookupResult> got = new AtomicReference<>();
            n.findNode(target, AddressFamily.IPV4, got::set);
            net.run();
            LookupResult r = got.get();
            assertThat(r).as("lookup from %s finished", n.id()).isNotNull();
            if (r.closest().stream().map(NodeContact::id).toList().equals(trueClosest(net, target, n))) {
                exact++;
            }
            rounds.add(r.rounds());
            messages.add(r.messages());
        }
        return new Measure(from.size(), exact, rounds.stream().mapToInt(i -> i).sorted().toArray(),
                messages.stream().mapToInt(i -> i).sorted().toArray());
    }

    static int log2Ceil(int n) {
        return 32 - Integer.numberOfLeadingZeros(n - 1);
    }

    /**
     * The table invariants, for every node: no own id, one entry per IP (live or cached), live entries
     * naming real nodes and none of {@code mustNotAppear}, everything bounded.
     */
    static void assertTablesSane(SimNetwork net, Set<InetSocketAddress> mustNotAppear) {
        for (DhtNode n : net.nodes.values()) {
            RoutingTable t = n.table(AddressFamily.IPV4);
            Set<java.net.InetAddress> ips = new HashSet<>();
            for (RoutingTable.Entry e : t.entries()) {
                assertThat(e.contact.id()).isNotEqualTo(n.id());
                assertThat(ips.add(e.contact.address().getAddress())).as("one entry per IP").isTrue();
                if (!t.contains(e.contact)) {
                    continue; // a replacement waits unverified; it is pinged when it takes a place
                }
                assertThat(mustNotAppear).doesNotContain(e.contact.address());
                DhtNode real = net.nodes.get(e.contact.address());
                if (real != null) {
                    assertThat(real.id()).as("a live entry names the node at its address").isEqualTo(e.contact.id());
                }
            }
            assertThat(t.size()).isLessThanOrEqualTo(NodeId.BITS * K);
            assertThat(t.replacements()).isLessThanOrEqualTo(NodeId.BITS * K);
            DhtStats s = n.stats();
            assertThat(s.pendingQueries()).isLessThanOrEqualTo(DhtNode.MAX_PENDING);
            assertThat(s.runningLookups()).isLessThanOrEqualTo(DhtNode.MAX_RUNNING);
        }
    }

    @Test
    void inANetworkOf500EveryNodesLookupFindsTheTrueClosestEightWithinBoundedRounds() {
        SimNetwork net = new SimNetwork(500);
        net.grow(500);
        net.settle();
        Measure m = measure(net, List.copyOf(net.nodes.values()));
        System.out.println("DHT simulation, 500 nodes: " + m.summary());
        assertThat(m.exact).isEqualTo(m.lookups);
        assertThat(Measure.max(m.rounds)).isLessThanOrEqualTo(log2Ceil(500));
        assertThat(Measure.p90(m.messages)).isLessThanOrEqualTo(3 * K);
        assertTablesSane(net, Set.of());
        // Honest traffic is neither rate-limited nor dropped anywhere.
        assertThat(net.nodes.values().stream().mapToLong(n -> n.stats().rateLimited() + n.stats().dropped()).sum())
                .isZero();

        // Announces are found by get_peers from any node.
        List<DhtNode> all = List.copyOf(net.nodes.values());
        List<InfoHash> hashes = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            byte[] h = new byte[20];
            net.random.nextBytes(h);
            InfoHash ih = InfoHash.of(h);
            hashes.add(ih);
            all.get(i * 37).announce(ih, AddressFamily.IPV4, 6000 + i, r -> { });
            net.run();
        }
        for (int i = 0; i < hashes.size(); i++) {
            InetSocketAddress announcer = new InetSocketAddress(SimNetwork.address(i * 37 + 1).getAddress(), 6000 + i);
            for (int j = 0; j < 30; j++) {
                DhtNode asker = all.get(net.random.nextInt(all.size()));
                AtomicReference<LookupResult> got = new AtomicReference<>();
                asker.getPeers(hashes.get(i), AddressFamily.IPV4, got::set);
                net.run();
                assertThat(got.get().peers()).as("peers of hash %d seen from a node", i).contains(announcer);
            }
        }
    }

    @Test
    void inANetworkOf2000EveryNodesLookupStaysExactAndItsCostGrowsSlowly() {
        SimNetwork net = new SimNetwork(2000);
        net.grow(2000);
        net.settle();
        Measure m = measure(net, List.copyOf(net.nodes.values()));
        System.out.println("DHT simulation, 2000 nodes: " + m.summary());
        assertThat(m.exact).isEqualTo(m.lookups);
        assertThat(Measure.max(m.rounds)).isLessThanOrEqualTo(log2Ceil(2000));
        assertThat(Measure.p90(m.messages)).isLessThanOrEqualTo(3 * K);
    }

    @Test
    void onANetworkLosingOneDatagramInTenLookupsStillEndAndFindTheClosest() {
        SimNetwork net = new SimNetwork(10);
        net.grow(300);
        net.settle();
        java.util.SplittableRandom loss = new java.util.SplittableRandom(99);
        net.filter = d -> loss.nextInt(10) == 0 ? null : d;
        int exact = 0;
        int found = 0;
        List<Integer> seconds = new ArrayList<>();
        for (DhtNode n : List.copyOf(net.nodes.values()).subList(0, 200)) {
            NodeId target = NodeId.random(net.random);
            AtomicReference<LookupResult> got = new AtomicReference<>();
            n.findNode(target, AddressFamily.IPV4, got::set);
            net.run();
            int s = 0;
            for (; got.get() == null && s < 120; s++) {
                net.advance(Duration.ofSeconds(1), Duration.ofSeconds(1));
            }
            assertThat(got.get()).as("the lookup ended").isNotNull();
            seconds.add(s);
            List<NodeId> truth = trueClosest(net, target, n);
            List<NodeId> ids = got.get().closest().stream().map(NodeContact::id).toList();
            exact += ids.equals(truth) ? 1 : 0;
            found += (int) ids.stream().filter(truth::contains).count();
        }
        int[] sec = seconds.stream().mapToInt(i -> i).sorted().toArray();
        System.out.printf("DHT 10%% loss, 300 nodes: exact %d/200, true closest found %d/1600, seconds median %d max %d%n",
                exact, found, Measure.median(sec), Measure.max(sec));
        // A lookup asks a silent node once more; a node whose both attempts are lost is left out, so
        // not every lookup is exact (each of the 8 closest is lost with p = 0.19^2), but nearly all of
        // the true closest are found.
        assertThat(found).isGreaterThanOrEqualTo(1600 * 95 / 100);
        assertThat(exact).isGreaterThanOrEqualTo(200 * 2 / 3);
        // Timeouts run in parallel (alpha in flight): the slowest waits a handful, not one per node lost.
        assertThat(Measure.max(sec)).isLessThanOrEqualTo(6 * (int) DhtConfig.DEFAULT_QUERY_TIMEOUT.toSeconds());
    }

    @Test
    void nodesThatGoAwayAreEvictedAndReplacedAndLookupsStayExact() {
        SimNetwork net = new SimNetwork(300);
        net.grow(300);
        net.settle();
        int before = 0;
        for (DhtNode n : net.nodes.values()) {
            before += n.stats().nodes4();
        }
        List<InetSocketAddress> addresses = new ArrayList<>(net.nodes.keySet());
        Set<InetSocketAddress> gone = new HashSet<>();
        while (gone.size() < 60) {
            gone.add(addresses.get(1 + net.random.nextInt(addresses.size() - 1)));
        }
        gone.forEach(net::remove);
        // Past the 15 minutes after which a silent node is questionable, and two pings after it.
        net.advance(Duration.ofMinutes(20), Duration.ofSeconds(5));
        int after = 0;
        for (DhtNode n : net.nodes.values()) {
            after += n.stats().nodes4();
            for (NodeContact c : n.table(AddressFamily.IPV4).contacts(net.now)) {
                assertThat(gone).as("a departed node still in %s's table", n.id()).doesNotContain(c.address());
            }
        }
        System.out.printf("DHT churn: 60 of 300 nodes gone; table entries %d before, %d after (per node %.1f, %.1f)%n",
                before, after, before / 300.0, after / 240.0);
        // The places of the departed are taken: per node the tables hold about as many as before.
        assertThat(after / 240.0).isGreaterThan(0.9 * before / 300.0);
        assertTablesSane(net, gone);
        Measure m = measure(net, List.copyOf(net.nodes.values()).subList(0, 100));
        assertThat(m.exact).isEqualTo(m.lookups);
    }
}
