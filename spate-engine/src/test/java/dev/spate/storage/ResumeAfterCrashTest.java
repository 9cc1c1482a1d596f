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
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.zip.CRC32;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The resume file says whether a stop wrote it (clean) or a save while the torrent downloaded; when
 * the files changed since, a running record's pieces are kept and only the others are hashed (the
 * process died without stopping, and the changes are its own later writes), a clean one's are all
 * hashed (someone else changed the files).
 *
 * <p>The torrent: f0 30 bytes, f1 empty, f2 50 bytes, pieces of 16: piece 0 in f0, piece 1 across
 * f0 [16, 30) and f2 [0, 2), pieces 2 to 4 in f2 ([2, 18), [18, 34), [34, 50)).
 */
@Timeout(20)
class ResumeAfterCrashTest {
    private static final InfoHash HASH = InfoHash.fromHex("0123456789abcdef0123456789abcdef01234567");

    @TempDir
    Path dir;

    private final DiskIo io = new DiskIo(2, 1 << 20);
    private final TestTorrent t = TestTorrent.multi("res", 16, 1, 30, 0, 50);

    @AfterEach
    void stop() throws InterruptedException {
        io.close();
    }

    private ResumeStore.Entry resume() {
        return ResumeStore.open(dir.resolve("state")).entry(HASH, dir.resolve("downloads"));
    }

    private Bitfield bits(int... pieces) {
        Bitfield b = new Bitfield(t.info.pieceCount());
        for (int p : pieces) {
            b.set(p);
        }
        return b;
    }

    /** Writes the pieces, and moves their files' times on, as a file system with a coarse clock might not. */
    private void write(FileStorage s, int... pieces) throws IOException {
        for (int p : pieces) {
            s.writePiece(p, t.piece(p));
        }
        for (int f : new int[] {0, 2}) {
            if (Files.exists(s.path(f))) {
                Files.setLastModifiedTime(s.path(f), FileTime.fromMillis(Files.getLastModifiedTime(s.path(f)).toMillis() + 5000));
            }
        }
    }

    /** What the check found, and which pieces it read to hash. */
    private record Check(ResumeCheck.Outcome outcome, Set<Integer> hashed) {
    }

    private Check check() throws Exception {
        try (FileStorage files = FileStorage.open(dir.resolve("downloads"), t.info)) {
            HashedPieces s = new HashedPieces(files);
            return new Check(ResumeCheck.load(io, s, resume(), Recheck.Progress.NONE).get(), s.read);
        }
    }

    @Test
    void afterACrashTheSavedPiecesAreKeptAndOnlyTheOthersAreHashed() throws Exception {
        try (FileStorage s = FileStorage.open(dir.resolve("downloads"), t.info)) {
            write(s, 0, 2);
            ResumeCheck.save(s, resume(), bits(0, 2), false); // the periodic save while downloading
            write(s, 4); // verified and written after it; then the process is killed
        }
        Check check = check();
        assertThat(check.outcome()).isEqualTo(new ResumeCheck.Outcome(bits(0, 2, 4), false, false));
        assertThat(check.hashed()).as("pieces read to hash").containsExactlyInAnyOrder(1, 3, 4);
    }

    @Test
    void whenAStopWroteTheRecordAndTheFilesChangedSinceEveryPieceIsHashed() throws Exception {
        try (FileStorage s = FileStorage.open(dir.resolve("downloads"), t.info)) {
            write(s, 0, 2);
            ResumeCheck.save(s, resume(), bits(0, 2), true);
            write(s, 4); // by someone else, while we were stopped
        }
        Check check = check();
        assertThat(check.outcome()).isEqualTo(new ResumeCheck.Outcome(bits(0, 2, 4), false, true));
        assertThat(check.hashed()).containsExactlyInAnyOrder(0, 1, 2, 3, 4);
    }

    @Test
    void aRunningRecordWhoseFilesDidNotChangeIsTrustedAsItIs() throws Exception {
        try (FileStorage s = FileStorage.open(dir.resolve("downloads"), t.info)) {
            write(s, 0, 2);
            ResumeCheck.save(s, resume(), bits(0, 2), false);
        }
        Check check = check();
        assertThat(check.outcome()).isEqualTo(new ResumeCheck.Outcome(bits(0, 2), true, false));
        assertThat(check.hashed()).isEmpty();
    }

