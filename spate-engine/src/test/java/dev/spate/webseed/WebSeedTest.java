package dev.spate.webseed;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spate.metainfo.TorrentInfo;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Fetches against a raw in-JVM HTTP server on 127.0.0.1 that answers well, badly, or not at all. */
@Timeout(value = 20, unit = TimeUnit.SECONDS)
class WebSeedTest {
    static final WebSeedConfig CONFIG = WebSeedConfig.defaults()
            .withTimeouts(Duration.ofSeconds(2), Duration.ofSeconds(2), Duration.ofSeconds(5));

    final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void closeServers() throws Exception {
        for (AutoCloseable c : open) {
            c.close();
        }
    }

    TestWebServer server(TestWebServer.Handler handler) throws Exception {
        TestWebServer s = new TestWebServer(handler);
        open.add(s);
        return s;
    }

    static final byte[] FILE = TestTorrents.bytes(50_000, 1);
    static final TorrentInfo SINGLE = TestTorrents.singleFile("file.bin", FILE, 16384);

    /** A server answering every request with {@code answer}, for the single-file torrent. */
    WebSeed seedAnswering(byte[] answer) throws Exception {
        TestWebServer s = server((request, in, out) -> out.write(answer));
        return WebSeed.open(s.url("/"), SINGLE, CONFIG);
    }

    static WebSeedException thrown(ThrowingCallable call) {
        AtomicReference<WebSeedException> caught = new AtomicReference<>();
        assertThatThrownBy(call).isInstanceOfSatisfying(WebSeedException.class, caught::set);
        return caught.get();
    }

    static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    // ---------------------------------------------------------------- good answers

    @Test
    void everyPieceOfASingleFileTorrentComesFromTheFilesUrl() throws Exception {
        TestWebServer s = server(TestWebServer.files(Map.of("/pub/file.bin", FILE)));
        WebSeed seed = WebSeed.open(s.url("/pub/"), SINGLE, CONFIG);
        for (int piece = 0; piece < SINGLE.pieceCount(); piece++) {
            ByteBuffer b = seed.fetchPiece(piece);
            byte[] got = new byte[b.remaining()];
            b.get(got);
            assertThat(SINGLE.hashMatches(piece, TestTorrents.sha1(got))).as("piece %d", piece).isTrue();
        }
        assertThat(s.requests()).extracting(r -> r.header("range"))
                .containsExactly("bytes=0-16383", "bytes=16384-32767", "bytes=32768-49151", "bytes=49152-49999");
        assertThat(s.requests()).allSatisfy(r -> {
            assertThat(r.target()).isEqualTo("/pub/file.bin");
            assertThat(r.header("accept-encoding")).isEqualTo("identity");
        });
    }

    @Test
    void aPieceThatSpansFilesTakesOneRangeRequestPerFileIntoTheCallersBuffer() throws Exception {
        LinkedHashMap<List<String>, byte[]> files = new LinkedHashMap<>();
        files.put(List.of("d 1", "a.bin"), TestTorrents.bytes(10_000, 2));
        files.put(List.of("empty"), new byte[0]);
        files.put(List.of("b#?.bin"), TestTorrents.bytes(3_000, 3));
        files.put(List.of("c.bin"), TestTorrents.bytes(20_000, 4));
        TorrentInfo info = TestTorrents.multiFile("Multi é", files, 16384);
        Map<String, byte[]> served = new LinkedHashMap<>();
        files.forEach((path, data) -> served.put("/mirror/Multi é/" + String.join("/", path), data));
        TestWebServer s = server(TestWebServer.files(served));
        WebSeed seed = WebSeed.open(s.url("/mirror"), info, CONFIG);

        ByteBuffer pooled = ByteBuffer.allocateDirect(40_000).position(100);
        seed.fetchPiece(0, pooled);
        assertThat(pooled.position()).isEqualTo(100 + 16384);
        byte[] got = new byte[16384];
        pooled.get(100, got);
        assertThat(got).isEqualTo(Arrays.copyOf(TestTorrents.stream(files), 16384));
        assertThat(s.requests()).extracting(r -> r.target() + " " + r.header("range")).containsExactly(
                "/mirror/Multi%20%C3%A9/d%201/a.bin bytes=0-9999",
                "/mirror/Multi%20%C3%A9/b%23%3F.bin bytes=0-2999",
                "/mirror/Multi%20%C3%A9/c.bin bytes=0-3383");

        ByteBuffer run = ByteBuffer.allocate(33_000 - 16384);
        seed.fetchRange(16384, run); // the two last pieces at once: one request
        assertThat(run.hasRemaining()).isFalse();
        assertThat(run.array()).isEqualTo(Arrays.copyOfRange(TestTorrents.stream(files), 16384, 33_000));
        assertThat(s.requests()).hasSize(4);
        assertThat(s.requests().get(3).header("range")).isEqualTo("bytes=3384-19999");
    }

