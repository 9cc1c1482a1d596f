package dev.spate.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.spate.engine.Session;
import dev.spate.engine.SessionConfig;
import dev.spate.engine.TorrentHandle;
import dev.spate.engine.TorrentState;
import dev.spate.metainfo.MetainfoParser;
import dev.spate.metainfo.TorrentCreator;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code spate daemon} keeps its torrents over a kill -9: transmission-remote adds two torrents
 * and stops one; the daemon is killed mid-download (the in-JVM seed's upload is throttled) and
 * started again on the same state directory, where both come back with their ids, the stopped one
 * still stopped, and the other finishes byte-exact without fetching again what was there. A
 * second daemon on that state directory is refused at once.
 */
@Timeout(180)
class DaemonRestartIT {
    static final long SIZE = 3 << 20;
    /** Slow enough that the daemon is killed mid-download, fast enough to end well inside the timeout. */
    static final long SEED_RATE = 400_000;

    @TempDir
    Path tmp;

    ProcessBuilder daemonCommand(Path state, Path dir) {
        return DaemonProcess.command(tmp, "--state", state.toString(), "-d", dir.toString(),
                "--bind", "127.0.0.1", "--port", "0", "--rpc-port", "0");
    }

    DaemonProcess start(Path state, Path dir) throws IOException {
        return DaemonProcess.start(daemonCommand(state, dir));
    }

    /** The daemon's answer to torrent-get of {@code fields} for torrent {@code id}, as JSON text. */
    static String torrentGet(int rpcPort, int id, String fields) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        URI uri = URI.create("http://127.0.0.1:" + rpcPort + "/transmission/rpc");
        String body = "{\"method\":\"torrent-get\",\"arguments\":{\"ids\":[" + id + "],\"fields\":[" + fields + "]}}";
        HttpResponse<String> first = http.send(HttpRequest.newBuilder(uri).POST(HttpRequest.BodyPublishers.ofString(body))
                .build(), HttpResponse.BodyHandlers.ofString());
        String sid = first.headers().firstValue("X-Transmission-Session-Id").orElseThrow();
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri).header("X-Transmission-Session-Id", sid)
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return r.body();
    }

    /** The daemon's answer to {@code method} with {@code arguments}, as JSON text. */
    static String rpc(int rpcPort, String method, String arguments) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        URI uri = URI.create("http://127.0.0.1:" + rpcPort + "/transmission/rpc");
        String body = "{\"method\":\"" + method + "\",\"arguments\":" + arguments + "}";
        HttpResponse<String> first = http.send(HttpRequest.newBuilder(uri).POST(HttpRequest.BodyPublishers.ofString(body))
                .build(), HttpResponse.BodyHandlers.ofString());
        String sid = first.headers().firstValue("X-Transmission-Session-Id").orElseThrow();
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri).header("X-Transmission-Session-Id", sid)
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.body()).contains("\"result\":\"success\"");
        return r.body();
    }

    static long number(String json, String field) {
        Matcher m = Pattern.compile("\"" + field + "\"\\s*:\\s*(-?[0-9.]+)").matcher(json);
        assertThat(m.find()).as(field + " in " + json).isTrue();
        return (long) Double.parseDouble(m.group(1));
    }

    static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(40);
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as(what).isLessThan(deadline);
            Thread.sleep(100);
        }
    }

    static long verified(int rpcPort, int id) {
        try {
            return number(torrentGet(rpcPort, id, "\"haveValid\""), "haveValid");
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void torrentsComeBackAfterKill9WithTheirIdsAndStateAndTheDownloadResumes() throws Exception {
        assumeTrue(Files.isExecutable(DaemonIT.REMOTE), "transmission-remote (package transmission-cli) is not installed");
        Path seedDir = Files.createDirectories(tmp.resolve("seed"));
        byte[] big = new byte[(int) SIZE];
        new java.util.Random(7).nextBytes(big);
        Files.write(seedDir.resolve("big.bin"), big);
        Files.write(seedDir.resolve("other.bin"), "another torrent\n".repeat(2000).getBytes(StandardCharsets.UTF_8));
        Path bigTorrent = tmp.resolve("big.torrent");
        Files.write(bigTorrent, TorrentCreator.builder(seedDir.resolve("big.bin")).pieceLength(32768).build().create());
        Path otherTorrent = tmp.resolve("other.torrent");
        Files.write(otherTorrent, TorrentCreator.builder(seedDir.resolve("other.bin")).build().create());
        Path downloads = Files.createDirectories(tmp.resolve("downloads"));
        Path state = tmp.resolve("state");

        SessionConfig seedConfig = SessionConfig.builder().bindAddress(InetAddress.getLoopbackAddress()).listenPort(0)
                .stateDirectory(tmp.resolve("seed-state")).uploadRateLimit(SEED_RATE)
                .localDiscovery(false).dht(false).build();
        DaemonProcess daemon = null;
        DaemonProcess again = null;
        try (Session seed = Session.open(seedConfig)) {
            TorrentHandle seeding = seed.add(MetainfoParser.read(bigTorrent), seedDir);
            await("the seed checked its data", () -> seeding.status().state() == TorrentState.SEEDING);

            daemon = start(state, downloads);
            assertThat(DaemonIT.remote(daemon.rpcPort(), "-a", bigTorrent.toString())).contains("success");
            assertThat(DaemonIT.remote(daemon.rpcPort(), "-a", otherTorrent.toString())).contains("success");
            assertThat(DaemonIT.remote(daemon.rpcPort(), "-t", "2", "-S")).contains("success");
            // The daemon has no peer option: the seed dials it.
            seeding.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), daemon.peerPort()));
            int rpc = daemon.rpcPort();
            await("a quarter downloaded", () -> verified(rpc, 1) >= SIZE / 4);
            long atKill = verified(rpc, 1);
            daemon.process().destroyForcibly(); // SIGKILL: nothing is saved on the way out
            assertThat(atKill).as("killed mid-download").isLessThan(SIZE);
            assertThat(daemon.process().waitFor(20, TimeUnit.SECONDS)).isTrue();

            again = start(state, downloads);
            int rpc2 = again.rpcPort();
            String list = DaemonIT.remote(rpc2, "-l");
            assertThat(list).containsPattern("(?m)^\\s*1\\s.*big\\.bin").containsPattern("(?m)^\\s*2\\s.*Stopped.*other\\.bin");

            // One daemon per state directory: a second one is refused at once, with why.
            Process second = daemonCommand(state, downloads).start();
            assertThat(second.waitFor(20, TimeUnit.SECONDS)).as("the second daemon ended by itself").isTrue();
            String refused = new String(second.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(second.exitValue()).as(refused).isNotZero();
            assertThat(refused).contains("another spate daemon is running on state directory");

            // downloadedEver is kept over restarts (what the daemon wrote last, at most a minute old
            // after a kill -9): this run's bytes are what it grows by from here.
            long keptEver = number(torrentGet(rpc2, 1, "\"downloadedEver\""), "downloadedEver");
            assertThat(keptEver).isBetween(0L, atKill + SIZE / 10);
            seeding.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), again.peerPort()));
            await("downloaded after the restart", () -> verified(rpc2, 1) == SIZE);
            assertThat(Files.readAllBytes(downloads.resolve("big.bin"))).as("byte-exact").isEqualTo(big);
            long fetched = number(torrentGet(rpc2, 1, "\"downloadedEver\""), "downloadedEver") - keptEver;
            // At most what was missing at the kill, and the blocks of pieces unfinished then.
            assertThat(fetched).as("what was verified before the kill is not fetched again")
                    .isLessThanOrEqualTo(SIZE - atKill + SIZE / 10);
            assertThat(DaemonIT.remote(rpc2, "-l")).containsPattern("(?m)^\\s*2\\s.*Stopped.*other\\.bin");
            assertThat(verified(rpc2, 2)).as("the stopped torrent fetched nothing").isZero();
        } finally {
            for (DaemonProcess d : new DaemonProcess[] {daemon, again}) {
                if (d != null) {
                    d.process().destroyForcibly();
                    d.process().waitFor(20, TimeUnit.SECONDS);
                }
            }
        }
    }

    @Test
    void settingsLabelsAndCountersSurviveACleanRestart() throws Exception {
        assumeTrue(Files.isExecutable(DaemonIT.REMOTE), "transmission-remote (package transmission-cli) is not installed");
        Path data = Files.createDirectories(tmp.resolve("data"));
        Files.write(data.resolve("kept.bin"), "seeded for a while\n".repeat(5000).getBytes(StandardCharsets.UTF_8));
        Path torrent = tmp.resolve("kept.torrent");
        Files.write(torrent, TorrentCreator.builder(data.resolve("kept.bin")).build().create());
        Path state = tmp.resolve("state");
        DaemonProcess daemon = null;
        DaemonProcess again = null;
        try {
            daemon = start(state, data);
            int rpc = daemon.rpcPort();
            assertThat(DaemonIT.remote(rpc, "-a", torrent.toString())).contains("success");
            assertThat(DaemonIT.remote(rpc, "-t", "1", "-L", "tv,hd")).contains("success");
            assertThat(DaemonIT.remote(rpc, "-gsr", "3.5")).contains("success");
            rpc(rpc, "session-set", "{\"download-queue-size\":7}");
            // The tick counts the seconds seeding.
            await("seeded two seconds", () -> {
                try {
                    return number(torrentGet(rpc, 1, "\"secondsSeeding\""), "secondsSeeding") >= 2;
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
            });
            daemon.process().destroy(); // SIGTERM: the counters are written on the way out
            assertThat(daemon.process().waitFor(30, TimeUnit.SECONDS)).isTrue();

            again = start(state, data);
            int rpc2 = again.rpcPort();
            String t = torrentGet(rpc2, 1, "\"labels\",\"secondsSeeding\",\"doneDate\"");
            assertThat(t).contains("\"labels\":[\"tv\",\"hd\"]");
            assertThat(number(t, "secondsSeeding")).as("the seconds seeded before the stop").isGreaterThanOrEqualTo(2);
            assertThat(number(t, "doneDate")).isPositive();
            String session = rpc(rpc2, "session-get", "{}");
            assertThat(session).contains("\"seedRatioLimit\":3.5").contains("\"seedRatioLimited\":true")
                    .contains("\"download-queue-size\":7");
            assertThat(rpc(rpc2, "session-stats", "{}")).containsPattern("\"cumulative-stats\":\\{[^}]*\"sessionCount\":2");
        } finally {
            for (DaemonProcess d : new DaemonProcess[] {daemon, again}) {
                if (d != null) {
                    d.process().destroyForcibly();
                    d.process().waitFor(20, TimeUnit.SECONDS);
                }
            }
        }
    }
}
