package dev.spate.metainfo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spate.bencode.BDictionary;
import dev.spate.bencode.Bencode;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link MetainfoParser#fromInfo}: the metainfo of a magnet link once its info dictionary came from peers. */
class MetainfoFromInfoTest {

    static byte[] libtorrentTorrent() throws Exception {
        try (InputStream in = MetainfoFromInfoTest.class.getResourceAsStream("/wire/libtorrent/lt-metadata.torrent")) {
            return in.readAllBytes();
        }
    }

    @Test
    void theInfoBytesOfATorrentGiveTheSameTorrentWithTheLinksTrackersAndWebSeeds() throws Exception {
        byte[] torrent = libtorrentTorrent();
        Metainfo fromFile = MetainfoParser.parse(torrent);
        var span = ((BDictionary) Bencode.decode(torrent)).get("info").span();
        byte[] info = Arrays.copyOfRange(torrent, span.offset(), span.end());
        Magnet magnet = Magnet.parse("magnet:?xt=urn:btih:" + fromFile.infoHashHex()
                + "&tr=http://a.example/announce&tr=udp://b.example:1&ws=http://w.example/");
        Metainfo m = MetainfoParser.fromInfo(info, magnet.trackerTiers(), magnet.webSeeds());
        assertThat(m.info()).isEqualTo(fromFile.info());
        assertThat(m.infoHash()).isEqualTo(magnet.requireV1InfoHash().bytes());
        assertThat(m.infoBytes()).isEqualTo(info);
        assertThat(m.trackerTiers()).containsExactly(List.of("http://a.example/announce"), List.of("udp://b.example:1"));
        assertThat(m.webSeeds()).containsExactly("http://w.example/");
        assertThat(m.info().files()).hasSize(400);
    }

    @Test
    void emptyTiersAreDropped() throws Exception {
        byte[] torrent = libtorrentTorrent();
        var span = ((BDictionary) Bencode.decode(torrent)).get("info").span();
        Metainfo m = MetainfoParser.fromInfo(Arrays.copyOfRange(torrent, span.offset(), span.end()),
                List.of(List.of(), List.of("http://t.example/")), List.of());
        assertThat(m.trackerTiers()).containsExactly(List.of("http://t.example/"));
    }

    @Test
    void refusesBytesThatAreNotAValidInfoDictionary() {
        assertThatThrownBy(() -> MetainfoParser.fromInfo("d4:name".getBytes(StandardCharsets.US_ASCII), List.of(), List.of()))
                .isInstanceOf(MetainfoException.class).hasMessageStartingWith("info dictionary is not bencoded: ");
        assertThatThrownBy(() -> MetainfoParser.fromInfo("le".getBytes(StandardCharsets.US_ASCII), List.of(), List.of()))
                .hasMessage("info dictionary is a list, expected a dictionary");
        assertThatThrownBy(() -> MetainfoParser.fromInfo("d4:name1:ae".getBytes(StandardCharsets.US_ASCII), List.of(),
                List.of())).hasMessage("missing 'piece length' in info dictionary");
    }
}
