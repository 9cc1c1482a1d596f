package dev.spate.storage;

import dev.spate.core.Bitfield;
import dev.spate.core.InfoHash;
import dev.spate.metainfo.TorrentInfo;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@Timeout(20)
class ResumeTest {
    private static final InfoHash HASH = InfoHash.fromHex("0123456789abcdef0123456789abcdef01234567");
    private static final InfoHash OTHER = InfoHash.fromHex("fedcba9876543210fedcba9876543210fedcba98");

    @TempDir
    Path dir;

    private final DiskIo io = new DiskIo(2, 1 << 20);
    private final TestTorrent t = TestTorrent.multi("res", 16, 1, 30, 0, 50);

    @AfterEach
    void stop() throws InterruptedException {
        io.close();
    }

    private Path downloads() {
        return dir.resolve("downloads");
    }

    private Path resumeFile() {
        return resume().location();
    }

    private ResumeStore.Entry resume() {
        return ResumeStore.open(dir.resolve("state")).entry(HASH, downloads());
    }

    private Bitfield writeSome(FileStorage s) throws Exception {
        Bitfield have = new Bitfield(t.info.pieceCount());
        for (int p : new int[] {0, 2, 4}) {
            s.writePiece(p, t.piece(p));
            have.set(p);
        }
        return have;
    }

    @Test
    void the_resume_file_round_trips() throws Exception {
        Bitfield have = new Bitfield(t.info.pieceCount());
        have.set(1);
        have.set(4);
        List<FileStat> files = List.of(new FileStat(30, 123456789L), new FileStat(0, 5), FileStat.MISSING);
        Files.createDirectories(resumeFile().getParent());
        ResumeFile.write(resumeFile(), new ResumeFile.State(HASH, have, files));
        ResumeFile.State read = ResumeFile.read(resumeFile(), HASH, t.info).orElseThrow();
        assertThat(read.have()).isEqualTo(have);
        assertThat(read.files()).isEqualTo(files);
        assertThat(read.infoHash()).isEqualTo(HASH);
        try (Stream<Path> left = Files.list(resumeFile().getParent())) {
            assertThat(left).containsExactly(resumeFile()); // no temporary file left behind
        }
    }

    @Test
    void any_flipped_byte_truncation_or_extra_byte_makes_the_resume_file_ignored() throws Exception {
        Bitfield have = new Bitfield(t.info.pieceCount());
        have.set(0);
        byte[] good = ResumeFile.encode(new ResumeFile.State(HASH, have,
                List.of(new FileStat(30, 1), new FileStat(0, 2), new FileStat(50, 3))));
        assertThat(ResumeFile.decode(good, HASH, t.info).have()).isEqualTo(have);
        for (int i = 0; i < good.length; i++) {
            for (int bit = 0; bit < 8; bit++) {
                byte[] bad = good.clone();
                bad[i] ^= (byte) (1 << bit);
                assertThatThrownBy(() -> ResumeFile.decode(bad, HASH, t.info)).as("bit %d of byte %d", bit, i)
                        .isInstanceOf(ResumeFile.Corrupt.class);
            }
        }
        for (int n = 0; n < good.length - 1; n++) {
            byte[] truncated = Arrays.copyOf(good, n);
            assertThatThrownBy(() -> ResumeFile.decode(truncated, HASH, t.info)).isInstanceOf(ResumeFile.Corrupt.class)
                    .hasMessage(n + " bytes where 5 pieces and 3 files take " + good.length);
        }
        // One byte short is the length of a version 1 file (no flags byte): its checksum tells.
        assertThatThrownBy(() -> ResumeFile.decode(Arrays.copyOf(good, good.length - 1), HASH, t.info))
                .isInstanceOf(ResumeFile.Corrupt.class).hasMessage("checksum mismatch");
        assertThatThrownBy(() -> ResumeFile.decode(Arrays.copyOf(good, good.length + 1), HASH, t.info))
                .isInstanceOf(ResumeFile.Corrupt.class);
    }

