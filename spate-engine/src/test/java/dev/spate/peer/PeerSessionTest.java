package dev.spate.peer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spate.core.Bitfield;
import dev.spate.wire.ExtendedHandshake;
import dev.spate.wire.ExtensionIds;
import dev.spate.wire.Message;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The peer protocol as a state machine: messages in, intents and messages out, no sockets. */
class PeerSessionTest {
    static final int PIECES = 64;
    static final long SECOND = TimeUnit.SECONDS.toNanos(1);
    static final PeerSession.Greeting GREETING = new PeerSession.Greeting(6881, "Spate test",
            Map.of(ExtensionIds.UT_METADATA, ExtensionIds.OUR_UT_METADATA), OptionalLong.of(12_345));

    /** A clock the test moves. */
    static final class FakeClock implements dev.spate.core.Clock {
        long now = 1_000 * SECOND;

        @Override
        public long nanoTime() {
            return now;
        }

        void advance(long nanos) {
            now += nanos;
        }
    }

    /** Records every intent as a line, and answers as scripted. */
    static final class Intents implements PeerSession.Listener {
        final List<String> seen = new ArrayList<>();
        boolean blockWasRequested = true;
        boolean haveEverything = true;

        @Override
        public void peerHas(PeerSession p, int piece) {
            seen.add("has " + piece);
        }

        @Override
        public void peerHasBitfield(PeerSession p, Bitfield pieces) {
            seen.add("bitfield " + pieces.cardinality());
        }

        @Override
        public void peerHasAll(PeerSession p) {
            seen.add("has all");
        }

        @Override
        public void peerHasNone(PeerSession p) {
            seen.add("has none");
        }

        @Override
        public void interestChanged(PeerSession p, boolean interested) {
            seen.add(interested ? "interested" : "not interested");
        }

        @Override
        public void canRequest(PeerSession p) {
            seen.add("can request");
        }

        @Override
        public boolean blockArrived(PeerSession p, Message.Piece block) {
            seen.add("block " + block.piece() + "/" + block.begin());
            return blockWasRequested;
        }

        @Override
        public void requestsDropped(PeerSession p) {
            seen.add("requests dropped");
        }

        @Override
        public void requestRejected(PeerSession p, int piece, int begin, int length) {
            seen.add("rejected " + piece + "/" + begin);
        }

        @Override
        public void requestsExpired(PeerSession p, long pickedAtOrBefore) {
            seen.add("expired before " + pickedAtOrBefore);
        }

        @Override
        public OutgoingBlock.Source serve(PeerSession p, Message.Request r) {
            seen.add("serve " + r.piece() + "/" + r.begin());
            return haveEverything ? target -> { } : null;
        }

        @Override
        public void disconnect(PeerSession p, String reason) {
            seen.add("disconnect: " + reason);
        }

        @Override
        public void extensionHandshake(PeerSession p, ExtendedHandshake handshake) {
            seen.add("extension handshake " + handshake.extensions());
        }

        @Override
        public void extensionMessage(PeerSession p, String name, byte[] payload) {
            seen.add("extension " + name + " " + new String(payload, java.nio.charset.StandardCharsets.US_ASCII));
        }

        @Override
        public void dhtNode(PeerSession p, java.net.InetSocketAddress node) {
            seen.add("dht node " + node.getAddress().getHostAddress() + ":" + node.getPort());
        }
    }

    @Test
    void ourDhtPortGoesOnlyToAPeerThatSetTheDhtBit() {
        PeerSession.Greeting withDht = new PeerSession.Greeting(6881, "Spate test", java.util.Map.of(),
                java.util.OptionalLong.empty(), 6882);
        ScriptedLink dhtPeer = ScriptedLink.fast(1);
        dhtPeer.dht = true;
        session(dhtPeer).start(new dev.spate.core.Bitfield(PIECES), withDht);
        assertThat(dhtPeer.sent(Message.Port.class)).containsExactly(new Message.Port(6882));

        ScriptedLink other = ScriptedLink.fast(2);
        session(other).start(new dev.spate.core.Bitfield(PIECES), withDht);
        assertThat(other.sent(Message.Port.class)).as("BEP 5: only to peers that set the bit").isEmpty();

        ScriptedLink noDhtHere = ScriptedLink.fast(3);
        noDhtHere.dht = true;
        session(noDhtHere).start(new dev.spate.core.Bitfield(PIECES), GREETING);
        assertThat(noDhtHere.sent(Message.Port.class)).as("no DHT of ours: no port").isEmpty();
    }

