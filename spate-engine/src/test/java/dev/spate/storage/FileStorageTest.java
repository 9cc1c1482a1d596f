package dev.spate.storage;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;
import com.sun.nio.file.ExtendedOpenOption;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@Timeout(30)
class FileStorageTest {
    @TempDir
    Path root;

    private static void writeAll(Storage storage, TestTorrent t, long seed) throws IOException {
        List<Integer> order = new ArrayList<>();
        for (int p = 0; p < t.info.pieceCount(); p++) {
            order.add(p);
        }
        Collections.shuffle(order, new Random(seed));
        for (int p : order) {
            storage.writePiece(p, t.piece(p));
        }
    }

    @Test
    void pieces_across_file_boundaries_land_in_each_file_at_the_right_offset() throws IOException {
        // pieces of 8 over files of 5, 7, 1, 20 and 3 bytes: most pieces cross a boundary
        TestTorrent t = TestTorrent.multi("album", 8, 1, 5, 7, 1, 20, 3);
        try (FileStorage s = FileStorage.open(root, t.info)) {
            writeAll(s, t, 7);
        }
        for (int i = 0; i < 5; i++) {
            assertThat(Files.readAllBytes(root.resolve("album").resolve("f" + i))).as("file %d", i).isEqualTo(t.file(i));
        }
    }

    @Test
    void a_block_read_across_a_file_boundary_returns_the_bytes_written() throws IOException {
        TestTorrent t = TestTorrent.multi("album", 16, 2, 10, 3, 30);
        try (FileStorage s = FileStorage.open(root, t.info)) {
            writeAll(s, t, 3);
            // piece 0 covers f0 [0,10), f1 [0,3), f2 [0,3); read bytes 8..15 of it
            ByteBuffer dst = ByteBuffer.allocate(8);
            s.read(0, 8, dst);
            assertThat(dst.position()).isEqualTo(8);
            assertThat(dst.array()).isEqualTo(t.range(8, 8));
            ByteBuffer whole = ByteBuffer.allocate(16);
            assertThat(s.readPiece(2, whole.limit(t.info.pieceSize(2)))).isTrue();
            assertThat(Arrays.copyOf(whole.array(), t.info.pieceSize(2))).isEqualTo(t.range(32, t.info.pieceSize(2)));
        }
    }

    @Test
    void zero_length_files_first_middle_and_last_exist_after_open_and_nothing_else_does() throws IOException {
        TestTorrent t = TestTorrent.multi("set", 4, 3, 0, 10, 0, 10, 0);
        try (FileStorage s = FileStorage.open(root, t.info)) {
            for (int i : new int[] {0, 2, 4}) {
                assertThat(s.path(i)).exists().hasSize(0);
            }
            assertThat(s.path(1)).doesNotExist();
            assertThat(s.path(3)).doesNotExist();
        }
    }

    @Test
    void zero_length_files_in_subdirectories_get_their_directories() throws IOException {
        TestTorrent t = TestTorrent.build("set", 4, 3, true,
                List.of(List.of("a", "b", "empty"), List.of("data")), new int[] {0, 9});
        try (FileStorage s = FileStorage.open(root, t.info)) {
            assertThat(root.resolve("set/a/b/empty")).isRegularFile().hasSize(0);
        }
    }

    @Test
    void the_short_last_piece_is_written_and_read_whole() throws IOException {
        TestTorrent t = TestTorrent.multi("x", 8, 4, 9, 12); // 21 bytes: the last piece has 5
        assertThat(t.info.pieceSize(2)).isEqualTo(5);
        try (FileStorage s = FileStorage.open(root, t.info)) {
            s.writePiece(2, t.piece(2));
            ByteBuffer dst = ByteBuffer.allocate(8);
            assertThat(s.readPiece(2, dst)).isTrue();
            assertThat(dst.position()).isEqualTo(5);
            assertThat(Arrays.copyOf(dst.array(), 5)).isEqualTo(t.range(16, 5));
            assertThat(s.path(1)).hasSize(12);
            assertThat(s.path(0)).doesNotExist();
        }
    }

