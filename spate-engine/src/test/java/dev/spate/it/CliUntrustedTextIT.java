package dev.spate.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spate.metainfo.TorrentCreator;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code spate download} (the CLI jar in a child process) fed text full of terminal controls by a
 * tracker on 127.0.0.1 and by the torrent itself: everything it prints on stdout and stderr shows
 * them as escapes ({@code \x1b}, {@code \x07}, {@code \r}, <code>&#92;u202e</code>) and not one
 * raw control character, 8-bit CSI or bidi override reaches the output.
 */
class CliUntrustedTextIT {
    /** ANSI colour, an OSC 8 hyperlink ended by BEL, carriage return, backspace, RTL override, 8-bit CSI. */
    static final String HOSTILE = "go away \u001b[31mred\u001b[0m \u001b]8;;http://evil.example/\u0007link\u001b]8;;\u0007"
            + " \r\u0008\u202eexe.txt \u009b2J";
    static final String HOSTILE_ESCAPED = "go away \\x1b[31mred\\x1b[0m \\x1b]8;;http://evil.example/\\x07link\\x1b]8;;\\x07"
            + " \\r\\x08\\u202eexe.txt \\x9b2J";
    // What survives the parser's sanitizing (which turns C0 controls into '_' and drops the bidi
    // overrides) but a terminal could still act on: an 8-bit CSI, a line separator, DEL.
    static final String NAME = "pay\u009b2Jload\u2028txt\u007f.bin";
    static final String NAME_ESCAPED = "pay\\x9b2Jload\\u2028txt\\x7f.bin";

    @TempDir
    Path tmp;

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aTrackersFailureReasonFullOfControlsIsPrintedEscapedInTheErrorLineAndTheSummary() throws Exception {
        SpateCli.jar();
        byte[] reason = HOSTILE.getBytes(StandardCharsets.UTF_8);
        byte[] body = TestTrackers.concat(("d14:failure reason" + reason.length + ":").getBytes(StandardCharsets.US_ASCII),
                TestTrackers.concat(reason, new byte[] {'e'}));
        try (TestTrackers.HttpTracker tracker = new TestTrackers.HttpTracker((a, t) -> TestTrackers.ok(body))) {
            Path torrent = hostileTorrent(tracker.announceUrl());
            try (ExternalProcess p = SpateCli.download(torrent, tmp.resolve("out"), tmp.resolve("state"), List.of(),
                    List.of("--bind", "127.0.0.1"), null)) {
                p.waitForLine("^tracker error: ", Duration.ofSeconds(30));
                SpateCli.interrupt(p);
                assertThat(p.waitForExit(Duration.ofSeconds(15))).as("exit after SIGINT; log:\n%s", p.logTail(20))
                        .isEqualTo(130);
                String log = output(p);
                assertNoRawControls(log);
                assertThat(log.lines().filter(l -> l.startsWith("tracker error: ")).findFirst().orElseThrow())
                        .endsWith("tracker failure: " + HOSTILE_ESCAPED);
                assertThat(log).contains("tracker " + tracker.announceUrl() + ": error: tracker failure: " + HOSTILE_ESCAPED
                        + ", next announce in ");
                assertThat(SpateCli.summary(p).group("name")).isEqualTo(NAME_ESCAPED);
            }
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aTrackersWarningFullOfControlsIsPrintedEscapedInTheReplyLine() throws Exception {
        SpateCli.jar();
        byte[] warning = HOSTILE.getBytes(StandardCharsets.UTF_8);
        byte[] body = TestTrackers.concat(("d8:intervali1800e5:peers0:15:warning message" + warning.length + ":")
                .getBytes(StandardCharsets.US_ASCII), TestTrackers.concat(warning, new byte[] {'e'}));
        try (TestTrackers.HttpTracker tracker = new TestTrackers.HttpTracker((a, t) -> TestTrackers.ok(body))) {
            Path torrent = hostileTorrent(tracker.announceUrl());
            try (ExternalProcess p = SpateCli.download(torrent, tmp.resolve("out"), tmp.resolve("state"), List.of(),
                    List.of("--bind", "127.0.0.1"), null)) {
                p.waitForLine("^tracker .*: working, ", Duration.ofSeconds(30));
                SpateCli.interrupt(p);
                assertThat(p.waitForExit(Duration.ofSeconds(15))).as("exit after SIGINT; log:\n%s", p.logTail(20))
                        .isEqualTo(130);
                String log = output(p);
                assertNoRawControls(log);
                assertThat(log).contains("tracker " + tracker.announceUrl() + ": working, 0 peers, next announce in 30m00s"
                        + " (warning: " + HOSTILE_ESCAPED + ")\n");
            }
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aStorageErrorNamingAFileFromTheTorrentPrintsItsPathEscaped() throws Exception {
        SpateCli.jar();
        // The torrent's empty file sub<LS>/empty must be created at add; a plain file where its
        // directory should be makes that fail with a message naming the path. (8-bit CSI and the
        // line separator survive the parser's sanitizing; ESC and RLO would not reach storage.)
        Path root = tmp.resolve("seed").resolve("tree\u009b2J");
        Payload.file(root.resolve("data.bin"), 40_000, 7);
        Payload.file(root.resolve("sub\u2028").resolve("empty"), 0, 8);
        Path torrent = Files.write(tmp.resolve("tree.torrent"), TorrentCreator.builder(root).pieceLength(16384).build()
                .create());
        Path out = tmp.resolve("out");
        Payload.file(out.resolve("tree\u009b2J").resolve("sub\u2028"), 1, 9);

        try (ExternalProcess p = SpateCli.download(torrent, out, tmp.resolve("state"), List.of(), List.of("--bind", "127.0.0.1"), null)) {
            assertThat(p.waitForExit(Duration.ofSeconds(30))).as("exit; log:\n%s", p.logTail(20)).isEqualTo(1);
            String log = output(p);
            assertNoRawControls(log);
            // Storage names the path component that is in the way: the directory the file needs.
            assertThat(log).contains("spate: ").contains("tree\\x9b2J/sub\\u2028 is not a directory");
        }
    }

    /** A single-file torrent of {@link #NAME} announcing to {@code tracker}. */
    private Path hostileTorrent(String tracker) throws Exception {
        Path payload = Payload.file(tmp.resolve("seed").resolve(NAME), 100_000, 5);
        return Files.write(tmp.resolve("hostile.torrent"), TorrentCreator.builder(payload).pieceLength(16384)
                .tracker(tracker).build().create());
    }

    /** What the CLI printed on stdout and stderr, decoded as the UTF-8 it writes (the test's own command line dropped). */
    private static String output(ExternalProcess p) throws Exception {
        String log = new String(Files.readAllBytes(p.log()), StandardCharsets.UTF_8);
        return log.substring(log.indexOf('\n') + 1);
    }

    /** Fails naming the first character a terminal would act on rather than show (newline aside). */
    private static void assertNoRawControls(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            boolean raw = c != '\n' && (Character.isISOControl(c) || Character.getType(c) == Character.FORMAT
                    || c == '\u2028' || c == '\u2029');
            assertThat(raw).as("U+%04X at %d in:\n%s", (int) c, i, text).isFalse();
        }
    }
}
