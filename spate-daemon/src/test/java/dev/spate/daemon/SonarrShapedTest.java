package dev.spate.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spate.engine.Session;
import dev.spate.engine.TorrentState;
import dev.spate.metainfo.TorrentCreator;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Base64;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * The requests Sonarr's (and Radarr's) Transmission client sends, as it sends them, and the JSON
 * types it reads back: its TransmissionProxy asks session-get for the version, rpc-version,
 * download-dir and the seeding limits; adds with metainfo, paused, download-dir and (Transmission
 * 4) labels; sets the seeding limits per torrent by hash; moves it to the top of the queue; polls
 * torrent-get for its fields; sets the labels after import; removes by hash. Its download-item
 * rules (status 0 with isFinished after a seeding limit: may be removed) are checked against the
 * answers.
 */
@Timeout(60)
class SonarrShapedTest {
    /** TransmissionProxy.GetTorrentStatus's fields, labels included (Sonarr's, and Radarr's, for Transmission 4). */
    static final String FIELDS = "[\"id\",\"hashString\",\"name\",\"downloadDir\",\"totalSize\",\"leftUntilDone\","
            + "\"isFinished\",\"eta\",\"status\",\"secondsDownloading\",\"secondsSeeding\",\"errorString\",\"uploadedEver\","
            + "\"downloadedEver\",\"seedRatioLimit\",\"seedRatioMode\",\"seedIdleLimit\",\"seedIdleMode\",\"fileCount\",\"labels\"]";

    @TempDir
    Path tmp;

    final MutableClock clock = new MutableClock(Instant.parse("2026-12-03T12:00:00Z"));
    Session session;
    Torrents torrents;
    RpcServer server;
    String sessionId;

    @AfterEach
    void close() {
        if (server != null) {
            server.close();
        }
        if (session != null) {
            session.close();
        }
    }

    /** As Sonarr's ProcessRequest: the session id learnt from a 409, then a POST with it. */
    JsonNode rpc(String method, String arguments) throws IOException {
        String body = arguments == null ? "{\"method\":\"" + method + "\"}"
                : "{\"method\":\"" + method + "\",\"arguments\":" + arguments + "}";
        if (sessionId == null) {
            Http.Response dance = Http.send(server.address(), "POST", RpcServer.PATH, "");
            assertThat(dance.status()).isEqualTo(409);
            sessionId = dance.header(RpcServer.SESSION_ID_HEADER);
        }
        Http.Response r = Http.send(server.address(), "POST", RpcServer.PATH, body,
                RpcServer.SESSION_ID_HEADER + ": " + sessionId, "Content-Type: application/json");
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        JsonNode answer = TransmissionRpcTest.JSON.readTree(r.body());
        assertThat(answer.path("result").asString()).as(method).isEqualTo("success");
        return answer.path("arguments");
    }

    @Test
    void sonarrsRequestsGetTheFieldsItReadsWithTransmissionsTypes() throws Exception {
        session = TorrentStoreTest.open(tmp.resolve("state"));
        Path downloads = Files.createDirectories(tmp.resolve("downloads"));
        torrents = new Torrents(session, downloads, clock, null);
        server = RpcServer.start(torrents, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), Optional.empty());

        JsonNode config = rpc("session-get", null);
        assertThat(config.path("version").isString()).isTrue();
        assertThat(config.path("version").asString()).startsWith("4.0.0");
        assertThat(config.path("rpc-version").isInt()).isTrue();
        assertThat(config.path("rpc-version").asInt()).isEqualTo(17);
        assertThat(config.path("download-dir").isString()).isTrue();
        assertThat(config.path("download-dir").asString()).isEqualTo(downloads.toAbsolutePath().toString());
        assertThat(config.path("seedRatioLimit").isDouble()).isTrue();
        assertThat(config.path("seedRatioLimit").asDouble()).isEqualTo(2.0);
        assertThat(config.path("seedRatioLimited").isBoolean()).isTrue();
        assertThat(config.path("seedRatioLimited").asBoolean()).isFalse();
        assertThat(config.path("idle-seeding-limit").isInt()).isTrue();
        assertThat(config.path("idle-seeding-limit").asInt()).isEqualTo(30);
        assertThat(config.path("idle-seeding-limit-enabled").isBoolean()).isTrue();
        assertThat(config.path("idle-seeding-limit-enabled").asBoolean()).isFalse();

