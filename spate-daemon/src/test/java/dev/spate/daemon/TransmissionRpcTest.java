package dev.spate.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spate.engine.FilePriority;
import dev.spate.engine.FileStatus;
import dev.spate.engine.Session;
import dev.spate.engine.SessionConfig;
import dev.spate.engine.TorrentHandle;
import dev.spate.engine.TorrentState;
import dev.spate.metainfo.TorrentCreator;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The Transmission RPC over HTTP against a real session on 127.0.0.1: JSON in, JSON out, and the
 * HTTP guards (the session-id dance, Basic auth, the Host check, bounded bodies).
 */
@Timeout(60)
class TransmissionRpcTest {
    static final JsonMapper JSON = JsonMapper.builder().build();

    @TempDir
    Path tmp;

    Session session;
    Torrents torrents;
    RpcServer server;

    @BeforeEach
    void open() throws IOException {
        session = Session.open(SessionConfig.builder().bindAddress(InetAddress.getLoopbackAddress()).listenPort(0)
                .stateDirectory(tmp.resolve("state")).localDiscovery(false).dht(false).build());
        Files.createDirectories(tmp.resolve("downloads"));
        torrents = new Torrents(session, tmp.resolve("downloads"), DownloadRoots.of(List.of(tmp)), null);
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

    /** A request as a Transmission client sends it once it has the session id. */
    Http.Response post(RpcServer to, String body, String... extra) throws IOException {
        String[] headers = new String[extra.length + 1];
        headers[0] = RpcServer.SESSION_ID_HEADER + ": " + to.sessionId();
        System.arraycopy(extra, 0, headers, 1, extra.length);
        return Http.send(to.address(), "POST", RpcServer.PATH, body, headers);
    }

    JsonNode call(String method, String arguments) throws IOException {
        Http.Response r = post(server, "{\"method\":\"" + method + "\",\"arguments\":" + arguments + ",\"tag\":7}");
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        JsonNode answer = JSON.readTree(r.body());
        assertThat(answer.path("tag").asInt()).isEqualTo(7);
        return answer;
    }

    /** A two-file torrent of random data in {@code dir/name}; its bytes. */
    byte[] torrentOf(Path dir, String name) throws IOException {
        Path root = dir.resolve(name);
        Files.createDirectories(root);
        Files.write(root.resolve("a.bin"), random(100_000, 1));
        Files.write(root.resolve("b.bin"), random(50_000, 2));
        return TorrentCreator.builder(root).pieceLength(16384).build().create();
    }

    static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new java.util.Random(seed).nextBytes(b);
        return b;
    }

    static void await(Supplier<Boolean> condition) throws InterruptedException {
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (!condition.get()) {
            assertThat(System.nanoTime()).as("condition within 20 s").isLessThan(deadline);
            Thread.sleep(20);
        }
    }

    @Test
    void aRequestWithoutTheSessionIdGets409WithTheIdAndTheSameRequestWithItIsAnswered() throws IOException {
        String body = "{\"method\":\"session-get\"}";
        Http.Response first = Http.send(server.address(), "POST", RpcServer.PATH, body);
        assertThat(first.status()).isEqualTo(409);
        String id = first.header(RpcServer.SESSION_ID_HEADER);
        assertThat(id).isNotBlank().isEqualTo(server.sessionId());

        Http.Response wrong = Http.send(server.address(), "POST", RpcServer.PATH, body,
                RpcServer.SESSION_ID_HEADER + ": not-" + id);
        assertThat(wrong.status()).isEqualTo(409);

        Http.Response second = Http.send(server.address(), "POST", RpcServer.PATH, body,
                RpcServer.SESSION_ID_HEADER + ": " + id);
        assertThat(second.status()).isEqualTo(200);
        JsonNode answer = JSON.readTree(second.body());
        assertThat(answer.path("result").asString()).isEqualTo("success");
        assertThat(answer.path("arguments").path("rpc-version").asInt()).isEqualTo(17);
        assertThat(answer.path("arguments").path("version").asString()).startsWith("4.0.0");
        assertThat(answer.path("arguments").path("download-dir").asString())
                .isEqualTo(tmp.resolve("downloads").toAbsolutePath().toString());
        assertThat(answer.path("arguments").path("peer-port").asInt()).isEqualTo(session.listenPort());
    }

