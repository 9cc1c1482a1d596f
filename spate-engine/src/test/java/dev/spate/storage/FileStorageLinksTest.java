package dev.spate.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A symbolic link below the download directory, wherever it is (the file, the torrent's top
 * directory, a directory further down, dangling or not), is never written or read through; the
 * download directory itself may be a link. Each test puts the right bytes behind the link, so
 * following it would have "worked", and checks the link's target is left exactly as it was.
 */
@Timeout(value = 20, unit = TimeUnit.SECONDS)
class FileStorageLinksTest {
    @TempDir
    Path tmp;

    private final DiskIo io = new DiskIo(2, 1 << 20);

    @AfterEach
    void stop() throws InterruptedException {
        io.close();
    }

    private Path downloads() throws IOException {
        return Files.createDirectories(tmp.resolve("downloads"));
    }

    private Path outside() throws IOException {
        return Files.createDirectories(tmp.resolve("outside"));
    }

    /** Every path under {@code dir} with its size and modification time: what "unchanged" means here. */
    private static Map<String, String> snapshot(Path dir) throws IOException {
        Map<String, String> out = new TreeMap<>();
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) walk::iterator) {
                FileTime mtime = Files.getLastModifiedTime(p);
                out.put(dir.relativize(p).toString(), (Files.isDirectory(p) ? "dir" : Files.size(p) + " bytes") + " @" + mtime);
            }
        }
        return out;
    }

    private static void assertRefusedLink(ThrowingRunnable call, Path link) {
        assertThatThrownBy(call::run)
                .isInstanceOf(StorageException.class)
                .hasMessageContaining(link.toString())
                .hasMessageContaining("symbolic link");
    }

    @FunctionalInterface
    private interface ThrowingRunnable {
        void run() throws Exception;
    }

    /** Every way a storage reads a piece, each of which must refuse the link. */
    private void assertEveryReadRefuses(FileStorage s, int piece, Path link) throws Exception {
        assertRefusedLink(() -> s.read(piece, 0, ByteBuffer.allocate(4)), link);
        assertRefusedLink(() -> s.readPiece(piece, ByteBuffer.allocate(s.info().pieceSize(piece))), link);
        assertRefusedLink(() -> s.transferTo(piece, 0, 4, Channels.newChannel(new ByteArrayOutputStream())), link);
        assertRefusedLink(s::stat, link);
        assertThatThrownBy(() -> io.recheck(s, Recheck.Progress.NONE).get())
                .isInstanceOf(ExecutionException.class)
                .cause().isInstanceOf(StorageException.class).hasMessageContaining(link.toString());
    }

    @Test
    void aDownloadDirectoryThatIsItselfALinkIsWrittenThroughAndResolvedOnce() throws Exception {
        TestTorrent t = TestTorrent.build("album", 8, 1, true, List.of(List.of("a", "f0"), List.of("f1")), new int[] {10, 13});
        Path real = outside();
        Path link = Files.createSymbolicLink(tmp.resolve("Downloads"), real);
        try (FileStorage s = FileStorage.open(link, t.info)) {
            for (int p = 0; p < t.info.pieceCount(); p++) {
                s.writePiece(p, t.piece(p));
            }
            assertThat(s.path(0)).isEqualTo(real.toRealPath().resolve("album/a/f0"));
            ByteBuffer back = ByteBuffer.allocate(t.info.pieceSize(1));
            assertThat(s.readPiece(1, back)).isTrue();
            assertThat(back.array()).isEqualTo(t.piece(1).array());
        }
        assertThat(real.resolve("album/a/f0")).hasBinaryContent(t.file(0));
        assertThat(real.resolve("album/f1")).hasBinaryContent(t.file(1));
    }

    @Test
    void aLinkAtTheFileItselfIsNeitherWrittenNorReadThrough() throws Exception {
        TestTorrent t = TestTorrent.single("one.bin", 8, 2, 20);
        Path target = Files.write(outside().resolve("victim.bin"), t.content);
        Map<String, String> before = snapshot(outside());
        Path link = Files.createSymbolicLink(downloads().resolve("one.bin"), target);
        try (FileStorage s = FileStorage.open(downloads(), t.info)) {
            assertThatThrownBy(() -> s.writePiece(0, t.piece(0)))
                    .isInstanceOf(StorageException.class)
                    .hasMessageContaining("refusing to write through symbolic link " + link + " -> " + target);
            assertEveryReadRefuses(s, 0, link);
        }
        assertThat(snapshot(outside())).isEqualTo(before);
        assertThat(target).hasBinaryContent(t.content);
    }

    @Test
    void aLinkAtTheTorrentsTopDirectoryIsNeitherWrittenNorReadThroughEvenWhenItAppearsAfterOpen() throws Exception {
        TestTorrent t = TestTorrent.multi("album", 8, 3, 12, 9);
        Path elsewhere = Files.createDirectories(outside().resolve("album"));
        Files.write(elsewhere.resolve("f0"), t.file(0));
        Files.write(elsewhere.resolve("f1"), t.file(1));
        Map<String, String> before = snapshot(outside());
        try (FileStorage s = FileStorage.open(downloads(), t.info)) {
            Path link = Files.createSymbolicLink(downloads().resolve("album"), elsewhere);
            assertThatThrownBy(() -> s.writePiece(2, t.piece(2)))
                    .isInstanceOf(StorageException.class)
                    .hasMessageContaining("refusing to write through symbolic link " + link + " -> " + elsewhere);
            assertEveryReadRefuses(s, 0, link);
        }
        assertThat(snapshot(outside())).isEqualTo(before);
    }

    @Test
    void aLinkFurtherDownIsNeitherWrittenNorReadThrough() throws Exception {
        TestTorrent t = TestTorrent.build("album", 8, 4, true,
                List.of(List.of("a", "b", "c", "f0"), List.of("f1")), new int[] {16, 4});
        Path elsewhere = Files.createDirectories(outside().resolve("c"));
        Files.write(elsewhere.resolve("f0"), t.file(0));
        Map<String, String> before = snapshot(outside());
        Path link = Files.createSymbolicLink(Files.createDirectories(downloads().resolve("album/a/b")).resolve("c"), elsewhere);
        try (FileStorage s = FileStorage.open(downloads(), t.info)) {
            assertThatThrownBy(() -> s.writePiece(0, t.piece(0)))
                    .isInstanceOf(StorageException.class)
                    .hasMessageContaining("refusing to write through symbolic link " + link + " -> " + elsewhere);
            assertEveryReadRefuses(s, 1, link);
            // The file beside the link is the torrent's own and still works.
            s.writePiece(2, t.piece(2));
        }
        assertThat(downloads().resolve("album/f1")).hasBinaryContent(t.file(1));
        assertThat(snapshot(outside())).isEqualTo(before);
    }

    @Test
    void aDanglingLinkAtTheFileDoesNotCreateItsTarget() throws Exception {
        TestTorrent t = TestTorrent.single("one.bin", 8, 5, 20);
        Path target = outside().resolve("created-by-us.bin");
        Path link = Files.createSymbolicLink(downloads().resolve("one.bin"), target);
        try (FileStorage s = FileStorage.open(downloads(), t.info)) {
            assertRefusedLink(() -> s.writePiece(1, t.piece(1)), link);
            assertRefusedLink(() -> s.read(1, 0, ByteBuffer.allocate(4)), link);
        }
        assertThat(target).doesNotExist();
        assertThat(outside()).isEmptyDirectory();
    }

    @Test
    void aDanglingLinkAtADirectoryDoesNotCreateItsTarget() throws Exception {
        TestTorrent t = TestTorrent.multi("album", 8, 6, 12, 9);
        Path target = outside().resolve("made-by-us");
        Path link = Files.createSymbolicLink(downloads().resolve("album"), target);
        try (FileStorage s = FileStorage.open(downloads(), t.info)) {
            assertRefusedLink(() -> s.writePiece(0, t.piece(0)), link);
        }
        assertThat(target).doesNotExist();
        assertThat(outside()).isEmptyDirectory();
    }

    @Test
    void aZeroLengthFileThatIsALinkIsRefusedAtOpenAndItsTargetNotCreated() throws Exception {
        TestTorrent t = TestTorrent.multi("set", 4, 7, 10, 0);
        Files.createDirectories(downloads().resolve("set"));
        Path target = outside().resolve("empty-by-us");
        Path link = Files.createSymbolicLink(downloads().resolve("set/f1"), target);
        assertRefusedLink(() -> FileStorage.open(downloads(), t.info).close(), link);
        assertThat(target).doesNotExist();
    }

    @Test
    void aLinkToAFileOfTheTorrentItselfIsRefusedToo() throws Exception {
        // Even a link that stays inside the download directory is refused: what it points at is
        // not the torrent's file of that name, and two names for one file would be written twice.
        TestTorrent t = TestTorrent.multi("pair", 8, 8, 8, 8);
        try (FileStorage s = FileStorage.open(downloads(), t.info)) {
            s.writePiece(0, t.piece(0));
        }
        Path link = Files.createSymbolicLink(downloads().resolve("pair/f1"), downloads().resolve("pair/f0"));
        try (FileStorage s = FileStorage.open(downloads(), t.info)) {
            assertRefusedLink(() -> s.writePiece(1, t.piece(1)), link);
        }
        assertThat(downloads().resolve("pair/f0")).hasBinaryContent(t.file(0));
    }
}
