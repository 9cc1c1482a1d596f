package dev.spate.peer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spate.core.InfoHash;
import dev.spate.core.PeerId;
import dev.spate.wire.Handshake;
import dev.spate.wire.MessageDecoder;
import dev.spate.wire.TorrentGeometry;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;

class PeerSessionTest {
    private static PeerSession session() {
        Handshake theirs = Handshake.ours(InfoHash.of(new byte[20]), PeerId.random());
        PeerConnection c = new PeerConnection(
                new PeerConnection.Handshaken(null, new InetSocketAddress("127.0.0.1", 6881), theirs, true),
                new MessageDecoder(TorrentGeometry.of(1 << 20, 1 << 14), true, true), null);
        return new PeerSession(c, 64, 0);
    }

    @Test
    void theFirstAvailabilityMessageIsAcceptedWhateverCameBeforeIt() {
        PeerSession ps = session();
        // libtorrent and Transmission send the BEP 10 extended handshake first: it does not count.
        assertThat(ps.firstAvailability()).isTrue();
        assertThat(ps.firstAvailability()).as("a second bitfield").isFalse();
    }

    @Test
    void aBitfieldAfterAHaveIsNotFirst() {
        PeerSession ps = session();
        ps.firstAvailability(); // the have
        assertThat(ps.firstAvailability()).isFalse();
    }

    private static OutgoingBlock block(int piece, int begin) {
        return new OutgoingBlock(piece, begin, 16_384, target -> { });
    }

    @Test
    void theSameBlockAskedTwiceIsServedOnce() {
        PeerSession ps = session();
        assertThat(ps.startServing(block(1, 0))).isTrue();
        assertThat(ps.startServing(block(1, 0))).isFalse();
        assertThat(ps.servingCount()).isEqualTo(1);
    }

    @Test
    void aCancelWithdrawsABlockNotYetTakenButNotOneOnItsWay() {
        PeerSession ps = session();
        OutgoingBlock waiting = block(1, 0);
        OutgoingBlock onItsWay = block(1, 16_384);
        ps.startServing(waiting);
        ps.startServing(onItsWay);
        onItsWay.take();
        assertThat(ps.cancelServing(1, 0)).isTrue();
        assertThat(ps.cancelServing(1, 16_384)).isFalse();
        assertThat(ps.cancelServing(2, 0)).as("never asked").isFalse();
        assertThat(ps.servingCount()).isZero();
    }

    @Test
    void aChokeRejectsOnlyTheBlocksNotYetOnTheirWay() {
        PeerSession ps = session();
        OutgoingBlock a = block(1, 0);
        OutgoingBlock b = block(2, 0);
        ps.startServing(a);
        ps.startServing(b);
        b.take();
        assertThat(ps.stopServing()).containsExactly(new dev.spate.wire.Message.Reject(1, 0, 16_384));
        assertThat(ps.servingCount()).isZero();
        assertThat(ps.finishServing(2, 0)).as("forgotten at the choke").isFalse();
    }
}
