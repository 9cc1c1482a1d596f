package dev.spate.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spate.engine.Session;
import dev.spate.engine.TorrentHandle;
import dev.spate.metainfo.Magnet;
import dev.spate.metainfo.Metainfo;
import dev.spate.metainfo.MetainfoParser;
import dev.spate.metainfo.TorrentCreator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Spate as the source of a torrent's metadata (BEP 9's serving side): reference clients (libtorrent,
 * qBittorrent through its Web API) given only a magnet link with Spate's address fetch the info
 * dictionary from a Spate seed (in-process or {@code spate seed}), then the data, byte-exact; so
 * does a libtorrent leech from a Spate that had fetched the metadata by magnet itself, and for a
 * hybrid v1+v2 torrent; a private torrent's metadata is not served (BEP 27).
 */
class MagnetSeedIT {
    static final int PIECE = 64 * 1024;
    static final int METADATA_PIECE = 16 * 1024;

    /**
     * {@link DownloadFromReferenceSeedsIT#multiFile} plus 160 small files with 200-letter names, so
     * that the info dictionary spans three BEP 9 metadata pieces, the last one short.
     */
    static Path treeWithBigMetadata(Path root, long seed) {
        DownloadFromReferenceSeedsIT.multiFile(root, seed);
        for (int i = 0; i < 160; i++) {
            Payload.file(root.resolve("names").resolve(String.format("%03d-", i) + "n".repeat(196)), 37L * i + 1,
                    seed + 100 + i);
        }
        return root;
    }