    @Test
    void writing_only_the_last_piece_makes_a_sparse_file_of_full_length() throws IOException {
        int length = (1 << 20) + 100;
        TestTorrent t = TestTorrent.single("big.iso", 1 << 14, 5, length);
        int last = t.info.pieceCount() - 1;
        try (FileStorage s = FileStorage.open(root, t.info)) {
            s.writePiece(last, t.piece(last));
            assertThat(root.resolve("big.iso")).hasSize(length);
            // the hole reads as zeros, so the first piece is not there
            ByteBuffer first = ByteBuffer.allocate(1 << 14);
            assertThat(s.readPiece(0, first)).isTrue();
            assertThat(first.array()).containsOnly(0);
        }
    }

    @Test
    void a_file_is_created_only_when_first_written() throws IOException {
        TestTorrent t = TestTorrent.multi("lazy", 8, 6, 8, 8, 8);
        try (FileStorage s = FileStorage.open(root, t.info)) {
            s.writePiece(1, t.piece(1));
            assertThat(s.path(0)).doesNotExist();
            assertThat(s.path(1)).hasBinaryContent(t.file(1));
            assertThat(s.path(2)).doesNotExist();
        }
    }

    @Test
    void read_piece_reports_a_missing_or_short_file_as_absent_without_creating_it() throws IOException {
        TestTorrent t = TestTorrent.multi("gaps", 8, 7, 6, 6, 12);
        try (FileStorage s = FileStorage.open(root, t.info)) {
            s.writePiece(2, t.piece(2)); // bytes 16..23, all in f2 [4, 12): f2 is 12 long now
            ByteBuffer dst = ByteBuffer.allocate(8);
            assertThat(s.readPiece(0, dst)).isFalse(); // f0 and f1 missing
            assertThat(dst.position()).isZero();
            assertThat(s.path(0)).doesNotExist();
            s.writePiece(0, t.piece(0)); // f0 whole, f1 [0, 2)
            assertThat(s.readPiece(1, dst)).isFalse(); // needs f1 [2, 6): f1 is only 2 long
            assertThat(s.readPiece(0, dst)).isTrue();
        }
    }

    @Test
    void a_block_read_from_a_file_not_yet_written_fails_naming_the_file() throws IOException {
        TestTorrent t = TestTorrent.multi("named", 8, 8, 8, 8);
        try (FileStorage s = FileStorage.open(root, t.info)) {
            assertThatThrownBy(() -> s.read(1, 0, ByteBuffer.allocate(4)))
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining(s.path(1).toString());
        }
    }

    @Test
    void a_single_file_torrent_lives_at_root_slash_name_and_a_multi_file_one_below_a_directory() throws IOException {
        TestTorrent single = TestTorrent.single("one.bin", 8, 9, 20);
        try (FileStorage s = FileStorage.open(root, single.info)) {
            writeAll(s, single, 1);
        }
        assertThat(root.resolve("one.bin")).hasBinaryContent(single.content);

        TestTorrent multi = TestTorrent.build("dir", 8, 10, true,
                List.of(List.of("sub", "a.txt"), List.of("b.txt")), new int[] {11, 13});
        try (FileStorage s = FileStorage.open(root, multi.info)) {
            writeAll(s, multi, 2);
        }
        assertThat(root.resolve("dir/sub/a.txt")).hasBinaryContent(multi.file(0));
        assertThat(root.resolve("dir/b.txt")).hasBinaryContent(multi.file(1));
    }

    @ParameterizedTest
    @ValueSource(strings = {"..", ".", "", "a/../../b", "/etc/passwd", "x\\..\\..\\y"})
    void a_path_component_that_could_leave_the_root_is_refused_at_open(String component) {
        TestTorrent evil = TestTorrent.build("dir", 8, 11, true,
                List.of(List.of("ok"), List.of(component, "payload")), new int[] {8, 8});
        assertThatThrownBy(() -> FileStorage.open(root, evil.info)).isInstanceOf(IOException.class)
                .hasMessageContaining("payload");
    }

