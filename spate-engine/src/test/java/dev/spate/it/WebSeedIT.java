package dev.spate.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spate.metainfo.Metainfo;
import dev.spate.metainfo.TorrentCreator;
import dev.spate.metainfo.TorrentInfo;
import dev.spate.webseed.WebSeed;
import dev.spate.webseed.WebSeedBackOff;
import dev.spate.webseed.WebSeedConfig;
import dev.spate.webseed.WebSeedException;
import java.io.RandomAccessFile;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Our web seed client (BEP 19) against a real nginx on 127.0.0.1: every piece of single- and
 * multi-file torrents made by {@link TorrentCreator} fetched and hashed; a corrupt file, a
 * missing one, a shorter one, a busy server, a slow one and one that never answers.
 */
class WebSeedIT {
    static final WebSeedConfig CONFIG = WebSeedConfig.defaults()
            .withTimeouts(Duration.ofSeconds(2), Duration.ofSeconds(2), Duration.ofSeconds(10));

    static void writeRandom(Path file, int bytes, long seed) throws Exception {
        Files.createDirectories(file.getParent());
        byte[] data = new byte[bytes];
        new Random(seed).nextBytes(data);
        Files.write(file, data);
    }

    static boolean hashMatches(TorrentInfo info, int piece, ByteBuffer data) throws Exception {
        MessageDigest sha1 = MessageDigest.getInstance("SHA-1");
        sha1.update(data.duplicate());
        return info.hashMatches(piece, sha1.digest());
    }

