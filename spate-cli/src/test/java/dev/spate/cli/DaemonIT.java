package dev.spate.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.spate.metainfo.TorrentCreator;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code spate daemon} as a process (the jar {@code package} built): transmission-remote adds a
 * torrent and lists it, and SIGTERM ends the daemon with status 0 once its session is closed.
 */
@Timeout(120)
class DaemonIT {
    static final Path REMOTE = Path.of("/usr/bin/transmission-remote");

    @TempDir
    Path tmp;

    static String remote(int port, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(REMOTE.toString(), "127.0.0.1:" + port));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("HOME", "/nonexistent");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).as("transmission-remote ended").isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        return out;
    }

    @Test
    void transmissionRemoteTalksToTheDaemonProcessWhichSigtermStopsCleanly() throws Exception {
        assumeTrue(Files.isExecutable(REMOTE), "transmission-remote (package transmission-cli) is not installed");
        Path data = Files.createDirectories(tmp.resolve("data"));
        Files.write(data.resolve("hello.txt"), "hello, daemon\n".repeat(1000).getBytes(StandardCharsets.UTF_8));
        Path torrent = tmp.resolve("hello.torrent");
        Files.write(torrent, TorrentCreator.builder(data.resolve("hello.txt")).build().create());

        ProcessBuilder pb = DaemonProcess.command(tmp, "--state", tmp.resolve("state").toString(), "-d", data.toString(),
                "--bind", "127.0.0.1", "--port", "0", "--rpc-port", "0");
        Process daemon = pb.start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(daemon.getInputStream(), StandardCharsets.UTF_8));
            String first = out.readLine();
            assertThat(first).as("the daemon's first line").isNotNull();
            Matcher m = Pattern.compile("RPC on http://127\\.0\\.0\\.1:(\\d+)/transmission/rpc").matcher(first);
            assertThat(m.find()).as(first).isTrue();
            int port = Integer.parseInt(m.group(1));

            assertThat(remote(port, "-a", torrent.toString())).contains("success");
            String list = remote(port, "-l");
            assertThat(list).contains("hello.txt");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!list.contains("100%") && System.nanoTime() < deadline) {
                Thread.sleep(100);
                list = remote(port, "-l");
            }
            assertThat(list).as("the data in -d DIR is checked and complete").contains("100%");

            daemon.destroy(); // SIGTERM
            assertThat(daemon.waitFor(30, TimeUnit.SECONDS)).as("the daemon ended after SIGTERM").isTrue();
            assertThat(daemon.exitValue()).isZero();
        } finally {
            daemon.destroyForcibly();
        }
    }
}
