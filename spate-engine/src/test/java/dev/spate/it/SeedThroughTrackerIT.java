package dev.spate.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.spate.engine.Event;
import dev.spate.engine.Session;
import dev.spate.engine.TorrentHandle;
import dev.spate.metainfo.Metainfo;
import dev.spate.metainfo.MetainfoParser;
import dev.spate.metainfo.TorrentCreator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reference clients that can only find peers through a tracker download from a Spate seed (issue 5): aria2
 * on 127.0.0.1, and Transmission inside a network namespace where the seed is the CLI, bound to one of
 * several addresses. ({@code spate download --seed} is not implemented yet.)
 */
class SeedThroughTrackerIT {
    static final Duration TRANSFER = Duration.ofSeconds(60);

    @TempDir
    Path tmp;

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void aria2DownloadsAMultiFileTorrentFromASpateSeedFoundThroughOpentrackerHttp() throws Exception {
        Path content = Payload.tree(tmp.resolve("seed/tree"), 51);
        Payload.file(content.resolve("sub/more.bin"), 2_000_003, 52);
        Path download = Files.createDirectories(tmp.resolve("aria2"));
        try (Opentracker tracker = Opentracker.start(Files.createDirectories(tmp.resolve("tracker")))) {
            Path torrent = Files.write(tmp.resolve("tree.torrent"), TorrentCreator.builder(content)
                    .pieceLength(64 * 1024).tracker(tracker.httpAnnounce()).build().create());
            Metainfo meta = MetainfoParser.read(torrent);
            tracker.allow(meta.infoHashHex());
            try (Session seed = Session.open(DownloadFromReferenceSeedsIT.loopback(tmp.resolve("state")))) {
                java.util.Queue<Event> peerEvents = new java.util.concurrent.ConcurrentLinkedQueue<>();
                AutoCloseable sub = seed.subscribe(e -> {
                    if (e instanceof Event.PeerConnected || e instanceof Event.PeerDisconnected
                            || e instanceof Event.PeerBanned) {
                        peerEvents.add(e);
                    }
                });
                TorrentHandle seeding = seed.add(meta, tmp.resolve("seed"));
                assertThat(seeding.awaitCompletion(Duration.ofSeconds(30))).isTrue();
                TrackerSwarmIT.awaitTrackerWorking(seeding, Duration.ofSeconds(15));
                try (Aria2 aria2 = Aria2.download(torrent, download, new Aria2.Options().stopTimeoutSeconds(30))) {
                    aria2.awaitSuccess(TRANSFER);
                } catch (AssertionError e) {
                    throw new AssertionError(e.getMessage() + "\nseed's peer events:\n  "
                            + peerEvents.stream().map(Object::toString).collect(java.util.stream.Collectors.joining("\n  ")),
                            e);
                } finally {
                    sub.close();
                }
                assertThat(seeding.status().uploaded()).isGreaterThanOrEqualTo(meta.info().totalLength());
            }
        }
        Payload.assertSameTree(content, download.resolve("tree"));
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void transmissionDownloadsFromTheSpateCliSeedInANetworkNamespace() throws Exception {
        assumeTrue(NetNamespace.isSupported(), "needs root and ip netns");
        Path content = Payload.file(tmp.resolve("seed/single.bin"), 3_000_017, 53);
        Path download = Files.createDirectories(tmp.resolve("transmission-data"));
        try (NetNamespace ns = NetNamespace.create(3);
             // Three addresses on one interface: Transmission .1, the Spate seed .2, the tracker .3. An
             // announce from the seed must come from .2, not from whatever address the system picks.
             Opentracker tracker = Opentracker.start(Files.createDirectories(tmp.resolve("tracker")), ns,
                     ns.address(3))) {
            Path torrent = Files.write(tmp.resolve("single.torrent"), TorrentCreator.builder(content)
                    .pieceLength(32 * 1024).tracker(tracker.httpAnnounce()).build().create());
            tracker.allow(MetainfoParser.read(torrent).infoHashHex());
            try (ExternalProcess seed = ExternalProcess.start("spate-seed", ns.exec(TrackerSwarmIT.spate("seed",
                    torrent.toString(), "-d", tmp.resolve("seed").toString(), "--port", "40123",
                    "--bind", ns.address(2), "--state", tmp.resolve("state").toString())), tmp)) {
                seed.waitForLine("^seeding ", Duration.ofSeconds(30));
                awaitOneSeeder(ns, torrent, seed);
                try (Transmission leech = Transmission.start(Files.createDirectories(tmp.resolve("transmission")),
                        new Transmission.Options().in(ns).bindAddress(ns.address(1)))) {
                    int id = leech.addTorrent(torrent, download);
                    leech.awaitVerifiedComplete(id, TRANSFER);
                }
            }
        }
        Payload.assertSameTree(content, download.resolve("single.bin"));
    }

    /** Scrapes from inside the namespace (with the CLI) until the tracker counts the seed. */
    private static void awaitOneSeeder(NetNamespace ns, Path torrent, ExternalProcess seed) {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        String last = "";
        while (System.nanoTime() < deadline) {
            ExternalProcess.Result r = ns.run(TrackerSwarmIT.spate("info", torrent.toString(), "--scrape",
                    "--timeout", "2"));
            last = r.output();
            if (r.exitCode() == 0 && last.contains(": 1 seeders")) {
                return;
            }
            if (!seed.isAlive()) {
                throw seed.failure("exited before the tracker counted it");
            }
            ExternalProcess.sleep(300);
        }
        throw seed.failure("not counted as a seeder by the tracker; last scrape:\n" + last);
    }

}
