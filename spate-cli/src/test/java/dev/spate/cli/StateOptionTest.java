package dev.spate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spate.metainfo.TorrentCreator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code --state DIR} of {@code download} and {@code seed} reaches the session: resume data lands there. */
class StateOptionTest {
    @TempDir
    Path tmp;

    private String torrent() throws Exception {
        Path source = InfoCommandTest.data(tmp.resolve("data/one.bin"), 100_000, 3);
        Path torrent = tmp.resolve("one.torrent");
        Files.write(torrent, TorrentCreator.builder(source).pieceLength(32 * 1024).build().create());
        return torrent.toString();
    }

    private String infoHashHex(String torrent) throws Exception {
        return InfoCommand.read(torrent).infoHashHex();
    }

    /** The resume files in {@code state}: one, of this torrent, and none in the download directory. */
    private static List<String> resumeFiles(Path state) throws Exception {
        try (Stream<Path> files = Files.list(state.resolve("resume"))) {
            return files.map(p -> p.getFileName().toString()).toList();
        }
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void seedKeepsItsResumeDataInTheGivenStateDirectory() throws Exception {
        String torrent = torrent();
        Path empty = Files.createDirectories(tmp.resolve("empty"));
        Path state = tmp.resolve("my state");

        Cli.Result r = Cli.run("seed", torrent, "-d", empty.toString(), "--state", state.toString(),
                "--port", "0", "--bind", "127.0.0.1");

        assertThat(r.exitCode()).as(r.err()).isEqualTo(Main.FAILURE);
        assertThat(r.err()).contains("refusing to seed incomplete data");
        assertThat(resumeFiles(state)).singleElement().asString()
                .matches(infoHashHex(torrent) + "-[0-9a-f]{16}\\.resume");
        assertThat(empty.resolve(".spate")).doesNotExist();
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void downloadKeepsItsResumeDataInTheGivenStateDirectory() throws Exception {
        String torrent = torrent();
        Path out = tmp.resolve("out");
        Path state = tmp.resolve("state");

        // No peer and no tracker: it gives up after 5 s, and saves what it found on the way out.
        Cli.Result r = Cli.run("download", torrent, "-o", out.toString(), "--state", state.toString(),
                "--port", "0", "--bind", "127.0.0.1");

        assertThat(r.exitCode()).as(r.err()).isEqualTo(Main.FAILURE);
        assertThat(r.err()).contains("no peers to download from");
        assertThat(resumeFiles(state)).singleElement().asString()
                .matches(infoHashHex(torrent) + "-[0-9a-f]{16}\\.resume");
        try (Stream<Path> files = Files.list(out)) {
            assertThat(files).as("nothing of Spate's in the download directory").isEmpty();
        }
    }

    @Test
    void bothCommandsOfferTheOption() {
        assertThat(Cli.run("download", "--help").out()).contains("--state=DIR");
        assertThat(Cli.run("seed", "--help").out()).contains("--state=DIR");
    }
}