    @Test
    void aPadFileIsNotAskedForAndItsBytesAreZeros() throws Exception {
        byte[] a = TestTorrents.bytes(10_000, 2);
        byte[] b = TestTorrents.bytes(9_000, 3);
        int pad = 16384 - a.length;
        byte[] stream = new byte[16384 + b.length];
        System.arraycopy(a, 0, stream, 0, a.length);
        System.arraycopy(b, 0, stream, 16384, b.length);
        TorrentInfo info = new TorrentInfo("padded", 16384, TestTorrents.hashes(stream, 16384), List.of(
                new dev.spate.metainfo.FileEntry(List.of("a.bin"), a.length, 0),
                new dev.spate.metainfo.FileEntry(List.of(".pad", String.valueOf(pad)), pad, a.length,
                        java.util.Set.of(dev.spate.metainfo.FileEntry.Attribute.PAD), List.of()),
                new dev.spate.metainfo.FileEntry(List.of("b.bin"), b.length, 16384)), true, false);
        TestWebServer s = server(TestWebServer.files(Map.of("/padded/a.bin", a, "/padded/b.bin", b)));
        WebSeed seed = WebSeed.open(s.url("/"), info, CONFIG);

        ByteBuffer dirty = ByteBuffer.allocate(16384);
        Arrays.fill(dirty.array(), (byte) 0x5a); // a reused buffer: the pad's zeros must be written
        seed.fetchPiece(0, dirty);
        assertThat(dirty.array()).isEqualTo(Arrays.copyOf(stream, 16384));
        assertThat(seed.fetchPiece(1).array()).isEqualTo(b);
        assertThat(s.requests()).extracting(r -> r.target() + " " + r.header("range")).containsExactly(
                "/padded/a.bin bytes=0-9999", "/padded/b.bin bytes=0-8999");
    }

    @Test
    void aRelativeRedirectIsFollowedWithTheSameRange() throws Exception {
        Map<String, byte[]> served = Map.of("/real/file.bin", FILE);
        TestWebServer.Handler files = TestWebServer.files(served);
        TestWebServer s = server((request, in, out) -> {
            if (request.target().startsWith("/old/")) {
                out.write(TestWebServer.head("301 Moved Permanently", "Location: ../real/file.bin", "Content-Length: 0"));
            } else {
                files.handle(request, in, out);
            }
        });
        ByteBuffer b = WebSeed.open(s.url("/old/"), SINGLE, CONFIG).fetchPiece(1);
        assertThat(b.array()).isEqualTo(Arrays.copyOfRange(FILE, 16384, 32768));
        assertThat(s.requests()).extracting(r -> r.target() + " " + r.header("range"))
                .containsExactly("/old/file.bin bytes=16384-32767", "/real/file.bin bytes=16384-32767");
    }

    @Test
    void aWholeFileAnswerIsAcceptedForASmallFileAndOnlyTheAskedPartKept() throws Exception {
        byte[] small = TestTorrents.bytes(20_000, 5);
        TorrentInfo info = TestTorrents.singleFile("small.bin", small, 16384);
        TestWebServer s = server((request, in, out) -> {
            out.write(TestWebServer.head("200 OK", "Content-Length: " + small.length));
            out.write(small);
        });
        ByteBuffer b = WebSeed.open(s.url("/"), info, CONFIG).fetchPiece(1);
        assertThat(b.remaining()).isEqualTo(20_000 - 16384);
        assertThat(b.array()).isEqualTo(Arrays.copyOfRange(small, 16384, 20_000));
    }

