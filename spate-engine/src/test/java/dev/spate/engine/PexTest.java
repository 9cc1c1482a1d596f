package dev.spate.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spate.core.Bitfield;
import dev.spate.core.Clock;
import dev.spate.core.PeerId;
import dev.spate.peer.OutgoingBlock;
import dev.spate.peer.PeerSession;
import dev.spate.peer.ScriptedLink;
import dev.spate.wire.ExtendedHandshake;
import dev.spate.wire.ExtensionIds;
import dev.spate.wire.Message;
import dev.spate.wire.PexMessage;
import dev.spate.wire.WireException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** BEP 11 both ways: what each peer hears from us and when, and what we make of what peers tell us. */
class PexTest {
    static final int THEIR_ID = 7;
    static final long SECOND = TimeUnit.SECONDS.toNanos(1);

    final AtomicLong now = new AtomicLong(TimeUnit.HOURS.toNanos(1));
    final Clock clock = now::get;
    final Map<ScriptedLink, PeerSession> peers = new LinkedHashMap<>();
    final Set<PeerSession> seeds = new HashSet<>();
    final List<InetSocketAddress> candidates = new ArrayList<>();
    final List<InetSocketAddress> forgotten = new ArrayList<>();
    final List<String> dropped = new ArrayList<>();

    final Pex.Host host = new Pex.Host() {
        @Override
        public Collection<PeerSession> peerSessions() {
            return peers.values();
        }

        @Override
        public boolean peerIsSeed(PeerSession peer) {
            return seeds.contains(peer);
        }

        @Override
        public void pexCandidate(InetSocketAddress address) {
            candidates.add(address);
        }

        @Override
        public void pexDropped(InetSocketAddress address) {
            forgotten.add(address);
        }

        @Override
        public void disconnect(PeerSession peer, String reason) {
            dropped.add(reason);
        }

        @Override
        public void prefersEncryption(InetSocketAddress address) {
            encrypted.add(address);
        }
    };
    final List<InetSocketAddress> encrypted = new ArrayList<>();

    final Pex pex = new Pex(true, false, clock, host);

    static InetSocketAddress at(String ip, int port) {
        return new InetSocketAddress(ip, port);
    }

    /** A peer we dialled at 10.0.0.{n}:6881 that announced ut_pex. */
    PeerSession dialled(int n) {
        return connect(at("10.0.0." + n, 6881), true, true, OptionalInt.empty());
    }

    PeerSession connect(InetSocketAddress remote, boolean outgoing, boolean pexCapable, OptionalInt listenPort) {
        return connect(remote, outgoing, pexCapable, listenPort, false);
    }

    PeerSession connect(InetSocketAddress remote, boolean outgoing, boolean pexCapable, OptionalInt listenPort,
                        boolean prefersEncryption) {
        ScriptedLink link = new ScriptedLink(remote, PeerId.random(), true, outgoing);
        PeerSession ps = new PeerSession(link, 4, new Quiet(), clock,
                new PeerSession.Timeouts(TimeUnit.MINUTES.toNanos(3), TimeUnit.SECONDS.toNanos(20)));
        ps.start(new Bitfield(4), new PeerSession.Greeting(6881, "Spate test", pex.extensions(), OptionalLong.empty()));
        Map<String, Integer> m = pexCapable ? Map.of(ExtensionIds.UT_PEX, THEIR_ID) : Map.of("ut_metadata", 3);
        ps.handle(new ExtendedHandshake(m, listenPort, Optional.empty(), OptionalInt.empty(), Optional.empty(),
                OptionalLong.empty(), prefersEncryption).toMessage());
        link.sent.clear();
        peers.put(link, ps);
        return ps;
    }

    void leave(PeerSession ps) {
        peers.remove((ScriptedLink) ps.link());
        pex.peerLeft(ps);
    }

    void advance(long seconds) {
        now.addAndGet(seconds * SECOND);
    }

    /** Ticks once a second for {@code seconds}, as the torrent does. */
    void run(long seconds) {
        for (long i = 0; i < seconds; i++) {
            advance(1);
            pex.tick();
        }
    }

