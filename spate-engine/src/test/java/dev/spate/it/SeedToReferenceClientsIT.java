package dev.spate.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spate.engine.Session;
import dev.spate.engine.TorrentHandle;
import dev.spate.metainfo.Metainfo;
import dev.spate.metainfo.MetainfoParser;
import dev.spate.metainfo.TorrentCreator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Reference clients download from a Spate seed. */
class SeedToReferenceClientsIT {
    static final Duration TRANSFER = Duration.ofSeconds(90);

    @TempDir
    Path tmp;

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void libtorrentDownloadsAMultiFileTorrentByteExactFromASpateSeed() throws Exception {
        Path content = Payload.tree(tmp.resolve("seed/tree"), 21);
        Payload.file(content.resolve("sub/more.bin"), 3_000_017, 22);
        Path torrent = Files.write(tmp.resolve("tree.torrent"), TorrentCreator.builder(content).pieceLength(64 * 1024)
                .build().create());
        Metainfo meta = MetainfoParser.read(torrent);
        assertThat(Libtorrent.info(torrent).infoHashHex()).isEqualTo(meta.infoHashHex());
        Path download = Files.createDirectories(tmp.resolve("libtorrent"));
        try (Session seed = Session.open(DownloadFromReferenceSeedsIT.loopback(tmp.resolve("state")))) {
            TorrentHandle seeding = seed.add(meta, tmp.resolve("seed"));
            assertThat(seeding.awaitCompletion(Duration.ofSeconds(30))).isTrue();
            try (Libtorrent leech = Libtorrent.download(torrent, download, new Libtorrent.Options()
                    .noTrackers().peer("127.0.0.1", seed.listenPort()))) {
                leech.awaitCompleteAndExit(TRANSFER);
            }
            assertThat(seeding.status().uploaded()).isGreaterThanOrEqualTo(meta.info().totalLength());
        }
        Payload.assertSameTree(content, download.resolve("tree"));
    }
}
