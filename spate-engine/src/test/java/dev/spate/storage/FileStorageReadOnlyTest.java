package dev.spate.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

import dev.spate.core.Bitfield;
import dev.spate.core.InfoHash;
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
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Files are opened read-only until something must be written, so a complete torrent is checked and
 * served from files nobody may write, and nothing in its directory changes. We run as root, whom
 * permission bits do not stop; the immutable attribute ({@code chattr +i}) stops root too, so it
 * stands in for another user's files here (ReadOnlySeedIT does it as an unprivileged user).
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class FileStorageReadOnlyTest {
    private static final InfoHash HASH = InfoHash.fromHex("00112233445566778899aabbccddeeff00112233");

    @TempDir
    Path tmp;

    private final DiskIo io = new DiskIo(2, 1 << 20);
    private Path immutable;

    @AfterEach
    void stop() throws Exception {
        io.close();
        if (immutable != null) {
            chattr("-i", immutable); // or the temporary directory cannot be deleted
        }
    }

    private static boolean chattr(String flag, Path dir) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("chattr", "-R", flag, dir.toString()).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
    }

    /** Makes everything under {@code dir}, and {@code dir}, immutable; skips where that is not possible. */
    private void makeImmutable(Path dir) throws Exception {
        boolean done = chattr("+i", dir);
        if (done) {
            immutable = dir;
        }
        assumeThat(done).as("chattr +i works here (root, a file system with the attribute)").isTrue();
    }

    private static Map<String, String> snapshot(Path dir) throws IOException {
        Map<String, String> out = new TreeMap<>();
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) walk::iterator) {
                FileTime mtime = Files.getLastModifiedTime(p);
                String what = Files.isDirectory(p) ? "dir" : Files.size(p) + " bytes " + Integer.toHexString(
                        java.util.Arrays.hashCode(Files.readAllBytes(p)));
                out.put(dir.relativize(p).toString(), what + " @" + mtime);
            }
        }
        return out;
    }

    private static void writeAll(Storage s, TestTorrent t) throws IOException {
        for (int p = 0; p < t.info.pieceCount(); p++) {
            s.writePiece(p, t.piece(p));
        }
    }

    @Test
    void aCompleteTorrentOnFilesNobodyMayWriteIsCheckedAndServedAndNothingChanges() throws Exception {
        TestTorrent t = TestTorrent.build("album", 16, 1, true,
                List.of(List.of("a.bin"), List.of("empty"), List.of("sub", "b.bin"), List.of("sub", "deeper", "c.bin")),
                new int[] {40, 0, 23, 50});
        Path downloads = Files.createDirectories(tmp.resolve("downloads"));
        List<FileStat> written;
        try (FileStorage s = FileStorage.open(downloads, t.info)) {
            writeAll(s, t);
            written = s.stat();
        }
        makeImmutable(downloads);
        Map<String, String> before = snapshot(downloads);

        try (FileStorage s = FileStorage.open(downloads, t.info)) {
            Bitfield have = io.recheck(s, Recheck.Progress.NONE).get(10, TimeUnit.SECONDS);
            assertThat(have.cardinality()).isEqualTo(t.info.pieceCount());
            assertThat(s.stat()).isEqualTo(written);
            for (int p = 0; p < t.info.pieceCount(); p++) {
                ByteBuffer block = ByteBuffer.allocate(t.info.pieceSize(p));
                s.read(p, 0, block);
                assertThat(block.array()).as("piece %d read", p).isEqualTo(t.piece(p).array());
                ByteArrayOutputStream sent = new ByteArrayOutputStream();
                s.transferTo(p, 0, t.info.pieceSize(p), Channels.newChannel(sent));
                assertThat(sent.toByteArray()).as("piece %d sent", p).isEqualTo(t.piece(p).array());
            }
            s.flush();
            // Writing is what fails, and says where and why.
            assertThatThrownBy(() -> s.writePiece(0, t.piece(0)))
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining("opening " + s.path(0) + " for writing: Operation not permitted");
        }
        assertThat(snapshot(downloads)).isEqualTo(before);
    }

    @Test
    void theResumeCheckTrustsItsFileAndHashesWhenItMustOnFilesNobodyMayWrite() throws Exception {
        TestTorrent t = TestTorrent.multi("res", 16, 2, 30, 50);
        Path downloads = Files.createDirectories(tmp.resolve("downloads"));
        ResumeStore.Entry resume = ResumeStore.open(tmp.resolve("state")).entry(HASH, downloads);
        Bitfield all = new Bitfield(t.info.pieceCount());
        try (FileStorage s = FileStorage.open(downloads, t.info)) {
            writeAll(s, t);
            all.setAll();
            ResumeCheck.save(s, resume, all, true);
        }
        makeImmutable(downloads);
        Map<String, String> before = snapshot(downloads);
        try (FileStorage s = FileStorage.open(downloads, t.info)) {
            ResumeCheck.Outcome trusted = ResumeCheck.load(io, s, resume, Recheck.Progress.NONE).get(10, TimeUnit.SECONDS);
            assertThat(trusted.trusted()).isTrue();
            assertThat(trusted.have()).isEqualTo(all);
            ResumeCheck.save(s, resume, all, true); // the state directory is writable; the data is not touched
            Files.delete(resume.location());
            ResumeCheck.Outcome hashed = ResumeCheck.load(io, s, resume, Recheck.Progress.NONE).get(10, TimeUnit.SECONDS);
            assertThat(hashed.trusted()).isFalse();
            assertThat(hashed.have()).isEqualTo(all);
        }
        assertThat(snapshot(downloads)).isEqualTo(before);
    }

    @Test
    void aResumeFileThatCannotBeWrittenFailsNamingTheDirectoryAndTheReason() throws Exception {
        Path state = Files.createDirectories(tmp.resolve("state"));
        makeImmutable(state);
        ResumeStore.Entry resume = ResumeStore.open(state.resolve("sub")).entry(HASH, tmp.resolve("downloads"));
        assertThatThrownBy(() -> resume.save(new Bitfield(3), List.of(), true))
                .isInstanceOf(IOException.class)
                .hasMessageContaining(state.resolve("sub").toString())
                .hasMessageContaining("Operation not permitted");
    }

    @Test
    void aMissingZeroLengthFileThatCannotBeCreatedDoesNotStopTheRest() throws Exception {
        TestTorrent t = TestTorrent.multi("set", 8, 3, 16, 0);
        Path downloads = Files.createDirectories(tmp.resolve("downloads"));
        try (FileStorage s = FileStorage.open(downloads, t.info)) {
            writeAll(s, t);
            Files.delete(s.path(1));
        }
        makeImmutable(downloads);
        try (FileStorage s = FileStorage.open(downloads, t.info)) {
            assertThat(io.recheck(s, Recheck.Progress.NONE).get(10, TimeUnit.SECONDS).cardinality()).isEqualTo(2);
            assertThat(s.path(1)).doesNotExist();
        }
    }
}
