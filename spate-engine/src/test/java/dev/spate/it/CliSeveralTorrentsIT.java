package dev.spate.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spate.metainfo.Metainfo;
import dev.spate.metainfo.MetainfoParser;
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
 * {@code spate download A.torrent 'magnet:...'}: several torrents in one command and one session, each
 * from its own libtorrent seed on 127.0.0.1, one given as a .torrent file and one as a magnet link; the
 * command exits 0 once both are complete, with a summary line each, and both are byte-exact.
 */
class CliSeveralTorrentsIT {
    static final int PIECE = 32 * 1024;

    @TempDir
    Path tmp;

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void aTorrentFileAndAMagnetLinkDownloadInOneCommandAndItExitsZeroWhenBothAreComplete() throws Exception {
        SpateCli.jar();
        Path single = DownloadFromReferenceSeedsIT.singleFile(tmp.resolve("seed-a/single.bin"), 41);
        Path tree = DownloadFromReferenceSeedsIT.multiFile(tmp.resolve("seed-b/tree"), 42);
        Libtorrent.CreatedTorrent a = Libtorrent.createTorrent(single, tmp.resolve("a.torrent"), PIECE, List.of());
        Libtorrent.CreatedTorrent b = Libtorrent.createTorrent(tree, tmp.resolve("b.torrent"), PIECE, List.of());
        Metainfo bMeta = MetainfoParser.read(b.file());
        Path out = tmp.resolve("out");
        try (Libtorrent seedA = Libtorrent.seed(a.file(), tmp.resolve("seed-a"), new Libtorrent.Options().noTrackers());
             Libtorrent seedB = Libtorrent.seed(b.file(), tmp.resolve("seed-b"), new Libtorrent.Options().noTrackers())) {
            seedA.awaitSeeding(Duration.ofSeconds(20));
            seedB.awaitSeeding(Duration.ofSeconds(20));
            String magnet = "magnet:?xt=urn:btih:" + bMeta.infoHashHex() + "&x.pe=127.0.0.1:" + seedB.port();
            List<String> args = new ArrayList<>(List.of("download", a.file().toString(), magnet, "-o", out.toString(),
                    "--state", tmp.resolve("state").toString(), "--port", "0", "--peer", "127.0.0.1:" + seedA.port()));
            try (ExternalProcess p = ExternalProcess.start("spate-download-two", SpateCli.command(args), null)) {
                assertThat(p.waitForExit(Duration.ofSeconds(90))).as("exit; log:%n%s", p.logTail(30)).isZero();
                Matcher m = SpateCli.SUMMARY.matcher(p.logText());
                List<String> summaries = new ArrayList<>();
                while (m.find()) {
                    assertThat(m.group("state")).as("summary of %s", m.group("name")).isEqualTo("complete");
                    summaries.add(m.group("name") + " in " + m.group("path"));
                }
                assertThat(summaries).containsExactly("single.bin in " + out.toAbsolutePath().resolve("single.bin"),
                        "tree in " + out.toAbsolutePath().resolve("tree"));
            }
            Payload.assertSameTree(single, out.resolve("single.bin"));
            Payload.assertSameTree(tree, out.resolve("tree"));
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void theSameTorrentTwiceIsRefusedNamingBoth() throws Exception {
        SpateCli.jar();
        Path single = DownloadFromReferenceSeedsIT.singleFile(tmp.resolve("seed/single.bin"), 43);
        Libtorrent.CreatedTorrent a = Libtorrent.createTorrent(single, tmp.resolve("a.torrent"), PIECE, List.of());
        String magnet = "magnet:?xt=urn:btih:" + a.infoHashHex();
        ExternalProcess.Result r = ExternalProcess.run(Duration.ofSeconds(40), SpateCli.command(List.of("download",
                a.file().toString(), magnet, "-o", tmp.resolve("out").toString(), "--state", tmp.resolve("state").toString(),
                "--port", "0")));
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.output()).contains("spate: " + magnet + " and " + a.file() + " are the same torrent (" + a.infoHashHex() + ")");
    }
}
