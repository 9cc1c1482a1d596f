package dev.spate.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spate.bencode.BDictionary;
import dev.spate.bencode.BList;
import dev.spate.bencode.BString;
import dev.spate.bencode.BValue;
import dev.spate.bencode.Bencode;
import dev.spate.core.Bitfield;
import dev.spate.metainfo.FileEntry;
import dev.spate.metainfo.FileEntry.Attribute;
import dev.spate.metainfo.Metainfo;
import dev.spate.metainfo.MetainfoParser;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * BEP 47 on disk: pad files are never created and read as zeros (for hashing, serving and
 * rechecking); executable files get the execute bits; symbolic links are created inside the
 * torrent only. And a torrent whose paths the parser sanitized writes nothing outside its directory.
 */
@Timeout(30)
class FileStorageAttributesTest {
    static final int PIECE = 16384;

    @TempDir
    Path root;

    private final DiskIo io = new DiskIo(2, 1 << 20);

    @AfterEach
    void stop() throws InterruptedException {
        io.close();
    }

    static FileEntry file(long offset, long length, String... path) {
        return new FileEntry(List.of(path), length, offset);
    }

    static FileEntry pad(long offset, long length) {
        return new FileEntry(List.of(".pad", Long.toString(length)), length, offset, Set.of(Attribute.PAD), List.of());
    }

    /** x (10), pad, y (20000), pad, z (5): pieces 0 and 2 hold pad bytes, piece 1 and 3 data only. */
    static TestTorrent padded() {
        return TestTorrent.build("padded", PIECE, 47, true, List.of(
                file(0, 10, "x"), pad(10, 16374), file(16384, 20_000, "sub", "y"), pad(36384, 12768), file(49152, 5, "z")));
    }

    private static void writeAll(Storage s, TestTorrent t) throws IOException {
        for (int p = 0; p < t.info.pieceCount(); p++) {
            s.writePiece(p, t.piece(p));
        }
    }

