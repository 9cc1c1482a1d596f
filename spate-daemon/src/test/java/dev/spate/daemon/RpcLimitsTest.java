package dev.spate.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spate.engine.Session;
import dev.spate.engine.SessionConfig;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Slow or many clients of the RPC: the exchanges' deadlines on a test clock, then a real server
 * that drops a client sending half a header and nothing more while it answers the others, and
 * stays usable with more idle connections open than it keeps.
 */
@Timeout(60)
class RpcLimitsTest {
    @TempDir
    Path tmp;

    Instant now = Instant.parse("2026-12-03T12:00:00Z");

    final Clock clock = new Clock() {
        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    };

    /** Lets the exchanges of {@link #exchange} that were not interrupted end. */
    final CountDownLatch release = new CountDownLatch(1);

    /** Runs {@code task} as an exchange; completes with whether it was interrupted. */
    CompletableFuture<Boolean> exchange(ExchangeDeadlines d, ThrowingTask task, CountDownLatch started) {
        CompletableFuture<Boolean> interrupted = new CompletableFuture<>();
        d.execute(() -> {
            try {
                task.run();
                started.countDown();
                release.await(); // blocked, as on a client that sends nothing
            } catch (InterruptedException e) {
                interrupted.complete(true);
            } catch (IOException e) {
                interrupted.completeExceptionally(e);
            }
        });
        return interrupted;
    }

    interface ThrowingTask {
        void run() throws IOException;
    }