    /**
     * Fetches every piece on two virtual threads (the web seed's two turns), each into its own
     * buffer, and returns the pieces whose hash fails; a fetch that throws fails the test.
     */
    static Set<Integer> fetchAll(WebSeed seed, TorrentInfo info) throws Exception {
        Set<Integer> badHash = new ConcurrentSkipListSet<>();
        List<Throwable> errors = new CopyOnWriteArrayList<>();
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 2; t++) {
            int first = t;
            threads.add(Thread.ofVirtual().start(() -> {
                ByteBuffer buffer = ByteBuffer.allocateDirect(info.pieceLength()); // reused, as a pool would
                for (int piece = first; piece < info.pieceCount(); piece += 2) {
                    try {
                        buffer.clear();
                        seed.fetchPiece(piece, buffer);
                        buffer.flip();
                        assertThat(buffer.remaining()).isEqualTo(info.pieceSize(piece));
                        if (!hashMatches(info, piece, buffer)) {
                            badHash.add(piece);
                        }
                    } catch (Throwable e) {
                        errors.add(e);
                        return;
                    }
                }
            }));
        }
        for (Thread t : threads) {
            t.join(Duration.ofSeconds(30));
            assertThat(t.isAlive()).as("fetching thread still running").isFalse();
        }
        assertThat(errors).isEmpty();
        return badHash;
    }

    static long millisSince(long start) {
        return (System.nanoTime() - start) / 1_000_000;
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void everyPieceOfASingleFileTorrentFromNginxPassesItsHash(@TempDir Path work) throws Exception {
        try (Nginx nginx = Nginx.start(work.resolve("nginx"))) {
            Path file = nginx.docRoot().resolve("pub").resolve("Single é #1 (x).bin");
            writeRandom(file, (3 << 20) + 1234, 1);
            Metainfo torrent = TorrentCreator.builder(file).pieceLength(64 << 10).webSeed(nginx.url("/pub/"))
                    .build().createMetainfo();
            WebSeed seed = WebSeed.open(torrent.webSeeds().get(0), torrent.info(), CONFIG);

            assertThat(fetchAll(seed, torrent.info())).isEmpty();

            List<String> log = nginx.accessLog();
            assertThat(log).hasSize(torrent.info().pieceCount());
            assertThat(log).allMatch(line -> line.startsWith("/pub/Single%20%C3%A9%20%231%20%28x%29.bin \"bytes=")
                    && line.contains("\" 206 "));
            assertThat(log).anyMatch(line -> line.endsWith("\"bytes=3145728-3146961\" 206 1234"));
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void everyPieceOfAMultiFileTorrentFromNginxPassesItsHashWithOneRequestPerFileSpan(@TempDir Path work)
            throws Exception {
        try (Nginx nginx = Nginx.start(work.resolve("nginx"))) {
            Path dir = nginx.docRoot().resolve("mirror").resolve("Album ü");
            writeRandom(dir.resolve("CD 1").resolve("01 intro.bin"), 100_007, 2);
            writeRandom(dir.resolve("CD 1").resolve("02 small.txt"), 10, 3);
            writeRandom(dir.resolve("cover & back+.jpg"), 33_000, 4);
            Files.createFile(dir.resolve("empty"));
            writeRandom(dir.resolve("z").resolve("deep").resolve("last.bin"), 200_003, 5);
            // No trailing slash: one is added, as libtorrent does.
            Metainfo torrent = TorrentCreator.builder(dir).pieceLength(16 << 10).webSeed(nginx.url("/mirror"))
                    .build().createMetainfo();
            TorrentInfo info = torrent.info();
            WebSeed seed = WebSeed.open(torrent.webSeeds().get(0), info, CONFIG);

            assertThat(fetchAll(seed, info)).isEmpty();

            int spans = 0;
            for (int piece = 0; piece < info.pieceCount(); piece++) {
                spans += info.layout().spans(piece, 0, info.pieceSize(piece)).size();
            }
            List<String> log = nginx.accessLog();
            assertThat(spans).isGreaterThan(info.pieceCount()); // some pieces do span files
            assertThat(log).hasSize(spans).allMatch(line -> line.contains("\" 206 "));
            Set<String> uris = new TreeSet<>();
            log.forEach(line -> uris.add(line.substring(0, line.indexOf(' '))));
            assertThat(uris).containsExactly(
                    "/mirror/Album%20%C3%BC/CD%201/01%20intro.bin",
                    "/mirror/Album%20%C3%BC/CD%201/02%20small.txt",
                    "/mirror/Album%20%C3%BC/cover%20%26%20back%2B.jpg",
                    "/mirror/Album%20%C3%BC/z/deep/last.bin");
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aFileServedWithCorruptedBytesGivesAPieceThatFailsItsHashAndTheSeedIsDropped(@TempDir Path work)
            throws Exception {
        try (Nginx nginx = Nginx.start(work.resolve("nginx"))) {
            Path file = nginx.docRoot().resolve("data.bin");
            writeRandom(file, 1 << 20, 6);
            Metainfo torrent = TorrentCreator.builder(file).pieceLength(64 << 10).webSeed(nginx.url("/"))
                    .build().createMetainfo();
            try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
                long at = 5L * (64 << 10) + 777; // inside piece 5
                raf.seek(at);
                int b = raf.read();
                raf.seek(at);
                raf.write(b ^ 0x40);
            }
            WebSeed seed = WebSeed.open(torrent.webSeeds().get(0), torrent.info(), CONFIG);

            // The web seed reports nothing wrong by itself: only the hash tells.
            assertThat(fetchAll(seed, torrent.info())).containsExactly(5);

            long[] now = {0};
            WebSeedBackOff standing = new WebSeedBackOff(() -> now[0]);
            standing.succeeded();
            standing.hashFailed(5);
            assertThat(standing.dropped()).isTrue();
            now[0] += Duration.ofDays(1).toNanos();
            assertThat(standing.mayTry()).isFalse();
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aMissingFileIsA404AndAShorterOneIsRefusedNamingTheirUrlsAtOnce(@TempDir Path work) throws Exception {
        try (Nginx nginx = Nginx.start(work.resolve("nginx"))) {
            Path dir = nginx.docRoot().resolve("t");
            writeRandom(dir.resolve("a.bin"), 100_000, 7);
            writeRandom(dir.resolve("b.bin"), 100_000, 8);
            Metainfo torrent = TorrentCreator.builder(dir).pieceLength(16 << 10).webSeed(nginx.url("/"))
                    .build().createMetainfo();
            TorrentInfo info = torrent.info();
            WebSeed seed = WebSeed.open(torrent.webSeeds().get(0), info, CONFIG);
            Files.delete(dir.resolve("b.bin"));
            int lastPiece = info.pieceCount() - 1;

            long start = System.nanoTime();
            AtomicReference<WebSeedException> missing = new AtomicReference<>();
            assertThatThrownBy(() -> seed.fetchPiece(lastPiece))
                    .isInstanceOfSatisfying(WebSeedException.class, missing::set);
            assertThat(millisSince(start)).isLessThan(2000);
            assertThat(missing.get().kind()).isEqualTo(WebSeedException.Kind.HTTP_STATUS);
            assertThat(missing.get().status()).hasValue(404);
            assertThat(missing.get().url()).isEqualTo(nginx.url("/t/b.bin"));
            long first = (long) lastPiece * info.pieceLength() - 100_000;
            assertThat(missing.get()).hasMessage("web seed " + nginx.url("/t/b.bin") + ": HTTP 404 for bytes " + first
                    + "-99999");
            assertThat(hashMatches(info, 0, seed.fetchPiece(0))).as("a piece of the file still there").isTrue();

            writeRandom(dir.resolve("b.bin"), 90_000, 8); // truncated on the mirror
            // A range past its end: nginx answers 416.
            assertThatThrownBy(() -> seed.fetchPiece(lastPiece))
                    .isInstanceOfSatisfying(WebSeedException.class, e -> assertThat(e.status()).hasValue(416))
                    .hasMessage("web seed " + nginx.url("/t/b.bin") + ": HTTP 416 (range not satisfiable) for bytes "
                            + first + "-99999: the file there is shorter than the torrent's 100000 bytes"
                            + " (bytes */90000)");
            // A range across its end: nginx sends what it has, and its Content-Range gives the length away.
            int acrossTheEnd = lastPiece - 1;
            long from = (long) acrossTheEnd * info.pieceLength() - 100_000;
            assertThat(from).isLessThan(90_000);
            assertThatThrownBy(() -> seed.fetchPiece(acrossTheEnd))
                    .isInstanceOfSatisfying(WebSeedException.class, e ->
                            assertThat(e.kind()).isEqualTo(WebSeedException.Kind.BAD_RANGE))
                    .hasMessage("web seed " + nginx.url("/t/b.bin") + ": serves a file of 90000 bytes where the"
                            + " torrent has 100000 (Content-Range bytes " + from + "-89999/90000)");
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aBusyNginxSaysWhenToComeBackAndTheBackOffWaitsThatLong(@TempDir Path work) throws Exception {
        try (Nginx nginx = Nginx.start(work.resolve("nginx"))) {
            Path file = nginx.docRoot().resolve("a.bin");
            writeRandom(file, 100_000, 9);
            Metainfo torrent = TorrentCreator.builder(file).webSeed(nginx.url("/busy/")).build().createMetainfo();
            WebSeed seed = WebSeed.open(torrent.webSeeds().get(0), torrent.info(), CONFIG);

            AtomicReference<WebSeedException> busy = new AtomicReference<>();
            assertThatThrownBy(() -> seed.fetchPiece(0)).isInstanceOfSatisfying(WebSeedException.class, busy::set);
            assertThat(busy.get().status()).hasValue(503);
            assertThat(busy.get().retryAfter()).contains(Duration.ofSeconds(Nginx.BUSY_RETRY_AFTER_SECONDS));
            assertThat(busy.get()).hasMessageEndingWith("/busy/a.bin: HTTP 503 for bytes 0-16383, retry after 120 s");

            long[] now = {0};
            WebSeedBackOff backOff = new WebSeedBackOff(() -> now[0]);
            assertThat(backOff.failed(busy.get())).isEqualTo(Duration.ofSeconds(120));
            now[0] += Duration.ofSeconds(119).toNanos();
            assertThat(backOff.mayTry()).isFalse();
            now[0] += Duration.ofSeconds(1).toNanos();
            assertThat(backOff.mayTry()).isTrue();
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aServerThatNeverAnswersAndOneThatTricklesAreGivenUpInBoundedTime(@TempDir Path work) throws Exception {
        try (Nginx nginx = Nginx.start(work.resolve("nginx"));
             // Accepts connections (the kernel completes them into the backlog) and never answers.
             ServerSocket silent = new ServerSocket(0, 10, InetAddress.getLoopbackAddress())) {
            Path file = nginx.docRoot().resolve("a.bin");
            writeRandom(file, 200_000, 10);
            Metainfo torrent = TorrentCreator.builder(file).pieceLength(64 << 10).build().createMetainfo();

            WebSeedConfig quick = CONFIG.withTimeouts(Duration.ofSeconds(2), Duration.ofSeconds(1),
                    Duration.ofSeconds(2));
            WebSeed hanging = WebSeed.open("http://127.0.0.1:" + silent.getLocalPort() + "/", torrent.info(), quick);
            long start = System.nanoTime();
            assertThatThrownBy(() -> hanging.fetchPiece(0))
                    .isInstanceOfSatisfying(WebSeedException.class, e ->
                            assertThat(e.kind()).isEqualTo(WebSeedException.Kind.TIMEOUT))
                    .hasMessage("web seed http://127.0.0.1:" + silent.getLocalPort() + "/a.bin: no answer for bytes"
                            + " 0-65535 within 1 s");
            assertThat(millisSince(start)).isBetween(900L, 3000L);

            // nginx sends 1 KiB a second: 64 KiB cannot come within the 2 s deadline.
            WebSeed slow = WebSeed.open(nginx.url("/slow/"), torrent.info(), quick);
            start = System.nanoTime();
            assertThatThrownBy(() -> slow.fetchPiece(0))
                    .isInstanceOfSatisfying(WebSeedException.class, e ->
                            assertThat(e.kind()).isEqualTo(WebSeedException.Kind.TIMEOUT))
                    .hasMessageMatching("web seed " + nginx.url("/slow/a.bin") + ": no complete answer for bytes"
                            + " 0-65535 within 2 s \\(got \\d+ of 65536 bytes\\)");
            assertThat(millisSince(start)).isBetween(1900L, 4000L);
        }
    }
}