    /** The PEX messages a peer got, in order, and forgets them. */
    static List<PexMessage> heard(PeerSession ps) throws WireException {
        ScriptedLink link = (ScriptedLink) ps.link();
        List<PexMessage> out = new ArrayList<>();
        for (Message m : link.sent) {
            if (m instanceof Message.Extended e) {
                assertThat(e.extendedId()).as("sent with the id the peer gave ut_pex").isEqualTo(THEIR_ID);
                out.add(PexMessage.decode(e.payload()));
            }
        }
        link.sent.clear();
        return out;
    }

    static List<InetSocketAddress> addresses(PexMessage m) {
        return m.added().stream().map(PexMessage.Peer::address).toList();
    }

    void receive(PeerSession from, PexMessage m) {
        pex.onMessage(from, m.encode());
    }

    // ---- sending ----

    @Test
    void theFirstMessageGoesOutSoonAfterTheHandshakeWithEveryOtherConnectedPeer() throws WireException {
        PeerSession a = dialled(1);
        PeerSession b = dialled(2);
        PeerSession c = dialled(3);
        run(Pex.FIRST_DELAY_NANOS / SECOND - 1);
        assertThat(heard(a)).as("not yet").isEmpty();
        run(1);
        assertThat(heard(a)).singleElement().satisfies(m -> {
            assertThat(addresses(m)).containsExactly(at("10.0.0.2", 6881), at("10.0.0.3", 6881));
            assertThat(m.dropped()).isEmpty();
        });
        assertThat(heard(b)).singleElement().extracting(PexTest::addresses).asList()
                .containsExactly(at("10.0.0.1", 6881), at("10.0.0.3", 6881));
        assertThat(heard(c)).hasSize(1);
    }

    @Test
    void aPeerHearsAtMostOneMessageAMinuteWithWhatChangedSinceTheLast() throws WireException {
        PeerSession a = dialled(1);
        dialled(2);
        run(Pex.FIRST_DELAY_NANOS / SECOND);
        assertThat(heard(a)).hasSize(1);
        dialled(3);
        run(59);
        assertThat(heard(a)).as("within the minute: nothing, whatever changed").isEmpty();
        run(1);
        assertThat(heard(a)).singleElement().satisfies(m -> {
            assertThat(addresses(m)).as("only the news").containsExactly(at("10.0.0.3", 6881));
            assertThat(m.dropped()).isEmpty();
        });
        run(120);
        assertThat(heard(a)).as("no news, no message").isEmpty();
        dialled(4);
        run(1);
        assertThat(heard(a)).as("news after a quiet minute goes out at once")
                .singleElement().extracting(PexTest::addresses).asList().containsExactly(at("10.0.0.4", 6881));
    }

    @Test
    void aPeerThatLeftIsDroppedOnceAndOneThatCameAndWentBetweenMessagesIsNeverMentioned() throws WireException {
        PeerSession a = dialled(1);
        PeerSession b = dialled(2);
        run(Pex.FIRST_DELAY_NANOS / SECOND);
        assertThat(heard(a)).singleElement().extracting(PexTest::addresses).asList().containsExactly(at("10.0.0.2", 6881));
        leave(b);
        PeerSession transient_ = dialled(3);
        run(10);
        leave(transient_);
        run(50);
        assertThat(heard(a)).singleElement().satisfies(m -> {
            assertThat(m.added()).isEmpty();
            assertThat(m.dropped()).containsExactly(at("10.0.0.2", 6881));
        });
        run(60);
        assertThat(heard(a)).as("dropped once").isEmpty();
        assertThat(pex.toldTo(a)).isEmpty();
    }

