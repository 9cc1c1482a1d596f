package dev.spate.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spate.engine.Event;
import dev.spate.engine.Session;
import dev.spate.engine.Subscription;
import dev.spate.engine.TorrentHandle;
import dev.spate.engine.TorrentStatus;
import dev.spate.engine.WebSeedStats;
import dev.spate.metainfo.FileEntry;
import dev.spate.metainfo.Metainfo;
import dev.spate.metainfo.MetainfoParser;
import dev.spate.metainfo.TorrentCreator;
import java.io.RandomAccessFile;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Downloads from web seeds (BEP 19) through the engine, against a real nginx on 127.0.0.1: a
 * single-file torrent and a padded multi-file one from nginx alone, byte-exact; nginx beside a
 * libtorrent seed, both bringing pieces and no piece fetched twice; and nginx serving a corrupted
 * copy, which is dropped on its first bad piece while the peer brings everything.
 */
class WebSeedDownloadIT {
    static final int PIECE = 64 * 1024;
    static final Duration TRANSFER = Duration.ofSeconds(60);

    @TempDir
    Path tmp;

    static TorrentStatus awaitDownloaded(TorrentHandle t, Metainfo meta) throws InterruptedException {
        assertThat(t.awaitCompletion(TRANSFER)).as("download completes; status %s", t.status()).isTrue();
        TorrentStatus s = t.status();
        assertThat(s.piecesVerified()).isEqualTo(meta.info().pieceCount());
        return s;
    }

