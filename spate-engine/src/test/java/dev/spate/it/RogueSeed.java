package dev.spate.it;

import dev.spate.core.InfoHash;
import dev.spate.core.PeerId;
import dev.spate.metainfo.Metainfo;
import dev.spate.metainfo.TorrentInfo;
import dev.spate.wire.Handshake;
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A hostile "seed" for a Spate leech to dial, on 127.0.0.1: it reads the leech's handshake,
 * answers with a BEP 3 handshake of its own (no extension bits, or BEP 10's alone) for the
 * info-hash it was given, right or wrong, and then plays its {@link Script}, the one way it
 * misbehaves. Meanwhile it records what the leech says to it (requests and cancels, with their
 * times; extended messages, which a script can also wait for) and when the leech hung up. After
 * the script it keeps the connection open until the leech closes it or the seed is closed.
 *
 * <p>Threads: one platform thread accepts; each connection has a virtual thread that runs the
 * script (its only writer) and one that reads. The records are concurrent, read by the test thread.
 */
final class RogueSeed implements AutoCloseable {
    /** What the seed does after the handshake, on the connection's own thread. */
    interface Script {
        void play(Conversation c) throws IOException, InterruptedException;
    }

    /** A request or a cancel from the leech (BEP 3), and when it arrived ({@link System#nanoTime}). */
    record Ask(int piece, int begin, int length, long atNanos) {
    }

    /** An extended message from the leech (BEP 10): its extended id, its payload, when it arrived. */
    record Extended(int id, byte[] payload, long atNanos) {
    }

    private final byte[] answerHash;
    private final boolean lying;
    private final TorrentInfo info;
    private final Script script;
    private final ServerSocket server;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private final AtomicInteger connections = new AtomicInteger();
    private final AtomicLong misbehavingSince = new AtomicLong();
    private final AtomicLong firstHangUp = new AtomicLong();
    private final AtomicLong bytesWritten = new AtomicLong();
    private final List<Ask> requests = new CopyOnWriteArrayList<>();
    private final List<Ask> cancels = new CopyOnWriteArrayList<>();
    private final CountDownLatch firstRequest = new CountDownLatch(1);
    private final boolean extensionProtocol;
    private final List<Extended> extended = new CopyOnWriteArrayList<>();

    /**
     * Listens on 127.0.0.1 for the torrent {@code meta}; answers every handshake with
     * {@code answerHash} (the torrent's, or another to lie, which then counts as the misbehaviour)
     * and plays {@code script}.
     */
    RogueSeed(Metainfo meta, byte[] answerHash, Script script) throws IOException {
        this(meta, answerHash, false, script);
    }

    /** As above; {@code extensionProtocol} sets BEP 10's bit in its handshake, for scripts that speak it. */
    RogueSeed(Metainfo meta, byte[] answerHash, boolean extensionProtocol, Script script) throws IOException {
        this.extensionProtocol = extensionProtocol;
        this.answerHash = answerHash.clone();
        this.lying = !Arrays.equals(answerHash, meta.infoHash());
        this.info = meta.info();
        this.script = script;
        this.server = new ServerSocket(0, 8, InetAddress.getLoopbackAddress());
        Thread t = new Thread(this::acceptLoop, "rogue-seed-accept");
        t.setDaemon(true);
        t.start();
    }

    InetSocketAddress address() {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), server.getLocalPort());
    }

    /** Connections the leech made to it. */
    int connections() {
        return connections.get();
    }

    /** When the first connection began to misbehave ({@link System#nanoTime}), or 0 before. */
    long misbehavingSince() {
        return misbehavingSince.get();
    }

    /** When the leech first hung up on it ({@link System#nanoTime}), or 0 while it has not. */
    long firstHangUp() {
        return firstHangUp.get();
    }

    /** Bytes it wrote after the handshakes, over every connection. */
    long bytesWritten() {
        return bytesWritten.get();
    }

    List<Ask> requests() {
        return List.copyOf(requests);
    }

    List<Ask> cancels() {
        return List.copyOf(cancels);
    }

    /** Extended messages from the leech, over every connection, in arrival order. */
    List<Extended> extended() {
        return List.copyOf(extended);
    }

    /** Whether the leech asked it for a block within {@code timeout}. */
    boolean awaitRequest(Duration timeout) throws InterruptedException {
        return firstRequest.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                sockets.add(s);
                Thread.ofVirtual().name("rogue-seed-peer").start(() -> serve(s));
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket s) {
        try (s) {
            s.setTcpNoDelay(true);
            DataInputStream in = new DataInputStream(new BufferedInputStream(s.getInputStream()));
            byte[] theirs = new byte[68];
            in.readFully(theirs); // the leech's handshake: it dialled, it speaks first (BEP 3)
            if (!RawPeer.startsAsBitTorrent(theirs)) {
                return; // an MSE attempt: a plaintext-only client closes, and the leech tries plaintext
            }
            connections.incrementAndGet();
            if (lying) {
                misbehavingSince.compareAndSet(0, System.nanoTime());
            }
            // Not through the conversation: only what comes after the handshake counts as written.
            byte[] reserved = new byte[8];
            if (extensionProtocol) {
                reserved[5] |= 0x10; // BEP 10
            }
            s.getOutputStream().write(new Handshake(reserved, InfoHash.of(answerHash), PeerId.random()).encode());
            Conversation c = new Conversation(s.getOutputStream());
            Thread reader = Thread.ofVirtual().name("rogue-seed-read").start(() -> read(in, c));
            try {
                script.play(c);
            } catch (IOException hungUp) {
                // the leech closed the connection while we wrote: what the test wants to see
            }
            reader.join(); // until the leech hangs up, or close() ends it
        } catch (IOException | InterruptedException e) {
            // the leech hung up before or during the handshake, or the seed was closed
        }
    }

    /** Records the leech's requests and cancels until it hangs up. */
    private void read(DataInputStream in, Conversation c) {
        try {
            while (true) {
                int length = in.readInt();
                if (length == 0) {
                    continue;
                }
                byte[] body = new byte[length];
                in.readFully(body);
                if (body[0] == 20 && length >= 2) {
                    Extended e = new Extended(body[1] & 0xff, Arrays.copyOfRange(body, 2, body.length), System.nanoTime());
                    extended.add(e);
                    c.extendedIn.add(e);
                }
                if ((body[0] == 6 || body[0] == 8) && length == 13) {
                    ByteBuffer b = ByteBuffer.wrap(body, 1, 12);
                    Ask ask = new Ask(b.getInt(), b.getInt(), b.getInt(), System.nanoTime());
                    if (body[0] == 6) {
                        requests.add(ask);
                        firstRequest.countDown();
                    } else {
                        cancels.add(ask);
                    }
                }
            }
        } catch (IOException closed) {
            if (!server.isClosed()) {
                firstHangUp.compareAndSet(0, System.nanoTime());
            }
            c.hungUp = true;
        }
    }

    /** One connection, as its script sees it. */
    final class Conversation {
        private final OutputStream out;
        private volatile boolean hungUp;
        private final java.util.concurrent.LinkedBlockingQueue<Extended> extendedIn =
                new java.util.concurrent.LinkedBlockingQueue<>();

        private Conversation(OutputStream out) {
            this.out = out;
        }

        /** The torrent the leech asked for. */
        TorrentInfo info() {
            return info;
        }

        /** Marks the moment the misbehaviour begins (the first connection's counts). */
        void misbehave() {
            misbehavingSince.compareAndSet(0, System.nanoTime());
        }

        /** Whether the leech hung up. */
        boolean hungUp() {
            return hungUp;
        }

        void send(byte[] bytes) throws IOException {
            out.write(bytes);
            out.flush();
            bytesWritten.addAndGet(bytes.length);
        }

        void send(ByteBuffer frames) throws IOException {
            out.write(frames.array(), frames.arrayOffset() + frames.position(), frames.remaining());
            out.flush();
            bytesWritten.addAndGet(frames.remaining());
        }

        /** A BEP 3 message: length prefix, id, payload. */
        void message(int id, byte[] payload) throws IOException {
            send(ByteBuffer.allocate(5 + payload.length).putInt(1 + payload.length).put((byte) id).put(payload).flip());
        }

        /** A bitfield of every piece, and of the spare bits after the last one too if {@code spareBitsSet}. */
        void fullBitfield(boolean spareBitsSet) throws IOException {
            int pieces = info.pieceCount();
            byte[] bits = new byte[(pieces + 7) / 8];
            for (int p = 0; p < bits.length * 8; p++) {
                if (p < pieces || spareBitsSet) {
                    bits[p >> 3] |= (byte) (0x80 >>> (p & 7));
                }
            }
            message(5, bits);
        }

        /** The next extended message the leech sends on this connection, or null after {@code timeout} or a hang-up. */
        Extended nextExtended(Duration timeout) throws InterruptedException {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (!hungUp) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return null;
                }
                Extended e = extendedIn.poll(Math.min(left, TimeUnit.MILLISECONDS.toNanos(50)), TimeUnit.NANOSECONDS);
                if (e != null) {
                    return e;
                }
            }
            return extendedIn.poll();
        }

        /** A BEP 10 extended message: id 20, the extended id, the payload. */
        void extended(int extendedId, byte[] payload) throws IOException {
            message(20, ByteBuffer.allocate(1 + payload.length).put((byte) extendedId).put(payload).array());
        }

        /** Waits until the leech hangs up or {@code timeout} passes; returns whether it hung up. */
        boolean awaitHangUp(Duration timeout) throws InterruptedException {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (!hungUp && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            return hungUp;
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        for (Socket s : sockets) {
            s.close();
        }
    }
}