        // The release, its data already in the category folder (so it seeds at once).
        Path tv = Files.createDirectories(downloads.resolve("tv-sonarr"));
        Path file = tv.resolve("Show.S01E01.mkv");
        Files.write(file, TransmissionRpcTest.random(300_000, 9));
        byte[] torrent = TorrentCreator.builder(file).pieceLength(16384).build().create();
        JsonNode added = rpc("torrent-add", "{\"metainfo\":\"" + Base64.getEncoder().encodeToString(torrent)
                + "\",\"paused\":false,\"download-dir\":\"" + tv + "\",\"labels\":[\"tv-sonarr\"]}");
        String hash = added.path("torrent-added").path("hashString").asString();
        assertThat(hash).hasSize(40);
        int id = added.path("torrent-added").path("id").asInt();

        // SetTorrentSeedingConfiguration: ratio and seed time (as an idle limit, in minutes), by hash.
        rpc("torrent-set", "{\"ids\":[\"" + hash + "\"],\"seedRatioLimit\":1.0,\"seedRatioMode\":1,"
                + "\"seedIdleLimit\":20160,\"seedIdleMode\":1}");
        rpc("queue-move-top", "{\"ids\":[\"" + hash + "\"]}");
        TransmissionRpcTest.await(() -> torrents.get(id).orElseThrow().status().state() == TorrentState.SEEDING);
        torrents.tick();

        JsonNode t = rpc("torrent-get", "{\"fields\":" + FIELDS + "}").path("torrents").get(0);
        assertThat(t.size()).as("every field asked for is answered: " + t).isEqualTo(20);
        assertThat(t.path("id").isInt()).isTrue();
        assertThat(t.path("id").asInt()).isEqualTo(id);
        assertThat(t.path("hashString").isString()).isTrue();
        assertThat(t.path("hashString").asString()).isEqualTo(hash);
        assertThat(t.path("name").isString()).isTrue();
        assertThat(t.path("name").asString()).isEqualTo("Show.S01E01.mkv");
        assertThat(t.path("downloadDir").isString()).isTrue();
        assertThat(t.path("downloadDir").asString()).isEqualTo(tv.toString());
        assertThat(t.path("totalSize").isIntegralNumber()).isTrue();
        assertThat(t.path("totalSize").asLong()).isEqualTo(300_000);
        assertThat(t.path("leftUntilDone").isIntegralNumber()).isTrue();
        assertThat(t.path("leftUntilDone").asLong()).isZero();
        assertThat(t.path("isFinished").isBoolean()).isTrue();
        assertThat(t.path("isFinished").asBoolean()).isFalse();
        assertThat(t.path("eta").isIntegralNumber()).isTrue();
        assertThat(t.path("eta").asInt()).isEqualTo(-1);
        assertThat(t.path("status").isInt()).isTrue();
        assertThat(t.path("status").asInt()).isEqualTo(TransmissionRpc.SEED);
        assertThat(t.path("secondsDownloading").isIntegralNumber()).isTrue();
        assertThat(t.path("secondsDownloading").asLong()).isZero();
        assertThat(t.path("secondsSeeding").isIntegralNumber()).isTrue();
        assertThat(t.path("errorString").isString()).isTrue();
        assertThat(t.path("errorString").asString()).isEmpty();
        assertThat(t.path("uploadedEver").isIntegralNumber()).isTrue();
        assertThat(t.path("uploadedEver").asLong()).isZero();
        assertThat(t.path("downloadedEver").isIntegralNumber()).isTrue();
        assertThat(t.path("downloadedEver").asLong()).isZero();
        assertThat(t.path("seedRatioLimit").isDouble()).isTrue();
        assertThat(t.path("seedRatioLimit").asDouble()).isEqualTo(1.0);
        assertThat(t.path("seedRatioMode").isInt()).isTrue();
        assertThat(t.path("seedRatioMode").asInt()).isEqualTo(1);
        assertThat(t.path("seedIdleLimit").isInt()).isTrue();
        assertThat(t.path("seedIdleLimit").asInt()).isEqualTo(20160);
        assertThat(t.path("seedIdleMode").isInt()).isTrue();
        assertThat(t.path("seedIdleMode").asInt()).isEqualTo(1);
        assertThat(t.path("fileCount").isInt()).isTrue();
        assertThat(t.path("fileCount").asInt()).isEqualTo(1);
        assertThat(t.path("labels").isArray()).isTrue();
        assertThat(t.path("labels").toString()).isEqualTo("[\"tv-sonarr\"]");