    @Test
    void afterACrashASavedPieceInAFileThatShrankIsDroppedAndHashed() throws Exception {
        try (FileStorage s = FileStorage.open(dir.resolve("downloads"), t.info)) {
            write(s, 0, 1, 2, 4);
            ResumeCheck.save(s, resume(), bits(0, 1, 2, 4), false);
            try (FileChannel ch = FileChannel.open(s.path(2), StandardOpenOption.WRITE)) {
                ch.truncate(10); // piece 1 needs 2 bytes of f2, piece 2 18, piece 4 all 50
            }
        }
        Check check = check();
        assertThat(check.outcome()).isEqualTo(new ResumeCheck.Outcome(bits(0, 1), false, false));
        assertThat(check.hashed()).as("asked to hash: all but the kept (those too short for f2 cost no read)")
                .containsExactlyInAnyOrder(2, 3, 4);
    }

    @Test
    void afterACrashTheSavedPiecesOfAFileThatVanishedAreDropped() throws Exception {
        try (FileStorage s = FileStorage.open(dir.resolve("downloads"), t.info)) {
            write(s, 0, 1, 2, 4);
            ResumeCheck.save(s, resume(), bits(0, 1, 2, 4), false);
            Files.delete(s.path(0));
        }
        assertThat(check().outcome()).isEqualTo(new ResumeCheck.Outcome(bits(2, 4), false, false));
    }

    @Test
    void aPieceStaysWhereItWasOnlyIfItsFilesStillHoldIt() {
        TorrentInfo info = t.info;
        Bitfield saved = bits(0, 1);
        List<FileStat> then = List.of(new FileStat(30, 1), new FileStat(0, 1), FileStat.MISSING);
        // f2 missing at the save: piece 1's 2 bytes of it were kept apart (an unwanted file).
        assertThat(ResumeCheck.stillInFiles(info, saved, then,
                List.of(new FileStat(30, 2), new FileStat(0, 1), FileStat.MISSING)))
                .as("f2 still missing: its bytes are still kept apart").isEqualTo(bits(0, 1));
        assertThat(ResumeCheck.stillInFiles(info, saved, then,
                List.of(new FileStat(30, 2), new FileStat(0, 1), new FileStat(50, 3))))
                .as("f2 made since: the bytes moved into it may not be durable").isEqualTo(bits(0));
        assertThat(ResumeCheck.stillInFiles(info, saved, then,
                List.of(new FileStat(29, 2), new FileStat(0, 1), FileStat.MISSING)))
                .as("f0 one byte short: piece 1 needs all 30").isEqualTo(bits(0));
        assertThat(ResumeCheck.stillInFiles(info, bits(0, 1, 2), List.of(new FileStat(30, 1), new FileStat(0, 1),
                new FileStat(18, 1)), List.of(new FileStat(30, 1), new FileStat(0, 1), new FileStat(50, 2))))
                .as("a file that grew still holds what it held").isEqualTo(bits(0, 1, 2));
    }

    @Test
    void theCleanFlagRoundTrips() throws Exception {
        List<FileStat> files = List.of(new FileStat(30, 1), new FileStat(0, 2), FileStat.MISSING);
        for (boolean clean : new boolean[] {true, false}) {
            byte[] bytes = ResumeFile.encode(new ResumeFile.State(HASH, bits(1), files, clean));
            assertThat(ResumeFile.decode(bytes, HASH, t.info)).isEqualTo(new ResumeFile.State(HASH, bits(1), files, clean));
        }
    }

    @Test
    void unknownFlagsMakeTheFileCorrupt() {
        byte[] bytes = ResumeFile.encode(new ResumeFile.State(HASH, bits(1), List.of(FileStat.MISSING, FileStat.MISSING,
                FileStat.MISSING), false));
        bytes[8 + 2 + 20 + 4 + 4] = 3;
        withChecksum(bytes);
        assertThatThrownBy(() -> ResumeFile.decode(bytes, HASH, t.info)).isInstanceOf(ResumeFile.Corrupt.class)
                .hasMessage("unknown flags 3");
    }

