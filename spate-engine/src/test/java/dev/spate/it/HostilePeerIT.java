package dev.spate.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spate.engine.Event;
import dev.spate.engine.Session;
import dev.spate.engine.SessionConfig;
import dev.spate.engine.TorrentHandle;
import dev.spate.engine.TorrentStatus;
import dev.spate.metainfo.Metainfo;
import dev.spate.metainfo.TorrentCreator;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A peer that sends a corrupt block: the piece fails its hash, is fetched again (from the honest seed also
 * connected), the download ends byte-exact, and the liar is banned.
 */
class HostilePeerIT {
    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aCorruptBlockIsRefetchedFromAnHonestSeedAndItsSenderBanned(@TempDir Path tmp) throws Exception {
        Path source = Payload.file(tmp.resolve("seed/data.bin"), 1024 * 1024 + 5, 31);
        int pieceLength = 32 * 1024;
        Metainfo meta = TorrentCreator.builder(source).pieceLength(pieceLength).build().createMetainfo();
        List<Event> events = new CopyOnWriteArrayList<>();
        // The honest seed is held to 512 KiB/s: unthrottled, it could serve the whole MiB before the
        // liar's first (corrupt) block arrived, which endgame would then drop as a duplicate (seen
        // once seeding went by sendfile), and nothing would be left to test.
        SessionConfig honestConfig = SessionConfig.builder().localDiscovery(false).dht(false).bindAddress(InetAddress.getLoopbackAddress())
                .listenPort(0).uploadRateLimit(512 * 1024).stateDirectory(tmp.resolve("state")).build();
        try (HostileSeed liar = new HostileSeed(meta.infoHash(), Files.readAllBytes(source), pieceLength);
             Session honest = Session.open(honestConfig);
             Session leech = Session.open(DownloadFromReferenceSeedsIT.loopback(tmp.resolve("state")))) {
            TorrentHandle seeding = honest.add(meta, tmp.resolve("seed"));
            assertThat(seeding.awaitCompletion(Duration.ofSeconds(20))).as("honest seed checks its data").isTrue();
            leech.subscribe(events::add);
            TorrentHandle t = leech.add(meta, Files.createDirectories(tmp.resolve("leech")));
            // The liar first, so it surely serves (and corrupts) a block; the honest seed right after.
            t.connect(liar.address());
            t.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), honest.listenPort()));
            assertThat(t.awaitCompletion(Duration.ofSeconds(40))).as("download completes; %s", t.status()).isTrue();

            int bad = liar.corruptPiece();
            assertThat(bad).as("the liar corrupted a piece").isNotNegative();
            TorrentStatus s = t.status();
            assertThat(s.hashFailures()).isGreaterThanOrEqualTo(1);
            assertThat(s.piecesVerified()).isEqualTo(meta.info().pieceCount());
            awaitEvent(events, e -> e instanceof Event.PeerBanned b && b.address().equals(liar.address()));
            assertThat(events).anyMatch(e -> e instanceof Event.HashFailed f && f.piece() == bad
                    && f.peers().contains(liar.address()));
            assertThat(events).anyMatch(e -> e instanceof Event.PieceVerified v && v.piece() == bad);
            assertThat(events).noneMatch(e -> e instanceof Event.PeerBanned b
                    && b.address().getPort() == honest.listenPort());
        }
        Payload.assertSameTree(source, tmp.resolve("leech/data.bin"));
    }

    /**
     * The corrupt block and good blocks from the honest seed make up one piece: no single sender can be
     * blamed when it fails. Once the piece verifies (fetched again), the block that differs from the good
     * piece names the liar, which is banned; the honest seed is not.
     */
    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aLiarAmongSeveralSendersIsFoundOnceThePieceVerifies(@TempDir Path tmp) throws Exception {
        // Every piece, the short last one too, has four blocks, so the corrupt first block always
        // shares its piece with blocks from the honest seed (a one-block last piece would not).
        Path source = Payload.file(tmp.resolve("seed/data.bin"), 512 * 1024 + 3 * 16384 + 77, 32);
        int pieceLength = 64 * 1024; // 4 blocks
        Metainfo meta = TorrentCreator.builder(source).pieceLength(pieceLength).build().createMetainfo();
        List<Event> events = new CopyOnWriteArrayList<>();
        // Requests the liar leaves unanswered go to the honest seed after a second.
        SessionConfig leechConfig = SessionConfig.builder().localDiscovery(false).dht(false).bindAddress(InetAddress.getLoopbackAddress())
                .listenPort(0).requestTimeout(Duration.ofSeconds(1)).stateDirectory(tmp.resolve("state")).build();
        try (HostileSeed liar = new HostileSeed(meta.infoHash(), Files.readAllBytes(source), pieceLength, true);
             Session honest = Session.open(DownloadFromReferenceSeedsIT.loopback(tmp.resolve("state")));
             Session leech = Session.open(leechConfig)) {
            TorrentHandle seeding = honest.add(meta, tmp.resolve("seed"));
            assertThat(seeding.awaitCompletion(Duration.ofSeconds(20))).as("honest seed checks its data").isTrue();
            leech.subscribe(events::add);
            TorrentHandle t = leech.add(meta, Files.createDirectories(tmp.resolve("leech")));
            t.connect(liar.address());
            assertThat(liar.corrupted().await(10, TimeUnit.SECONDS)).as("the liar sent its corrupt block").isTrue();
            t.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), honest.listenPort()));
            assertThat(t.awaitCompletion(Duration.ofSeconds(40))).as("download completes; %s", t.status()).isTrue();

            int bad = liar.corruptPiece();
            awaitEvent(events, e -> e instanceof Event.PeerBanned b && b.address().equals(liar.address()));
            Event.HashFailed failed = (Event.HashFailed) events.stream()
                    .filter(e -> e instanceof Event.HashFailed f && f.piece() == bad).findFirst().orElseThrow();
            assertThat(failed.peers()).as("senders of the failed piece").contains(liar.address()).hasSize(2);
            assertThat(events).filteredOn(e -> e instanceof Event.PeerBanned).as("only the liar is banned")
                    .allMatch(e -> ((Event.PeerBanned) e).address().equals(liar.address()));
            assertThat(t.status().hashFailures()).isGreaterThanOrEqualTo(1);
        }
        Payload.assertSameTree(source, tmp.resolve("leech/data.bin"));
    }

    static void awaitEvent(List<Event> events, java.util.function.Predicate<Event> p) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (events.stream().noneMatch(p)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no such event among " + events.stream()
                        .filter(e -> !(e instanceof Event.PieceVerified)).toList());
            }
            Thread.sleep(50);
        }
    }
}