        // Sonarr's GetItems: leftUntilDone 0 while seeding is "completed"; not removable yet.
        assertThat(canBeRemoved(t, config)).isFalse();

        // After import: the post-import category as a label.
        rpc("torrent-set", "{\"ids\":[\"" + hash + "\"],\"labels\":[\"tv-sonarr-imported\"]}");
        assertThat(rpc("torrent-get", "{\"ids\":[\"" + hash + "\"],\"fields\":[\"labels\"]}").path("torrents").get(0)
                .path("labels").toString()).isEqualTo("[\"tv-sonarr-imported\"]");

        // The seeding goal reached (a ratio of 0 here, as nothing is uploaded on loopback without a
        // peer): Transmission stops it, finished, and Sonarr may remove it and move the files.
        rpc("torrent-set", "{\"ids\":[\"" + hash + "\"],\"seedRatioLimit\":0.0,\"seedRatioMode\":1}");
        TransmissionRpcTest.await(() -> torrents.get(id).orElseThrow().status().state() == TorrentState.PAUSED);
        JsonNode done = rpc("torrent-get", "{\"fields\":" + FIELDS + "}").path("torrents").get(0);
        assertThat(done.path("status").asInt()).isEqualTo(TransmissionRpc.STOPPED);
        assertThat(done.path("isFinished").asBoolean()).isTrue();
        assertThat(canBeRemoved(done, config)).isTrue();

        rpc("torrent-remove", "{\"ids\":[\"" + hash + "\"],\"delete-local-data\":false}");
        assertThat(rpc("torrent-get", "{\"fields\":" + FIELDS + "}").path("torrents")).isEmpty();
        assertThat(file).exists();
    }

    /** Sonarr's HasReachedSeedLimit for a torrent-get answer and a session-get one (its own arithmetic). */
    static boolean canBeRemoved(JsonNode t, JsonNode config) {
        boolean stopped = t.path("status").asInt() == 0;
        boolean seeding = t.path("status").asInt() == 6;
        long down = t.path("downloadedEver").asLong();
        double ratio = down <= 0 ? 0 : (double) t.path("uploadedEver").asLong() / down;
        if (t.path("seedRatioMode").asInt() == 1) {
            if (stopped && ratio >= t.path("seedRatioLimit").asDouble()) {
                return true;
            }
        } else if (t.path("seedRatioMode").asInt() == 0) {
            if (stopped && config.path("seedRatioLimited").asBoolean() && ratio >= config.path("seedRatioLimit").asDouble()) {
                return true;
            }
        }
        if (t.path("seedIdleMode").asInt() == 1) {
            return (stopped || seeding) && t.path("secondsSeeding").asLong() > t.path("seedIdleLimit").asLong() * 60;
        } else if (t.path("seedIdleMode").asInt() == 0) {
            return stopped && config.path("idle-seeding-limit-enabled").asBoolean();
        }
        return false;
    }
}
