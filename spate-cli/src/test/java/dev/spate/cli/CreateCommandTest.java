package dev.spate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spate.metainfo.FileEntry;
import dev.spate.metainfo.Metainfo;
import dev.spate.metainfo.MetainfoParser;
import dev.spate.metainfo.TorrentCreator;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class CreateCommandTest {
    @TempDir
    Path tmp;

    @Test
    void writesATorrentWithTheGivenTrackerTiersWebSeedsPrivateFlagCommentAndPieceSize() throws Exception {
        Path source = InfoCommandTest.data(tmp.resolve("one.bin"), 100_000, 7);
        Path out = tmp.resolve("one.torrent");
        Instant before = Instant.now().minusSeconds(1);

        Cli.Result r = Cli.run("create", source.toString(), "-o", out.toString(),
                "--tracker", "http://a.example/announce,udp://b.example:6969",
                "-t", "http://c.example/announce",
                "--web-seed", "http://seed.example/one.bin", "-w", "http://mirror.example/one.bin",
                "--private", "--comment", "made by a test", "--piece-size", "32K");

        assertThat(r.exitCode()).as(r.err()).isZero();
        Metainfo meta = MetainfoParser.read(out);
        assertThat(meta.trackerTiers()).containsExactly(
                List.of("http://a.example/announce", "udp://b.example:6969"),
                List.of("http://c.example/announce"));
        assertThat(meta.webSeeds()).containsExactly("http://seed.example/one.bin", "http://mirror.example/one.bin");
        assertThat(meta.info().isPrivate()).isTrue();
        assertThat(meta.comment()).contains("made by a test");
        assertThat(meta.createdBy()).contains(TorrentCreator.DEFAULT_CREATED_BY);
        assertThat(meta.creationDate()).hasValueSatisfying(d -> assertThat(d).isAfter(before));
        assertThat(meta.info().pieceLength()).isEqualTo(32 * 1024);
        assertThat(meta.info().pieceCount()).isEqualTo(4);
        assertThat(meta.info().name()).isEqualTo("one.bin");
        assertThat(meta.info().files()).containsExactly(new FileEntry(List.of("one.bin"), 100_000, 0));
        // The pieces are those of the data: the engine's creator, same settings, gives the same info-hash.
        Metainfo expected = TorrentCreator.builder(source).pieceLength(32 * 1024).privateFlag(true).build().createMetainfo();
        assertThat(meta.infoHashHex()).isEqualTo(expected.infoHashHex());
        assertThat(r.out()).isEqualTo("created " + out + ": 97.7 KiB, 4 pieces of 32 KiB, info-hash "
                + expected.infoHashHex() + "\n");
        assertThat(r.err()).isEmpty();
        assertThat(Files.list(tmp).map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("one.bin", "one.torrent");
    }

    @Test
    void aDirectoryGivesAMultiFileTorrentWithAnAutomaticPieceSizeAndNoTrackers() throws Exception {
        Path source = InfoCommandTest.tree(tmp.resolve("tree"));
        Path out = tmp.resolve("tree.torrent");

        Cli.Result r = Cli.run("create", source.toString(), "--output", out.toString());

        assertThat(r.exitCode()).as(r.err()).isZero();
        Metainfo meta = MetainfoParser.read(out);
        assertThat(meta.info().multiFile()).isTrue();
        assertThat(meta.info().name()).isEqualTo("tree");
        assertThat(meta.info().pieceLength()).isEqualTo(TorrentCreator.automaticPieceLength(60_001));
        assertThat(meta.info().files()).extracting(FileEntry::displayPath, FileEntry::length).containsExactly(
                org.assertj.core.groups.Tuple.tuple("alpha.bin", 40_000L),
                org.assertj.core.groups.Tuple.tuple("empty.txt", 0L),
                org.assertj.core.groups.Tuple.tuple("sub/beta.bin", 20_000L),
                org.assertj.core.groups.Tuple.tuple("sub/gamma.bin", 1L));
        assertThat(meta.trackerTiers()).isEmpty();
        assertThat(meta.webSeeds()).isEmpty();
        assertThat(meta.info().isPrivate()).isFalse();
        assertThat(meta.comment()).isEqualTo(Optional.empty());
    }

    @ParameterizedTest
    @CsvSource({"16K, 16384", "16384, 16384", "64KiB, 65536", "1M, 1048576", "4mib, 4194304", "256M, 268435456"})
    void acceptsPieceSizesThatArePowersOfTwoInRange(String text, int bytes) throws Exception {
        Path source = InfoCommandTest.data(tmp.resolve("small.bin"), 1000, 1);
        Path out = tmp.resolve("small.torrent");

        Cli.Result r = Cli.run("create", source.toString(), "-o", out.toString(), "--piece-size", text);

        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(MetainfoParser.read(out).info().pieceLength()).isEqualTo(bytes);
    }

    @ParameterizedTest
    @ValueSource(strings = {"1000", "3M", "8K", "0", "512M", "8G", "24576"})
    void rejectsAPieceSizeThatIsNotAPowerOfTwoFrom16KTo256M(String text) throws Exception {
        Path source = InfoCommandTest.data(tmp.resolve("small.bin"), 1000, 1);
        Path out = tmp.resolve("small.torrent");

        Cli.Result r = Cli.run("create", source.toString(), "-o", out.toString(), "--piece-size", text);

        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.errLines()).containsExactly(
                "spate: invalid piece size '" + text + "': a power of two from 16K to 256M",
                "try 'spate create --help' for usage");
        assertThat(out).doesNotExist();
    }

    @ParameterizedTest
    @ValueSource(strings = {"abc", "1.5M", "-16K", "K", ""})
    void rejectsAPieceSizeThatIsNotASize(String text) throws Exception {
        Path source = InfoCommandTest.data(tmp.resolve("small.bin"), 1000, 1);
        Path out = tmp.resolve("small.torrent");

        Cli.Result r = Cli.run("create", source.toString(), "-o", out.toString(), "--piece-size", text);

        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.errLines().get(0)).isEqualTo("spate: invalid piece size '" + text + "' (examples: 16K, 256K, 4M)");
        assertThat(out).doesNotExist();
    }

    @Test
    void aMissingSourceIsAUsageErrorNamingIt() {
        Path missing = tmp.resolve("nothing-here");
        Path out = tmp.resolve("x.torrent");

        Cli.Result r = Cli.run("create", missing.toString(), "-o", out.toString());

        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.errLines().get(0)).isEqualTo("spate: no such file or directory: " + missing);
        assertThat(out).doesNotExist();
    }

    @Test
    void refusesToOverwriteAnExistingOutputWithoutForce() throws Exception {
        Path source = InfoCommandTest.data(tmp.resolve("small.bin"), 1000, 1);
        Path out = Files.writeString(tmp.resolve("small.torrent"), "keep me", StandardCharsets.US_ASCII);

        Cli.Result r = Cli.run("create", source.toString(), "-o", out.toString());

        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.err()).isEqualTo("spate: " + out + " exists (use --force to overwrite)\n");
        assertThat(Files.readString(out)).isEqualTo("keep me");
    }

    @Test
    void overwritesAnExistingOutputWithForceAndLeavesNoTemporaryFile() throws Exception {
        Path source = InfoCommandTest.data(tmp.resolve("small.bin"), 1000, 1);
        Path out = Files.writeString(tmp.resolve("small.torrent"), "replace me", StandardCharsets.US_ASCII);

        Cli.Result r = Cli.run("create", source.toString(), "-o", out.toString(), "--force");

        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(MetainfoParser.read(out).info().name()).isEqualTo("small.bin");
        assertThat(Files.list(tmp).map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("small.bin", "small.torrent");
    }

    @Test
    void anOutputInAMissingDirectoryIsAUsageErrorNamingTheDirectory() throws Exception {
        Path source = InfoCommandTest.data(tmp.resolve("small.bin"), 1000, 1);
        Path out = tmp.resolve("no/such/dir/small.torrent");

        Cli.Result r = Cli.run("create", source.toString(), "-o", out.toString());

        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.errLines().get(0)).isEqualTo("spate: cannot write " + out + ": no such directory " + out.getParent());
    }

    @Test
    void anOutputThatIsADirectoryIsRefusedEvenWithForce() throws Exception {
        Path source = InfoCommandTest.data(tmp.resolve("small.bin"), 1000, 1);
        Path out = Files.createDirectories(tmp.resolve("out"));

        Cli.Result r = Cli.run("create", source.toString(), "-o", out.toString(), "--force");

        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.errLines().get(0)).isEqualTo("spate: output " + out
                + " is a directory; give the path of the .torrent file to write");
        assertThat(out).isEmptyDirectory();
        assertThat(tmp.resolve("out.tmp")).doesNotExist();
    }

    @Test
    void aBlankTrackerInATierIsAUsageError() throws Exception {
        Path source = InfoCommandTest.data(tmp.resolve("small.bin"), 1000, 1);
        Path out = tmp.resolve("small.torrent");

        Cli.Result r = Cli.run("create", source.toString(), "-o", out.toString(), "-t", "http://a.example/,");

        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.errLines().get(0)).isEqualTo("spate: blank tracker URL");
        assertThat(out).doesNotExist();
    }

    @Test
    void anEmptyDirectoryFailsWithTheCreatorsMessage() throws Exception {
        Path empty = Files.createDirectories(tmp.resolve("empty"));
        Path out = tmp.resolve("empty.torrent");

        Cli.Result r = Cli.run("create", empty.toString(), "-o", out.toString());

        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.err()).isEqualTo("spate: nothing to share in " + empty + ": the directory holds no regular files\n");
        assertThat(out).doesNotExist();
    }

    @Test
    void namesWithTerminalControlsAreEchoedEscapedInTheOutputAndInErrors() throws Exception {
        // A directory that came with a download may carry any name its torrent gave it.
        Path dir = Files.createDirectories(tmp.resolve("got\u001b[2J\u202e"));
        Path source = InfoCommandTest.data(dir.resolve("a.bin"), 1000, 1);
        Path out = dir.resolve("x\u0007.torrent");

        Cli.Result created = Cli.run("create", source.toString(), "-o", out.toString());
        Cli.Result exists = Cli.run("create", source.toString(), "-o", out.toString());

        String shown = out.toString().replace("\u001b", "\\x1b").replace("\u202e", "\\u202e").replace("\u0007", "\\x07");
        assertThat(created.exitCode()).isZero();
        assertThat(created.out()).startsWith("created " + shown + ": 1000 B, ");
        assertThat(exists.exitCode()).isEqualTo(1);
        assertThat(exists.err()).isEqualTo("spate: " + shown + " exists (use --force to overwrite)\n");
    }

    @Test
    void withoutTheOutputOptionItIsAUsageError() throws Exception {
        Path source = InfoCommandTest.data(tmp.resolve("small.bin"), 1000, 1);

        Cli.Result r = Cli.run("create", source.toString());

        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.errLines().get(0)).isEqualTo("spate: Missing required option: '--output=OUT.torrent'");
    }

    @Test
    void anUnknownOptionIsAUsageErrorWithASuggestion() {
        Cli.Result r = Cli.run("create", "x", "-o", "x.torrent", "--privte");

        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.errLines()).startsWith("spate: Unknown option: '--privte'");
        assertThat(r.err()).contains("--private");
    }
}
