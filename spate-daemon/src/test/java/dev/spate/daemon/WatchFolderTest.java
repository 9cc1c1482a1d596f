package dev.spate.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spate.metainfo.MetainfoParser;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The watch directory, its scans driven by the test on a clock of its own (no thread, no sleeps). */
class WatchFolderTest {
    static final String MAGNET = "magnet:?xt=urn:btih:0123456789abcdef0123456789abcdef01234567&dn=x";

    @TempDir
    Path dir;

    Instant now = Instant.parse("2026-12-03T12:00:00Z");
    final List<Torrents.Source> added = new ArrayList<>();
    final List<String> warnings = new ArrayList<>();
    /** What the adder answers for the next add: null adds, else it is thrown. */
    Exception refuse;
    WatchFolder watch;

    final Clock clock = new Clock() {
        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    };

    @BeforeEach
    void open() {
        watch = new WatchFolder(dir, source -> {
            if (refuse instanceof Torrents.TorrentsException t) {
                throw t;
            } else if (refuse instanceof IOException io) {
                throw io;
            }
            added.add(source);
        }, clock, warnings::add);
    }

    int scanAfter(Duration d) throws InterruptedException {
        now = now.plus(d);
        return watch.scan();
    }

    @Test
    void aTorrentIsAddedOnceTwoScansTwoSecondsApartSawItUnchangedAndIsThenRenamedAdded() throws Exception {
        byte[] torrent = "d4:infod6:lengthi1eee".getBytes(StandardCharsets.US_ASCII);
        Path file = Files.write(dir.resolve("linux.torrent"), torrent);
        assertThat(scanAfter(Duration.ZERO)).isZero();
        assertThat(scanAfter(Duration.ofMillis(500))).as("unchanged, but not for long enough yet").isZero();
        assertThat(added).isEmpty();
        assertThat(scanAfter(Duration.ofMillis(1500))).isEqualTo(1);
        assertThat(added).hasSize(1);
        assertThat(((Torrents.Source.Bytes) added.getFirst()).torrent()).isEqualTo(torrent);
        assertThat(file).doesNotExist();
        assertThat(dir.resolve("linux.torrent.added")).hasBinaryContent(torrent);
        assertThat(scanAfter(Duration.ofSeconds(2))).isZero();
        assertThat(added).hasSize(1);
        assertThat(warnings).isEmpty();
    }

    @Test
    void aFileStillBeingWrittenIsNotReadUntilItStopsChanging() throws Exception {
        Path file = Files.write(dir.resolve("big.torrent"), "d4:info".getBytes(StandardCharsets.US_ASCII));
        scanAfter(Duration.ZERO);
        Files.write(file, "d6:lengthi1eee".getBytes(StandardCharsets.US_ASCII), StandardOpenOption.APPEND);
        assertThat(scanAfter(Duration.ofSeconds(2))).as("it grew since the last scan").isZero();
        assertThat(added).isEmpty();
        assertThat(scanAfter(Duration.ofSeconds(2))).isEqualTo(1);
        assertThat(new String(((Torrents.Source.Bytes) added.getFirst()).torrent(), StandardCharsets.US_ASCII))
                .isEqualTo("d4:infod6:lengthi1eee");
    }

    @Test
    void aFileRewrittenWithTheSameSizeButANewTimeWaitsAgain() throws Exception {
        Path file = Files.write(dir.resolve("t.torrent"), new byte[] {'a'});
        scanAfter(Duration.ZERO);
        Files.setLastModifiedTime(file, java.nio.file.attribute.FileTime.from(now.plusSeconds(1)));
        assertThat(scanAfter(Duration.ofSeconds(2))).isZero();
        assertThat(scanAfter(Duration.ofSeconds(2))).isEqualTo(1);
    }

    @Test
    void aMagnetFileIsAddedAsTheLinkItHolds() throws Exception {
        Files.writeString(dir.resolve("show.magnet"), MAGNET + "\n");
        Files.writeString(dir.resolve("UPPER.MAGNET"), "  " + MAGNET + "\r\n");
        scanAfter(Duration.ZERO);
        assertThat(scanAfter(Duration.ofSeconds(2))).isEqualTo(2);
        assertThat(added).containsOnly(new Torrents.Source.Link(MAGNET));
        assertThat(dir.resolve("show.magnet.added")).exists();
        assertThat(dir.resolve("UPPER.MAGNET.added")).exists();
    }

    @Test
    void aFileThatCannotBeAddedIsRenamedInvalidWithOneWarningNamingItAndWhy() throws Exception {
        Path file = Files.writeString(dir.resolve("bad.torrent"), "not bencode");
        refuse = new Torrents.TorrentsException("invalid or corrupt torrent file: not a dictionary");
        scanAfter(Duration.ZERO);
        assertThat(scanAfter(Duration.ofSeconds(2))).isEqualTo(1);
        assertThat(dir.resolve("bad.torrent.invalid")).exists();
        assertThat(file).doesNotExist();
        for (int i = 0; i < 3; i++) {
            scanAfter(Duration.ofSeconds(2));
        }
        assertThat(warnings).singleElement().asString().contains(file.toString()).contains("not a dictionary");
    }

    @Test
    void aMagnetFileHoldingAnythingButOneLinkIsInvalid() throws Exception {
        Files.writeString(dir.resolve("two.magnet"), MAGNET + "\n" + MAGNET + "\n");
        Files.writeString(dir.resolve("http.magnet"), "http://example.invalid/x.torrent");
        Files.write(dir.resolve("binary.magnet"), new byte[] {(byte) 0xff, (byte) 0xfe, 'm'});
        scanAfter(Duration.ZERO);
        assertThat(scanAfter(Duration.ofSeconds(2))).isEqualTo(3);
        assertThat(added).isEmpty();
        assertThat(dir.resolve("two.magnet.invalid")).exists();
        assertThat(dir.resolve("http.magnet.invalid")).exists();
        assertThat(dir.resolve("binary.magnet.invalid")).exists();
        assertThat(warnings).hasSize(3);
    }