    @Test
    void aHostHeaderNamingAnotherMachineIsRefusedAgainstDnsRebinding() throws IOException {
        String body = "{\"method\":\"session-get\"}";
        int port = server.address().getPort();
        for (String host : List.of("evil.example", "evil.example:" + port, "127.0.0.1.evil.example", "10.0.0.1")) {
            Http.Response r = post(server, body, "Host: " + host);
            assertThat(r.status()).as(host).isEqualTo(421);
            assertThat(r.header(RpcServer.SESSION_ID_HEADER)).as("no session id to " + host).isNull();
        }
        for (String host : List.of("localhost:" + port, "127.0.0.1:" + port, "[::1]:" + port, "LOCALHOST", "localhost.")) {
            assertThat(post(server, body, "Host: " + host).status()).as(host).isEqualTo(200);
        }
        for (String host : List.of("[0:0:0:0:0:0:0:1]", "[::0:1]:" + port)) {
            assertThat(server.hostAllowed(host)).as(host).isTrue();
        }
        for (String host : List.of("[evil.example]", "[abc]", "[::2]", "::1", "[::1", "")) {
            assertThat(server.hostAllowed(host)).as(host).isFalse();
        }
        assertThat(server.hostAllowed(null)).isFalse();
    }

    @Test
    void boundToTheWildcardEveryAddressOfThisMachineIsTheBindAddressButNoOtherName() throws Exception {
        java.util.Set<String> hosts = RpcServer.allowedHosts(InetAddress.getByName("0.0.0.0"));
        assertThat(hosts).contains("localhost", "127.0.0.1", "0:0:0:0:0:0:0:1");
        for (java.net.NetworkInterface nif : java.util.Collections.list(java.net.NetworkInterface.getNetworkInterfaces())) {
            for (InetAddress a : java.util.Collections.list(nif.getInetAddresses())) {
                assertThat(hosts).contains(a.getHostAddress().replaceFirst("%.*$", "").toLowerCase(java.util.Locale.ROOT));
            }
        }
        assertThat(hosts).allMatch(h -> h.equals("localhost") || h.matches("[0-9a-f:.]+"));
        assertThat(RpcServer.allowedHosts(InetAddress.getByName("127.0.0.2"))).contains("127.0.0.2").hasSize(4);
    }

    @Test
    void withCredentialsEveryRequestMustAuthenticateBeforeItLearnsTheSessionId() throws IOException {
        try (RpcServer guarded = RpcServer.start(torrents, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                Optional.of("alice:s3cret"))) {
            String body = "{\"method\":\"session-get\"}";
            Http.Response none = Http.send(guarded.address(), "POST", RpcServer.PATH, body);
            assertThat(none.status()).isEqualTo(401);
            assertThat(none.header("WWW-Authenticate")).startsWith("Basic");
            assertThat(none.header(RpcServer.SESSION_ID_HEADER)).isNull();
            String wrong = "Authorization: Basic " + Base64.getEncoder().encodeToString("alice:guess".getBytes(StandardCharsets.UTF_8));
            assertThat(post(guarded, body, wrong).status()).isEqualTo(401);
            assertThat(post(guarded, body, "Authorization: Basic !!!").status()).isEqualTo(401);
            String right = "Authorization: Basic " + Base64.getEncoder().encodeToString("alice:s3cret".getBytes(StandardCharsets.UTF_8));
            Http.Response dance = Http.send(guarded.address(), "POST", RpcServer.PATH, body, right);
            assertThat(dance.status()).isEqualTo(409);
            assertThat(post(guarded, body, right).status()).isEqualTo(200);
        }
    }

    @Test
    void badJsonGets400AndAnUnknownMethodIsAResultNeverA500() throws IOException {
        Http.Response bad = post(server, "{\"method\": session-get");
        assertThat(bad.status()).isEqualTo(400);
        assertThat(JSON.readTree(bad.body()).path("result").asString()).isEqualTo("JSON parse error");

        JsonNode unknown = call("torrent-frobnicate", "{}");
        assertThat(unknown.path("result").asString()).isEqualTo("method name not recognized");

        Http.Response notAnObject = post(server, "[1,2]");
        assertThat(notAnObject.status()).isEqualTo(200);
        assertThat(JSON.readTree(notAnObject.body()).path("result").asString()).isNotEqualTo("success");

        JsonNode noFields = call("torrent-get", "{\"ids\":[\"x\",{}]}");
        assertThat(noFields.path("result").asString()).isNotEqualTo("success");
    }

