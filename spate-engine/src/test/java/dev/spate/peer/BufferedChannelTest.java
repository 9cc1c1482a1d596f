package dev.spate.peer;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ReadableByteChannel;
import java.util.Random;
import org.junit.jupiter.api.Test;

class BufferedChannelTest {
    @Test
    void smallAndLargeReadsGiveBackEveryByteInOrderThenEndOfStream() throws Exception {
        byte[] data = new byte[300_000];
        new Random(3).nextBytes(data);
        ReadableByteChannel slow = new ReadableByteChannel() {
            final ReadableByteChannel inner = Channels.newChannel(new ByteArrayInputStream(data));

            @Override
            public int read(ByteBuffer dst) throws java.io.IOException {
                // at most 1000 bytes a call, as a socket may
                ByteBuffer limited = dst.slice(dst.position(), Math.min(dst.remaining(), 1000));
                int n = inner.read(limited);
                if (n > 0) {
                    dst.position(dst.position() + n);
                }
                return n;
            }

            @Override
            public boolean isOpen() {
                return true;
            }

            @Override
            public void close() {
            }
        };
        BufferedChannel in = new BufferedChannel(slow);
        ByteBuffer out = ByteBuffer.allocate(data.length);
        int[] sizes = {4, 9, 16384, 1, 70_000};
        int i = 0;
        while (out.hasRemaining()) {
            ByteBuffer chunk = ByteBuffer.allocate(Math.min(sizes[i++ % sizes.length], out.remaining()));
            while (chunk.hasRemaining()) {
                assertThat(in.read(chunk)).isPositive();
            }
            out.put(chunk.flip());
        }
        assertThat(out.array()).isEqualTo(data);
        assertThat(in.read(ByteBuffer.allocate(10))).isEqualTo(-1);
    }
}
