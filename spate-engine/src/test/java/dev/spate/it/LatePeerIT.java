package dev.spate.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spate.engine.Session;
import dev.spate.engine.SessionConfig;
import dev.spate.engine.TorrentHandle;
import dev.spate.metainfo.Metainfo;
import dev.spate.metainfo.MetainfoParser;
import dev.spate.metainfo.TorrentCreator;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code spate download --peer HOST:PORT} where the peer is not there yet: a peer that refused a connection
 * must be tried again (with back-off) until it answers, not dropped after one try. The control is the same
 * download with the seed listening from the start.
 */
class LatePeerIT {
    static final Duration TRANSFER = Duration.ofSeconds(60);
    /** How long after the download starts the seed begins to listen. */
    static final Duration LATE = Duration.ofSeconds(5);

    @TempDir
    Path tmp;

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void theCliDownloadsFromAGivenPeerThatListensFromTheStart() throws Exception {
        SpateCli.jar();
        Path content = Payload.file(tmp.resolve("seed/single.bin"), 3_000_017, 71);
        Path torrent = torrent(content);
        int port = freePort();
        try (Session seed = seedOn(port, torrent);
             ExternalProcess download = SpateCli.download(torrent, tmp.resolve("out"), tmp.resolve("state"),
                     List.of("127.0.0.1:" + port), List.of(), null)) {
            assertThat(download.waitForExit(TRANSFER)).as("exit; log:\n%s", download.logTail(20)).isZero();
            assertThat(SpateCli.summary(download).group("state")).isEqualTo("complete");
        }
        Payload.assertSameTree(content, tmp.resolve("out/single.bin"));
    }

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void aGivenPeerThatRefusedAtFirstIsDialledAgainUntilItAnswers() throws Exception {
        SpateCli.jar();
        Path content = Payload.file(tmp.resolve("seed/single.bin"), 3_000_017, 72);
        Path torrent = torrent(content);
        int port = freePort();
        try (ExternalProcess download = SpateCli.download(torrent, tmp.resolve("out"), tmp.resolve("state"),
                List.of("127.0.0.1:" + port), List.of(), null)) {
            download.waitForLine("^listening on port ", Duration.ofSeconds(30));
            // Nothing listens on the port yet: the first dial is refused at once.
            ExternalProcess.sleep(LATE.toMillis());
            assertThat(download.isAlive()).as("still downloading; log:\n%s", download.logTail(20)).isTrue();
            String beforeTheSeed = download.logText();
            try (Session seed = seedOn(port, torrent)) {
                int code;
                try {
                    code = download.waitForExit(TRANSFER);
                } catch (AssertionError e) {
                    throw new AssertionError("the download never reached 127.0.0.1:" + port + ", which refused it "
                            + "at first and listens since " + LATE + " after the start; it printed before:\n"
                            + beforeTheSeed + "\n" + e.getMessage(), e);
                }
                assertThat(code).as("exit; log:\n%s", download.logTail(20)).isZero();
                assertThat(SpateCli.summary(download).group("state")).isEqualTo("complete");
            }
        }
        Payload.assertSameTree(content, tmp.resolve("out/single.bin"));
    }

    /** A torrent without trackers: the one way to the seed is the {@code --peer} given. */
    static Path torrent(Path content) throws Exception {
        return Files.write(content.getParent().resolveSibling("single.torrent"),
                TorrentCreator.builder(content).pieceLength(32 * 1024).build().create());
    }

    /** A seed in this JVM listening on 127.0.0.1:{@code port}, its data verified. */
    Session seedOn(int port, Path torrent) throws Exception {
        Session seed = Session.open(SessionConfig.builder().localDiscovery(false).dht(false).bindAddress(InetAddress.getLoopbackAddress())
                .listenPort(port).stateDirectory(tmp.resolve("seed-state")).build());
        try {
            assertThat(seed.listenPort()).isEqualTo(port);
            Metainfo meta = MetainfoParser.read(torrent);
            TorrentHandle h = seed.add(meta, tmp.resolve("seed"));
            assertThat(h.awaitCompletion(Duration.ofSeconds(30))).as("seed's data verified").isTrue();
            return seed;
        } catch (Exception | AssertionError e) {
            seed.close();
            throw e;
        }
    }

    /** A port nobody listens on now (asked of the kernel, then closed). */
    static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