    @Test
    void aBodyLargerThanTheBoundIsRefusedUnread() throws IOException {
        Http.Response r = post(server, "", "Content-Length: " + (RpcServer.MAX_BODY + 1L));
        assertThat(r.status()).isEqualTo(413);
        Http.Response get = Http.send(server.address(), "GET", RpcServer.PATH, null,
                RpcServer.SESSION_ID_HEADER + ": " + server.sessionId());
        assertThat(get.status()).isEqualTo(405);
    }

    @Test
    void torrentAddFromMetainfoPausedThenAgainIsADuplicate() throws Exception {
        byte[] torrent = torrentOf(tmp.resolve("data"), "two");
        String args = "{\"metainfo\":\"" + Base64.getEncoder().encodeToString(torrent) + "\",\"download-dir\":\""
                + tmp.resolve("data") + "\",\"paused\":true}";
        JsonNode added = call("torrent-add", args);
        assertThat(added.path("result").asString()).isEqualTo("success");
        JsonNode t = added.path("arguments").path("torrent-added");
        assertThat(t.path("id").asInt()).isEqualTo(1);
        assertThat(t.path("name").asString()).isEqualTo("two");
        TorrentHandle handle = session.torrents().getFirst();
        assertThat(t.path("hashString").asString()).isEqualTo(handle.infoHash().hex());
        await(() -> handle.status().state() == TorrentState.PAUSED && handle.status().isComplete());

        JsonNode again = call("torrent-add", args);
        assertThat(again.path("result").asString()).isEqualTo("success");
        assertThat(again.path("arguments").path("torrent-duplicate").path("id").asInt()).isEqualTo(1);
        assertThat(session.torrents()).hasSize(1);

        JsonNode corrupt = call("torrent-add", "{\"metainfo\":\"" + Base64.getEncoder().encodeToString(new byte[] {'d', 'e'}) + "\"}");
        assertThat(corrupt.path("result").asString()).startsWith("invalid or corrupt torrent file");
        assertThat(call("torrent-add", "{}").path("result").asString()).isEqualTo("no filename or metainfo specified");
        assertThat(call("torrent-add", "{\"filename\":\"" + tmp.resolve("missing.torrent") + "\"}").path("result")
                .asString()).isEqualTo("not a .torrent file: " + tmp.resolve("missing.torrent"));
    }

