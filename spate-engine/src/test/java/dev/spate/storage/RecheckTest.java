package dev.spate.storage;

import dev.spate.core.Bitfield;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

@Timeout(20)
class RecheckTest {
    @TempDir
    Path root;

    private final DiskIo io = new DiskIo(2, 1 << 20);

    @AfterEach
    void stop() throws InterruptedException {
        io.close();
    }

    @Test
    void a_recheck_finds_exactly_the_pieces_written() throws Exception {
        TestTorrent t = TestTorrent.multi("some", 64, 1, 100, 0, 333, 1, 250, 0);
        Random random = new Random(2);
        Bitfield written = new Bitfield(t.info.pieceCount());
        try (FileStorage s = FileStorage.open(root, t.info)) {
            for (int p = 0; p < t.info.pieceCount(); p++) {
                if (random.nextBoolean()) {
                    s.writePiece(p, t.piece(p));
                    written.set(p);
                }
            }
        }
        try (FileStorage s = FileStorage.open(root, t.info)) {
            assertThat(io.recheck(s, Recheck.Progress.NONE).get()).isEqualTo(written);
        }
    }

    @Test
    void a_corrupted_byte_on_disk_clears_that_piece_only() throws Exception {
        TestTorrent t = TestTorrent.multi("rot", 16, 3, 20, 40);
        try (FileStorage s = FileStorage.open(root, t.info)) {
            for (int p = 0; p < t.info.pieceCount(); p++) {
                s.writePiece(p, t.piece(p));
            }
            // byte 13 of f1 is byte 33 of the stream: piece 2
            try (FileChannel ch = FileChannel.open(s.path(1), StandardOpenOption.WRITE)) {
                ch.write(ByteBuffer.wrap(new byte[] {(byte) ~t.content[33]}), 13);
            }
            Bitfield have = io.recheck(s, Recheck.Progress.NONE).get();
            assertThat(have.cardinality()).isEqualTo(t.info.pieceCount() - 1);
            assertThat(have.get(2)).isFalse();
        }
    }

    @Test
    void pieces_of_missing_files_are_absent_and_no_file_is_created() throws Exception {
        TestTorrent t = TestTorrent.multi("missing", 16, 4, 32, 32);
        try (FileStorage s = FileStorage.open(root, t.info)) {
            s.writePiece(0, t.piece(0));
            s.writePiece(1, t.piece(1));
            Bitfield have = io.recheck(s, Recheck.Progress.NONE).get();
            assertThat(have.nextSet(0)).isZero();
            assertThat(have.cardinality()).isEqualTo(2);
            assertThat(s.path(1)).doesNotExist();
        }
    }

    @Test
    void missing_pieces_are_found_without_reading_the_storage() throws Exception {
        TestTorrent t = TestTorrent.multi("quick", 8, 5, 40, 40);
        MemoryStorage s = new MemoryStorage(t.info);
        s.writePiece(0, t.piece(0));
        assertThat(io.recheck(s, Recheck.Progress.NONE).get().cardinality()).isEqualTo(1);
        assertThat(s.reads()).isEqualTo(1); // only the piece that is there
    }

    @Test
    void progress_counts_every_piece_up_to_the_total() throws Exception {
        TestTorrent t = TestTorrent.multi("prog", 8, 6, 77);
        MemoryStorage s = new MemoryStorage(t.info);
        AtomicInteger calls = new AtomicInteger();
        AtomicInteger highest = new AtomicInteger();
        io.recheck(s, (checked, total) -> {
            calls.incrementAndGet();
            highest.accumulateAndGet(checked, Math::max);
            assertThat(total).isEqualTo(10);
        }).get();
        assertThat(calls.get()).isEqualTo(10);
        assertThat(highest.get()).isEqualTo(10);
    }

    @Test
    void a_torrent_of_only_empty_files_has_nothing_to_check() throws Exception {
        TestTorrent t = TestTorrent.multi("empty", 8, 7, 0, 0);
        Bitfield have = io.recheck(new MemoryStorage(t.info), Recheck.Progress.NONE).get();
        assertThat(have.size()).isZero();
    }

    @Test
    void aThreadKeepsItsBufferOfSmallPiecesForTheNextCheckButNotOneOfLargePieces() {
        ByteBuffer small = Recheck.buffer(256 * 1024);
        assertThat(Recheck.buffer(64 * 1024)).isSameAs(small);
        ByteBuffer grown = Recheck.buffer(Recheck.KEPT_BUFFER);
        assertThat(grown.capacity()).isEqualTo(Recheck.KEPT_BUFFER);
        assertThat(Recheck.buffer(256 * 1024)).isSameAs(grown);
        ByteBuffer large = Recheck.buffer(Recheck.KEPT_BUFFER + 1);
        assertThat(Recheck.buffer(Recheck.KEPT_BUFFER + 1)).isNotSameAs(large);
    }

    @Test
    void twoTorrentsCheckedOneAfterTheOtherOnTheSamePoolAreEachFoundWhole() throws Exception {
        for (long seed : new long[] {3, 4}) {
            TestTorrent t = TestTorrent.multi("again" + seed, 8, 5, 70, 33);
            MemoryStorage s = new MemoryStorage(t.info);
            for (int p = 0; p < t.info.pieceCount(); p++) {
                s.writePiece(p, t.piece(p));
            }
            assertThat(io.recheck(s, Recheck.Progress.NONE).get().cardinality()).isEqualTo(t.info.pieceCount());
        }
    }
}