    @Test
    void aFileLargerThanTheEngineTakesIsRefusedWithoutReadingIt() throws Exception {
        Path big = dir.resolve("huge.torrent");
        try (RandomAccessFile f = new RandomAccessFile(big.toFile(), "rw")) {
            f.setLength(MetainfoParser.MAX_FILE_SIZE + 1L); // sparse: nothing written, nothing to read
        }
        Path magnet = dir.resolve("huge.magnet");
        try (RandomAccessFile f = new RandomAccessFile(magnet.toFile(), "rw")) {
            f.setLength(WatchFolder.MAX_MAGNET_FILE + 1L);
        }
        scanAfter(Duration.ZERO);
        assertThat(scanAfter(Duration.ofSeconds(2))).isEqualTo(2);
        assertThat(added).isEmpty();
        assertThat(dir.resolve("huge.torrent.invalid")).exists();
        assertThat(dir.resolve("huge.magnet.invalid")).exists();
        assertThat(warnings).anyMatch(w -> w.contains("huge.torrent") && w.contains("larger than"));
    }

    @Test
    void otherFilesDotFilesAndDirectoriesAreLeftAlone() throws Exception {
        Files.writeString(dir.resolve("notes.txt"), "x");
        Files.writeString(dir.resolve(".partial.torrent"), "x");
        Files.writeString(dir.resolve("done.torrent.added"), "x");
        Files.createDirectories(dir.resolve("folder.torrent"));
        scanAfter(Duration.ZERO);
        assertThat(scanAfter(Duration.ofSeconds(2))).isZero();
        assertThat(added).isEmpty();
        assertThat(dir.resolve("notes.txt")).exists();
        assertThat(dir.resolve(".partial.torrent")).exists();
    }

    @Test
    void aFileThatCannotBeRenamedIsNotAddedAgainUntilItChanges() throws Exception {
        Path file = Files.writeString(dir.resolve("t.torrent"), "d4:infod6:lengthi1eee");
        // A non-empty directory where the rename goes: the rename fails.
        Files.writeString(Files.createDirectories(dir.resolve("t.torrent.added")).resolve("x"), "x");
        scanAfter(Duration.ZERO);
        assertThat(scanAfter(Duration.ofSeconds(2))).isEqualTo(1);
        assertThat(file).exists();
        for (int i = 0; i < 3; i++) {
            assertThat(scanAfter(Duration.ofSeconds(2))).isZero();
        }
        assertThat(added).hasSize(1);
        assertThat(warnings).singleElement().asString().contains("cannot rename");
        Files.writeString(file, "d4:infod6:lengthi12eee");
        scanAfter(Duration.ofSeconds(2));
        assertThat(scanAfter(Duration.ofSeconds(2))).as("changed: taken again").isEqualTo(1);
    }

    @Test
    void intoARealDaemonAWatchedTorrentIsAddedToTheDefaultDirectoryOnceAndAnotherCopyIsADuplicate() throws Exception {
        Path downloads = Files.createDirectories(dir.resolve("downloads"));
        Path watched = Files.createDirectories(dir.resolve("watch"));
        Path content = Files.createDirectories(dir.resolve("src/two"));
        Files.write(content.resolve("a.bin"), TransmissionRpcTest.random(40_000, 5));
        byte[] torrent = dev.spate.metainfo.TorrentCreator.builder(content).pieceLength(16384).build().create();
        try (dev.spate.engine.Session session = dev.spate.engine.Session.open(TransmissionRemoteIT.config(dir.resolve("state")))) {
            Torrents torrents = new Torrents(session, downloads);
            WatchFolder w = new WatchFolder(watched, source -> torrents.add(source, null, false), clock,
                    warnings::add);
            Files.write(watched.resolve("one.torrent"), torrent);
            Files.writeString(watched.resolve("broken.torrent"), "d4:info");
            Files.writeString(watched.resolve("link.magnet"), MAGNET);
            w.scan();
            now = now.plusSeconds(2);
            assertThat(w.scan()).isEqualTo(3);
            assertThat(torrents.list()).extracting(t -> t.downloadDirectory()).containsOnly(downloads);
            assertThat(torrents.list()).hasSize(2);
            assertThat(watched.resolve("one.torrent.added")).exists();
            assertThat(watched.resolve("link.magnet.added")).exists();
            assertThat(watched.resolve("broken.torrent.invalid")).exists();
            assertThat(warnings).singleElement().asString().contains("broken.torrent").contains("invalid or corrupt");

            Files.write(watched.resolve("again.torrent"), torrent);
            w.scan();
            now = now.plusSeconds(2);
            assertThat(w.scan()).isEqualTo(1);
            assertThat(watched.resolve("again.torrent.added")).as("a duplicate is added too").exists();
            assertThat(torrents.list()).hasSize(2);
            assertThat(warnings).hasSize(1);
        }
    }

    @Test
    void aDirectoryThatCannotBeListedIsWarnedAboutOnceUntilItCanAgain() throws Exception {
        Path gone = dir.resolve("gone");
        Files.createDirectories(gone);
        WatchFolder w = new WatchFolder(gone, added::add, Clock.systemUTC(), warnings::add);
        Files.delete(gone);
        w.scan();
        w.scan();
        assertThat(warnings).singleElement().asString().contains("cannot list");
        Files.createDirectories(gone);
        w.scan();
        Files.delete(gone);
        w.scan();
        assertThat(warnings).hasSize(2);
    }
}