    @ParameterizedTest
    @ValueSource(strings = {"..", "../escape", "/abs"})
    void a_torrent_name_that_could_leave_the_root_is_refused_at_open(String name) {
        TestTorrent single = TestTorrent.build(name, 8, 12, false, List.of(List.of("x")), new int[] {8});
        assertThatThrownBy(() -> FileStorage.open(root, single.info)).isInstanceOf(IOException.class);
        TestTorrent multi = TestTorrent.build(name, 8, 12, true, List.of(List.of("x")), new int[] {8});
        assertThatThrownBy(() -> FileStorage.open(root, multi.info)).isInstanceOf(IOException.class);
    }

    @Test
    void two_files_at_the_same_path_are_refused() {
        TestTorrent dup = TestTorrent.build("d", 8, 13, true, List.of(List.of("a"), List.of("a")), new int[] {4, 4});
        assertThatThrownBy(() -> FileStorage.open(root, dup.info)).isInstanceOf(IOException.class)
                .hasMessageContaining("two files");
    }

    @Test
    void more_files_than_open_channels_still_read_and_write_correctly() throws IOException {
        TestTorrent t = TestTorrent.multi("many", 5, 14, 3, 7, 2, 9, 4, 6, 11, 1);
        try (FileStorage s = FileStorage.open(root, t.info, 2)) {
            writeAll(s, t, 5);
            for (int p = t.info.pieceCount() - 1; p >= 0; p--) {
                ByteBuffer dst = ByteBuffer.allocate(t.info.pieceSize(p));
                assertThat(s.readPiece(p, dst)).isTrue();
                assertThat(dst.array()).isEqualTo(t.piece(p).array());
            }
        }
        for (int i = 0; i < 8; i++) {
            assertThat(root.resolve("many/f" + i)).hasBinaryContent(t.file(i));
        }
    }

    @Test
    void what_was_written_is_there_after_close_and_reopen() throws IOException {
        TestTorrent t = TestTorrent.multi("again", 8, 15, 12, 12);
        try (FileStorage s = FileStorage.open(root, t.info)) {
            writeAll(s, t, 6);
            s.flush();
        }
        try (FileStorage s = FileStorage.open(root, t.info)) {
            ByteBuffer dst = ByteBuffer.allocate(8);
            s.read(1, 0, dst);
            assertThat(dst.array()).isEqualTo(t.range(8, 8));
        }
    }

    @Test
    void stat_reports_missing_files_and_the_size_of_written_ones() throws IOException {
        TestTorrent t = TestTorrent.multi("st", 8, 16, 8, 8, 0);
        try (FileStorage s = FileStorage.open(root, t.info)) {
            s.writePiece(1, t.piece(1));
            List<FileStat> stat = s.stat();
            assertThat(stat.get(0)).isEqualTo(FileStat.MISSING);
            assertThat(stat.get(1).size()).isEqualTo(8);
            assertThat(stat.get(2).size()).isZero();
        }
    }

    @Test
    void a_piece_of_the_wrong_size_is_refused() throws IOException {
        TestTorrent t = TestTorrent.multi("w", 8, 17, 16);
        try (FileStorage s = FileStorage.open(root, t.info)) {
            assertThatThrownBy(() -> s.writePiece(0, ByteBuffer.allocate(7))).isInstanceOf(IllegalArgumentException.class);
        }
    }

    /** The piece's bytes in an aligned direct buffer, as the engine hands them to storage. */
    private static ByteBuffer aligned(ByteBuffer piece) {
        ByteBuffer b = PieceBuffers.alignedDirect(piece.remaining());
        b.put(piece.duplicate()).flip();
        return b;
    }

    private static boolean fileSystemTakesDirectIo(Path dir) throws IOException {
        Path probe = Files.createTempFile(dir, "probe", ".bin");
        try (FileChannel ignored = FileChannel.open(probe, StandardOpenOption.WRITE, ExtendedOpenOption.DIRECT)) {
            return true;
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        } finally {
            Files.delete(probe);
        }
    }

