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
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class AnnouncerTest {
    static final TrackerConfig CONFIG = TrackerConfig.defaults().withTimeouts(Duration.ofSeconds(5), Duration.ofSeconds(5));
    static final Announcer.Counters COUNTERS = new Announcer.Counters(0, 0, 100);

    static final class Recorder implements Announcer.Listener {
        final List<String> outcomes = new CopyOnWriteArrayList<>();

        @Override
        public void answered(String url, AnnounceResponse response) {
            outcomes.add("answered");
        }

        @Override
        public void failed(String message) {
            outcomes.add("failed: " + message);
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
}
