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
}
