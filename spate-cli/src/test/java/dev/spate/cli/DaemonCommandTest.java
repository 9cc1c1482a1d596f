package dev.spate.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import picocli.CommandLine;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code spate daemon}'s options, refused before any session or server is opened. */
@Timeout(30)
class DaemonCommandTest {
    @TempDir
    Path tmp;

    @Test
    void anRpcReachableFromOtherMachinesNeedsCredentials() {
        Cli.Result r = Cli.run("daemon", "--state", tmp.toString(), "-d", tmp.toString(), "--rpc-bind", "0.0.0.0");
        assertThat(r.exitCode()).isEqualTo(Main.USAGE);
        assertThat(r.err()).contains("--rpc-auth");
    }

    @Test
    void badOptionsAreUsageErrorsAndAMissingDirectoryAFailure() {
        assertThat(Cli.run("daemon", "--state", tmp.toString(), "--rpc-auth", "nocolon").exitCode()).isEqualTo(Main.USAGE);
        assertThat(Cli.run("daemon", "--state", tmp.toString(), "--rpc-port", "70000").exitCode()).isEqualTo(Main.USAGE);
        Cli.Result missing = Cli.run("daemon", "--state", tmp.toString(), "-d", tmp.resolve("nowhere").toString(),
                "--rpc-port", "0");
        assertThat(missing.exitCode()).isEqualTo(Main.FAILURE);
        assertThat(missing.err()).contains("no such directory");
    }

    @Test
    void helpListsTheOptions() {
        Cli.Result r = Cli.run("daemon", "--help");
        assertThat(r.exitCode()).isZero();
        assertThat(r.out()).contains("--state", "--dir", "--port", "--bind", "--rpc-bind", "--rpc-port", "--rpc-auth",
                "--no-dht", "--no-lsd", "--watch=DIR", "--download-root=DIR");
    }

    /** Parses {@code args} with {@code toml} as the config file; the daemon command as parsed. */
    DaemonCommand daemon(String toml, String... args) {
        CommandLine cl = new CommandLine(new Main());
        cl.setDefaultValueProvider(new ConfigDefaults(cl, Optional.of(ConfigFile.parse(tmp.resolve("c.toml"), toml))));
        return (DaemonCommand) cl.parseArgs(args).subcommand().commandSpec().userObject();
    }

    @Test
    void downloadRootsRepeatOnTheCommandLineAreAnArrayInTheFileAndTheFlagsReplaceTheFile() {
        String toml = "[daemon]\ndownload-roots = [\"/srv/a\", \"~/b\"]\nwatch = \"/srv/watch\"\n";
        DaemonCommand fromFile = daemon(toml, "daemon");
        assertThat(fromFile.downloadRoots).containsExactly(Path.of("/srv/a"), Path.of(System.getProperty("user.home"), "b"));
        assertThat(fromFile.watch).isEqualTo(Path.of("/srv/watch"));
        assertThat(daemon(toml, "daemon", "--download-root", "/x", "--download-root", "/y,z").downloadRoots)
                .containsExactly(Path.of("/x"), Path.of("/y,z"));
        assertThat(daemon("", "daemon").downloadRoots).isEmpty();
        assertThatThrownBy(() -> daemon("[daemon]\ndownload-roots = \"/srv/a\"\n", "daemon"))
                .hasMessageContaining("download-roots in [daemon]").hasMessageContaining("expected an array of strings");
        assertThatThrownBy(() -> daemon("[daemon]\ndownload-root = [\"/srv/a\"]\n", "daemon"))
                .hasMessageContaining("unknown setting download-root in [daemon]");
    }

    @Test
    void spateConfigShowsTheDownloadRootsAsTheArrayTheFileGave() throws Exception {
        Path file = Files.writeString(tmp.resolve("c.toml"), "[daemon]\ndownload-roots = [\"/srv/a\", \"/srv/b\"]\n");
        Cli.Result shown = Cli.runIn(java.util.Map.of("SPATE_CONFIG", file.toString()), "config");
        assertThat(shown.exitCode()).as(shown.err()).isZero();
        assertThat(shown.out()).contains("download-roots = [\"/srv/a\", \"/srv/b\"]  # " + file + " [daemon]")
                .contains("# watch: not set");
    }

    @Test
    void theDownloadDirectoryMustBeInsideTheRootsAndEveryRootAndTheWatchDirectoryMustExist() throws Exception {
        Path root = Files.createDirectories(tmp.resolve("root"));
        Path out = Files.createDirectories(tmp.resolve("out"));
        Cli.Result outside = Cli.run("daemon", "--state", tmp.resolve("s1").toString(), "-d", out.toString(),
                "--download-root", root.toString(), "--rpc-port", "0");
        assertThat(outside.exitCode()).isEqualTo(Main.USAGE);
        assertThat(outside.err()).contains("outside the download roots (" + root + ")");
        Cli.Result noRoot = Cli.run("daemon", "--state", tmp.resolve("s2").toString(), "-d", root.toString(),
                "--download-root", tmp.resolve("nowhere").toString(), "--rpc-port", "0");
        assertThat(noRoot.exitCode()).isEqualTo(Main.FAILURE);
        assertThat(noRoot.err()).contains("no such directory: --download-root");
        Cli.Result noWatch = Cli.run("daemon", "--state", tmp.resolve("s3").toString(), "-d", root.toString(),
                "--watch", tmp.resolve("nowhere").toString(), "--rpc-port", "0");
        assertThat(noWatch.exitCode()).isEqualTo(Main.FAILURE);
        assertThat(noWatch.err()).contains("no such directory: --watch");
        Path inside = Files.createDirectories(root.resolve("watch"));
        Cli.Result overlap = Cli.run("daemon", "--state", tmp.resolve("s4").toString(), "-d", root.toString(),
                "--watch", inside.toString(), "--rpc-port", "0");
        assertThat(overlap.exitCode()).isEqualTo(Main.USAGE);
        assertThat(overlap.err()).contains("--watch " + inside + " overlaps the download directory " + root);
    }
}