    @TempDir
    Path tmp;

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void libtorrentGivenOnlyAMagnetLinkFetchesTheMetadataFromASpateSeedAndDownloadsByteExact() throws Exception {
        Path content = treeWithBigMetadata(tmp.resolve("seed/tree"), 41);
        Libtorrent.CreatedTorrent torrent = Libtorrent.createTorrent(content, tmp.resolve("tree.torrent"), PIECE,
                List.of());
        Metainfo meta = MetainfoParser.read(torrent.file());
        assertThat(meta.infoBytes().length).isBetween(2 * METADATA_PIECE + 1, 3 * METADATA_PIECE - 1);
        Path download = Files.createDirectories(tmp.resolve("libtorrent"));
        try (Session seed = Session.open(DownloadFromReferenceSeedsIT.loopback(tmp.resolve("state")))) {
            TorrentHandle seeding = seed.add(meta, tmp.resolve("seed"));
            assertThat(seeding.awaitCompletion(Duration.ofSeconds(30))).isTrue();
            String magnet = "magnet:?xt=urn:btih:" + meta.infoHashHex() + "&x.pe=127.0.0.1:" + seed.listenPort();
            try (Libtorrent leech = Libtorrent.downloadMagnet(magnet, download, new Libtorrent.Options())) {
                assertThat(leech.awaitMetadata(Duration.ofSeconds(30))).isEqualTo("tree");
                leech.awaitCompleteAndExit(Duration.ofSeconds(60));
            }
            assertThat(seeding.status().uploaded()).isGreaterThanOrEqualTo(meta.info().totalLength());
        }
        Payload.assertSameTree(content, download.resolve("tree"));
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void theSeedCommandServesTheMetadataToALibtorrentMagnetLeech() throws Exception {
        SpateCli.jar();
        Path content = DownloadFromReferenceSeedsIT.singleFile(tmp.resolve("seed/single.bin"), 47);
        Path torrent = Files.write(tmp.resolve("single.torrent"), TorrentCreator.builder(content).pieceLength(PIECE)
                .build().create());
        String hash = MetainfoParser.read(torrent).infoHashHex();
        Path download = Files.createDirectories(tmp.resolve("libtorrent"));
        try (SeedProcess seed = SeedProcess.start("spate-seed-magnet", torrent, tmp.resolve("seed"), 0, List.of(),
                List.of());
             Libtorrent leech = Libtorrent.downloadMagnet("magnet:?xt=urn:btih:" + hash + "&x.pe=127.0.0.1:"
                     + seed.port(), download, new Libtorrent.Options())) {
            assertThat(leech.awaitMetadata(Duration.ofSeconds(30))).isEqualTo("single.bin");
            leech.awaitCompleteAndExit(Duration.ofSeconds(60));
        }
        Payload.assertSameTree(content, download.resolve("single.bin"));
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void metadataSpateFetchedByMagnetIsServedOnToTheNextMagnetLeech() throws Exception {
        Path content = treeWithBigMetadata(tmp.resolve("origin/tree"), 45);
        Libtorrent.CreatedTorrent torrent = Libtorrent.createTorrent(content, tmp.resolve("tree.torrent"), PIECE,
                List.of());
        String hash = torrent.infoHashHex();
        Path relay = Files.createDirectories(tmp.resolve("spate"));
        Path download = Files.createDirectories(tmp.resolve("libtorrent"));
        try (Session spate = Session.open(DownloadFromReferenceSeedsIT.loopback(tmp.resolve("state")))) {
            TorrentHandle fetched;
            try (Libtorrent origin = Libtorrent.seed(torrent.file(), tmp.resolve("origin"), new Libtorrent.Options()
                    .noTrackers())) {
                origin.awaitSeeding(Duration.ofSeconds(20));
                fetched = spate.add(Magnet.parse("magnet:?xt=urn:btih:" + hash + "&x.pe=127.0.0.1:" + origin.port()),
                        relay);
                assertThat(fetched.awaitCompletion(Duration.ofSeconds(60))).as("%s", fetched.status()).isTrue();
            }
            // The origin is gone: only Spate, which had nothing but the link, can give the metadata now.
            try (Libtorrent leech = Libtorrent.downloadMagnet("magnet:?xt=urn:btih:" + hash + "&x.pe=127.0.0.1:"
                    + spate.listenPort(), download, new Libtorrent.Options())) {
                assertThat(leech.awaitMetadata(Duration.ofSeconds(30))).isEqualTo("tree");
                leech.awaitCompleteAndExit(Duration.ofSeconds(60));
            }
        }
        Payload.assertSameTree(content, download.resolve("tree"));
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void aHybridTorrentsWholeInfoDictionaryIsServedAndLibtorrentDownloadsItByItsV1Hash() throws Exception {
        // The v2 parts (file tree, meta version) are inside the info dictionary the v1 info-hash is over;
        // the piece layers are not (they sit beside it in a .torrent), and a peer that does not speak v2 cannot
        // give them: libtorrent still downloads, byte-exact.
        Path content = DownloadFromReferenceSeedsIT.multiFile(tmp.resolve("seed/tree"), 46);
        Libtorrent.CreatedTorrent torrent = Libtorrent.createTorrent(content, tmp.resolve("tree.torrent"), PIECE,
                List.of(), true);
        Metainfo meta = MetainfoParser.read(torrent.file());
        assertThat(meta.version()).isEqualTo(Metainfo.Version.HYBRID);
        Path download = Files.createDirectories(tmp.resolve("libtorrent"));
        try (Session seed = Session.open(DownloadFromReferenceSeedsIT.loopback(tmp.resolve("state")))) {
            TorrentHandle seeding = seed.add(meta, tmp.resolve("seed"));
            assertThat(seeding.awaitCompletion(Duration.ofSeconds(30))).isTrue();
            String magnet = "magnet:?xt=urn:btih:" + meta.infoHashHex() + "&x.pe=127.0.0.1:" + seed.listenPort();
            try (Libtorrent leech = Libtorrent.downloadMagnet(magnet, download, new Libtorrent.Options())) {
                assertThat(leech.awaitMetadata(Duration.ofSeconds(30))).isEqualTo("tree");
                leech.awaitCompleteAndExit(Duration.ofSeconds(60));
            }
        }
        Payload.assertSameTree(content, download.resolve("tree"));
    }

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void aPrivateTorrentsMetadataIsNotServedWhileAPublicOnesIs() throws Exception {
        Path publicContent = Payload.file(tmp.resolve("seed/public.bin"), 300_001, 42);
        Path privateContent = Payload.file(tmp.resolve("seed/private.bin"), 300_002, 43);
        Metainfo publicMeta = TorrentCreator.builder(publicContent).pieceLength(PIECE).build().createMetainfo();
        Metainfo privateMeta = TorrentCreator.builder(privateContent).pieceLength(PIECE).privateFlag(true).build()
                .createMetainfo();
        try (Session seed = Session.open(DownloadFromReferenceSeedsIT.loopback(tmp.resolve("state")))) {
            TorrentHandle pub = seed.add(publicMeta, tmp.resolve("seed"));
            TorrentHandle priv = seed.add(privateMeta, tmp.resolve("seed"));
            assertThat(pub.awaitCompletion(Duration.ofSeconds(30))).isTrue();
            assertThat(priv.awaitCompletion(Duration.ofSeconds(30))).isTrue();
            String at = "&x.pe=127.0.0.1:" + seed.listenPort();
            try (Libtorrent privateLeech = Libtorrent.downloadMagnet("magnet:?xt=urn:btih:" + privateMeta.infoHashHex()
                    + at, Files.createDirectories(tmp.resolve("private")), new Libtorrent.Options());
                 Libtorrent publicLeech = Libtorrent.downloadMagnet("magnet:?xt=urn:btih:" + publicMeta.infoHashHex()
                    + at, Files.createDirectories(tmp.resolve("public")), new Libtorrent.Options())) {
                assertThat(publicLeech.awaitMetadata(Duration.ofSeconds(20))).isEqualTo("public.bin");
                assertNoMetadata(privateLeech);
                privateLeech.process().waitForLine("^PROGRESS .* peers=1 ", Duration.ofSeconds(20));
                // Connected to the seed that gave the public link its metadata at once: 5 s more are plenty.
                ExternalProcess.sleep(5_000);
                assertNoMetadata(privateLeech);
                assertThat(priv.status().uploaded()).isZero();
            }
        }
    }

    private static void assertNoMetadata(Libtorrent leech) {
        assertThat(leech.hasMetadata()).as("libtorrent got the private torrent's metadata; log:%n%s",
                leech.process().logTail(20)).isFalse();
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void qbittorrentGivenOnlyAMagnetLinkThroughItsWebApiDownloadsByteExactFromASpateSeed() throws Exception {
        Path content = treeWithBigMetadata(tmp.resolve("seed/tree"), 44);
        Metainfo meta = TorrentCreator.builder(content).pieceLength(PIECE).build().createMetainfo();
        assertThat(meta.infoBytes().length).isBetween(2 * METADATA_PIECE + 1, 3 * METADATA_PIECE - 1);
        Path download = Files.createDirectories(tmp.resolve("qbittorrent"));
        try (Session seed = Session.open(DownloadFromReferenceSeedsIT.loopback(tmp.resolve("state")));
             Qbittorrent qbt = Qbittorrent.start(tmp)) {
            TorrentHandle seeding = seed.add(meta, tmp.resolve("seed"));
            assertThat(seeding.awaitCompletion(Duration.ofSeconds(30))).isTrue();
            qbt.addUrl("magnet:?xt=urn:btih:" + meta.infoHashHex() + "&dn=by+magnet&x.pe=127.0.0.1:"
                    + seed.listenPort(), download);
            qbt.awaitComplete(meta.infoHashHex(), Duration.ofSeconds(90));
            // qBittorrent keeps the link's dn as the torrent's display name, but lays files out as the info dictionary says.
            assertThat(qbt.info(meta.infoHashHex())).contains("\"content_path\":\"" + download.resolve("tree") + "\"");
            assertThat(seeding.status().uploaded()).isGreaterThanOrEqualTo(meta.info().totalLength());
        }
        Payload.assertSameTree(content, download.resolve("tree"));
    }
}