    @Test
    void direct_writes_of_aligned_pieces_and_a_short_last_piece_read_back_exactly() throws IOException {
        TestTorrent t = TestTorrent.single("direct.bin", 16_384, 21, 5 * 16_384 + 1_000);
        try (FileStorage s = FileStorage.open(root, t.info, 4, true)) {
            List<Integer> order = List.of(3, 5, 0, 4, 1, 2);
            for (int p : order) {
                s.writePiece(p, aligned(t.piece(p)));
                // Reads go through the page cache and must see what went around it.
                ByteBuffer back = ByteBuffer.allocate(t.info.pieceSize(p));
                s.read(p, 0, back);
                assertThat(back.array()).as("piece %d read back", p).isEqualTo(t.range((long) p * 16_384, t.info.pieceSize(p)));
            }
            assertThat(s.writesDirect()).isEqualTo(fileSystemTakesDirectIo(root));
        }
        assertThat(Files.readAllBytes(root.resolve("direct.bin"))).isEqualTo(t.file(0));
    }

    @Test
    void direct_writes_of_a_multi_file_torrent_whose_spans_start_off_the_boundaries_land_exactly() throws IOException {
        // Files of 5,000, 20,000 and 40,000 bytes: most spans start at offsets no direct write may take.
        TestTorrent t = TestTorrent.multi("mixed", 16_384, 22, 5_000, 20_000, 40_000);
        try (FileStorage s = FileStorage.open(root, t.info, 4, true)) {
            for (int p = t.info.pieceCount() - 1; p >= 0; p--) {
                s.writePiece(p, aligned(t.piece(p)));
            }
            assertThat(s.writesDirect()).isEqualTo(fileSystemTakesDirectIo(root));
        }
        for (int i = 0; i < 3; i++) {
            assertThat(Files.readAllBytes(root.resolve("mixed").resolve("f" + i))).as("file %d", i).isEqualTo(t.file(i));
        }
    }

