package dev.spate.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spate.engine.Event;
import dev.spate.engine.FileStatus;
import dev.spate.engine.Session;
import dev.spate.engine.TorrentHandle;
import dev.spate.engine.TorrentState;
import dev.spate.engine.TorrentStatus;
import dev.spate.metainfo.FileEntry;
import dev.spate.metainfo.Metainfo;
import dev.spate.metainfo.TorrentCreator;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.RandomAccessFile;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link TorrentHandle#recheck()} between in-JVM sessions on 127.0.0.1: one byte corrupted on
 * disk, its file's time put back so that the resume data still vouches for it (what only a
 * recheck can catch), is found as exactly its piece lost; the recheck's resume data is what the
 * next start trusts; and with a seed present the piece comes again, byte-exact. A paused torrent
 * rechecked stays paused.
 */
class RecheckIT {
    static final int PIECE = 16 * 1024;

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void aCorruptedByteIsFoundAsExactlyItsPieceAndDownloadedAgainFromTheSeed(@TempDir Path tmp) throws Exception {
        Path source = Payload.tree(tmp.resolve("seed/tree"), 77);
        Metainfo meta = TorrentCreator.builder(source).pieceLength(PIECE).build().createMetainfo();
        int pieces = meta.info().pieceCount();
        Path leech = tmp.resolve("leech");
        copyTree(source, leech.resolve("tree"));
        Path state = tmp.resolve("state");

        // A complete download, its resume data saved when the session closes.
        try (Session s = Session.open(DownloadFromReferenceSeedsIT.loopback(state))) {
            TorrentHandle t = s.add(meta, leech);
            assertThat(t.awaitCompletion(Duration.ofSeconds(20))).as("the copy checks complete").isTrue();
        }

        // One byte of sub/beta.bin flipped, inside one piece; the file's time put back.
        int fileIndex = indexOf(meta, "sub/beta.bin");
        FileEntry beta = meta.info().dataFiles().get(fileIndex);
        long inFile = beta.length() / 2;
        int piece = (int) ((beta.offset() + inFile) / PIECE);
        Path betaOnDisk = leech.resolve("tree/sub/beta.bin");
        FileTime mtime = Files.getLastModifiedTime(betaOnDisk);
        try (RandomAccessFile f = new RandomAccessFile(betaOnDisk.toFile(), "rw")) {
            f.seek(inFile);
            int b = f.read();
            f.seek(inFile);
            f.write(b ^ 0x5a);
        }
        Files.setLastModifiedTime(betaOnDisk, mtime);
        long pieceStart = (long) piece * PIECE;
        long pieceInBeta = Math.min(beta.end(), pieceStart + meta.info().pieceSize(piece)) - Math.max(beta.offset(), pieceStart);

        try (Session s = Session.open(DownloadFromReferenceSeedsIT.loopback(state))) {
            BlockingQueue<Event> events = new LinkedBlockingQueue<>();
            s.subscribe(events::add);
            TorrentHandle t = s.add(meta, leech);
            assertThat(t.awaitCompletion(Duration.ofSeconds(20))).isTrue();
            assertThat(t.status().piecesVerified()).as("the resume data vouches for every piece").isEqualTo(pieces);
            events.clear();

            t.recheck();

            await(events, e -> e instanceof Event.StateChanged c && c.from() == TorrentState.SEEDING
                    && c.to() == TorrentState.CHECKING, "the recheck begins");
            Event end = await(events, e -> e instanceof Event.StateChanged c && c.from() == TorrentState.CHECKING,
                    "the recheck ends");
            assertThat(((Event.StateChanged) end).to()).isEqualTo(TorrentState.DOWNLOADING);
            TorrentStatus after = t.status();
            assertThat(after.state()).isEqualTo(TorrentState.DOWNLOADING);
            assertThat(after.piecesVerified()).isEqualTo(pieces - 1);
            assertThat(after.bytesVerified()).isEqualTo(meta.info().totalLength() - meta.info().pieceSize(piece));
            FileStatus betaStatus = after.files().get(fileIndex);
            assertThat(betaStatus.bytesVerified()).isEqualTo(beta.length() - pieceInBeta);
            assertThat(after.files()).filteredOn(f -> f.index() != fileIndex).allMatch(FileStatus::isComplete);
            assertThat(lostIn(events)).as("lost pieces, published before the state changed").isEmpty();
            assertThat(losses).containsExactly(piece);
        }

        // The recheck's resume data is what a new start trusts: the file's time is still the old one.
        try (Session s = Session.open(DownloadFromReferenceSeedsIT.loopback(state));
             Session seed = Session.open(DownloadFromReferenceSeedsIT.loopback(tmp.resolve("seed-state")))) {
            TorrentHandle seeding = seed.add(meta, tmp.resolve("seed"));
            assertThat(seeding.awaitCompletion(Duration.ofSeconds(20))).as("the seed checks its data").isTrue();
            BlockingQueue<Event> events = new LinkedBlockingQueue<>();
            s.subscribe(events::add);
            TorrentHandle t = s.add(meta, leech);
            TorrentStatus started = ResumeDownloadIT.awaitChecked(t);
            assertThat(started.piecesVerified()).isEqualTo(pieces - 1);
            assertThat(started.isComplete()).isFalse();

            t.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), seed.listenPort()));
            assertThat(t.awaitCompletion(Duration.ofSeconds(30))).as("the lost piece comes again; %s", t.status()).isTrue();
            Event verified = await(events, e -> e instanceof Event.PieceVerified, "a piece verified");
            assertThat(((Event.PieceVerified) verified).piece()).isEqualTo(piece);
            assertThat(t.status().piecesVerified()).isEqualTo(pieces);
            assertThat(t.status().hashFailures()).isZero();
        }
        Payload.assertSameTree(source, leech.resolve("tree"));
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aPausedTorrentRecheckedStaysPausedAndAMissingFileIsMissingPieces(@TempDir Path tmp) throws Exception {
        Path source = Payload.tree(tmp.resolve("seed/tree"), 78);
        Metainfo meta = TorrentCreator.builder(source).pieceLength(PIECE).build().createMetainfo();
        int pieces = meta.info().pieceCount();
        Path leech = tmp.resolve("leech");
        copyTree(source, leech.resolve("tree"));
        try (Session s = Session.open(DownloadFromReferenceSeedsIT.loopback(tmp.resolve("state")))) {
            BlockingQueue<Event> events = new LinkedBlockingQueue<>();
            s.subscribe(events::add);
            TorrentHandle t = s.add(meta, leech);
            assertThat(t.awaitCompletion(Duration.ofSeconds(20))).isTrue();
            t.pause();
            await(events, e -> e instanceof Event.StateChanged c && c.to() == TorrentState.PAUSED, "paused");
            int fileIndex = indexOf(meta, "sub/deeper/delta.bin");
            FileEntry delta = meta.info().dataFiles().get(fileIndex);
            Files.delete(leech.resolve("tree/sub/deeper/delta.bin"));
            int first = (int) (delta.offset() / PIECE);
            int last = (int) ((delta.end() - 1) / PIECE);
            events.clear();

            t.recheck();

            await(events, e -> e instanceof Event.StateChanged c && c.from() == TorrentState.PAUSED
                    && c.to() == TorrentState.CHECKING, "the recheck begins");
            Event end = await(events, e -> e instanceof Event.StateChanged c && c.from() == TorrentState.CHECKING,
                    "the recheck ends");
            assertThat(((Event.StateChanged) end).to()).isEqualTo(TorrentState.PAUSED);
            assertThat(losses).containsExactlyElementsOf(java.util.stream.IntStream.rangeClosed(first, last).boxed().toList());
            TorrentStatus after = t.status();
            assertThat(after.state()).isEqualTo(TorrentState.PAUSED);
            assertThat(after.piecesVerified()).isEqualTo(pieces - (last - first + 1));
            assertThat(after.files().get(fileIndex).bytesVerified()).isZero();
            assertThat(after.peers()).isZero();
        }
    }

    /** The pieces of the {@link Event.PieceLost} events taken from the queue by {@link #await}, in order. */
    private final List<Integer> losses = new java.util.ArrayList<>();

    /**
     * Takes events until one matches, noting the lost pieces on the way; fails after 20 s. Returns
     * the match.
     */
    private Event await(BlockingQueue<Event> events, Predicate<Event> wanted, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (true) {
            long left = deadline - System.nanoTime();
            Event e = events.poll(Math.max(0, left), TimeUnit.NANOSECONDS);
            if (e == null) {
                throw new AssertionError("no event: " + what);
            }
            if (e instanceof Event.PieceLost l) {
                losses.add(l.piece());
            }
            if (wanted.test(e)) {
                return e;
            }
        }
    }

    /** Lost pieces still in the queue (after the recheck ended: there should be none). */
    private static List<Integer> lostIn(BlockingQueue<Event> events) throws InterruptedException {
        Thread.sleep(200); // let anything late reach the subscriber
        return events.stream().filter(e -> e instanceof Event.PieceLost).map(e -> ((Event.PieceLost) e).piece()).toList();
    }

    static int indexOf(Metainfo meta, String path) {
        List<FileEntry> files = meta.info().dataFiles();
        for (int i = 0; i < files.size(); i++) {
            if (String.join("/", files.get(i).path()).equals(path)) {
                return i;
            }
        }
        throw new AssertionError("no file " + path + " in " + files);
    }

    static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> all = Files.walk(from)) {
            all.forEach(p -> {
                try {
                    Path target = to.resolve(from.relativize(p).toString());
                    if (Files.isDirectory(p)) {
                        Files.createDirectories(target);
                    } else {
                        Files.copy(p, target);
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
    }
}
