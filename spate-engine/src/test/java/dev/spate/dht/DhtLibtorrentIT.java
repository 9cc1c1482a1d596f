package dev.spate.dht;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spate.core.InfoHash;
import dev.spate.it.ExternalProcess;
import dev.spate.it.Libtorrent;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Our node against libtorrent's DHT over real UDP on 127.0.0.1: it answers our ping and find_node,
 * gives a token our announce_peer is accepted with, and then returns our announced peer to get_peers.
 */
class DhtLibtorrentIT {
    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void libtorrentAnswersOurQueriesAndStoresOurAnnounce() throws Exception {
        Path script = Files.createTempFile("spate-it-lt_dht", ".py");
        try (InputStream in = DhtLibtorrentIT.class.getResourceAsStream("/it/lt_dht.py")) {
            Files.copy(in, script, StandardCopyOption.REPLACE_EXISTING);
        }
        try (ExternalProcess lt = ExternalProcess.start("libtorrent-dht",
                List.of(Libtorrent.PYTHON, "-u", script.toString(), "--listen", "127.0.0.1", "--timeout", "80"), null);
                DatagramChannel ch = DatagramChannel.open();
                Selector selector = Selector.open()) {
            int port = Integer.parseInt(lt.waitForLine("^LISTENING (\\d+)$", Duration.ofSeconds(20)).group(1));
            InetSocketAddress ltAddr = new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
            ch.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            ch.configureBlocking(false);
            ch.register(selector, SelectionKey.OP_READ);
            DhtNode node = new DhtNode(DhtConfig.defaults().withBootstrap(List.of())
                    .withFamilies(Set.of(AddressFamily.IPV4)).withLookupCacheTtl(Duration.ZERO), (to, bytes) -> {
                        try {
                            ch.send(ByteBuffer.wrap(bytes), to);
                        } catch (IOException e) {
                            throw new java.io.UncheckedIOException(e);
                        }
                    });

            // UDP: a ping may be lost, or arrive before libtorrent's DHT listens; ask up to five times.
            for (int i = 0; i < 5 && node.stats().nodes4() == 0; i++) {
                node.ping(ltAddr);
                pumpFor(node, ch, selector, Duration.ofSeconds(2), () -> node.stats().nodes4() == 1);
            }
            assertThat(node.stats().nodes4()).as("libtorrent answered our ping; %s; its log:%n%s", node.stats(), lt.logTail(40)).isEqualTo(1);

            AtomicReference<LookupResult> found = new AtomicReference<>();
            node.findNode(NodeId.random(new java.util.SplittableRandom(1)), AddressFamily.IPV4, found::set);
            pump(node, ch, selector, () -> found.get() != null, "find_node");
            assertThat(found.get().closest()).extracting(NodeContact::address).containsExactly(ltAddr);

            byte[] h = new byte[20];
            Arrays.fill(h, (byte) 0x5a);
            InfoHash ih = InfoHash.of(h);
            AtomicReference<LookupResult> announced = new AtomicReference<>();
            long answeredBefore = node.stats().responsesReceived();
            node.announce(ih, AddressFamily.IPV4, 7777, announced::set);
            // The get_peers answer, then the announce_peer answer.
            pump(node, ch, selector, () -> announced.get() != null
                    && node.stats().responsesReceived() >= answeredBefore + 2, "get_peers and announce_peer");
            assertThat(node.stats().pendingQueries()).isZero();

            AtomicReference<LookupResult> peers = new AtomicReference<>();
            node.getPeers(ih, AddressFamily.IPV4, peers::set);
            pump(node, ch, selector, () -> peers.get() != null, "get_peers after the announce");
            assertThat(peers.get().peers()).contains(new InetSocketAddress(InetAddress.getLoopbackAddress(), 7777));
            assertThat(node.stats().dropped()).as("every datagram from libtorrent decoded").isZero();
        } finally {
            Files.deleteIfExists(script);
        }
    }

    /** Receives and ticks until {@code done}, at most 20 seconds. */
    private static void pump(DhtNode node, DatagramChannel ch, Selector selector, BooleanSupplier done, String what)
            throws IOException {
        if (!pumpFor(node, ch, selector, Duration.ofSeconds(20), done)) {
            throw new AssertionError("timed out waiting for " + what + "; " + node.stats());
        }
    }

    private static boolean pumpFor(DhtNode node, DatagramChannel ch, Selector selector, Duration limit,
            BooleanSupplier done) throws IOException {
        long deadline = System.nanoTime() + limit.toNanos();
        ByteBuffer buf = ByteBuffer.allocate(4096);
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            selector.select(50);
            selector.selectedKeys().clear();
            SocketAddress from;
            while ((from = ch.receive(buf.clear())) != null) {
                buf.flip();
                byte[] b = new byte[buf.remaining()];
                buf.get(b);
                node.onDatagram((InetSocketAddress) from, b);
            }
            node.tick();
        }
        return true;
    }
}
