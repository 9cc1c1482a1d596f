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
    private final ByteBuffer buffer;
    private boolean eof;

    /** Over a socket: a direct buffer, which the socket reads into with no copy of the JDK's. */
    BufferedChannel(ReadableByteChannel in) {
        this(in, false);
    }

    /**
     * With {@code heap}, the buffer is on the heap, for a channel that works on arrays (an RC4
     * payload decrypts where it reads; into direct memory it would go through an array and back).
     */
    BufferedChannel(ReadableByteChannel in, boolean heap) {
        this.in = in;
        this.buffer = (heap ? ByteBuffer.allocate(SIZE) : ByteBuffer.allocateDirect(SIZE)).flip();
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
