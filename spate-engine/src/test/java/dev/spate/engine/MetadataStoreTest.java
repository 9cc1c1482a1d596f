package dev.spate.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spate.bencode.BDictionary;
import dev.spate.bencode.Bencode;
import dev.spate.core.InfoHash;
import dev.spate.metainfo.Magnet;
import dev.spate.metainfo.Metainfo;
import dev.spate.metainfo.MetainfoParser;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The kept metadata of magnet links: web seeds (BEP 19 {@code ws}) survive the round trip. */
class MetadataStoreTest {
    @TempDir
    Path state;

    @Test
    void aKeptTorrentKeepsItsLinksWebSeedsAndGainsThoseOfTheLinkGivenNow() throws Exception {
        byte[] info = Bencode.encode(BDictionary.builder().put("name", "x.bin").put("length", 20)
                .put("piece length", 16384).put("pieces", new byte[20]).build());
        Metainfo fetched = MetainfoParser.fromInfo(info, List.of(List.of("http://t/announce")),
                List.of("http://a.example/pub/"));
        InfoHash hash = InfoHash.of(fetched.infoHash());
        MetadataStore store = new MetadataStore(state);
        store.save(fetched);

        Magnet same = Magnet.parse("magnet:?xt=urn:btih:" + hash.hex());
        Metainfo kept = store.load(hash, same).orElseThrow();
        assertThat(kept.webSeeds()).containsExactly("http://a.example/pub/");
        assertThat(kept.trackerTiers()).containsExactly(List.of("http://t/announce"));
        assertThat(kept.infoHash()).isEqualTo(fetched.infoHash());

        Magnet more = Magnet.parse("magnet:?xt=urn:btih:" + hash.hex() + "&ws=http%3A%2F%2Fb.example%2F"
                + "&ws=http%3A%2F%2Fa.example%2Fpub%2F");
        assertThat(store.load(hash, more).orElseThrow().webSeeds())
                .containsExactly("http://a.example/pub/", "http://b.example/");
    }
}