    @Test
    void a_resume_file_of_another_torrent_or_layout_is_ignored() throws Exception {
        Bitfield have = new Bitfield(t.info.pieceCount());
        Files.createDirectories(resumeFile().getParent());
        ResumeFile.write(resumeFile(), new ResumeFile.State(HASH, have, List.of(FileStat.MISSING, FileStat.MISSING, FileStat.MISSING)));
        assertThatThrownBy(() -> ResumeFile.read(resumeFile(), OTHER, t.info)).isInstanceOf(ResumeFile.Corrupt.class)
                .hasMessage("records torrent " + HASH.hex() + ", not " + OTHER.hex());
        TestTorrent longer = TestTorrent.multi("res", 16, 1, 30, 0, 60);
        assertThatThrownBy(() -> ResumeFile.read(resumeFile(), HASH, longer.info)).isInstanceOf(ResumeFile.Corrupt.class)
                .hasMessage("records 5 pieces and 3 files, the torrent has 6 and 3");
        assertThat(ResumeFile.read(dir.resolve("nothing-here"), HASH, t.info)).isEmpty();
    }

    @Test
    void a_garbage_resume_file_leads_to_a_recheck_not_a_crash() throws Exception {
        try (FileStorage s = FileStorage.open(downloads(), t.info)) {
            Bitfield have = writeSome(s);
            Files.createDirectories(resumeFile().getParent());
            Files.write(resumeFile(), new byte[ResumeFile.length(t.info.pieceCount(), 3)]);
            ResumeCheck.Outcome outcome = ResumeCheck.load(io, s, resume(), Recheck.Progress.NONE).get();
            assertThat(outcome.trusted()).isFalse();
            assertThat(outcome.have()).isEqualTo(have);
        }
    }

    @Test
    void without_a_resume_file_the_pieces_are_found_by_hashing() throws Exception {
        try (FileStorage s = FileStorage.open(downloads(), t.info)) {
            Bitfield have = writeSome(s);
            ResumeCheck.Outcome outcome = ResumeCheck.load(io, s, resume(), Recheck.Progress.NONE).get();
            assertThat(outcome).isEqualTo(new ResumeCheck.Outcome(have, false, false));
        }
    }

    @Test
    void when_sizes_and_times_match_the_saved_bitfield_is_trusted_without_hashing() throws Exception {
        try (FileStorage s = FileStorage.open(downloads(), t.info)) {
            Bitfield have = writeSome(s);
            ResumeCheck.save(s, resume(), have, true);
            // Rot a byte of piece 0 behind the resume file's back, keeping size and time: only
            // hashing could notice, so a trusted bitfield still claims piece 0.
            FileTime time = Files.getLastModifiedTime(s.path(0));
            try (FileChannel ch = FileChannel.open(s.path(0), StandardOpenOption.WRITE)) {
                ch.write(ByteBuffer.wrap(new byte[] {(byte) ~t.content[3]}), 3);
            }
            Files.setLastModifiedTime(s.path(0), time);
            ResumeCheck.Outcome outcome = ResumeCheck.load(io, s, resume(), Recheck.Progress.NONE).get();
            assertThat(outcome).isEqualTo(new ResumeCheck.Outcome(have, true, true));
        }
    }

    @Test
    void when_a_file_changed_since_the_save_the_pieces_are_hashed_again() throws Exception {
        try (FileStorage s = FileStorage.open(downloads(), t.info)) {
            Bitfield have = writeSome(s);
            ResumeCheck.save(s, resume(), have, true);
            try (FileChannel ch = FileChannel.open(s.path(0), StandardOpenOption.WRITE)) {
                ch.write(ByteBuffer.wrap(new byte[] {(byte) ~t.content[3]}), 3);
            }
            // a different time, set explicitly: the file system's clock may be too coarse to show it
            Files.setLastModifiedTime(s.path(0), FileTime.fromMillis(Files.getLastModifiedTime(s.path(0)).toMillis() + 5000));
            ResumeCheck.Outcome outcome = ResumeCheck.load(io, s, resume(), Recheck.Progress.NONE).get();
            assertThat(outcome.trusted()).isFalse();
            Bitfield expected = have.copy();
            expected.clear(0);
            assertThat(outcome.have()).isEqualTo(expected);
        }
    }

