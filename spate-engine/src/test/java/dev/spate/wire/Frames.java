package dev.spate.wire;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.provider.Arguments;

/** Shared fixtures: a torrent of ten pieces with a short last one, and every message as literal bytes. */
final class Frames {
    /** Ten pieces of 32 KiB, the last only 20000 bytes. */
    static final TorrentGeometry GEOMETRY = TorrentGeometry.of(9L * 32768 + 20000, 32768);
    static final MessageDecoder ALL = new MessageDecoder(GEOMETRY, true, true);
    static final MessageDecoder PLAIN = new MessageDecoder(GEOMETRY, false, false);

    private Frames() {
    }

    static byte[] bytes(int... values) {
        byte[] out = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = (byte) values[i];
        }
        return out;
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    /** Every kind of message and its bytes on the wire, written out from BEP 3, 5, 6 and 10. */
    static Stream<Arguments> everyMessage() {
        return Stream.of(
                Arguments.of(Message.KEEP_ALIVE, bytes(0, 0, 0, 0)),
                Arguments.of(Message.CHOKE, bytes(0, 0, 0, 1, 0)),
                Arguments.of(Message.UNCHOKE, bytes(0, 0, 0, 1, 1)),
                Arguments.of(Message.INTERESTED, bytes(0, 0, 0, 1, 2)),
                Arguments.of(Message.NOT_INTERESTED, bytes(0, 0, 0, 1, 3)),
                Arguments.of(new Message.Have(7), bytes(0, 0, 0, 5, 4, 0, 0, 0, 7)),
                Arguments.of(new Message.BitfieldMessage(bytes(0xff, 0xc0)), bytes(0, 0, 0, 3, 5, 0xff, 0xc0)),
                Arguments.of(new Message.Request(1, 16384, 16384),
                        bytes(0, 0, 0, 13, 6, 0, 0, 0, 1, 0, 0, 0x40, 0, 0, 0, 0x40, 0)),
                Arguments.of(Message.Piece.of(2, 0, bytes(1, 2, 3)),
                        bytes(0, 0, 0, 12, 7, 0, 0, 0, 2, 0, 0, 0, 0, 1, 2, 3)),
                Arguments.of(new Message.Cancel(1, 16384, 16384),
                        bytes(0, 0, 0, 13, 8, 0, 0, 0, 1, 0, 0, 0x40, 0, 0, 0, 0x40, 0)),
                Arguments.of(new Message.Port(6881), bytes(0, 0, 0, 3, 9, 0x1a, 0xe1)),
                Arguments.of(new Message.Suggest(3), bytes(0, 0, 0, 5, 0x0d, 0, 0, 0, 3)),
                Arguments.of(Message.HAVE_ALL, bytes(0, 0, 0, 1, 0x0e)),
                Arguments.of(Message.HAVE_NONE, bytes(0, 0, 0, 1, 0x0f)),
                Arguments.of(new Message.Reject(9, 16384, 3616),
                        bytes(0, 0, 0, 13, 0x10, 0, 0, 0, 9, 0, 0, 0x40, 0, 0, 0, 0x0e, 0x20)),
                Arguments.of(new Message.AllowedFast(4), bytes(0, 0, 0, 5, 0x11, 0, 0, 0, 4)),
                Arguments.of(new Message.Extended(0, bytes('d', 'e')), bytes(0, 0, 0, 4, 20, 0, 'd', 'e')),
                Arguments.of(new Message.Extended(3, bytes()), bytes(0, 0, 0, 2, 20, 3)));
    }

    static List<Message> messages() {
        return everyMessage().map(a -> (Message) a.get()[0]).toList();
    }

    static byte[] stream() {
        return concat(everyMessage().map(a -> (byte[]) a.get()[1]).toArray(byte[][]::new));
    }

    /** A channel over {@code data} whose reads stop at the given positions, and never give more than {@code maxRead}. */
    static final class Chunked implements ReadableByteChannel {
        private final byte[] data;
        private final int[] cuts;
        private final int maxRead;
        private int pos;
        private boolean open = true;

        Chunked(byte[] data, int maxRead, int... cuts) {
            this.data = data;
            this.maxRead = maxRead;
            this.cuts = cuts;
        }

        int consumed() {
            return pos;
        }

        @Override
        public int read(ByteBuffer dst) {
            if (pos >= data.length) {
                return -1;
            }
            int end = data.length;
            for (int cut : cuts) {
                if (cut > pos && cut < end) {
                    end = cut;
                }
            }
            int n = Math.min(Math.min(end - pos, maxRead), dst.remaining());
            dst.put(data, pos, n);
            pos += n;
            return n;
        }

        @Override
        public boolean isOpen() {
            return open;
        }

        @Override
        public void close() {
            open = false;
        }
    }
}
