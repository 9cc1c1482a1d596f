package dev.spate.dht;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spate.core.InfoHash;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** One node under test, driven by datagrams the test writes and reading what it sends. */
class DhtNodeTest {
    static final long S = 1_000_000_000L;
    static final long MIN = 60 * S;

    record Sent(InetSocketAddress to, byte[] bytes) {
        Krpc message() {
            try {
                return KrpcCodec.decode(bytes, 0, bytes.length);
            } catch (KrpcException e) {
                throw new AssertionError("the node sent an invalid datagram: " + e.getMessage());
            }
        }
    }

    long now = 5_000 * S;
    final List<Sent> sent = new ArrayList<>();
    final SplittableRandom random = new SplittableRandom(3);
    final InetSocketAddress self = addr("20.0.0.1", 6881);
    DhtNode node;

    static InetSocketAddress addr(String ip, int port) {
        try {
            return new InetSocketAddress(InetAddress.getByName(ip), port);
        } catch (java.net.UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    DhtConfig config() {
        return DhtConfig.defaults().withBootstrap(List.of()).withClock(() -> now).withRandom(random.split());
    }

    @BeforeEach
    void start() {
        node = new DhtNode(config(), (to, bytes) -> sent.add(new Sent(to, bytes)));
    }

    void deliver(InetSocketAddress from, Krpc m) {
        byte[] b = KrpcCodec.encode(m);
        node.onDatagram(from, b, 0, b.length);
    }

    void deliver(InetSocketAddress from, String raw) {
        byte[] b = raw.getBytes(StandardCharsets.ISO_8859_1);
        node.onDatagram(from, b, 0, b.length);
    }

    Krpc lastTo(InetSocketAddress to) {
        for (int i = sent.size() - 1; i >= 0; i--) {
            if (sent.get(i).to().equals(to)) {
                return sent.get(i).message();
            }
        }
        return null;
    }

    List<Krpc> sentTo(InetSocketAddress to) {
        return sent.stream().filter(s -> s.to().equals(to)).map(Sent::message).toList();
    }

    static byte[] tid(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    /** Makes {@code who} a node in our table: we ping it and it answers. */
    NodeContact joinTable(InetSocketAddress who) {
        NodeId id = NodeId.random(random);
        node.ping(who);
        Krpc.Ping p = (Krpc.Ping) lastTo(who);
        deliver(who, new Krpc.Response(p.tid(), id, List.of(), List.of(), List.of(), null, self));
        NodeContact c = new NodeContact(id, who);
        assertThat(node.table(AddressFamily.of(who.getAddress())).find(c)).as("live or cached").isNotNull();
        return c;
    }

    /** Makes {@code who} a node in our table with the id {@code id}. */
    NodeContact joinTable(InetSocketAddress who, NodeId id) {
        node.ping(who);
        Krpc.Ping p = (Krpc.Ping) lastTo(who);
        deliver(who, new Krpc.Response(p.tid(), id, List.of(), List.of(), List.of(), null, self));
        return new NodeContact(id, who);
    }

    @Test
    void enforcingBep42NodesWithUnverifiedIdsNeitherEndLookupsNorReceiveAnnounces() {
        node = new DhtNode(config().withEnforceNodeIds(true), (to, bytes) -> sent.add(new Sent(to, bytes)));
        InetSocketAddress vAddr = addr("99.1.2.3", 4000);
        InetSocketAddress uAddr = addr("98.1.2.3", 4000);
        NodeContact verified = joinTable(vAddr, SecureIds.generate(vAddr.getAddress(), random));
        NodeContact unverified = joinTable(uAddr, NodeId.random(random));
        InfoHash ih = InfoHash.of(new byte[20]);
        AtomicReference<LookupResult> got = new AtomicReference<>();
        node.announce(ih, AddressFamily.IPV4, 6000, got::set);
        for (NodeContact c : List.of(verified, unverified)) {
            Krpc.GetPeers g = (Krpc.GetPeers) lastTo(c.address());
            deliver(c.address(), new Krpc.Response(g.tid(), c.id(), List.of(), List.of(), List.of(), tid("tok"), self));
        }
        assertThat(got.get().closest()).containsExactly(verified);
        assertThat(lastTo(vAddr)).isInstanceOf(Krpc.AnnouncePeer.class);
        assertThat(lastTo(uAddr)).as("no announce to the unverified node").isInstanceOf(Krpc.GetPeers.class);
        // Not enforcing (BEP 42's transition), both count.
        sent.clear();
        node = new DhtNode(config(), (to, bytes) -> sent.add(new Sent(to, bytes)));
        joinTable(vAddr, verified.id());
        joinTable(uAddr, unverified.id());
        node.announce(ih, AddressFamily.IPV4, 6000, got::set);
        for (NodeContact c : List.of(verified, unverified)) {
            Krpc.GetPeers g = (Krpc.GetPeers) lastTo(c.address());
            deliver(c.address(), new Krpc.Response(g.tid(), c.id(), List.of(), List.of(), List.of(), tid("tok"), self));
        }
        assertThat(got.get().closest()).containsExactlyInAnyOrder(verified, unverified);
        assertThat(lastTo(uAddr)).isInstanceOf(Krpc.AnnouncePeer.class);
    }

    @Test
    void aPingIsAnsweredWithOurIdAndTheQueriersAddress() {
        InetSocketAddress q = addr("30.0.0.1", 4000);
        deliver(q, new Krpc.Ping(tid("aa"), NodeId.random(random), false));
        Krpc.Response r = (Krpc.Response) sentTo(q).get(sentTo(q).size() - 1);
        assertThat(r.tid()).isEqualTo(tid("aa"));
        assertThat(r.sender()).isEqualTo(node.id());
        assertThat(r.ip()).as("BEP 42 ip").isEqualTo(q);
        assertThat(r.nodes()).isEmpty();
    }

    @Test
    void aQuerierIsPingedAndEntersTheTableOnlyWhenItAnswers() {
        InetSocketAddress q = addr("30.0.0.1", 4000);
        NodeId qid = NodeId.random(random);
        deliver(q, new Krpc.Ping(tid("aa"), qid, false));
        assertThat(node.stats().nodes4()).isZero();
        Krpc.Ping ourPing = (Krpc.Ping) sentTo(q).stream().filter(m -> m instanceof Krpc.Ping).findFirst().orElseThrow();
        deliver(q, new Krpc.Response(ourPing.tid(), qid, List.of(), List.of(), List.of(), null, self));
        assertThat(node.table(AddressFamily.IPV4).contains(new NodeContact(qid, q))).isTrue();
    }

    @Test
    void aReadOnlyQuerierIsServedButNeitherPingedNorAdded() {
        InetSocketAddress q = addr("30.0.0.1", 4000);
        deliver(q, new Krpc.Ping(tid("aa"), NodeId.random(random), true));
        assertThat(sentTo(q)).hasSize(1).allMatch(m -> m instanceof Krpc.Response);
        assertThat(node.stats().nodes4()).isZero();
    }

    @Test
    void aReadOnlyNodeAnswersNoQueriesAndMarksItsOwn() {
        node = new DhtNode(config().withReadOnly(true), (to, bytes) -> sent.add(new Sent(to, bytes)));
        InetSocketAddress q = addr("30.0.0.1", 4000);
        deliver(q, new Krpc.Ping(tid("aa"), NodeId.random(random), false));
        assertThat(sentTo(q)).noneMatch(m -> m instanceof Krpc.Response);
        node.ping(addr("30.0.0.2", 1));
        assertThat(((Krpc.Ping) lastTo(addr("30.0.0.2", 1))).readOnly()).isTrue();
        assertThat(new String(sent.get(sent.size() - 1).bytes(), StandardCharsets.ISO_8859_1)).contains("2:roi1e");
    }

    @Test
    void getPeersGivesATokenThatAnnounceAcceptsAndTheAnnouncedPeerIsReturned() {
        InfoHash ih = InfoHash.of(new byte[20]);
        InetSocketAddress a = addr("30.0.0.1", 4000);
        InetSocketAddress b = addr("30.0.0.2", 5000);
        deliver(a, new Krpc.GetPeers(tid("g1"), NodeId.random(random), false, ih, Set.of()));
        Krpc.Response r = (Krpc.Response) lastTo(a);
        assertThat(r.token()).isNotNull();
        assertThat(r.values()).isEmpty();
        // The token is bound to a's IP: b cannot use it.
        deliver(b, new Krpc.AnnouncePeer(tid("x1"), NodeId.random(random), false, ih, 7000, false, r.token()));
        assertThat(lastTo(b)).isInstanceOfSatisfying(Krpc.Error.class, e -> assertThat(e.code()).isEqualTo(203));
        // implied_port: the UDP source port is the peer's.
        deliver(a, new Krpc.AnnouncePeer(tid("a1"), NodeId.random(random), false, ih, 1, true, r.token()));
        assertThat(lastTo(a)).isInstanceOf(Krpc.Response.class);
        deliver(b, new Krpc.GetPeers(tid("g2"), NodeId.random(random), false, ih, Set.of()));
        assertThat(((Krpc.Response) lastTo(b)).values()).containsExactly(addr("30.0.0.1", 4000));
    }

    @Test
    void aTokenExpiresAfterTwoRotations() {
        InfoHash ih = InfoHash.of(new byte[20]);
        InetSocketAddress a = addr("30.0.0.1", 4000);
        deliver(a, new Krpc.GetPeers(tid("g1"), NodeId.random(random), false, ih, Set.of()));
        byte[] token = ((Krpc.Response) lastTo(a)).token();
        now += 10 * MIN;
        deliver(a, new Krpc.AnnouncePeer(tid("a1"), NodeId.random(random), false, ih, 7000, false, token));
        assertThat(lastTo(a)).isInstanceOfSatisfying(Krpc.Error.class, e -> {
            assertThat(e.code()).isEqualTo(203);
            assertThat(e.message()).isEqualTo("bad token");
        });
        assertThat(node.stats().storedPeers()).isZero();
    }

    @Test
    void storedPeersExpireAfterThirtyMinutes() {
        InfoHash ih = InfoHash.of(new byte[20]);
        InetSocketAddress a = addr("30.0.0.1", 4000);
        deliver(a, new Krpc.GetPeers(tid("g1"), NodeId.random(random), false, ih, Set.of()));
        byte[] token = ((Krpc.Response) lastTo(a)).token();
        deliver(a, new Krpc.AnnouncePeer(tid("a1"), NodeId.random(random), false, ih, 7000, false, token));
        assertThat(node.stats().storedPeers()).isEqualTo(1);
        now += 31 * MIN;
        node.tick();
        assertThat(node.stats().storedPeers()).isZero();
    }

    @Test
    void malformedQueriesGetAProtocolErrorAndUnknownMethodsError204() {
        InetSocketAddress q = addr("30.0.0.1", 4000);
        deliver(q, "d1:ad2:id3:abce1:q4:ping1:t2:zz1:y1:qe");
        assertThat(lastTo(q)).isInstanceOfSatisfying(Krpc.Error.class, e -> assertThat(e.code()).isEqualTo(203));
        deliver(q, "d1:ad2:id20:abcdefghij0123456789e1:q3:put1:t2:zz1:y1:qe");
        assertThat(lastTo(q)).isInstanceOfSatisfying(Krpc.Error.class, e -> assertThat(e.code()).isEqualTo(204));
        int before = sent.size();
        deliver(q, "d1:rd2:id3:abce1:t2:zz1:y1:re");
        deliver(q, "garbage");
        assertThat(sent).hasSize(before);
        assertThat(node.stats().dropped()).isEqualTo(4);
    }

    @Test
    void responsesCountOnlyWithOurTransactionIdFromTheAddressWeAskedAndTheIdWeExpected() {
        NodeContact known = joinTable(addr("30.0.0.1", 4000));
        node.ping(known.address());
        Krpc.Ping p = (Krpc.Ping) lastTo(known.address());
        long answered = node.stats().responsesReceived();
        byte[] wrongTid = {(byte) (p.tid()[0] ^ 1), p.tid()[1]};
        deliver(known.address(), new Krpc.Response(wrongTid, known.id(), List.of(), List.of(), List.of(), null, self));
        deliver(addr("30.0.0.9", 4000), new Krpc.Response(p.tid(), known.id(), List.of(), List.of(), List.of(), null, self));
        deliver(addr("30.0.0.1", 4001), new Krpc.Response(p.tid(), known.id(), List.of(), List.of(), List.of(), null, self));
        assertThat(node.stats().responsesReceived()).isEqualTo(answered);
        assertThat(node.stats().pendingQueries()).isEqualTo(1);
        deliver(known.address(), new Krpc.Response(p.tid(), known.id(), List.of(), List.of(), List.of(), null, self));
        assertThat(node.stats().pendingQueries()).isZero();
        // A lookup asks the node by its id; another id from its address is not the node we asked,
        // and counts as its failure.
        node.findNode(NodeId.random(random), AddressFamily.IPV4, r -> { });
        Krpc.FindNode f = (Krpc.FindNode) lastTo(known.address());
        deliver(known.address(), new Krpc.Response(f.tid(), NodeId.random(random), List.of(), List.of(), List.of(), null, self));
        assertThat(node.stats().pendingQueries()).isZero();
        assertThat(node.table(AddressFamily.IPV4).find(known).failures).isEqualTo(1);
    }

    @Test
    void messagesClaimingOurIdAreIgnored() {
        InetSocketAddress h = addr("30.0.0.1", 4000);
        deliver(h, new Krpc.Ping(tid("aa"), node.id(), false));
        deliver(h, new Krpc.FindNode(tid("ab"), node.id(), false, NodeId.random(random), Set.of()));
        assertThat(sentTo(h)).isEmpty();
        node.ping(h);
        Krpc.Ping p = (Krpc.Ping) lastTo(h);
        deliver(h, new Krpc.Response(p.tid(), node.id(), List.of(), List.of(), List.of(), null, self));
        assertThat(node.stats().nodes4()).isZero();
        // Nor does a lookup take our id from a reply's nodes.
        NodeContact n = joinTable(addr("30.0.0.2", 4000));
        AtomicReference<LookupResult> got = new AtomicReference<>();
        node.findNode(NodeId.random(random), AddressFamily.IPV4, got::set);
        Krpc.FindNode f = (Krpc.FindNode) lastTo(n.address());
        deliver(n.address(), new Krpc.Response(f.tid(), n.id(), List.of(new NodeContact(node.id(), addr("30.0.0.3", 1))),
                List.of(), List.of(), null, self));
        assertThat(sentTo(addr("30.0.0.3", 1))).isEmpty();
        assertThat(got.get().closest()).containsExactly(n);
    }

    @Test
    void aFloodingIpIsAnsweredUpToItsBurstThenIgnoredForTheBlockTime() {
        InetSocketAddress f = addr("30.0.0.1", 4000);
        InetSocketAddress other = addr("30.0.0.2", 4000);
        for (int i = 0; i < 200; i++) {
            deliver(f, new Krpc.Ping(new byte[] {(byte) i, 1}, NodeId.random(random), true));
        }
        long answers = sentTo(f).stream().filter(m -> m instanceof Krpc.Response).count();
        assertThat(answers).isEqualTo(DhtConfig.DEFAULT_QUERY_BURST);
        assertThat(node.stats().rateLimited()).isEqualTo(1);
        assertThat(node.stats().dropped()).as("dropped before decoding once blocked").isEqualTo(199 - answers);
        assertThat(node.stats().blockedIps()).isEqualTo(1);
        deliver(other, new Krpc.Ping(tid("aa"), NodeId.random(random), true));
        assertThat(lastTo(other)).isInstanceOf(Krpc.Response.class);
        now += DhtConfig.DEFAULT_FLOOD_BLOCK.toNanos();
        deliver(f, new Krpc.Ping(tid("zz"), NodeId.random(random), true));
        assertThat(lastTo(f)).isInstanceOfSatisfying(Krpc.Response.class, r -> assertThat(r.tid()).isEqualTo(tid("zz")));
    }

    @Test
    void aFloodOfGarbageOrOfAnswersToNothingGetsTheIpBlockedToo() {
        InetSocketAddress g = addr("30.0.0.1", 4000);
        for (int i = 0; i < 30; i++) {
            deliver(g, "garbage " + i);
        }
        InetSocketAddress r = addr("30.0.0.2", 4000);
        for (int i = 0; i < 30; i++) {
            deliver(r, new Krpc.Response(new byte[] {(byte) i, 9}, NodeId.random(random), List.of(), List.of(),
                    List.of(), null, self));
        }
        assertThat(node.stats().blockedIps()).isEqualTo(2);
        deliver(g, new Krpc.Ping(tid("aa"), NodeId.random(random), true));
        deliver(r, new Krpc.Ping(tid("aa"), NodeId.random(random), true));
        assertThat(sent).isEmpty();
    }

    @Test
    void aGetPeersReplyWithManyPeersStaysWithin1024Bytes() {
        InfoHash ih = InfoHash.of(new byte[20]);
        for (int i = 0; i < 100; i++) {
            InetSocketAddress a = addr("40.0." + i + ".1", 4000);
            deliver(a, new Krpc.GetPeers(tid("g1"), NodeId.random(random), true, ih, Set.of()));
            byte[] token = ((Krpc.Response) lastTo(a)).token();
            deliver(a, new Krpc.AnnouncePeer(tid("a1"), NodeId.random(random), true, ih, 7000, false, token));
        }
        for (int i = 0; i < 40; i++) {
            joinTable(addr("50.0." + i + ".1", 4000));
        }
        InetSocketAddress q = addr("30.0.0.1", 4000);
        deliver(q, new Krpc.GetPeers(tid("gg"), NodeId.random(random), true, ih, EnumSet.allOf(AddressFamily.class)));
        Sent last = sent.get(sent.size() - 1);
        assertThat(last.to()).isEqualTo(q);
        assertThat(last.bytes().length).isLessThanOrEqualTo(1024);
        Krpc.Response r = (Krpc.Response) last.message();
        assertThat(r.values()).hasSizeBetween(50, 100);
        assertThat(r.nodes()).hasSize(8);
    }

    @Test
    void repliesCarryTheFamiliesWantAsksForAndByDefaultTheFamilyOfTheQuery() {
        for (int i = 0; i < 10; i++) {
            joinTable(addr("50.0." + i + ".1", 4000));
            joinTable(addr("2001:db8::" + (i + 1), 4000));
        }
        InetSocketAddress v4 = addr("30.0.0.1", 4000);
        InetSocketAddress v6 = addr("2001:db8:1::1", 4000);
        NodeId target = NodeId.random(random);
        deliver(v4, new Krpc.FindNode(tid("f1"), NodeId.random(random), true, target, Set.of()));
        Krpc.Response r = (Krpc.Response) lastTo(v4);
        assertThat(r.nodes()).hasSize(8);
        assertThat(r.nodes6()).isEmpty();
        deliver(v6, new Krpc.FindNode(tid("f2"), NodeId.random(random), true, target, Set.of()));
        r = (Krpc.Response) lastTo(v6);
        assertThat(r.nodes()).isEmpty();
        assertThat(r.nodes6()).hasSize(8);
        deliver(v4, new Krpc.FindNode(tid("f3"), NodeId.random(random), true, target, EnumSet.of(AddressFamily.IPV6)));
        r = (Krpc.Response) lastTo(v4);
        assertThat(r.nodes()).isEmpty();
        assertThat(r.nodes6()).hasSize(8);
        deliver(v4, new Krpc.FindNode(tid("f4"), NodeId.random(random), true, target, EnumSet.allOf(AddressFamily.class)));
        r = (Krpc.Response) lastTo(v4);
        assertThat(r.nodes()).hasSize(8);
        assertThat(r.nodes6()).hasSize(8);
    }

    @Test
    void ourIdChangesOnlyWhenSeveralDistinctRespondersAgreeOnOurAddress() {
        NodeId before = node.id();
        InetSocketAddress claimed = addr("99.1.2.3", 6881);
        // One node saying it many times is not enough.
        InetSocketAddress liar = addr("30.0.0.1", 4000);
        for (int i = 0; i < 10; i++) {
            node.ping(liar);
            Krpc.Ping p = (Krpc.Ping) lastTo(liar);
            deliver(liar, new Krpc.Response(p.tid(), NodeId.random(random), List.of(), List.of(), List.of(), null, claimed));
        }
        assertThat(node.id()).isEqualTo(before);
        // Unsolicited responses do not vote at all.
        for (int i = 0; i < 10; i++) {
            deliver(addr("31.0.0." + i, 4000), new Krpc.Response(tid("zz"), NodeId.random(random), List.of(), List.of(),
                    List.of(), null, claimed));
        }
        assertThat(node.id()).isEqualTo(before);
        for (int i = 2; i <= DhtConfig.DEFAULT_EXTERNAL_ADDRESS_VOTES; i++) {
            InetSocketAddress voter = addr("30.0.0." + i, 4000);
            node.ping(voter);
            Krpc.Ping p = (Krpc.Ping) lastTo(voter);
            deliver(voter, new Krpc.Response(p.tid(), NodeId.random(random), List.of(), List.of(), List.of(), null, claimed));
        }
        assertThat(node.id()).isNotEqualTo(before);
        assertThat(SecureIds.matches(node.id(), claimed.getAddress())).isTrue();
        assertThat(node.externalAddress(AddressFamily.IPV4)).contains(claimed.getAddress());
        assertThat(node.stats().idChanges()).isEqualTo(1);
    }

    @Test
    void aLocalExternalAddressKeepsTheId() {
        NodeId before = node.id();
        node.setExternalAddress(addr("192.168.1.5", 1).getAddress());
        assertThat(node.id()).isEqualTo(before);
        node.setExternalAddress(addr("99.1.2.3", 1).getAddress());
        assertThat(SecureIds.matches(node.id(), addr("99.1.2.3", 1).getAddress())).isTrue();
        NodeId secure = node.id();
        node.setExternalAddress(addr("99.1.2.3", 1).getAddress());
        assertThat(node.id()).as("an id that already matches stays").isEqualTo(secure);
    }

    @Test
    void anUnansweredLookupQueryIsAskedOnceMoreThenFailsAndTheLookupStillEnds() {
        NodeContact silent = joinTable(addr("30.0.0.1", 4000));
        AtomicReference<LookupResult> got = new AtomicReference<>();
        node.findNode(NodeId.random(random), AddressFamily.IPV4, got::set);
        assertThat(got.get()).isNull();
        now += DhtConfig.DEFAULT_QUERY_TIMEOUT.toNanos() - 1;
        node.tick();
        assertThat(got.get()).isNull();
        now += 1;
        node.tick();
        // Asked once more (a datagram may be lost), then given up.
        assertThat(got.get()).isNull();
        assertThat(sentTo(silent.address()).stream().filter(m -> m instanceof Krpc.FindNode)).hasSize(2);
        assertThat(node.table(AddressFamily.IPV4).find(silent).failures).isEqualTo(1);
        now += DhtConfig.DEFAULT_QUERY_TIMEOUT.toNanos();
        node.tick();
        assertThat(got.get()).isNotNull();
        assertThat(got.get().closest()).isEmpty();
        // The lookup's two, and a ping of the node, questionable since its first failure.
        assertThat(node.stats().timeouts()).isEqualTo(3);
        assertThat(sentTo(silent.address()).stream().filter(m -> m instanceof Krpc.Ping)).as("joining, then questionable")
                .hasSize(2);
        assertThat(node.table(AddressFamily.IPV4).find(silent)).as("two failures in a row: bad, evicted").isNull();
    }

    @Test
    void aFinishedLookupIsReusedBrieflyThenRunAgain() {
        NodeContact n = joinTable(addr("30.0.0.1", 4000));
        InfoHash ih = InfoHash.of(new byte[20]);
        AtomicReference<LookupResult> got = new AtomicReference<>();
        node.getPeers(ih, AddressFamily.IPV4, got::set);
        Krpc.GetPeers g = (Krpc.GetPeers) lastTo(n.address());
        deliver(n.address(), new Krpc.Response(g.tid(), n.id(), List.of(), List.of(), List.of(addr("60.0.0.1", 1)),
                tid("tok"), self));
        assertThat(got.get().peers()).containsExactly(addr("60.0.0.1", 1));
        assertThat(got.get().cached()).isFalse();
        int before = sent.size();
        node.getPeers(ih, AddressFamily.IPV4, got::set);
        assertThat(got.get().cached()).isTrue();
        assertThat(got.get().peers()).containsExactly(addr("60.0.0.1", 1));
        assertThat(sent).hasSize(before);
        // announce within the cache time uses the cached tokens.
        node.announce(ih, AddressFamily.IPV4, 6000, got::set);
        assertThat(lastTo(n.address())).isInstanceOfSatisfying(Krpc.AnnouncePeer.class, a -> {
            assertThat(a.token()).isEqualTo(tid("tok"));
            assertThat(a.port()).isEqualTo(6000);
        });
        now += DhtConfig.DEFAULT_LOOKUP_CACHE_TTL.toNanos();
        node.tick();
        node.getPeers(ih, AddressFamily.IPV4, got::set);
        assertThat(lastTo(n.address())).isInstanceOf(Krpc.GetPeers.class);
    }

    @Test
    void aRestoredNodeKeepsItsIdAndAsksItsSavedNodesWhichEnterOnlyWhenTheyAnswer() throws Exception {
        NodeContact a = joinTable(addr("30.0.0.1", 4000));
        NodeContact b = joinTable(addr("30.0.0.2", 4000));
        byte[] saved = node.savedTable().encode();
        sent.clear();
        DhtNode restored = DhtNode.restore(config(), (to, bytes) -> sent.add(new Sent(to, bytes)), SavedTable.decode(saved));
        assertThat(restored.id()).isEqualTo(node.id());
        assertThat(restored.stats().nodes4()).isZero();
        restored.bootstrap(List.of());
        assertThat(sent).extracting(Sent::to).contains(a.address(), b.address());
        Krpc.FindNode f = (Krpc.FindNode) lastTo(a.address());
        assertThat(f.target()).isEqualTo(node.id());
        byte[] r = KrpcCodec.encode(new Krpc.Response(f.tid(), a.id(), List.of(), List.of(), List.of(), null, self));
        restored.onDatagram(a.address(), r, 0, r.length);
        assertThat(restored.table(AddressFamily.IPV4).contains(a)).isTrue();
        assertThat(restored.table(AddressFamily.IPV4).contains(b)).isFalse();
    }

    @Test
    void anEmptiedTableBootstrapsAgainFromTheLastRouters() {
        InetSocketAddress router = addr("30.0.0.1", 6881);
        node.bootstrap(List.of(router, InetSocketAddress.createUnresolved("router.example", 6881)));
        assertThat(sentTo(router)).hasSize(1);
        now += Duration.ofSeconds(61).toNanos();
        node.tick();
        node.tick();
        assertThat(sentTo(router)).hasSizeGreaterThanOrEqualTo(2);
    }
}
