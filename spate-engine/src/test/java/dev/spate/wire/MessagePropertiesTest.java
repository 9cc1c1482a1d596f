package dev.spate.wire;

import static dev.spate.wire.Frames.ALL;
import static dev.spate.wire.Frames.GEOMETRY;
import static org.assertj.core.api.Assertions.assertThat;

import dev.spate.core.Bitfield;
import java.nio.ByteBuffer;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** Any valid message survives encoding and decoding, through the decoder and the frame reader. */
class MessagePropertiesTest {

    @Property(tries = 2000)
    void everyMessageDecodesToWhatWasEncoded(@ForAll("messages") Message message) throws Exception {
        byte[] wire = MessageEncoder.encode(message);
        assertThat(wire).hasSize(MessageEncoder.frameLength(message));
        assertThat(ALL.decode(ByteBuffer.wrap(wire))).isEqualTo(message);
    }

    @Property(tries = 300)
    void aStreamOfMessagesReadsBackInOrderWhateverTheReadSizes(
            @ForAll("streams") List<Message> messages, @ForAll("readSizes") int maxRead) throws Exception {
        ByteBuffer out = ByteBuffer.allocate(messages.stream().mapToInt(MessageEncoder::frameLength).sum());
        for (Message m : messages) {
            MessageEncoder.encode(m, out);
        }
        FrameReader reader = new FrameReader(new Frames.Chunked(out.array(), maxRead), ALL);
        assertThat(FrameReaderTest.readAll(reader)).isEqualTo(messages);
    }

    @Provide
    Arbitrary<List<Message>> streams() {
        return messages().list().ofMaxSize(20);
    }

    @Provide
    Arbitrary<Integer> readSizes() {
        return Arbitraries.integers().between(1, 40000);
    }

    @Provide
    Arbitrary<Message> messages() {
        Arbitrary<Integer> piece = Arbitraries.integers().between(0, GEOMETRY.pieceCount() - 1);
        return Arbitraries.oneOf(List.of(
                Arbitraries.of(Message.KEEP_ALIVE, Message.CHOKE, Message.UNCHOKE, Message.INTERESTED,
                        Message.NOT_INTERESTED, Message.HAVE_ALL, Message.HAVE_NONE),
                piece.map(Message.Have::new),
                piece.map(Message.Suggest::new),
                piece.map(Message.AllowedFast::new),
                Arbitraries.integers().between(0, 0xffff).map(Message.Port::new),
                Arbitraries.integers().between(0, (1 << GEOMETRY.pieceCount()) - 1).map(MessagePropertiesTest::bitfield),
                blocks().map(b -> new Message.Request(b[0], b[1], b[2])),
                blocks().map(b -> new Message.Cancel(b[0], b[1], b[2])),
                blocks().map(b -> new Message.Reject(b[0], b[1], b[2])),
                Combinators.combine(blocks(), Arbitraries.bytes())
                        .as((b, fill) -> {
                            byte[] data = new byte[b[2]];
                            java.util.Arrays.fill(data, fill);
                            data[0] = (byte) b[1];
                            return (Message) Message.Piece.of(b[0], b[1], data);
                        }),
                Combinators.combine(Arbitraries.integers().between(0, 255),
                                Arbitraries.bytes().array(byte[].class).ofMaxSize(300))
                        .as(Message.Extended::new)));
    }

    private static Message bitfield(int bits) {
        Bitfield field = new Bitfield(GEOMETRY.pieceCount());
        for (int i = 0; i < field.size(); i++) {
            if ((bits & (1 << i)) != 0) {
                field.set(i);
            }
        }
        return Message.BitfieldMessage.of(field);
    }

    /** A block inside some piece: {index, begin, length}, length 1 to 16 KiB. */
    private static Arbitrary<int[]> blocks() {
        return Arbitraries.integers().between(0, GEOMETRY.pieceCount() - 1).flatMap(index -> {
            int size = GEOMETRY.pieceSize(index);
            return Arbitraries.integers().between(1, Math.min(16384, size)).flatMap(length ->
                    Arbitraries.integers().between(0, size - length).map(begin -> new int[] {index, begin, length}));
        });
    }
}
