package dev.spate.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spate.engine.Event;
import dev.spate.engine.FilePriority;
import dev.spate.engine.FileStatus;
import dev.spate.engine.Session;
import dev.spate.engine.SessionConfig;
import dev.spate.engine.Subscription;
import dev.spate.engine.TorrentHandle;
import dev.spate.engine.TorrentOptions;
import dev.spate.engine.TorrentStatus;
import dev.spate.metainfo.Metainfo;
import dev.spate.metainfo.MetainfoParser;
import dev.spate.metainfo.TorrentCreator;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link TorrentHandle#openStream}: two sessions in this JVM on 127.0.0.1, one seeding a
 * two-file torrent at a bounded rate, the other reading one file through the stream while it
 * downloads; the bytes read are the file's, byte for byte. The seed's upload limit makes the
 * download last a few seconds, so the stream's first bytes come long before the torrent is done.
 * A skipped file streams too: its pieces come for the stream's deadlines, into the state directory.
 */
class StreamWhileDownloadingIT {
    @TempDir
    Path tmp;

    private static SessionConfig.Builder config(Path state) {
        return SessionConfig.builder().localDiscovery(false).dht(false).bindAddress(InetAddress.getLoopbackAddress())
                .listenPort(0).stateDirectory(state);
    }

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void aStreamReadsAWholeMultiPieceFileWhileItDownloads() throws Exception {
        Path content = tmp.resolve("seed/pair");
        Payload.file(content.resolve("a.bin"), 1_500_007, 41);
        Path movie = Payload.file(content.resolve("movie.bin"), 3_000_017, 42);
        Metainfo meta = MetainfoParser.parse(TorrentCreator.builder(content).pieceLength(64 * 1024).build().create());

        try (Session seed = Session.open(config(tmp.resolve("seed-state")).uploadRateLimit(1_500_000).build());
             Session leech = Session.open(config(tmp.resolve("leech-state")).build());
             ExecutorService reader = Executors.newSingleThreadExecutor()) {
            TorrentHandle seeding = seed.add(meta, tmp.resolve("seed"));
            assertThat(seeding.awaitCompletion(Duration.ofSeconds(30))).as("the seed's data verified").isTrue();

            List<Integer> verified = new CopyOnWriteArrayList<>();
            try (Subscription events = leech.subscribe(e -> {
                if (e instanceof Event.PieceVerified v) {
                    verified.add(v.piece());
                }
            })) {
                // Only the streamed file is wanted: its pieces come from the stream's deadlines and
                // its priority alike, and the torrent finishes when the file is there.
                TorrentHandle h = leech.add(meta, tmp.resolve("leech"), TorrentOptions.defaults()
                        .withFilePriorities(List.of(FilePriority.LOW, FilePriority.LOW)));
                int index = h.status().files().stream().filter(f -> f.path().endsWith("movie.bin"))
                        .mapToInt(FileStatus::index).findFirst().orElseThrow();
                InputStream in = h.openStream(index);
                byte[] first = new byte[1];
                java.util.concurrent.atomic.AtomicReference<Thread> reading = new java.util.concurrent.atomic.AtomicReference<>();
                Future<TorrentStatus> firstBytes = reader.submit(() -> {
                    reading.set(Thread.currentThread());
                    assertThat(in.read(first)).isEqualTo(1);
                    return h.status();
                });
                // The read asks for its pieces (posted to the torrent) before it waits; only once it
                // waits is the seed dialled (posted after), so no request goes out before the deadlines.
                long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (reading.get() == null || (reading.get().getState() != Thread.State.TIMED_WAITING
                        && reading.get().getState() != Thread.State.WAITING)) {
                    assertThat(System.nanoTime()).as("the reader waits for its first piece").isLessThan(until);
                    Thread.sleep(5);
                }
                h.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), seed.listenPort()));
                TorrentStatus atFirstByte = firstBytes.get(60, TimeUnit.SECONDS);
                assertThat(atFirstByte.isComplete()).as("the first byte before the torrent is complete: %s",
                        atFirstByte).isFalse();

                Future<byte[]> rest = reader.submit(() -> {
                    try (in) {
                        return in.readAllBytes();
                    }
                });
                byte[] read = rest.get(60, TimeUnit.SECONDS);
                byte[] expected = Files.readAllBytes(movie);
                assertThat(read.length + 1).isEqualTo(expected.length);
                assertThat(first[0]).isEqualTo(expected[0]);
                assertThat(read).as("byte-exact").isEqualTo(java.util.Arrays.copyOfRange(expected, 1, expected.length));

                // The stream asked for the movie's pieces ahead of a.bin's, which is as wanted.
                int firstMoviePiece = (int) (1_500_007L / (64 * 1024));
                assertThat(List.copyOf(verified).subList(0, 3)).as("the movie's first pieces came first: %s", verified)
                        .allMatch(p -> p >= firstMoviePiece);
                assertThat(h.awaitCompletion(Duration.ofSeconds(60))).isTrue();
                assertThat(events.dropped()).isZero();
            }
        }
    }

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void aStreamReadsASkippedFileFromTheStateDirectoryWithoutCreatingIt() throws Exception {
        Path content = tmp.resolve("seed/pair");
        Payload.file(content.resolve("a.bin"), 200_003, 43);
        Path movie = Payload.file(content.resolve("movie.bin"), 1_000_033, 44);
        Metainfo meta = MetainfoParser.parse(TorrentCreator.builder(content).pieceLength(32 * 1024).build().create());

        try (Session seed = Session.open(config(tmp.resolve("seed-state")).build());
             Session leech = Session.open(config(tmp.resolve("leech-state")).build())) {
            assertThat(seed.add(meta, tmp.resolve("seed")).awaitCompletion(Duration.ofSeconds(30))).isTrue();
            TorrentHandle h = leech.add(meta, tmp.resolve("leech"), TorrentOptions.defaults()
                    .withFilePriorities(List.of(FilePriority.SKIP, FilePriority.SKIP)));
            h.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), seed.listenPort()));
            int index = h.status().files().stream().filter(f -> f.path().endsWith("movie.bin"))
                    .mapToInt(FileStatus::index).findFirst().orElseThrow();

            byte[] read;
            try (InputStream in = h.openStream(index)) {
                read = in.readAllBytes();
            }

            assertThat(read).as("byte-exact").isEqualTo(Files.readAllBytes(movie));
            assertThat(tmp.resolve("leech/pair/movie.bin")).as("skipped: not created").doesNotExist();
            TorrentStatus s = h.status();
            int firstMoviePiece = (int) (200_003L / (32 * 1024));
            assertThat(s.verifiedPieces().nextIn(0)).as("nothing of a.bin alone: %s", s.verifiedPieces())
                    .isEqualTo(firstMoviePiece);
            assertThat(s.verifiedPieces().count()).isEqualTo(s.pieceCount() - firstMoviePiece);
        }
    }
}
