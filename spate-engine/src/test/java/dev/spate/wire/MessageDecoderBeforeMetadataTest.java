package dev.spate.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spate.core.InfoHash;
import dev.spate.core.PeerId;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

/** Before a magnet's metadata arrives, indices cannot be checked, but frames still are. */
class MessageDecoderBeforeMetadataTest {
    final Handshake ours = Handshake.ours(InfoHash.of(new byte[20]), PeerId.random());
    final MessageDecoder decoder = MessageDecoder.beforeMetadata(ours, Handshake.ours(InfoHash.of(new byte[20]),
            PeerId.random()));

    static byte[] frame(int id, byte... body) {
        return ByteBuffer.allocate(5 + body.length).putInt(1 + body.length).put((byte) id).put(body).array();
    }

    @Test
    void aBitfieldOfAnyLengthWithSpareBitsSetIsKeptForLater() throws Exception {
        byte[] bits = {(byte) 0xff, (byte) 0xff, 0x01};
        Message m = decoder.decode(frame(5, bits), 0, 8);
        assertThat(m).isInstanceOf(Message.BitfieldMessage.class);
        assertThat(((Message.BitfieldMessage) m).bits()).containsExactly(bits);
        assertThat(decoder.geometryKnown()).isFalse();
    }

    @Test
    void aHaveOfAnyPieceIsTakenAndFramesAreStillChecked() throws Exception {
        assertThat(decoder.decode(frame(4, (byte) 0, (byte) 1, (byte) 0, (byte) 0), 0, 9))
                .isEqualTo(new Message.Have(65536));
        byte[] shortHave = frame(4, (byte) 0, (byte) 1);
        assertThatThrownBy(() -> decoder.decode(shortHave, 0, shortHave.length)).isInstanceOf(WireException.class)
                .hasMessageContaining("have message of 3 bytes");
        byte[] emptyBitfield = frame(5);
        assertThatThrownBy(() -> decoder.decode(emptyBitfield, 0, emptyBitfield.length))
                .isInstanceOf(WireException.class).hasMessageContaining("before the metadata");
    }

    @Test
    void aHaveBeyondAnyTorrentWithinTheMetadataLimitIsRefusedAsItArrives() throws Exception {
        int max = MessageDecoder.MAX_PIECES_BEFORE_METADATA;
        assertThat(max).as("32 MiB of info dictionary, 20 bytes a piece").isEqualTo((32 << 20) / 20);
        byte[] last = ByteBuffer.allocate(9).putInt(5).put((byte) 4).putInt(max - 1).array();
        assertThat(decoder.decode(last, 0, 9)).isEqualTo(new Message.Have(max - 1));
        byte[] beyond = ByteBuffer.allocate(9).putInt(5).put((byte) 4).putInt(max).array();
        assertThatThrownBy(() -> decoder.decode(beyond, 0, 9)).isInstanceOf(WireException.class)
                .hasMessage("have for piece " + max + " before the metadata: no torrent within the metadata limit "
                        + "has more than " + max + " pieces");
    }

    @Test
    void aBitfieldLongerThanTheMetadataLimitAllowsIsRefused() {
        byte[] tooLong = frame(5, new byte[MessageDecoder.MAX_UNKNOWN_BITFIELD + 1]);
        assertThatThrownBy(() -> decoder.decode(tooLong, 0, tooLong.length)).isInstanceOf(WireException.class)
                .hasMessageContaining("before the metadata");
    }

    @Test
    void withTheGeometryTheSameConnectionChecksFullyAndWhatWasDecodedBeforeIsCheckedWithTheSameRules()
            throws Exception {
        MessageDecoder full = decoder.withGeometry(TorrentGeometry.of(10L << 14, 1 << 14));
        assertThat(full.geometryKnown()).isTrue();
        assertThat(full.fastExtension()).isEqualTo(decoder.fastExtension());
        assertThat(full.extensionProtocol()).isEqualTo(decoder.extensionProtocol());
        byte[] have = frame(4, (byte) 0, (byte) 0, (byte) 0, (byte) 10);
        assertThatThrownBy(() -> full.decode(have, 0, have.length)).hasMessage("have for piece 10 of 10");
        Message early = decoder.decode(have, 0, have.length);
        assertThatThrownBy(() -> full.check(early)).isInstanceOf(WireException.class)
                .hasMessage("have for piece 10 of 10");
        assertThatThrownBy(() -> full.check(new Message.BitfieldMessage(new byte[] {(byte) 0xff, (byte) 0xff})))
                .hasMessage("bitfield has spare bits set beyond 10 pieces");
        assertThatThrownBy(() -> full.check(new Message.BitfieldMessage(new byte[3])))
                .hasMessage("bitfield of 3 bytes for 10 pieces, expected 2");
        assertThatThrownBy(() -> full.check(new Message.Request(9, 16_000, 1_000)))
                .hasMessage("request for 1000 bytes at 16000 beyond the 16384 bytes of piece 9");
        full.check(new Message.BitfieldMessage(new byte[] {(byte) 0xff, (byte) 0xc0}));
        full.check(new Message.Have(9));
        full.check(Message.UNCHOKE);
        assertThatThrownBy(() -> decoder.check(Message.UNCHOKE)).isInstanceOf(IllegalStateException.class);
    }
}
