package dev.spate.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spate.engine.Event;
import dev.spate.engine.Session;
import dev.spate.engine.SessionConfig;
import dev.spate.engine.TorrentHandle;
import dev.spate.engine.TorrentState;
import dev.spate.engine.TorrentStatus;
import dev.spate.engine.TrackerState;
import dev.spate.metainfo.Metainfo;
import dev.spate.metainfo.TorrentCreator;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Trackers that fail in every way we could think of, written in the test on 127.0.0.1: for each, the torrent
 * goes on (never ERROR), a {@link Event.TrackerError} names the problem, the tracker shows "error" with that
 * message in the status, and the download completes from a Spate seed given with connect().
 */
class TrackerFailuresIT {
    static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

    @TempDir
    static Path shared;
    static Path content;
    static Metainfo meta;
    static Session seed;

    @BeforeAll
    static void seed() throws Exception {
        content = Payload.tree(shared.resolve("seed/tree"), 77);
        meta = TorrentCreator.builder(content).pieceLength(32 * 1024).build().createMetainfo();
        seed = Session.open(SessionConfig.builder().localDiscovery(false).dht(false).bindAddress(LOOPBACK).listenPort(0)
                .stateDirectory(shared.resolve("state")).build());
        TorrentHandle seeding = seed.add(meta, shared.resolve("seed"));
        assertThat(seeding.awaitCompletion(Duration.ofSeconds(30))).isTrue();
    }

    @AfterAll
    static void closeSeed() {
        if (seed != null) {
            seed.close();
        }
    }

    /** A misbehaving tracker for one case: makes its URL, and closes it after. */
    interface FailingTracker extends AutoCloseable {
        String url();

        @Override
        void close();
    }

    static FailingTracker http(TestTrackers.HttpHandler handler) {
        TestTrackers.HttpTracker t = new TestTrackers.HttpTracker(handler);
        return new FailingTracker() {
            public String url() {
                return t.announceUrl();
            }

            public void close() {
                t.close();
            }
        };
    }

    static FailingTracker udp(TestTrackers.UdpMode mode) {
        TestTrackers.UdpTracker t = new TestTrackers.UdpTracker(mode);
        return new FailingTracker() {
            public String url() {
                return t.announceUrl();
            }

            public void close() {
                t.close();
            }
        };
    }

    static Stream<Arguments> cases() {
        String reason = "torrent not registered with this tracker";
        byte[] failure = ("d14:failure reason" + reason.length() + ":" + reason + "e")
                .getBytes(StandardCharsets.US_ASCII);
        byte[] big = new byte[(1 << 20) + 200_000];
        java.util.Arrays.fill(big, (byte) 'x');
        return Stream.of(
                Arguments.of("failure reason", (java.util.function.Supplier<FailingTracker>) () ->
                        http((a, t) -> TestTrackers.ok(failure)), "tracker failure: " + reason),
                Arguments.of("garbage body", (java.util.function.Supplier<FailingTracker>) () ->
                        http((a, t) -> TestTrackers.ok("<html>502 Bad Gateway</html>")), "not bencode"),
                Arguments.of("truncated compact peer list", (java.util.function.Supplier<FailingTracker>) () ->
                        http((a, t) -> TestTrackers.ok("d8:intervali60e5:peers9:\u007f\u0000\u0000\u0001\u001a\u00e1\u007f\u0000\u0000e")),
                        "compact peer list of 9 bytes"),
                Arguments.of("no answer", (java.util.function.Supplier<FailingTracker>) () ->
                        http((a, t) -> null), "no answer from http://127.0.0.1"),
                Arguments.of("oversized response", (java.util.function.Supplier<FailingTracker>) () ->
                        http((a, t) -> TestTrackers.ok(big)), "larger than 1 MiB"),
                Arguments.of("redirect loop", (java.util.function.Supplier<FailingTracker>) () ->
                        http((a, t) -> TestTrackers.redirect(a.target().startsWith("/announce")
                                ? a.target().replaceFirst("/announce", "/elsewhere")
                                : a.target().replaceFirst("/elsewhere", "/announce"))), "redirect loop"),
                Arguments.of("udp wrong transaction id", (java.util.function.Supplier<FailingTracker>) () ->
                        udp(TestTrackers.UdpMode.WRONG_TRANSACTION_ID), "transaction id"),
                Arguments.of("udp error action", (java.util.function.Supplier<FailingTracker>) () ->
                        udp(TestTrackers.UdpMode.ERROR_ACTION), "tracker failure: " + TestTrackers.UdpTracker.ERROR_TEXT),
                Arguments.of("udp no answer", (java.util.function.Supplier<FailingTracker>) () ->
                        udp(TestTrackers.UdpMode.SILENT), "no answer from udp://127.0.0.1"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void theTorrentSurvivesTheTrackerAndCompletesFromAGivenPeer(String name,
            java.util.function.Supplier<FailingTracker> tracker, String expected, @TempDir Path tmp) throws Exception {
        SessionConfig config = SessionConfig.builder().localDiscovery(false).dht(false).bindAddress(LOOPBACK).listenPort(0)
                .trackerTimeout(Duration.ofMillis(500)).udpTrackerAttempts(2).stateDirectory(tmp.resolve("state")).build();
        LinkedBlockingQueue<Event> events = new LinkedBlockingQueue<>();
        try (FailingTracker t = tracker.get(); Session leech = Session.open(config);
             AutoCloseable sub = leech.subscribe(events::add)) {
            TorrentHandle h = leech.add(meta, tmp);
            h.addTracker(t.url());
            h.connect(new InetSocketAddress(LOOPBACK, seed.listenPort()));

            Event.TrackerError error = awaitTrackerError(events, Duration.ofSeconds(15));
            assertThat(error.infoHash().hex()).isEqualTo(meta.infoHashHex());
            assertThat(error.message()).as("the TrackerError names the problem").contains(expected);

            TorrentStatus s = h.status();
            assertThat(s.state()).isIn(TorrentState.DOWNLOADING, TorrentState.SEEDING);
            assertThat(s.error()).isEmpty();
            List<TrackerState> trackers = s.trackers();
            assertThat(trackers).hasSize(1);
            assertThat(trackers.get(0).status()).isEqualTo("error");
            assertThat(trackers.get(0).message()).hasValueSatisfying(m -> assertThat(m).contains(expected));

            assertThat(h.awaitCompletion(Duration.ofSeconds(20))).as("download completes from the given peer").isTrue();
            assertThat(h.status().state()).isEqualTo(TorrentState.SEEDING);
            assertThat(events).noneMatch(e -> e instanceof Event.TorrentError);
        }
        Payload.assertSameTree(content, tmp.resolve("tree"));
        assertThat(Files.exists(tmp.resolve("tree"))).isTrue();
    }

    static Event.TrackerError awaitTrackerError(LinkedBlockingQueue<Event> events, Duration timeout)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        StringBuilder seen = new StringBuilder();
        while (true) {
            long left = deadline - System.nanoTime();
            Event e = left <= 0 ? null : events.poll(left, TimeUnit.NANOSECONDS);
            if (e == null) {
                throw new AssertionError("no TrackerError within " + timeout + "; events: " + seen);
            }
            if (e instanceof Event.TrackerError te) {
                return te;
            }
            if (!(e instanceof Event.PieceVerified)) {
                seen.append("\n  ").append(e);
            }
        }
    }
}
