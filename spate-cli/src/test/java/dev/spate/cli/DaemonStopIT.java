package dev.spate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spate.engine.Session;
import dev.spate.engine.SessionConfig;
import dev.spate.engine.TorrentHandle;
import dev.spate.engine.TorrentState;
import dev.spate.metainfo.MetainfoParser;
import dev.spate.metainfo.TorrentCreator;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code spate daemon} as a process (the jar {@code package} built) with a watch directory: a
 * .torrent put there is added and renamed .added; the daemon downloads it from an in-JVM seed found
 * through a tracker of the test, and SIGTERM mid-download ends it with status 0 after it announced
 * {@code stopped} and kept its resume data and its list, which a second start takes up.
 */
@Timeout(90)
class DaemonStopIT {
    static final long SIZE = 3 << 20;
    static final long SEED_RATE = 400_000;

    @TempDir
    Path tmp;

    DaemonProcess start(Path state, Path dir, Path watch) throws IOException {
        return DaemonProcess.start(DaemonProcess.command(tmp, "--state", state.toString(), "-d", dir.toString(),
                "--watch", watch.toString(), "--bind", "127.0.0.1", "--port", "0", "--rpc-port", "0"));
    }

    @Test
    void aWatchedTorrentIsAddedAndSigtermAnnouncesStoppedAndKeepsResumeDataAndTheList() throws Exception {
        Path seedDir = Files.createDirectories(tmp.resolve("seed"));
        byte[] big = new byte[(int) SIZE];
        new java.util.Random(11).nextBytes(big);
        Files.write(seedDir.resolve("big.bin"), big);
        Path downloads = Files.createDirectories(tmp.resolve("downloads"));
        Path watch = Files.createDirectories(tmp.resolve("watch"));
        Path state = tmp.resolve("state");
        DaemonProcess daemon = null;
        DaemonProcess again = null;
        long atStop;
        try (RecordingTracker tracker = new RecordingTracker()) {
            byte[] torrent = TorrentCreator.builder(seedDir.resolve("big.bin")).tracker(tracker.url())
                    .pieceLength(32768).build().create();
            String hex = dev.spate.core.InfoHash.of(MetainfoParser.parse(torrent).infoHash()).hex()
                    .toLowerCase(java.util.Locale.ROOT);
            SessionConfig seedConfig = SessionConfig.builder().bindAddress(InetAddress.getLoopbackAddress()).listenPort(0)
                    .stateDirectory(tmp.resolve("seed-state")).uploadRateLimit(SEED_RATE)
                    .localDiscovery(false).dht(false).build();
            try (Session seed = Session.open(seedConfig)) {
                TorrentHandle seeding = seed.add(MetainfoParser.parse(torrent), seedDir);
                DaemonRestartIT.await("the seed checked its data", () -> seeding.status().state() == TorrentState.SEEDING);

                daemon = start(state, downloads, watch);
                Files.write(watch.resolve("big.torrent"), torrent);
                DaemonRestartIT.await("the watched torrent added and renamed",
                        () -> Files.exists(watch.resolve("big.torrent.added")));
                assertThat(watch.resolve("big.torrent")).doesNotExist();
                int rpc = daemon.rpcPort();
                int peerPort = daemon.peerPort();
                DaemonRestartIT.await("the daemon announced",
                        () -> tracker.announces().contains(new RecordingTracker.Announce(peerPort, "started")));
                DaemonRestartIT.await("a quarter downloaded", () -> DaemonRestartIT.verified(rpc, 1) >= SIZE / 4);
                atStop = DaemonRestartIT.verified(rpc, 1);
                assertThat(atStop).as("stopped mid-download").isLessThan(SIZE);

                daemon.process().destroy(); // SIGTERM
                assertThat(daemon.process().waitFor(30, TimeUnit.SECONDS)).as("the daemon ended after SIGTERM").isTrue();
                assertThat(daemon.process().exitValue()).isZero();
                assertThat(tracker.announces()).as("stopped announced on the way out")
                        .contains(new RecordingTracker.Announce(peerPort, "stopped"));
                try (Stream<Path> resumes = Files.list(state.resolve("resume"))) {
                    assertThat(resumes.map(p -> p.getFileName().toString()))
                            .anyMatch(n -> n.startsWith(hex) && n.endsWith(".resume"));
                }
                String list = Files.readString(state.resolve("daemon/torrents.json"));
                assertThat(list).contains("\"id\" : 1").contains(hex).contains(downloads.toString());
                seeding.pause(); // nothing more from the seed: what the restart has is what was kept
            }

            again = start(state, downloads, watch);
            int rpc2 = again.rpcPort();
            long kept = atStop;
            DaemonRestartIT.await("what was verified before SIGTERM is there again",
                    () -> DaemonRestartIT.verified(rpc2, 1) >= kept);
        } finally {
            for (DaemonProcess d : new DaemonProcess[] {daemon, again}) {
                if (d != null) {
                    d.process().destroyForcibly();
                    d.process().waitFor(20, TimeUnit.SECONDS);
                }
            }
        }
    }
}