    @Test
    void aPeersPortMessageNamesItsDhtNodeOncePerConnection() {
        ScriptedLink link = ScriptedLink.fast(1);
        PeerSession ps = session(link);
        ps.handle(new Message.Port(0));
        for (int i = 0; i < 100; i++) {
            ps.handle(new Message.Port(7000 + i));
        }
        assertThat(intents.seen).containsExactly("dht node " + link.remote().getAddress().getHostAddress() + ":7000");
    }

    final FakeClock clock = new FakeClock();
    final Intents intents = new Intents();

    PeerSession session(ScriptedLink link) {
        return new PeerSession(link, PIECES, intents, clock,
                new PeerSession.Timeouts(180 * SECOND, 20 * SECOND));
    }

    @Test
    void aDuplicateInterestedReportsNothingTheSecondTime() {
        PeerSession ps = session(ScriptedLink.fast(1));
        for (int i = 0; i < 50; i++) {
            ps.handle(Message.INTERESTED);
        }
        ps.handle(Message.NOT_INTERESTED);
        ps.handle(Message.NOT_INTERESTED);
        assertThat(intents.seen).containsExactly("interested", "not interested");
        assertThat(ps.peerInterested()).isFalse();
    }

    @Test
    void anUnchokeLetsUsRequestAndADuplicateUnchokeDoesNot() {
        PeerSession ps = session(ScriptedLink.fast(1));
        ps.handle(Message.UNCHOKE);
        ps.handle(Message.UNCHOKE);
        assertThat(intents.seen).containsExactly("can request");
        assertThat(ps.peerChoking()).isFalse();
    }

    @Test
    void aChokeWithoutTheFastExtensionDropsOurRequests() {
        PeerSession ps = session(ScriptedLink.plain(1));
        ps.handle(Message.UNCHOKE);
        ps.handle(Message.CHOKE);
        ps.handle(Message.CHOKE);
        assertThat(intents.seen).containsExactly("can request", "requests dropped");
    }

    @Test
    void aChokeWithTheFastExtensionKeepsOurRequestsUntilRejected() {
        PeerSession ps = session(ScriptedLink.fast(1));
        ps.handle(Message.UNCHOKE);
        ps.handle(Message.CHOKE);
        ps.handle(new Message.Reject(3, 0, 16384));
        assertThat(intents.seen).containsExactly("can request", "rejected 3/0");
    }

    @Test
    void theFirstBitfieldIsTheAvailabilityAndALateOneCountsAsHaves() {
        PeerSession ps = session(ScriptedLink.fast(1));
        Bitfield first = new Bitfield(PIECES);
        first.set(1);
        first.set(2);
        ps.handle(Message.BitfieldMessage.of(first));
        Bitfield late = new Bitfield(PIECES);
        late.set(5);
        ps.handle(Message.BitfieldMessage.of(late));
        assertThat(intents.seen).containsExactly("bitfield 2", "has 5");
    }

    @Test
    void aBitfieldAfterTheExtendedHandshakeIsStillFirst() {
        // libtorrent and Transmission send the BEP 10 extended handshake before their bitfield.
        PeerSession ps = session(ScriptedLink.fast(1));
        ps.handle(new dev.spate.wire.ExtendedHandshake(java.util.Map.of(), java.util.OptionalInt.empty(),
                java.util.Optional.of("Test 1.0"), java.util.OptionalInt.of(250), java.util.Optional.empty(),
                java.util.OptionalLong.empty()).toMessage());
        ps.handle(Message.BitfieldMessage.of(new Bitfield(PIECES)));
        assertThat(intents.seen).containsExactly("extension handshake {}", "bitfield 0");
        assertThat(ps.client()).isEqualTo("Test 1.0");
    }

