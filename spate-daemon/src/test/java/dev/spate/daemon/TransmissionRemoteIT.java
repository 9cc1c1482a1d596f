package dev.spate.daemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.spate.engine.Session;
import dev.spate.engine.SessionConfig;
import dev.spate.engine.TorrentHandle;
import dev.spate.engine.TorrentState;
import dev.spate.metainfo.TorrentCreator;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real {@code transmission-remote} (Debian's transmission-cli) against the daemon on
 * 127.0.0.1: it adds a .torrent, lists it, shows its details and files, stops, starts and removes
 * it, each checked on the daemon's session; meanwhile the daemon downloads the torrent byte-exact
 * from a second in-JVM session that seeds it, found through a tracker of the test.
 */
@Timeout(120)
class TransmissionRemoteIT {
    static final Path REMOTE = Path.of("/usr/bin/transmission-remote");

    @TempDir
    Path tmp;

    record Run(int exitCode, String out) {
    }

    /** transmission-remote at {@code rpc} with {@code args}, bounded in time; its output and status. */
    static Run remote(InetSocketAddress rpc, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(REMOTE.toString(), "127.0.0.1:" + rpc.getPort()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        // It reads no netrc or settings of the user's that could add credentials.
        pb.environment().put("HOME", "/nonexistent");
        Process p = pb.start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("transmission-remote " + String.join(" ", args) + " did not end in 30 s");
        }
        return new Run(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }

    static void await(String what, Supplier<Boolean> condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!condition.get()) {
            assertThat(System.nanoTime()).as(what + " within 60 s").isLessThan(deadline);
            Thread.sleep(50);
        }
    }

    @Test
    void transmissionRemoteManagesTheDaemonWhichDownloadsFromASpateSeed() throws Exception {
        assumeTrue(Files.isExecutable(REMOTE), "transmission-remote (package transmission-cli) is not installed");
        Path seedDir = tmp.resolve("seed");
        Path content = seedDir.resolve("album");
        Files.createDirectories(content.resolve("disc 2"));
        Random random = new Random(42);
        byte[] one = new byte[3_000_001];
        byte[] two = new byte[777_777];
        random.nextBytes(one);
        random.nextBytes(two);
        Files.write(content.resolve("one.bin"), one);
        Files.write(content.resolve("disc 2/two.bin"), two);
        Path downloads = Files.createDirectories(tmp.resolve("downloads"));

        try (LoopbackTracker tracker = new LoopbackTracker()) {
            byte[] torrent = TorrentCreator.builder(content).tracker(tracker.url()).pieceLength(65536).build().create();
            Path torrentFile = tmp.resolve("album.torrent");
            Files.write(torrentFile, torrent);
            try (Session seed = Session.open(config(tmp.resolve("seed-state")));
                 Session daemon = Session.open(config(tmp.resolve("daemon-state")));
                 RpcServer rpc = RpcServer.start(new Torrents(daemon, downloads),
                         new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), Optional.empty())) {
                TorrentHandle seeding = seed.add(dev.spate.metainfo.MetainfoParser.parse(torrent), seedDir);
                await("the seed checked its data", () -> seeding.status().state() == TorrentState.SEEDING);
                await("the seed announced", () -> tracker.peers() == 1);
                InetSocketAddress at = rpc.address();

                // -a: transmission-remote reads the file and sends it as metainfo (base64).
                Run add = remote(at, "-a", torrentFile.toString());
                assertThat(add.exitCode()).as(add.out()).isZero();
                assertThat(add.out()).contains("success");
                assertThat(daemon.torrents()).hasSize(1);
                TorrentHandle handle = daemon.torrents().getFirst();
                assertThat(handle.infoHash()).isEqualTo(seeding.infoHash());
                String hex = handle.infoHash().hex();

                Run list = remote(at, "-l");
                assertThat(list.exitCode()).as(list.out()).isZero();
                assertThat(list.out().lines().filter(l -> l.strip().startsWith("1 ") && l.endsWith("album")))
                        .as(list.out()).hasSize(1);

                assertThat(handle.awaitCompletion(Duration.ofSeconds(60))).as("downloaded from the seed").isTrue();
                assertThat(Files.readAllBytes(downloads.resolve("album/one.bin"))).isEqualTo(one);
                assertThat(Files.readAllBytes(downloads.resolve("album/disc 2/two.bin"))).isEqualTo(two);
                await("seeding", () -> handle.status().state() == TorrentState.SEEDING);

                Run info = remote(at, "-t", "1", "-i");
                assertThat(info.exitCode()).as(info.out()).isZero();
                assertThat(info.out()).contains("Name: album").contains("Hash: " + hex)
                        .contains("Location: " + downloads.toAbsolutePath()).contains("Percent Done: 100%")
                        .containsPattern("State: (Seeding|Idle)");

                Run files = remote(at, "-t", "1", "-f");
                assertThat(files.exitCode()).as(files.out()).isZero();
                assertThat(files.out()).contains("album (2 files)");
                assertThat(files.out().lines().filter(l -> l.contains("100%") && l.contains("Yes")
                        && (l.endsWith("album/one.bin") || l.endsWith("album/disc 2/two.bin")))).as(files.out()).hasSize(2);

                Run stop = remote(at, "-t", "1", "-S");
                assertThat(stop.exitCode()).as(stop.out()).isZero();
                await("stopped", () -> handle.status().state() == TorrentState.PAUSED);
                // Stopped by hand, not done seeding: Transmission lists it "Stopped", not "Finished".
                assertThat(remote(at, "-l").out()).contains("Stopped").doesNotContain("Finished");

                Run start = remote(at, "-t", "1", "-s");
                assertThat(start.exitCode()).as(start.out()).isZero();
                await("seeding again", () -> handle.status().state() == TorrentState.SEEDING);

                // -sr: a seed ratio of its own (0 here: reached at once) stops it, finished.
                Run ratio = remote(at, "-t", "1", "-sr", "0");
                assertThat(ratio.exitCode()).as(ratio.out()).isZero();
                await("stopped at its ratio", () -> handle.status().state() == TorrentState.PAUSED);
                assertThat(remote(at, "-l").out()).contains("Finished");
                assertThat(remote(at, "-t", "1", "-s").exitCode()).isZero();
                await("seeding on without a ratio", () -> handle.status().state() == TorrentState.SEEDING);

                Run remove = remote(at, "-t", "1", "-r");
                assertThat(remove.exitCode()).as(remove.out()).isZero();
                assertThat(daemon.torrents()).isEmpty();
                assertThat(downloads.resolve("album/one.bin")).as("-r keeps the data").exists();
                assertThat(remote(at, "-l").out()).doesNotContain("album");
            }
        }
    }

    static SessionConfig config(Path state) {
        return SessionConfig.builder().bindAddress(InetAddress.getLoopbackAddress()).listenPort(0).stateDirectory(state)
                .localDiscovery(false).dht(false).build();
    }
}
