package dev.spate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
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
                "--no-dht", "--no-lsd");
    }
}