    @Test
    void laterMessagesCarryAtMostFiftyAddedAndFiftyDroppedWhileTheFirstMayCarryMore() throws WireException {
        PeerSession a = dialled(1);
        List<PeerSession> first = new ArrayList<>();
        for (int n = 2; n <= 81; n++) {
            first.add(dialled(n));
        }
        run(Pex.FIRST_DELAY_NANOS / SECOND);
        assertThat(heard(a)).singleElement().extracting(m -> m.added().size()).isEqualTo(80);
        first.forEach(this::leave);
        for (int n = 100; n < 170; n++) {
            dialled(n);
        }
        run(60);
        PexMessage second = heard(a).getFirst();
        assertThat(second.added()).hasSize(Pex.MAX_PER_MESSAGE);
        assertThat(second.dropped()).hasSize(Pex.MAX_PER_MESSAGE);
        run(60);
        PexMessage third = heard(a).getFirst();
        assertThat(third.added()).as("the rest").hasSize(70 - Pex.MAX_PER_MESSAGE);
        assertThat(third.dropped()).hasSize(80 - Pex.MAX_PER_MESSAGE);
        Set<InetSocketAddress> added = new HashSet<>(addresses(second));
        added.addAll(addresses(third));
        assertThat(added).as("every newcomer once").hasSize(70);
    }

    @Test
    void theFirstMessageCarriesAtMostTheMostADecoderAccepts() throws WireException {
        PeerSession a = dialled(1);
        IntStream.range(0, PexMessage.MAX_PEERS + 10)
                .forEach(i -> connect(at("10.1." + (i / 200) + "." + (i % 200 + 1), 6881), true, false, OptionalInt.empty()));
        run(Pex.FIRST_DELAY_NANOS / SECOND);
        assertThat(heard(a)).singleElement().extracting(m -> m.added().size()).isEqualTo(PexMessage.MAX_PEERS);
    }

    @Test
    void flagsSaySeedReachableForAPeerWeDialledPrefersEncryptionForOneWhoseHandshakeSaidSoAndNeverUtp()
            throws WireException {
        PeerSession a = dialled(1);
        seeds.add(dialled(2));
        dialled(3);
        connect(at("10.0.0.4", 50123), false, true, OptionalInt.of(6889));
        connect(at("10.0.0.5", 50124), false, true, OptionalInt.of(6890), true);
        run(Pex.FIRST_DELAY_NANOS / SECOND);
        Map<InetSocketAddress, Integer> flags = new LinkedHashMap<>();
        heard(a).getFirst().added().forEach(p -> flags.put(p.address(), p.flags()));
        assertThat(flags).containsExactly(
                Map.entry(at("10.0.0.2", 6881), PexMessage.SEED | PexMessage.REACHABLE),
                Map.entry(at("10.0.0.3", 6881), PexMessage.REACHABLE),
                Map.entry(at("10.0.0.4", 6889), 0),
                Map.entry(at("10.0.0.5", 6890), PexMessage.PREFERS_ENCRYPTION));
    }

    @Test
    void aPeerThatDialledUsIsToldOfAtItsListenPortAndNotAtAllWithoutOne() throws WireException {
        PeerSession a = dialled(1);
        connect(at("10.0.0.5", 50123), false, true, OptionalInt.of(6889));
        connect(at("10.0.0.6", 50124), false, true, OptionalInt.empty());
        PeerSession incoming = connect(at("10.0.0.7", 50125), false, true, OptionalInt.of(7000));
        run(Pex.FIRST_DELAY_NANOS / SECOND);
        assertThat(heard(a)).singleElement().extracting(PexTest::addresses).asList()
                .containsExactly(at("10.0.0.5", 6889), at("10.0.0.7", 7000));
        assertThat(heard(incoming)).singleElement().extracting(PexTest::addresses).asList()
                .as("not told of itself").containsExactly(at("10.0.0.1", 6881), at("10.0.0.5", 6889));
    }

    @Test
    void aPeerWithoutUtPexHearsNothing() {
        PeerSession plain = connect(at("10.0.0.9", 6881), true, false, OptionalInt.empty());
        dialled(2);
        run(200);
        assertThat(((ScriptedLink) plain.link()).sent).isEmpty();
    }

