package dev.spate.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spate.core.Bitfield;
import dev.spate.core.Clock;
import dev.spate.peer.PeerSession;
import dev.spate.peer.ScriptedLink;
import dev.spate.wire.ExtendedHandshake;
import dev.spate.wire.ExtensionIds;
import dev.spate.wire.Message;
import dev.spate.wire.MetadataMessage;
import dev.spate.wire.WireException;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** BEP 9's serving side: our info dictionary to peers that ask, bounded, never for a private torrent. */
class MetadataServerTest {
    static final int THEIR_ID = 5;

    final AtomicLong now = new AtomicLong(TimeUnit.HOURS.toNanos(1));
    final Clock clock = now::get;
    final List<String> dropped = new ArrayList<>();
    final byte[] info = new byte[40_000];
    final ScriptedLink link = ScriptedLink.fast(1);
    PeerSession peer;

    MetadataServerTest() {
        new Random(9).nextBytes(info);
    }

    MetadataServer server(boolean privateTorrent) {
        MetadataServer server = new MetadataServer(info, privateTorrent, clock);
        peer = new PeerSession(link, 4, new PeerSession.Listener() {
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
            public dev.spate.peer.OutgoingBlock.Source serve(PeerSession p, Message.Request request) { return null; }
            public void disconnect(PeerSession p, String reason) { }
        }, clock, new PeerSession.Timeouts(TimeUnit.MINUTES.toNanos(3), TimeUnit.SECONDS.toNanos(20)));
        peer.start(new Bitfield(4), new PeerSession.Greeting(6881, "Spate test", server.extensions(),
                server.metadataSize()));
        peer.handle(ExtendedHandshake.of(Map.of(ExtensionIds.UT_METADATA, THEIR_ID)).toMessage());
        link.sent.clear();
        return server;
    }

    void ask(MetadataServer server, int piece) {
        server.onMessage(peer, new MetadataMessage.Request(piece).encode(), (p, reason) -> dropped.add(reason));
    }

    List<MetadataMessage> answers() throws WireException {
        List<MetadataMessage> out = new ArrayList<>();
        for (Message m : link.sent) {
            Message.Extended e = (Message.Extended) m;
            assertThat(e.extendedId()).as("sent with the id the peer gave ut_metadata").isEqualTo(THEIR_ID);
            out.add(MetadataMessage.decode(e.payload()).orElseThrow());
        }
        return out;
    }

    @Test
    void aPeerThatAsksForEveryPieceGetsOurInfoDictionaryExactly() throws WireException {
        MetadataServer server = server(false);
        assertThat(server.extensions()).containsEntry(ExtensionIds.UT_METADATA, ExtensionIds.OUR_UT_METADATA);
        assertThat(server.metadataSize()).hasValue(info.length);
        for (int piece = 0; piece < 3; piece++) {
            ask(server, piece);
        }
        ByteArrayOutputStream whole = new ByteArrayOutputStream();
        for (MetadataMessage m : answers()) {
            MetadataMessage.Data data = (MetadataMessage.Data) m;
            assertThat(data.totalSize()).isEqualTo(info.length);
            whole.writeBytes(data.bytes());
        }
        assertThat(whole.toByteArray()).isEqualTo(info);
        assertThat(dropped).isEmpty();
    }

    @Test
    void aPrivateTorrentAnnouncesNoMetadataAndRejectsEveryRequest() throws WireException {
        MetadataServer server = server(true);
        assertThat(server.extensions()).isEmpty();
        assertThat(server.metadataSize()).isEmpty();
        assertThat(peer.sendExtension(ExtensionIds.UT_METADATA, new byte[0])).as("the peer still announced it").isTrue();
        link.sent.clear();
        ask(server, 0);
        assertThat(answers()).containsExactly(new MetadataMessage.Reject(0));
    }

    @Test
    void aPieceBeyondTheMetadataIsRejected() throws WireException {
        MetadataServer server = server(false);
        ask(server, 2);
        ask(server, 3);
        assertThat(answers()).last().isEqualTo(new MetadataMessage.Reject(3));
    }

    @Test
    void requestsPastTheBudgetAreRejectedAndAFloodIsDropped() throws WireException {
        MetadataServer server = server(false);
        int budget = 2 * 3 + 4;
        for (int i = 0; i < budget; i++) {
            ask(server, i % 3);
        }
        assertThat(answers()).allMatch(m -> m instanceof MetadataMessage.Data);
        link.sent.clear();
        ask(server, 0);
        assertThat(answers()).containsExactly(new MetadataMessage.Reject(0));
        for (int i = budget + 1; i < budget * MetadataServer.FLOOD_FACTOR; i++) {
            ask(server, 0);
        }
        assertThat(dropped).isEmpty();
        ask(server, 0);
        assertThat(dropped).singleElement().asString().startsWith("metadata request flood");
    }

    @Test
    void theBudgetComesBackAfterAMinute() throws WireException {
        MetadataServer server = server(false);
        for (int i = 0; i < 11; i++) {
            ask(server, 0);
        }
        now.addAndGet(MetadataServer.WINDOW_NANOS);
        link.sent.clear();
        ask(server, 1);
        assertThat(answers()).singleElement().isInstanceOf(MetadataMessage.Data.class);
    }

    @Test
    void aMessageThatIsNotBep9sDropsThePeer() {
        MetadataServer server = server(false);
        server.onMessage(peer, "not bencode".getBytes(), (p, reason) -> dropped.add(reason));
        assertThat(dropped).singleElement().asString().startsWith("protocol violation: ut_metadata message is not bencoded");
        assertThat(link.sent).isEmpty();
    }

    @Test
    void dataAndRejectsFromAPeerAreIgnored() {
        MetadataServer server = server(false);
        server.onMessage(peer, new MetadataMessage.Reject(0).encode(), (p, reason) -> dropped.add(reason));
        server.onMessage(peer, new MetadataMessage.Data(0, 10, new byte[10]).encode(), (p, reason) -> dropped.add(reason));
        assertThat(link.sent).isEmpty();
        assertThat(dropped).isEmpty();
    }
}
