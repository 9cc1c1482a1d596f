package dev.spate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
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
    void aUrlThatCannotBeFetchedIsOneLineNamingItForEveryCommandThatTakesATorrent(@TempDir Path tmp) throws Exception {
        int closed;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closed = s.getLocalPort();
        }
        String url = "http://127.0.0.1:" + closed + "/linux.torrent";
        for (String[] args : List.of(new String[] {"info", url}, new String[] {"download", url, "-o", tmp.toString()},
                new String[] {"seed", url.replace("http:", "HTTP:"), "-d", tmp.toString()})) {
            Cli.Result r = Cli.run(args);

            assertThat(r.exitCode()).as(String.join(" ", args)).isEqualTo(1);
            assertThat(r.errLines()).as(String.join(" ", args)).containsExactly("spate: " + args[1]
                    + ": cannot connect to 127.0.0.1:" + closed + ": connection refused");
        }
    }

    @Test
    void aUrlOfAnotherSchemeIsRefusedAsOne() {
        for (String command : List.of("info", "download", "seed")) {
            Cli.Result r = Cli.run(command, "ftp://127.0.0.1/linux.torrent");

            assertThat(r.exitCode()).as(command).isEqualTo(1);
            assertThat(r.errLines()).as(command).containsExactly("spate: ftp:// URLs are not supported: give a .torrent"
                    + " file, an http or https URL of one, or a magnet link");
        }
    }

    @Test
    void aMagnetLinkWithNothingToFetchItsMetadataFromIsRefusedAtOnce(@TempDir Path tmp) {
        String magnet = "magnet:?xt=urn:btih:0123456789abcdef0123456789abcdef01234567";

        Cli.Result info = Cli.run("info", magnet, "--state", tmp.resolve("s").toString());
        Cli.Result seed = Cli.run("seed", magnet, "-d", tmp.toString(), "--state", tmp.resolve("s").toString(),
                "--port", "0");

        String line = "spate: nothing to fetch the metadata of 0123456789abcdef0123456789abcdef01234567 from: the link"
                + " names no peer (x.pe) and no tracker (tr), and the DHT is off";
        assertThat(info.exitCode()).isEqualTo(1);
        assertThat(info.errLines()).containsExactly(line + "; give a peer with --peer HOST:PORT");
        assertThat(seed.exitCode()).isEqualTo(1);
        assertThat(seed.errLines()).last().isEqualTo(line);
        assertThat(tmp.resolve("s/metadata")).as("nothing kept").doesNotExist();
    }

    @Test
    void aMagnetLinkWhoseMetadataDoesNotComeInTimeSaysWhatWasTried(@TempDir Path tmp) throws Exception {
        int closed;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closed = s.getLocalPort();
        }
        Cli.Result r = Cli.run("info", "magnet:?xt=urn:btih:0123456789abcdef0123456789abcdef01234567&x.pe=127.0.0.1:"
                + closed, "--state", tmp.toString(), "--timeout", "1", "--bind", "127.0.0.1");

        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.errLines()).last().isEqualTo("spate: no metadata for 0123456789abcdef0123456789abcdef01234567"
                + " within 1 s; tried 127.0.0.1:" + closed + " (connect failed: Connection refused)");
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
