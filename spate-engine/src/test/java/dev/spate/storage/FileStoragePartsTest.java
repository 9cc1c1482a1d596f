package dev.spate.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Unwanted files of {@link FileStorage}: never created, their shared bytes kept in the {@link PartFile}. */
@Timeout(30)
class FileStoragePartsTest {
    @TempDir
    Path root;
    @TempDir
    Path state;

    /** Files of 10, 20 and 14 bytes in pieces of 8: pieces 1 and 3 are shared by two files. */
    private final TestTorrent t = TestTorrent.multi("album", 8, 5, 10, 20, 14);

    private Path parts() {
        return state.resolve("resume").resolve("album.parts");
    }

    private FileStorage open(boolean... wanted) throws IOException {
        return FileStorage.open(root, t.info, 8, false, parts(), wanted);
    }

    private ByteBuffer readPiece(Storage s, int piece) throws IOException {
        ByteBuffer dst = ByteBuffer.allocate(t.info.pieceSize(piece));
        assertThat(s.readPiece(piece, dst)).as("piece %d readable", piece).isTrue();
        return dst.flip();
    }

    @Test
    void anUnwantedFileNeverAppearsOnDiskAndItsSharedBytesVerifyThroughThePartFile() throws IOException {
        // f1 (bytes 10..30) unwanted: piece 1 (8..16) shares it with f0, piece 3 (24..32) with f2.
        try (FileStorage s = open(true, false, true)) {
            for (int p : new int[] {0, 1, 3, 4, 5}) {
                s.writePiece(p, t.piece(p));
            }
            assertThat(root.resolve("album/f1")).doesNotExist();
            assertThat(Files.readAllBytes(root.resolve("album/f0"))).isEqualTo(t.file(0));
            assertThat(Files.readAllBytes(root.resolve("album/f2"))).isEqualTo(t.file(2));
            assertThat(parts()).exists();
            for (int p : new int[] {1, 3}) {
                ByteBuffer back = readPiece(s, p);
                assertThat(TestTorrent.sha1(back.array(), 0, back.remaining())).isEqualTo(t.info.pieceHash(p));
            }
            ByteBuffer block = ByteBuffer.allocate(6);
            s.read(1, 2, block); // bytes 10..16: all of f1's
            assertThat(block.array()).isEqualTo(Arrays.copyOfRange(t.content, 10, 16));
            ByteArrayOutputStream sent = new ByteArrayOutputStream();
            s.transferTo(3, 0, 8, Channels.newChannel(sent));
            assertThat(sent.toByteArray()).isEqualTo(Arrays.copyOfRange(t.content, 24, 32));
            // Piece 2 lies in f1 alone: it is not on disk anywhere.
            assertThat(s.readPiece(2, ByteBuffer.allocate(8))).isFalse();
        }
        assertThat(root.resolve("album/f1")).doesNotExist();
    }

    @Test
    void aFileWantedLaterGetsTheKeptBytesAndThePartFileGoes() throws IOException {
        try (FileStorage s = open(true, false, true)) {
            for (int p = 0; p < t.info.pieceCount(); p++) {
                if (p != 2) {
                    s.writePiece(p, t.piece(p));
                }
            }
            s.setWantedFiles(new boolean[] {true, true, true});
            assertThat(parts()).doesNotExist();
            s.writePiece(2, t.piece(2)); // the one piece of f1 alone, fetched now
            for (int p = 0; p < t.info.pieceCount(); p++) {
                readPiece(s, p);
            }
        }
        for (int i = 0; i < 3; i++) {
            assertThat(Files.readAllBytes(root.resolve("album/f" + i))).as("file %d", i).isEqualTo(t.file(i));
        }
    }

    @Test
    void keptBytesSurviveARestartAndMoveInWhenTheFileIsWantedThen() throws IOException {
        try (FileStorage s = open(true, false, true)) {
            s.writePiece(1, t.piece(1));
        }
        try (FileStorage s = open(true, false, true)) {
            assertThat(readPiece(s, 1).array()).isEqualTo(t.piece(1).array());
        }
        try (FileStorage s = open(true, true, true)) {
            assertThat(parts()).doesNotExist();
            assertThat(readPiece(s, 1).array()).isEqualTo(t.piece(1).array());
        }
        byte[] f1 = Files.readAllBytes(root.resolve("album/f1"));
        assertThat(Arrays.copyOfRange(f1, 0, 6)).isEqualTo(Arrays.copyOfRange(t.content, 10, 16));
    }

