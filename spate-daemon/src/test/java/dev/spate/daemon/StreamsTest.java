package dev.spate.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spate.engine.Session;
import dev.spate.engine.SessionConfig;
import dev.spate.engine.TorrentState;
import dev.spate.metainfo.TorrentCreator;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Streaming and metrics over HTTP against a real session on 127.0.0.1 that already has a torrent's
 * data (so every piece is there): ranges, types, refusals, the playlist, and the metrics' format.
 * Streaming while the data is still downloading is StreamingAndMetricsIT's.
 */
@Timeout(60)
class StreamsTest {
    @TempDir
    Path tmp;

    Session session;
    Torrents torrents;
    RpcServer server;
    HttpClient http = HttpClient.newHttpClient();
    byte[] episode;
    byte[] page;
    String hash;

    @BeforeEach
    void open() throws Exception {
        session = Session.open(SessionConfig.builder().bindAddress(InetAddress.getLoopbackAddress()).listenPort(0)
                .stateDirectory(tmp.resolve("state")).localDiscovery(false).dht(false).build());
        Path show = tmp.resolve("downloads/Show");
        Files.createDirectories(show);
        episode = TransmissionRpcTest.random(300_001, 3);
        page = "<script>alert(document.cookie)</script>".getBytes(StandardCharsets.UTF_8);
        Files.write(show.resolve("e1.mkv"), episode);
        Files.write(show.resolve("index.html"), page);
        byte[] torrent = TorrentCreator.builder(show).pieceLength(16384).build().create();
        torrents = new Torrents(session, tmp.resolve("downloads"));
        Torrents.Added added = torrents.add(new Torrents.Source.Bytes(torrent), null, false);
        hash = added.torrent().status().infoHash().hex().toLowerCase(java.util.Locale.ROOT);
        TransmissionRpcTest.await(() -> torrents.get(1).orElseThrow().status().state() == TorrentState.SEEDING);
        server = RpcServer.start(torrents, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), Optional.empty());
    }

    @AfterEach
    void close() {
        if (server != null) {
            server.close();
        }
        if (session != null) {
            session.close();
        }
    }

    int index(String name) {
        return torrents.get(1).orElseThrow().status().files().stream().filter(f -> f.path().endsWith(name))
                .findFirst().orElseThrow().index();
    }

    URI uri(RpcServer s, String path) {
        return URI.create("http://127.0.0.1:" + s.address().getPort() + path);
    }

    HttpResponse<byte[]> get(String path, String... headers) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri(server, path));
        if (headers.length > 0) {
            b.headers(headers);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    @Test
    void aWholeFileIsServedWithItsTypeLengthAndRangesOffered() throws Exception {
        HttpResponse<byte[]> r = get("/stream/" + hash + "/" + index("e1.mkv"));
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).contains("video/x-matroska");
        assertThat(r.headers().firstValue("Accept-Ranges")).contains("bytes");
        assertThat(r.headers().firstValueAsLong("Content-Length")).hasValue(episode.length);
        assertThat(r.body()).isEqualTo(episode);
    }

    @Test
    void aRangeIsAnsweredWith206AndExactlyThoseBytes() throws Exception {
        HttpResponse<byte[]> r = get("/stream/" + hash + "/" + index("e1.mkv"), "Range", "bytes=100000-150000");
        assertThat(r.statusCode()).isEqualTo(206);
        assertThat(r.headers().firstValue("Content-Range")).contains("bytes 100000-150000/300001");
        assertThat(r.body()).isEqualTo(Arrays.copyOfRange(episode, 100_000, 150_001));

        HttpResponse<byte[]> tail = get("/stream/" + hash.toUpperCase(java.util.Locale.ROOT) + "/" + index("e1.mkv"),
                "Range", "bytes=-7");
        assertThat(tail.statusCode()).isEqualTo(206);
        assertThat(tail.body()).isEqualTo(Arrays.copyOfRange(episode, episode.length - 7, episode.length));
    }

    @Test
    void aRangePastTheEndIs416WithTheLength() throws Exception {
        HttpResponse<byte[]> r = get("/stream/" + hash + "/" + index("e1.mkv"), "Range", "bytes=300001-");
        assertThat(r.statusCode()).isEqualTo(416);
        assertThat(r.headers().firstValue("Content-Range")).contains("bytes */300001");
    }

    @Test
    void aRangeForAnotherVersionOfTheFileGetsAllOfIt() throws Exception {
        String path = "/stream/" + hash + "/" + index("e1.mkv");
        String etag = get(path).headers().firstValue("ETag").orElseThrow();
        assertThat(get(path, "Range", "bytes=0-9", "If-Range", etag).statusCode()).isEqualTo(206);
        HttpResponse<byte[]> other = get(path, "Range", "bytes=0-9", "If-Range", "\"something-else\"");
        assertThat(other.statusCode()).isEqualTo(200);
        assertThat(other.body()).hasSize(episode.length);
    }

    @Test
    void headGivesTheLengthWithoutTheBody() throws Exception {
        HttpResponse<byte[]> r = http.send(HttpRequest.newBuilder(uri(server, "/stream/" + hash + "/" + index("e1.mkv")))
                .method("HEAD", HttpRequest.BodyPublishers.noBody()).header("Range", "bytes=10-19").build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertThat(r.statusCode()).isEqualTo(206);
        assertThat(r.headers().firstValueAsLong("Content-Length")).hasValue(10);
        assertThat(r.body()).isEmpty();
    }

    @Test
    void aPageInATorrentIsNeverServedAsAPage() throws Exception {
        HttpResponse<byte[]> r = get("/stream/" + hash + "/" + index("index.html"));
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).contains("application/octet-stream");
        assertThat(r.headers().firstValue("X-Content-Type-Options")).contains("nosniff");
        assertThat(r.headers().firstValue("Content-Security-Policy")).contains("sandbox");
        assertThat(r.body()).isEqualTo(page);
    }

    @Test
    void unknownTorrentsFilesAndMethodsAreRefused() throws Exception {
        assertThat(get("/stream/" + "0".repeat(40) + "/0").statusCode()).isEqualTo(404);
        assertThat(get("/stream/" + hash + "/7").statusCode()).isEqualTo(404);
        assertThat(get("/stream/" + hash + "/-1").statusCode()).isEqualTo(404);
        assertThat(http.send(HttpRequest.newBuilder(uri(server, "/stream/" + hash + "/0"))
                .POST(HttpRequest.BodyPublishers.ofString("x")).build(), HttpResponse.BodyHandlers.discarding())
                .statusCode()).isEqualTo(405);
    }

    @Test
    void thePlaylistListsThePlayableFilesAsLinksThatStream() throws Exception {
        HttpResponse<byte[]> r = get("/stream/" + hash + "/playlist.m3u");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("audio/x-mpegurl"));
        List<String> lines = new String(r.body(), StandardCharsets.UTF_8).lines().toList();
        assertThat(lines).hasSize(3);
        assertThat(lines.get(0)).isEqualTo("#EXTM3U");
        assertThat(lines.get(1)).isEqualTo("#EXTINF:-1,e1.mkv");
        HttpResponse<byte[]> linked = http.send(HttpRequest.newBuilder(URI.create(lines.get(2))).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertThat(linked.body()).isEqualTo(episode);
    }

    @Test
    void streamsAndMetricsPassTheSameHostAndCredentialChecksAsTheRpc() throws Exception {
        try (RpcServer guarded = RpcServer.start(torrents, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                Optional.of("user:secret"))) {
            for (String path : List.of("/stream/" + hash + "/0", "/metrics")) {
                assertThat(Http.send(guarded.address(), "GET", path, null).status()).as(path).isEqualTo(401);
                String auth = "Authorization: Basic " + Base64.getEncoder().encodeToString("user:secret".getBytes(StandardCharsets.UTF_8));
                assertThat(Http.send(guarded.address(), "GET", path, null, "Host: evil.example").status())
                        .as("any name with credentials, but not without: %s", path).isEqualTo(401);
                assertThat(Http.send(server.address(), "GET", path, null, "Host: evil.example").status())
                        .as("no credentials: only this machine's names, %s", path).isEqualTo(421);
                assertThat(Http.send(guarded.address(), "GET", path, null, auth).status()).as(path).isEqualTo(200);
            }
        }
    }

    private static final Pattern SAMPLE = Pattern.compile("[a-z_][a-z0-9_]*(\\{[a-z_]+=\"[^\"\\\\\\n]*\"})? -?[0-9]+");

    @Test
    void theMetricsAreThePrometheusTextFormatWithEveryFamilyDescribedBeforeItsSamples() throws Exception {
        HttpResponse<byte[]> r = get("/metrics");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).contains(Metrics.CONTENT_TYPE);
        String text = new String(r.body(), StandardCharsets.UTF_8);
        java.util.Map<String, String> types = new java.util.HashMap<>();
        for (String line : text.lines().toList()) {
            if (line.startsWith("# TYPE ")) {
                String[] p = line.split(" ");
                assertThat(types.put(p[2], p[3])).as("one TYPE per family: %s", line).isNull();
                assertThat(p[3]).isIn("gauge", "counter");
                if (p[3].equals("counter")) {
                    assertThat(p[2]).endsWith("_total");
                }
            } else if (!line.startsWith("# HELP ")) {
                assertThat(line).matches(SAMPLE);
                String name = line.replaceFirst("[{ ].*", "");
                assertThat(types).as("TYPE before %s", line).containsKey(name);
            }
        }
        assertThat(text).contains("spate_torrents{state=\"seeding\"} 1\n", "spate_torrents{state=\"paused\"} 0\n",
                "spate_dht_nodes{family=\"ipv4\"} 0\n");
        assertThat(text.lines().filter(l -> l.startsWith("spate_disk_queue_limit_bytes ")).findFirst().orElseThrow())
                .isEqualTo("spate_disk_queue_limit_bytes " + session.config().diskQueueBytes());
    }

    @Test
    void otherSitesPagesMayNotUseTheStreams() throws Exception {
        String path = "/stream/" + hash + "/" + index("e1.mkv");
        HttpResponse<byte[]> cross = get(path, "Sec-Fetch-Site", "cross-site");
        assertThat(cross.statusCode()).isEqualTo(403);
        assertThat(get(path, "Sec-Fetch-Site", "same-site").statusCode()).as("another port of localhost").isEqualTo(403);
        HttpResponse<byte[]> own = get(path, "Sec-Fetch-Site", "same-origin");
        assertThat(own.statusCode()).isEqualTo(200);
        assertThat(own.headers().firstValue("Cross-Origin-Resource-Policy")).contains("same-origin");
        assertThat(get(path, "Sec-Fetch-Site", "none").statusCode()).as("typed by the user").isEqualTo(200);
    }

    /**
     * A GET over a bare socket (the JDK's client would send a GET again by itself when its
     * connection closes before an answer, which is what these tests look for).
     */
    java.net.Socket raw(String path, String range) throws IOException {
        java.net.Socket socket = new java.net.Socket(InetAddress.getLoopbackAddress(), server.address().getPort());
        String request = "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + (range == null ? "" : "Range: " + range + "\r\n") + "\r\n";
        socket.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
        return socket;
    }

    /** Reads {@code socket} to its end (closed by the server within 20 s); how many body bytes came. Closes it. */
    static int endOf(java.net.Socket socket) throws IOException {
        try (socket) {
            socket.setSoTimeout(20_000);
            String all = new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
            int head = all.indexOf("\r\n\r\n");
            return head < 0 ? 0 : all.length() - head - 4;
        } catch (java.net.SocketException e) {
            return 0; // reset: ended too
        }
    }

    /** A torrent of data nobody has: reads of it wait for ever, as for a torrent with no peers. */
    int orphan() throws Exception {
        Path root = Files.createDirectories(tmp.resolve("nowhere/Orphan"));
        Files.write(root.resolve("o.mkv"), TransmissionRpcTest.random(100_000, 9));
        byte[] torrent = TorrentCreator.builder(root).pieceLength(16384).build().create();
        return torrents.add(new Torrents.Source.Bytes(torrent), tmp.resolve("downloads/empty"), false).torrent().id();
    }

    @Test
    void streamsWhosePiecesAreNotComingAreEndedByTheSweepOnceTheyHaveStalled() throws Exception {
        int id = orphan();
        String orphanHash = torrents.get(id).orElseThrow().status().infoHash().hex();
        // No peer has its data: a reader waits, and may have gone without a word.
        java.net.Socket waiting = raw("/stream/" + orphanHash + "/0", null);
        java.net.Socket other = raw("/stream/" + orphanHash + "/0", "bytes=50000-");
        TransmissionRpcTest.await(() -> server.openStreams() == 2);
        server.streams().sweep(System.nanoTime());
        assertThat(server.openStreams()).as("not stalled long enough yet").isEqualTo(2);
        server.streams().sweep(System.nanoTime() + Streams.STALL.toNanos() + 1);
        assertThat(server.openStreams()).isZero();
        assertThat(endOf(waiting)).as("the request ended without its body").isLessThan(100_000);
        assertThat(endOf(other)).isLessThan(50_000);
    }

    @Test
    void aStreamOfATorrentWhosePiecesComeIsNotSweptHoweverLongItWaits() throws Exception {
        // The complete torrent of the set-up: a reader of it moves at once and is done.
        String path = "/stream/" + hash + "/" + index("e1.mkv");
        java.net.Socket reader = raw(path, "bytes=0-9");
        assertThat(endOfKeepAlive(reader)).isEqualTo(10);
        server.streams().sweep(System.nanoTime() + Streams.STALL.toNanos() * 10);
        assertThat(server.openStreams()).isZero();
    }

    /** Reads one answer's body of a Content-Length on a kept-alive connection; its length. Closes it. */
    static int endOfKeepAlive(java.net.Socket socket) throws IOException {
        try (socket) {
            socket.setSoTimeout(20_000);
            java.io.DataInputStream in = new java.io.DataInputStream(socket.getInputStream());
            StringBuilder head = new StringBuilder();
            while (!head.toString().endsWith("\r\n\r\n")) {
                head.append((char) in.readUnsignedByte());
            }
            java.util.regex.Matcher m = Pattern.compile("(?i)content-length: *(\\d+)").matcher(head);
            assertThat(m.find()).as(head.toString()).isTrue();
            byte[] body = new byte[Integer.parseInt(m.group(1))];
            in.readFully(body);
            return body.length;
        }
    }
}
