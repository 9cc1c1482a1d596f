package dev.spate.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spate.engine.Session;
import dev.spate.engine.SessionConfig;
import dev.spate.engine.TorrentState;
import dev.spate.metainfo.TorrentCreator;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * torrent-set's settings, session-set, the queue (queue-move-*, torrent-start against
 * torrent-start-now, download-wait and seed-wait) and the seeding limits, over HTTP against a real
 * session on 127.0.0.1; time is a {@link MutableClock} and the tick is called by hand.
 */
@Timeout(60)
class QueueRpcTest {
    @TempDir
    Path tmp;

    final MutableClock clock = new MutableClock(Instant.parse("2026-12-03T12:00:00Z"));
    Session session;
    TorrentStore store;
    Torrents torrents;
    RpcServer server;

    void open() throws IOException {
        Path state = tmp.resolve("state");
        store = TorrentStore.open(state);
        session = TorrentStoreTest.open(state);
        Files.createDirectories(tmp.resolve("downloads"));
        torrents = new Torrents(session, tmp.resolve("downloads"), clock, store, DownloadRoots.of(List.of(tmp)));
        server = RpcServer.start(torrents, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), Optional.empty());
    }

    /** Closes all as the daemon does (the tick's last write first), to open again on the same state. */
    @AfterEach
    void close() throws IOException {
        if (server != null) {
            server.close();
            torrents.flush();
            session.close();
            store.close();
            server = null;
        }
    }

    JsonNode call(String method, String arguments) throws IOException {
        Http.Response r = Http.send(server.address(), "POST", RpcServer.PATH,
                "{\"method\":\"" + method + "\",\"arguments\":" + arguments + "}",
                RpcServer.SESSION_ID_HEADER + ": " + server.sessionId());
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        return TransmissionRpcTest.JSON.readTree(r.body());
    }

    String result(String method, String arguments) throws IOException {
        return call(method, arguments).path("result").asString();
    }

    JsonNode get(int id, String... fields) throws IOException {
        String list = String.join("\",\"", fields);
        return call("torrent-get", "{\"ids\":[" + id + "],\"fields\":[\"" + list + "\"]}").path("arguments")
                .path("torrents").get(0);
    }

    /** A torrent of its own random data under {@code tmp/src/name}; its base64. */
    String torrent(String name, int seed) throws IOException {
        Path file = Files.createDirectories(tmp.resolve("src")).resolve(name);
        Files.write(file, TransmissionRpcTest.random(40_000, seed));
        return Base64.getEncoder().encodeToString(TorrentCreator.builder(file).pieceLength(16384).build().create());
    }

    /** Adds {@code name}: seeding when {@code complete} (its data is there), else downloading from nobody. */
    int add(String name, int seed, boolean complete) throws IOException {
        String b64 = torrent(name, seed);
        Path dir = complete ? tmp.resolve("src") : Files.createDirectories(tmp.resolve("empty"));
        JsonNode added = call("torrent-add", "{\"metainfo\":\"" + b64 + "\",\"download-dir\":\"" + dir + "\"}");
        assertThat(added.path("result").asString()).isEqualTo("success");
        return added.path("arguments").path("torrent-added").path("id").asInt();
    }

    void awaitState(int id, TorrentState state) throws InterruptedException {
        TransmissionRpcTest.await(() -> torrents.get(id).orElseThrow().status().state() == state);
    }

    @Test
    void torrentSetStoresEachSettingAndTorrentGetAnswersItWithTransmissionsTypes() throws Exception {
        open();
        int id = add("a", 1, true);
        String set = "{\"ids\":[" + id + "],\"downloadLimit\":50,\"downloadLimited\":true,\"uploadLimit\":20,"
                + "\"uploadLimited\":true,\"honorsSessionLimits\":false,\"bandwidthPriority\":1,"
                + "\"labels\":[\" tv \",\"tv\",\"hd\"],\"seedRatioLimit\":1.5,\"seedRatioMode\":1,\"seedIdleLimit\":10,"
                + "\"seedIdleMode\":1,\"peer-limit\":30}";
        assertThat(result("torrent-set", set)).isEqualTo("success");
        JsonNode t = get(id, "downloadLimit", "downloadLimited", "uploadLimit", "uploadLimited", "honorsSessionLimits",
                "bandwidthPriority", "labels", "seedRatioLimit", "seedRatioMode", "seedIdleLimit", "seedIdleMode",
                "peer-limit", "maxConnectedPeers", "editDate");
        assertThat(t.toString()).isEqualTo("{\"downloadLimit\":50,\"downloadLimited\":true,\"uploadLimit\":20,"
                + "\"uploadLimited\":true,\"honorsSessionLimits\":false,\"bandwidthPriority\":1,\"labels\":[\"tv\",\"hd\"],"
                + "\"seedRatioLimit\":1.5,\"seedRatioMode\":1,\"seedIdleLimit\":10,\"seedIdleMode\":1,\"peer-limit\":30,"
                + "\"maxConnectedPeers\":30,\"editDate\":" + clock.instant().getEpochSecond() + "}");
        // A whole-number ratio is still a double, as Transmission sends it.
        result("torrent-set", "{\"ids\":[" + id + "],\"seedRatioLimit\":3}");
        assertThat(get(id, "seedRatioLimit").path("seedRatioLimit").isDouble()).isTrue();
        assertThat(get(id, "seedRatioLimit").path("seedRatioLimit").asDouble()).isEqualTo(3.0);
    }

    @Test
    void torrentSetRefusesWhatItCannotDoAndNothingIsChangedThen() throws Exception {
        open();
        int id = add("a", 1, true);
        String ids = "{\"ids\":[" + id + "],";
        assertThat(result("torrent-set", ids + "\"labels\":[\"a,b\"]}")).isEqualTo("labels cannot contain comma (,) character");
        assertThat(result("torrent-set", ids + "\"labels\":[\"  \"]}")).isEqualTo("labels cannot be empty");
        assertThat(result("torrent-set", ids + "\"downloadLimit\":\"fast\",\"labels\":[\"x\"]}"))
                .isEqualTo("invalid argument: downloadLimit");
        assertThat(result("torrent-set", ids + "\"seedRatioMode\":3}")).isEqualTo("invalid argument: seedRatioMode");
        assertThat(result("torrent-set", ids + "\"bandwidthPriority\":-2}")).isEqualTo("invalid argument: bandwidthPriority");
        assertThat(result("torrent-set", ids + "\"trackerAdd\":[\"http://127.0.0.1:1/a\"],\"labels\":[\"x\"]}"))
                .isEqualTo("torrent-set argument not supported: trackerAdd");
        assertThat(get(id, "labels").path("labels").toString()).isEqualTo("[]");
        // A key Transmission does not define is passed over, as Transmission does.
        assertThat(result("torrent-set", ids + "\"noSuchKey\":1,\"labels\":[\"x\"]}")).isEqualTo("success");
        assertThat(get(id, "labels").path("labels").toString()).isEqualTo("[\"x\"]");
        assertThat(result("torrent-set", ids + "\"labels\":[]}")).isEqualTo("success");
        assertThat(get(id, "labels").path("labels").toString()).isEqualTo("[]");
        // Sequential order (Transmission 4.1's key) goes to the engine and is reported back.
        assertThat(get(id, "sequentialDownload").path("sequentialDownload").asBoolean()).isFalse();
        assertThat(result("torrent-set", ids + "\"sequentialDownload\":true}")).isEqualTo("success");
        assertThat(get(id, "sequentialDownload").path("sequentialDownload").asBoolean()).isTrue();
        assertThat(result("torrent-set", ids + "\"sequentialDownload\":\"yes\"}")).isEqualTo("invalid argument: sequentialDownload");
        assertThat(result("torrent-set", ids + "\"group\":\"x\"}")).isEqualTo("torrent-set argument not supported: group");
    }

    @Test
    void sessionSetChangesTheSettingsSessionGetReportsAndTheyAreKeptOverARestart() throws Exception {
        open();
        JsonNode before = call("session-get", "{}").path("arguments");
        assertThat(before.path("download-queue-enabled").isBoolean()).isTrue();
        assertThat(before.path("download-queue-size").asInt()).isEqualTo(5);
        assertThat(before.path("seed-queue-enabled").asBoolean()).isFalse();
        assertThat(before.path("seed-queue-size").asInt()).isEqualTo(10);
        assertThat(before.path("seedRatioLimit").isDouble()).isTrue();
        assertThat(before.path("seedRatioLimit").asDouble()).isEqualTo(2.0);
        assertThat(before.path("seedRatioLimited").asBoolean()).isFalse();
        assertThat(before.path("idle-seeding-limit").asInt()).isEqualTo(30);
        assertThat(before.path("idle-seeding-limit-enabled").asBoolean()).isFalse();
        assertThat(before.path("speed-limit-down-enabled").asBoolean()).isFalse();
        assertThat(before.path("alt-speed-enabled").asBoolean()).isFalse();
        assertThat(before.path("start-added-torrents").asBoolean()).isTrue();

        String set = "{\"speed-limit-down\":300,\"speed-limit-down-enabled\":true,\"speed-limit-up\":40,"
                + "\"speed-limit-up-enabled\":true,\"alt-speed-down\":10,\"alt-speed-up\":5,\"alt-speed-enabled\":true,"
                + "\"download-queue-size\":2,\"seed-queue-enabled\":true,\"seed-queue-size\":3,"
                + "\"queue-stalled-enabled\":false,\"queue-stalled-minutes\":12,\"seedRatioLimit\":1.25,"
                + "\"seedRatioLimited\":true,\"idle-seeding-limit\":45,\"idle-seeding-limit-enabled\":true,"
                + "\"start-added-torrents\":false}";
        assertThat(result("session-set", set)).isEqualTo("success");
        assertThat(torrents.sessionSettings().effectiveDownBytes()).as("the alternative speeds are on").isEqualTo(10_000);
        // download-dir inside the download roots (here the test's directory) becomes the default;
        // outside them the whole request is refused, its other arguments too.
        assertThat(result("session-set", "{\"download-dir\":\"" + tmp.resolve("tv") + "\"}")).isEqualTo("success");
        assertThat(torrents.defaultDirectory()).isEqualTo(tmp.resolve("tv").toAbsolutePath());
        assertThat(result("session-set", "{\"download-dir\":\"/elsewhere\",\"download-queue-size\":4}"))
                .contains("/elsewhere").contains("outside the download roots");
        assertThat(torrents.defaultDirectory()).isEqualTo(tmp.resolve("tv").toAbsolutePath());
        assertThat(torrents.sessionSettings().downloadQueueSize()).isEqualTo(2);
        assertThat(result("session-set", "{\"download-dir\":7}")).startsWith("invalid argument: download-dir");
        assertThat(result("session-set", "{\"download-queue-size\":-1}")).isEqualTo("invalid argument: download-queue-size");
        assertThat(result("session-set", "{\"seedRatioLimited\":\"yes\"}")).isEqualTo("invalid argument: seedRatioLimited");

        // start-added-torrents false: a torrent added without "paused" stays stopped.
        int id = add("a", 1, true);
        assertThat(get(id, "status").path("status").asInt()).isEqualTo(TransmissionRpc.STOPPED);

        close();
        open();
        JsonNode after = call("session-get", "{}").path("arguments");
        for (String key : List.of("speed-limit-down", "speed-limit-down-enabled", "speed-limit-up", "alt-speed-enabled",
                "download-queue-size", "seed-queue-enabled", "seed-queue-size", "queue-stalled-enabled",
                "queue-stalled-minutes", "seedRatioLimit", "seedRatioLimited", "idle-seeding-limit",
                "idle-seeding-limit-enabled", "start-added-torrents")) {
            assertThat(after.path(key)).as(key).isEqualTo(TransmissionRpcTest.JSON.readTree(set).path(key));
        }
    }

    @Test
    void theDownloadQueueHoldsTorrentsPastItsSizeAndStartNowBypassesIt() throws Exception {
        open();
        assertThat(result("session-set", "{\"download-queue-size\":1}")).isEqualTo("success");
        int first = add("a", 1, false);
        int second = add("b", 2, false);
        int third = add("c", 3, false);
        awaitState(first, TorrentState.DOWNLOADING);
        awaitState(second, TorrentState.PAUSED);
        assertThat(get(first, "status").path("status").asInt()).isEqualTo(TransmissionRpc.DOWNLOAD);
        assertThat(get(second, "status").path("status").asInt()).isEqualTo(TransmissionRpc.DOWNLOAD_WAIT);
        assertThat(get(third, "queuePosition").path("queuePosition").asInt()).isEqualTo(2);

        // Moved to the top, the third waits on: a running torrent is not stopped to make room.
        assertThat(result("queue-move-top", "{\"ids\":[" + third + "]}")).isEqualTo("success");
        assertThat(positions(first, second, third)).containsExactly(1, 2, 0);
        assertThat(get(third, "status").path("status").asInt()).isEqualTo(TransmissionRpc.DOWNLOAD_WAIT);

        // The first stopped: the top of the queue runs.
        result("torrent-stop", "{\"ids\":[" + first + "]}");
        assertThat(get(third, "status").path("status").asInt()).isEqualTo(TransmissionRpc.DOWNLOAD);
        assertThat(get(second, "status").path("status").asInt()).isEqualTo(TransmissionRpc.DOWNLOAD_WAIT);
        // torrent-start goes to the queue; torrent-start-now past it.
        result("torrent-start", "{\"ids\":[" + first + "]}");
        assertThat(get(first, "status").path("status").asInt()).isEqualTo(TransmissionRpc.DOWNLOAD_WAIT);
        result("torrent-start-now", "{\"ids\":[" + first + "]}");
        awaitState(first, TorrentState.DOWNLOADING);
        assertThat(get(first, "status").path("status").asInt()).isEqualTo(TransmissionRpc.DOWNLOAD);

        result("queue-move-down", "{\"ids\":[" + third + "]}");
        assertThat(positions(first, second, third)).containsExactly(0, 2, 1);
        result("queue-move-bottom", "{\"ids\":[" + first + "]}");
        assertThat(positions(first, second, third)).containsExactly(2, 1, 0);
        result("queue-move-up", "{\"ids\":[" + first + "]}");
        assertThat(positions(first, second, third)).containsExactly(1, 2, 0);
        result("torrent-set", "{\"ids\":[" + second + "],\"queuePosition\":0}");
        assertThat(positions(first, second, third)).containsExactly(2, 0, 1);

        // Removed: the positions close up, in order.
        result("torrent-remove", "{\"ids\":[" + second + "]}");
        assertThat(get(third, "queuePosition").path("queuePosition").asInt()).isEqualTo(0);
        assertThat(get(first, "queuePosition").path("queuePosition").asInt()).isEqualTo(1);
        // The queue made larger: nothing waits.
        result("session-set", "{\"download-queue-enabled\":false}");
        assertThat(get(first, "status").path("status").asInt()).isEqualTo(TransmissionRpc.DOWNLOAD);
    }

    @Test
    void queuePositionsAndTheQueueItselfComeBackAfterARestart() throws Exception {
        open();
        result("session-set", "{\"download-queue-size\":1}");
        int first = add("a", 1, false);
        int second = add("b", 2, false);
        int third = add("c", 3, false);
        result("queue-move-bottom", "{\"ids\":[" + first + "]}");
        assertThat(positions(first, second, third)).containsExactly(2, 0, 1);

        close();
        open();
        assertThat(positions(first, second, third)).containsExactly(2, 0, 1);
        // Every torrent was running or waiting: the queue lets the top one run, the others wait.
        assertThat(get(second, "status").path("status").asInt()).isEqualTo(TransmissionRpc.DOWNLOAD);
        assertThat(get(third, "status").path("status").asInt()).isEqualTo(TransmissionRpc.DOWNLOAD_WAIT);
        assertThat(get(first, "status").path("status").asInt()).isEqualTo(TransmissionRpc.DOWNLOAD_WAIT);
        awaitState(first, TorrentState.PAUSED);
    }

    List<Integer> positions(int... ids) throws IOException {
        List<Integer> out = new java.util.ArrayList<>();
        for (int id : ids) {
            out.add(get(id, "queuePosition").path("queuePosition").asInt());
        }
        return out;
    }

    @Test
    void aSeedQueueOfNoPlacesHoldsASeedInSeedWait() throws Exception {
        open();
        int id = add("a", 1, true);
        awaitState(id, TorrentState.SEEDING);
        // A seed already running keeps its place when the queue shrinks; started again, it waits.
        result("session-set", "{\"seed-queue-enabled\":true,\"seed-queue-size\":0}");
        assertThat(get(id, "status").path("status").asInt()).isEqualTo(TransmissionRpc.SEED);
        result("torrent-stop", "{\"ids\":[" + id + "]}");
        result("torrent-start", "{\"ids\":[" + id + "]}");
        assertThat(get(id, "status").path("status").asInt()).isEqualTo(TransmissionRpc.SEED_WAIT);
        result("torrent-start-now", "{\"ids\":[" + id + "]}");
        awaitState(id, TorrentState.SEEDING);
        assertThat(get(id, "status").path("status").asInt()).isEqualTo(TransmissionRpc.SEED);
    }

    @Test
    void aSeedReachingItsRatioStopsFinishedAndStartedAgainSeedsWithoutTheRatio() throws Exception {
        open();
        int id = add("a", 1, true);
        awaitState(id, TorrentState.SEEDING);
        // Ratio 0 of its size when done: reached at once.
        assertThat(result("torrent-set", "{\"ids\":[" + id + "],\"seedRatioLimit\":0,\"seedRatioMode\":1}")).isEqualTo("success");
        awaitState(id, TorrentState.PAUSED);
        assertThat(get(id, "status", "isFinished").toString()).isEqualTo("{\"status\":0,\"isFinished\":true}");
        torrents.tick();
        assertThat(get(id, "status").path("status").asInt()).isEqualTo(TransmissionRpc.STOPPED);

        result("torrent-start", "{\"ids\":[" + id + "]}");
        awaitState(id, TorrentState.SEEDING);
        torrents.tick();
        assertThat(get(id, "status", "isFinished", "seedRatioMode").toString())
                .isEqualTo("{\"status\":6,\"isFinished\":false,\"seedRatioMode\":2}");
    }

    @Test
    void aSeedIdleForItsLimitStopsFinishedAndItsSecondsAndDatesAreKeptOverARestart() throws Exception {
        open();
        int id = add("a", 1, true);
        awaitState(id, TorrentState.SEEDING);
        torrents.tick();
        result("torrent-set", "{\"ids\":[" + id + "],\"seedIdleLimit\":2,\"seedIdleMode\":1}");
        clock.advance(Duration.ofSeconds(60));
        torrents.tick();
        assertThat(get(id, "status", "isStalled").toString()).isEqualTo("{\"status\":6,\"isStalled\":false}");
        clock.advance(Duration.ofSeconds(60));
        torrents.tick();
        awaitState(id, TorrentState.PAUSED);
        JsonNode t = get(id, "status", "isFinished", "secondsSeeding", "secondsDownloading", "doneDate", "activityDate");
        assertThat(t.path("status").asInt()).isEqualTo(TransmissionRpc.STOPPED);
        assertThat(t.path("isFinished").asBoolean()).isTrue();
        assertThat(t.path("secondsSeeding").asLong()).isEqualTo(120);
        assertThat(t.path("secondsDownloading").asLong()).isZero();
        long done = t.path("doneDate").asLong();
        assertThat(done).isEqualTo(Instant.parse("2026-12-03T12:00:00Z").getEpochSecond());

        close();
        open();
        JsonNode again = get(id, "status", "isFinished", "secondsSeeding", "doneDate");
        assertThat(again.toString()).isEqualTo("{\"status\":0,\"isFinished\":true,\"secondsSeeding\":120,\"doneDate\":" + done + "}");
        JsonNode stats = call("session-stats", "{}").path("arguments");
        assertThat(stats.path("cumulative-stats").path("sessionCount").asInt()).isEqualTo(2);
        assertThat(stats.path("cumulative-stats").path("filesAdded").asInt()).isEqualTo(1);
        assertThat(stats.path("current-stats").path("filesAdded").asInt()).isZero();
        assertThat(stats.path("current-stats").path("sessionCount").asInt()).isEqualTo(1);
    }

    @Test
    void aStalledDownloadIsReportedAndFreesItsPlace() throws Exception {
        open();
        result("session-set", "{\"download-queue-size\":1,\"queue-stalled-minutes\":1}");
        int first = add("a", 1, false);
        int second = add("b", 2, false);
        assertThat(get(second, "status").path("status").asInt()).isEqualTo(TransmissionRpc.DOWNLOAD_WAIT);
        clock.advance(Duration.ofSeconds(61));
        torrents.tick();
        assertThat(get(first, "isStalled").path("isStalled").asBoolean()).isTrue();
        assertThat(get(second, "status").path("status").asInt()).isEqualTo(TransmissionRpc.DOWNLOAD);
        assertThat(get(first, "status").path("status").asInt()).isNotEqualTo(TransmissionRpc.DOWNLOAD_WAIT);
    }

    @Test
    void theWebClientsFieldsAreAnsweredFromWhatTheEngineKnows() throws Exception {
        open();
        int id = add("a", 1, true);
        awaitState(id, TorrentState.SEEDING);
        JsonNode t = get(id, "pieces", "pieceCount", "fileCount", "file-count", "primary-mime-type", "trackers",
                "trackerStats", "peers", "webseeds", "group", "sequentialDownload", "startDate", "uploadRatio",
                "isStalled", "trackerList");
        // 40 000 bytes in pieces of 16 KiB: three pieces, all verified, the first the high bit.
        assertThat(t.path("pieceCount").asInt()).isEqualTo(3);
        assertThat(t.path("pieces").asString()).isEqualTo(Base64.getEncoder().encodeToString(new byte[] {(byte) 0xE0}));
        assertThat(t.path("fileCount").asInt()).isEqualTo(1);
        assertThat(t.path("file-count").asInt()).isEqualTo(1);
        assertThat(t.path("primary-mime-type").asString()).isEqualTo("application/octet-stream");
        assertThat(t.path("trackers").isArray() && t.path("trackerStats").isArray() && t.path("peers").isArray()
                && t.path("webseeds").isArray()).isTrue();
        assertThat(t.path("group").asString()).isEmpty();
        assertThat(t.path("sequentialDownload").isBoolean()).isTrue();
        assertThat(t.path("startDate").asLong()).isEqualTo(clock.instant().getEpochSecond());
        // Nothing uploaded of the bytes there: a ratio of 0 (over the verified bytes, as Transmission).
        assertThat(t.path("uploadRatio").isDouble()).isTrue();
        assertThat(t.path("uploadRatio").asDouble()).isZero();
        assertThat(t.path("isStalled").asBoolean()).isFalse();
        assertThat(t.path("trackerList").asString()).isEmpty();
    }

    @Test
    void theTickerTicksOnItsOwnThreadUntilClosed() throws Exception {
        open();
        Ticker ticker = Ticker.start(torrents);
        assertThat(ticker.torrents()).isSameAs(torrents);
        assertThat(ticker.running()).isTrue();
        ticker.close();
        assertThat(ticker.running()).isFalse();
    }
}