    @Test
    void haveNoneAfterAHaveIsAViolation() {
        PeerSession ps = session(ScriptedLink.fast(1));
        ps.handle(new Message.Have(4));
        ps.handle(Message.HAVE_NONE);
        assertThat(intents.seen).containsExactly("has 4",
                "disconnect: protocol violation: have-none after the peer's pieces were announced");
    }

    @Test
    void aLateHaveAllIsTakenAsEveryPiece() {
        PeerSession ps = session(ScriptedLink.fast(1));
        ps.handle(new Message.Have(4));
        ps.handle(Message.HAVE_ALL);
        assertThat(intents.seen).containsExactly("has 4", "has all");
    }

    @Test
    void aRequestedBlockFeedsThePipelineAndAnUnrequestedOneDoesNot() {
        PeerSession ps = session(ScriptedLink.fast(1));
        int before = ps.pipeline().target();
        ps.handle(Message.Piece.of(0, 0, new byte[16384]));
        assertThat(ps.pipeline().target()).isEqualTo(before + 1);
        assertThat(ps.download().total()).isEqualTo(16384);
        intents.blockWasRequested = false;
        ps.handle(Message.Piece.of(0, 16384, new byte[16384]));
        assertThat(ps.pipeline().target()).isEqualTo(before + 1);
        assertThat(ps.download().total()).isEqualTo(16384);
        assertThat(intents.seen).containsExactly("block 0/0", "can request", "block 0/16384");
    }

    @Test
    void aRequestWhileChokedIsRejectedWithTheFastExtensionAndIgnoredWithout() {
        ScriptedLink fast = ScriptedLink.fast(1);
        session(fast).handle(new Message.Request(1, 0, 16384));
        ScriptedLink plain = ScriptedLink.plain(2);
        session(plain).handle(new Message.Request(1, 0, 16384));
        assertThat(fast.sent(Message.Reject.class)).containsExactly(new Message.Reject(1, 0, 16384));
        assertThat(plain.sent).isEmpty();
        assertThat(intents.seen).as("never asked to serve while choked").isEmpty();
    }

    @Test
    void hundredsOfRequestsWhileChokedAreAFlood() {
        PeerSession ps = session(ScriptedLink.fast(1));
        for (int i = 0; i <= PeerSession.MAX_PEER_REQUESTS; i++) {
            ps.handle(new Message.Request(1, 0, 16384));
        }
        assertThat(intents.seen).containsExactly(
                "disconnect: request flood: more than " + PeerSession.MAX_PEER_REQUESTS + " requests while choked");
    }

    @Test
    void anUnchokedPeersRequestIsServedOnceAndCountsUntilSent() {
        ScriptedLink link = ScriptedLink.fast(1);
        PeerSession ps = session(link);
        ps.unchoke();
        ps.handle(new Message.Request(1, 0, 16384));
        ps.handle(new Message.Request(1, 0, 16384));
        assertThat(link.blocks).hasSize(1);
        assertThat(ps.servingCount()).isEqualTo(1);
        link.blocks.get(0).take();
        ps.blockSent(link.blocks.get(0));
        assertThat(ps.servingCount()).isZero();
        assertThat(ps.upload().total()).isEqualTo(16384);
    }

    @Test
    void aRequestForAPieceWeLackIsRejected() {
        ScriptedLink link = ScriptedLink.fast(1);
        PeerSession ps = session(link);
        ps.unchoke();
        intents.haveEverything = false;
        ps.handle(new Message.Request(7, 0, 16384));
        assertThat(link.blocks).isEmpty();
        assertThat(link.sent(Message.Reject.class)).containsExactly(new Message.Reject(7, 0, 16384));
    }

