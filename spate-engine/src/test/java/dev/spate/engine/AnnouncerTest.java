package dev.spate.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spate.core.InfoHash;
import dev.spate.core.PeerId;
import dev.spate.tracker.AnnounceResponse;
import dev.spate.tracker.TrackerConfig;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class AnnouncerTest {
    static final TrackerConfig CONFIG = TrackerConfig.defaults().withTimeouts(Duration.ofSeconds(5), Duration.ofSeconds(5));
    static final Announcer.Counters COUNTERS = new Announcer.Counters(0, 0, 100);

    static final class Recorder implements Announcer.Listener {
        final List<String> outcomes = new CopyOnWriteArrayList<>();
        final BlockingQueue<String> arrived = new LinkedBlockingQueue<>();

        @Override
        public void answered(String url, AnnounceResponse response) {
            outcomes.add("answered");
            arrived.add("answered");
        }

        @Override
        public void failed(String message) {
            outcomes.add("failed: " + message);
            arrived.add("failed: " + message);
        }
    }

    static InfoHash hash() {
        return InfoHash.of(new byte[20]);
    }

    @Test
    void aTorrentWithoutTrackersReportsNoTrackerError() throws Exception {
        Recorder r = new Recorder();
        Announcer a = new Announcer(hash(), PeerId.random(), List.of(), CONFIG, r);
        a.start(6881, COUNTERS);
        a.tick(6881, COUNTERS);
        a.completed(6881, COUNTERS);
        Thread.sleep(200);
        assertThat(r.outcomes).isEmpty();
        assertThat(a.states()).isEmpty();
    }

    @Test
    @Timeout(value = 20, unit = TimeUnit.SECONDS)
    void completedDuringAnAnnounceInFlightIsSentAfterItInsteadOfDropped() throws Exception {
        List<String> events = new CopyOnWriteArrayList<>();
        CountDownLatch release = new CountDownLatch(1);
        try (ServerSocket server = new ServerSocket(0, 10, InetAddress.getLoopbackAddress())) {
            Thread.ofVirtual().start(() -> {
                while (!server.isClosed()) {
                    try {
                        Socket s = server.accept();
                        Thread.ofVirtual().start(() -> answer(s, events, release));
                    } catch (Exception e) {
                        return;
                    }
                }
            });
            Recorder r = new Recorder();
            Announcer a = new Announcer(hash(), PeerId.random(),
                    List.of(List.of("http://127.0.0.1:" + server.getLocalPort() + "/announce")), CONFIG, r);
            a.start(6881, COUNTERS); // held by the tracker
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (events.isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            a.completed(6881, new Announcer.Counters(0, 100, 0)); // meets the started in flight
            release.countDown();
            deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (events.size() < 2 && System.nanoTime() < deadline) {
                a.tick(6881, new Announcer.Counters(0, 100, 0));
                Thread.sleep(20);
            }
            assertThat(events).containsExactly("started", "completed");
        }
    }

    private static void answer(Socket s, List<String> events, CountDownLatch release) {
        try (s) {
            InputStream in = s.getInputStream();
            StringBuilder head = new StringBuilder();
            while (!head.toString().endsWith("\r\n\r\n")) {
                int c = in.read();
                if (c < 0) {
                    return;
                }
                head.append((char) c);
            }
            String line = head.substring(0, head.indexOf("\r\n"));
            int e = line.indexOf("event=");
            events.add(e < 0 ? "regular" : line.substring(e + 6).split("[& ]")[0]);
            release.await(5, TimeUnit.SECONDS);
            byte[] body = "d8:intervali1800e5:peers0:e".getBytes(StandardCharsets.US_ASCII);
            OutputStream out = s.getOutputStream();
            out.write(("HTTP/1.1 200 OK\r\nContent-Length: " + body.length + "\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.write(body);
            out.flush();
        } catch (Exception ignored) {
            // test server
        }
    }

    /**
     * An HTTP tracker on 127.0.0.1 that records each announce's event; while {@code holding}, it leaves
     * announces unanswered (a tracker that accepts and never answers) until {@link #release}.
     */
    static final class HoldingTracker implements AutoCloseable {
        static final byte[] ANSWER = ("HTTP/1.1 200 OK\r\nContent-Length: 27\r\nConnection: close\r\n\r\n"
                + "d8:intervali1800e5:peers0:e").getBytes(StandardCharsets.US_ASCII);
        final ServerSocket server = new ServerSocket(0, 10, InetAddress.getLoopbackAddress());
        final List<String> events = new CopyOnWriteArrayList<>();
        final BlockingQueue<String> arrivals = new LinkedBlockingQueue<>();
        final List<Socket> held = new CopyOnWriteArrayList<>();
        /** What a released or unheld announce is answered with. */
        volatile byte[] answer = ANSWER;
        volatile boolean holding;
        volatile long releasedAtNanos;
        volatile long lastArrivalNanos;

        HoldingTracker(boolean holding) throws Exception {
            this.holding = holding;
            Thread.ofVirtual().start(() -> {
                while (!server.isClosed()) {
                    try {
                        Socket s = server.accept();
                        Thread.ofVirtual().start(() -> serve(s));
                    } catch (Exception e) {
                        return;
                    }
                }
            });
        }

        String url() {
            return "http://127.0.0.1:" + server.getLocalPort() + "/announce";
        }

        /** Answers every held announce, and those to come. */
        void release() throws Exception {
            holding = false;
            releasedAtNanos = System.nanoTime();
            for (Socket s : held) {
                try (s) {
                    s.getOutputStream().write(ANSWER);
                } catch (Exception gone) {
                    // the client gave up on it
                }
            }
        }

        private void serve(Socket s) {
            try {
                InputStream in = s.getInputStream();
                StringBuilder head = new StringBuilder();
                while (!head.toString().endsWith("\r\n\r\n")) {
                    int c = in.read();
                    if (c < 0) {
                        s.close();
                        return;
                    }
                    head.append((char) c);
                }
                String line = head.substring(0, head.indexOf("\r\n"));
                int e = line.indexOf("event=");
                String event = e < 0 ? "regular" : line.substring(e + 6).split("[& ]")[0];
                lastArrivalNanos = System.nanoTime();
                events.add(event);
                if (holding) {
                    held.add(s);
                    arrivals.add(event);
                    in.read(); // until the client gives up, or release() answers and closes
                    return;
                }
                try (s) {
                    s.getOutputStream().write(answer);
                }
                arrivals.add(event);
            } catch (Exception ignored) {
                // test server
            }
        }

        @Override
        public void close() throws Exception {
            server.close();
            for (Socket s : held) {
                s.close();
            }
        }
    }

    /** Runs {@code call} on another thread and fails unless it returns within 1 s (the tracker hangs for good). */
    static <T> T atOnce(String what, Supplier<T> call) throws Exception {
        CompletableFuture<T> f = CompletableFuture.supplyAsync(call, r -> Thread.ofVirtual().start(r));
        try {
            return f.get(1, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            throw new AssertionError(what + " waited for the tracker", e);
        }
    }

    @Test
    @Timeout(value = 20, unit = TimeUnit.SECONDS)
    void whileAnAnnounceHangsEveryLoopCallReturnsAtOnce() throws Exception {
        try (HoldingTracker tracker = new HoldingTracker(true)) {
            Recorder r = new Recorder();
            Announcer a = new Announcer(hash(), PeerId.random(), List.of(List.of(tracker.url())), CONFIG, r);
            a.start(6881, COUNTERS);
            assertThat(tracker.arrivals.poll(5, TimeUnit.SECONDS)).isEqualTo("started");
            for (int second = 0; second < 3; second++) {
                atOnce("tick", () -> {
                    a.tick(6881, COUNTERS);
                    return null;
                });
            }
            assertThat(atOnce("states", a::states)).singleElement()
                    .satisfies(s -> assertThat(s.status()).isEqualTo("not contacted"));
            atOnce("completed", () -> {
                a.completed(6881, new Announcer.Counters(0, 100, 0));
                return null;
            });
            atOnce("addTracker", () -> {
                a.addTracker("udp://127.0.0.1:9/announce");
                return null;
            });
            assertThat(a.states()).hasSize(2);
            assertThat(r.outcomes).as("nothing answered, nothing failed yet").isEmpty();
        }
    }

    @Test
    @Timeout(value = 20, unit = TimeUnit.SECONDS)
    void stoppedReturnsAtOnceAndItsFutureCompletesByTheBoundWhileTheTrackerHangs() throws Exception {
        try (HoldingTracker tracker = new HoldingTracker(true)) {
            Recorder r = new Recorder();
            Duration bound = Duration.ofMillis(300);
            Announcer a = new Announcer(hash(), PeerId.random(), List.of(List.of(tracker.url())), CONFIG, r, bound);
            a.start(6881, COUNTERS);
            assertThat(tracker.arrivals.poll(5, TimeUnit.SECONDS)).isEqualTo("started");
            long start = System.nanoTime();
            CompletableFuture<Void> stopped = atOnce("stopped", () -> a.stopped(6881, COUNTERS));
            assertThat(tracker.arrivals.poll(5, TimeUnit.SECONDS))
                    .as("stopped goes out at once, not after the hanging started gives up").isEqualTo("stopped");
            assertThat(stopped.isDone()).as("the tracker has not answered it").isFalse();
            stopped.get(5, TimeUnit.SECONDS);
            assertThat(Duration.ofNanos(System.nanoTime() - start)).as("waited for the tracker up to the bound")
                    .isGreaterThanOrEqualTo(bound);
            assertThat(r.outcomes).as("the started we gave up on is not reported as the tracker's failure").isEmpty();
        }
    }

    @Test
    @Timeout(value = 20, unit = TimeUnit.SECONDS)
    void stoppedCompletesAsSoonAsTheTrackerAnswersIt() throws Exception {
        try (HoldingTracker tracker = new HoldingTracker(false)) {
            Recorder r = new Recorder();
            Announcer a = new Announcer(hash(), PeerId.random(), List.of(List.of(tracker.url())), CONFIG, r,
                    Duration.ofSeconds(30));
            a.start(6881, COUNTERS);
            assertThat(r.arrived.poll(5, TimeUnit.SECONDS)).isEqualTo("answered");
            long start = System.nanoTime();
            atOnce("stopped", () -> a.stopped(6881, COUNTERS)).get(5, TimeUnit.SECONDS);
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
            assertThat(tracker.events).containsExactly("started", "stopped");
        }
    }

    @Test
    @Timeout(value = 20, unit = TimeUnit.SECONDS)
    void aStartWhileTheStoppedAnnounceIsOutWaitsForItsAnswer() throws Exception {
        try (HoldingTracker tracker = new HoldingTracker(false)) {
            Recorder r = new Recorder();
            Announcer a = new Announcer(hash(), PeerId.random(), List.of(List.of(tracker.url())), CONFIG, r,
                    Duration.ofMillis(100));
            a.start(6881, COUNTERS);
            assertThat(r.arrived.poll(5, TimeUnit.SECONDS)).isEqualTo("answered");
            assertThat(tracker.arrivals.poll(5, TimeUnit.SECONDS)).isEqualTo("started");
            tracker.holding = true;
            a.stopped(6881, COUNTERS).get(5, TimeUnit.SECONDS); // by the bound: the tracker holds it
            assertThat(tracker.arrivals.poll(5, TimeUnit.SECONDS)).isEqualTo("stopped");
            a.start(6881, COUNTERS); // resumed
            a.tick(6881, COUNTERS);
            tracker.release();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (tracker.events.size() < 3 && System.nanoTime() < deadline) {
                a.tick(6881, COUNTERS);
                r.arrived.poll(20, TimeUnit.MILLISECONDS);
            }
            assertThat(tracker.events).containsExactly("started", "stopped", "started");
            assertThat(tracker.lastArrivalNanos).as("the new started went out after the stopped was answered")
                    .isGreaterThanOrEqualTo(tracker.releasedAtNanos);
        }
    }
}