    // ---------------------------------------------------------------- answers refused

    @Test
    void aWholeFileAnswerForALargeFileIsRefusedUnread() throws Exception {
        WebSeed seed = WebSeed.open(server((request, in, out) -> {
            out.write(TestWebServer.head("200 OK", "Content-Length: " + FILE.length));
            out.write(FILE);
        }).url("/"), SINGLE, CONFIG.withMaxWholeFileBytes(40_000));
        WebSeedException e = thrown(() -> seed.fetchPiece(0));
        assertThat(e.kind()).isEqualTo(WebSeedException.Kind.BAD_RANGE);
        assertThat(e).hasMessageEndingWith("/file.bin: answered 200 with the whole file instead of bytes 0-16383"
                + " (it ignores Range requests); a whole file is accepted only up to 40000 bytes, this one has 50000");
    }

    @Test
    void aContentRangeOtherThanTheOneAskedForIsRefused() throws Exception {
        WebSeedException e = thrown(() -> seedAnswering(concat(TestWebServer.partialHead(1, 16384, FILE.length),
                Arrays.copyOfRange(FILE, 1, 16385))).fetchPiece(0));
        assertThat(e.kind()).isEqualTo(WebSeedException.Kind.BAD_RANGE);
        assertThat(e).hasMessageEndingWith(": sent bytes 1-16384 when asked for bytes 0-16383");
    }

    @Test
    void aFileOfAnotherLengthThanTheTorrentsIsRefused() throws Exception {
        WebSeedException e = thrown(() -> seedAnswering(concat(TestWebServer.partialHead(0, 16383, 49_999),
                Arrays.copyOf(FILE, 16384))).fetchPiece(0));
        assertThat(e.kind()).isEqualTo(WebSeedException.Kind.BAD_RANGE);
        assertThat(e).hasMessageEndingWith(": serves a file of 49999 bytes where the torrent has 50000"
                + " (Content-Range bytes 0-16383/49999)");
    }

    @Test
    void aPartialAnswerWithoutAValidContentRangeIsRefused() throws Exception {
        assertThat(thrown(() -> seedAnswering(concat(TestWebServer.head("206 Partial Content", "Content-Length: 16384"),
                Arrays.copyOf(FILE, 16384))).fetchPiece(0)))
                .hasMessageEndingWith(": answered 206 without a Content-Range for bytes 0-16383");
        assertThat(thrown(() -> seedAnswering(TestWebServer.head("206 Partial Content",
                "Content-Range: bytes 0-16383", "Content-Length: 16384")).fetchPiece(0)))
                .hasMessageEndingWith(": answered a malformed range for bytes 0-16383: Content-Range"
                        + " 'bytes 0-16383' is not FIRST-LAST/LENGTH");
    }

    @Test
    void aCompressedAnswerIsRefused() throws Exception {
        WebSeedException e = thrown(() -> seedAnswering(concat(TestWebServer.head("206 Partial Content",
                "Content-Range: bytes 0-16383/50000", "Content-Encoding: gzip", "Content-Length: 10"),
                new byte[10])).fetchPiece(0));
        assertThat(e.kind()).isEqualTo(WebSeedException.Kind.BAD_RANGE);
        assertThat(e).hasMessageEndingWith(": answered with Content-Encoding gzip, not the file's bytes themselves");
    }