    @Test
    void aPieceStaysKeptWhileAnotherUnwantedFileStillNeedsIt() throws IOException {
        // Files of 3, 3 and 10 bytes: piece 0 (0..8) covers f0, f1 and part of f2.
        TestTorrent small = TestTorrent.multi("tiny", 8, 9, 3, 3, 10);
        try (FileStorage s = FileStorage.open(root, small.info, 8, false, parts(), new boolean[] {false, false, true})) {
            s.writePiece(0, small.piece(0));
            s.setWantedFiles(new boolean[] {true, false, true});
            assertThat(parts()).exists();
            assertThat(root.resolve("tiny/f1")).doesNotExist();
            assertThat(Files.readAllBytes(root.resolve("tiny/f0"))).isEqualTo(small.file(0));
            ByteBuffer back = ByteBuffer.allocate(8);
            assertThat(s.readPiece(0, back)).isTrue();
            assertThat(back.array()).isEqualTo(small.piece(0).array());
        }
    }

    @Test
    void anUnwantedFileAlreadyOnDiskIsWrittenInPlace() throws IOException {
        try (FileStorage s = open(true, true, true)) {
            s.writePiece(1, t.piece(1));
            s.setWantedFiles(new boolean[] {true, false, true});
            s.writePiece(3, t.piece(3));
            assertThat(parts()).doesNotExist();
            readPiece(s, 3);
        }
    }

    @Test
    void aPieceThatArrivesAfterItsFileBecameUnwantedNeverCreatesIt() throws IOException {
        // Pieces 1 (f0 and f1) and 2 (f1 alone) were in flight, asked for while every file was
        // wanted, when f1 became unwanted; they reach the storage only now.
        try (FileStorage s = open(true, true, true)) {
            s.writePiece(0, t.piece(0));
            s.setWantedFiles(new boolean[] {true, false, true});
            s.writePiece(1, t.piece(1));
            s.writePiece(2, t.piece(2));
            assertThat(root.resolve("album/f1")).doesNotExist();
            for (int p : new int[] {1, 2}) {
                ByteBuffer back = readPiece(s, p);
                assertThat(back.array()).as("piece %d", p).isEqualTo(t.piece(p).array());
            }
            // Nothing verified is lost: wanted again, f1 gets both pieces' bytes.
            s.setWantedFiles(new boolean[] {true, true, true});
            assertThat(parts()).doesNotExist();
        }
        byte[] f1 = Files.readAllBytes(root.resolve("album/f1"));
        assertThat(Arrays.copyOfRange(f1, 0, 14)).isEqualTo(Arrays.copyOfRange(t.content, 10, 24));
    }

    @Test
    void aPieceWrittenAfterWillWantButBeforeTheChoiceIsAppliedNeverCreatesTheFile() throws IOException {
        // The engine's order: the loop says willWant at once; pieces queued for the disk before
        // the choice are written next; setWantedFiles, queued behind them, comes last.
        try (FileStorage s = open(true, true, true)) {
            s.writePiece(0, t.piece(0));
            s.willWant(new boolean[] {true, false, true});
            s.writePiece(1, t.piece(1));
            s.writePiece(2, t.piece(2));
            assertThat(root.resolve("album/f1")).doesNotExist();
            for (int p : new int[] {1, 2}) {
                assertThat(readPiece(s, p).array()).as("piece %d before the choice is applied", p)
                        .isEqualTo(t.piece(p).array());
            }
            s.setWantedFiles(new boolean[] {true, false, true});
            assertThat(root.resolve("album/f1")).doesNotExist();
            for (int p : new int[] {1, 2}) {
                assertThat(readPiece(s, p).array()).as("piece %d after", p).isEqualTo(t.piece(p).array());
            }
            // Wanted again (willWant first, as the engine does): the kept bytes move in.
            s.willWant(new boolean[] {true, true, true});
            s.setWantedFiles(new boolean[] {true, true, true});
            assertThat(parts()).doesNotExist();
        }
        byte[] f1 = Files.readAllBytes(root.resolve("album/f1"));
        assertThat(Arrays.copyOfRange(f1, 0, 14)).isEqualTo(Arrays.copyOfRange(t.content, 10, 24));
    }
}
