package dev.spate.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spate.core.InfoHash;
import dev.spate.core.PeerId;
import dev.spate.engine.Event;
import dev.spate.engine.Session;
import dev.spate.engine.TorrentHandle;
import dev.spate.metainfo.Metainfo;
import dev.spate.metainfo.TorrentCreator;
import dev.spate.peer.PeerSession;
import dev.spate.wire.Handshake;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Leechers that break the rules are disconnected, and the seed keeps serving an honest leecher
 * meanwhile. The hostile leechers are written here, over raw sockets.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class HostileLeecherIT {
    static final int PIECE = 32 * 1024;

    @TempDir
    Path tmp;
    Path source;
    Metainfo meta;
    Session seed;
    TorrentHandle seeding;
    final List<Event.PeerDisconnected> disconnects = new CopyOnWriteArrayList<>();

    @BeforeEach
    void startSeed() throws Exception {
        source = Payload.file(tmp.resolve("seed/data.bin"), 2_000_000, 7);
        meta = TorrentCreator.builder(source).pieceLength(PIECE).build().createMetainfo();
        seed = Session.open(DownloadFromReferenceSeedsIT.loopback(tmp.resolve("state")));
        seed.subscribe(e -> {
            if (e instanceof Event.PeerDisconnected d) {
                disconnects.add(d);
            }
        });
        seeding = seed.add(meta, tmp.resolve("seed"));
        assertThat(seeding.awaitCompletion(Duration.ofSeconds(30))).isTrue();
    }

    @AfterEach
    void stopSeed() {
        seed.close();
    }

    @Test
    void aRequestForAPieceBeyondTheTorrentIsDisconnectedAndTheSeedServesOthers() throws Exception {
        int pieces = meta.info().pieceCount();
        assertDisconnectedFor(request(pieces + 5, 0, 16384), "piece");
        honestLeecherCompletes();
    }

    @Test
    void aRequestLongerThan16KiBIsDisconnected() throws Exception {
        assertDisconnectedFor(request(0, 0, 32768), "32768");
        honestLeecherCompletes();
    }

    @Test
    void aRequestRunningPastTheEndOfTheShortLastPieceIsDisconnected() throws Exception {
        int last = meta.info().pieceCount() - 1;
        int lastSize = meta.info().pieceSize(last);
        assertDisconnectedFor(request(last, lastSize - 100, 16384), "piece");
        honestLeecherCompletes();
    }

    @Test
    void aLeecherFloodingRequestsWhileChokedIsDisconnected() throws Exception {
        int count = PeerSession.MAX_PEER_REQUESTS + 100; // past what may cross our choke: our whole reqq
        ByteBuffer flood = ByteBuffer.allocate(count * 17);
        int fullPieces = meta.info().pieceCount() - 1; // the last piece is short
        for (int i = 0; i < count; i++) {
            int piece = i % fullPieces;
            int begin = (i / fullPieces) % 2 * 16384;
            flood.put(request(piece, begin, 16384));
        }
        // Never says "interested", so it stays choked.
        assertDisconnectedFor(flood.array(), "flood");
        honestLeecherCompletes();
    }

    private void assertDisconnectedFor(byte[] frames, String reasonMentions) throws Exception {
        try (SocketChannel ch = SocketChannel.open(new InetSocketAddress(InetAddress.getLoopbackAddress(), seed.listenPort()))) {
            ch.write(ByteBuffer.wrap(Handshake.ours(InfoHash.of(meta.infoHash()), PeerId.random()).encode()));
            ch.write(ByteBuffer.wrap(frames));
            assertThat(closedWithin(ch, Duration.ofSeconds(10))).as("seed closes the connection").isTrue();
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (disconnects.stream().noneMatch(d -> d.reason().contains(reasonMentions)) && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(disconnects).extracting(Event.PeerDisconnected::reason).anyMatch(r -> r.contains(reasonMentions));
    }

    /** Reads and discards until the peer closes; false if it is still open after {@code timeout}. */
    private static boolean closedWithin(SocketChannel ch, Duration timeout) throws IOException {
        ch.socket().setSoTimeout((int) timeout.toMillis());
        byte[] sink = new byte[65536];
        long deadline = System.nanoTime() + timeout.toNanos();
        try {
            while (System.nanoTime() < deadline) {
                if (ch.socket().getInputStream().read(sink) < 0) {
                    return true;
                }
            }
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException reset) {
            return true;
        }
        return false;
    }

    private void honestLeecherCompletes() throws Exception {
        try (Session leech = Session.open(DownloadFromReferenceSeedsIT.loopback(tmp.resolve("state")))) {
            TorrentHandle t = leech.add(meta, tmp.resolve("leech"));
            t.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), seed.listenPort()));
            assertThat(t.awaitCompletion(Duration.ofSeconds(60))).isTrue();
        }
        Payload.assertSameTree(source, tmp.resolve("leech/data.bin"));
    }

    private static byte[] request(int piece, int begin, int length) {
        return ByteBuffer.allocate(17).putInt(13).put((byte) 6).putInt(piece).putInt(begin).putInt(length).array();
    }
}