    /** A version 1 file as earlier versions wrote it: no flags byte. */
    private byte[] versionOne(Bitfield have, List<FileStat> files) {
        ByteBuffer b = ByteBuffer.allocate(ResumeFile.length(have.size(), files.size()) - 1);
        b.put("SPATERES".getBytes(java.nio.charset.StandardCharsets.US_ASCII)).putShort((short) 1).put(HASH.bytes())
                .putInt(have.size()).putInt(files.size());
        for (FileStat f : files) {
            b.putLong(f.size()).putLong(f.modifiedNanos());
        }
        b.put(have.toBytes());
        return withChecksum(b.array());
    }

    private static byte[] withChecksum(byte[] bytes) {
        CRC32 crc = new CRC32();
        crc.update(bytes, 0, bytes.length - 4);
        ByteBuffer.wrap(bytes).putInt(bytes.length - 4, (int) crc.getValue());
        return bytes;
    }

    @Test
    void aVersionOneFileIsReadAsACleanStopsSoChangedFilesAreHashedWhole() throws Exception {
        List<FileStat> files = List.of(new FileStat(30, 1), new FileStat(0, 2), FileStat.MISSING);
        byte[] old = versionOne(bits(0, 3), files);
        assertThat(ResumeFile.decode(old, HASH, t.info)).isEqualTo(new ResumeFile.State(HASH, bits(0, 3), files, true));
        assertThatThrownBy(() -> ResumeFile.decode(Arrays.copyOf(ResumeFile.encode(new ResumeFile.State(HASH, bits(0),
                files, true)), old.length), HASH, t.info)).as("version 2 cut to version 1's length")
                .isInstanceOf(ResumeFile.Corrupt.class);

        try (FileStorage s = FileStorage.open(dir.resolve("downloads"), t.info)) {
            write(s, 0, 2);
            Files.createDirectories(resume().location().getParent());
            Files.write(resume().location(), versionOne(bits(0, 2), s.stat()));
            write(s, 4);
        }
        Check check = check();
        assertThat(check.outcome()).isEqualTo(new ResumeCheck.Outcome(bits(0, 2, 4), false, true));
        assertThat(check.hashed()).containsExactlyInAnyOrder(0, 1, 2, 3, 4);
    }

    @Test
    void aVersionOneFileWhoseFilesDidNotChangeIsStillTrusted() throws Exception {
        try (FileStorage s = FileStorage.open(dir.resolve("downloads"), t.info)) {
            write(s, 0, 2);
            Files.createDirectories(resume().location().getParent());
            Files.write(resume().location(), versionOne(bits(0, 2), s.stat()));
        }
        Check check = check();
        assertThat(check.outcome()).isEqualTo(new ResumeCheck.Outcome(bits(0, 2), true, true));
        assertThat(check.hashed()).isEmpty();
    }

    /** Records the pieces hashing asks for, passing every call on. */
    private static final class HashedPieces implements Storage {
        final Storage files;
        final Set<Integer> read = ConcurrentHashMap.newKeySet();

        HashedPieces(Storage files) {
            this.files = files;
        }

        @Override
        public TorrentInfo info() {
            return files.info();
        }

        @Override
        public void writePiece(int piece, ByteBuffer data) throws IOException {
            files.writePiece(piece, data);
        }

        @Override
        public void read(int piece, int begin, ByteBuffer dst) throws IOException {
            files.read(piece, begin, dst);
        }

        @Override
        public boolean readPiece(int piece, ByteBuffer dst) throws IOException {
            read.add(piece);
            return files.readPiece(piece, dst);
        }

        @Override
        public List<Integer> keptPiecesLost(Bitfield have) throws IOException {
            return files.keptPiecesLost(have);
        }

        @Override
        public List<FileStat> stat() throws IOException {
            return files.stat();
        }

        @Override
        public void flush() throws IOException {
            files.flush();
        }

        @Override
        public void close() throws IOException {
            files.close();
        }
    }
}
