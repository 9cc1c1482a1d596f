package dev.spate.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code spate download} as a user runs it (the CLI jar in a child process) against a libtorrent seed on
 * 127.0.0.1: exit codes, the summary line, resuming by running the same command again, and Ctrl-C.
 */
class CliDownloadIT {
    static final int PIECE = 64 * 1024;

    @TempDir
    Path tmp;

    /** The state directory every run of a test shares (never the user's): resume data lives there. */
    private Path state() {
        return tmp.resolve("state");
    }

    /**
     * The resume file of the torrent downloaded into {@code out}: exactly one in the state directory,
     * named by the info-hash and the download directory, and nothing of Spate's in the download directory.
     */
    private Path assertResumeFileInState(String infoHashHex, Path out) throws Exception {
        assertThat(out.resolve(".spate")).as("resume data is no longer kept in the download directory").doesNotExist();
        try (var files = Files.list(state().resolve("resume"))) {
            List<Path> all = files.toList();
            assertThat(all).as("files in the state directory").singleElement().satisfies(p -> assertThat(
                    p.getFileName().toString()).matches(infoHashHex + "-[0-9a-f]{16}\\.resume"));
            return all.get(0);
        }
    }

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void downloadsThenARerunFindsEverythingVerifiedAndExitsAtOnce() throws Exception {
        SpateCli.jar();
        Path content = Payload.tree(tmp.resolve("seed/tree"), 51);
        Libtorrent.CreatedTorrent torrent = Libtorrent.createTorrent(content, tmp.resolve("tree.torrent"), 32 * 1024,
                List.of());
        Path out = tmp.resolve("out");
        try (Libtorrent seed = Libtorrent.seed(torrent.file(), tmp.resolve("seed"), new Libtorrent.Options()
                .noTrackers())) {
            seed.awaitSeeding(Duration.ofSeconds(20));
            List<String> peers = List.of("127.0.0.1:" + seed.port());
            try (ExternalProcess first = SpateCli.download(torrent.file(), out, state(), peers, List.of(), null)) {
                assertThat(first.waitForExit(Duration.ofSeconds(40))).as("exit; log:\n%s", first.logTail(20)).isZero();
                Matcher s = SpateCli.summary(first);
                assertThat(s.group("name")).isEqualTo("tree");
                assertThat(s.group("state")).isEqualTo("complete");
                assertThat(s.group("verified")).isEqualTo(s.group("pieces")).isEqualTo(Integer.toString(torrent.pieces()));
                assertThat(s.group("path")).as("where the files went").isEqualTo(out.toAbsolutePath().resolve("tree").toString());
                assertThat(parseBytes(s.group("received"))).as("received (as rounded for display)")
                        .isGreaterThanOrEqualTo(Payload.totalSize(content) * 99 / 100);
                assertThat(s.group("time")).as("the transfer's time, measured: not 0s").matches("\\d+\\.\\d+s")
                        .isNotEqualTo("0.00s");
                assertThat(s.group("rate")).as("the average over the transfer").isNotNull();
            }
            Payload.assertSameTree(content, out.resolve("tree"));
            Path resume = assertResumeFileInState(torrent.infoHashHex(), out);
            try (var files = Files.list(out)) {
                assertThat(files).as("the download directory holds the download only").containsExactly(out.resolve("tree"));
            }

            long start = System.nanoTime();
            try (ExternalProcess second = SpateCli.download(torrent.file(), out, state(), peers, List.of(), null)) {
                assertThat(second.waitForExit(Duration.ofSeconds(20))).as("exit; log:\n%s", second.logTail(20)).isZero();
                Matcher s = SpateCli.summary(second);
                assertThat(s.group("state")).isEqualTo("complete");
                assertThat(s.group("received")).as("received by the rerun").isEqualTo("0 B");
                assertThat(s.group("rate")).as("no rate of nothing").isNull();
            }
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
            Payload.assertSameTree(content, out.resolve("tree"));
            assertThat(assertResumeFileInState(torrent.infoHashHex(), out)).isEqualTo(resume);
        }
    }

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void ctrlCExitsCleanlyWith130AndARerunResumes() throws Exception {
        SpateCli.jar();
        long size = 4L * 1024 * 1024 + 321;
        Path content = Payload.file(tmp.resolve("seed/big.bin"), size, 52);
        Libtorrent.CreatedTorrent torrent = Libtorrent.createTorrent(content, tmp.resolve("big.torrent"), PIECE,
                List.of());
        Path out = tmp.resolve("out");
        // 4 MiB at 512 KiB/s: about 8 s, time to interrupt it halfway.
        try (Libtorrent seed = Libtorrent.seed(torrent.file(), tmp.resolve("seed"), new Libtorrent.Options()
                .noTrackers().uploadLimit(512 * 1024))) {
            seed.awaitSeeding(Duration.ofSeconds(20));
            List<String> peers = List.of("127.0.0.1:" + seed.port());
            long firstReceived;
            try (ExternalProcess first = SpateCli.download(torrent.file(), out, state(), peers, List.of(), null)) {
                // The plain status line comes every 5 s: wait for one showing verified pieces.
                first.waitForLine("pieces [1-9]\\d*/", Duration.ofSeconds(30));
                SpateCli.interrupt(first);
                int code = first.waitForExit(Duration.ofSeconds(15));
                String log = first.logText();
                assertThat(code).as("exit code after SIGINT; log:\n%s", log).isEqualTo(130);
                assertThat(log).doesNotContain("Exception").doesNotContain("\tat ");
                Matcher s = SpateCli.summary(first);
                assertThat(s.group("state")).isEqualTo("incomplete");
                firstReceived = parseBytes(s.group("received"));
                assertThat(firstReceived).isPositive().isLessThan(size);
            }
            assertThat(assertResumeFileInState(torrent.infoHashHex(), out)).as("saved on the way out").isRegularFile();
            assertThat(rerunReceived(torrent.file(), out, state(), peers)).as("the rerun fetches only what is missing")
                    .isLessThan(size).isLessThanOrEqualTo(size - firstReceived + 4L * PIECE);
        }
        Payload.assertSameTree(content, out.resolve("big.bin"));
    }

