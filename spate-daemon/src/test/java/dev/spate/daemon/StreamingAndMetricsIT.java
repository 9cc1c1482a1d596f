package dev.spate.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spate.engine.Event;
import dev.spate.engine.Session;
import dev.spate.engine.SessionConfig;
import dev.spate.engine.Subscription;
import dev.spate.engine.TorrentHandle;
import dev.spate.engine.TorrentState;
import dev.spate.metainfo.MetainfoParser;
import dev.spate.metainfo.TorrentCreator;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The daemon's HTTP surfaces while a torrent downloads, on 127.0.0.1: a Spate seed with a bounded
 * upload rate (so the download lasts seconds), the daemon's session fetching from it through a
 * loopback tracker. Streams: ranges of a file still downloading come back byte-exact, their pieces
 * complete before the rest, several readers at once, and a reader that goes away lets go of its
 * stream. Metrics: parsed by the Prometheus project's own Python parser, their counters move.
 */
class StreamingAndMetricsIT {
    private static final int PIECE = 64 * 1024;

    @TempDir
    Path tmp;

    record Swarm(LoopbackTracker tracker, Session seed, Session daemon, Torrents torrents, RpcServer rpc, byte[] movie,
                 byte[] torrent) implements AutoCloseable {
        @Override
        public void close() {
            rpc.close();
            daemon.close();
            seed.close();
            tracker.close();
        }
    }

