package dev.spate.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spate.engine.Session;
import dev.spate.engine.SessionConfig;
import dev.spate.engine.TorrentHandle;
import dev.spate.engine.TorrentStatus;
import dev.spate.metainfo.Metainfo;
import dev.spate.metainfo.TorrentCreator;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Trackers that accept and never answer (an HTTP one that holds the connection, a UDP socket that never
 * replies), on 127.0.0.1, with the session's default timeouts (15 s; UDP 15 s then 30 s): the torrent loop
 * never waits on them. A Spate leech downloads from a Spate seed limited to 4 MiB/s as fast with them in
 * the torrent as without, and its status(), asked every 100 ms, answers at once with numbers that move.
 * The leech's torrent asks the HTTP tracker first and the seed's the UDP one, so each hangs a side for
 * the whole download.
 */
class HangingTrackerIT {
    static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();
    static final long SEED_RATE = 4L << 20;
    static final long SIZE = 40L << 20;
    static final Duration STATUS_LATENCY = Duration.ofMillis(200);
    /** At 4 MiB/s a 256 KiB piece is verified every 60 ms or so; a second without one is a stall. */
    static final Duration LONGEST_STILL = Duration.ofSeconds(1);

    @TempDir
    Path tmp;

    /** What one download looked like from its status(), asked every 100 ms. */
    record Run(double bytesPerSecond, Duration maxStatusLatency, Duration longestStill, int statusCalls,
               Duration closeTook) {
    }

    @Test
    @Timeout(value = 300, unit = TimeUnit.SECONDS)
    void aDownloadWithTrackersThatNeverAnswerIsAsFastAsWithoutAndItsStatusAnswersAtOnce() throws Exception {
        Path file = Payload.file(tmp.resolve("seed/hanging.bin"), SIZE, 23);
        Metainfo plain = TorrentCreator.builder(file).pieceLength(256 * 1024).build().createMetainfo();
        try (TestTrackers.HttpTracker http = new TestTrackers.HttpTracker((announce, tracker) -> null);
             TestTrackers.UdpTracker udp = new TestTrackers.UdpTracker(TestTrackers.UdpMode.SILENT)) {
            Run without = download(plain, plain, "without");
            Run with = download(withTrackers(plain, List.of(List.of(udp.announceUrl()), List.of(http.announceUrl()))),
                    withTrackers(plain, List.of(List.of(http.announceUrl()), List.of(udp.announceUrl()))), "with");
            System.out.printf("HangingTrackerIT: without trackers %.2f MiB/s; with hanging trackers %.2f MiB/s"
                            + " (%.1f%%); max status() latency %d ms (%d ms without) over %d calls;"
                            + " longest without a verified piece %d ms (%d ms without); leech closed in %d ms%n",
                    without.bytesPerSecond() / (1 << 20), with.bytesPerSecond() / (1 << 20),
                    100 * with.bytesPerSecond() / without.bytesPerSecond(), with.maxStatusLatency().toMillis(),
                    without.maxStatusLatency().toMillis(), with.statusCalls(), with.longestStill().toMillis(),
                    without.longestStill().toMillis(), with.closeTook().toMillis());

            assertThat(http.announces()).as("the leech asked the HTTP tracker").isNotEmpty();
            assertThat(udp.actions()).as("the seed asked the UDP tracker").isNotEmpty();
            assertThat(with.maxStatusLatency()).as("status() answers at once throughout")
                    .isLessThanOrEqualTo(STATUS_LATENCY);
            assertThat(with.longestStill()).as("verified bytes keep rising").isLessThanOrEqualTo(LONGEST_STILL);
            assertThat(with.bytesPerSecond()).as("as fast as without the trackers, within 20%")
                    .isBetween(without.bytesPerSecond() * 0.8, without.bytesPerSecond() * 1.2);
            assertThat(with.closeTook()).as("closing waits at most the stopped announce's 3 s")
                    .isLessThan(Duration.ofSeconds(6));
        }
    }

    /** A fresh seed (limited to SEED_RATE) and leech on 127.0.0.1, one download, status() every 100 ms. */
    private Run download(Metainfo seedMeta, Metainfo leechMeta, String name) throws Exception {
        Session seed = Session.open(SessionConfig.builder().localDiscovery(false).dht(false).bindAddress(LOOPBACK).listenPort(0)
                .uploadRateLimit(SEED_RATE).build());
        Session leech = Session.open(SessionConfig.builder().localDiscovery(false).dht(false).bindAddress(LOOPBACK).listenPort(0).build());
        try {
            assertThat(seed.add(seedMeta, tmp.resolve("seed")).awaitCompletion(Duration.ofSeconds(60)))
                    .as("the seed checks its data").isTrue();
            TorrentHandle t = leech.add(leechMeta, tmp.resolve("leech-" + name));
            long start = System.nanoTime();
            t.connect(new InetSocketAddress(LOOPBACK, seed.listenPort()));
            long maxLatency = 0;
            long lastVerified = 0;
            long lastRise = 0;
            long longestStill = 0;
            int calls = 0;
            long deadline = start + TimeUnit.SECONDS.toNanos(200);
            TorrentStatus s;
            do {
                Thread.sleep(100);
                long asked = System.nanoTime();
                s = t.status();
                long answered = System.nanoTime();
                calls++;
                maxLatency = Math.max(maxLatency, answered - asked);
                if (s.bytesVerified() > lastVerified) {
                    if (lastVerified > 0) {
                        longestStill = Math.max(longestStill, answered - lastRise);
                    }
                    lastVerified = s.bytesVerified();
                    lastRise = answered;
                }
            } while (!s.isComplete() && System.nanoTime() < deadline);
            assertThat(s.isComplete()).as(name + ": the download completes").isTrue();
            double seconds = (System.nanoTime() - start) / 1e9;
            long closing = System.nanoTime();
            leech.close();
            Duration closeTook = Duration.ofNanos(System.nanoTime() - closing);
            Payload.assertSameTree(tmp.resolve("seed/hanging.bin"), tmp.resolve("leech-" + name + "/hanging.bin"));
            return new Run(SIZE / seconds, Duration.ofNanos(maxLatency), Duration.ofNanos(longestStill), calls,
                    closeTook);
        } finally {
            leech.close();
            seed.close();
        }
    }

    private static Metainfo withTrackers(Metainfo m, List<List<String>> tiers) {
        return new Metainfo(m.info(), m.infoHash(), m.infoBytes(), tiers, m.webSeeds(), m.creationDate(),
                m.comment(), m.createdBy());
    }
}