    @Test
    void aPrivateTorrentOrPexSwitchedOffAnnouncesNoPexAndSendsNothing() {
        for (Pex off : List.of(new Pex(true, true, clock, host), new Pex(false, false, clock, host))) {
            assertThat(off.extensions()).isEmpty();
            PeerSession a = dialled(1);
            dialled(2);
            for (int i = 0; i < 200; i++) {
                advance(1);
                off.tick();
            }
            assertThat(((ScriptedLink) a.link()).sent).isEmpty();
            off.onMessage(a, new PexMessage(List.of(PexMessage.Peer.of(at("10.9.0.1", 1))), List.of()).encode());
            assertThat(candidates).isEmpty();
            peers.clear();
        }
        assertThat(pex.extensions()).containsExactly(Map.entry(ExtensionIds.UT_PEX, ExtensionIds.OUR_UT_PEX));
    }

    // ---- receiving ----

    @Test
    void anAddedPeerFlaggedAsPreferringEncryptionIsToBeDialledWithMse() {
        PeerSession a = dialled(1);
        receive(a, new PexMessage(List.of(new PexMessage.Peer(at("10.5.0.1", 1000), PexMessage.PREFERS_ENCRYPTION),
                PexMessage.Peer.of(at("10.5.0.2", 1000))), List.of()));
        assertThat(candidates).containsExactly(at("10.5.0.1", 1000), at("10.5.0.2", 1000));
        assertThat(encrypted).containsExactly(at("10.5.0.1", 1000));
    }

    @Test
    void addedPeersBecomeCandidatesAndDroppedOnesAreForgottenOnceNoSourceListsThem() {
        PeerSession a = dialled(1);
        PeerSession b = dialled(2);
        receive(a, new PexMessage(List.of(PexMessage.Peer.of(at("10.5.0.1", 1000)), PexMessage.Peer.of(at("10.5.0.2", 1000))),
                List.of()));
        receive(b, new PexMessage(List.of(PexMessage.Peer.of(at("10.5.0.2", 1000))), List.of()));
        assertThat(candidates).containsExactly(at("10.5.0.1", 1000), at("10.5.0.2", 1000), at("10.5.0.2", 1000));
        advance(60);
        receive(a, new PexMessage(List.of(), List.of(at("10.5.0.1", 1000), at("10.5.0.2", 1000), at("10.5.0.3", 1000))));
        assertThat(forgotten).as("10.5.0.2 is still listed by b; 10.5.0.3 a never listed")
                .containsExactly(at("10.5.0.1", 1000));
        advance(60);
        receive(b, new PexMessage(List.of(), List.of(at("10.5.0.2", 1000))));
        assertThat(forgotten).containsExactly(at("10.5.0.1", 1000), at("10.5.0.2", 1000));
        assertThat(dropped).isEmpty();
    }

    @Test
    void aPeerThatFloodsPexIsDropped() {
        PeerSession a = dialled(1);
        receive(a, new PexMessage(List.of(PexMessage.Peer.of(at("10.5.0.1", 1000))), List.of()));
        advance(PexIntake.MIN_RECEIVE_GAP_NANOS / SECOND);
        receive(a, new PexMessage(List.of(PexMessage.Peer.of(at("10.5.0.2", 1000))), List.of()));
        assertThat(dropped).as("45 s apart: a minute with slack").isEmpty();
        advance(10);
        receive(a, new PexMessage(List.of(PexMessage.Peer.of(at("10.5.0.3", 1000))), List.of()));
        assertThat(dropped).singleElement().asString()
                .isEqualTo("pex flood: two ut_pex messages 10 s apart, BEP 11 allows one a minute");
        assertThat(candidates).containsExactly(at("10.5.0.1", 1000), at("10.5.0.2", 1000));
    }

    @Test
    void theFirstMessageMayAddTheMostADecoderAcceptsButALaterOneAtMostAHundred() {
        PeerSession a = dialled(1);
        receive(a, new PexMessage(many(0, PexMessage.MAX_PEERS), List.of()));
        assertThat(dropped).isEmpty();
        assertThat(candidates).hasSize(PexMessage.MAX_PEERS);
        advance(60);
        receive(a, new PexMessage(List.of(), many(0, PexIntake.LATER_MAX_PEERS, a2 -> a2)));
        assertThat(dropped).isEmpty();
        advance(60);
        receive(a, new PexMessage(many(1000, PexIntake.LATER_MAX_PEERS + 1), List.of()));
        assertThat(dropped).singleElement().asString()
                .isEqualTo("protocol violation: ut_pex message adds 101 peers, more than 100");
    }

