package dev.spate.peer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spate.core.InfoHash;
import dev.spate.core.PeerId;
import dev.spate.mse.Mse;
import dev.spate.mse.PayloadChannel;
import dev.spate.wire.Handshake;
import dev.spate.wire.Message;
import dev.spate.wire.MessageDecoder;
import dev.spate.wire.TorrentGeometry;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.channels.WritableByteChannel;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Blocks served over a connection whose payload is RC4: read into memory, encrypted with their header. */
@Timeout(20)
class PeerConnectionRc4Test {
    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final InfoHash TORRENT = InfoHash.of(new byte[20]);

    private ServerSocketChannel server;
    private SocketChannel accepted;
    private PayloadChannel far;
    private PeerConnection connection;
    private final List<OutgoingBlock> sent = new CopyOnWriteArrayList<>();
    private final List<OutgoingBlock> failed = new CopyOnWriteArrayList<>();
    private final AtomicReference<String> closed = new AtomicReference<>();

    @BeforeEach
    void connect() throws Exception {
        server = ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", 0));
        CompletableFuture<PayloadChannel> farSide = CompletableFuture.supplyAsync(() -> {
            try {
                accepted = server.accept();
                Mse.Established e = Mse.respond(accepted, new byte[0], Mse.torrentsOf(() -> List.of(TORRENT)),
                        new Mse.Acceptance(false, true, false), TIMEOUT);
                ByteBuffer theirs = ByteBuffer.allocate(Handshake.LENGTH);
                e.channel().readFully(theirs, TIMEOUT);
                e.channel().write(ByteBuffer.wrap(Handshake.ours(TORRENT, PeerId.random()).encode()));
                return e.channel();
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        SocketChannel near = SocketChannel.open(server.getLocalAddress());
        PeerConnection.Handshaken h = PeerConnection.encryptedHandshake(near,
                (InetSocketAddress) near.getRemoteAddress(), TIMEOUT, Handshake.ours(TORRENT, PeerId.random()), Mse.RC4);
        far = farSide.get(10, TimeUnit.SECONDS);
        assertThat(far.encrypted()).isTrue();
        connection = new PeerConnection(h, new MessageDecoder(TorrentGeometry.of(1 << 20, 1 << 14), true, true),
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
        if (accepted != null) {
            accepted.close();
        }
        server.close();
    }

    /** A source that can only be read into memory, as storage's is for RC4: its sendfile side refuses. */
    private static OutgoingBlock readable(int piece, int begin, byte[] bytes, int gives) {
        return new OutgoingBlock(piece, begin, bytes.length, new OutgoingBlock.Source() {
            @Override
            public void writeTo(WritableByteChannel target) throws IOException {
                throw new IOException("no sendfile to an RC4 connection");
            }

            @Override
            public void readInto(ByteBuffer dst) {
                dst.put(bytes, 0, gives);
            }
        });
    }

    /** A source with only the channel side: the default puts it into memory. */
    private static OutgoingBlock writable(int piece, int begin, byte[] bytes) {
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

    private static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    @Test
    void blocksFromEitherKindOfSourceArriveDecryptedInOrderAfterTheirHeaders() throws Exception {
        byte[] one = random(16_384, 1);
        byte[] two = random(16_384, 2);
        byte[] three = random(1_000, 3);
        OutgoingBlock a = readable(4, 0, one, one.length);
        OutgoingBlock b = writable(4, 16_384, two);
        OutgoingBlock c = readable(9, 32_768, three, three.length);
        connection.sendBlock(a);
        connection.sendBlock(b);
        connection.send(new Message.Have(7));
        connection.sendBlock(c);

        ByteBuffer in = readFar(3 * 13 + one.length + two.length + three.length + 9);
        assertPiece(in, 4, 0, one);
        assertPiece(in, 4, 16_384, two);
        assertThat(in.getInt()).isEqualTo(5);
        assertThat(in.get()).isEqualTo((byte) 4);
        assertThat(in.getInt()).isEqualTo(7);
        assertPiece(in, 9, 32_768, three);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (sent.size() < 3 && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertThat(sent).containsExactly(a, b, c);
        assertThat(failed).isEmpty();
    }

    @Test
    void aSourceThatGivesLessThanTheBlockFailsItAndClosesTheConnection() throws Exception {
        OutgoingBlock shortBlock = readable(1, 0, random(16_384, 4), 10_000);
        connection.sendBlock(shortBlock);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (closed.get() == null && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertThat(failed).containsExactly(shortBlock);
        assertThat(sent).isEmpty();
        assertThat(closed.get()).contains("gave 10000 of 16384 bytes");
    }
}
