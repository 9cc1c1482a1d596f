package dev.spate.it;

import dev.spate.core.InfoHash;
import dev.spate.core.PeerId;
import dev.spate.wire.Handshake;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;

/**
 * A hostile peer over a raw socket to 127.0.0.1: it sends exactly the bytes a test gives it and
 * tells whether the other side closed the connection.
 *
 * <p>Threads: one test thread at a time.
 */
final class RawPeer implements AutoCloseable {
    private final Socket socket;

    private RawPeer(Socket socket) {
        this.socket = socket;
    }

    /** Connects to {@code port} on 127.0.0.1 within 5 s. */
    static RawPeer connect(int port) throws IOException {
        Socket s = new Socket();
        try {
            s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 5000);
        } catch (IOException e) {
            s.close();
            throw e;
        }
        return new RawPeer(s);
    }

    /** BEP 3's 68-byte handshake for {@code infoHash} with a random peer id. */
    static byte[] handshake(byte[] infoHash) {
        return Handshake.ours(InfoHash.of(infoHash), PeerId.random()).encode();
    }

    RawPeer send(byte[] bytes) throws IOException {
        socket.getOutputStream().write(bytes);
        socket.getOutputStream().flush();
        return this;
    }

    /**
     * Reads and discards what the other side sends until it closes (end of stream or a reset); false
     * if it is still open after {@code timeout}.
     */
    boolean closedWithin(Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        byte[] sink = new byte[64 * 1024];
        InputStream in = socket.getInputStream();
        while (true) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            socket.setSoTimeout((int) Math.max(1, left / 1_000_000));
            try {
                if (in.read(sink) < 0) {
                    return true;
                }
            } catch (SocketTimeoutException e) {
                return false;
            } catch (IOException reset) {
                return true;
            }
        }
    }

    /** Reads the other side's 68-byte BEP 3 handshake within {@code timeout}. */
    byte[] readHandshake(Duration timeout) throws IOException {
        return readFully(68, timeout);
    }

    /**
     * Reads one message (its id and payload, without the length prefix; empty for a keep-alive)
     * within {@code timeout}; null when none came whole in time. At most 1 MiB.
     */
    byte[] readMessage(Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        byte[] length = readFully(4, timeout);
        if (length == null) {
            return null;
        }
        int n = java.nio.ByteBuffer.wrap(length).getInt();
        if (n < 0 || n > (1 << 20)) {
            throw new IOException("message of " + n + " bytes");
        }
        return readFully(n, Duration.ofNanos(Math.max(1_000_000, deadline - System.nanoTime())));
    }

    private byte[] readFully(int n, Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        byte[] out = new byte[n];
        InputStream in = socket.getInputStream();
        int at = 0;
        while (at < n) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return null;
            }
            socket.setSoTimeout((int) Math.max(1, left / 1_000_000));
            int r;
            try {
                r = in.read(out, at, n - at);
            } catch (SocketTimeoutException e) {
                return null;
            }
            if (r < 0) {
                throw new IOException("closed after " + at + " of " + n + " bytes");
            }
            at += r;
        }
        return out;
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
