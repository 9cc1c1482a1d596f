package dev.spate.wire;

import static dev.spate.wire.Frames.ALL;
import static dev.spate.wire.Frames.GEOMETRY;
import static dev.spate.wire.Frames.bytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spate.core.Bitfield;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class MessageCodecTest {

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.spate.wire.Frames#everyMessage")
    void decodesEveryMessageFromItsBytes(Message expected, byte[] wire) throws Exception {
        assertThat(ALL.decode(wire, 0, wire.length)).isEqualTo(expected);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.spate.wire.Frames#everyMessage")
    void encodesEveryMessageToItsBytes(Message message, byte[] wire) {
        assertThat(MessageEncoder.encode(message)).isEqualTo(wire);
        assertThat(MessageEncoder.frameLength(message)).isEqualTo(wire.length);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.spate.wire.Frames#everyMessage")
    void decodesAFrameInTheMiddleOfALargerArray(Message expected, byte[] wire) throws Exception {
        byte[] padded = Frames.concat(bytes(9, 9, 9), wire, bytes(9));
        assertThat(ALL.decode(padded, 3, wire.length)).isEqualTo(expected);
    }

    @Test
    void decodingABufferConsumesItAndIgnoresItsByteOrder() throws Exception {
        ByteBuffer frame = ByteBuffer.wrap(bytes(0, 0, 0, 5, 4, 0, 0, 0, 7)).order(ByteOrder.LITTLE_ENDIAN);
        assertThat(ALL.decode(frame)).isEqualTo(new Message.Have(7));
        assertThat(frame.hasRemaining()).isFalse();
    }

    @Test
    void messagesWithoutFieldsDecodeToTheSharedInstances() throws Exception {
        assertThat(ALL.decode(bytes(0, 0, 0, 1, 0), 0, 5)).isSameAs(Message.CHOKE);
        assertThat(ALL.decode(bytes(0, 0, 0, 0), 0, 4)).isSameAs(Message.KEEP_ALIVE);
    }

    @Test
    void aDecodedPieceIsAViewOfTheInputNotACopy() throws Exception {
        byte[] wire = bytes(0, 0, 0, 12, 7, 0, 0, 0, 2, 0, 0, 0, 0, 1, 2, 3);
        Message.Piece piece = (Message.Piece) ALL.decode(wire, 0, wire.length);
        wire[13] = 42;
        assertThat(piece.block().get(piece.block().position())).isEqualTo((byte) 42);
        assertThat(piece.length()).isEqualTo(3);
    }

    @Test
    void theLastPieceMayCarryItsShortTail() throws Exception {
        // Piece 9 is 20000 bytes: 16384 + 3616.
        byte[] header = bytes(0, 0, 0x0e, 0x29, 7, 0, 0, 0, 9, 0, 0, 0x40, 0);
        byte[] wire = Frames.concat(header, new byte[3616]);
        Message.Piece piece = (Message.Piece) ALL.decode(wire, 0, wire.length);
        assertThat(piece.piece()).isEqualTo(9);
        assertThat(piece.begin()).isEqualTo(16384);
        assertThat(piece.length()).isEqualTo(3616);
    }

    @Test
    void aBitfieldMessageBecomesACoreBitfield() throws Exception {
        Message.BitfieldMessage m = (Message.BitfieldMessage) ALL.decode(bytes(0, 0, 0, 3, 5, 0x81, 0x40), 0, 7);
        Bitfield field = m.toBitfield(GEOMETRY.pieceCount());
        assertThat(field.cardinality()).isEqualTo(3);
        assertThat(field.get(0)).isTrue();
        assertThat(field.get(7)).isTrue();
        assertThat(field.get(9)).isTrue();
        assertThat(Message.BitfieldMessage.of(field)).isEqualTo(m);
    }

    @Test
    void aPieceHeaderIsThirteenBytesAndTheBlockFollowsInAGatheringWrite() {
        Message.Piece piece = Message.Piece.of(2, 16384, bytes(1, 2, 3));
        ByteBuffer header = ByteBuffer.allocate(MessageEncoder.PIECE_HEADER_LENGTH);
        MessageEncoder.encodeHeader(piece, header);
        assertThat(header.hasRemaining()).isFalse();
        assertThat(header.array()).isEqualTo(bytes(0, 0, 0, 12, 7, 0, 0, 0, 2, 0, 0, 0x40, 0));
        ByteBuffer block = piece.block().duplicate();
        byte[] sent = Frames.concat(header.array(), new byte[block.remaining()]);
        block.get(sent, 13, 3);
        assertThat(sent).isEqualTo(MessageEncoder.encode(piece));
    }

    @Test
    void encodingAPieceLeavesItsBlockWhereItWas() {
        ByteBuffer block = ByteBuffer.wrap(bytes(0, 0, 5, 6, 7, 0)).position(2).limit(5);
        Message.Piece piece = new Message.Piece(0, 0, block);
        ByteBuffer out = ByteBuffer.allocate(64);
        MessageEncoder.encode(piece, out);
        assertThat(block.position()).isEqualTo(2);
        assertThat(block.limit()).isEqualTo(5);
        assertThat(out.position()).isEqualTo(16);
        assertThat(out.array()[13]).isEqualTo((byte) 5);
        assertThat(out.array()[15]).isEqualTo((byte) 7);
    }

    @Test
    void encodingIntoABufferTooSmallWritesNothing() {
        ByteBuffer out = ByteBuffer.allocate(10);
        assertThatThrownBy(() -> MessageEncoder.encode(Message.Piece.of(0, 0, new byte[8]), out))
                .isInstanceOf(java.nio.BufferOverflowException.class);
        assertThat(out.position()).isZero();
    }

    @Test
    void encodingIntoALittleEndianBufferIsRefused() {
        ByteBuffer out = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
        assertThatThrownBy(() -> MessageEncoder.encodeHeader(new Message.Have(1), out))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void recordsRefuseNegativeFieldsAndPortsBeyondSixteenBits() {
        assertThatThrownBy(() -> new Message.Have(-1)).hasMessage("piece -1 is negative");
        assertThatThrownBy(() -> new Message.Request(0, -5, 1)).hasMessage("begin -5 is negative");
        assertThatThrownBy(() -> new Message.Port(65536)).hasMessage("port 65536 outside [0, 65535]");
        assertThatThrownBy(() -> new Message.Extended(256, new byte[0])).hasMessage("extended id 256 outside [0, 255]");
    }

    @Test
    void theGeometryKnowsTheShortLastPiece() {
        assertThat(GEOMETRY.pieceCount()).isEqualTo(10);
        assertThat(GEOMETRY.pieceSize(0)).isEqualTo(32768);
        assertThat(GEOMETRY.pieceSize(9)).isEqualTo(20000);
        assertThat(TorrentGeometry.of(65536, 32768).pieceSize(1)).isEqualTo(32768);
        assertThatThrownBy(() -> new TorrentGeometry(3, 32768, 65536)).hasMessage("3 pieces of 32768 bytes for 65536 bytes, expected 2");
    }

    @Test
    void aPieceHeaderFramedWithoutItsBlockMatchesTheWholeMessagesHeader() {
        ByteBuffer alone = ByteBuffer.allocate(13);
        MessageEncoder.encodePieceHeader(7, 16_384, 1_000, alone);
        ByteBuffer whole = ByteBuffer.allocate(13);
        MessageEncoder.encodeHeader(new Message.Piece(7, 16_384, ByteBuffer.allocate(1_000)), whole);
        org.assertj.core.api.Assertions.assertThat(alone.array()).isEqualTo(whole.array());
    }
}
