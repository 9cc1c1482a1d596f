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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A connection made before a magnet's metadata carries over to another listener on a real
 * loopback socket: no message lost or reordered, the decoder switched to the torrent's geometry,
 * a close told to exactly one side.
 */
@Timeout(value = 20, unit = TimeUnit.SECONDS)
class PeerConnectionHandOverTest {
    static final TorrentGeometry SIXTEEN_PIECES = TorrentGeometry.of(16 << 14, 1 << 14);

    /** What one listener heard. */
    static final class Heard implements PeerConnection.Listener {
        final LinkedBlockingQueue<Message> messages = new LinkedBlockingQueue<>();
        final LinkedBlockingQueue<String> closes = new LinkedBlockingQueue<>();
        volatile CountDownLatch gate = new CountDownLatch(0);

        @Override
        public void onMessage(PeerLink c, Message m) throws InterruptedException {
            messages.add(m);
            gate.await();
        }

        @Override
        public void onClosed(PeerLink c, String reason) {
            closes.add(reason);
        }

        Message next() throws InterruptedException {
            return messages.poll(5, TimeUnit.SECONDS);
        }
    }

    private ServerSocketChannel server;
    private SocketChannel far;
    private PeerConnection connection;
    private final Heard before = new Heard();
    private final Heard after = new Heard();

    @BeforeEach
    void connect() throws IOException {
        server = ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", 0));
        SocketChannel near = SocketChannel.open(server.getLocalAddress());
        far = server.accept();
        Handshake ours = Handshake.ours(InfoHash.of(new byte[20]), PeerId.random());
        Handshake theirs = Handshake.ours(InfoHash.of(new byte[20]), PeerId.random());
        connection = new PeerConnection(
                new PeerConnection.Handshaken(near, (InetSocketAddress) near.getRemoteAddress(), theirs, true),
                MessageDecoder.beforeMetadata(ours, theirs), before);
        connection.start();
    }

    @AfterEach
    void close() throws IOException {
        connection.close("test over");
        far.close();
        server.close();
    }

    private void send(int id, byte... body) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(5 + body.length).putInt(1 + body.length).put((byte) id).put(body).flip();
        while (b.hasRemaining()) {
            far.write(b);
        }
    }

    private void have(int piece) throws IOException {
        send(4, ByteBuffer.allocate(4).putInt(piece).array());
    }

    @Test
    void aMessageReadWhileHeldGoesToTheNewListenerAndNothingIsLostOrReordered() throws Exception {
        have(3);
        assertThat(before.next()).isEqualTo(new Message.Have(3));
        assertThat(connection.holdMessages().get(5, TimeUnit.SECONDS)).isNull();
        have(5);
        have(6);
        assertThat(connection.handOver(SIXTEEN_PIECES, after, PeerConnection.Limits.none())).isTrue();
        assertThat(after.next()).isEqualTo(new Message.Have(5));
        assertThat(after.next()).isEqualTo(new Message.Have(6));
        assertThat(before.messages).as("the old listener had its last message before the hold").isEmpty();
        assertThat(connection.decoder().geometryKnown()).isTrue();
        assertThat(connection.decoder().fastExtension()).isTrue();
    }

    @Test
    void theHoldCompletesOnlyOnceTheMessageBeingDeliveredIsThrough() throws Exception {
        CountDownLatch inside = new CountDownLatch(1);
        before.gate = inside;
        have(1);
        assertThat(before.next()).isEqualTo(new Message.Have(1));
        CompletableFuture<Void> hold = connection.holdMessages();
        assertThat(hold).as("the old listener is still handling a message").isNotDone();
        inside.countDown();
        hold.get(5, TimeUnit.SECONDS);
        have(2);
        assertThat(connection.handOver(SIXTEEN_PIECES, after, PeerConnection.Limits.none())).isTrue();
        assertThat(after.next()).isEqualTo(new Message.Have(2));
    }

    @Test
    void aHeldMessageTheGeometryRefusesClosesTheConnectionAsAProtocolViolation() throws Exception {
        connection.holdMessages().get(5, TimeUnit.SECONDS);
        have(100);
        assertThat(connection.handOver(SIXTEEN_PIECES, after, PeerConnection.Limits.none())).isTrue();
        assertThat(after.closes.poll(5, TimeUnit.SECONDS)).isEqualTo("protocol violation: have for piece 100 of 16");
        assertThat(after.messages).isEmpty();
        assertThat(before.closes).as("told once, on the side it belongs to now").isEmpty();
    }

    @Test
    void framesAfterTheHandOverAreDecodedWithTheGeometry() throws Exception {
        connection.holdMessages().get(5, TimeUnit.SECONDS);
        assertThat(connection.handOver(SIXTEEN_PIECES, after, PeerConnection.Limits.none())).isTrue();
        send(5, (byte) 0xff, (byte) 0xff, (byte) 0xff);
        assertThat(after.closes.poll(5, TimeUnit.SECONDS))
                .isEqualTo("protocol violation: bitfield of 3 bytes for 16 pieces, expected 2");
    }

    @Test
    void aConnectionThatClosesWhileHeldIsNotHandedOverAndItsOldListenerHearsOfIt() throws Exception {
        connection.holdMessages().get(5, TimeUnit.SECONDS);
        far.close();
        assertThat(before.closes.poll(5, TimeUnit.SECONDS)).isEqualTo("peer closed the connection");
        assertThat(connection.handOver(SIXTEEN_PIECES, after, PeerConnection.Limits.none())).isFalse();
        assertThat(after.closes).isEmpty();
    }
}