    @Test
    void aShortAnswerIsRefusedAsShort() throws Exception {
        // Content-Length says all, the connection closes after half.
        WebSeedException declaredAll = thrown(() -> seedAnswering(concat(TestWebServer.partialHead(0, 16383, 50_000),
                Arrays.copyOf(FILE, 8000))).fetchPiece(0));
        assertThat(declaredAll.kind()).as(declaredAll.getMessage()).isEqualTo(WebSeedException.Kind.SHORT_READ);
        assertThat(declaredAll).hasMessageContaining(": the answer for bytes 0-16383 broke off after 8000 of 16384 bytes");
        // No Content-Length: the body ends when the connection closes, too early.
        WebSeedException closeDelimited = thrown(() -> seedAnswering(concat(TestWebServer.head("206 Partial Content",
                "Content-Range: bytes 0-16383/50000"), Arrays.copyOf(FILE, 8000))).fetchPiece(0));
        assertThat(closeDelimited.kind()).isEqualTo(WebSeedException.Kind.SHORT_READ);
        assertThat(closeDelimited).hasMessageEndingWith(": the answer for bytes 0-16383 ended after 8000 of 16384 bytes");
        // Content-Length itself short.
        assertThat(thrown(() -> seedAnswering(concat(TestWebServer.head("206 Partial Content",
                "Content-Range: bytes 0-16383/50000", "Content-Length: 100"), new byte[100])).fetchPiece(0)).kind())
                .isEqualTo(WebSeedException.Kind.SHORT_READ);
    }

    @Test
    void anOversizedAnswerIsRefusedWithoutReadingTheRest() throws Exception {
        WebSeedException declared = thrown(() -> seedAnswering(concat(TestWebServer.head("206 Partial Content",
                "Content-Range: bytes 0-16383/50000", "Content-Length: 50000"), FILE)).fetchPiece(0));
        assertThat(declared.kind()).isEqualTo(WebSeedException.Kind.OVERSIZED);
        assertThat(declared).hasMessageEndingWith(": declared 50000 bytes for the 16384 of bytes 0-16383; none were read");

        // No Content-Length, and an endless body: cut off after the first chunk past the range.
        AtomicReference<Long> written = new AtomicReference<>(0L);
        TestWebServer endless = server((request, in, out) -> {
            out.write(TestWebServer.head("206 Partial Content", "Content-Range: bytes 0-16383/50000"));
            byte[] chunk = new byte[4096];
            for (long n = 0; n < 1L << 30; n += chunk.length) {
                out.write(chunk);
                written.set(n + chunk.length);
            }
        });
        WebSeedException sent = thrown(() -> WebSeed.open(endless.url("/"), SINGLE, CONFIG).fetchPiece(0));
        assertThat(sent.kind()).isEqualTo(WebSeedException.Kind.OVERSIZED);
        assertThat(sent).hasMessageEndingWith(": sent more than the 16384 bytes asked for bytes 0-16383; the rest was"
                + " not read");
        assertThat(written.get()).as("bytes the server got out before we hung up").isLessThan(8L << 20);
    }

    @Test
    void aMissingFileIsAn404NamingTheUrl() throws Exception {
        TestWebServer s = server(TestWebServer.files(Map.of()));
        WebSeedException e = thrown(() -> WebSeed.open(s.url("/pub/"), SINGLE, CONFIG).fetchPiece(2));
        assertThat(e.kind()).isEqualTo(WebSeedException.Kind.HTTP_STATUS);
        assertThat(e.status()).hasValue(404);
        assertThat(e.url()).isEqualTo(s.url("/pub/file.bin"));
        assertThat(e).hasMessage("web seed " + s.url("/pub/file.bin") + ": HTTP 404 for bytes 32768-49151");
    }

    @Test
    void aBusyServerSaysWhenToComeBack() throws Exception {
        WebSeedException e = thrown(() -> seedAnswering(TestWebServer.head("503 Service Unavailable",
                "Retry-After: 120", "Content-Length: 0")).fetchPiece(0));
        assertThat(e.status()).hasValue(503);
        assertThat(e.retryAfter()).contains(Duration.ofSeconds(120));
        assertThat(e).hasMessageEndingWith(": HTTP 503 for bytes 0-16383, retry after 120 s");
    }

    @Test
    void aRangeTheServerCannotSatisfyNamesTheFilesLength() throws Exception {
        WebSeedException e = thrown(() -> seedAnswering(TestWebServer.head("416 Range Not Satisfiable",
                "Content-Range: bytes */40000", "Content-Length: 0")).fetchPiece(2));
        assertThat(e).hasMessageEndingWith(": HTTP 416 (range not satisfiable) for bytes 32768-49151: the file there"
                + " is shorter than the torrent's 50000 bytes (bytes */40000)");
    }