    @Test
    void heap_pieces_are_written_through_the_page_cache_even_with_direct_writes_on() throws IOException {
        TestTorrent t = TestTorrent.single("heap.bin", 16_384, 23, 3 * 16_384);
        try (FileStorage s = FileStorage.open(root, t.info, 4, true)) {
            writeAll(s, t, 4);
        }
        assertThat(Files.readAllBytes(root.resolve("heap.bin"))).isEqualTo(t.file(0));
    }
    /**
     * How each of this process's open descriptors of files under {@code dir} is open ("r" or "rw",
     * from /proc/self/fdinfo), by file.
     */
    private static Map<Path, List<String>> openModes(Path dir) throws IOException {
        Path real = dir.toRealPath();
        Map<Path, List<String>> out = new TreeMap<>();
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            for (Path fd : (Iterable<Path>) fds::iterator) {
                Path target;
                String flags;
                try {
                    target = Files.readSymbolicLink(fd);
                    flags = Files.readAllLines(Path.of("/proc/self/fdinfo", fd.getFileName().toString())).stream()
                            .filter(l -> l.startsWith("flags:")).findFirst().orElseThrow();
                } catch (IOException e) {
                    continue; // closed meanwhile (the listing's own descriptor)
                }
                if (target.startsWith(real)) {
                    int accessMode = Integer.parseInt(flags.substring("flags:".length()).trim(), 8) & 3;
                    out.computeIfAbsent(real.relativize(target), k -> new ArrayList<>()).add(accessMode == 0 ? "r" : "rw");
                }
            }
        }
        return out;
    }

    @Test
    void filesAreOpenedReadOnlyToReadAndReopenedReadWriteOnlyToWrite() throws IOException {
        TestTorrent t = TestTorrent.multi("modes", 8, 24, 16, 8);
        try (FileStorage s = FileStorage.open(root, t.info)) {
            s.writePiece(0, t.piece(0));
            s.writePiece(2, t.piece(2));
        }
        try (FileStorage s = FileStorage.open(root, t.info)) {
            assertThat(s.readPiece(0, ByteBuffer.allocate(8))).isTrue();
            assertThat(s.readPiece(2, ByteBuffer.allocate(8))).isTrue();
            assertThat(openModes(root)).containsOnly(
                    Map.entry(Path.of("modes/f0"), List.of("r")), Map.entry(Path.of("modes/f1"), List.of("r")));
            s.writePiece(1, t.piece(1)); // the second half of f0: its read-only channel gives way
            assertThat(openModes(root)).containsOnly(
                    Map.entry(Path.of("modes/f0"), List.of("rw")), Map.entry(Path.of("modes/f1"), List.of("r")));
            ByteBuffer back = ByteBuffer.allocate(8);
            s.read(1, 0, back);
            assertThat(back.array()).isEqualTo(t.piece(1).array());
            s.flush();
        }
        assertThat(openModes(root)).isEmpty();
        assertThat(root.resolve("modes/f0")).hasBinaryContent(t.file(0));
    }

    @Test
    void readsAndWritesInterleavedOverManyFilesKeepTheCacheWithinItsBound() throws IOException {
        TestTorrent t = TestTorrent.multi("bound", 8, 25, 8, 16, 8, 16, 8, 16, 8);
        int pieces = t.info.pieceCount();
        try (FileStorage s = FileStorage.open(root, t.info, 2)) {
            for (int p = 0; p < pieces; p += 2) {
                s.writePiece(p, t.piece(p));
            }
        }
        try (FileStorage s = FileStorage.open(root, t.info, 2)) {
            for (int p = 1; p < pieces; p += 2) {
                for (int q = pieces - 1; q >= 0; q--) {
                    ByteBuffer dst = ByteBuffer.allocate(8);
                    if (q % 2 == 0 || q < p) {
                        assertThat(s.readPiece(q, dst)).as("piece %d before writing %d", q, p).isTrue();
                        assertThat(dst.array()).isEqualTo(t.piece(q).array());
                    }
                }
                s.writePiece(p, t.piece(p));
                assertThat(openModes(root).values().stream().mapToInt(List::size).sum()).as("channels open").isLessThanOrEqualTo(2);
            }
            for (int p = 0; p < pieces; p++) {
                ByteBuffer dst = ByteBuffer.allocate(8);
                assertThat(s.readPiece(p, dst)).isTrue();
                assertThat(dst.array()).as("piece %d", p).isEqualTo(t.piece(p).array());
            }
        }
        assertThat(openModes(root)).isEmpty();
    }

    @Test
    void aFileWhereADirectoryShouldBeIsReportedWithItsPathAndTheReason() throws IOException {
        TestTorrent t = TestTorrent.build("tree", 8, 26, true, List.of(List.of("a", "f0")), new int[] {8});
        Path inTheWay = Files.write(Files.createDirectories(root.resolve("tree")).resolve("a"), new byte[] {1});
        try (FileStorage s = FileStorage.open(root, t.info)) {
            assertThatThrownBy(() -> s.writePiece(0, t.piece(0))).isInstanceOf(IOException.class)
                    .hasMessageContaining(inTheWay + " is not a directory");
        }
        assertThat(inTheWay).hasBinaryContent(new byte[] {1});
    }

    @Test
    void aDirectoryWhereTheFileShouldBeIsReportedWithItsPathAndTheReason() throws IOException {
        TestTorrent t = TestTorrent.single("one.bin", 8, 27, 8);
        Path inTheWay = Files.createDirectories(root.resolve("one.bin"));
        try (FileStorage s = FileStorage.open(root, t.info)) {
            assertThatThrownBy(() -> s.writePiece(0, t.piece(0))).isInstanceOf(IOException.class)
                    .hasMessageContaining(inTheWay + " is not a regular file");
            assertThatThrownBy(() -> s.read(0, 0, ByteBuffer.allocate(8))).isInstanceOf(IOException.class)
                    .hasMessageContaining(inTheWay + " is not a regular file");
        }
    }

    @Test
    void after_forgetting_its_open_files_a_file_deleted_since_it_was_opened_is_missing() throws IOException {
        TestTorrent t = TestTorrent.multi("gone", 16, 4, 16, 16);
        try (FileStorage s = FileStorage.open(root, t.info)) {
            writeAll(s, t, 5);
            ByteBuffer piece = ByteBuffer.allocate(16);
            assertThat(s.readPiece(1, piece)).isTrue();
            Files.delete(s.path(1));
            // The open descriptor still reads the deleted file: what a recheck must not trust.
            assertThat(s.readPiece(1, piece.clear())).isTrue();
            s.forgetOpenFiles();
            assertThat(s.readPiece(1, piece.clear())).isFalse();
            assertThat(s.readPiece(0, piece.clear())).isTrue();
            s.flush(); // files written before stay flushable through new descriptors
        }
    }
}
