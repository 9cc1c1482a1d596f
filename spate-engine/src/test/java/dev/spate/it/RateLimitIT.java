package dev.spate.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spate.engine.Session;
import dev.spate.engine.SessionConfig;
import dev.spate.engine.TorrentHandle;
import dev.spate.metainfo.Metainfo;
import dev.spate.metainfo.TorrentCreator;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** A rate limit of 5 MB/s holds within 10% over 20 s, on loopback where the link is far faster. */
class RateLimitIT {
    static final long LIMIT = 5_000_000;
    static final Duration WINDOW = Duration.ofSeconds(20);

    @TempDir
    Path tmp;

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void aSessionUploadLimitOf5MBsHoldsWithin10PercentOver20Seconds() throws Exception {
        Metainfo meta = payload();
        InetAddress lo = InetAddress.getLoopbackAddress();
        try (Session seed = Session.open(SessionConfig.builder().localDiscovery(false).dht(false).bindAddress(lo).listenPort(0).uploadRateLimit(LIMIT)
                .stateDirectory(tmp.resolve("state")).build());
             Session leech = Session.open(DownloadFromReferenceSeedsIT.loopback(tmp.resolve("state")))) {
            assertThat(seed.add(meta, tmp.resolve("seed")).awaitCompletion(Duration.ofSeconds(30))).isTrue();
            TorrentHandle t = leech.add(meta, tmp.resolve("leech"));
            t.connect(new InetSocketAddress(lo, seed.listenPort()));
            assertRateWithinTenPercent(t);
        }
    }

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void aTorrentDownloadLimitOf5MBsHoldsWithin10PercentOver20Seconds() throws Exception {
        Metainfo meta = payload();
        InetAddress lo = InetAddress.getLoopbackAddress();
        try (Session seed = Session.open(DownloadFromReferenceSeedsIT.loopback(tmp.resolve("state")));
             Session leech = Session.open(DownloadFromReferenceSeedsIT.loopback(tmp.resolve("state")))) {
            assertThat(seed.add(meta, tmp.resolve("seed")).awaitCompletion(Duration.ofSeconds(30))).isTrue();
            TorrentHandle t = leech.add(meta, tmp.resolve("leech"));
            t.setRateLimits(LIMIT, 0);
            t.connect(new InetSocketAddress(lo, seed.listenPort()));
            assertRateWithinTenPercent(t);
        }
    }

    /** 140 MB: more than 25 s at the limit, so the download is still running when the window ends. */
    private Metainfo payload() throws Exception {
        Path file = Payload.file(tmp.resolve("seed/limited.bin"), 140_000_000, 5);
        return TorrentCreator.builder(file).pieceLength(1 << 20).build().createMetainfo();
    }

    private static void assertRateWithinTenPercent(TorrentHandle t) throws InterruptedException {
        // Let the first bytes and the burst pass, then measure over the window.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (t.status().downloaded() == 0 && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        Thread.sleep(2000);
        long startBytes = t.status().downloaded();
        long start = System.nanoTime();
        Thread.sleep(WINDOW.toMillis());
        long bytes = t.status().downloaded() - startBytes;
        double seconds = (System.nanoTime() - start) / 1e9;
        double rate = bytes / seconds;
        System.out.printf("measured %.0f B/s over %.1f s against a limit of %d B/s%n", rate, seconds, LIMIT);
        assertThat(t.status().isComplete()).as("still downloading at the end of the window").isFalse();
        assertThat(rate).isBetween(LIMIT * 0.9, LIMIT * 1.1);
    }
}
