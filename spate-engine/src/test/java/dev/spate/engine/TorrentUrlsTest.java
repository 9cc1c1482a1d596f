package dev.spate.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spate.metainfo.Metainfo;
import dev.spate.metainfo.MetainfoException;
import dev.spate.metainfo.MetainfoParser;
import dev.spate.metainfo.TorrentCreator;
import dev.spate.tracker.TestHttpServer;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** A .torrent by URL against a raw HTTP server on 127.0.0.1: every bound gives its own one-line error. */
@Timeout(30)
class TorrentUrlsTest {
    static final Duration TIMEOUT = Duration.ofSeconds(10);

    @TempDir
    Path tmp;
    byte[] torrent;

    @BeforeEach
    void makeATorrent() throws IOException {
        Path data = Files.write(tmp.resolve("data.bin"), new byte[40_000]);
        torrent = TorrentCreator.builder(data).tracker("http://tracker.invalid/announce").build().create();
    }

    @Test
    void aServedTorrentParsesAsTheFileWould() throws Exception {
        try (TestHttpServer server = new TestHttpServer(target -> TestHttpServer.ok(torrent))) {
            Metainfo meta = TorrentUrls.fetch(URI.create(server.url("/data.torrent")), TIMEOUT);

            assertThat(meta).isEqualTo(MetainfoParser.parse(torrent));
            assertThat(server.targets()).containsExactly("/data.torrent");
        }
    }

    @Test
    void redirectsAreFollowedUpToFiveAndTheSixthIsRefused() throws Exception {
        // /r/N redirects to /r/N-1; /r/0 is the torrent.
        try (TestHttpServer server = new TestHttpServer(target -> {
            int n = Integer.parseInt(target.substring("/r/".length()));
            return n == 0 ? TestHttpServer.ok(torrent) : TestHttpServer.redirect("/r/" + (n - 1));
        })) {
            assertThat(TorrentUrls.fetch(URI.create(server.url("/r/5")), TIMEOUT).infoHashHex())
                    .isEqualTo(MetainfoParser.parse(torrent).infoHashHex());
            assertThatThrownBy(() -> TorrentUrls.fetch(URI.create(server.url("/r/6")), TIMEOUT))
                    .isInstanceOf(IOException.class)
                    .hasMessage(server.url("/r/6") + ": too many redirects (more than 5)");
        }
    }

    @Test
    void aRedirectLoopIsNamedAsOne() throws Exception {
        try (TestHttpServer server = new TestHttpServer(target -> TestHttpServer.redirect(
                target.equals("/a") ? "/b" : "/a"))) {
            assertThatThrownBy(() -> TorrentUrls.fetch(URI.create(server.url("/a")), TIMEOUT))
                    .isInstanceOf(IOException.class)
                    .hasMessage(server.url("/a") + ": redirect loop (back to " + server.url("/a") + ")");
            assertThat(server.targets()).containsExactly("/a", "/b");
        }
    }

    @Test
    void aRedirectToAnotherSchemeIsRefused() throws Exception {
        try (TestHttpServer server = new TestHttpServer(target -> TestHttpServer.redirect("file:///etc/passwd"))) {
            assertThatThrownBy(() -> TorrentUrls.fetch(URI.create(server.url("/x.torrent")), TIMEOUT))
                    .isInstanceOf(IOException.class)
                    .hasMessage(server.url("/x.torrent") + ": redirected to file:///etc/passwd, not an http or https URL");
        }
    }

    @Test
    void aStatusOtherThanSuccessNamesItsCode() throws Exception {
        try (TestHttpServer server = new TestHttpServer(target -> target.equals("/moved")
                ? TestHttpServer.redirect("/gone")
                : "HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\nConnection: close\r\n\r\nnot found".getBytes(
                        StandardCharsets.US_ASCII))) {
            assertThatThrownBy(() -> TorrentUrls.fetch(URI.create(server.url("/x.torrent?passkey=secret")), TIMEOUT))
                    .isInstanceOf(IOException.class)
                    .as("the query, a passkey perhaps, is not shown")
                    .hasMessage(server.url("/x.torrent") + ": HTTP 404");
            assertThatThrownBy(() -> TorrentUrls.fetch(URI.create(server.url("/moved")), TIMEOUT))
                    .hasMessage(server.url("/moved") + " (redirected to " + server.url("/gone") + "): HTTP 404");
        }
    }

