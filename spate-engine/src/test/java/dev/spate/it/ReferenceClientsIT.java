package dev.spate.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Proves the integration-test fixtures with reference clients only (no Spate code): each test moves a
 * deterministic payload from one real client to another and compares the result byte for byte. Everything
 * stays on 127.0.0.1 or inside a network namespace the test creates.
 */
class ReferenceClientsIT {

    private static final Duration TRANSFER = Duration.ofSeconds(60);

    @TempDir
    Path tmp;

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void libtorrentSeedsToLibtorrentOnLoopbackByGivenPeer() throws Exception {
        assertThat(Libtorrent.version()).startsWith("2.0.");
        Path content = Payload.tree(tmp.resolve("seed/tree"), 1);
        Libtorrent.CreatedTorrent torrent = Libtorrent.createTorrent(content, tmp.resolve("tree.torrent"),
                32 * 1024, List.of());
        assertThat(torrent.infoHashHex()).matches("[0-9a-f]{40}");
        assertThat(torrent.pieces()).isEqualTo((int) ((Payload.totalSize(content) + 32 * 1024 - 1) / (32 * 1024)));
        Path download = Files.createDirectories(tmp.resolve("leech"));

        try (Libtorrent seed = Libtorrent.seed(torrent.file(), tmp.resolve("seed"), new Libtorrent.Options()
                .noTrackers());
             Libtorrent leech = Libtorrent.download(torrent.file(), download, new Libtorrent.Options()
                .noTrackers().peer("127.0.0.1", seed.port()))) {
            seed.awaitSeeding(Duration.ofSeconds(20));
            leech.awaitCompleteAndExit(TRANSFER);
        }
        Payload.assertSameTree(content, download.resolve("tree"));
    }

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void transmissionSeedsToLibtorrentInANetworkNamespace() throws Exception {
        Path content = Payload.file(tmp.resolve("seed/single.bin"), 1_000_003, 2);
        Path torrent = Mktorrent.create(content, tmp.resolve("single.torrent"), 16, List.of());
        Path download = Files.createDirectories(tmp.resolve("leech"));
        Path work = Files.createDirectories(tmp.resolve("transmission"));

        try (NetNamespace ns = NetNamespace.create(2);
             Transmission seed = Transmission.seed(work, new Transmission.Options().in(ns)
                     .bindAddress(ns.address(1)).peerPort(51413), torrent, tmp.resolve("seed"),
                     Duration.ofSeconds(30));
             Libtorrent leech = Libtorrent.download(torrent, download, new Libtorrent.Options().in(ns)
                     .listen(ns.address(2), 0).noTrackers().peer(ns.address(1), seed.peerPort()))) {
            leech.awaitCompleteAndExit(TRANSFER);
            assertThat(seed.info(1)).containsPattern("Uploaded: [1-9]");
        }
        Payload.assertSameTree(content, download.resolve("single.bin"));
    }

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void aria2DownloadsFromLibtorrentFoundThroughOpentrackerHttp() throws Exception {
        Path content = Payload.tree(tmp.resolve("seed/tree"), 3);
        Path download = Files.createDirectories(tmp.resolve("aria2"));
        Path work = Files.createDirectories(tmp.resolve("tracker"));

        try (Opentracker tracker = Opentracker.start(work)) {
            Path torrent = Mktorrent.create(content, tmp.resolve("tree.torrent"), 15,
                    List.of(tracker.httpAnnounce()));
            tracker.allow(Libtorrent.info(torrent).infoHashHex());
            try (Libtorrent seed = Libtorrent.seed(torrent, tmp.resolve("seed"), new Libtorrent.Options())) {
                seed.awaitTrackerOk(Duration.ofSeconds(20));
                try (Aria2 aria2 = Aria2.download(torrent, download, new Aria2.Options())) {
                    aria2.awaitSuccess(TRANSFER);
                }
            }
        }
        Payload.assertSameTree(content, download.resolve("tree"));
    }

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void libtorrentFindsLibtorrentThroughOpentrackerUdp() throws Exception {
        Path content = Payload.file(tmp.resolve("seed/udp.bin"), 500_000, 4);
        Path download = Files.createDirectories(tmp.resolve("leech"));
        Path work = Files.createDirectories(tmp.resolve("tracker"));

        try (Opentracker tracker = Opentracker.start(work)) {
            assertThat(tracker.udpAnnounce()).isEqualTo("udp://127.0.0.1:" + tracker.port() + "/announce");
            Libtorrent.CreatedTorrent torrent = Libtorrent.createTorrent(content, tmp.resolve("udp.torrent"),
                    16 * 1024, List.of(tracker.udpAnnounce()));
            tracker.allow(torrent.infoHashHex());
            try (Libtorrent seed = Libtorrent.seed(torrent.file(), tmp.resolve("seed"), new Libtorrent.Options())) {
                seed.awaitTrackerOk(Duration.ofSeconds(20));
                try (Libtorrent leech = Libtorrent.download(torrent.file(), download, new Libtorrent.Options())) {
                    leech.awaitCompleteAndExit(TRANSFER);
                }
            }
        }
        Payload.assertSameTree(content, download.resolve("udp.bin"));
    }
}
