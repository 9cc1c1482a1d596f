package dev.spate.storage;

import dev.spate.core.Bitfield;
import dev.spate.core.InfoHash;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

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
        return ResumeFile.pathFor(dir.resolve("state"), HASH);
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
        ResumeFile.write(resumeFile(), new ResumeFile.State(HASH, have, files));
        ResumeFile.State read = ResumeFile.read(resumeFile(), HASH, t.info).orElseThrow();
        assertThat(read.have()).isEqualTo(have);
        assertThat(read.files()).isEqualTo(files);
        assertThat(read.infoHash()).isEqualTo(HASH);
        assertThat(resumeFile().getFileName().toString()).isEqualTo(HASH.hex() + ".resume");
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
        assertThat(ResumeFile.decode(good, HASH, t.info)).isPresent();
        for (int i = 0; i < good.length; i++) {
            for (int bit = 0; bit < 8; bit++) {
                byte[] bad = good.clone();
                bad[i] ^= (byte) (1 << bit);
                assertThat(ResumeFile.decode(bad, HASH, t.info)).as("bit %d of byte %d", bit, i).isEmpty();
            }
        }
        for (int n = 0; n < good.length; n++) {
            assertThat(ResumeFile.decode(Arrays.copyOf(good, n), HASH, t.info)).isEmpty();
        }
        assertThat(ResumeFile.decode(Arrays.copyOf(good, good.length + 1), HASH, t.info)).isEmpty();
    }

    @Test
    void a_resume_file_of_another_torrent_or_layout_is_ignored() throws Exception {
        Bitfield have = new Bitfield(t.info.pieceCount());
        ResumeFile.write(resumeFile(), new ResumeFile.State(HASH, have, List.of(FileStat.MISSING, FileStat.MISSING, FileStat.MISSING)));
        assertThat(ResumeFile.read(resumeFile(), OTHER, t.info)).isEmpty();
        TestTorrent longer = TestTorrent.multi("res", 16, 1, 30, 0, 60);
        assertThat(ResumeFile.read(resumeFile(), HASH, longer.info)).isEmpty();
        assertThat(ResumeFile.read(dir.resolve("nothing-here"), HASH, t.info)).isEmpty();
    }

    @Test
    void a_garbage_resume_file_leads_to_a_recheck_not_a_crash() throws Exception {
        try (FileStorage s = FileStorage.open(downloads(), t.info)) {
            Bitfield have = writeSome(s);
            Files.createDirectories(resumeFile().getParent());
            Files.write(resumeFile(), new byte[ResumeFile.length(t.info.pieceCount(), 3)]);
            ResumeCheck.Outcome outcome = ResumeCheck.load(io, s, resumeFile(), HASH, Recheck.Progress.NONE).get();
            assertThat(outcome.trusted()).isFalse();
            assertThat(outcome.have()).isEqualTo(have);
        }
    }

    @Test
    void without_a_resume_file_the_pieces_are_found_by_hashing() throws Exception {
        try (FileStorage s = FileStorage.open(downloads(), t.info)) {
            Bitfield have = writeSome(s);
            ResumeCheck.Outcome outcome = ResumeCheck.load(io, s, resumeFile(), HASH, Recheck.Progress.NONE).get();
            assertThat(outcome).isEqualTo(new ResumeCheck.Outcome(have, false));
        }
    }

    @Test
    void when_sizes_and_times_match_the_saved_bitfield_is_trusted_without_hashing() throws Exception {
        try (FileStorage s = FileStorage.open(downloads(), t.info)) {
            Bitfield have = writeSome(s);
            ResumeCheck.save(s, resumeFile(), HASH, have);
            // Rot a byte of piece 0 behind the resume file's back, keeping size and time: only
            // hashing could notice, so a trusted bitfield still claims piece 0.
            FileTime time = Files.getLastModifiedTime(s.path(0));
            try (FileChannel ch = FileChannel.open(s.path(0), StandardOpenOption.WRITE)) {
                ch.write(ByteBuffer.wrap(new byte[] {(byte) ~t.content[3]}), 3);
            }
            Files.setLastModifiedTime(s.path(0), time);
            ResumeCheck.Outcome outcome = ResumeCheck.load(io, s, resumeFile(), HASH, Recheck.Progress.NONE).get();
            assertThat(outcome).isEqualTo(new ResumeCheck.Outcome(have, true));
        }
    }

    @Test
    void when_a_file_changed_since_the_save_the_pieces_are_hashed_again() throws Exception {
        try (FileStorage s = FileStorage.open(downloads(), t.info)) {
            Bitfield have = writeSome(s);
            ResumeCheck.save(s, resumeFile(), HASH, have);
            try (FileChannel ch = FileChannel.open(s.path(0), StandardOpenOption.WRITE)) {
                ch.write(ByteBuffer.wrap(new byte[] {(byte) ~t.content[3]}), 3);
            }
            // a different time, set explicitly: the file system's clock may be too coarse to show it
            Files.setLastModifiedTime(s.path(0), FileTime.fromMillis(Files.getLastModifiedTime(s.path(0)).toMillis() + 5000));
            ResumeCheck.Outcome outcome = ResumeCheck.load(io, s, resumeFile(), HASH, Recheck.Progress.NONE).get();
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
            ResumeCheck.saveAsync(io, s, resumeFile(), HASH, have).get();
        }
        try (FileStorage s = FileStorage.open(downloads(), t.info)) {
            Files.delete(s.path(2));
            ResumeCheck.Outcome outcome = ResumeCheck.load(io, s, resumeFile(), HASH, Recheck.Progress.NONE).get();
            assertThat(outcome.trusted()).isFalse();
            assertThat(outcome.have().cardinality()).isEqualTo(1); // piece 0 lies wholly in f0
            assertThat(outcome.have().get(0)).isTrue();
        }
    }
}
