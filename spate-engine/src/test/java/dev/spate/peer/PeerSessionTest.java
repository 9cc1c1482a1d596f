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
}