    @Test
    void redirectsAreBoundedInNumberSchemeAndLoops() throws Exception {
        TestWebServer chain = server((request, in, out) -> {
            int n = Integer.parseInt(request.target().substring(1, request.target().indexOf('/', 1)));
            out.write(TestWebServer.head("302 Found", "Location: /" + (n + 1) + "/file.bin", "Content-Length: 0"));
        });
        WebSeedException tooMany = thrown(() -> WebSeed.open(chain.url("/0/"), SINGLE, CONFIG.withMaxRedirects(3))
                .fetchPiece(0));
        assertThat(tooMany.kind()).isEqualTo(WebSeedException.Kind.REDIRECT);
        assertThat(tooMany).hasMessage("web seed " + chain.url("/0/file.bin") + ": more than 3 redirects");
        assertThat(chain.requests()).hasSize(4);

        assertThat(thrown(() -> seedAnswering(TestWebServer.head("307 Temporary Redirect",
                "Location: ftp://127.0.0.1/file.bin")).fetchPiece(0)))
                .hasMessageEndingWith(": redirected to ftp://127.0.0.1/file.bin, which is not an http or https URL");
        assertThat(thrown(() -> seedAnswering(TestWebServer.head("308 Permanent Redirect", "Location: /file.bin"))
                .fetchPiece(0))).hasMessageEndingWith("/file.bin: redirect loop back to "
                        + "http://127.0.0.1:" + ((TestWebServer) open.get(open.size() - 1)).port() + "/file.bin");
        assertThat(thrown(() -> seedAnswering(TestWebServer.head("302 Found")).fetchPiece(0)))
                .hasMessageEndingWith(": HTTP 302 without a Location");
    }

    // ---------------------------------------------------------------- time

    @Test
    void aServerThatNeverAnswersIsGivenUpAtTheReadTimeout() throws Exception {
        TestWebServer s = server((request, in, out) -> TestWebServer.hang(in));
        WebSeed seed = WebSeed.open(s.url("/"), SINGLE,
                CONFIG.withTimeouts(Duration.ofSeconds(2), Duration.ofMillis(300), Duration.ofSeconds(5)));
        long start = System.nanoTime();
        WebSeedException e = thrown(() -> seed.fetchPiece(0));
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertThat(e.kind()).isEqualTo(WebSeedException.Kind.TIMEOUT);
        assertThat(e).hasMessageEndingWith(": no answer for bytes 0-16383 within 300 ms");
        assertThat(millis).isBetween(250L, 3000L);
    }

    @Test
    void aTricklingAnswerIsGivenUpAtTheRequestDeadline() throws Exception {
        TestWebServer s = server((request, in, out) -> {
            out.write(TestWebServer.partialHead(0, 16383, FILE.length));
            for (int i = 0; i < 16384; i += 100) {
                out.write(FILE, i, 100);
                out.flush();
                Thread.sleep(50);
            }
        });
        WebSeed seed = WebSeed.open(s.url("/"), SINGLE,
                CONFIG.withTimeouts(Duration.ofSeconds(2), Duration.ofMillis(300), Duration.ofMillis(800)));
        long start = System.nanoTime();
        WebSeedException e = thrown(() -> seed.fetchPiece(0));
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertThat(e.kind()).isEqualTo(WebSeedException.Kind.TIMEOUT);
        assertThat(e.getMessage()).matches(".*: no complete answer for bytes 0-16383 within 800 ms \\(got \\d+ of 16384"
                + " bytes\\)");
        assertThat(millis).isBetween(700L, 3000L);
    }

    @Test
    void aRefusedConnectionIsAConnectFailure() throws Exception {
        TestWebServer s = server((request, in, out) -> { });
        String url = s.url("/");
        s.close();
        WebSeedException e = thrown(() -> WebSeed.open(url, SINGLE, CONFIG).fetchPiece(0));
        assertThat(e.kind()).isEqualTo(WebSeedException.Kind.CONNECT);
        assertThat(e).hasMessageStartingWith("web seed " + url + "file.bin: could not connect");
    }