    /** Every regular file, directory and link below {@code dir}, relative to it. */
    private static List<String> tree(Path dir) throws IOException {
        List<String> out = new ArrayList<>();
        try (Stream<Path> all = Files.walk(dir)) {
            all.filter(p -> !p.equals(dir)).forEach(p -> out.add(dir.relativize(p) + (Files.isSymbolicLink(p) ? "@" : Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS) ? "/" : "")));
        }
        out.sort(null);
        return out;
    }

    @Test
    void aTorrentWithPadFilesWritesNoPadFileAndReadsZerosForThem() throws Exception {
        TestTorrent t = padded();
        try (FileStorage s = FileStorage.open(root, t.info)) {
            writeAll(s, t);

            assertThat(s.path(1)).isNull();
            ByteBuffer block = ByteBuffer.allocate(16384);
            s.read(0, 0, block);
            assertThat(block.array()).isEqualTo(t.range(0, 16384));
            assertThat(t.range(10, 16374)).containsOnly(0);
            ByteArrayOutputStream sent = new ByteArrayOutputStream();
            s.transferTo(2, 0, 16384, Channels.newChannel(sent));
            assertThat(sent.toByteArray()).isEqualTo(t.range(2 * 16384, 16384));
        }

        assertThat(tree(root)).containsExactly("padded/", "padded/sub/", "padded/sub/y", "padded/x", "padded/z");
        assertThat(Files.readAllBytes(root.resolve("padded/x"))).isEqualTo(t.file(0));
        assertThat(Files.readAllBytes(root.resolve("padded/sub/y"))).isEqualTo(t.file(2));
        assertThat(Files.readAllBytes(root.resolve("padded/z"))).isEqualTo(t.file(4));
    }

    @Test
    void aRecheckReadsZerosForPadFilesAndFindsEveryPiece() throws Exception {
        TestTorrent t = padded();
        try (FileStorage s = FileStorage.open(root, t.info)) {
            writeAll(s, t);
        }
        try (FileStorage s = FileStorage.open(root, t.info)) {
            Bitfield have = io.recheck(s, Recheck.Progress.NONE).get();

            assertThat(have.cardinality()).isEqualTo(t.info.pieceCount());
            ByteBuffer whole = ByteBuffer.allocate(PIECE);
            assertThat(s.readPiece(2, whole)).isTrue();
            assertThat(whole.array()).isEqualTo(t.range(2 * PIECE, PIECE));
            assertThat(s.stat().get(1)).isEqualTo(FileStat.MISSING);
            assertThat(s.stat().get(0).exists()).isTrue();
        }
    }

    @Test
    void aPieceWhoseFilesAreMissingIsAbsentEvenWhenItsPadBytesCouldBeRead() throws Exception {
        TestTorrent t = padded();
        try (FileStorage s = FileStorage.open(root, t.info)) {
            assertThat(s.readPiece(0, ByteBuffer.allocate(PIECE))).isFalse();
        }
    }

    @Test
    void aVerifiedPieceWithNonZeroPadBytesIsRefusedAndNothingIsWritten() throws Exception {
        TestTorrent t = padded();
        ByteBuffer piece = t.piece(0);
        piece.put(100, (byte) 1);
        try (FileStorage s = FileStorage.open(root, t.info)) {
            assertThatThrownBy(() -> s.writePiece(0, piece)).isInstanceOf(StorageException.class)
                    .hasMessage("piece 0 has a byte other than zero at 100, in pad file .pad/16374: the torrent is inconsistent"
                            + " (BEP 47 pad files are zeros)");
        }
        assertThat(Files.exists(root.resolve("padded/.pad"))).isFalse();
    }

    @Test
    void anExecutableFileIsCreatedWithTheExecuteBits() throws Exception {
        List<FileEntry> files = List.of(
                new FileEntry(List.of("run.sh"), 100, 0, Set.of(Attribute.EXECUTABLE), List.of()),
                new FileEntry(List.of("empty-tool"), 0, 100, Set.of(Attribute.EXECUTABLE), List.of()),
                file(100, 50, "data.bin"));
        TestTorrent t = TestTorrent.build("tools", PIECE, 3, true, files);
        try (FileStorage s = FileStorage.open(root, t.info)) {
            writeAll(s, t);
        }

        assertThat(Files.getPosixFilePermissions(root.resolve("tools/run.sh"))).contains(PosixFilePermission.OWNER_EXECUTE);
        assertThat(Files.getPosixFilePermissions(root.resolve("tools/empty-tool"))).contains(PosixFilePermission.OWNER_EXECUTE);
        assertThat(Files.getPosixFilePermissions(root.resolve("tools/data.bin"))).doesNotContain(PosixFilePermission.OWNER_EXECUTE,
                PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.OTHERS_EXECUTE);
        assertThat(Files.readAllBytes(root.resolve("tools/run.sh"))).isEqualTo(t.file(0));
    }

    @Test
    void aSymlinkIsCreatedInsideTheTorrentAndNeverRefusedByStat() throws Exception {
        List<FileEntry> files = List.of(file(0, 10, "d", "x"),
                new FileEntry(List.of("to-x"), 0, 10, Set.of(Attribute.SYMLINK), List.of("d", "x")),
                new FileEntry(List.of("d", "to-dir"), 0, 10, Set.of(Attribute.SYMLINK), List.of("d")));
        TestTorrent t = TestTorrent.build("links", PIECE, 4, true, files);
        try (FileStorage s = FileStorage.open(root, t.info)) {
            writeAll(s, t);
            assertThat(s.stat().get(1).exists()).isTrue();
        }

        Path link = root.resolve("links/to-x");
        assertThat(Files.isSymbolicLink(link)).isTrue();
        assertThat(Files.readSymbolicLink(link)).isEqualTo(Path.of("d/x"));
        assertThat(Files.readAllBytes(link)).isEqualTo(t.file(0));
        assertThat(Files.readSymbolicLink(root.resolve("links/d/to-dir"))).isEqualTo(Path.of("."));
        // Open again: the links are there already and stay as they are.
        try (FileStorage s = FileStorage.open(root, t.info)) {
            assertThat(io.recheck(s, Recheck.Progress.NONE).get().cardinality()).isEqualTo(1);
        }
    }

    @Test
    void aSymlinkTargetOutsideTheTorrentIsRefusedAtOpenEvenIfTheParserWereBypassed() {
        List<FileEntry> files = List.of(file(0, 10, "x"),
                new FileEntry(List.of("evil"), 0, 10, Set.of(Attribute.SYMLINK), List.of("..", "..", "etc")));
        TestTorrent t = TestTorrent.build("links", PIECE, 5, true, files);

        assertThatThrownBy(() -> FileStorage.open(root, t.info)).isInstanceOf(IOException.class)
                .hasMessageContaining("unsafe path component '..'");
        assertThat(Files.exists(root.resolve("links/evil"), LinkOption.NOFOLLOW_LINKS)).isFalse();
    }

    /** A torrent whose every path tries to leave its directory; its content is zeros, so it can be written. */
    static byte[] hostileTorrent() {
        List<List<String>> paths = List.of(
                List.of("..", "..", "..", "etc", "passwd"), List.of("/abs", "path"), List.of("a/../../b"), List.of("", "x"),
                List.of(".."), List.of("..\\..\\win"), List.of("dup"), List.of("DUP"), List.of("dir"), List.of("dir", "inside"),
                List.of(".", "nul\0byte"));
        List<BValue> files = new ArrayList<>();
        for (List<String> path : paths) {
            files.add(BDictionary.builder().put("length", 1000).put("path", BList.of(path.stream().map(BString::of).toList())).build());
        }
        files.add(BDictionary.builder().put("length", 0).put("attr", "l").put("path", BList.of(BString.of("link")))
                .put("symlink path", BList.of(BString.of(".."), BString.of(".."), BString.of("outside"))).build());
        int total = 1000 * paths.size();
        int pieces = (total + PIECE - 1) / PIECE;
        byte[] hashes = new byte[pieces * 20];
        for (int p = 0; p < pieces; p++) {
            int size = Math.min(PIECE, total - p * PIECE);
            System.arraycopy(TestTorrent.sha1(new byte[size], 0, size), 0, hashes, p * 20, 20);
        }
        BDictionary info = BDictionary.builder().put("name", "../../escape").put("piece length", PIECE).put("pieces", hashes)
                .put("files", BList.of(files)).build();
        return Bencode.encode(BDictionary.builder().put("info", info).build());
    }

    @Test
    void aTorrentWhosePathsWereSanitizedWritesNothingOutsideItsDirectory() throws Exception {
        Metainfo meta = MetainfoParser.parse(hostileTorrent());
        assertThat(meta.warnings()).hasSizeGreaterThan(10);
        Path downloads = Files.createDirectories(root.resolve("a/b/downloads"));
        try (FileStorage s = FileStorage.open(downloads, meta.info())) {
            for (int p = 0; p < meta.info().pieceCount(); p++) {
                ByteBuffer zeros = ByteBuffer.allocate(meta.info().pieceSize(p));
                assertThat(DiskIo.verify(meta.info(), p, zeros.duplicate())).isTrue();
                s.writePiece(p, zeros);
            }
        }

        String top = "a/b/downloads/" + meta.info().name();
        assertThat(meta.info().name()).isEqualTo("....escape");
        assertThat(tree(root)).allSatisfy(entry -> assertThat(entry).satisfiesAnyOf(
                e -> assertThat(e).isIn("a/", "a/b/", "a/b/downloads/", top + "/"),
                e -> assertThat(e).startsWith(top + "/")));
        for (FileEntry f : meta.info().dataFiles()) {
            Path p = root.resolve(top).resolve(String.join("/", f.path()));
            assertThat(p).as(f.displayPath()).exists();
            assertThat(Files.isSymbolicLink(p)).isFalse();
            assertThat(Files.size(p)).isEqualTo(f.length());
        }
        assertThat(tree(root.resolve(top))).contains("etc/passwd", "abs/path", "a....b", "_/x", "_.1", "....win", "dup", "DUP.1",
                "dir.1", "dir/inside", "nulbyte", "link");
    }
}
