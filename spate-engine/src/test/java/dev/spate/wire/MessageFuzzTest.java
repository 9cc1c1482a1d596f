package dev.spate.wire;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.EOFException;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Random and mutated frames only ever decode to a message or fail with a {@link WireException}:
 * never another exception, never a hang.
 */
class MessageFuzzTest {
    private static final List<MessageDecoder> DECODERS = List.of(
            Frames.ALL, Frames.PLAIN,
            new MessageDecoder(Frames.GEOMETRY, true, false),
            new MessageDecoder(Frames.GEOMETRY, false, true),
            new MessageDecoder(TorrentGeometry.of(1, 16384), true, true),
            new MessageDecoder(TorrentGeometry.of(8L * 16384, 16384), true, true));
    private static final List<byte[]> SEEDS = Frames.everyMessage().map(a -> (byte[]) a.get()[1]).toList();

    @Test
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void randomFramesGiveAMessageOrAWireException() {
        Random random = new Random(20240601);
        int decoded = 0;
        for (int i = 0; i < 30_000; i++) {
            byte[] frame = randomFrame(random);
            for (MessageDecoder decoder : DECODERS) {
                decoded += decodes(decoder, frame) ? 1 : 0;
            }
        }
        assertThat(decoded).isPositive();
    }

    @Test
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void mutatedFramesGiveAMessageOrAWireException() {
        Random random = new Random(7);
        for (int i = 0; i < 30_000; i++) {
            byte[] frame = SEEDS.get(random.nextInt(SEEDS.size())).clone();
            int flips = 1 + random.nextInt(3);
            for (int f = 0; f < flips; f++) {
                frame[random.nextInt(frame.length)] ^= (byte) (1 << random.nextInt(8));
            }
            for (MessageDecoder decoder : DECODERS) {
                decodes(decoder, frame);
            }
        }
    }

    @Test
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void randomStreamsGiveMessagesThenAnEndOrAnError() throws Exception {
        Random random = new Random(99);
        for (int i = 0; i < 5_000; i++) {
            byte[] stream = mutatedStream(random);
            FrameReader reader = new FrameReader(new Frames.Chunked(stream, 1 + random.nextInt(20)),
                    DECODERS.get(random.nextInt(DECODERS.size())));
            try {
                int n = 0;
                while (reader.read() != null) {
                    if (++n > stream.length) {
                        throw new AssertionError("more messages than bytes");
                    }
                }
            } catch (WireException | EOFException expected) {
                // a broken stream ends in one of these
            }
        }
    }

    private static boolean decodes(MessageDecoder decoder, byte[] frame) {
        try {
            if (decoder.decode(frame, 0, frame.length) == null) {
                throw new AssertionError("null message");
            }
            return true;
        } catch (WireException expected) {
            if (expected.getMessage().isBlank()) {
                throw new AssertionError("a wire exception without a message", expected);
            }
            return false;
        }
    }

    /** A well-framed length prefix over a random id and body, mostly small, ids mostly known. */
    private static byte[] randomFrame(Random random) {
        int bodyLength = random.nextInt(8) == 0 ? random.nextInt(2000) : random.nextInt(20);
        byte[] frame = new byte[4 + bodyLength];
        random.nextBytes(frame);
        if (random.nextBoolean() && bodyLength > 0) {
            frame[4] = (byte) random.nextInt(22);
        }
        if (random.nextInt(4) != 0) {
            frame[0] = 0;
            frame[1] = 0;
            frame[2] = (byte) (bodyLength >>> 8);
            frame[3] = (byte) bodyLength;
        }
        // Small numbers make index and offset checks pass more often.
        for (int i = 5; i < frame.length; i++) {
            if (random.nextInt(3) == 0) {
                frame[i] = 0;
            }
        }
        return frame;
    }

    private static byte[] mutatedStream(Random random) {
        byte[] stream = Frames.stream();
        int flips = random.nextInt(4);
        for (int f = 0; f < flips; f++) {
            stream[random.nextInt(stream.length)] ^= (byte) (1 << random.nextInt(8));
        }
        return java.util.Arrays.copyOf(stream, random.nextInt(stream.length + 1));
    }
}