    static WebSeedStats onlyWebSeed(TorrentStatus s) {
        assertThat(s.webSeeds()).hasSize(1);
        return s.webSeeds().get(0);
    }

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void aSingleFileTorrentComesByteExactFromNginxAlone() throws Exception {
        try (Nginx nginx = Nginx.start(tmp.resolve("nginx"))) {
            Path file = DownloadFromReferenceSeedsIT.singleFile(nginx.docRoot().resolve("pub/single é.bin"), 21);
            Metainfo meta = TorrentCreator.builder(file).pieceLength(PIECE).webSeed(nginx.url("/pub/"))
                    .build().createMetainfo();
            Path leech = Files.createDirectories(tmp.resolve("leech"));
            try (Session session = Session.open(DownloadFromReferenceSeedsIT.loopback(tmp.resolve("state")))) {
                TorrentHandle t = session.add(meta, leech);
                TorrentStatus s = awaitDownloaded(t, meta);
                assertThat(s.peers()).isZero();
                assertThat(s.hashFailures()).isZero();
                WebSeedStats w = onlyWebSeed(s);
                assertThat(w.piecesFetched()).isEqualTo(meta.info().pieceCount());
                assertThat(w.downloaded()).isEqualTo(meta.info().totalLength());
                assertThat(s.downloaded()).isEqualTo(meta.info().totalLength());
            }
            assertThat(Files.mismatch(file, leech.resolve("single é.bin"))).isEqualTo(-1);
            List<String> log = nginx.accessLog();
            assertThat(log).hasSize(meta.info().pieceCount()).allMatch(l -> l.contains("\" 206 "));
        }
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void aPaddedMultiFileTorrentComesByteExactFromNginxAloneWithoutAskingForItsPadFiles() throws Exception {
        try (Nginx nginx = Nginx.start(tmp.resolve("nginx"))) {
            Path content = DownloadFromReferenceSeedsIT.multiFile(nginx.docRoot().resolve("mirror/tree"), 22);
            // libtorrent pads a hybrid so that each file starts on a piece boundary (BEP 47).
            Libtorrent.createTorrent(content, tmp.resolve("padded.torrent"), PIECE, List.of(), true);
            Metainfo padded = MetainfoParser.read(tmp.resolve("padded.torrent"));
            assertThat(padded.info().files()).filteredOn(FileEntry::isPad).isNotEmpty();
            Metainfo meta = MetainfoParser.fromInfo(padded.infoBytes(), List.of(), List.of(nginx.url("/mirror/")));
            Path leech = Files.createDirectories(tmp.resolve("leech"));
            try (Session session = Session.open(DownloadFromReferenceSeedsIT.loopback(tmp.resolve("state")))) {
                TorrentStatus s = awaitDownloaded(session.add(meta, leech), meta);
                assertThat(s.hashFailures()).isZero();
                assertThat(onlyWebSeed(s).piecesFetched()).isEqualTo(meta.info().pieceCount());
            }
            Payload.assertSameTree(content, leech.resolve("tree"));
            List<String> log = nginx.accessLog();
            assertThat(log).isNotEmpty().allMatch(l -> l.startsWith("/mirror/tree/") && l.contains("\" 206 "));
            assertThat(log).noneMatch(l -> l.contains(".pad"));
            // A piece that spans files took one request per (non-pad) file span: more requests than pieces.
            long nonEmptyFiles = meta.info().files().stream().filter(f -> !f.isPad() && f.length() > 0).count();
            assertThat(log.size()).isGreaterThanOrEqualTo((int) Math.max(nonEmptyFiles, meta.info().pieceCount()));
        }
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void aWebSeedAndALibtorrentSeedBothBringPiecesAndNoneIsFetchedTwice() throws Exception {
        try (Nginx nginx = Nginx.start(tmp.resolve("nginx"))) {
            Path file = Payload.file(nginx.docRoot().resolve("both.bin"), 6 * 1024 * 1024 + 999, 23);
            // Both sources paced, so that neither has everything before the other starts.
            byte[] torrent = TorrentCreator.builder(file).pieceLength(PIECE).webSeed(nginx.url("/paced/")).build().create();
            Path torrentFile = Files.write(tmp.resolve("both.torrent"), torrent);
            Metainfo meta = MetainfoParser.parse(torrent);
            Path leech = Files.createDirectories(tmp.resolve("leech"));
            try (Libtorrent seed = Libtorrent.seed(torrentFile, nginx.docRoot(),
                    new Libtorrent.Options().noTrackers().uploadLimit(512 * 1024));
                 Session session = Session.open(DownloadFromReferenceSeedsIT.loopback(tmp.resolve("state")))) {
                seed.awaitSeeding(Duration.ofSeconds(20));
                TorrentHandle t = session.add(meta, leech);
                t.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), seed.port()));
                TorrentStatus s = awaitDownloaded(t, meta);
                WebSeedStats w = onlyWebSeed(s);
                long fromPeer = s.downloaded() - w.downloaded();
                System.out.printf("web seed + peer: %d of %d pieces from the web seed, %d bytes from the peer%n",
                        w.piecesFetched(), meta.info().pieceCount(), fromPeer);
                assertThat(w.piecesFetched()).as("pieces from the web seed; %s", s).isPositive();
                assertThat(fromPeer).as("bytes from the peer; %s", s).isGreaterThanOrEqualTo(PIECE);
                assertThat(s.wasted()).as("no piece came twice").isZero();
                assertThat(s.downloaded()).isEqualTo(meta.info().totalLength());
                assertThat(s.hashFailures()).isZero();
            }
            assertThat(Files.mismatch(file, leech.resolve("both.bin"))).isEqualTo(-1);
        }
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void aWebSeedServingACorruptedCopyIsDroppedAndThePeerBringsEveryByte() throws Exception {
        try (Nginx nginx = Nginx.start(tmp.resolve("nginx"))) {
            Path good = Payload.file(tmp.resolve("seed/data.bin"), 4 * 1024 * 1024 + 321, 24);
            byte[] torrent = TorrentCreator.builder(good).pieceLength(PIECE).webSeed(nginx.url("/bad/")).build().create();
            Path torrentFile = Files.write(tmp.resolve("data.torrent"), torrent);
            Metainfo meta = MetainfoParser.parse(torrent);
            // nginx serves a copy with one byte changed in every piece: whatever piece it gives fails.
            Path bad = Files.createDirectories(nginx.docRoot().resolve("bad")).resolve("data.bin");
            Files.copy(good, bad);
            try (RandomAccessFile f = new RandomAccessFile(bad.toFile(), "rw")) {
                for (long at = 17; at < f.length(); at += PIECE) {
                    f.seek(at);
                    int b = f.read();
                    f.seek(at);
                    f.write(b ^ 0xff);
                }
            }
            Path leech = Files.createDirectories(tmp.resolve("leech"));
            List<Event> events = new CopyOnWriteArrayList<>();
            int[] failedPieces = new int[1];
            try (Libtorrent seed = Libtorrent.seed(torrentFile, tmp.resolve("seed"),
                    new Libtorrent.Options().noTrackers().uploadLimit(1024 * 1024));
                 Session session = Session.open(DownloadFromReferenceSeedsIT.loopback(tmp.resolve("state")));
                 Subscription sub = session.subscribe(events::add)) {
                seed.awaitSeeding(Duration.ofSeconds(20));
                TorrentHandle t = session.add(meta, leech);
                t.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), seed.port()));
                TorrentStatus s = awaitDownloaded(t, meta);
                WebSeedStats w = onlyWebSeed(s);
                assertThat(w.dropped()).as("%s", s).isTrue();
                assertThat(w.problem()).hasValueSatisfying(p -> assertThat(p).contains("failed its hash check"));
                assertThat(s.webSeedsInUse()).isZero();
                assertThat(s.hashFailures()).isPositive();
                failedPieces[0] = s.hashFailures();
                assertThat(events).filteredOn(e -> e instanceof Event.WebSeedDropped).hasSize(1);
                assertThat(events).filteredOn(e -> e instanceof Event.HashFailed h && h.peers().isEmpty())
                        .hasSize(s.hashFailures());
            }
            assertThat(Files.mismatch(good, leech.resolve("data.bin"))).isEqualTo(-1);
            // Dropped at once: each piece it gave before the first verdict failed too, and at most its
            // two fetches in flight then were cut short; nothing was asked of it after.
            assertThat(nginx.accessLog()).hasSizeLessThanOrEqualTo(failedPieces[0] + 2);
        }
    }

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void spateDownloadOfATorrentWithAUrlListAndNoPeerComesFromNginx() throws Exception {
        SpateCli.jar();
        try (Nginx nginx = Nginx.start(tmp.resolve("nginx"))) {
            Path file = DownloadFromReferenceSeedsIT.singleFile(nginx.docRoot().resolve("cli.bin"), 25);
            byte[] torrent = TorrentCreator.builder(file).pieceLength(PIECE).webSeed(nginx.url("/")).build().create();
            Path torrentFile = Files.write(tmp.resolve("cli.torrent"), torrent);
            Path out = tmp.resolve("out");
            try (ExternalProcess cli = SpateCli.download(torrentFile, out, tmp.resolve("state"), List.of(), List.of(),
                    null)) {
                assertThat(cli.waitForExit(Duration.ofSeconds(60))).as("exit; log:\n%s", cli.logTail(20)).isZero();
                java.util.regex.Matcher s = SpateCli.summary(cli);
                assertThat(s.group("state")).isEqualTo("complete");
                assertThat(s.group("webSeeds")).isEqualTo("1");
                assertThat(s.group("fromWebSeeds")).isEqualTo(s.group("received"));
                assertThat(s.group("hashFailures")).isEqualTo("0");
            }
            assertThat(Files.mismatch(file, out.resolve("cli.bin"))).isEqualTo(-1);
        }
    }

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void theSessionsDownloadLimitHoldsForAWebSeed() throws Exception {
        try (Nginx nginx = Nginx.start(tmp.resolve("nginx"))) {
            Path file = DownloadFromReferenceSeedsIT.singleFile(nginx.docRoot().resolve("limited.bin"), 26);
            Metainfo meta = TorrentCreator.builder(file).pieceLength(PIECE).webSeed(nginx.url("/")).build().createMetainfo();
            try (Session session = Session.open(DownloadFromReferenceSeedsIT.loopback(tmp.resolve("state")))) {
                session.setRateLimits(1024 * 1024, 0);
                long start = System.nanoTime();
                awaitDownloaded(session.add(meta, tmp.resolve("leech")), meta);
                double seconds = (System.nanoTime() - start) / 1e9;
                // 3 MiB at 1 MiB/s after a burst of a quarter second's worth; unlimited it takes well under 1 s.
                assertThat(seconds).as("seconds for %d bytes at 1 MiB/s", meta.info().totalLength()).isGreaterThan(2.0);
            }
            assertThat(Files.mismatch(file, tmp.resolve("leech/limited.bin"))).isEqualTo(-1);
        }
    }

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void aMagnetsWsWebSeedIsUsedOnceThePeerGaveTheMetadata() throws Exception {
        try (Nginx nginx = Nginx.start(tmp.resolve("nginx"))) {
            Path file = Payload.file(nginx.docRoot().resolve("magnet.bin"), 2 * 1024 * 1024 + 77, 27);
            byte[] torrent = TorrentCreator.builder(file).pieceLength(PIECE).build().create();
            Path torrentFile = Files.write(tmp.resolve("magnet.torrent"), torrent);
            Metainfo meta = MetainfoParser.parse(torrent);
            try (Libtorrent seed = Libtorrent.seed(torrentFile, nginx.docRoot(),
                    new Libtorrent.Options().noTrackers().uploadLimit(128 * 1024));
                 Session session = Session.open(DownloadFromReferenceSeedsIT.loopback(tmp.resolve("state")))) {
                seed.awaitSeeding(Duration.ofSeconds(20));
                String ws = nginx.url("/magnet.bin");
                dev.spate.metainfo.Magnet magnet = dev.spate.metainfo.Magnet.parse("magnet:?xt=urn:btih:" + meta.infoHashHex()
                        + "&x.pe=127.0.0.1:" + seed.port() + "&ws=" + java.net.URLEncoder.encode(ws,
                        java.nio.charset.StandardCharsets.UTF_8));
                TorrentStatus s = awaitDownloaded(session.add(magnet, tmp.resolve("leech")), meta);
                WebSeedStats w = onlyWebSeed(s);
                assertThat(w.url()).isEqualTo(ws);
                assertThat(w.piecesFetched()).as("%s", s).isPositive();
            }
            assertThat(Files.mismatch(file, tmp.resolve("leech/magnet.bin"))).isEqualTo(-1);
        }
    }
}