    static <T> List<T> many(int from, int count, java.util.function.Function<InetSocketAddress, T> f) {
        return IntStream.range(from, from + count)
                .mapToObj(i -> f.apply(at("10.6." + (i / 250) + "." + (i % 250 + 1), 2000))).toList();
    }

    static List<PexMessage.Peer> many(int from, int count) {
        return many(from, count, PexMessage.Peer::of);
    }

    @Test
    void aMalformedMessageDropsThePeer() {
        PeerSession a = dialled(1);
        pex.onMessage(a, "d5:added3:abce".getBytes());
        assertThat(dropped).singleElement().asString()
                .isEqualTo("protocol violation: ut_pex added of 3 bytes is not a multiple of 6 (BEP 23 compact peers)");
        assertThat(candidates).isEmpty();
    }

    @Test
    void oneSourceGivesAtMostItsShareOfCandidatesAndTheSameIpOnceAndNeverItselfOrNobody() {
        PeerSession a = connect(at("10.0.0.1", 50000), false, true, OptionalInt.of(6881));
        receive(a, new PexMessage(List.of(PexMessage.Peer.of(at("10.7.0.1", 1000)), PexMessage.Peer.of(at("10.7.0.1", 1001)),
                PexMessage.Peer.of(at("127.0.0.1", 1000)), PexMessage.Peer.of(at("127.0.0.1", 1001)),
                PexMessage.Peer.of(at("10.0.0.1", 6881)), PexMessage.Peer.of(at("10.0.0.1", 50000)),
                PexMessage.Peer.of(at("0.0.0.0", 1000)), PexMessage.Peer.of(at("224.0.0.1", 1000)),
                PexMessage.Peer.of(at("255.255.255.255", 1000))), List.of()));
        assertThat(candidates).as("one port per IP, but loopback peers all share one IP")
                .containsExactly(at("10.7.0.1", 1000), at("127.0.0.1", 1000), at("127.0.0.1", 1001));
        candidates.clear();
        for (int round = 0; round < 3; round++) {
            advance(60);
            receive(a, new PexMessage(many(round * 100, 100), List.of()));
        }
        assertThat(candidates).as("one source's share").hasSize(PexIntake.MAX_HEARD_PER_PEER - 3);
        assertThat(dropped).isEmpty();
    }

    @Test
    void aPeerThatLeftTakesItsListWithItButItsCandidatesStay() {
        PeerSession a = dialled(1);
        receive(a, new PexMessage(List.of(PexMessage.Peer.of(at("10.5.0.1", 1000))), List.of()));
        leave(a);
        PeerSession again = dialled(1);
        receive(again, new PexMessage(List.of(), List.of(at("10.5.0.1", 1000))));
        assertThat(forgotten).as("the new connection never listed it").isEmpty();
        assertThat(dropped).as("a new connection starts a new minute").isEmpty();
    }

    /** A listener that takes nothing: these tests look at what PEX sends and decides. */
    static final class Quiet implements PeerSession.Listener {
        public void peerHas(PeerSession p, int piece) { }
        public void peerHasBitfield(PeerSession p, Bitfield pieces) { }
        public void peerHasAll(PeerSession p) { }
        public void peerHasNone(PeerSession p) { }
        public void interestChanged(PeerSession p, boolean interested) { }
        public void canRequest(PeerSession p) { }
        public boolean blockArrived(PeerSession p, Message.Piece block) { return false; }
        public void requestsDropped(PeerSession p) { }
        public void requestRejected(PeerSession p, int piece, int begin, int length) { }
        public void requestsExpired(PeerSession p, long pickedAtOrBefore) { }
        public OutgoingBlock.Source serve(PeerSession p, Message.Request request) { return null; }
        public void disconnect(PeerSession p, String reason) { }
    }
}
