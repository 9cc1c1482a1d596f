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
import java.util.List;

/**
 * A hostile peer over a raw socket to 127.0.0.1: it sends exactly the bytes a test gives it and
 * tells whether the other side closed the connection. Also probes a peer inside a network namespace
 * with a plaintext handshake ({@link #plaintextHandshakeInNamespace}).
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
    /**
     * Whether {@code bytes} start with BEP 3's header. A plaintext-only client closes a connection
     * whose first bytes are not (an MSE handshake's, say), which is how a dialler preferring MSE
     * learns to try plaintext: the fakes that play such clients do the same.
     */
    static boolean startsAsBitTorrent(byte[] bytes) {
        byte[] header = "\u0013BitTorrent protocol".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        return bytes.length >= header.length && java.util.Arrays.equals(bytes, 0, header.length, header, 0, header.length);
    }

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

    /**
     * What the other side sent back to bytes written to it, up to the first {@code limit} bytes, and
     * whether it then closed the connection (end of stream or a reset) rather than waiting.
     */
    record Answer(byte[] received, boolean closed) {
        /** Whether it answered with a whole BEP 3 handshake for {@code infoHash}. */
        boolean isHandshakeFor(byte[] infoHash) {
            return received.length >= 68 && received[0] == 19
                    && java.util.Arrays.equals(received, 28, 48, infoHash, 0, 20);
        }

        @Override
        public String toString() {
            return received.length + " bytes back" + (received.length > 0 ? " (" + java.util.HexFormat.of()
                    .formatHex(received, 0, Math.min(received.length, 68)) + ")" : "")
                    + (closed ? ", then closed" : ", still open");
        }
    }

    /**
     * Reads what comes back until {@code limit} bytes came, the other side closed, or {@code timeout}
     * passed.
     */
    Answer answer(int limit, Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        java.io.ByteArrayOutputStream got = new java.io.ByteArrayOutputStream();
        byte[] buf = new byte[limit];
        InputStream in = socket.getInputStream();
        while (got.size() < limit) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return new Answer(got.toByteArray(), false);
            }
            socket.setSoTimeout((int) Math.max(1, left / 1_000_000));
            try {
                int r = in.read(buf, 0, limit - got.size());
                if (r < 0) {
                    return new Answer(got.toByteArray(), true);
                }
                got.write(buf, 0, r);
            } catch (SocketTimeoutException e) {
                return new Answer(got.toByteArray(), false);
            } catch (IOException reset) {
                return new Answer(got.toByteArray(), true);
            }
        }
        return new Answer(got.toByteArray(), false);
    }

    /**
     * Sends a plaintext BEP 3 handshake for {@code infoHash} to {@code port} on 127.0.0.1 and reads the
     * answer: the 68 bytes of the peer's handshake, or what came before it closed or {@code timeout}.
     */
    static Answer plaintextHandshake(int port, byte[] infoHash, Duration timeout) throws IOException {
        try (RawPeer peer = connect(port)) {
            return peer.send(handshake(infoHash)).answer(68, timeout);
        }
    }

    /**
     * As {@link #plaintextHandshake(int, byte[], Duration)} from inside {@code ns}, from its address
     * {@code from} to {@code host:port} (a peer this JVM cannot reach: Transmission, which ignores
     * 127.0.0.0/8, runs in a namespace). A short Python program does the socket work there.
     */
    static Answer plaintextHandshakeInNamespace(NetNamespace ns, String from, String host, int port,
            byte[] infoHash, Duration timeout) {
        String program = """
                import socket, sys, time
                frm, host, port, hexdata, seconds = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], float(sys.argv[5])
                s = socket.socket()
                s.settimeout(5)
                s.bind((frm, 0))
                s.connect((host, port))
                s.sendall(bytes.fromhex(hexdata))
                got, closed, deadline = b"", False, time.monotonic() + seconds
                while len(got) < 68:
                    left = deadline - time.monotonic()
                    if left <= 0:
                        break
                    s.settimeout(left)
                    try:
                        chunk = s.recv(68 - len(got))
                    except socket.timeout:
                        break
                    except OSError:
                        closed = True
                        break
                    if not chunk:
                        closed = True
                        break
                    got += chunk
                print("RECEIVED", got.hex() or "-", "CLOSED" if closed else "OPEN", flush=True)
                """;
        ExternalProcess.Result r = ExternalProcess.run(timeout.plusSeconds(10), ns.exec(List.of(Libtorrent.PYTHON,
                "-c", program, from, host, Integer.toString(port),
                java.util.HexFormat.of().formatHex(handshake(infoHash)), Long.toString(timeout.toSeconds()))));
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?m)^RECEIVED (\\S+) (CLOSED|OPEN)$")
                .matcher(r.output());
        if (r.exitCode() != 0 || !m.find()) {
            throw new AssertionError("plaintext handshake probe in " + ns + " to " + host + ":" + port
                    + " failed (exit " + r.exitCode() + "):\n" + r.output());
        }
        byte[] received = m.group(1).equals("-") ? new byte[0] : java.util.HexFormat.of().parseHex(m.group(1));
        return new Answer(received, m.group(2).equals("CLOSED"));
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