    @Test
    void torrentGetAnswersTheFieldsAskedForAndIgnoresUnknownOnes() throws Exception {
        Path file = tmp.resolve("t.torrent");
        Files.write(file, torrentOf(tmp.resolve("data"), "two"));
        JsonNode added = call("torrent-add", "{\"filename\":\"" + file + "\",\"download-dir\":\"" + tmp.resolve("data") + "\"}");
        assertThat(added.path("result").asString()).isEqualTo("success");
        TorrentHandle handle = session.torrents().getFirst();
        await(() -> handle.status().state() == TorrentState.SEEDING);

        JsonNode got = call("torrent-get", "{\"ids\":[1],\"fields\":[\"id\",\"hashString\",\"name\",\"status\",\"percentDone\","
                + "\"totalSize\",\"sizeWhenDone\",\"leftUntilDone\",\"rateDownload\",\"rateUpload\",\"downloadDir\",\"error\","
                + "\"errorString\",\"eta\",\"peersConnected\",\"uploadedEver\",\"downloadedEver\",\"files\",\"fileStats\","
                + "\"wanted\",\"priorities\",\"isFinished\",\"addedDate\",\"labels\",\"noSuchField\"]}");
        assertThat(got.path("result").asString()).isEqualTo("success");
        JsonNode t = got.path("arguments").path("torrents").get(0);
        assertThat(t.path("id").asInt()).isEqualTo(1);
        assertThat(t.path("hashString").asString()).isEqualTo(handle.infoHash().hex());
        assertThat(t.path("name").asString()).isEqualTo("two");
        assertThat(t.path("status").asInt()).isEqualTo(TransmissionRpc.SEED);
        assertThat(t.path("percentDone").asDouble()).isEqualTo(1.0);
        assertThat(t.path("totalSize").asLong()).isEqualTo(150_000);
        assertThat(t.path("sizeWhenDone").asLong()).isEqualTo(150_000);
        assertThat(t.path("leftUntilDone").asLong()).isZero();
        assertThat(t.path("downloadDir").asString()).isEqualTo(tmp.resolve("data").toString());
        assertThat(t.path("error").asInt()).isZero();
        assertThat(t.path("errorString").asString()).isEmpty();
        assertThat(t.path("eta").asInt()).isEqualTo(-1);
        assertThat(t.path("peersConnected").asInt()).isZero();
        assertThat(t.path("files")).hasSize(2);
        assertThat(t.path("files").get(0).path("name").asString()).isEqualTo("two/a.bin");
        assertThat(t.path("files").get(0).path("length").asLong()).isEqualTo(100_000);
        assertThat(t.path("files").get(1).path("bytesCompleted").asLong()).isEqualTo(50_000);
        assertThat(t.path("fileStats").get(1).path("wanted").asBoolean()).isTrue();
        assertThat(t.path("wanted").toString()).isEqualTo("[1,1]");
        assertThat(t.path("priorities").toString()).isEqualTo("[0,0]");
        assertThat(t.path("isFinished").asBoolean()).isFalse();
        assertThat(t.path("addedDate").asLong()).isCloseTo(System.currentTimeMillis() / 1000, org.assertj.core.data.Offset.offset(60L));
        assertThat(t.path("labels").isArray()).isTrue();
        assertThat(t.has("noSuchField")).isFalse();
        assertThat(t.has("rateDownload") && t.has("rateUpload") && t.has("uploadedEver") && t.has("downloadedEver")).isTrue();

        // By hash, by a bare number, for all (no ids), and as a table.
        assertThat(call("torrent-get", "{\"ids\":\"" + handle.infoHash().hex().toUpperCase() + "\",\"fields\":[\"id\"]}")
                .path("arguments").path("torrents").get(0).path("id").asInt()).isEqualTo(1);
        assertThat(call("torrent-get", "{\"ids\":1,\"fields\":[\"id\"]}").path("arguments").path("torrents")).hasSize(1);
        assertThat(call("torrent-get", "{\"ids\":[2],\"fields\":[\"id\"]}").path("arguments").path("torrents")).isEmpty();
        assertThat(call("torrent-get", "{\"fields\":[\"id\"]}").path("arguments").path("torrents")).hasSize(1);
        assertThat(call("torrent-get", "{\"fields\":[\"id\",\"name\"],\"format\":\"table\"}").path("arguments")
                .path("torrents").toString()).isEqualTo("[[\"id\",\"name\"],[1,\"two\"]]");

        JsonNode stats = call("session-stats", "{}").path("arguments");
        assertThat(stats.path("torrentCount").asInt()).isEqualTo(1);
        assertThat(stats.path("activeTorrentCount").asInt()).isEqualTo(1);
        assertThat(stats.path("cumulative-stats").path("sessionCount").asInt()).isEqualTo(1);
    }

    @Test
    void filesChosenWithTheAddApplyBeforeItStartsAndAPausedAddStaysPaused() throws Exception {
        Path file = tmp.resolve("t.torrent");
        Files.write(file, torrentOf(tmp.resolve("seeded"), "two"));
        // As transmission-remote -a FILE -G 1 -ph 0 sends it; nothing of the torrent's is on disk yet.
        JsonNode added = call("torrent-add", "{\"filename\":\"" + file + "\",\"files-unwanted\":[1],\"priority-high\":[0]}");
        assertThat(added.path("result").asString()).isEqualTo("success");
        TorrentHandle handle = session.torrents().getFirst();
        assertThat(handle.status().files().stream().map(FileStatus::priority).toList())
                .containsExactly(FilePriority.HIGH, FilePriority.SKIP);
        await(() -> handle.status().state() == TorrentState.DOWNLOADING);
        JsonNode t = call("torrent-get", "{\"fields\":[\"wanted\",\"priorities\",\"status\"]}").path("arguments")
                .path("torrents").get(0);
        assertThat(t.path("wanted").toString()).isEqualTo("[1,0]");
        assertThat(t.path("priorities").toString()).isEqualTo("[1,0]");
        assertThat(t.path("status").asInt()).isEqualTo(TransmissionRpc.DOWNLOAD);

        call("torrent-remove", "{}");
        call("torrent-add", "{\"filename\":\"" + file + "\",\"files-wanted\":[0],\"paused\":true}");
        TorrentHandle paused = session.torrents().getFirst();
        await(() -> paused.status().state() == TorrentState.PAUSED);
        assertThat(call("torrent-add", "{\"filename\":\"" + file + "\",\"files-wanted\":\"all\"}").path("result")
                .asString()).isEqualTo("files-wanted is not an array");
        assertThat(session.torrents()).hasSize(1);
    }

