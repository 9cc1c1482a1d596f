package dev.spate.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spate.engine.Session;
import dev.spate.metainfo.TorrentCreator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A download's memory is bounded by the engine's queues, not by the torrent: a 512 MiB torrent of
 * 1 MiB pieces downloads under a 128 MiB heap (direct memory defaults to the same limit), and the
 * process's peak resident set stays within 200 MiB.
 */
class MemoryBoundIT {
    static final long MAX_RSS_KIB = 200 * 1024;

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void aLargeDownloadCompletesUnderASmallHeapWithinTwoHundredMiBResident(@TempDir Path tmp) throws Exception {
        Path source = Payload.file(tmp.resolve("seed/big.bin"), 512L << 20, 99);
        Path torrent = Files.write(tmp.resolve("big.torrent"), TorrentCreator.builder(source).pieceLength(1 << 20)
                .build().create());
        try (Session seed = Session.open(DownloadFromReferenceSeedsIT.loopback(tmp.resolve("state")))) {
            assertThat(seed.add(dev.spate.metainfo.MetainfoParser.read(torrent), tmp.resolve("seed"))
                    .awaitCompletion(Duration.ofSeconds(60))).isTrue();
            List<String> args = List.of("download", torrent.toString(), "-o", tmp.resolve("leech").toString(),
                    "--port", "0", "--peer", "127.0.0.1:" + seed.listenPort(), "--state", tmp.resolve("state").toString());
            try (ExternalProcess leech = ExternalProcess.start("spate-download-small-heap",
                    SpateCli.command(List.of("-Xmx128m"), args), null)) {
                long peakKib = 0;
                while (leech.isAlive()) {
                    peakKib = Math.max(peakKib, vmHwmKib(leech.pid()));
                    Thread.sleep(100);
                }
                assertThat(leech.waitForExit(Duration.ofSeconds(5))).as(leech.logTail(20)).isZero();
                System.out.printf("leech peak RSS %d KiB%n", peakKib);
                assertThat(peakKib).as("peak RSS of the leech (KiB)").isPositive().isLessThanOrEqualTo(MAX_RSS_KIB);
            }
        }
        Payload.assertSameTree(source, tmp.resolve("leech/big.bin"));
    }

    /** The high-water mark of the resident set of {@code pid}, or 0 once it is gone. */
    private static long vmHwmKib(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (java.io.IOException | NumberFormatException gone) {
            // exited between checks
        }
        return 0;
    }
}