    Swarm swarm(int length) throws Exception {
        Path content = Files.createDirectories(tmp.resolve("seed/Film"));
        byte[] movie = new byte[length];
        new Random(7).nextBytes(movie);
        Files.write(content.resolve("film.mkv"), movie);
        Files.writeString(content.resolve("film.nfo"), "about the film");
        LoopbackTracker tracker = new LoopbackTracker();
        byte[] torrent = TorrentCreator.builder(content).tracker(tracker.url()).pieceLength(PIECE).build().create();
        Session seed = Session.open(config(tmp.resolve("seed-state")).uploadRateLimit(1_000_000).build());
        TorrentHandle seeding = seed.add(MetainfoParser.parse(torrent), tmp.resolve("seed"));
        await("the seed checked its data", () -> seeding.status().state() == TorrentState.SEEDING);
        await("the seed announced", () -> tracker.peers() == 1);
        Session daemon = Session.open(config(tmp.resolve("daemon-state")).build());
        Torrents torrents = new Torrents(daemon, Files.createDirectories(tmp.resolve("downloads")));
        RpcServer rpc = RpcServer.start(torrents, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), Optional.empty());
        return new Swarm(tracker, seed, daemon, torrents, rpc, movie, torrent);
    }

    static SessionConfig.Builder config(Path state) {
        return SessionConfig.builder().bindAddress(InetAddress.getLoopbackAddress()).listenPort(0).stateDirectory(state)
                .localDiscovery(false).dht(false);
    }

    static void await(String what, Supplier<Boolean> condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!condition.get()) {
            assertThat(System.nanoTime()).as(what).isLessThan(deadline);
            Thread.sleep(20);
        }
    }

    static String sha256(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void rangesOfAFileStillDownloadingComeFirstAndByteExactAndAReaderThatLeavesLetsGo() throws Exception {
        try (Swarm s = swarm(4_000_037)) {
            List<Integer> verified = new CopyOnWriteArrayList<>();
            try (Subscription events = s.daemon().subscribe(e -> {
                if (e instanceof Event.PieceVerified v) {
                    verified.add(v.piece());
                }
            })) {
                // Added stopped, so nothing is asked of the seed before the readers say what they want.
                Torrents.Added added = s.torrents().add(new Torrents.Source.Bytes(s.torrent()), null, true);
                String hash = added.torrent().status().infoHash().hex().toLowerCase(java.util.Locale.ROOT);
                int film = added.torrent().status().files().stream().filter(f -> f.path().endsWith("film.mkv"))
                        .findFirst().orElseThrow().index();
                String url = "http://127.0.0.1:" + s.rpc().address().getPort() + "/stream/" + hash + "/" + film;
                HttpClient http = HttpClient.newHttpClient();
                CompletableFuture<HttpResponse<byte[]>> middle = http.sendAsync(HttpRequest.newBuilder(URI.create(url))
                        .header("Range", "bytes=2000000-2299999").build(), HttpResponse.BodyHandlers.ofByteArray());
                CompletableFuture<HttpResponse<byte[]>> start = http.sendAsync(HttpRequest.newBuilder(URI.create(url))
                        .header("Range", "bytes=0-99999").build(), HttpResponse.BodyHandlers.ofByteArray());
                await("both readers waiting", () -> s.rpc().openStreams() == 2);
                s.torrents().start(List.of(added.torrent().id()));

                HttpResponse<byte[]> m = middle.get(60, TimeUnit.SECONDS);
                HttpResponse<byte[]> b = start.get(60, TimeUnit.SECONDS);
                int doneAtRanges = verified.size();
                assertThat(m.statusCode()).isEqualTo(206);
                assertThat(m.headers().firstValue("Content-Range")).contains("bytes 2000000-2299999/4000037");
                assertThat(sha256(m.body())).isEqualTo(sha256(Arrays.copyOfRange(s.movie(), 2_000_000, 2_300_000)));
                assertThat(b.statusCode()).isEqualTo(206);
                assertThat(sha256(b.body())).isEqualTo(sha256(Arrays.copyOfRange(s.movie(), 0, 100_000)));
                int pieces = added.torrent().status().pieceCount();
                assertThat(doneAtRanges).as("the ranges came before the rest: %s", verified).isLessThan(pieces / 2);
                List<Integer> asked = List.of(0, 1, 30, 31, 32, 33, 34, 35);
                List<Integer> order = List.copyOf(verified); // a copy: a live list's sub-list fails as it grows
                assertThat(order.subList(0, Math.min(order.size(), asked.size() + 4)))
                        .as("the ranges' pieces among the first verified: %s", verified).containsAll(asked);

                // A reader of the end that reads the headers and one byte and goes away.
                try (Socket gone = new Socket(InetAddress.getLoopbackAddress(), s.rpc().address().getPort())) {
                    OutputStream out = gone.getOutputStream();
                    out.write(("GET /stream/" + hash + "/" + film + " HTTP/1.1\r\nHost: 127.0.0.1\r\nRange: bytes=3500000-\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                    InputStream in = gone.getInputStream();
                    gone.setSoTimeout(60_000);
                    assertThat(in.read()).isEqualTo('H');
                }
                await("the stream of the reader gone is closed", () -> s.rpc().openStreams() == 0);

                await("the whole torrent downloaded", () -> s.torrents().get(1).orElseThrow().status().isFinished());
                assertThat(sha256(Files.readAllBytes(tmp.resolve("downloads/Film/film.mkv")))).isEqualTo(sha256(s.movie()));
                assertThat(events.dropped()).isZero();
            }
        }
    }

    /** The metrics parsed by prometheus_client's text parser: name{labels} -> value, one line each. */
    static Map<String, Double> parse(String exposition) throws Exception {
        Process p = new ProcessBuilder("/usr/bin/python3", "-c", """
                import sys
                from prometheus_client.parser import text_string_to_metric_families
                for family in text_string_to_metric_families(sys.stdin.read()):
                    for s in family.samples:
                        labels = ",".join(k + "=" + v for k, v in sorted(s.labels.items()))
                        print(family.type, s.name + "{" + labels + "}", s.value)
                """).redirectErrorStream(true).start();
        try (OutputStream in = p.getOutputStream()) {
            in.write(exposition.getBytes(StandardCharsets.UTF_8));
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        Map<String, Double> samples = new TreeMap<>();
        for (String line : out.lines().toList()) {
            String[] f = line.split(" ");
            assertThat(f).as(line).hasSize(3);
            assertThat(f[0]).as(line).isIn("gauge", "counter");
            samples.put(f[1], Double.parseDouble(f[2]));
        }
        return samples;
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void theMetricsParseAsPrometheusTextAndTheirCountersMoveWithTheDownload() throws Exception {
        // As in the daemon, its once-a-second sample keeps the byte counters.
        try (Swarm s = swarm(1_500_017); Ticker ticker = Ticker.start(s.torrents())) {
            HttpClient http = HttpClient.newHttpClient();
            URI metrics = URI.create("http://127.0.0.1:" + s.rpc().address().getPort() + "/metrics");
            Map<String, Double> before = parse(http.send(HttpRequest.newBuilder(metrics).build(),
                    HttpResponse.BodyHandlers.ofString()).body());
            assertThat(before).containsEntry("spate_torrents{state=downloading}", 0.0)
                    .containsEntry("spate_downloaded_bytes_total{}", 0.0)
                    .containsEntry("spate_pieces_verified_total{}", 0.0);

            s.torrents().add(new Torrents.Source.Bytes(s.torrent()), null, false);
            await("downloaded", () -> s.torrents().get(1).orElseThrow().status().isFinished());
            TorrentState state = s.torrents().get(1).orElseThrow().status().state();
            int pieces = s.torrents().get(1).orElseThrow().status().pieceCount();
            // The event counters come from a subscriber, the byte counters from the daemon's
            // once-a-second sample: both a little behind the torrent, so scraped until they show it.
            Map<String, Double> after = Map.of();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (System.nanoTime() < deadline) {
                after = parse(http.send(HttpRequest.newBuilder(metrics).build(), HttpResponse.BodyHandlers.ofString()).body());
                if (after.get("spate_pieces_verified_total{}") == pieces && after.get("spate_torrents_completed_total{}") == 1
                        && after.get("spate_downloaded_bytes_total{}") >= 1_500_017 + 14) {
                    break;
                }
                Thread.sleep(100);
            }
            assertThat(after.get("spate_downloaded_bytes_total{}")).isGreaterThanOrEqualTo(1_500_017 + 14);
            assertThat(after.get("spate_pieces_verified_total{}")).isEqualTo(pieces);
            assertThat(after.get("spate_peer_connections_total{}")).isGreaterThanOrEqualTo(1);
            assertThat(after.get("spate_torrents_completed_total{}")).isEqualTo(1);
            assertThat(after.get("spate_torrents{state=" + state.name().toLowerCase(java.util.Locale.ROOT) + "}")).isEqualTo(1);
            assertThat(after.get("spate_events_dropped_total{}")).isZero();

            // Removing the torrent does not take its bytes out of the session's counters.
            s.torrents().remove(List.of(1), false);
            Map<String, Double> removed = parse(http.send(HttpRequest.newBuilder(metrics).build(),
                    HttpResponse.BodyHandlers.ofString()).body());
            assertThat(removed.get("spate_downloaded_bytes_total{}")).isGreaterThanOrEqualTo(after.get("spate_downloaded_bytes_total{}"));
            assertThat(removed.get("spate_torrents{state=" + state.name().toLowerCase(java.util.Locale.ROOT) + "}")).isZero();
        }
    }
}
