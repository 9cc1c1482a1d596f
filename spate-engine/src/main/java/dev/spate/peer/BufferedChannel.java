package dev.spate.peer;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;

/**
 * Reads a socket in large chunks and hands them out in the small reads a frame reader makes (a
 * 4-byte length, a header, a block): one system call per 64 KiB instead of three per block.
 *
 * <p>Not thread-safe: used only by a connection's reader thread. Closing it does not close the
 * channel underneath; the connection does.
 */
final class BufferedChannel implements ReadableByteChannel {
    static final int SIZE = 64 * 1024;
    private final ReadableByteChannel in;
    private final ByteBuffer buffer = ByteBuffer.allocateDirect(SIZE).flip();
    private boolean eof;

    BufferedChannel(ReadableByteChannel in) {
        this.in = in;
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
        if (!buffer.hasRemaining()) {
            if (eof) {
                return -1;
            }
            buffer.clear();
            int n = in.read(buffer);
            buffer.flip();
            if (n < 0) {
                eof = true;
                return -1;
            }
            if (n == 0) {
                return 0;
            }
        }
        int n = Math.min(dst.remaining(), buffer.remaining());
        dst.put(dst.position(), buffer, buffer.position(), n);
        dst.position(dst.position() + n);
        buffer.position(buffer.position() + n);
        return n;
    }

    @Override
    public boolean isOpen() {
        return in.isOpen();
    }

    @Override
    public void close() {
        // the connection closes the socket
    }
}