    /**
     * A killed process (SIGKILL: no shutdown hook, no resume file saved) loses no verified piece: the
     * rerun hashes what is on disk, keeps the pieces verified before the kill, and fetches the rest.
     */
    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void aKilledDownloadKeepsItsVerifiedPiecesAndARerunCompletesByteExact() throws Exception {
        SpateCli.jar();
        long size = 4L * 1024 * 1024 + 4321;
        Path content = Payload.file(tmp.resolve("seed/killed.bin"), size, 53);
        Libtorrent.CreatedTorrent torrent = Libtorrent.createTorrent(content, tmp.resolve("killed.torrent"), PIECE,
                List.of());
        Path out = tmp.resolve("out");
        try (Libtorrent seed = Libtorrent.seed(torrent.file(), tmp.resolve("seed"), new Libtorrent.Options()
                .noTrackers().uploadLimit(512 * 1024))) {
            seed.awaitSeeding(Duration.ofSeconds(20));
            List<String> peers = List.of("127.0.0.1:" + seed.port());
            int verifiedBeforeKill;
            try (ExternalProcess first = SpateCli.download(torrent.file(), out, state(), peers, List.of(), null)) {
                Matcher line = first.waitForLine("pieces ([1-9]\\d*)/", Duration.ofSeconds(30));
                verifiedBeforeKill = Integer.parseInt(line.group(1));
                ExternalProcess.runChecked(Duration.ofSeconds(5), List.of("kill", "-KILL", Long.toString(first.pid())));
                first.waitForExit(Duration.ofSeconds(10));
            }
            assertThat(rerunReceived(torrent.file(), out, state(), peers))
                    .as("the rerun keeps the %d pieces verified before the kill", verifiedBeforeKill)
                    .isLessThanOrEqualTo(size - (long) verifiedBeforeKill * PIECE + 4L * PIECE);
        }
        Payload.assertSameTree(content, out.resolve("killed.bin"));
    }

    /** Runs the download again to the end and returns what it received (it must exit 0, complete). */
    private static long rerunReceived(Path torrent, Path out, Path state, List<String> peers) {
        try (ExternalProcess again = SpateCli.download(torrent, out, state, peers, List.of(), null)) {
            assertThat(again.waitForExit(Duration.ofSeconds(40))).as("exit; log:\n%s", again.logTail(20)).isZero();
            Matcher s = SpateCli.summary(again);
            assertThat(s.group("state")).isEqualTo("complete");
            return parseBytes(s.group("received"));
        }
    }

    private static final Pattern BYTES = Pattern.compile("([0-9.]+) (B|KiB|MiB|GiB)");

    /** Parses the CLI's {@code Units.bytes} ("0 B", "1.23 MiB"); rounded to what it shows. */
    static long parseBytes(String text) {
        Matcher m = BYTES.matcher(text.strip());
        if (!m.matches()) {
            throw new AssertionError("not a byte count: " + text);
        }
        int shift = switch (m.group(2).toUpperCase(Locale.ROOT)) {
            case "B" -> 0;
            case "KIB" -> 10;
            case "MIB" -> 20;
            default -> 30;
        };
        return (long) (Double.parseDouble(m.group(1)) * (1L << shift));
    }
}