    @Test
    void moreRequestsWaitingThanWeAnnouncedIsAFlood() {
        PeerSession ps = session(ScriptedLink.fast(1));
        ps.unchoke();
        int limit = PeerSession.MAX_PEER_REQUESTS + PeerSession.FLOOD_SLACK;
        for (int i = 0; i <= limit; i++) {
            ps.handle(new Message.Request(i / 4, (i % 4) * 16384, 16384));
        }
        assertThat(intents.seen).last().asString().startsWith("disconnect: request flood");
        assertThat(ps.servingCount()).isEqualTo(limit);
    }

    @Test
    void aCancelWithdrawsABlockNotYetTakenButNotOneOnItsWay() {
        ScriptedLink link = ScriptedLink.fast(1);
        PeerSession ps = session(link);
        ps.unchoke();
        ps.handle(new Message.Request(1, 0, 16384));
        ps.handle(new Message.Request(1, 16384, 16384));
        OutgoingBlock waiting = link.blocks.get(0);
        OutgoingBlock onItsWay = link.blocks.get(1);
        onItsWay.take();
        ps.handle(new Message.Cancel(1, 0, 16384));
        ps.handle(new Message.Cancel(1, 16384, 16384));
        assertThat(waiting.take()).as("withdrawn").isFalse();
        assertThat(ps.servingCount()).isZero();
        assertThat(link.sent(Message.Reject.class)).as("BEP 6: the withdrawn block is rejected, the sent one not")
                .containsExactly(new Message.Reject(1, 0, 16384));
    }

    @Test
    void chokingRejectsOnlyTheBlocksNotYetOnTheirWay() {
        ScriptedLink link = ScriptedLink.fast(1);
        PeerSession ps = session(link);
        ps.unchoke();
        ps.handle(new Message.Request(1, 0, 16384));
        ps.handle(new Message.Request(2, 0, 16384));
        link.blocks.get(1).take();
        ps.choke();
        assertThat(link.sent(Message.Reject.class)).containsExactly(new Message.Reject(1, 0, 16384));
        assertThat(ps.servingCount()).isZero();
    }

    @Test
    void chokeAndUnchokeAreSentOnlyOnAChange() {
        ScriptedLink link = ScriptedLink.fast(1);
        PeerSession ps = session(link);
        ps.choke();
        ps.unchoke();
        ps.unchoke();
        ps.choke();
        ps.choke();
        assertThat(link.sent).containsExactly(Message.UNCHOKE, Message.CHOKE);
    }

    @Test
    void aSilentPeerIsDroppedAfterTheIdleTimeout() {
        PeerSession ps = session(ScriptedLink.fast(1));
        clock.advance(179 * SECOND);
        ps.tick(0);
        assertThat(intents.seen).isEmpty();
        clock.advance(2 * SECOND);
        ps.tick(0);
        assertThat(intents.seen).containsExactly("disconnect: idle for 180 s");
    }

    @Test
    void anyMessageKeepsThePeerFromBeingIdle() {
        PeerSession ps = session(ScriptedLink.fast(1));
        clock.advance(170 * SECOND);
        ps.handle(Message.KEEP_ALIVE);
        clock.advance(170 * SECOND);
        ps.tick(0);
        assertThat(intents.seen).isEmpty();
    }

    @Test
    void weSendAKeepAliveAfterNinetySecondsOfOurSilence() {
        ScriptedLink link = ScriptedLink.fast(1);
        PeerSession ps = session(link);
        clock.advance(89 * SECOND);
        ps.handle(Message.KEEP_ALIVE);
        ps.tick(0);
        assertThat(link.sent).isEmpty();
        clock.advance(2 * SECOND);
        ps.tick(0);
        assertThat(link.sent).containsExactly(Message.KEEP_ALIVE);
    }

    @Test
    void outstandingRequestsExpireAfterTheRequestTimeout() {
        PeerSession ps = session(ScriptedLink.fast(1));
        ps.tick(0);
        assertThat(intents.seen).as("nothing outstanding, nothing to expire").isEmpty();
        clock.advance(SECOND);
        ps.tick(3);
        assertThat(intents.seen).containsExactly("expired before " + (clock.now - 20 * SECOND));
    }