    @Test
    void anInterruptEndsAFetchAtOnce() throws Exception {
        TestWebServer s = server((request, in, out) -> TestWebServer.hang(in));
        WebSeed seed = WebSeed.open(s.url("/"), SINGLE, CONFIG.withTimeouts(Duration.ofSeconds(10),
                Duration.ofSeconds(10), Duration.ofSeconds(10)));
        AtomicReference<Throwable> outcome = new AtomicReference<>();
        Thread t = Thread.ofVirtual().start(() -> {
            try {
                seed.fetchPiece(0);
            } catch (Throwable e) {
                outcome.set(e);
            }
        });
        while (s.requests().isEmpty()) {
            Thread.sleep(10);
        }
        long start = System.nanoTime();
        t.interrupt();
        t.join(2000);
        assertThat(t.isAlive()).isFalse();
        assertThat(outcome.get()).isInstanceOf(InterruptedException.class);
        assertThat((System.nanoTime() - start) / 1_000_000).isLessThan(1000);
    }

    // ---------------------------------------------------------------- concurrency

    @Test
    void noMoreThanTheAllowedFetchesOfOneWebSeedRunAtOnce() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        TestWebServer.Handler files = TestWebServer.files(Map.of("/file.bin", FILE));
        TestWebServer s = server((request, in, out) -> {
            release.await(10, TimeUnit.SECONDS);
            files.handle(request, in, out);
        });
        WebSeed seed = WebSeed.open(s.url("/"), SINGLE, CONFIG.withMaxConcurrentRequests(2)
                .withTimeouts(Duration.ofSeconds(2), Duration.ofSeconds(10), Duration.ofSeconds(10)));
        List<Thread> threads = new ArrayList<>();
        List<Throwable> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
        for (int piece = 0; piece < SINGLE.pieceCount(); piece++) {
            int p = piece;
            threads.add(Thread.ofVirtual().start(() -> {
                try {
                    ByteBuffer b = seed.fetchPiece(p);
                    assertThat(SINGLE.hashMatches(p, TestTorrents.sha1(Arrays.copyOf(b.array(), b.limit())))).isTrue();
                } catch (Throwable e) {
                    failures.add(e);
                }
            }));
        }
        while (s.requests().size() < 2) {
            Thread.sleep(10);
        }
        Thread.sleep(200); // room for a third request, if one were let through
        assertThat(s.requests()).hasSize(2);
        release.countDown();
        for (Thread t : threads) {
            t.join(10_000);
        }
        assertThat(failures).isEmpty();
        assertThat(s.requests()).hasSize(4);
        assertThat(s.maxConcurrent()).isEqualTo(2);
    }

    @Test
    void aFetchThatGaveUpNeverWritesItsBufferAgain() {
        ByteBuffer buffer = ByteBuffer.allocate(8);
        SpanBody.Target target = new SpanBody.Target(buffer, 2, 4);
        ByteBuffer chunk = ByteBuffer.wrap("abcd".getBytes(StandardCharsets.US_ASCII));
        assertThat(target.write(0, chunk, 0, 2)).isTrue();
        target.close();
        assertThat(target.write(2, chunk, 2, 2)).isFalse();
        assertThat(buffer.array()).containsExactly(0, 0, 'a', 'b', 0, 0, 0, 0);

        // A late chunk reaching the body after the close cancels the download and is dropped.
        SpanRequest span = new SpanRequest(0, java.net.URI.create("http://m.example/a"), 8, 0, 4, 0);
        SpanBody body = new SpanBody(target, 4, 0, span, "");
        boolean[] cancelled = {false};
        body.onSubscribe(new java.util.concurrent.Flow.Subscription() {
            @Override
            public void request(long n) {
            }

            @Override
            public void cancel() {
                cancelled[0] = true;
            }
        });
        body.onNext(List.of(ByteBuffer.wrap("wxyz".getBytes(StandardCharsets.US_ASCII))));
        assertThat(cancelled[0]).isTrue();
        assertThat(body.getBody().toCompletableFuture()).isCompletedExceptionally();
        assertThat(buffer.array()).containsExactly(0, 0, 'a', 'b', 0, 0, 0, 0);
        assertThat(target.complete()).isFalse();
    }
}
