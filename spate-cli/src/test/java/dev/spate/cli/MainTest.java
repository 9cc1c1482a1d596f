package dev.spate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import dev.spate.metainfo.TorrentCreator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@org.junit.jupiter.api.Timeout(60)
class MainTest {
    @Test
    void withoutACommandItIsAUsageError() {
        Cli.Result r = Cli.run();

        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.errLines()).containsExactly("spate: missing command", "try 'spate --help' for usage");
    }

    @Test
    void aMagnetLinkOrAUrlWhereATorrentFileIsWantedSaysTheyAreNotSupportedYet() {
        // download takes magnet links (MagnetDownloadIT); info and seed do not yet, and nothing takes a URL.
        for (String[] args : List.of(new String[] {"info", "magnet:?xt=urn:btih:0123456789abcdef0123456789abcdef01234567"},
                new String[] {"download", "https://example.com/linux.torrent"},
                new String[] {"info", "https://example.com/linux.torrent"}, new String[] {"seed", "HTTP://example.com/x.torrent"})) {
            Cli.Result r = Cli.run(args);

            assertThat(r.exitCode()).as(String.join(" ", args)).isEqualTo(1);
            assertThat(r.errLines()).containsExactly(
                    "spate: magnet links and URLs are not supported yet: give the path of a .torrent file");
        }
    }

    @Test
    void aMalformedMagnetLinkIsOneLineNamingItsField() {
        Cli.Result r = Cli.run("download", "magnet:?xt=urn:btih:zz");

        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.errLines()).singleElement().asString().startsWith("spate: invalid magnet link: xt=");
    }

    @Test
    void anOutputDirectoryThatIsAFileSaysItIsNotADirectory(@TempDir Path tmp) throws Exception {
        Path data = Files.write(tmp.resolve("data.bin"), new byte[20_000]);
        Path torrent = Files.write(tmp.resolve("data.torrent"), TorrentCreator.builder(data).build().create());

        Cli.Result download = Cli.run("download", torrent.toString(), "-o", data.toString(), "--state", tmp.resolve("s").toString());
        Cli.Result seed = Cli.run("seed", torrent.toString(), "-d", data.toString(), "--state", tmp.resolve("s").toString());

        assertThat(download.exitCode()).isEqualTo(1);
        assertThat(download.errLines()).containsExactly("spate: " + data + ": not a directory");
        assertThat(seed.exitCode()).isEqualTo(1);
        assertThat(seed.errLines()).containsExactly("spate: " + data + ": not a directory");
    }

    @Test
    void helpListsTheExitStatuses() {
        for (String[] args : List.of(new String[] {"--help"}, new String[] {"download", "--help"})) {
            Cli.Result r = Cli.run(args);

            assertThat(r.out()).contains("Exit status:\n").containsPattern("\n  0 +success")
                    .containsPattern("\n  1 +failure").containsPattern("\n  2 +usage error")
                    .containsPattern("\n  130 +interrupted \\(Ctrl-C\\)");
            assertThat(r.out().lines()).as("fits 80 columns").allSatisfy(l -> assertThat(l.length()).isLessThanOrEqualTo(80));
        }
        assertThat(Cli.run("seed", "--help").out()).contains("Exit status:\n").doesNotContain("130")
                .contains("default: the current one");
    }

    @Test
    void outputThatIsNotATerminalHoldsNoControlCharacter() {
        Cli.Result r = Cli.run("download", "--help");

        assertThat(r.out()).doesNotContain("\u001b");
    }

    @Test
    void anUnknownCommandIsAUsageError() {
        Cli.Result r = Cli.run("inof", "x.torrent");

        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.errLines().get(0)).isEqualTo("spate: Unmatched arguments from index 0: 'inof', 'x.torrent'");
        assertThat(r.err()).contains("info");
    }

    @Test
    void anUnknownTopLevelOptionIsAUsageError() {
        Cli.Result r = Cli.run("--bogus");

        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.errLines().get(0)).isEqualTo("spate: Unknown option: '--bogus'");
    }

    @Test
    void helpAndVersionSucceedOnStandardOutput() {
        Cli.Result help = Cli.run("--help");
        Cli.Result version = Cli.run("--version");
        Cli.Result createHelp = Cli.run("create", "--help");

        assertThat(help.exitCode()).isZero();
        assertThat(help.out()).startsWith("Usage: spate ").contains("info").contains("create").contains("download");
        assertThat(version.exitCode()).isZero();
        assertThat(version.out()).isEqualTo("spate " + VersionTest.pomVersion() + "\n");
        assertThat(createHelp.exitCode()).isZero();
        assertThat(createHelp.out()).contains("--piece-size=SIZE").contains("--web-seed=URL");
    }

    @Test
    void oneLineSaysWhatWentWrongWithAFile() {
        assertThat(Main.oneLine(new NoSuchFileException("a.torrent"))).isEqualTo("a.torrent: no such file or directory");
        assertThat(Main.oneLine(new AccessDeniedException("b"))).isEqualTo("b: permission denied");
        assertThat(Main.oneLine(new FileSystemException("c", "d", "Is a directory"))).isEqualTo("c -> d: Is a directory");
    }

    @Test
    void oneLineEscapesTheControlsAMessageQuotesFromTheNetwork() {
        assertThat(Main.oneLine(new IOException("cannot write \u001b[2Jx\u202etxt.exe: disk full\u0007")))
                .isEqualTo("cannot write \\x1b[2Jx\\u202etxt.exe: disk full\\x07");
        assertThat(Main.oneLine(new NoSuchFileException("dir/\u009b31mname"))).isEqualTo("dir/\\x9b31mname: no such file or directory");
    }

    @Test
    void theStackTraceHasItsMessagesEscapedAndItsFramesIndentedByTabs() {
        String trace = Main.stackTrace(new IllegalStateException("bad \u001b[2J name", new IOException("cause\u202e\rhere")));

        assertThat(trace).startsWith("java.lang.IllegalStateException: bad \\x1b[2J name\n\tat dev.spate.cli.MainTest.")
                .contains("\nCaused by: java.io.IOException: cause\\u202e\\rhere\n")
                .doesNotContain("\u001b").doesNotContain("\u202e").doesNotContain("\r").endsWith("\n");
    }

    @Test
    void oneLineJoinsLinesAndFallsBackToTheCauseOrTheClassName() {
        assertThat(Main.oneLine(new IOException("first\nsecond\r\nthird"))).isEqualTo("first second third");
        assertThat(Main.oneLine(new RuntimeException(null, new IOException("the cause")))).isEqualTo("the cause");
        assertThat(Main.oneLine(new IllegalStateException())).isEqualTo("IllegalStateException");
    }
}
