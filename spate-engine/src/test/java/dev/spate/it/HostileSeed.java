package dev.spate.it;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A minimal, lying BitTorrent seed for tests, on 127.0.0.1: it speaks just enough of BEP 3 (handshake with
 * no extension bits, a full bitfield, unchoke, pieces for requests) and serves every block honestly except
 * the first block at offset 0 it is asked for, which it sends with its bytes inverted. So exactly one piece
 * reaches the leech corrupted, once.
 *
 * <p>Threads: one platform thread accepts, one serves each connection; {@link #close()} ends them all.
 */
final class HostileSeed implements AutoCloseable {
    private static final byte[] PROTOCOL = "BitTorrent protocol".getBytes(StandardCharsets.US_ASCII);

    private final byte[] infoHash;
    private final byte[] data;
    private final int pieceLength;
    private final int pieceCount;
    private final ServerSocket server;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private final AtomicInteger corruptPiece = new AtomicInteger(-1);
    private final CountDownLatch corrupted = new CountDownLatch(1);
    private final AtomicInteger blocksServed = new AtomicInteger();
    private final boolean onlyFirstBlocks;

    /** Seeds {@code data} (the torrent's bytes, files concatenated) under {@code infoHash}. */
    HostileSeed(byte[] infoHash, byte[] data, int pieceLength) throws IOException {
        this(infoHash, data, pieceLength, false);
    }

    /**
     * As above; {@code onlyFirstBlocks} has it answer only requests for a piece's first block (offset 0)
     * and leave the others unanswered, so the rest of a piece it was asked for comes from other peers
     * once those requests time out.
     */
    HostileSeed(byte[] infoHash, byte[] data, int pieceLength, boolean onlyFirstBlocks) throws IOException {
        this.onlyFirstBlocks = onlyFirstBlocks;
        this.infoHash = infoHash.clone();
        this.data = data;
        this.pieceLength = pieceLength;
        this.pieceCount = (int) ((data.length + (long) pieceLength - 1) / pieceLength);
        this.server = new ServerSocket(0, 8, InetAddress.getLoopbackAddress());
        Thread t = new Thread(this::acceptLoop, "hostile-seed-accept");
        t.setDaemon(true);
        t.start();
    }

    InetSocketAddress address() {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), server.getLocalPort());
    }

    /** The piece whose block it corrupted, or -1 before it did. */
    int corruptPiece() {
        return corruptPiece.get();
    }

    CountDownLatch corrupted() {
        return corrupted;
    }

    int blocksServed() {
        return blocksServed.get();
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                sockets.add(s);
                Thread t = new Thread(() -> serve(s), "hostile-seed-peer");
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket s) {
        try (s) {
            s.setTcpNoDelay(true);
            DataInputStream in = new DataInputStream(s.getInputStream());
            DataOutputStream out = new DataOutputStream(new java.io.BufferedOutputStream(s.getOutputStream()));
            byte[] theirs = new byte[68];
            in.readFully(theirs);
            if (!RawPeer.startsAsBitTorrent(theirs)) {
                return; // an MSE attempt: a plaintext-only client closes, and the leech tries plaintext
            }
            // BEP 3 handshake: no reserved bits (no fast extension, no extension protocol).
            out.writeByte(PROTOCOL.length);
            out.write(PROTOCOL);
            out.write(new byte[8]);
            out.write(infoHash);
            out.write("-HS0001-hostilepeer!".getBytes(StandardCharsets.US_ASCII));
            byte[] bits = new byte[(pieceCount + 7) / 8];
            for (int p = 0; p < pieceCount; p++) {
                bits[p >> 3] |= (byte) (0x80 >>> (p & 7));
            }
            message(out, 5, bits);
            message(out, 1, new byte[0]);
            out.flush();
            while (true) {
                int length = in.readInt();
                if (length == 0) {
                    continue;
                }
                byte[] body = new byte[length];
                in.readFully(body);
                if (body[0] != 6 || length != 13) {
                    continue; // interested, have, cancel, ...: nothing to do
                }
                java.nio.ByteBuffer r = java.nio.ByteBuffer.wrap(body, 1, 12);
                int piece = r.getInt();
                int begin = r.getInt();
                int len = r.getInt();
                if (onlyFirstBlocks && begin != 0) {
                    continue;
                }
                long at = (long) piece * pieceLength + begin;
                byte[] block = new byte[len];
                System.arraycopy(data, (int) at, block, 0, len);
                if (begin == 0 && corruptPiece.compareAndSet(-1, piece)) {
                    for (int i = 0; i < block.length; i++) {
                        block[i] = (byte) ~block[i];
                    }
                    corrupted.countDown();
                }
                java.nio.ByteBuffer msg = java.nio.ByteBuffer.allocate(8 + len);
                msg.putInt(piece).putInt(begin).put(block);
                message(out, 7, msg.array());
                out.flush();
                blocksServed.incrementAndGet();
            }
        } catch (IOException e) {
            // the leech hung up (or banned us): done
        }
    }

    private static void message(DataOutputStream out, int id, byte[] payload) throws IOException {
        out.writeInt(1 + payload.length);
        out.writeByte(id);
        out.write(payload);
    }

    @Override
    public void close() throws IOException {
        server.close();
        for (Socket s : sockets) {
            s.close();
        }
    }
}
