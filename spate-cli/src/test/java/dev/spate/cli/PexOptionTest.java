package dev.spate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spate.engine.Session;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code --no-pex} of {@code download} and {@code seed} reaches the session; PEX is on without it. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class PexOptionTest {
    @TempDir
    Path tmp;

    private boolean pex(Object command, SessionOptions options, String... args) throws Exception {
        CommandLine cl = new CommandLine(command);
        cl.parseArgs(args);
        try (Session session = options.open(cl.getCommandSpec())) {
            return session.config().pex();
        }
    }

    @Test
    void noPexSwitchesPeerExchangeOffForDownloadAndSeed() throws Exception {
        String[] common = {"--port", "0", "--bind", "127.0.0.1", "--state", tmp.resolve("state").toString()};
        DownloadCommand download = new DownloadCommand();
        assertThat(pex(download, download.network, concat(common, "--no-pex", "x.torrent"))).isFalse();
        SeedCommand seed = new SeedCommand();
        assertThat(pex(seed, seed.network, concat(common, "--no-pex", "x.torrent"))).isFalse();
        DownloadCommand plain = new DownloadCommand();
        assertThat(pex(plain, plain.network, concat(common, "x.torrent"))).as("on by default").isTrue();
    }

    private static String[] concat(String[] a, String... b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
