package dev.spate.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spate.engine.Session;
import dev.spate.engine.TorrentUrls;
import dev.spate.metainfo.Metainfo;
import dev.spate.metainfo.MetainfoParser;
import java.io.RandomAccessFile;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Where a torrent comes from besides a .torrent file: a magnet link's metadata fetched from a
 * libtorrent seed by {@code x.pe} for {@code spate info} (and saved as a .torrent that downloads)
 * and {@code spate seed}, and in the library by {@code Session.fetchMetadata}; a .torrent by URL
 * from a real nginx for {@code spate download}, and the URLs it must refuse (too large, a redirect
 * loop, a 404) as one line and exit 1.
 */
class TorrentSourcesIT {
    static final int PIECE = 64 * 1024;

    @TempDir
    Path tmp;

    /** A port on 127.0.0.1 nothing listens on: a tracker that refuses, for a link's {@code tr}. */
    private static int closedPort() throws Exception {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static ExternalProcess spate(String name, List<String> args) {
        return ExternalProcess.start(name, SpateCli.command(args), null);
    }

    /** The lines of a process's log (its command line left out). */
    private static List<String> lines(ExternalProcess p) {
        List<String> all = p.logText().lines().toList();
        return all.subList(1, all.size());
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void infoOfAMagnetFetchesTheMetadataFromLibtorrentAndSavesATorrentThatDownloads() throws Exception {
        SpateCli.jar();
        Path content = DownloadFromReferenceSeedsIT.multiFile(tmp.resolve("seed/tree"), 41);
        Libtorrent.CreatedTorrent torrent = Libtorrent.createTorrent(content, tmp.resolve("tree.torrent"), PIECE,
                List.of());
        Metainfo original = MetainfoParser.read(torrent.file());
        String tracker = "http://127.0.0.1:" + closedPort() + "/announce";
        Path saved = tmp.resolve("saved.torrent");
        try (Libtorrent seed = Libtorrent.seed(torrent.file(), tmp.resolve("seed"), new Libtorrent.Options()
                .noTrackers())) {
            seed.awaitSeeding(Duration.ofSeconds(20));
            String magnet = "magnet:?xt=urn:btih:" + original.infoHashHex() + "&dn=a+name&x.pe=127.0.0.1:" + seed.port()
                    + "&tr=" + tracker;
            try (ExternalProcess info = spate("spate-info-magnet", List.of("info", magnet, "--save", saved.toString(),
                    "--state", tmp.resolve("state-info").toString(), "--bind", "127.0.0.1"))) {
                assertThat(info.waitForExit(Duration.ofSeconds(60))).as("exit; log:%n%s", info.logTail(20)).isZero();
                // The same text as `spate info` of the .torrent it saved, warnings and all.
                try (ExternalProcess ofFile = spate("spate-info-saved", List.of("info", saved.toString()))) {
                    assertThat(ofFile.waitForExit(Duration.ofSeconds(30))).isZero();
                    String fileText = String.join("\n", lines(ofFile));
                    assertThat(fileText).contains("info-hash:  " + original.infoHashHex()).contains("name:       tree")
                            .contains("tier 1: " + tracker);
                    assertThat(String.join("\n", lines(info))).contains(fileText);
                }
            }
            Metainfo fromLink = MetainfoParser.read(saved);
            assertThat(fromLink.infoHashHex()).isEqualTo(original.infoHashHex());
            assertThat(fromLink.info()).isEqualTo(original.info());
            assertThat(fromLink.trackerTiers()).as("the link's trackers").containsExactly(List.of(tracker));

            Path out = tmp.resolve("out");
            try (ExternalProcess download = SpateCli.download(saved, out, tmp.resolve("state-download"),
                    List.of("127.0.0.1:" + seed.port()), List.of("--bind", "127.0.0.1"), null)) {
                assertThat(download.waitForExit(Duration.ofSeconds(60))).as("exit; log:%n%s", download.logTail(20))
                        .isZero();
                assertThat(SpateCli.summary(download).group("state")).isEqualTo("complete");
            }
            Payload.assertSameTree(content, out.resolve("tree"));
        }
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void seedOfAMagnetFetchesTheMetadataThenSeedsTheDataToALibtorrentLeech() throws Exception {
        SpateCli.jar();
        Path content = DownloadFromReferenceSeedsIT.singleFile(tmp.resolve("seed/single.bin"), 42);
        Libtorrent.CreatedTorrent torrent = Libtorrent.createTorrent(content, tmp.resolve("single.torrent"), PIECE,
                List.of());
        Metainfo meta = MetainfoParser.read(torrent.file());
        try (Libtorrent source = Libtorrent.seed(torrent.file(), tmp.resolve("seed"), new Libtorrent.Options()
                .noTrackers())) {
            source.awaitSeeding(Duration.ofSeconds(20));
            String magnet = "magnet:?xt=urn:btih:" + meta.infoHashHex() + "&x.pe=127.0.0.1:" + source.port();
            // Spate seeds a copy of the data: the metadata from libtorrent, the data from the directory.
            Path mine = Files.createDirectories(tmp.resolve("mine"));
            Files.copy(content, mine.resolve("single.bin"));
            try (ExternalProcess seed = spate("spate-seed-magnet", List.of("seed", magnet, "-d", mine.toString(),
                    "--state", tmp.resolve("state").toString(), "--port", "0", "--bind", "127.0.0.1"))) {
                Matcher seeding = seed.waitForLine("^seeding single\\.bin \\(.*, (\\d+)/(\\d+) pieces\\) on port (\\d+)$",
                        Duration.ofSeconds(60));
                assertThat(seeding.group(1)).isEqualTo(seeding.group(2)).isEqualTo(Integer.toString(torrent.pieces()));
                source.close(); // the leech can get it from Spate only
                try (Libtorrent leech = Libtorrent.download(torrent.file(), tmp.resolve("leech"), new Libtorrent.Options()
                        .noTrackers().peer("127.0.0.1", Integer.parseInt(seeding.group(3))))) {
                    leech.awaitCompleteAndExit(Duration.ofSeconds(60));
                }
                SpateCli.interrupt(seed);
                assertThat(seed.waitForExit(Duration.ofSeconds(20))).as("log:%n%s", seed.logTail(10)).isZero();
            }
            Payload.assertSameTree(content, tmp.resolve("leech/single.bin"));
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void theLibraryFetchesALinksMetadataWithoutAddingItsTorrent() throws Exception {
        Path content = DownloadFromReferenceSeedsIT.singleFile(tmp.resolve("seed/one.bin"), 43);
        Libtorrent.CreatedTorrent torrent = Libtorrent.createTorrent(content, tmp.resolve("one.torrent"), PIECE,
                List.of());
        Metainfo meta = MetainfoParser.read(torrent.file());
        Path state = tmp.resolve("state");
        try (Libtorrent seed = Libtorrent.seed(torrent.file(), tmp.resolve("seed"), new Libtorrent.Options()
                .noTrackers());
             Session session = Session.open(DownloadFromReferenceSeedsIT.loopback(state))) {
            seed.awaitSeeding(Duration.ofSeconds(20));
            var magnet = dev.spate.metainfo.Magnet.parse("magnet:?xt=urn:btih:" + meta.infoHashHex());

            Metainfo fetched = session.fetchMetadata(magnet, List.of(new java.net.InetSocketAddress("127.0.0.1",
                    seed.port()))).get(30, TimeUnit.SECONDS);

            assertThat(fetched.info()).isEqualTo(meta.info());
            assertThat(fetched.infoHashHex()).isEqualTo(meta.infoHashHex());
            assertThat(session.torrents()).as("nothing added").isEmpty();
            assertThat(state.resolve("metadata").resolve(meta.infoHashHex() + ".torrent")).as("kept").exists();
            assertThat(state.resolve("resume")).as("no data, no resume file").doesNotExist();
        }
        // Kept: a new session knows it at once, with no peer at all.
        try (Session again = Session.open(DownloadFromReferenceSeedsIT.loopback(state))) {
            var future = again.fetchMetadata(dev.spate.metainfo.Magnet.parse("magnet:?xt=urn:btih:"
                    + meta.infoHashHex() + "&tr=http://127.0.0.1:1/announce"), List.of());
            assertThat(future).isDone();
            assertThat(future.get().trackerTiers()).as("the link's trackers").containsExactly(
                    List.of("http://127.0.0.1:1/announce"));
        }
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void downloadOfATorrentUrlServedByNginxIsByteExact() throws Exception {
        SpateCli.jar();
        Path content = DownloadFromReferenceSeedsIT.singleFile(tmp.resolve("seed/web.bin"), 44);
        Libtorrent.CreatedTorrent torrent = Libtorrent.createTorrent(content, tmp.resolve("web.torrent"), PIECE,
                List.of());
        try (Nginx nginx = Nginx.start(tmp.resolve("nginx"));
             Libtorrent seed = Libtorrent.seed(torrent.file(), tmp.resolve("seed"), new Libtorrent.Options()
                     .noTrackers())) {
            Files.copy(torrent.file(), nginx.docRoot().resolve("x.torrent"));
            seed.awaitSeeding(Duration.ofSeconds(20));
            Path out = tmp.resolve("out");
            List<String> args = new ArrayList<>(List.of("download", nginx.url("/x.torrent"), "-o", out.toString(),
                    "--state", tmp.resolve("state").toString(), "--port", "0", "--bind", "127.0.0.1",
                    "--peer", "127.0.0.1:" + seed.port()));
            try (ExternalProcess download = spate("spate-download-url", args)) {
                assertThat(download.waitForExit(Duration.ofSeconds(60))).as("exit; log:%n%s", download.logTail(20))
                        .isZero();
                assertThat(SpateCli.summary(download).group("state")).isEqualTo("complete");
            }
            Payload.assertSameTree(content, out.resolve("web.bin"));
            assertThat(nginx.accessLog()).anyMatch(l -> l.startsWith("/x.torrent ") && l.contains(" 200 "));
        }
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void aTorrentUrlTooLargeARedirectLoopOrA404IsOneLineAndExit1() throws Exception {
        SpateCli.jar();
        try (Nginx nginx = Nginx.start(tmp.resolve("nginx"))) {
            try (RandomAccessFile big = new RandomAccessFile(nginx.docRoot().resolve("big.torrent").toFile(), "rw")) {
                big.setLength(TorrentUrls.MAX_BYTES + 1L); // sparse: nothing is written
            }
            String bigUrl = nginx.url("/big.torrent");
            String loopUrl = nginx.url("/loop/x.torrent");
            String missingUrl = nginx.url("/missing.torrent");
            Path out = tmp.resolve("out");
            String state = tmp.resolve("state").toString();
            record Case(List<String> args, String line) {
            }
            List<Case> cases = List.of(
                    new Case(List.of("download", bigUrl, "-o", out.toString(), "--state", state, "--port", "0"),
                            "spate: " + bigUrl + ": too large for a .torrent file (more than 64 MiB)"),
                    new Case(List.of("download", loopUrl, "-o", out.toString(), "--state", state, "--port", "0"),
                            "spate: " + loopUrl + ": redirect loop (back to " + loopUrl + ")"),
                    new Case(List.of("info", missingUrl), "spate: " + missingUrl + ": HTTP 404"));
            for (Case c : cases) {
                try (ExternalProcess p = spate("spate-bad-url", c.args())) {
                    assertThat(p.waitForExit(Duration.ofSeconds(30))).as(c.args().get(1)).isEqualTo(1);
                    assertThat(lines(p)).as(c.args().get(1)).containsExactly(c.line());
                }
            }
            assertThat(nginx.accessLog()).as("the large body is refused long before its end")
                    .anyMatch(l -> l.startsWith("/big.torrent ") && !l.endsWith(" " + (TorrentUrls.MAX_BYTES + 1L)));
            assertThat(tmp.resolve("out")).as("nothing downloaded").doesNotExist();
        }
    }
}
