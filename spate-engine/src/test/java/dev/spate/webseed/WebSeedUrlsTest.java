package dev.spate.webseed;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spate.metainfo.TorrentInfo;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 10, unit = TimeUnit.SECONDS)
class WebSeedUrlsTest {

    static TorrentInfo single(String name) {
        return TestTorrents.singleFile(name, new byte[100], 16384);
    }

    static TorrentInfo multi(String name, List<List<String>> paths) {
        LinkedHashMap<List<String>, byte[]> files = new LinkedHashMap<>();
        for (List<String> p : paths) {
            files.put(p, new byte[10]);
        }
        return TestTorrents.multiFile(name, files, 16384);
    }

    @Test
    void aSingleFileTorrentIsAtTheUrlItself() throws Exception {
        assertThat(WebSeedUrls.fileUris(WebSeedUrls.parse("http://mirror.example/pub/file.iso"), single("other.iso")))
                .containsExactly(URI.create("http://mirror.example/pub/file.iso"));
    }

    @Test
    void aUrlEndingInASlashGetsTheTorrentsNameEncoded() throws Exception {
        assertThat(WebSeedUrls.fileUris(WebSeedUrls.parse("http://mirror.example/pub/"),
                single("Débian 12 #1 (100%) a+b?.iso")))
                .containsExactly(URI.create("http://mirror.example/pub/D%C3%A9bian%2012%20%231%20%28100%25%29%20a%2Bb%3F.iso"));
    }

    @Test
    void aUrlWithoutAPathIsTheServersRoot() throws Exception {
        assertThat(WebSeedUrls.fileUris(WebSeedUrls.parse("http://mirror.example:8080"), single("a b")))
                .containsExactly(URI.create("http://mirror.example:8080/a%20b"));
    }

    @Test
    void eachFileOfAMultiFileTorrentIsUrlNamePathWithEveryComponentEncoded() throws Exception {
        TorrentInfo info = multi("My Album", List.of(List.of("CD 1", "01 – Intro.flac"), List.of("cover&back.jpg"),
                List.of("日本", "a;b=c", "%41.txt")));
        assertThat(WebSeedUrls.fileUris(WebSeedUrls.parse("https://mirror.example/pub/"), info)).containsExactly(
                URI.create("https://mirror.example/pub/My%20Album/CD%201/01%20%E2%80%93%20Intro.flac"),
                URI.create("https://mirror.example/pub/My%20Album/cover%26back.jpg"),
                URI.create("https://mirror.example/pub/My%20Album/%E6%97%A5%E6%9C%AC/a%3Bb%3Dc/%2541.txt"));
    }

    @Test
    void aMultiFileUrlWithoutTheTrailingSlashGetsOne() throws Exception {
        TorrentInfo info = multi("dir", List.of(List.of("a"), List.of("b")));
        assertThat(WebSeedUrls.fileUris(WebSeedUrls.parse("http://mirror.example/pub"), info)).containsExactly(
                URI.create("http://mirror.example/pub/dir/a"), URI.create("http://mirror.example/pub/dir/b"));
    }

    @Test
    void theWebSeedsQueryIsKeptAfterTheFilesPathAndItsFragmentDropped() throws Exception {
        TorrentInfo info = multi("dir", List.of(List.of("a"), List.of("b")));
        assertThat(WebSeedUrls.fileUris(WebSeedUrls.parse("http://mirror.example/pub/?token=x%2Fy#frag"), info))
                .containsExactly(URI.create("http://mirror.example/pub/dir/a?token=x%2Fy"),
                        URI.create("http://mirror.example/pub/dir/b?token=x%2Fy"));
    }

    @Test
    void spacesNonAsciiAndLonePercentsInTheGivenUrlAreEncodedAndEscapesKept() throws Exception {
        assertThat(WebSeedUrls.parse(" http://mirror.example/My Files/ü/100%/a%20b/ "))
                .isEqualTo(URI.create("http://mirror.example/My%20Files/%C3%BC/100%25/a%20b/"));
    }

    @Test
    void onlyAbsoluteHttpAndHttpsUrlsWithAHostAreWebSeeds() {
        assertThatThrownBy(() -> WebSeedUrls.parse("ftp://mirror.example/pub/"))
                .isInstanceOf(WebSeedException.class)
                .hasMessage("web seed ftp://mirror.example/pub/: scheme ftp is not http or https")
                .extracting(e -> ((WebSeedException) e).kind()).isEqualTo(WebSeedException.Kind.BAD_URL);
        assertThatThrownBy(() -> WebSeedUrls.parse("/pub/file.iso"))
                .hasMessage("web seed /pub/file.iso: not an absolute URL");
        assertThatThrownBy(() -> WebSeedUrls.parse("http:///pub/file.iso"))
                .hasMessageStartingWith("web seed http:///pub/file.iso: ");
        assertThatThrownBy(() -> WebSeed.open(URI.create("file:///etc/passwd"), single("a"), WebSeedConfig.defaults()))
                .isInstanceOf(WebSeedException.class)
                .hasMessage("web seed file:///etc/passwd: scheme file is not http or https");
    }

    @Test
    void aPieceThatSpansFilesTakesOneRequestPerNonEmptyFileSpan() throws Exception {
        LinkedHashMap<List<String>, byte[]> files = new LinkedHashMap<>();
        files.put(List.of("a"), new byte[10_000]);
        files.put(List.of("empty"), new byte[0]);
        files.put(List.of("b"), new byte[3_000]);
        files.put(List.of("c"), new byte[20_000]);
        TorrentInfo info = TestTorrents.multiFile("t", files, 16384); // pieces: [0,16384) [16384,32768) [32768,33000)
        WebSeed seed = WebSeed.open("http://m.example/", info, WebSeedConfig.defaults());

        assertThat(seed.plan(0, 16384)).containsExactly(
                new SpanRequest(0, URI.create("http://m.example/t/a"), 10_000, 0, 10_000, 0),
                new SpanRequest(2, URI.create("http://m.example/t/b"), 3_000, 0, 3_000, 10_000),
                new SpanRequest(3, URI.create("http://m.example/t/c"), 20_000, 0, 3_384, 13_000));
        assertThat(seed.plan(16384, 16384)).containsExactly(
                new SpanRequest(3, URI.create("http://m.example/t/c"), 20_000, 3_384, 16384, 0));
        assertThat(seed.plan(32768, 232)).singleElement()
                .satisfies(s -> assertThat(s.rangeHeader()).isEqualTo("bytes=19768-19999"));
        assertThatThrownBy(() -> seed.plan(32768, 233)).isInstanceOf(IndexOutOfBoundsException.class);
    }
}
