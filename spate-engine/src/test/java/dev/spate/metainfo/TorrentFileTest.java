package dev.spate.metainfo;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spate.bencode.BDictionary;
import dev.spate.bencode.BString;
import dev.spate.bencode.Bencode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link Metainfo#toTorrentFile()}: a .torrent that parses back to the same torrent, info-hash and all. */
class TorrentFileTest {
    @TempDir
    Path tmp;

    @Test
    void aMagnetsMetadataBecomesATorrentWithTheLinksTrackersAndWebSeeds() throws Exception {
        Metainfo made = TorrentCreator.builder(Files.write(tmp.resolve("a.bin"), new byte[70_000])).build().createMetainfo();
        Metainfo fetched = MetainfoParser.fromInfo(made.infoBytes(),
                List.of(List.of("http://t1.example/announce"), List.of("udp://t2.example:6969")),
                List.of("http://ws.example/a.bin"));

        byte[] file = fetched.toTorrentFile();
        Metainfo again = MetainfoParser.parse(file);

        assertThat(again.infoHashHex()).isEqualTo(made.infoHashHex());
        assertThat(again).isEqualTo(fetched);
        BDictionary top = (BDictionary) Bencode.decode(file); // strict: keys in order (BEP 3)
        assertThat(((BString) top.get("announce")).text()).as("for clients that know no announce-list")
                .isEqualTo("http://t1.example/announce");
    }

    @Test
    void aTorrentWithoutTrackersHasNoAnnounceKeys() throws Exception {
        Metainfo made = TorrentCreator.builder(Files.write(tmp.resolve("b.bin"), new byte[1000])).build().createMetainfo();
        Metainfo bare = MetainfoParser.fromInfo(made.infoBytes(), List.of(), List.of());

        BDictionary top = (BDictionary) Bencode.decode(bare.toTorrentFile());

        assertThat(top.get("announce")).isNull();
        assertThat(top.get("announce-list")).isNull();
        assertThat(top.get("url-list")).isNull();
        assertThat(MetainfoParser.parse(bare.toTorrentFile())).isEqualTo(bare);
    }

    @Test
    void theCommentCreatorAndDateRoundTrip() throws Exception {
        byte[] created = TorrentCreator.builder(Files.write(tmp.resolve("c.bin"), new byte[5000]))
                .tracker("http://t.example/announce").comment("holiday").createdBy("someone")
                .creationDate(Instant.ofEpochSecond(1_700_000_000)).webSeed("http://ws.example/").build().create();
        Metainfo meta = MetainfoParser.parse(created);

        assertThat(MetainfoParser.parse(meta.toTorrentFile())).isEqualTo(meta);
    }
}
