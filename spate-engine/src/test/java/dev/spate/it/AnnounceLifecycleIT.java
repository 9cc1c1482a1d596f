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
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a Spate torrent tells its tracker over its life (BEP 3), recorded by an HTTP tracker written in the
 * test that hands out the seed's address with a 1 s interval (so regular announces happen too).
 */
class AnnounceLifecycleIT {
    static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

    @TempDir
    Path tmp;

    static List<TestTrackers.HttpAnnounce> from(TestTrackers.HttpTracker tracker, int port) {
        return tracker.announces().stream().filter(a -> a.number("port") == port).toList();
    }

    static void awaitEvent(TestTrackers.HttpTracker tracker, int port, String event, Duration timeout)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (from(tracker, port).stream().noneMatch(a -> a.event().equals(event))) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no event=" + event + " from port " + port + " within " + timeout + ": "
                        + events(from(tracker, port)));
            }
            Thread.sleep(50);
        }
    }

    static List<String> events(List<TestTrackers.HttpAnnounce> announces) {
        return announces.stream().map(a -> a.event().isEmpty() ? "(regular)" : a.event()).toList();
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aLeecherAnnouncesStartedThenCompletedOnceThenStoppedWithConsistentCounters() throws Exception {
        Path content = Payload.file(tmp.resolve("seed/big.bin"), 6_000_011, 31);
        AtomicInteger seedPort = new AtomicInteger();
        try (TestTrackers.HttpTracker tracker = new TestTrackers.HttpTracker((a, t) -> TestTrackers.ok(
                TestTrackers.peersAnswer(1, TestTrackers.peers(new InetSocketAddress(LOOPBACK, seedPort.get())))))) {
            Metainfo meta = TorrentCreator.builder(content).pieceLength(64 * 1024).tracker(tracker.announceUrl())
                    .build().createMetainfo();
            long total = meta.info().totalLength();
            int leechPort;
            int sPort;
            try (Session seed = Session.open(SessionConfig.builder().localDiscovery(false).dht(false).bindAddress(LOOPBACK).listenPort(0).stateDirectory(tmp.resolve("state")).build())) {
                seedPort.set(seed.listenPort());
                sPort = seed.listenPort();
                TorrentHandle seeding = seed.add(meta, tmp.resolve("seed"));
                assertThat(seeding.awaitCompletion(Duration.ofSeconds(30))).isTrue();
                awaitEvent(tracker, sPort, "started", Duration.ofSeconds(10));

                try (Session leech = Session.open(SessionConfig.builder().localDiscovery(false).dht(false).bindAddress(LOOPBACK).listenPort(0)
                        .stateDirectory(tmp.resolve("state")).build())) {
                    leechPort = leech.listenPort();
                    TorrentHandle h = leech.add(meta, tmp.resolve("leech"));
                    assertThat(h.awaitCompletion(Duration.ofSeconds(30))).isTrue();
                    awaitEvent(tracker, leechPort, "completed", Duration.ofSeconds(10));
                    // Let a regular announce or two follow, as a seed now.
                    Thread.sleep(2500);
                }
                awaitEvent(tracker, leechPort, "stopped", Duration.ofSeconds(5));

                List<TestTrackers.HttpAnnounce> leech = from(tracker, leechPort);
                List<String> events = events(leech);
                assertThat(events.get(0)).as(events.toString()).isEqualTo("started");
                assertThat(events.get(events.size() - 1)).as(events.toString()).isEqualTo("stopped");
                assertThat(events.stream().filter("completed"::equals).count()).as(events.toString()).isEqualTo(1);
                assertThat(events.stream().filter("started"::equals).count()).as(events.toString()).isEqualTo(1);
                assertThat(events.stream().filter("stopped"::equals).count()).as(events.toString()).isEqualTo(1);
                assertThat(events.stream().filter(e -> !e.equals("started") && !e.equals("completed")
                        && !e.equals("stopped")).allMatch("(regular)"::equals)).as(events.toString()).isTrue();
                assertThat(events.indexOf("completed")).as(events.toString())
                        .isGreaterThan(0).isLessThan(events.size() - 1);

                TestTrackers.HttpAnnounce first = leech.get(0);
                assertThat(first.number("left")).isEqualTo(total);
                assertThat(first.number("downloaded")).isZero();
                assertThat(first.number("uploaded")).isZero();
                TestTrackers.HttpAnnounce completed = leech.get(events.indexOf("completed"));
                assertThat(completed.number("left")).isZero();
                assertThat(completed.number("downloaded")).isGreaterThanOrEqualTo(total);
                TestTrackers.HttpAnnounce stopped = leech.get(leech.size() - 1);
                assertThat(stopped.number("left")).isZero();
                assertThat(stopped.number("downloaded")).isGreaterThanOrEqualTo(total);

                for (TestTrackers.HttpAnnounce a : leech) {
                    assertThat(a.get("compact")).isEqualTo("1");
                    assertThat(a.get("key")).as("the same key throughout").isEqualTo(first.get("key"));
                    assertThat(a.get("peer_id")).isEqualTo(first.get("peer_id"));
                    assertThat(a.get("info_hash")).hasSize(20);
                    assertThat(a.number("numwant")).isEqualTo(a.event().equals("stopped") ? 0 : 50);
                }
                for (int i = 1; i < leech.size(); i++) {
                    TestTrackers.HttpAnnounce prev = leech.get(i - 1);
                    TestTrackers.HttpAnnounce next = leech.get(i);
                    assertThat(next.number("uploaded")).as("uploaded never decreases").isGreaterThanOrEqualTo(
                            prev.number("uploaded"));
                    assertThat(next.number("downloaded")).as("downloaded never decreases").isGreaterThanOrEqualTo(
                            prev.number("downloaded"));
                    assertThat(next.number("left")).as("left never increases").isLessThanOrEqualTo(prev.number("left"));
                }
                // The seed's reports are consistent with what the leecher got.
                long seedUploaded = seeding.status().uploaded();
                assertThat(seedUploaded).isGreaterThanOrEqualTo(total);
            }
            List<TestTrackers.HttpAnnounce> seedAnnounces = from(tracker, sPort);
            TestTrackers.HttpAnnounce seedStopped = seedAnnounces.get(seedAnnounces.size() - 1);
            assertThat(seedStopped.event()).isEqualTo("stopped");
            assertThat(seedStopped.number("uploaded")).as("the seed reports what it uploaded")
                    .isGreaterThanOrEqualTo(total);
            assertThat(seedStopped.number("downloaded")).isZero();
        }
        Payload.assertSameTree(content, tmp.resolve("leech/big.bin"));
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aSeedAddedCompleteAnnouncesStartedWithNothingLeftAndNeverCompleted() throws Exception {
        Path content = Payload.tree(tmp.resolve("seed/tree"), 32);
        try (TestTrackers.HttpTracker tracker = new TestTrackers.HttpTracker((a, t) -> TestTrackers.ok(
                TestTrackers.peersAnswer(1, List.of())))) {
            Metainfo meta = TorrentCreator.builder(content).pieceLength(32 * 1024).tracker(tracker.announceUrl())
                    .build().createMetainfo();
            int port;
            try (Session seed = Session.open(SessionConfig.builder().localDiscovery(false).dht(false).bindAddress(LOOPBACK).listenPort(0).stateDirectory(tmp.resolve("state")).build())) {
                port = seed.listenPort();
                TorrentHandle h = seed.add(meta, tmp.resolve("seed"));
                assertThat(h.awaitCompletion(Duration.ofSeconds(30))).isTrue();
                awaitEvent(tracker, port, "started", Duration.ofSeconds(10));
                Thread.sleep(2500); // regular announces at the 1 s interval
            }
            awaitEvent(tracker, port, "stopped", Duration.ofSeconds(5));
            List<TestTrackers.HttpAnnounce> announces = from(tracker, port);
            List<String> events = events(announces);
            assertThat(events.get(0)).isEqualTo("started");
            assertThat(events).as(events.toString()).doesNotContain("completed");
            assertThat(events).as("regular announces at the interval").contains("(regular)");
            assertThat(events.get(events.size() - 1)).isEqualTo("stopped");
            for (TestTrackers.HttpAnnounce a : announces) {
                assertThat(a.number("left")).isZero();
                assertThat(a.number("downloaded")).isZero();
                assertThat(a.number("uploaded")).isZero();
                assertThat(a.get("key")).isEqualTo(announces.get(0).get("key"));
            }
        }
    }
}
