package dev.spate.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spate.engine.Session;
import dev.spate.engine.TorrentHandle;
import dev.spate.engine.TorrentStatus;
import dev.spate.metainfo.FileEntry;
import dev.spate.metainfo.Metainfo;
import dev.spate.metainfo.MetainfoParser;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * BEP 47 pad files in a real download: libtorrent 2.0 makes a multi-file torrent a v1+v2 hybrid
 * padded so each file starts on a piece boundary. Spate downloads it through its v1 half from a
 * libtorrent seed, byte-exact, writing no pad file; and a Spate seed of it serves the pad bytes
 * (zeros, from no file) to a Spate leecher. Everything on 127.0.0.1.
 */
class PadFilesDownloadIT {
    static final int PIECE = 64 * 1024;
    static final Duration TRANSFER = Duration.ofSeconds(60);

    @TempDir
    Path tmp;

    /** The hybrid libtorrent makes of a tree whose files all end inside a piece. */
    private Metainfo paddedHybrid(Path content) throws Exception {
        Libtorrent.CreatedTorrent torrent = Libtorrent.createTorrent(content, tmp.resolve("padded.torrent"), PIECE, List.of(), true);
        Metainfo meta = MetainfoParser.read(torrent.file());
        assertThat(meta.version()).isEqualTo(Metainfo.Version.HYBRID);
        assertThat(meta.infoHashHex()).isEqualTo(torrent.infoHashHex());
        assertThat(meta.info().files()).filteredOn(FileEntry::isPad).hasSizeGreaterThanOrEqualTo(4);
        assertThat(meta.warnings()).isEmpty();
        return meta;
    }

    private static void assertDownloaded(TorrentHandle t, Metainfo meta) throws InterruptedException {
        assertThat(t.awaitCompletion(TRANSFER)).as("download completes; status %s", t.status()).isTrue();
        TorrentStatus s = t.status();
        assertThat(s.piecesVerified()).isEqualTo(meta.info().pieceCount());
        assertThat(s.hashFailures()).isZero();
    }

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void aPaddedHybridFromLibtorrentDownloadsByteExactWithoutPadFiles() throws Exception {
        Path content = DownloadFromReferenceSeedsIT.multiFile(tmp.resolve("seed/tree"), 47);
        Metainfo meta = paddedHybrid(content);
        Path leech = Files.createDirectories(tmp.resolve("leech"));
        try (Libtorrent seed = Libtorrent.seed(tmp.resolve("padded.torrent"), tmp.resolve("seed"), new Libtorrent.Options().noTrackers());
             Session session = Session.open(DownloadFromReferenceSeedsIT.loopback(tmp.resolve("state")))) {
            seed.awaitSeeding(Duration.ofSeconds(20));
            TorrentHandle t = session.add(meta, leech);
            t.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), seed.port()));
            assertDownloaded(t, meta);
        }
        // Exactly the source's files: no .pad directory, nothing else.
        Payload.assertSameTree(content, leech.resolve("tree"));
        assertThat(leech.resolve("tree/.pad")).doesNotExist();
    }

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void aSpateSeedOfAPaddedTorrentServesItsPadBytesToASpateLeecher() throws Exception {
        Path content = DownloadFromReferenceSeedsIT.multiFile(tmp.resolve("seed/tree"), 48);
        Metainfo meta = paddedHybrid(content);
        try (Session seed = Session.open(DownloadFromReferenceSeedsIT.loopback(tmp.resolve("seed-state")));
             Session leech = Session.open(DownloadFromReferenceSeedsIT.loopback(tmp.resolve("leech-state")))) {
            TorrentHandle seeding = seed.add(meta, tmp.resolve("seed"));
            assertThat(seeding.awaitCompletion(Duration.ofSeconds(30))).as("the seed's recheck, zeros for the pad files, finds every piece").isTrue();

            TorrentHandle downloading = leech.add(meta, tmp.resolve("leech"));
            downloading.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), seed.listenPort()));
            assertDownloaded(downloading, meta);
            assertThat(seeding.status().uploaded()).isGreaterThanOrEqualTo(meta.info().totalLength());
        }
        Payload.assertSameTree(content, tmp.resolve("leech/tree"));
    }
}
