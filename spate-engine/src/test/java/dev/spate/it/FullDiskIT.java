package dev.spate.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spate.engine.Event;
import dev.spate.engine.Session;
import dev.spate.engine.TorrentHandle;
import dev.spate.engine.TorrentState;
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
 * A full disk stops the torrent that hit it, with an error naming the problem and the file, and
 * keeps what it had verified; another torrent of the same session goes on and completes. The full
 * disk is a 1 MiB tmpfs the test mounts (we run as root).
 */
class FullDiskIT {
    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void aFullDiskStopsOnlyItsTorrentWithAnErrorNamingTheProblem(@TempDir Path tmp) throws Exception {
        Path small = Files.createDirectories(tmp.resolve("small-disk"));
        ExternalProcess.runChecked(Duration.ofSeconds(10), List.of("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs",
                small.toString()));
        try {
            Path big = Payload.file(tmp.resolve("seed/too-big.bin"), 4L << 20, 61);
            Path fits = Payload.file(tmp.resolve("seed/fits.bin"), 700_000, 62);
            Metainfo bigMeta = TorrentCreator.builder(big).pieceLength(64 * 1024).build().createMetainfo();
            Metainfo fitsMeta = TorrentCreator.builder(fits).pieceLength(64 * 1024).build().createMetainfo();
            List<Event> events = new CopyOnWriteArrayList<>();
            try (Session seed = Session.open(DownloadFromReferenceSeedsIT.loopback(tmp.resolve("state")));
                 Session leech = Session.open(DownloadFromReferenceSeedsIT.loopback(tmp.resolve("state")))) {
                assertThat(seed.add(bigMeta, tmp.resolve("seed")).awaitCompletion(Duration.ofSeconds(20))).isTrue();
                assertThat(seed.add(fitsMeta, tmp.resolve("seed")).awaitCompletion(Duration.ofSeconds(20))).isTrue();
                leech.subscribe(events::add);
                InetSocketAddress seedAddress = new InetSocketAddress(InetAddress.getLoopbackAddress(), seed.listenPort());

                TorrentHandle tooBig = leech.add(bigMeta, small);
                TorrentHandle other = leech.add(fitsMeta, tmp.resolve("leech"));
                tooBig.connect(seedAddress);
                other.connect(seedAddress);

                assertThat(other.awaitCompletion(Duration.ofSeconds(40))).as("the other torrent completes").isTrue();
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (tooBig.status().state() != TorrentState.ERROR && System.nanoTime() < deadline) {
                    Thread.sleep(50);
                }
                TorrentStatus s = tooBig.status();
                System.out.println("full disk: " + s.error().orElse("(none)") + "; verified " + s.piecesVerified());
                assertThat(s.state()).isEqualTo(TorrentState.ERROR);
                assertThat(s.error()).hasValueSatisfying(m -> assertThat(m)
                        .containsIgnoringCase("space").contains("too-big.bin"));
                assertThat(events).anyMatch(e -> e instanceof Event.TorrentError x
                        && x.infoHash().hex().equals(bigMeta.infoHashHex()) && x.message().equals(s.error().get()));
                assertThat(s.piecesVerified()).as("pieces verified before the disk filled").isPositive();
                assertThat(s.peers()).as("an errored torrent keeps no peers").isZero();
            }
            Payload.assertSameTree(fits, tmp.resolve("leech/fits.bin"));
        } finally {
            ExternalProcess.run(Duration.ofSeconds(10), List.of("umount", "-l", small.toString()));
        }
    }
}
