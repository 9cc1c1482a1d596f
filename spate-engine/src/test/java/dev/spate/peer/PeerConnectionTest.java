package dev.spate.peer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spate.core.InfoHash;
import dev.spate.core.PeerId;
import dev.spate.wire.Handshake;
import dev.spate.wire.Message;
import dev.spate.wire.MessageDecoder;
import dev.spate.wire.TorrentGeometry;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A connection's writer on a real loopback socket; the far end reads raw bytes. */
@Timeout(value = 20, unit = TimeUnit.SECONDS)
class PeerConnectionTest {
    private ServerSocketChannel server;
    private SocketChannel far;
    private PeerConnection connection;
    private final List<OutgoingBlock> sent = new CopyOnWriteArrayList<>();
    private final List<OutgoingBlock> failed = new CopyOnWriteArrayList<>();
    private final AtomicReference<String> closed = new AtomicReference<>();

    @BeforeEach
    void connect() throws IOException {
        server = ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", 0));
        SocketChannel near = SocketChannel.open(server.getLocalAddress());
        far = server.accept();
        Handshake theirs = Handshake.ours(InfoHash.of(new byte[20]), PeerId.random());
        connection = new PeerConnection(
                new PeerConnection.Handshaken(near, (InetSocketAddress) near.getRemoteAddress(), theirs, true),
                new MessageDecoder(TorrentGeometry.of(1 << 20, 1 << 14), true, true),
                new PeerConnection.Listener() {
                    @Override
                    public void onMessage(PeerLink c, Message m) {
                    }

                    @Override
                    public void onClosed(PeerLink c, String reason) {
                        closed.set(reason);
                    }

                    @Override
                    public void onBlockSent(PeerLink c, OutgoingBlock block) {
                        sent.add(block);
                    }

                    @Override
                    public void onBlockFailed(PeerLink c, OutgoingBlock block, IOException cause) {
                        failed.add(block);
                    }
                });
        connection.start();
    }

    @AfterEach
    void close() throws IOException {
        connection.close("test over");
        far.close();
        server.close();
    }

    private static OutgoingBlock block(int piece, int begin, byte[] bytes) {
        return new OutgoingBlock(piece, begin, bytes.length, target -> {
            ByteBuffer b = ByteBuffer.wrap(bytes);
            while (b.hasRemaining()) {
                target.write(b);
            }
        });
    }

    private ByteBuffer readFar(int n) throws IOException {
        ByteBuffer got = ByteBuffer.allocate(n);
        while (got.hasRemaining()) {
            if (far.read(got) < 0) {
                break;
            }
        }
        return got.flip();
    }

    private static void assertPiece(ByteBuffer in, int piece, int begin, byte[] bytes) {
        assertThat(in.getInt()).as("length prefix").isEqualTo(9 + bytes.length);
        assertThat(in.get()).as("piece id").isEqualTo((byte) 7);
        assertThat(in.getInt()).isEqualTo(piece);
        assertThat(in.getInt()).isEqualTo(begin);
        byte[] body = new byte[bytes.length];
        in.get(body);
        assertThat(body).isEqualTo(bytes);
    }

    @Test
    void aQueuedBlockGoesOutAsAPieceMessageBetweenTheMessagesQueuedAroundIt() throws Exception {
        byte[] bytes = new byte[40_000];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = (byte) (i * 31);
        }
        OutgoingBlock b = block(3, 16_384, bytes);
        connection.send(new Message.Have(1));
        connection.sendBlock(b);
        connection.send(new Message.Have(2));

        ByteBuffer in = readFar(9 + 13 + bytes.length + 9);
        assertThat(in.getInt()).isEqualTo(5);
        assertThat(in.get()).isEqualTo((byte) 4);
        assertThat(in.getInt()).isEqualTo(1);
        assertPiece(in, 3, 16_384, bytes);
        assertThat(in.getInt()).isEqualTo(5);
        assertThat(in.get()).isEqualTo((byte) 4);
        assertThat(in.getInt()).isEqualTo(2);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        // The writer reports the block, then settles the batch's bytes.
        while ((sent.isEmpty() || connection.queuedBytes() > 0) && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertThat(sent).containsExactly(b);
        assertThat(connection.queuedBytes()).isZero();
    }

    @Test
    void aBlockCancelledBeforeTheWriterTakesItIsNeverSent() throws Exception {
        OutgoingBlock cancelled = block(0, 0, new byte[] {1, 2, 3});
        assertThat(cancelled.cancel()).isTrue();
        connection.sendBlock(cancelled);
        byte[] next = {9, 8, 7, 6};
        connection.sendBlock(block(1, 0, next));

        assertPiece(readFar(13 + next.length), 1, 0, next);
        // The writer reports a block once its bytes are written, a moment after they can be read.
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(5);
        while (sent.isEmpty() && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        assertThat(sent).extracting(OutgoingBlock::piece).containsExactly(1);
        assertThat(cancelled.cancel()).as("still withdrawn").isTrue();
    }

    @Test
    void aBlockTheWriterTookCannotBeCancelled() {
        OutgoingBlock b = block(0, 0, new byte[] {1});
        assertThat(b.take()).isTrue();
        assertThat(b.cancel()).isFalse();
        assertThat(b.take()).as("taken once").isFalse();
    }

    @Test
    void aSourceThatFailsIsReportedAndClosesTheConnectionNamingTheBlock() throws Exception {
        OutgoingBlock bad = new OutgoingBlock(5, 0, 100, target -> {
            throw new IOException("disk on fire");
        });
        connection.sendBlock(bad);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (closed.get() == null && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertThat(failed).containsExactly(bad);
        assertThat(closed.get()).contains("block 5/0+100").contains("disk on fire");
    }
}