    @Test
    void a_file_deleted_since_the_save_makes_its_pieces_absent() throws Exception {
        Bitfield have;
        try (FileStorage s = FileStorage.open(downloads(), t.info)) {
            have = writeSome(s);
            ResumeCheck.saveAsync(io, s, resume(), have, true).get();
        }
        try (FileStorage s = FileStorage.open(downloads(), t.info)) {
            Files.delete(s.path(2));
            ResumeCheck.Outcome outcome = ResumeCheck.load(io, s, resume(), Recheck.Progress.NONE).get();
            assertThat(outcome.trusted()).isFalse();
            assertThat(outcome.have().cardinality()).isEqualTo(1); // piece 0 lies wholly in f0
            assertThat(outcome.have().get(0)).isTrue();
        }
    }

    @Test
    void aSaveForcesTheWrittenPiecesToTheDeviceBeforeTheResumeFileListsThem() throws Exception {
        FlushWatcher s = new FlushWatcher(new MemoryStorage(t.info), resumeFile());
        s.writePiece(0, t.piece(0));
        ResumeCheck.save(s, resume(), bits(0), true);
        s.writePiece(2, t.piece(2));
        ResumeCheck.save(s, resume(), bits(0, 2), true);

        assertThat(s.listedAtFlush).as("what the resume file listed at each flush")
                .containsExactly("no resume file", bits(0).toString());
        assertThat(ResumeFile.read(resumeFile(), HASH, t.info).orElseThrow().have()).isEqualTo(bits(0, 2));
    }

    @Test
    void whenTheFlushFailsTheResumeFileIsNotWritten() throws Exception {
        FlushWatcher s = new FlushWatcher(new MemoryStorage(t.info), resumeFile());
        s.writePiece(0, t.piece(0));
        ResumeCheck.save(s, resume(), bits(0), true);
        s.writePiece(4, t.piece(4));
        s.failFlush = true;

        assertThatThrownBy(() -> ResumeCheck.save(s, resume(), bits(0, 4), true)).hasMessage("flushing f2: Input/output error");

        assertThat(ResumeFile.read(resumeFile(), HASH, t.info).orElseThrow().have()).isEqualTo(bits(0));
    }

    private Bitfield bits(int... pieces) {
        Bitfield b = new Bitfield(t.info.pieceCount());
        for (int p : pieces) {
            b.set(p);
        }
        return b;
    }

    /** A storage that notes, at each flush, what the resume file then lists; or fails the flush. */
    private static final class FlushWatcher implements Storage {
        final Storage inner;
        final Path resumeFile;
        final List<String> listedAtFlush = new ArrayList<>();
        boolean failFlush;

        FlushWatcher(Storage inner, Path resumeFile) {
            this.inner = inner;
            this.resumeFile = resumeFile;
        }

        @Override
        public void flush() throws IOException {
            if (failFlush) {
                throw new IOException("flushing f2: Input/output error");
            }
            listedAtFlush.add(ResumeFile.read(resumeFile, HASH, inner.info()).map(st -> st.have().toString())
                    .orElse("no resume file"));
            inner.flush();
        }

        @Override
        public TorrentInfo info() {
            return inner.info();
        }

        @Override
        public void writePiece(int piece, ByteBuffer data) throws IOException {
            inner.writePiece(piece, data);
        }

        @Override
        public void read(int piece, int begin, ByteBuffer dst) throws IOException {
            inner.read(piece, begin, dst);
        }

        @Override
        public boolean readPiece(int piece, ByteBuffer dst) throws IOException {
            return inner.readPiece(piece, dst);
        }

        @Override
        public List<FileStat> stat() throws IOException {
            return inner.stat();
        }

        @Override
        public void close() throws IOException {
            inner.close();
        }
    }
}
