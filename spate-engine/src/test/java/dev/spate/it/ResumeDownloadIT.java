package dev.spate.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spate.engine.Event;
import dev.spate.engine.Session;
import dev.spate.engine.TorrentHandle;
import dev.spate.engine.TorrentState;
import dev.spate.engine.TorrentStatus;
import dev.spate.metainfo.Metainfo;
import dev.spate.metainfo.MetainfoParser;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.security.MessageDigest;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A download stopped halfway (its session closed after some pieces verified) resumes in a new session on
 * the same directory and state directory: it completes byte-exact and fetches none of the pieces the first
 * run verified.
 */
class ResumeDownloadIT {
    static final int PIECE = 64 * 1024;
    static final int STOP_AFTER = 15;

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aNewSessionResumesWithoutFetchingVerifiedPiecesAgain(@TempDir Path tmp) throws Exception {
        Path content = Payload.file(tmp.resolve("seed/resume.bin"), 3 * 1024 * 1024 + 999, 41);
        Libtorrent.CreatedTorrent torrent = Libtorrent.createTorrent(content, tmp.resolve("resume.torrent"), PIECE,
                List.of());
        Metainfo meta = MetainfoParser.read(torrent.file());
        int pieces = meta.info().pieceCount();
        Path leech = Files.createDirectories(tmp.resolve("leech"));
        // Capped so that the first run can be stopped well before the end (3 MiB at 512 KiB/s: ~6 s).
        try (Libtorrent seed = Libtorrent.seed(torrent.file(), tmp.resolve("seed"), new Libtorrent.Options()
                .noTrackers().uploadLimit(512 * 1024))) {
            seed.awaitSeeding(Duration.ofSeconds(20));
            InetSocketAddress seedAddress = new InetSocketAddress(InetAddress.getLoopbackAddress(), seed.port());

            // Run 1: stop after STOP_AFTER pieces verified.
            Set<Integer> firstRun = ConcurrentHashMap.newKeySet();
            CountDownLatch enough = new CountDownLatch(STOP_AFTER);
            try (Session session = Session.open(DownloadFromReferenceSeedsIT.loopback(tmp.resolve("state")))) {
                session.subscribe(e -> {
                    if (e instanceof Event.PieceVerified v) {
                        firstRun.add(v.piece());
                        enough.countDown();
                    }
                });
                TorrentHandle t = session.add(meta, leech);
                t.connect(seedAddress);
                assertThat(enough.await(30, TimeUnit.SECONDS)).as("%s pieces verified in run 1", STOP_AFTER).isTrue();
            }
            assertThat(firstRun.size()).isLessThan(pieces);
            // Saved in the state directory, named by info-hash and download directory; nothing in the download.
            String dirKey = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(
                    leech.toAbsolutePath().normalize().toString().getBytes(StandardCharsets.UTF_8))).substring(0, 16);
            assertThat(tmp.resolve("state/resume/" + meta.infoHashHex() + "-" + dirKey + ".resume")).isRegularFile();
            assertThat(leech.resolve(".spate")).doesNotExist();

            // Run 2: a new session on the same directory.
            Set<Integer> secondRun = ConcurrentHashMap.newKeySet();
            try (Session session = Session.open(DownloadFromReferenceSeedsIT.loopback(tmp.resolve("state")))) {
                session.subscribe(e -> {
                    if (e instanceof Event.PieceVerified v) {
                        secondRun.add(v.piece());
                    }
                });
                TorrentHandle t = session.add(meta, leech);
                TorrentStatus checked = awaitChecked(t);
                int found = checked.piecesVerified();
                assertThat(found).as("pieces found on disk").isGreaterThanOrEqualTo(firstRun.size()).isLessThan(pieces);
                t.connect(seedAddress);
                assertThat(t.awaitCompletion(Duration.ofSeconds(30))).as("run 2 completes; %s", t.status()).isTrue();
                TorrentStatus done = t.status();
                System.out.printf("ResumeDownloadIT: run 1 verified %d (events) of %d pieces, run 2 found %d on disk,"
                        + " received %d bytes for the %d missing (%d wasted)%n", firstRun.size(), pieces, found,
                        done.downloaded(), pieces - found, done.wasted());
                long missing = (long) (pieces - found) * PIECE;
                assertThat(done.downloaded()).as("bytes received in run 2 (%d pieces were missing)", pieces - found)
                        .isLessThanOrEqualTo(missing + 2L * 16 * 1024);
                assertThat(done.hashFailures()).isZero();
                Thread.sleep(200); // let the last events reach the subscriber
                Set<Integer> overlap = new HashSet<>(secondRun);
                overlap.retainAll(firstRun);
                assertThat(overlap).as("pieces verified in both runs").isEmpty();
                assertThat(secondRun.size()).isEqualTo(pieces - found);
            }
        }
        Payload.assertSameTree(content, leech.resolve("resume.bin"));
    }

    static TorrentStatus awaitChecked(TorrentHandle t) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (true) {
            TorrentStatus s = t.status();
            if (s.state() != TorrentState.CHECKING) {
                return s;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("still checking: " + s);
            }
            Thread.sleep(20);
        }
    }
}