    @Test
    void aPeerThatSendsNothingWeAskedForInAMinuteIsSnubbedAndOneBlockEndsIt() {
        PeerSession ps = session(ScriptedLink.fast(1));
        clock.advance(61 * SECOND);
        ps.handle(Message.KEEP_ALIVE);
        ps.tick(5);
        assertThat(ps.pipeline().snubbed()).isTrue();
        assertThat(ps.pipeline().target()).isEqualTo(1);
        ps.handle(Message.Piece.of(0, 0, new byte[16384]));
        assertThat(ps.pipeline().snubbed()).isFalse();
    }

    @Test
    void requestRoomComesInBatchesAndOnlyWhenUnchokedAndInterested() {
        ScriptedLink link = ScriptedLink.fast(1);
        PeerSession ps = session(link);
        assertThat(ps.requestRoom(0)).as("choked and not interested").isZero();
        ps.handle(Message.UNCHOKE);
        assertThat(ps.requestRoom(0)).as("not interested").isZero();
        ps.interested(true);
        int target = ps.pipeline().target();
        assertThat(ps.requestRoom(0)).isEqualTo(target);
        assertThat(ps.requestRoom(target)).isZero();
        assertThat(link.sent).containsExactly(Message.INTERESTED);
    }

    @Test
    void startAnnouncesOurPiecesTheShortestWay() {
        Bitfield all = new Bitfield(PIECES);
        all.setAll();
        ScriptedLink seedLink = ScriptedLink.fast(1);
        session(seedLink).start(all, GREETING);
        assertThat(seedLink.sent.get(0)).isEqualTo(Message.HAVE_ALL);
        ScriptedLink emptyPlain = ScriptedLink.plain(2);
        session(emptyPlain).start(new Bitfield(PIECES), GREETING);
        assertThat(emptyPlain.sent).as("nothing but the extended handshake").hasSize(1)
                .allMatch(m -> m instanceof Message.Extended);
        Bitfield some = new Bitfield(PIECES);
        some.set(3);
        ScriptedLink someLink = ScriptedLink.fast(3);
        session(someLink).start(some, GREETING);
        assertThat(someLink.sent.get(0)).isInstanceOf(Message.BitfieldMessage.class);
    }

    @Test
    void thousandsOfKeepAlivesOrInterestFlipsInASecondAreAFlood() {
        PeerSession ps = session(ScriptedLink.fast(1));
        for (int i = 0; i < PeerSession.MAX_CHATTER_PER_TICK; i++) {
            ps.handle(i % 2 == 0 ? Message.KEEP_ALIVE : Message.INTERESTED);
        }
        assertThat(intents.seen).noneMatch(s -> s.startsWith("disconnect"));
        ps.handle(Message.NOT_INTERESTED);
        assertThat(intents.seen).last().asString().startsWith("disconnect: message flood");
    }

    @Test
    void aFewChatterMessagesEverySecondAreNeverAFlood() {
        PeerSession ps = session(ScriptedLink.fast(1));
        for (int second = 0; second < 1000; second++) {
            for (int i = 0; i < 10; i++) {
                ps.handle(i % 2 == 0 ? Message.INTERESTED : Message.NOT_INTERESTED);
            }
            clock.advance(SECOND);
            ps.tick(0);
        }
        assertThat(intents.seen).noneMatch(s -> s.startsWith("disconnect"));
    }

    @Test
    void everyPieceAnnouncedOnceIsNeverAFloodButEndlessRepeatsAre() {
        PeerSession ps = session(ScriptedLink.fast(1));
        for (int p = 0; p < PIECES; p++) {
            ps.handle(new Message.Have(p)); // at any rate: haves are not chatter
        }
        assertThat(intents.seen).noneMatch(s -> s.startsWith("disconnect"));
        for (int i = 0; i <= PIECES + PeerSession.HAVE_SLACK; i++) {
            ps.handle(new Message.Have(i % PIECES));
        }
        assertThat(intents.seen).last().asString().startsWith("disconnect: have flood");
    }

