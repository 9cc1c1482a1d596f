package dev.spate.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spate.engine.Session;
import dev.spate.engine.TorrentHandle;
import dev.spate.engine.TorrentStatus;
import dev.spate.metainfo.Metainfo;
import dev.spate.metainfo.TorrentCreator;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Spate against Spate on 127.0.0.1. */
class SpateSwarmIT {

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void aLeecherDownloadsAMultiFileTorrentByteExactFromASpateSeed(@TempDir Path tmp) throws Exception {
        Path source = Payload.tree(tmp.resolve("seed/tree"), 42);
        Metainfo meta = TorrentCreator.builder(source).pieceLength(32 * 1024).build().createMetainfo();
        try (Session seed = Session.open(DownloadFromReferenceSeedsIT.loopback(tmp.resolve("state")));
             Session leech = Session.open(DownloadFromReferenceSeedsIT.loopback(tmp.resolve("state")))) {
            TorrentHandle seeding = seed.add(meta, tmp.resolve("seed"));
            assertThat(seeding.awaitCompletion(Duration.ofSeconds(30))).as("seed checks its data").isTrue();

            TorrentHandle downloading = leech.add(meta, tmp.resolve("leech"));
            downloading.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), seed.listenPort()));
            assertThat(downloading.awaitCompletion(Duration.ofSeconds(60))).as("download completes").isTrue();

            TorrentStatus s = downloading.status();
            assertThat(s.piecesVerified()).isEqualTo(meta.info().pieceCount());
            assertThat(s.hashFailures()).isZero();
            assertThat(seeding.status().uploaded()).isGreaterThanOrEqualTo(meta.info().totalLength());
        }
        Payload.assertSameTree(source, tmp.resolve("leech/tree"));
    }
}
