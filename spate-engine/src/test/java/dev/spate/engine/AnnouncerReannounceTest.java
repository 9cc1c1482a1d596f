package dev.spate.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spate.core.PeerId;
import dev.spate.tracker.TrackerConfig;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link Announcer#reannounce}: an announce at once, but never within the tracker's min interval of
 * the last one (a minute when it gave none). The tracker is a real one on 127.0.0.1; time is a fake
 * clock, moved by the test.
 */
@Timeout(20)
class AnnouncerReannounceTest {
    final AtomicLong now = new AtomicLong(1_000_000_000_000L);
    final TrackerConfig config = AnnouncerTest.CONFIG.withClock(now::get);

    void advance(Duration d) {
        now.addAndGet(d.toNanos());
    }

    static byte[] answer(String body) {
        return ("HTTP/1.1 200 OK\r\nContent-Length: " + body.length() + "\r\nConnection: close\r\n\r\n" + body)
                .getBytes(StandardCharsets.US_ASCII);
    }

    /** Waits for the tracker to get the next announce and for the announcer to be done with it. */
    static String next(AnnouncerTest.HoldingTracker tracker, AnnouncerTest.Recorder r, Announcer a) throws Exception {
        String event = tracker.arrivals.poll(5, TimeUnit.SECONDS);
        assertThat(r.arrived.poll(5, TimeUnit.SECONDS)).isEqualTo("answered");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (a.inProgress() && System.nanoTime() < deadline) {
            Thread.onSpinWait(); // the announcing thread is finishing; no clock of ours moves
        }
        assertThat(a.inProgress()).isFalse();
        return event;
    }

    @Test
    void aReannounceGoesOutAtOnceButNotAgainWithinTheMinInterval() throws Exception {
        try (AnnouncerTest.HoldingTracker tracker = new AnnouncerTest.HoldingTracker(false)) {
            tracker.answer = answer("d8:intervali1800e12:min intervali300e5:peers0:e");
            AnnouncerTest.Recorder r = new AnnouncerTest.Recorder();
            Announcer a = new Announcer(AnnouncerTest.hash(), PeerId.random(), List.of(List.of(tracker.url())), config, r);
            a.start(6881, AnnouncerTest.COUNTERS);
            assertThat(next(tracker, r, a)).isEqualTo("started");
            assertThat(a.reannounce(6881, AnnouncerTest.COUNTERS)).as("within 300 s of the started").isFalse();
            advance(Duration.ofSeconds(300));

            assertThat(a.reannounce(6881, AnnouncerTest.COUNTERS)).isTrue();
            assertThat(next(tracker, r, a)).isEqualTo("regular");
            advance(Duration.ofSeconds(299));
            assertThat(a.reannounce(6881, AnnouncerTest.COUNTERS)).as("299 s after the last").isFalse();
            a.tick(6881, AnnouncerTest.COUNTERS); // not due either: the interval is 1800 s
            advance(Duration.ofSeconds(1));
            assertThat(a.reannounce(6881, AnnouncerTest.COUNTERS)).as("300 s after the last").isTrue();
            assertThat(next(tracker, r, a)).isEqualTo("regular");
            assertThat(tracker.events).containsExactly("started", "regular", "regular");
        }
    }

    @Test
    void withoutAMinIntervalAReannounceWaitsAMinuteAfterTheLastAnnounce() throws Exception {
        try (AnnouncerTest.HoldingTracker tracker = new AnnouncerTest.HoldingTracker(false)) {
            AnnouncerTest.Recorder r = new AnnouncerTest.Recorder();
            Announcer a = new Announcer(AnnouncerTest.hash(), PeerId.random(), List.of(List.of(tracker.url())), config, r);
            assertThat(a.reannounce(6881, AnnouncerTest.COUNTERS)).as("before the start").isFalse();
            a.start(6881, AnnouncerTest.COUNTERS);
            assertThat(next(tracker, r, a)).isEqualTo("started");
            advance(Duration.ofSeconds(59));
            assertThat(a.reannounce(6881, AnnouncerTest.COUNTERS)).isFalse();
            advance(Duration.ofSeconds(1));
            assertThat(a.reannounce(6881, AnnouncerTest.COUNTERS)).isTrue();
            assertThat(next(tracker, r, a)).isEqualTo("regular");
            assertThat(tracker.events).containsExactly("started", "regular");
        }
    }
}
