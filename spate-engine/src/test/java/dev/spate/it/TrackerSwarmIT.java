package dev.spate.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spate.engine.Session;
import dev.spate.engine.SessionConfig;
import dev.spate.engine.TorrentHandle;
import dev.spate.engine.TrackerState;
import dev.spate.metainfo.Metainfo;
import dev.spate.metainfo.MetainfoParser;
import dev.spate.metainfo.TorrentCreator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Peers that know nothing of each other (no connect()) find each other through a real opentracker on
 * 127.0.0.1, over HTTP and UDP; Spate downloads from a libtorrent seed found the same way; and the CLI
 * downloads with nothing but the torrent's tracker, and scrapes it.
 */
class TrackerSwarmIT {
    static final Duration TRANSFER = Duration.ofSeconds(60);

    @TempDir
    Path tmp;

    SessionConfig loopback() {
        return DownloadFromReferenceSeedsIT.loopback(tmp.resolve("state"));
    }

    /** The spate.jar built by spate-cli (mvn install), from the engine module's directory. */
    static Path spateJar() {
        Path jar = Path.of("").toAbsolutePath().getParent().resolve("spate-cli/target/spate.jar");
        assertThat(jar).as("build the CLI first: mvn install -DskipTests").exists();
        return jar;
    }

    /** The java running this test (failsafe's fork), which can run the release-21 jar. */
    static String java() {
        return ProcessHandle.current().info().command().orElse("java");
    }

    static List<String> spate(String... args) {
        List<String> cmd = new ArrayList<>(List.of(java(), "-jar", spateJar().toString()));
        cmd.addAll(SpateCli.withoutLsd(List.of(args)));
        return cmd;
    }

    /** Waits until the torrent's first tracker has answered. */
    static void awaitTrackerWorking(TorrentHandle h, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        List<TrackerState> last = List.of();
        while (System.nanoTime() < deadline) {
            last = h.status().trackers();
            if (!last.isEmpty() && last.get(0).status().equals("working")) {
                return;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("tracker not working within " + timeout + ": " + last);
    }

    void spateSeedAndLeecherFindEachOther(boolean udp) throws Exception {
        Path content = Payload.tree(tmp.resolve("seed/tree"), udp ? 12 : 11);
        try (Opentracker tracker = Opentracker.start(Files.createDirectories(tmp.resolve("tracker")))) {
            String url = udp ? tracker.udpAnnounce() : tracker.httpAnnounce();
            Metainfo meta = TorrentCreator.builder(content).pieceLength(32 * 1024).tracker(url).build()
                    .createMetainfo();
            tracker.allow(meta.infoHashHex());
            try (Session seed = Session.open(loopback()); Session leech = Session.open(loopback())) {
                TorrentHandle seeding = seed.add(meta, tmp.resolve("seed"));
                assertThat(seeding.awaitCompletion(Duration.ofSeconds(30))).isTrue();
                awaitTrackerWorking(seeding, Duration.ofSeconds(15));

                TorrentHandle downloading = leech.add(meta, tmp.resolve("leech"));
                assertThat(downloading.awaitCompletion(TRANSFER)).as("leecher finds the seed through " + url).isTrue();
                assertThat(downloading.status().trackers().get(0).status()).isEqualTo("working");
                assertThat(downloading.status().trackers().get(0).peers()).isPositive();
                assertThat(seeding.status().uploaded()).isGreaterThanOrEqualTo(meta.info().totalLength());
            }
        }
        Payload.assertSameTree(content, tmp.resolve("leech/tree"));
    }

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void spatePeersFindEachOtherThroughOpentrackerOverHttp() throws Exception {
        spateSeedAndLeecherFindEachOther(false);
    }

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void spatePeersFindEachOtherThroughOpentrackerOverUdp() throws Exception {
        spateSeedAndLeecherFindEachOther(true);
    }

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void spateDownloadsFromALibtorrentSeedFoundThroughOpentracker() throws Exception {
        Path content = Payload.tree(tmp.resolve("seed/tree"), 13);
        Payload.file(content.resolve("sub/more.bin"), 1_000_003, 14);
        try (Opentracker tracker = Opentracker.start(Files.createDirectories(tmp.resolve("tracker")))) {
            Path torrent = Files.write(tmp.resolve("tree.torrent"), TorrentCreator.builder(content)
                    .pieceLength(64 * 1024).tracker(tracker.httpAnnounce()).build().create());
            Metainfo meta = MetainfoParser.read(torrent);
            tracker.allow(meta.infoHashHex());
            try (Libtorrent lt = Libtorrent.seed(torrent, tmp.resolve("seed"), new Libtorrent.Options())) {
                lt.awaitTrackerOk(Duration.ofSeconds(20));
                try (Session leech = Session.open(loopback())) {
                    TorrentHandle h = leech.add(meta, tmp.resolve("leech"));
                    assertThat(h.awaitCompletion(TRANSFER)).as("Spate finds the libtorrent seed").isTrue();
                    assertThat(h.status().hashFailures()).isZero();
                }
            }
        }
        Payload.assertSameTree(content, tmp.resolve("leech/tree"));
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void theCliDownloadsWithOnlyTheTorrentsTrackerAndScrapesIt() throws Exception {
        Path content = Payload.tree(tmp.resolve("seed/tree"), 15);
        try (Opentracker tracker = Opentracker.start(Files.createDirectories(tmp.resolve("tracker")))) {
            Path torrent = Files.write(tmp.resolve("tree.torrent"), TorrentCreator.builder(content)
                    .pieceLength(32 * 1024).tracker(tracker.httpAnnounce()).build().create());
            Metainfo meta = MetainfoParser.read(torrent);
            tracker.allow(meta.infoHashHex());
            try (Session seed = Session.open(loopback())) {
                TorrentHandle seeding = seed.add(meta, tmp.resolve("seed"));
                assertThat(seeding.awaitCompletion(Duration.ofSeconds(30))).isTrue();
                awaitTrackerWorking(seeding, Duration.ofSeconds(15));

                Path out = tmp.resolve("cli");
                try (ExternalProcess download = ExternalProcess.start("spate-download",
                        spate("download", torrent.toString(), "-o", out.toString(), "--port", "0",
                                "--state", tmp.resolve("state").toString()), tmp)) {
                    int code = download.waitForExit(TRANSFER);
                    if (code != 0) {
                        throw download.failure("exited " + code);
                    }
                    assertThat(download.logText()).contains("tree: complete");
                }
                Payload.assertSameTree(content, out.resolve("tree"));

                ExternalProcess.Result info = ExternalProcess.run(Duration.ofSeconds(30),
                        spate("info", torrent.toString(), "--scrape", "--timeout", "5"));
                assertThat(info.exitCode()).as(info.output()).isZero();
                Matcher m = Pattern.compile(Pattern.quote(tracker.httpAnnounce())
                        + ": (\\d+) seeders, (\\d+) leechers, (\\d+) completed").matcher(info.output());
                assertThat(m.find()).as("scrape line in:\n" + info.output()).isTrue();
                // The Spate seed is still announced; the CLI leecher said stopped when it exited.
                assertThat(Integer.parseInt(m.group(1))).as(info.output()).isEqualTo(1);
                assertThat(Integer.parseInt(m.group(2))).as(info.output()).isZero();
            }
        }
    }
}
