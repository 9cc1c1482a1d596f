package dev.spate.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.spate.engine.Session;
import dev.spate.engine.SessionConfig;
import dev.spate.engine.TorrentHandle;
import dev.spate.engine.TorrentStatus;
import dev.spate.metainfo.Metainfo;
import dev.spate.metainfo.MetainfoParser;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Spate downloads from reference seeds and the result is compared byte for byte with the source: from
 * python3-libtorrent on 127.0.0.1 (the engine in-process), from Transmission in a network namespace (the CLI
 * run inside the same namespace, since Transmission ignores 127.0.0.0/8 peers), and from both at once.
 */
class DownloadFromReferenceSeedsIT {
    /** Small pieces, many of them: 64 KiB. */
    static final int PIECE = 64 * 1024;
    static final Duration TRANSFER = Duration.ofSeconds(60);

    @TempDir
    Path tmp;

    /** A session on 127.0.0.1, a free port, its state (resume data) in {@code stateDirectory}. */
    static SessionConfig loopback(Path stateDirectory) {
        return SessionConfig.builder().localDiscovery(false).dht(false).bindAddress(InetAddress.getLoopbackAddress()).listenPort(0)
                .stateDirectory(stateDirectory).build();
    }

    /** A single file of a few MiB whose size is not a multiple of the piece length. */
    static Path singleFile(Path file, long seed) {
        return Payload.file(file, 3 * 1024 * 1024 + 12_345, seed);
    }

    /** {@link Payload#tree} (uneven sizes, an empty file, boundaries inside pieces) plus a 2 MiB file. */
    static Path multiFile(Path root, long seed) {
        Payload.tree(root, seed);
        Payload.file(root.resolve("sub/big.bin"), 2 * 1024 * 1024 + 7, seed + 10);
        return root;
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void singleFileFromLibtorrent() throws Exception {
        Path content = singleFile(tmp.resolve("seed/single.bin"), 11);
        downloadInProcessFromLibtorrent(content, "single.bin");
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void multiFileFromLibtorrent() throws Exception {
        Path content = multiFile(tmp.resolve("seed/tree"), 12);
        downloadInProcessFromLibtorrent(content, "tree");
    }

    private void downloadInProcessFromLibtorrent(Path content, String name) throws Exception {
        Libtorrent.CreatedTorrent torrent = Libtorrent.createTorrent(content, tmp.resolve(name + ".torrent"), PIECE,
                List.of());
        Metainfo meta = MetainfoParser.read(torrent.file());
        assertThat(meta.info().pieceCount()).isEqualTo(torrent.pieces()).isGreaterThan(10);
        Path leech = Files.createDirectories(tmp.resolve("leech"));
        try (Libtorrent seed = Libtorrent.seed(torrent.file(), tmp.resolve("seed"), new Libtorrent.Options()
                .noTrackers());
             Session session = Session.open(loopback(tmp.resolve("state")))) {
            seed.awaitSeeding(Duration.ofSeconds(20));
            TorrentHandle t = session.add(meta, leech);
            t.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), seed.port()));
            assertThat(t.awaitCompletion(TRANSFER)).as("download completes; status %s", t.status()).isTrue();
            TorrentStatus s = t.status();
            assertThat(s.piecesVerified()).isEqualTo(s.pieceCount());
            assertThat(s.hashFailures()).isZero();
            assertThat(s.downloaded()).isGreaterThanOrEqualTo(meta.info().totalLength());
        }
        Payload.assertSameTree(content, leech.resolve(name));
    }

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void singleFileFromTransmissionInANamespace() throws Exception {
        Path content = singleFile(tmp.resolve("seed/single.bin"), 21);
        downloadWithCliFromTransmission(content, "single.bin", false);
    }

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void multiFileFromTransmissionInANamespace() throws Exception {
        Path content = multiFile(tmp.resolve("seed/tree"), 22);
        downloadWithCliFromTransmission(content, "tree", false);
    }

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void multiFileFromTransmissionAndLibtorrentAtOnce() throws Exception {
        Path content = multiFile(tmp.resolve("seed/tree"), 23);
        downloadWithCliFromTransmission(content, "tree", true);
    }

    /**
     * Transmission seeds on 198.18.0.1 (and, when {@code alsoLibtorrent}, libtorrent on 198.18.0.3) inside a
     * fresh namespace; Spate's CLI, bound to 198.18.0.2 in the same namespace, downloads from them.
     */
    private void downloadWithCliFromTransmission(Path content, String name, boolean alsoLibtorrent)
            throws Exception {
        assumeTrue(NetNamespace.isSupported(), "needs root and ip netns");
        SpateCli.jar();
        Libtorrent.CreatedTorrent torrent = Libtorrent.createTorrent(content, tmp.resolve(name + ".torrent"), PIECE,
                List.of());
        Path leech = Files.createDirectories(tmp.resolve("leech"));
        try (NetNamespace ns = NetNamespace.create(3);
             Transmission tr = Transmission.seed(Files.createDirectories(tmp.resolve("transmission")),
                     new Transmission.Options().in(ns).bindAddress(ns.address(1)).peerPort(51413),
                     torrent.file(), tmp.resolve("seed"), Duration.ofSeconds(30));
             // Transmission unchokes a new peer only at its next rechoke (up to 10 s): libtorrent, capped, must
             // still have work left by then for both seeds to take part.
             Libtorrent lt = alsoLibtorrent ? Libtorrent.seed(torrent.file(), tmp.resolve("seed"),
                     new Libtorrent.Options().in(ns).listen(ns.address(3), 0).noTrackers()
                             .uploadLimit(160 * 1024)) : null) {
            List<String> peers = lt == null ? List.of(ns.address(1) + ":" + tr.peerPort())
                    : List.of(ns.address(1) + ":" + tr.peerPort(), ns.address(3) + ":" + lt.port());
            if (lt != null) {
                lt.awaitSeeding(Duration.ofSeconds(20));
            }
            ExternalProcess cli = SpateCli.download(torrent.file(), leech, tmp.resolve("state"), peers,
                    List.of("--bind", ns.address(2)), ns);
            try (cli) {
                int code = cli.waitForExit(TRANSFER);
                assertThat(code).as("exit code; log:\n%s", cli.logTail(30)).isZero();
                Matcher summary = SpateCli.summary(cli);
                assertThat(summary.group("state")).isEqualTo("complete");
                assertThat(summary.group("verified")).isEqualTo(Integer.toString(torrent.pieces()));
                assertThat(summary.group("hashFailures")).isEqualTo("0");
            }
            assertThat(tr.info(1)).as("Transmission uploaded").containsPattern("Uploaded: [1-9]");
            if (lt != null) {
                lt.process().waitForLine("^PROGRESS .* up=[1-9]", Duration.ofSeconds(5));
            }
        }
        Payload.assertSameTree(content, leech.resolve(name));
    }
}