    @Test
    void stopStartVerifySetFilesAndRemoveWithDataReachTheEngine() throws Exception {
        Path file = tmp.resolve("t.torrent");
        Files.write(file, torrentOf(tmp.resolve("data"), "two"));
        call("torrent-add", "{\"filename\":\"" + file + "\",\"download-dir\":\"" + tmp.resolve("data") + "\"}");
        TorrentHandle handle = session.torrents().getFirst();
        await(() -> handle.status().state() == TorrentState.SEEDING);

        assertThat(call("torrent-stop", "{\"ids\":[1]}").path("result").asString()).isEqualTo("success");
        await(() -> handle.status().state() == TorrentState.PAUSED);
        // Transmission's isFinished is "done seeding" (a seeding limit reached), not "stopped when done".
        assertThat(call("torrent-get", "{\"fields\":[\"status\",\"isFinished\"]}").path("arguments").path("torrents").get(0)
                .toString()).isEqualTo("{\"status\":0,\"isFinished\":false}");
        call("torrent-start", "{\"ids\":[1]}");
        await(() -> handle.status().state() == TorrentState.SEEDING);

        // A piece of b.bin damaged on disk: verify finds it missing.
        Path b = tmp.resolve("data/two/b.bin");
        byte[] bytes = Files.readAllBytes(b);
        bytes[bytes.length - 1] ^= 1;
        Files.write(b, bytes);
        call("torrent-verify", "{\"ids\":[1]}");
        await(() -> handle.status().state() == TorrentState.DOWNLOADING && !handle.status().isComplete());

        assertThat(call("torrent-set", "{\"ids\":[1],\"files-unwanted\":[1],\"priority-high\":[0]}").path("result")
                .asString()).isEqualTo("success");
        await(() -> handle.status().files().stream().map(FileStatus::priority).toList()
                .equals(List.of(FilePriority.HIGH, FilePriority.SKIP)));
        JsonNode t = call("torrent-get", "{\"fields\":[\"wanted\",\"priorities\",\"fileStats\"]}").path("arguments")
                .path("torrents").get(0);
        assertThat(t.path("wanted").toString()).isEqualTo("[1,0]");
        assertThat(t.path("priorities").toString()).isEqualTo("[1,0]");
        assertThat(t.path("fileStats").get(1).path("wanted").asBoolean()).isFalse();
        // Wanted again, with the priority it had: kept apart from wanted, as Transmission keeps it.
        call("torrent-set", "{\"files-wanted\":[],\"priority-low\":[1]}");
        await(() -> handle.status().files().stream().map(FileStatus::priority).toList()
                .equals(List.of(FilePriority.HIGH, FilePriority.LOW)));
        assertThat(call("torrent-set", "{\"files-wanted\":[5]}").path("result").asString()).contains("no file 5");
        assertThat(call("torrent-set", "{\"files-wanted\":\"all\"}").path("result").asString()).isNotEqualTo("success");

        assertThat(call("torrent-remove", "{\"ids\":[1],\"delete-local-data\":true}").path("result").asString())
                .isEqualTo("success");
        assertThat(session.torrents()).isEmpty();
        assertThat(tmp.resolve("data/two")).doesNotExist();
        assertThat(call("torrent-get", "{\"fields\":[\"id\"]}").path("arguments").path("torrents")).isEmpty();
    }