    @Test
    void aBodyLargerThanTheBoundIsRefusedWhetherItsLengthIsDeclaredOrNot() throws Exception {
        byte[] big = new byte[4097];
        byte[] chunked = TestHttpServer.concat(("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
                + "1001\r\n").getBytes(StandardCharsets.US_ASCII), TestHttpServer.concat(big,
                "\r\n0\r\n\r\n".getBytes(StandardCharsets.US_ASCII)));
        try (TestHttpServer server = new TestHttpServer(target -> target.equals("/declared")
                ? TestHttpServer.ok(big) : chunked)) {
            for (String path : new String[] {"/declared", "/chunked"}) {
                assertThatThrownBy(() -> TorrentUrls.fetch(URI.create(server.url(path)), TIMEOUT, 4096))
                        .as(path).isInstanceOf(IOException.class)
                        .hasMessage(server.url(path) + ": too large for a .torrent file (more than 4096 bytes)");
            }
            assertThat(TorrentUrls.get(URI.create(server.url("/chunked")), TIMEOUT, 4097)).hasSize(4097);
        }
    }

    @Test
    void theWholeFetchIsBoundedEvenWhenTheBodyNeverEnds() throws Exception {
        // Headers at once, then 10 of the 1,000 bytes promised, then nothing: only the deadline ends it.
        byte[] partial = TestHttpServer.concat("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n".getBytes(
                StandardCharsets.US_ASCII), new byte[10]);
        try (TestHttpServer server = new TestHttpServer(target -> partial, true)) {
            long start = System.nanoTime();
            assertThatThrownBy(() -> TorrentUrls.fetch(URI.create(server.url("/slow.torrent")), Duration.ofMillis(500)))
                    .isInstanceOf(IOException.class)
                    .hasMessage(server.url("/slow.torrent") + ": no complete answer within 500 ms");
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
        }
    }

    @Test
    void aBodyThatIsNotATorrentSaysSo() throws Exception {
        try (TestHttpServer server = new TestHttpServer(target -> TestHttpServer.ok("<html>login first</html>"))) {
            assertThatThrownBy(() -> TorrentUrls.fetch(URI.create(server.url("/x.torrent")), TIMEOUT))
                    .isInstanceOf(MetainfoException.class)
                    .hasMessageStartingWith(server.url("/x.torrent") + ": not a .torrent file: ");
        }
    }

    @Test
    void aRefusedConnectionNamesTheAddress() throws Exception {
        int port;
        try (TestHttpServer server = new TestHttpServer(target -> null)) {
            port = URI.create(server.url("/")).getPort();
        }
        assertThatThrownBy(() -> TorrentUrls.fetch(URI.create("http://127.0.0.1:" + port + "/x.torrent"), TIMEOUT))
                .isInstanceOf(IOException.class)
                .hasMessage("http://127.0.0.1:" + port + "/x.torrent: cannot connect to 127.0.0.1:" + port
                        + ": connection refused");
    }

    @Test
    void onlyHttpAndHttpsAreUrlsOfTorrents() {
        assertThat(TorrentUrls.isUrl("HTTPS://example.com/x.torrent")).isTrue();
        assertThat(TorrentUrls.isUrl("http://example.com/x.torrent")).isTrue();
        assertThat(TorrentUrls.isUrl("ftp://example.com/x.torrent")).isFalse();
        assertThat(TorrentUrls.isUrl("http.torrent")).isFalse();
        assertThatThrownBy(() -> TorrentUrls.fetch(URI.create("ftp://127.0.0.1/x.torrent"), TIMEOUT))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("ftp://127.0.0.1/x.torrent: not an http or https URL");
    }
}
