package dev.spate.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spate.metainfo.FileEntry;
import dev.spate.metainfo.Metainfo;
import dev.spate.metainfo.MetainfoParser;
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
 * {@code spate download --only} from a libtorrent seed on 127.0.0.1: the chosen files arrive
 * byte-exact, the others are never created (the bytes of them in shared pieces are kept in the
 * state directory), and a second run wanting every file completes the rest without fetching the
 * verified pieces again.
 */
class CliOnlyDownloadIT {
    @TempDir
    Path tmp;

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void onlyTheChosenFilesAreDownloadedByteExactAndTheOthersNeverAppear() throws Exception {
        SpateCli.jar();
        Path content = Payload.tree(tmp.resolve("seed/tree"), 61);
        Libtorrent.CreatedTorrent torrent = Libtorrent.createTorrent(content, tmp.resolve("tree.torrent"), 32 * 1024,
                List.of());
        Metainfo meta = MetainfoParser.read(torrent.file());
        List<String> paths = meta.info().dataFiles().stream().map(FileEntry::displayPath).toList();
        int alpha = paths.indexOf("alpha.bin") + 1;
        int delta = paths.indexOf("sub/deeper/delta.bin") + 1;
        assertThat(alpha).isPositive();
        assertThat(delta).isPositive();
        List<String> unwanted = new ArrayList<>(paths);
        unwanted.removeAll(List.of("alpha.bin", "sub/deeper/delta.bin"));
        Path out = tmp.resolve("out");
        Path state = tmp.resolve("state");
        try (Libtorrent seed = Libtorrent.seed(torrent.file(), tmp.resolve("seed"), new Libtorrent.Options().noTrackers())) {
            seed.awaitSeeding(Duration.ofSeconds(20));
            List<String> peers = List.of("127.0.0.1:" + seed.port());
            try (ExternalProcess first = SpateCli.download(torrent.file(), out, state, peers,
                    List.of("--only", alpha + "," + delta), null)) {
                assertThat(first.waitForExit(Duration.ofSeconds(40))).as("exit; log:\n%s", first.logTail(20)).isZero();
                Matcher s = SpateCli.summary(first);
                assertThat(s.group("state")).isEqualTo("complete");
                assertThat(s.group("wantedFiles")).isEqualTo("2");
                assertThat(s.group("files")).isEqualTo(Integer.toString(paths.size()));
                assertThat(Integer.parseInt(s.group("verified"))).isLessThan(torrent.pieces());
            }
            for (String p : List.of("alpha.bin", "sub/deeper/delta.bin")) {
                assertThat(Files.readAllBytes(out.resolve("tree").resolve(p))).as(p)
                        .isEqualTo(Files.readAllBytes(content.resolve(p)));
            }
            for (String p : unwanted) {
                assertThat(out.resolve("tree").resolve(p)).as("unwanted %s", p).doesNotExist();
            }
            try (var kept = Files.list(state.resolve("resume"))) {
                assertThat(kept.map(f -> f.getFileName().toString())).as("the shared pieces' part file")
                        .anyMatch(n -> n.startsWith(torrent.infoHashHex()) && n.endsWith(".parts"));
            }

            try (ExternalProcess second = SpateCli.download(torrent.file(), out, state, peers, List.of(), null)) {
                assertThat(second.waitForExit(Duration.ofSeconds(40))).as("exit; log:\n%s", second.logTail(20)).isZero();
                Matcher s = SpateCli.summary(second);
                assertThat(s.group("state")).isEqualTo("complete");
                assertThat(s.group("wantedFiles")).as("every file wanted: no count").isNull();
                long rest = Payload.totalSize(content) - Files.size(content.resolve("alpha.bin"))
                        - Files.size(content.resolve("sub/deeper/delta.bin"));
                assertThat(CliDownloadIT.parseBytes(s.group("received"))).as("only what was missing, give or take two pieces")
                        .isLessThanOrEqualTo(rest + 2 * 32 * 1024 + 1024);
            }
        }
        Payload.assertSameTree(content, out.resolve("tree"));
    }
}
