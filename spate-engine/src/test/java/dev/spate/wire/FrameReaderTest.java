package dev.spate.wire;

import static dev.spate.wire.Frames.ALL;
import static dev.spate.wire.Frames.bytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spate.core.InfoHash;
import dev.spate.core.PeerId;
import java.io.EOFException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class FrameReaderTest {

    static List<Message> readAll(FrameReader reader) throws Exception {
        List<Message> out = new ArrayList<>();
        for (Message m = reader.read(); m != null; m = reader.read()) {
            out.add(m);
        }
        return out;
    }

    @Test
    void readsEveryMessageWhateverPositionTheStreamIsSplitAt() throws Exception {
        byte[] stream = Frames.stream();
        for (int cut = 0; cut <= stream.length; cut++) {
            FrameReader reader = new FrameReader(new Frames.Chunked(stream, Integer.MAX_VALUE, cut), ALL);
            assertThat(readAll(reader)).as("split at %d", cut).isEqualTo(Frames.messages());
        }
    }

    @Test
    void readsEveryMessageWhateverTwoPositionsTheStreamIsSplitAt() throws Exception {
        byte[] stream = Frames.stream();
        for (int a = 0; a <= stream.length; a++) {
            for (int b = a; b <= stream.length; b += 3) {
                FrameReader reader = new FrameReader(new Frames.Chunked(stream, Integer.MAX_VALUE, a, b), ALL);
                assertThat(readAll(reader)).as("split at %d and %d", a, b).isEqualTo(Frames.messages());
            }
        }
    }

    @Test
    void readsEveryMessageOneByteAtATime() throws Exception {
        FrameReader reader = new FrameReader(new Frames.Chunked(Frames.stream(), 1), ALL);
        assertThat(readAll(reader)).isEqualTo(Frames.messages());
    }

    @Test
    void anEndInsideAFrameIsAnEofException() {
        byte[] stream = bytes(0, 0, 0, 5, 4, 0, 0);
        for (int end = 1; end < stream.length; end++) {
            byte[] cut = java.util.Arrays.copyOf(stream, end);
            FrameReader reader = new FrameReader(new Frames.Chunked(cut, 2), ALL);
            assertThatThrownBy(reader::read).as("ending after %d bytes", end).isInstanceOf(EOFException.class);
        }
    }

    @Test
    void anEndBetweenFramesIsNull() throws Exception {
        FrameReader reader = new FrameReader(new Frames.Chunked(bytes(0, 0, 0, 1, 2), 10), ALL);
        assertThat(reader.read()).isEqualTo(Message.INTERESTED);
        assertThat(reader.read()).isNull();
    }

    @Test
    void refusesAnOversizedFrameAfterReadingOnlyItsLengthAndId() {
        byte[] stream = Frames.concat(bytes(0xff, 0xff, 0xff, 0xff, 5), new byte[1000]);
        Frames.Chunked channel = new Frames.Chunked(stream, 100);
        FrameReader reader = new FrameReader(channel, ALL);
        assertThatThrownBy(reader::read).isInstanceOf(WireException.class)
                .hasMessage("bitfield of 4294967294 bytes for 10 pieces, expected 2");
        assertThat(channel.consumed()).isEqualTo(5);
    }

    @Test
    void refusesAnOversizedExtendedMessageBeforeReadingIt() {
        byte[] stream = Frames.concat(bytes(0x7f, 0xff, 0xff, 0xff, 20), new byte[1000]);
        Frames.Chunked channel = new Frames.Chunked(stream, 100);
        assertThatThrownBy(new FrameReader(channel, ALL)::read).isInstanceOf(WireException.class)
                .hasMessage("extended message of 2147483647 bytes exceeds 1048576");
        assertThat(channel.consumed()).isEqualTo(5);
    }

    @Test
    void refusesABadPieceHeaderBeforeAskingForABlockBuffer() {
        byte[] stream = Frames.concat(bytes(0, 0, 0x40, 9, 7, 0, 0, 0, 12, 0, 0, 0, 0), new byte[16384]);
        Frames.Chunked channel = new Frames.Chunked(stream, 100);
        FrameReader reader = new FrameReader(channel, ALL, n -> {
            throw new AssertionError("no buffer should be asked for");
        });
        assertThatThrownBy(reader::read).isInstanceOf(WireException.class).hasMessage("piece message for piece 12 of 10");
        assertThat(channel.consumed()).isEqualTo(13);
    }

    @Test
    void readsABlockStraightIntoTheAllocatorsBufferAndHandsThatBufferOver() throws Exception {
        ByteBuffer pooled = ByteBuffer.allocateDirect(16384 + 10).position(3);
        byte[] stream = bytes(0, 0, 0, 12, 7, 0, 0, 0, 2, 0, 0, 0x40, 0, 7, 8, 9);
        List<Integer> asked = new ArrayList<>();
        FrameReader reader = new FrameReader(new Frames.Chunked(stream, 2), ALL, n -> {
            asked.add(n);
            return pooled;
        });
        Message.Piece piece = (Message.Piece) reader.read();
        assertThat(asked).containsExactly(3);
        assertThat(piece.block()).isSameAs(pooled);
        assertThat(pooled.position()).isEqualTo(3);
        assertThat(pooled.limit()).isEqualTo(6);
        assertThat(piece).isEqualTo(Message.Piece.of(2, 16384, bytes(7, 8, 9)));
    }

    @Test
    void reportsTheRuleABrokenFrameBreaks() {
        FrameReader reader = new FrameReader(new Frames.Chunked(bytes(0, 0, 0, 5, 4, 0, 0, 0, 12), 3), ALL);
        assertThatThrownBy(reader::read).isInstanceOf(WireException.class).hasMessage("have for piece 12 of 10");
    }

    @Test
    void readsAHandshakeThenMessages() throws Exception {
        Handshake hs = Handshake.ours(InfoHash.of(new byte[20]), PeerId.random());
        byte[] stream = Frames.concat(hs.encode(), Frames.stream());
        for (int cut = 0; cut <= 80; cut++) {
            FrameReader reader = new FrameReader(new Frames.Chunked(stream, 1000, cut), ALL);
            assertThat(reader.readHandshake()).isEqualTo(hs);
            assertThat(readAll(reader)).isEqualTo(Frames.messages());
        }
    }

    @Test
    void aShortHandshakeIsAnEofException() {
        FrameReader reader = new FrameReader(new Frames.Chunked(new byte[40], 7), ALL);
        assertThatThrownBy(reader::readHandshake).isInstanceOf(EOFException.class);
        FrameReader empty = new FrameReader(new Frames.Chunked(new byte[0], 7), ALL);
        assertThatThrownBy(empty::readHandshake).isInstanceOf(EOFException.class)
                .hasMessage("connection closed before the handshake");
    }

    @Test
    void skipsMessagesWithUnknownIdsBetweenOthers() throws Exception {
        // Unknown ids 10, 21 (BEP 52 hash request) and 255, with bodies of 0, 3 and 40000 bytes.
        byte[] stream = Frames.concat(bytes(0, 0, 0, 1, 10), bytes(0, 0, 0, 1, 1),
                bytes(0, 0, 0, 4, 21, 7, 8, 9), bytes(0, 0, 0, 5, 4, 0, 0, 0, 3),
                bytes(0, 0, 0x9c, 0x41, 255), new byte[40000]);
        for (int chunk : new int[] {1, 7, Integer.MAX_VALUE}) {
            FrameReader reader = new FrameReader(new Frames.Chunked(stream, chunk), ALL);
            assertThat(readAll(reader)).as("chunks of %d", chunk)
                    .containsExactly(new Message.Unchoke(), new Message.Have(3));
        }
    }

    @Test
    void anUnknownMessageOver1MiBIsRejectedBeforeItsBodyIsRead() {
        byte[] stream = bytes(0, 0x10, 0, 1, 42);
        FrameReader reader = new FrameReader(new Frames.Chunked(stream, 3), ALL);
        assertThatThrownBy(reader::read).isInstanceOf(WireException.class)
                .hasMessage("unknown message id 42 of 1048577 bytes exceeds 1048576");
    }

    @Test
    void anUnknownMessageCutShortIsAnEofException() {
        FrameReader reader = new FrameReader(new Frames.Chunked(bytes(0, 0, 0, 9, 42, 1, 2), 2), ALL);
        assertThatThrownBy(reader::read).isInstanceOf(EOFException.class);
    }
}