    static void awaitCount(ExchangeDeadlines d, int n) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (d.bounded() != n) {
            assertThat(System.nanoTime()).as("exchanges bounded: " + n).isLessThan(end);
            Thread.onSpinWait();
        }
    }

    @Test
    void anExchangeStillReadingItsRequestAtItsDeadlineIsInterruptedAndNotBefore() throws Exception {
        try (ExchangeDeadlines d = ExchangeDeadlines.unswept(new ExchangeDeadlines.Limits(Duration.ofSeconds(10),
                Duration.ofSeconds(5)), clock)) {
            CountDownLatch started = new CountDownLatch(1);
            CompletableFuture<Boolean> slow = exchange(d, () -> { }, started);
            started.await();
            awaitCount(d, 1);
            now = now.plusSeconds(9);
            assertThat(d.sweep()).isZero();
            now = now.plusSeconds(1);
            assertThat(d.sweep()).isEqualTo(1);
            assertThat(slow.get(10, TimeUnit.SECONDS)).isTrue();
            assertThat(d.bounded()).isZero();
        }
    }

    @Test
    void whileItsMethodRunsAnExchangeHasNoDeadlineAndItsAnswerHasItsOwn() throws Exception {
        try (ExchangeDeadlines d = ExchangeDeadlines.unswept(new ExchangeDeadlines.Limits(Duration.ofSeconds(10),
                Duration.ofSeconds(5)), clock)) {
            CountDownLatch started = new CountDownLatch(1);
            CompletableFuture<Boolean> running = exchange(d, d::requestRead, started);
            started.await();
            now = now.plusSeconds(3600);
            assertThat(d.sweep()).as("a method may take long").isZero();
            assertThat(running).isNotDone();

            CountDownLatch answering = new CountDownLatch(1);
            CompletableFuture<Boolean> stuck = exchange(d, () -> {
                d.requestRead();
                d.responding();
            }, answering);
            answering.await();
            now = now.plusSeconds(4);
            assertThat(d.sweep()).isZero();
            now = now.plusSeconds(1);
            assertThat(d.sweep()).as("the client did not take the answer in 5 s").isEqualTo(1);
            assertThat(stuck.get(10, TimeUnit.SECONDS)).isTrue();
            assertThat(running).isNotDone();
            release.countDown();
        }
    }

    @Test
    void anExchangeWhoseDeadlinePassedJustBeforeItsMethodDoesNotRunIt() throws Exception {
        try (ExchangeDeadlines d = ExchangeDeadlines.unswept(new ExchangeDeadlines.Limits(Duration.ofSeconds(1),
                Duration.ofSeconds(1)), clock)) {
            CompletableFuture<Throwable> failed = new CompletableFuture<>();
            CountDownLatch go = new CountDownLatch(1);
            d.execute(() -> {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt(); // as a sweep between the body and the method
                }
                try {
                    d.requestRead();
                    failed.complete(null);
                } catch (IOException e) {
                    failed.complete(e);
                }
            });
            awaitCount(d, 1);
            now = now.plusSeconds(1);
            assertThat(d.sweep()).isEqualTo(1);
            assertThat(failed.get(10, TimeUnit.SECONDS)).isInstanceOf(IOException.class)
                    .hasMessageContaining("longer than 1 s");
        }
    }

    /** Opens a daemon on a session of its own with short bounds; the caller closes both. */
    record Daemon(Session session, Torrents torrents, RpcServer server) implements AutoCloseable {
        @Override
        public void close() {
            server.close();
            session.close();
        }
    }

    Daemon daemon(ExchangeDeadlines.Limits limits) throws IOException {
        Session session = Session.open(SessionConfig.builder().bindAddress(InetAddress.getLoopbackAddress())
                .listenPort(0).stateDirectory(tmp.resolve("state")).localDiscovery(false).dht(false).build());
        Path downloads = Files.createDirectories(tmp.resolve("downloads"));
        Torrents torrents = new Torrents(session, downloads);
        return new Daemon(session, torrents, RpcServer.start(torrents,
                new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), Optional.empty(), limits));
    }

    static int sessionGet(RpcServer server) throws IOException {
        return Http.send(server.address(), "POST", RpcServer.PATH, "{\"method\":\"session-get\"}",
                RpcServer.SESSION_ID_HEADER + ": " + server.sessionId()).status();
    }

    @Test
    void aClientSendingHalfAHeaderThenNothingIsDroppedWithinTheBoundWhileOthersAreAnswered() throws Exception {
        try (Daemon d = daemon(new ExchangeDeadlines.Limits(Duration.ofSeconds(1), Duration.ofSeconds(1)));
             Socket slow = new Socket()) {
            slow.connect(d.server().address(), 5_000);
            slow.setSoTimeout(20_000);
            long sent = System.nanoTime();
            slow.getOutputStream().write("POST /transmission/rpc HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Transmiss"
                    .getBytes(StandardCharsets.ISO_8859_1));
            slow.getOutputStream().flush();
            assertThat(sessionGet(d.server())).as("answered meanwhile").isEqualTo(200);
            InputStream in = slow.getInputStream();
            int got;
            try {
                got = in.read();
            } catch (SocketTimeoutException e) {
                throw new AssertionError("the slow client was not dropped in 20 s", e);
            } catch (IOException reset) {
                got = -1;
            }
            long took = System.nanoTime() - sent;
            assertThat(got).as("closed without an answer").isEqualTo(-1);
            assertThat(Duration.ofNanos(took)).as("dropped within the bound and a sweep or two")
                    .isLessThan(Duration.ofSeconds(15)).isGreaterThanOrEqualTo(Duration.ofMillis(900));
            assertThat(sessionGet(d.server())).as("answered after").isEqualTo(200);
        }
    }

    @Test
    void aStreamReadSlowlyIsNotCutByTheAnswersBound() throws Exception {
        Path show = Files.createDirectories(tmp.resolve("downloads/Show"));
        byte[] episode = TransmissionRpcTest.random(8 << 20, 9);
        Files.write(show.resolve("e1.mkv"), episode);
        byte[] torrent = dev.spate.metainfo.TorrentCreator.builder(show).pieceLength(1 << 18).build().create();
        try (Daemon d = daemon(new ExchangeDeadlines.Limits(Duration.ofSeconds(1), Duration.ofSeconds(1)));
             Socket player = new Socket()) {
            Torrents torrents = d.torrents();
            String hash = torrents.add(new Torrents.Source.Bytes(torrent), null, false).torrent().status().infoHash().hex();
            TransmissionRpcTest.await(() -> torrents.get(1).orElseThrow().status().state() == dev.spate.engine.TorrentState.SEEDING);
            player.connect(d.server().address(), 5_000);
            player.setSoTimeout(20_000);
            player.setReceiveBufferSize(16 << 10);
            player.getOutputStream().write(("GET /stream/" + hash + "/0 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
            InputStream in = player.getInputStream();
            StringBuilder head = new StringBuilder();
            while (!head.toString().endsWith("\r\n\r\n")) {
                int b = in.read();
                assertThat(b).as("the head of the answer").isNotNegative();
                head.append((char) b);
            }
            assertThat(head.toString()).startsWith("HTTP/1.1 200").containsIgnoringCase("content-length: " + episode.length);
            // Real time past the answer's bound while the server is blocked writing to a player that
            // does not read: a stream is not cut for it.
            Thread.sleep(2_500);
            assertThat(in.readNBytes(episode.length)).as("the whole file").isEqualTo(episode);
        }
    }

    @Test
    void moreIdleConnectionsThanTheServerHoldsDoNotStopItForLong() throws Exception {
        try (Daemon d = daemon(ExchangeDeadlines.Limits.DEFAULT)) {
            List<Socket> idle = new ArrayList<>();
            try {
                for (int i = 0; i < RpcServer.MAX_CONNECTIONS + 1; i++) {
                    Socket s = new Socket();
                    s.connect(d.server().address(), 5_000);
                    idle.add(s);
                }
                // Served, or refused at once (closed without an answer): never left hanging.
                try {
                    assertThat(sessionGet(d.server())).isEqualTo(200);
                } catch (SocketTimeoutException e) {
                    throw new AssertionError("a request was left hanging behind idle connections", e);
                } catch (IOException refused) {
                    assertThat(refused).hasMessageNotContaining("timed out");
                }
            } finally {
                for (Socket s : idle) {
                    s.close();
                }
            }
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (true) {
                try {
                    assertThat(sessionGet(d.server())).isEqualTo(200);
                    break;
                } catch (IOException e) {
                    assertThat(System.nanoTime()).as("served again once the idle ones closed: " + e).isLessThan(end);
                    Thread.sleep(50);
                }
            }
        }
    }
}