    @Test
    void removeWithoutDataLeavesTheFilesAndIdsAreNotReused() throws Exception {
        Path file = tmp.resolve("t.torrent");
        Files.write(file, torrentOf(tmp.resolve("data"), "two"));
        call("torrent-add", "{\"filename\":\"" + file + "\",\"download-dir\":\"" + tmp.resolve("data") + "\"}");
        call("torrent-remove", "{\"ids\":[1]}");
        assertThat(session.torrents()).isEmpty();
        assertThat(tmp.resolve("data/two/a.bin")).exists();
        JsonNode again = call("torrent-add", "{\"filename\":\"" + file + "\",\"download-dir\":\"" + tmp.resolve("data") + "\"}");
        assertThat(again.path("arguments").path("torrent-added").path("id").asInt()).isEqualTo(2);
    }

    @Test
    void aMagnetLinkIsAddedAtOnceAndItsFilesAreNotKnownYet() throws Exception {
        String hex = "0123456789abcdef0123456789abcdef01234567";
        JsonNode added = call("torrent-add", "{\"filename\":\"magnet:?xt=urn:btih:" + hex + "&dn=later\",\"paused\":true}");
        assertThat(added.path("arguments").path("torrent-added").path("hashString").asString()).isEqualTo(hex);
        JsonNode t = call("torrent-get", "{\"fields\":[\"files\",\"wanted\",\"downloadDir\"]}").path("arguments")
                .path("torrents").get(0);
        assertThat(t.path("files")).isEmpty();
        assertThat(t.path("downloadDir").asString()).isEqualTo(tmp.resolve("downloads").toAbsolutePath().toString());
        assertThat(call("torrent-set", "{\"files-unwanted\":[0]}").path("result").asString()).contains("not known yet");
    }

    @Test
    void withoutCredentialsOnlyThisMachineIsServedAndWithThemAnyClientMayTry() throws Exception {
        InetAddress elsewhere = InetAddress.getByName("198.18.0.2");
        assertThat(RpcServer.clientAllowed(InetAddress.getByName("127.0.0.1"), false)).isTrue();
        assertThat(RpcServer.clientAllowed(InetAddress.getByName("127.5.6.7"), false)).isTrue();
        assertThat(RpcServer.clientAllowed(InetAddress.getByName("::1"), false)).isTrue();
        assertThat(RpcServer.clientAllowed(elsewhere, false)).isFalse();
        assertThat(RpcServer.clientAllowed(InetAddress.getByName("::ffff:198.18.0.2"), false)).isFalse();
        assertThat(RpcServer.clientAllowed(null, false)).isFalse();
        assertThat(RpcServer.clientAllowed(elsewhere, true)).isTrue();
    }

    @Test
    void torrentReannounceAsksTheTrackerAgainWhichItsLongIntervalWouldNotHave() throws Exception {
        try (LoopbackTracker tracker = new LoopbackTracker(3600, 1)) {
            Path root = Files.createDirectories(tmp.resolve("downloads/again"));
            Files.write(root.resolve("a.bin"), random(40_000, 5));
            byte[] torrent = TorrentCreator.builder(root).tracker(tracker.url()).pieceLength(16384).build().create();
            call("torrent-add", "{\"metainfo\":\"" + Base64.getEncoder().encodeToString(torrent) + "\"}");
            await(() -> tracker.announces() == 1);
            // The tracker's minimum interval is a second: asked until it has passed, it announces again.
            await(() -> {
                try {
                    assertThat(call("torrent-reannounce", "{\"ids\":[1]}").path("result").asString()).isEqualTo("success");
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
                return tracker.announces() >= 2;
            });
        }
    }

    @Test
    void aTorrentAddedPausedTellsNoTrackerUntilItIsStarted() throws Exception {
        try (LoopbackTracker tracker = new LoopbackTracker(3600, 0)) {
            Path root = Files.createDirectories(tmp.resolve("downloads/quiet"));
            Files.write(root.resolve("a.bin"), random(40_000, 6));
            byte[] torrent = TorrentCreator.builder(root).tracker(tracker.url()).pieceLength(16384).build().create();
            call("torrent-add", "{\"paused\":true,\"metainfo\":\"" + Base64.getEncoder().encodeToString(torrent) + "\"}");
            await(() -> torrents.get(1).orElseThrow().status().state() == TorrentState.PAUSED
                    && torrents.get(1).orElseThrow().status().isComplete());
            assertThat(tracker.announces()).as("checked, and stopped without a word to the tracker").isZero();
            call("torrent-start", "{\"ids\":[1]}");
            await(() -> tracker.announces() == 1);
        }
    }
}
