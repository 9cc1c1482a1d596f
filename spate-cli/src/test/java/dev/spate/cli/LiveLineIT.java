package dev.spate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spate.engine.Session;
import dev.spate.engine.SessionConfig;
import dev.spate.engine.TorrentHandle;
import dev.spate.metainfo.Metainfo;
import dev.spate.metainfo.TorrentCreator;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code spate download} on a real terminal: tmux panes 60, 80 and 120 columns wide (a tmux server of
 * its own, on a socket in the test's directory), each downloading from a seed in this JVM on 127.0.0.1
 * at 256 KiB/s (8 MiB: half a minute). The live line must never wrap (tmux's {@code capture-pane -J} joins wrapped lines, so a
 * wrapped one would show longer than the pane), must grow when the pane does (SIGWINCH), and after
 * Ctrl-C the summary must start on a line of its own.
 */
class LiveLineIT {
    static final int[] WIDTHS = {60, 80, 120};
    static final Duration PATIENCE = Duration.ofSeconds(30);

    @TempDir
    Path tmp;

    private Path socket;
    private Session seed;
    private TorrentHandle seeding;
    private Path torrent;

    @BeforeEach
    void startTheSeed() throws Exception {
        assertThat(Path.of("target/spate.jar")).as("jar built by package").isRegularFile();
        socket = tmp.resolve("tmux.sock");
        byte[] data = new byte[8 << 20];
        new Random(19).nextBytes(data);
        Path source = Files.write(Files.createDirectories(tmp.resolve("seed")).resolve("data.bin"), data);
        Metainfo meta = TorrentCreator.builder(source).pieceLength(64 << 10).build().createMetainfo();
        torrent = Files.write(tmp.resolve("data.torrent"), TorrentCreator.builder(source).pieceLength(64 << 10).build().create());
        seed = Session.open(SessionConfig.builder().localDiscovery(false).dht(false).listenPort(0).bindAddress(InetAddress.getLoopbackAddress())
                .stateDirectory(tmp.resolve("seed-state")).build());
        seeding = seed.add(meta, tmp.resolve("seed"));
        assertThat(seeding.awaitCompletion(Duration.ofSeconds(20))).as("the seed checks its data").isTrue();
    }

    /** Ends the panes' commands (tmux's SIGHUP) and waits for them, so that none writes into a deleted directory. */
    @AfterEach
    void stop() throws Exception {
        if (Files.exists(socket)) {
            List<ProcessHandle> commands = tmux("list-panes", "-a", "-F", "#{pane_pid}").lines().map(String::strip)
                    .filter(l -> !l.isEmpty()).map(Long::parseLong).map(ProcessHandle::of).flatMap(java.util.Optional::stream)
                    .toList();
            tmux("kill-server");
            for (ProcessHandle h : commands) {
                try {
                    h.onExit().get(15, TimeUnit.SECONDS);
                } catch (java.util.concurrent.TimeoutException e) {
                    h.destroyForcibly();
                    h.onExit().get(5, TimeUnit.SECONDS);
                }
            }
        }
        if (seed != null) {
            seed.close();
        }
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void theLiveLineFitsEachWidthGrowsWithThePaneAndCtrlCLeavesTheSummaryALineOfItsOwn() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        for (int w : WIDTHS) {
            // COLUMNS unset: the width must come from the terminal itself (stty size).
            List<String> cmd = new ArrayList<>(List.of("new-session", "-d", "-s", "w" + w, "-x", Integer.toString(w), "-y", "12",
                    "env", "-u", "COLUMNS", java, "-XX:TieredStopAtLevel=1", "-cp", Path.of("target/spate.jar").toAbsolutePath().toString(),
                    "dev.spate.cli.Main", "--no-config", "download", "--no-lsd", "--no-dht", torrent.toString(), "-o", tmp.resolve("out" + w).toString(),
                    "--state", tmp.resolve("state" + w).toString(), "--port", "0", "--bind", "127.0.0.1",
                    "--peer", "127.0.0.1:" + seed.listenPort(), "--download-limit", "256K"));
            cmd.addAll(List.of(";", "set-option", "-t", "w" + w, "remain-on-exit", "on"));
            tmux(cmd.toArray(String[]::new));
        }
        for (int w : WIDTHS) {
            String live = awaitLiveLine(w);
            assertThat(live.length()).as("live line at %d columns: %s", w, live).isLessThan(w);
            assertThat(live).contains("/8 MiB").contains("down ").contains("ETA ");
            for (String line : pane(w)) {
                assertThat(line.length()).as("a line of the %d-column pane, wrapped lines joined: %s", w, line).isLessThanOrEqualTo(w);
            }
        }
        assertThat(awaitLiveLine(120)).as("120 columns hold every figure").contains("1 peer").contains("pieces ");
        assertThat(awaitLiveLine(80)).contains("1 peer");

        tmux("resize-window", "-t", "w60", "-x", "120", "-y", "12");
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        String grown = awaitLiveLine(60);
        while (grown.length() < 60 && System.nanoTime() < deadline) {
            Thread.sleep(200);
            grown = awaitLiveLine(60);
        }
        assertThat(grown.length()).as("the line after the pane grew to 120 columns: %s", grown).isBetween(60, 119);

        tmux("send-keys", "-t", "w80", "C-c");
        List<String> after = awaitPane(80, lines -> lines.stream().anyMatch(l -> l.startsWith("data.bin: incomplete, ")));
        int summary = after.indexOf(after.stream().filter(l -> l.startsWith("data.bin: incomplete, ")).findFirst().orElseThrow());
        assertThat(after.stream().filter(l -> l.contains("^C")).toList()).as("where ^C was echoed: %s", after)
                .allSatisfy(l -> assertThat(l).startsWith("downloading"));
        assertThat(after.get(summary)).as("the summary").doesNotContain("^C").contains(" in " + tmp.resolve("out80/data.bin"));
    }

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void thePKeyPrintsThePeerTableAndTheTerminalIsGivenBackAsItWas() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Path after = tmp.resolve("stty-after");
        String download = String.join(" ", java, "-XX:TieredStopAtLevel=1", "-cp",
                Path.of("target/spate.jar").toAbsolutePath().toString(), "dev.spate.cli.Main", "--no-config", "download", "--no-lsd", "--no-dht",
                torrent.toString(), "-o", tmp.resolve("outp").toString(), "--state", tmp.resolve("statep").toString(),
                "--port", "0", "--bind", "127.0.0.1", "--peer", "127.0.0.1:" + seed.listenPort(),
                "--download-limit", "256K");
        // The shell records the terminal's modes once spate has ended; its trap (reset to the default
        // in spate, unlike an ignored signal) keeps Ctrl-C from ending the shell too.
        tmux("new-session", "-d", "-s", "w100", "-x", "100", "-y", "20", "sh", "-c",
                "trap true INT; " + download + "; stty -a > " + after + "; sleep 60");
        awaitLiveLine(100);
        tmux("send-keys", "-t", "w100", "p");
        List<String> lines = awaitPane(100, ls -> ls.stream().anyMatch(l -> l.startsWith("Address")));
        String header = lines.stream().filter(l -> l.startsWith("Address")).findFirst().orElseThrow();
        assertThat(header).contains("Flags").contains("Done").contains("Client");
        assertThat(lines).as("a row for the seed, below the header: %s", lines)
                .anyMatch(l -> l.startsWith("127.0.0.1:" + seed.listenPort() + " ") && l.contains("D"));
        assertThat(lines).as("the key is not echoed").noneMatch(l -> l.equals("p") || l.endsWith(" p"));

        tmux("send-keys", "-t", "w100", "C-c");
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (!Files.exists(after) || Files.size(after) == 0) {
            assertThat(System.nanoTime()).as("spate ended and stty ran").isLessThan(deadline);
            Thread.sleep(200);
        }
        Thread.sleep(200);
        String modes = Files.readString(after);
        assertThat(modes).as("canonical mode and echo are back").containsPattern("(^|\\s)icanon(\\s|$)")
                .containsPattern("(^|\\s)echo(\\s|$)");
    }

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void withPeersAndNoTerminalThePeerTableIsPrintedWholeEveryTenSecondsAndStandardInputIsNotRead() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Path log = tmp.resolve("peers.log");
        Process p = new ProcessBuilder(java, "-XX:TieredStopAtLevel=1", "-cp",
                Path.of("target/spate.jar").toAbsolutePath().toString(), "dev.spate.cli.Main", "--no-config", "download", "--no-lsd", "--no-dht",
                torrent.toString(), "-o", tmp.resolve("outq").toString(), "--state", tmp.resolve("stateq").toString(),
                "--port", "0", "--bind", "127.0.0.1", "--peer", "127.0.0.1:" + seed.listenPort(),
                "--download-limit", "256K", "--peers")
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            p.getOutputStream().write("pppp".getBytes(StandardCharsets.US_ASCII));
            p.getOutputStream().flush();
            long deadline = System.nanoTime() + Duration.ofSeconds(25).toNanos();
            while (!Files.readString(log).contains("Address")) {
                assertThat(System.nanoTime()).as("a peer table in:%n%s", Files.readString(log)).isLessThan(deadline);
                Thread.sleep(200);
            }
            Thread.sleep(300);
            String text = Files.readString(log);
            assertThat(text).contains("127.0.0.1:" + seed.listenPort() + " ").doesNotContain("\u001b");
            assertThat(text.lines().filter(l -> l.startsWith("Address")).count())
                    .as("only --peers' own table, at 10 s; the p keys on a pipe are never read").isEqualTo(1);
        } finally {
            p.destroy();
            if (!p.waitFor(15, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        }
    }

    /** The pane's last line that starts as the live line does, once one shows bytes arriving. */
    private String awaitLiveLine(int w) throws Exception {
        List<String> lines = awaitPane(w, ls -> ls.stream().anyMatch(l -> l.startsWith("downloading")
                && !l.matches("downloading +([0-9.]+% +)?0 B/.*")));
        return lines.stream().filter(l -> l.startsWith("downloading")).reduce((a, b) -> b).orElseThrow();
    }

    private List<String> awaitPane(int w, java.util.function.Predicate<List<String>> ready) throws Exception {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        List<String> lines = pane(w);
        while (!ready.test(lines)) {
            assertThat(System.nanoTime()).as("pane w%d never got there:%n%s", w, String.join("\n", lines)).isLessThan(deadline);
            Thread.sleep(200);
            lines = pane(w);
        }
        return lines;
    }

    /** The pane's text, wrapped lines joined into one, trailing blanks dropped. */
    private List<String> pane(int w) throws Exception {
        return tmux("capture-pane", "-p", "-J", "-t", "w" + w).lines().map(String::stripTrailing)
                .filter(l -> !l.isEmpty()).toList();
    }

    private String tmux(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("tmux", "-S", socket.toString(), "-f", "/dev/null"));
        cmd.addAll(List.of(args));
        Process p;
        try {
            p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new AssertionError("tmux is needed for this test (scripts/test installs it): " + e.getMessage(), e);
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("tmux %s: %s", String.join(" ", args), out).isZero();
        return out;
    }
}
