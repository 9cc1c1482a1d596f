package dev.spate.mse;

import dev.spate.core.Clock;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.nio.channels.SocketChannel;

/**
 * Reads of a blocking socket that end by a deadline: through the socket's stream, which honours a
 * timeout where a channel's read would wait for ever, with the time left set before each read.
 * For the handshakes, whose every read must end in time.
 */
final class DeadlineReads {
    /** Only for socket timeouts, which are real time whatever a test's clock says. */
    private static final Clock CLOCK = Clock.system();

    private DeadlineReads() {
    }

    /** The deadline {@code timeout} from now. */
    static long deadline(java.time.Duration timeout) {
        return CLOCK.nanoTime() + timeout.toNanos();
    }

    /**
     * One read into {@code bytes} from {@code offset}, at most {@code length}: the bytes read, -1 at
     * the end of the stream.
     *
     * @throws SocketTimeoutException when the deadline passed before any byte came
     */
    static int read(SocketChannel socket, byte[] bytes, int offset, int length, long deadline) throws IOException {
        long left = deadline - CLOCK.nanoTime();
        if (left <= 0) {
            throw new SocketTimeoutException("deadline passed");
        }
        socket.socket().setSoTimeout((int) Math.max(1, left / 1_000_000));
        return socket.socket().getInputStream().read(bytes, offset, length);
    }

    /** Back to reads without a timeout, for the connection's own reader. */
    static void clear(SocketChannel socket) throws IOException {
        if (socket.isOpen()) {
            socket.socket().setSoTimeout(0);
        }
    }
}