    @Test
    void theRequestQueueWeAnnounceCoversA400MbitLinkAt200MillisecondsRoundTripWithRoomToSpare() {
        double bdpBlocks = 400e6 / 8 * 0.200 / RequestPipeline.BLOCK; // 610
        assertThat(PeerSession.MAX_PEER_REQUESTS).isGreaterThanOrEqualTo((int) (2 * bdpBlocks));
    }

    @Test
    void ourExtendedHandshakeAnnouncesOurExtensionsMetadataSizeAndWhereWeSeeThePeer() throws Exception {
        ScriptedLink link = ScriptedLink.fast(1);
        session(link).start(new Bitfield(PIECES), GREETING);
        Message.Extended sent = (Message.Extended) link.sent.get(1);
        ExtendedHandshake ours = ExtendedHandshake.parse(sent);
        assertThat(ours.extensions()).containsExactly(Map.entry(ExtensionIds.UT_METADATA, ExtensionIds.OUR_UT_METADATA));
        assertThat(ours.metadataSize()).hasValue(12_345);
        assertThat(ours.listenPort()).hasValue(6881);
        assertThat(ours.requestQueue()).hasValue(PeerSession.MAX_PEER_REQUESTS);
        assertThat(ours.yourIp()).contains(InetAddress.getByName("127.0.0.1"));
    }

    @Test
    void extensionMessagesGoOutWithThePeersIdsAndComeInByOurs() {
        ScriptedLink link = ScriptedLink.fast(1);
        PeerSession ps = session(link);
        ps.start(new Bitfield(PIECES), GREETING);
        assertThat(ps.sendExtension(ExtensionIds.UT_METADATA, new byte[] {1})).as("before its handshake").isFalse();
        ps.handle(ExtendedHandshake.of(Map.of(ExtensionIds.UT_METADATA, 3, ExtensionIds.UT_PEX, 7)).toMessage());
        assertThat(ps.sendExtension(ExtensionIds.UT_METADATA, "x".getBytes())).isTrue();
        assertThat(link.sent).last().isEqualTo(new Message.Extended(3, "x".getBytes()));

        ps.handle(new Message.Extended(ExtensionIds.OUR_UT_METADATA, "req".getBytes()));
        ps.handle(new Message.Extended(3, "their id, not ours".getBytes()));
        assertThat(intents.seen).containsExactly("extension handshake {ut_metadata=3, ut_pex=7}",
                "extension ut_metadata req");
    }

    @Test
    void aLaterHandshakeThatSwitchesAnExtensionOffStopsOurMessagesOfIt() {
        ScriptedLink link = ScriptedLink.fast(1);
        PeerSession ps = session(link);
        ps.start(new Bitfield(PIECES), GREETING);
        ps.handle(ExtendedHandshake.of(Map.of(ExtensionIds.UT_METADATA, 3, ExtensionIds.UT_PEX, 7)).toMessage());
        ps.handle(ExtendedHandshake.of(Map.of(ExtensionIds.UT_METADATA, 0)).toMessage());
        assertThat(ps.sendExtension(ExtensionIds.UT_METADATA, new byte[] {1})).isFalse();
        assertThat(ps.sendExtension(ExtensionIds.UT_PEX, new byte[] {1})).as("left out: kept").isTrue();
        assertThat(ps.extensions().theirs()).containsOnlyKeys(ExtensionIds.UT_PEX);
        assertThat(ps.peerHandshake()).isPresent();
    }

    @Test
    void thousandsOfExtensionMessagesWeNeverAnnouncedInASecondAreAFlood() {
        PeerSession ps = session(ScriptedLink.fast(1));
        for (int i = 0; i < PeerSession.MAX_CHATTER_PER_TICK; i++) {
            ps.handle(new Message.Extended(99, new byte[0]));
        }
        ps.tick(0);
        for (int i = 0; i < PeerSession.MAX_CHATTER_PER_TICK; i++) {
            ps.handle(new Message.Extended(99, new byte[0]));
        }
        assertThat(intents.seen).as("a tick apart: not yet").noneMatch(l -> l.startsWith("disconnect"));
        ps.handle(new Message.Extended(99, new byte[0]));
        assertThat(intents.seen).last().asString().startsWith("disconnect: message flood");
    }
}
