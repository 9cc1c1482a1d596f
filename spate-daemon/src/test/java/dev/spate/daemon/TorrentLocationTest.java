package dev.spate.daemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spate.engine.FilePriority;
import dev.spate.engine.FileStatus;
import dev.spate.engine.Session;
import dev.spate.engine.SessionConfig;
import dev.spate.engine.TorrentState;
import dev.spate.metainfo.TorrentCreator;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * Where data may go over the RPC: torrent-add's download-dir, torrent-set-location (moving the data
 * or finding it there) and free-space answer only for paths inside the download roots; the facade's
 * default directory too.
 */
@Timeout(60)
class TorrentLocationTest {
    @TempDir
    Path tmp;

    Path root;
    Session session;
    TorrentStore store;
    Torrents torrents;
    RpcServer server;

    @BeforeEach
    void open() throws IOException {
        session = Session.open(SessionConfig.builder().bindAddress(InetAddress.getLoopbackAddress()).listenPort(0)
                .stateDirectory(tmp.resolve("state")).localDiscovery(false).dht(false).build());
        root = Files.createDirectories(tmp.resolve("root"));
        Files.createDirectories(root.resolve("downloads"));
        store = TorrentStore.open(tmp.resolve("state"));
        torrents = new Torrents(session, root.resolve("downloads"), DownloadRoots.of(List.of(root)), store);
        server = RpcServer.start(torrents, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), Optional.empty());
    }

    @AfterEach
    void close() throws IOException {
        server.close();
        session.close();
        store.close();
    }

    JsonNode call(String method, String arguments) throws IOException {
        Http.Response r = Http.send(server.address(), "POST", RpcServer.PATH,
                "{\"method\":\"" + method + "\",\"arguments\":" + arguments + "}",
                RpcServer.SESSION_ID_HEADER + ": " + server.sessionId());
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        return TransmissionRpcTest.JSON.readTree(r.body());
    }

    static String result(JsonNode answer) {
        return answer.path("result").asString();
    }

    /** A two-file torrent of random data in {@code dir/two}, written to {@code root/two.torrent}. */
    Path torrentIn(Path dir) throws IOException {
        Path content = Files.createDirectories(dir.resolve("two"));
        Files.write(content.resolve("a.bin"), TransmissionRpcTest.random(100_000, 1));
        Files.write(content.resolve("b.bin"), TransmissionRpcTest.random(50_000, 2));
        Path file = root.resolve("two.torrent");
        Files.write(file, TorrentCreator.builder(content).pieceLength(16384).build().create());
        return file;
    }

    @Test
    void aTorrentNamedByPathIsReadOnlyInsideTheRootsAndOnlyAsARegularFile() throws Exception {
        Path secret = Files.writeString(tmp.resolve("secret.txt"), "root:x:0:0");
        String outside = result(call("torrent-add", "{\"filename\":\"" + secret + "\"}"));
        assertThat(outside).contains("inside the download roots").doesNotContain("root:x");
        Path fifo = root.resolve("pipe.torrent");
        assertThat(new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor()).isZero();
        // A FIFO would block the request until someone writes to it: refused without opening it.
        assertThat(result(call("torrent-add", "{\"filename\":\"" + fifo + "\"}"))).startsWith("not a .torrent file");
        Path link = root.resolve("link.torrent");
        Files.createSymbolicLink(link, secret);
        assertThat(result(call("torrent-add", "{\"filename\":\"" + link + "\"}")))
                .as("a link inside pointing out").contains("inside the download roots");
    }

    JsonNode torrent1(String fields) throws IOException {
        return call("torrent-get", "{\"ids\":[1],\"fields\":[" + fields + "]}").path("arguments").path("torrents").get(0);
    }

    @Test
    void torrentAddRefusesADownloadDirOutsideTheRootsNamingThePathAndTheRoots() throws Exception {
        Path file = torrentIn(root.resolve("downloads"));
        Path out = Files.createDirectories(tmp.resolve("elsewhere"));
        String refused = result(call("torrent-add", "{\"filename\":\"" + file + "\",\"download-dir\":\"" + out + "\"}"));
        assertThat(refused).contains(out.toString()).contains("outside the download roots (" + root + ")");
        Files.createSymbolicLink(root.resolve("link-out"), out);
        assertThat(result(call("torrent-add", "{\"filename\":\"" + file + "\",\"download-dir\":\"" + root
                + "/link-out/x\"}"))).contains("outside the download roots");
        assertThat(result(call("torrent-add", "{\"filename\":\"" + file + "\",\"download-dir\":\"" + root
                + "/downloads/../../elsewhere\"}"))).contains("outside the download roots");
        assertThat(session.torrents()).isEmpty();
        assertThat(result(call("torrent-add", "{\"filename\":\"" + file + "\",\"download-dir\":\"" + root
                + "/downloads\"}"))).isEqualTo("success");
    }

    @Test
    void setLocationWithMoveMovesTheDataAndTheDirectoryChangesOnceMovedAndIsKept() throws Exception {
        Path file = torrentIn(root.resolve("downloads"));
        call("torrent-add", "{\"filename\":\"" + file + "\"}");
        TransmissionRpcTest.await(() -> session.torrents().getFirst().status().state() == TorrentState.SEEDING);

        Path target = root.resolve("moved/here");
        assertThat(result(call("torrent-set-location", "{\"ids\":[1],\"location\":\"" + target + "\",\"move\":true}")))
                .isEqualTo("success");
        TransmissionRpcTest.await(() -> {
            try {
                return torrent1("\"downloadDir\"").path("downloadDir").asString().equals(target.toString());
            } catch (IOException e) {
                throw new AssertionError(e);
            }
        });
        assertThat(target.resolve("two/a.bin")).exists();
        assertThat(root.resolve("downloads/two/a.bin")).doesNotExist();
        TransmissionRpcTest.await(() -> session.torrents().getFirst().status().state() == TorrentState.SEEDING);
        assertThat(store.read().torrents().getFirst().directory()).isEqualTo(target);
    }

    @Test
    void setLocationWithoutMoveAddsTheTorrentAgainThereWithItsIdAndSettings() throws Exception {
        Path file = torrentIn(root.resolve("downloads"));
        call("torrent-add", "{\"filename\":\"" + file + "\",\"paused\":true}");
        call("torrent-set", "{\"ids\":[1],\"files-unwanted\":[1],\"priority-high\":[0]}");
        Path copy = Files.createDirectories(root.resolve("copy/two"));
        for (String name : List.of("a.bin", "b.bin")) {
            Files.copy(root.resolve("downloads/two/" + name), copy.resolve(name));
        }
        assertThat(result(call("torrent-set-location", "{\"ids\":[1],\"location\":\"" + root.resolve("copy") + "\"}")))
                .isEqualTo("success");
        assertThat(session.torrents()).hasSize(1);
        var handle = session.torrents().getFirst();
        TransmissionRpcTest.await(() -> handle.status().state() == TorrentState.PAUSED && handle.status().isFinished());
        assertThat(handle.status().files().stream().map(FileStatus::priority).toList())
                .containsExactly(FilePriority.HIGH, FilePriority.SKIP);
        JsonNode t = torrent1("\"id\",\"downloadDir\",\"status\",\"wanted\"");
        assertThat(t.path("id").asInt()).isEqualTo(1);
        assertThat(t.path("downloadDir").asString()).isEqualTo(root.resolve("copy").toString());
        assertThat(t.path("status").asInt()).isEqualTo(TransmissionRpc.STOPPED);
        assertThat(t.path("wanted").toString()).isEqualTo("[1,0]");
        assertThat(root.resolve("downloads/two/a.bin")).as("the old copy is left alone").exists();
        TorrentStore.Saved kept = store.read().torrents().getFirst();
        assertThat(kept.directory()).isEqualTo(root.resolve("copy"));
        assertThat(kept.paused()).isTrue();
        assertThat(kept.wanted()).containsExactly(true, false);
    }

    @Test
    void aTorrentWaitingInTheQueueStillWaitsOnceAddedAgainElsewhere() throws Exception {
        assertThat(result(call("session-set", "{\"download-queue-enabled\":true,\"download-queue-size\":1}")))
                .isEqualTo("success");
        for (int n = 1; n <= 2; n++) {
            Path content = Files.createDirectories(tmp.resolve("src" + n));
            Files.write(content.resolve("f.bin"), TransmissionRpcTest.random(100_000, 10 + n));
            Path file = root.resolve(n + ".torrent");
            Files.write(file, TorrentCreator.builder(content.resolve("f.bin")).pieceLength(16384).build().create());
            // Nothing of it on disk: it downloads (from nobody), or waits for its place.
            assertThat(result(call("torrent-add", "{\"filename\":\"" + file + "\",\"download-dir\":\"" + root
                    .resolve("empty" + n) + "\"}"))).isEqualTo("success");
        }
        JsonNode second = call("torrent-get", "{\"ids\":[2],\"fields\":[\"status\"]}").path("arguments").path("torrents").get(0);
        assertThat(second.path("status").asInt()).isEqualTo(TransmissionRpc.DOWNLOAD_WAIT);
        assertThat(result(call("torrent-set-location", "{\"ids\":[2],\"location\":\"" + root.resolve("elsewhere") + "\"}")))
                .isEqualTo("success");
        JsonNode after = call("torrent-get", "{\"ids\":[2],\"fields\":[\"status\",\"downloadDir\"]}").path("arguments")
                .path("torrents").get(0);
        assertThat(after.path("status").asInt()).isEqualTo(TransmissionRpc.DOWNLOAD_WAIT);
        assertThat(after.path("downloadDir").asString()).isEqualTo(root.resolve("elsewhere").toString());
        // The one waiting is paused in the engine, the other downloads.
        TransmissionRpcTest.await(() -> session.torrents().stream()
                .filter(h -> h.status().state() == TorrentState.PAUSED).count() == 1);
    }

    @Test
    void torrentSetsLocationIsASetLocationWithoutMovingCheckedBeforeAnythingIsApplied() throws Exception {
        Path file = torrentIn(root.resolve("downloads"));
        call("torrent-add", "{\"filename\":\"" + file + "\"}");
        TransmissionRpcTest.await(() -> session.torrents().getFirst().status().state() == TorrentState.SEEDING);
        String refused = result(call("torrent-set", "{\"ids\":[1],\"labels\":[\"x\"],\"location\":\"" + tmp.resolve("out")
                + "\"}"));
        assertThat(refused).contains("outside the download roots");
        assertThat(torrent1("\"labels\"").path("labels").toString()).as("nothing applied").isEqualTo("[]");
        assertThat(result(call("torrent-set", "{\"ids\":[1],\"location\":7}"))).isEqualTo("invalid argument: location");

        Path copy = Files.createDirectories(root.resolve("copy/two"));
        for (String name : List.of("a.bin", "b.bin")) {
            Files.copy(root.resolve("downloads/two/" + name), copy.resolve(name));
        }
        assertThat(result(call("torrent-set", "{\"ids\":[1],\"labels\":[\"x\"],\"location\":\"" + root.resolve("copy")
                + "\"}"))).isEqualTo("success");
        JsonNode t = torrent1("\"downloadDir\",\"labels\"");
        assertThat(t.path("downloadDir").asString()).isEqualTo(root.resolve("copy").toString());
        assertThat(t.path("labels").toString()).isEqualTo("[\"x\"]");
        TransmissionRpcTest.await(() -> session.torrents().getFirst().status().state() == TorrentState.SEEDING);
    }

    @Test
    void setLocationOutsideTheRootsIsRefusedAndNothingMoves() throws Exception {
        Path file = torrentIn(root.resolve("downloads"));
        call("torrent-add", "{\"filename\":\"" + file + "\"}");
        Path out = tmp.resolve("out");
        for (String move : List.of("true", "false")) {
            assertThat(result(call("torrent-set-location", "{\"ids\":[1],\"location\":\"" + out + "\",\"move\":" + move + "}")))
                    .contains(out.toString()).contains("outside the download roots");
        }
        assertThat(result(call("torrent-set-location", "{\"ids\":[1]}"))).isEqualTo("no location specified");
        assertThat(out).doesNotExist();
        assertThat(torrent1("\"downloadDir\"").path("downloadDir").asString()).isEqualTo(root.resolve("downloads").toString());
    }

    @Test
    void aMagnetLinkWithoutItsMetadataMovesAtOnceHavingNothingOnDisk() throws Exception {
        String hex = "0123456789abcdef0123456789abcdef01234567";
        call("torrent-add", "{\"filename\":\"magnet:?xt=urn:btih:" + hex + "\",\"paused\":true}");
        assertThat(result(call("torrent-set-location", "{\"ids\":[1],\"location\":\"" + root.resolve("later")
                + "\",\"move\":true}"))).isEqualTo("success");
        JsonNode t = torrent1("\"id\",\"downloadDir\",\"status\"");
        assertThat(t.path("downloadDir").asString()).isEqualTo(root.resolve("later").toString());
        assertThat(t.path("status").asInt()).isEqualTo(TransmissionRpc.STOPPED);
        assertThat(session.torrents()).hasSize(1);
        assertThat(store.read().torrents().getFirst().magnet()).isPresent();
    }

    @Test
    void freeSpaceAnswersForPathsInsideTheRootsOnly() throws Exception {
        JsonNode inside = call("free-space", "{\"path\":\"" + root.resolve("downloads") + "\"}");
        assertThat(result(inside)).isEqualTo("success");
        JsonNode a = inside.path("arguments");
        assertThat(a.path("path").asString()).isEqualTo(root.resolve("downloads").toString());
        assertThat(a.path("size-bytes").isIntegralNumber()).isTrue();
        assertThat(a.path("size-bytes").asLong()).isPositive();
        assertThat(a.path("total_size").asLong()).isGreaterThanOrEqualTo(a.path("size-bytes").asLong());
        assertThat(result(call("free-space", "{\"path\":\"" + root.resolve("not/yet") + "\"}"))).isEqualTo("success");
        assertThat(result(call("free-space", "{\"path\":\"/etc\"}"))).contains("/etc").contains("outside the download roots");
        assertThat(call("free-space", "{\"path\":\"/etc\"}").path("arguments").has("size-bytes")).isFalse();
        assertThat(result(call("free-space", "{}"))).isEqualTo("no path specified");
    }

    @Test
    void theDefaultDirectoryMayChangeOnlyToAPlaceInsideTheRoots() throws Exception {
        torrents.setDefaultDirectory(root.resolve("other"));
        assertThat(torrents.defaultDirectory()).isEqualTo(root.resolve("other"));
        assertThatThrownBy(() -> torrents.setDefaultDirectory(tmp.resolve("out")))
                .isInstanceOf(Torrents.TorrentsException.class).hasMessageContaining("outside the download roots");
        assertThat(torrents.defaultDirectory()).isEqualTo(root.resolve("other"));
        assertThatThrownBy(() -> new Torrents(session, tmp, DownloadRoots.of(List.of(root)), null))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
