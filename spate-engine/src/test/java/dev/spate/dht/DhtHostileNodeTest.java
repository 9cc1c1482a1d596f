package dev.spate.dht;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** A hostile node inside a simulated network: what it sends is ignored and the tables stay sane. */
class DhtHostileNodeTest {
    static final InetSocketAddress HOSTILE = SimNetwork.address(0x60_00_00);

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    static Krpc decode(byte[] b) {
        try {
            return KrpcCodec.decode(b, 0, b.length);
        } catch (KrpcException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void garbageOversizedAnswersWrongTransactionIdsOurOwnIdAndFloodsAreIgnored() {
        SimNetwork net = new SimNetwork(66);
        net.grow(150);
        net.settle();
        List<DhtNode> victims = List.copyOf(net.nodes.values());
        List<InetSocketAddress> addresses = List.copyOf(net.nodes.keySet());
        NodeId hostileId = NodeId.random(net.random);

        // It answers every query it gets, each time with another kind of bad answer.
        AtomicInteger kind = new AtomicInteger();
        net.others.put(HOSTILE, d -> {
            if (!(decode(d.bytes()) instanceof Krpc.Query q)) {
                return;
            }
            NodeId victimId = net.nodes.get(d.from()).id();
            byte[] reply = switch (kind.getAndIncrement() % 6) {
                case 0 -> KrpcCodec.encode(new Krpc.Response(new byte[] {(byte) (q.tid()[0] ^ 0x55), q.tid()[1]},
                        hostileId, List.of(), List.of(), List.of(), null, d.from()));
                case 1 -> KrpcCodec.encode(new Krpc.Response(q.tid(), victimId, List.of(), List.of(), List.of(), null,
                        d.from()));
                case 2 -> {
                    // 40 contacts: over the 16 a reply may carry.
                    List<NodeContact> many = new ArrayList<>();
                    for (int i = 0; i < 40; i++) {
                        many.add(new NodeContact(NodeId.random(net.random), SimNetwork.address(0x61_00_00 + i)));
                    }
                    yield KrpcCodec.encode(new Krpc.Response(q.tid(), hostileId, many, List.of(), List.of(), null, null));
                }
                case 3 -> {
                    byte[] big = new byte[4000];
                    System.arraycopy(KrpcCodec.encode(new Krpc.Response(q.tid(), hostileId, List.of(), List.of(),
                            List.of(), null, null)), 0, big, 0, 10);
                    big[big.length - 1] = 'e';
                    yield big;
                }
                case 4 -> {
                    // A correct answer from another port of the same host: not where we asked.
                    net.inject(new InetSocketAddress(HOSTILE.getAddress(), 7000), d.from(), KrpcCodec.encode(
                            new Krpc.Response(q.tid(), hostileId, List.of(), List.of(), List.of(), null, d.from())));
                    yield null;
                }
                default -> bytes("d1:rd2:id20:" + "x".repeat(19) + "e1:t2:" + "zz" + "1:y1:re");
            };
            if (reply != null) {
                net.inject(HOSTILE, d.from(), reply);
            }
        });

        for (InetSocketAddress victim : addresses) {
            NodeId victimId = net.nodes.get(victim).id();
            for (int i = 0; i < 3; i++) {
                byte[] junk = new byte[1 + net.random.nextInt(3000)];
                net.random.nextBytes(junk);
                net.inject(HOSTILE, victim, junk);
            }
            net.inject(HOSTILE, victim, bytes("d1:ad2:id" + "l".repeat(500) + "e".repeat(500) + "e1:t2:aa1:y1:qe"));
            // Queries in the victim's own name: ignored.
            net.inject(HOSTILE, victim, KrpcCodec.encode(new Krpc.FindNode(bytes("aa"), victimId, false,
                    NodeId.random(net.random), Set.of())));
            // A valid query, so the victim pings it back and meets its bad answers.
            net.inject(HOSTILE, victim, KrpcCodec.encode(new Krpc.Ping(bytes("ab"), hostileId, false)));
        }
        // And a flood at the first node.
        for (int i = 0; i < 500; i++) {
            net.inject(HOSTILE, addresses.get(0), KrpcCodec.encode(new Krpc.Ping(new byte[] {(byte) i, (byte) (i >> 8)},
                    hostileId, false)));
        }
        net.run();
        // As after a PORT message from it: every victim pings it, six times, meeting each kind of answer.
        for (int round = 0; round < 6; round++) {
            for (DhtNode v : victims) {
                v.ping(HOSTILE);
            }
            net.run();
        }
        net.advance(Duration.ofSeconds(30), Duration.ofSeconds(1));

        assertThat(kind.get()).as("bad answers given").isGreaterThanOrEqualTo(6 * (victims.size() - 1));
        assertThat(victims.get(0).stats().rateLimited()).isPositive();
        assertThat(victims.get(0).stats().blockedIps()).isEqualTo(1);
        long dropped = victims.stream().mapToLong(v -> v.stats().dropped()).sum();
        assertThat(dropped).isGreaterThan(4L * victims.size());
        for (DhtNode v : victims) {
            assertThat(v.table(AddressFamily.IPV4).entries()).noneMatch(e -> e.contact.address().getAddress()
                    .equals(HOSTILE.getAddress()));
        }
        DhtSimulationTest.assertTablesSane(net, Set.of(HOSTILE));
        DhtSimulationTest.Measure m = DhtSimulationTest.measure(net, victims.subList(0, 50));
        assertThat(m.exact()).isEqualTo(m.lookups());
    }

    @Test
    void aNodeThatAnswersWithContactsCloseToEveryTargetCannotDerailLookups() throws Exception {
        SimNetwork net = new SimNetwork(67);
        net.grow(150);
        net.settle();
        NodeId hostileId = NodeId.random(net.random);
        InetAddress hostileIp = HOSTILE.getAddress();
        InetAddress multicast = InetAddress.getByName("224.0.0.1");
        InetAddress broadcast = InetAddress.getByName("255.255.255.255");
        // Pings it answers properly, so it enters tables; to lookups it names 16 sybils at its own
        // address (other ports, silent), with ids sharing 40 bits with the target, plus the asker
        // itself and addresses no datagram may go to.
        net.others.put(HOSTILE, d -> {
            Krpc m = decode(d.bytes());
            if (!(m instanceof Krpc.Query q)) {
                return;
            }
            NodeId victimId = net.nodes.get(d.from()).id();
            List<NodeContact> poison = new ArrayList<>();
            NodeId target = switch (q) {
                case Krpc.FindNode f -> f.target();
                case Krpc.GetPeers g -> NodeId.of(g.infoHash());
                default -> null;
            };
            if (target != null) {
                for (int i = 0; i < 13; i++) {
                    byte[] id = target.bytes();
                    id[5] ^= (byte) (i + 1);
                    id[19] = (byte) net.random.nextInt(256);
                    poison.add(new NodeContact(NodeId.of(id), new InetSocketAddress(hostileIp, 7000 + i)));
                }
                poison.add(new NodeContact(victimId, new InetSocketAddress(hostileIp, 8000)));
                poison.add(new NodeContact(NodeId.random(net.random), new InetSocketAddress(multicast, 6881)));
                poison.add(new NodeContact(NodeId.random(net.random), new InetSocketAddress(broadcast, 6881)));
            }
            net.inject(HOSTILE, d.from(), KrpcCodec.encode(new Krpc.Response(q.tid(), hostileId, poison, List.of(),
                    List.of(), target != null ? bytes("tok") : null, d.from())));
        });
        List<DhtNode> victims = List.copyOf(net.nodes.values());
        for (DhtNode v : victims) {
            v.ping(HOSTILE);
        }
        net.run();
        long holding = victims.stream().filter(v -> v.table(AddressFamily.IPV4).contains(new NodeContact(hostileId,
                HOSTILE))).count();
        assertThat(holding).as("it answered pings, so it may enter").isPositive();

        List<DhtNode> askers = new ArrayList<>();
        for (DhtNode v : victims) {
            if (v.table(AddressFamily.IPV4).contains(new NodeContact(hostileId, HOSTILE))) {
                askers.add(v);
            }
        }
        int exact = 0;
        for (DhtNode v : askers.subList(0, Math.min(30, askers.size()))) {
            // A target next to the hostile node's id, so that it is among the first asked.
            byte[] t = hostileId.bytes();
            t[10] ^= 1;
            NodeId target = NodeId.of(t);
            AtomicReference<LookupResult> got = new AtomicReference<>();
            v.findNode(target, AddressFamily.IPV4, got::set);
            net.run();
            for (int s = 0; s < 60 && got.get() == null; s++) {
                net.advance(Duration.ofSeconds(1), Duration.ofSeconds(1)); // the sybils time out
            }
            assertThat(got.get()).isNotNull();
            List<NodeId> found = got.get().closest().stream().map(NodeContact::id).toList();
            List<NodeId> truth = DhtSimulationTest.trueClosest(net, target, v);
            // The hostile node answered, so it is a node like any other; the sybils never did.
            List<NodeId> truthWithHostile = new ArrayList<>(truth);
            truthWithHostile.add(hostileId);
            truthWithHostile.sort(target::compareDistance);
            if (found.equals(truthWithHostile.subList(0, found.size())) && found.size() == RoutingTable.K) {
                exact++;
            }
            assertThat(got.get().closest()).noneMatch(c -> c.address().getAddress().equals(hostileIp)
                    && c.address().getPort() != HOSTILE.getPort());
        }
        assertThat(exact).isEqualTo(Math.min(30, askers.size()));
        assertThat(askers.stream().mapToLong(v -> v.stats().timeouts()).sum()).as("the sybils were asked").isPositive();
        DhtSimulationTest.assertTablesSane(net, Set.of());
        for (DhtNode v : victims) {
            // One entry per IP: none of the sybils got in beside it.
            assertThat(v.table(AddressFamily.IPV4).entries().stream()
                    .filter(e -> e.contact.address().getAddress().equals(hostileIp))).hasSizeLessThanOrEqualTo(1);
        }
    }
}
