package dev.spate.wire;

import static dev.spate.wire.Frames.bytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spate.core.InfoHash;
import dev.spate.core.PeerId;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class HandshakeTest {
    static final byte[] HASH = bytes(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19);
    static final byte[] ID = "-SP0100-abcdefghijkl".getBytes(StandardCharsets.US_ASCII);

    /** BEP 3: 19, "BitTorrent protocol", reserved (here BEP 10's and BEP 6's bits and BEP 5's), hash, id. */
    static final byte[] WIRE = Frames.concat(
            bytes(19), "BitTorrent protocol".getBytes(StandardCharsets.US_ASCII),
            bytes(0, 0, 0, 0, 0, 0x10, 0, 0x05), HASH, ID);

    @Test
    void decodesTheSixtyEightBytesOfBep3() throws Exception {
        Handshake hs = Handshake.decode(WIRE);
        assertThat(hs.infoHash()).isEqualTo(InfoHash.of(HASH));
        assertThat(hs.peerId()).isEqualTo(PeerId.of(ID));
        assertThat(hs.reserved()).isEqualTo(bytes(0, 0, 0, 0, 0, 0x10, 0, 0x05));
        assertThat(hs.supportsExtensions()).isTrue();
        assertThat(hs.supportsFast()).isTrue();
        assertThat(hs.supportsDht()).isTrue();
    }

    @Test
    void encodesToTheSameSixtyEightBytes() {
        Handshake hs = new Handshake(bytes(0, 0, 0, 0, 0, 0x10, 0, 0x05), InfoHash.of(HASH), PeerId.of(ID));
        assertThat(hs.encode()).hasSize(68).isEqualTo(WIRE);
        ByteBuffer out = ByteBuffer.allocate(70);
        hs.encodeTo(out);
        assertThat(out.position()).isEqualTo(68);
    }

    @Test
    void oursAnnouncesTheFastExtensionAndTheExtensionProtocolOnly() {
        Handshake ours = Handshake.ours(InfoHash.of(HASH), PeerId.of(ID));
        assertThat(ours.reserved()).isEqualTo(bytes(0, 0, 0, 0, 0, 0x10, 0, 0x04));
        assertThat(ours.supportsFast()).isTrue();
        assertThat(ours.supportsExtensions()).isTrue();
        assertThat(ours.supportsDht()).isFalse();
    }

    @Test
    void aHandshakeWithNoReservedBitsSupportsNothing() throws Exception {
        byte[] wire = WIRE.clone();
        wire[25] = 0;
        wire[27] = 0;
        Handshake hs = Handshake.decode(wire);
        assertThat(hs.supportsFast()).isFalse();
        assertThat(hs.supportsExtensions()).isFalse();
        assertThat(hs.supportsDht()).isFalse();
    }

    @Test
    void decodesFromAnOffsetAndFromABuffer() throws Exception {
        byte[] padded = Frames.concat(bytes(1, 2), WIRE);
        assertThat(Handshake.decode(padded, 2)).isEqualTo(Handshake.decode(WIRE));
        ByteBuffer in = ByteBuffer.wrap(Frames.concat(WIRE, bytes(0, 0, 0, 0)));
        assertThat(Handshake.decode(in)).isEqualTo(Handshake.decode(WIRE));
        assertThat(in.remaining()).isEqualTo(4);
    }

    @Test
    void rejectsAWrongProtocolStringLength() {
        byte[] wire = WIRE.clone();
        wire[0] = 18;
        assertThatThrownBy(() -> Handshake.decode(wire)).isInstanceOf(WireException.class)
                .hasMessage("handshake protocol string of length 18, expected 19");
    }

    @Test
    void rejectsAWrongProtocolString() {
        byte[] wire = WIRE.clone();
        wire[12] = 'P';
        wire[19] = 0;
        assertThatThrownBy(() -> Handshake.decode(wire)).isInstanceOf(WireException.class)
                .hasMessage("handshake protocol string is not \"BitTorrent protocol\" but \"BitTorrent Protoco\\x00\"");
    }

    @Test
    void rejectsTheWrongNumberOfBytes() {
        assertThatThrownBy(() -> Handshake.decode(java.util.Arrays.copyOf(WIRE, 67))).isInstanceOf(WireException.class)
                .hasMessage("handshake of 67 bytes, expected 68");
        assertThatThrownBy(() -> Handshake.decode(WIRE, 10)).isInstanceOf(WireException.class)
                .hasMessage("handshake needs 68 bytes, 58 given");
        assertThatThrownBy(() -> Handshake.decode(ByteBuffer.allocate(3))).isInstanceOf(WireException.class)
                .hasMessage("handshake needs 68 bytes, 3 given");
    }

    @Test
    void theRecordKeepsItsReservedBytesToItself() {
        byte[] reserved = new byte[8];
        Handshake hs = new Handshake(reserved, InfoHash.of(HASH), PeerId.of(ID));
        reserved[7] = 0x04;
        hs.reserved()[7] = 0x04;
        assertThat(hs.supportsFast()).isFalse();
        assertThatThrownBy(() -> new Handshake(new byte[7], InfoHash.of(HASH), PeerId.of(ID)))
                .hasMessage("reserved field of 7 bytes, expected 8");
    }

    @Test
    void theDhtBitIsByteSevenBitOneAndTouchesNothingElse() {
        Handshake ours = Handshake.ours(InfoHash.of(HASH), PeerId.of(ID));
        assertThat(ours.supportsDht()).isFalse();
        Handshake dht = ours.withDht(true);
        assertThat(dht.supportsDht()).isTrue();
        assertThat(dht.reserved()[7] & 0xff).isEqualTo((ours.reserved()[7] & 0xff) | 0x01);
        assertThat(dht.supportsFast()).isTrue();
        assertThat(dht.supportsExtensions()).isTrue();
        assertThat(dht.withDht(false).reserved()).isEqualTo(ours.reserved());
    }
}
