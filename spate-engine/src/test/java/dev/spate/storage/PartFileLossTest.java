package dev.spate.storage;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spate.core.Bitfield;
import dev.spate.core.InfoHash;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The part file deleted or damaged while the torrent is stopped: the resume file's sizes and
 * times do not cover it, so the pieces it held are found missing at the next start (and fetched
 * again), never trusted, and nothing crashes.
 */
@Timeout(30)
class PartFileLossTest {
    private static final InfoHash HASH = InfoHash.fromHex("89abcdef0123456789abcdef0123456789abcdef");
    /** Slot of a kept piece: a 4-byte index, then a whole piece (8 bytes). */
    private static final int SLOT = 4 + 8;

    @TempDir
    Path dir;
    /** Files of 10, 20 and 14 bytes in pieces of 8: pieces 1 and 3 are shared by two files. */
    private final TestTorrent t = TestTorrent.multi("album", 8, 5, 10, 20, 14);
    private final DiskIo io = new DiskIo(1, 1 << 20);
    /** f1 (pieces 1 to 3) skipped. */
    private final boolean[] wanted = {true, false, true};

    @AfterEach
    void closeIo() throws InterruptedException {
        io.close();
    }

    private Path parts() {
        return dir.resolve("state/resume/album.parts");
    }

    private ResumeStore.Entry resume() {
        return ResumeStore.open(dir.resolve("state")).entry(HASH, dir.resolve("downloads"));
    }

    private FileStorage open() throws IOException {
        return FileStorage.open(dir.resolve("downloads"), t.info, 8, false, parts(), wanted);
    }

    /**
     * Writes every piece but 2 (f1's alone) with f1 skipped, so pieces 1 then 3 go to the part
     * file, saves the resume file, stops, lets {@code damage} do its work on the part file, and
     * starts again.
     */
    private ResumeCheck.Outcome restartAfter(Consumer<Path> damage) throws Exception {
        try (FileStorage s = open()) {
            Bitfield have = new Bitfield(t.info.pieceCount());
            for (int p : new int[] {0, 1, 3, 4, 5}) {
                s.writePiece(p, t.piece(p));
                have.set(p);
            }
            ResumeCheck.save(s, resume(), have, true);
        }
        assertThat(parts()).exists();
        damage.accept(parts());
        try (FileStorage s = open()) {
            ResumeCheck.Outcome outcome = ResumeCheck.load(io, s, resume(), Recheck.Progress.NONE).get();
            for (int p = 0; p < t.info.pieceCount(); p++) {
                if (outcome.have().get(p)) {
                    ByteBuffer back = ByteBuffer.allocate(t.info.pieceSize(p));
                    assertThat(s.readPiece(p, back)).as("piece %d listed, so readable", p).isTrue();
                    assertThat(back.array()).as("piece %d", p).isEqualTo(t.piece(p).array());
                }
            }
            // Fetched again, a lost piece goes back to the part file and reads back.
            for (int p : new int[] {1, 3}) {
                if (!outcome.have().get(p)) {
                    s.writePiece(p, t.piece(p));
                    ByteBuffer back = ByteBuffer.allocate(8);
                    assertThat(s.readPiece(p, back)).isTrue();
                    assertThat(back.array()).isEqualTo(t.piece(p).array());
                }
            }
            return outcome;
        }
    }

    private static Bitfield pieces(int... list) {
        Bitfield b = new Bitfield(6);
        for (int p : list) {
            b.set(p);
        }
        return b;
    }

    private static void write(Path file, long at, byte[] bytes) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(bytes), at);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void anIntactPartFileIsTrustedWithTheResumeFile() throws Exception {
        assertThat(restartAfter(p -> { })).isEqualTo(new ResumeCheck.Outcome(pieces(0, 1, 3, 4, 5), true, true));
    }

    @Test
    void aDeletedPartFileLosesItsPieces() throws Exception {
        ResumeCheck.Outcome outcome = restartAfter(p -> {
            try {
                Files.delete(p);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        assertThat(outcome).isEqualTo(new ResumeCheck.Outcome(pieces(0, 4, 5), false, true));
    }

    @Test
    void aPartFileCutShortLosesThePiecesPastTheCut() throws Exception {
        ResumeCheck.Outcome outcome = restartAfter(p -> {
            try (FileChannel ch = FileChannel.open(p, StandardOpenOption.WRITE)) {
                ch.truncate(SLOT + SLOT / 2); // piece 3's slot half gone
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        assertThat(outcome).isEqualTo(new ResumeCheck.Outcome(pieces(0, 1, 4, 5), false, true));
    }

    @Test
    void damagedBytesInThePartFileLoseThatPiece() throws Exception {
        ResumeCheck.Outcome outcome = restartAfter(p -> write(p, 4 + 3, new byte[] {(byte) 0xA5})); // in piece 1
        assertThat(outcome).isEqualTo(new ResumeCheck.Outcome(pieces(0, 3, 4, 5), false, true));
    }

    @Test
    void aSlotNamingNoPieceOfTheTorrentIsIgnoredNotACrash() throws Exception {
        ResumeCheck.Outcome outcome = restartAfter(p -> write(p, SLOT, ByteBuffer.allocate(4).putInt(0, 1_000_000).array()));
        assertThat(outcome).isEqualTo(new ResumeCheck.Outcome(pieces(0, 1, 4, 5), false, true));
    }

    @Test
    void wantedAfterTheLossTheFileGetsOnlyWhatWasStillKept() throws Exception {
        restartAfter(p -> write(p, 4 + 3, new byte[] {(byte) 0xA5}));
        // Piece 1 was fetched again by restartAfter; the damaged bytes were freed, never moved in.
        wanted[1] = true;
        try (FileStorage s = open()) {
            assertThat(parts()).doesNotExist();
            for (int p : new int[] {1, 3}) {
                ByteBuffer back = ByteBuffer.allocate(8);
                assertThat(s.readPiece(p, back)).isTrue();
                assertThat(back.array()).as("piece %d", p).isEqualTo(t.piece(p).array());
            }
        }
    }
}
