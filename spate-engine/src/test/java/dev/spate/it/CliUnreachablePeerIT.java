package dev.spate.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spate.metainfo.TorrentCreator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code spate download} when nothing moves: a peer that refuses (127.0.0.1:1, where nothing listens) and a
 * tracker that refuses are each named in a line of their own within 10 s of the start, and the download keeps
 * trying until Ctrl-C; {@code --verbose} also shows every attempt as it fails.
 */
class CliUnreachablePeerIT {
    static final Duration WITHIN = Duration.ofSeconds(10);

    @TempDir
    Path tmp;

    private Path torrent(String tracker) throws Exception {
        Path data = Payload.file(tmp.resolve("seed/data.bin"), 100_000, 71);
        TorrentCreator.Builder b = TorrentCreator.builder(data).pieceLength(16384);
        if (tracker != null) {
            b.tracker(tracker);
        }
        return Files.write(tmp.resolve("data.torrent"), b.build().create());
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aRefusingPeerIsNamedWithinTenSecondsAndVerboseShowsEachAttempt() throws Exception {
        SpateCli.jar();
        Path torrent = torrent(null);
        long start = System.nanoTime();
        try (ExternalProcess p = SpateCli.download(torrent, tmp.resolve("out"), tmp.resolve("state"), List.of("127.0.0.1:1"),
                List.of("--verbose"), null)) {
            Matcher stalled = p.waitForLine("^no peer connected yet: 127\\.0\\.0\\.1:1: connect failed: (.+) \\((\\d+) attempts?\\);"
                    + " still trying$", WITHIN);
            Duration took = Duration.ofNanos(System.nanoTime() - start);

            assertThat(took).as("from the command's start").isLessThan(WITHIN);
            assertThat(stalled.group(1)).containsIgnoringCase("refused");
            assertThat(p.logText().lines()).as("each attempt, with --verbose")
                    .anyMatch(l -> l.matches("peer 127\\.0\\.0\\.1:1: connect failed: .*(?i:refused).*"));
            assertThat(p.isAlive()).as("still trying").isTrue();
            SpateCli.interrupt(p);
            assertThat(p.waitForExit(Duration.ofSeconds(15))).as("exit after SIGINT; log:\n%s", p.logTail(20)).isEqualTo(130);
            System.out.printf("refusing peer named after %d ms%n", took.toMillis());
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aRefusingTrackerIsNamedWithinTenSecondsAndWithoutVerboseNoAttemptIsShown() throws Exception {
        SpateCli.jar();
        String tracker = "http://127.0.0.1:1/announce";
        Path torrent = torrent(tracker);
        long start = System.nanoTime();
        try (ExternalProcess p = SpateCli.download(torrent, tmp.resolve("out"), tmp.resolve("state"), List.of("127.0.0.1:1"),
                List.of(), null)) {
            p.waitForLine("^no peer connected yet: tracker " + java.util.regex.Pattern.quote(tracker) + ": error: .+; still trying$",
                    WITHIN);
            Duration took = Duration.ofNanos(System.nanoTime() - start);

            assertThat(took).isLessThan(WITHIN);
            assertThat(p.logText()).contains("no peer connected yet: 127.0.0.1:1: connect failed: ");
            assertThat(p.logText().lines()).as("no attempt without --verbose").noneMatch(l -> l.startsWith("peer 127.0.0.1:1: "));
            SpateCli.interrupt(p);
            assertThat(p.waitForExit(Duration.ofSeconds(15))).as("exit after SIGINT; log:\n%s", p.logTail(20)).isEqualTo(130);
        }
    }
}
