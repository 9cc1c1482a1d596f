package dev.spate.mse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spate.core.InfoHash;
import java.io.EOFException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@link Mse}'s drivers over loopback sockets: the payload arrives whole, and stalls end in time. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class MseOverSocketsTest {
    private static final InfoHash TORRENT = InfoHash.of(new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14,
            15, 16, 17, 18, 19, 20});
    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private ServerSocketChannel server;
    private SocketChannel dialled;
    private SocketChannel accepted;

    @BeforeEach
    void connect() throws Exception {
        server = ServerSocketChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        dialled = SocketChannel.open(server.getLocalAddress());
        accepted = server.accept();
    }

    @AfterEach
    void close() throws Exception {
        dialled.close();
        accepted.close();
        server.close();
    }

    private Mse.Established respond(Mse.Acceptance acceptance) throws Exception {
        return Mse.respond(accepted, new byte[0], Mse.torrentsOf(() -> List.of(TORRENT)), acceptance, TIMEOUT);
    }

    private void exchange(Mse.Established a, Mse.Established b) throws Exception {
        byte[] data = new byte[3 << 20];
        new Random(5).nextBytes(data);
        CompletableFuture<Void> sent = CompletableFuture.runAsync(() -> {
            try {
                ByteBuffer[] parts = {ByteBuffer.wrap(data, 0, 13), ByteBuffer.wrap(data, 13, data.length - 13)};
                a.channel().write(parts);
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        ByteBuffer got = ByteBuffer.allocateDirect(data.length);
        while (got.hasRemaining()) {
            assertThat(b.channel().read(got)).isNotNegative();
        }
        sent.get(20, TimeUnit.SECONDS);
        byte[] received = new byte[data.length];
        got.flip().get(received);
        assertThat(Arrays.equals(received, data)).as("payload arrived byte-exact").isTrue();
    }

    @Test
    void anRc4ConnectionCarriesTheInitialPayloadAndMegabytesBothWaysByteExact() throws Exception {
        byte[] ia = "initial payload".getBytes();
        CompletableFuture<Mse.Established> b = CompletableFuture.supplyAsync(() -> {
            try {
                return respond(new Mse.Acceptance(false, true, false));
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        Mse.Established a = Mse.initiate(dialled, TORRENT, Mse.RC4 | Mse.PLAINTEXT, ia, TIMEOUT);
        Mse.Established responded = b.get(10, TimeUnit.SECONDS);
        assertThat(a.method()).isEqualTo(Mse.RC4);
        assertThat(a.channel().encrypted()).isTrue();
        assertThat(responded.infoHash()).isEqualTo(TORRENT);
        byte[] first = new byte[ia.length];
        ByteBuffer firstBuffer = ByteBuffer.wrap(first);
        while (firstBuffer.hasRemaining()) {
            responded.channel().read(firstBuffer);
        }
        assertThat(first).isEqualTo(ia);
        exchange(a, responded);
        exchange(responded, a);
    }

    @Test
    void aPlaintextPayloadAfterTheObfuscatedHandshakeIsReadAsIs() throws Exception {
        CompletableFuture<Mse.Established> b = CompletableFuture.supplyAsync(() -> {
            try {
                return respond(new Mse.Acceptance(true, true, true));
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        Mse.Established a = Mse.initiate(dialled, TORRENT, Mse.RC4 | Mse.PLAINTEXT, new byte[0], TIMEOUT);
        Mse.Established responded = b.get(10, TimeUnit.SECONDS);
        assertThat(a.method()).isEqualTo(Mse.PLAINTEXT);
        assertThat(responded.channel().encrypted()).isFalse();
        // plaintext: what A writes to its socket directly is what B reads
        a.channel().socket().write(ByteBuffer.wrap("plain".getBytes()));
        ByteBuffer got = ByteBuffer.allocate(5);
        while (got.hasRemaining()) {
            responded.channel().read(got);
        }
        assertThat(new String(got.array())).isEqualTo("plain");
        exchange(responded, a);
    }

    @Test
    void aPeerThatStopsHalfWayIsGivenUpOnAtTheTimeout() throws Exception {
        dialled.write(ByteBuffer.wrap(new byte[50]));
        long start = System.nanoTime();
        assertThatThrownBy(() -> Mse.respond(accepted, new byte[0], Mse.torrentsOf(List::of),
                new Mse.Acceptance(true, true, true), Duration.ofMillis(300)))
                .isInstanceOf(SocketTimeoutException.class)
                .hasMessage("encryption handshake not done within 300 ms (50 bytes received)");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
    }

    @Test
    void aPeerThatClosesHalfWayEndsTheHandshakeWithTheCountOfBytes() throws Exception {
        byte[] ya = new byte[120];
        Arrays.fill(ya, (byte) 0x42); // a valid public key, then 24 bytes of a PadA that never ends
        dialled.write(ByteBuffer.wrap(ya));
        dialled.close();
        assertThatThrownBy(() -> Mse.respond(accepted, new byte[0], Mse.torrentsOf(List::of),
                new Mse.Acceptance(true, true, true), TIMEOUT))
                .isInstanceOf(EOFException.class)
                .hasMessage("peer closed the connection during the encryption handshake, after 120 bytes");
    }
}
