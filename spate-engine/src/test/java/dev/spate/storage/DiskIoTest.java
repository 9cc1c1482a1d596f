package dev.spate.storage;

import dev.spate.metainfo.TorrentInfo;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@Timeout(10)
class DiskIoTest {
    private DiskIo io = new DiskIo(2, 1 << 20);

    @AfterEach
    void stop() throws InterruptedException {
        io.close();
    }

    @Test
    void a_piece_matching_its_hash_is_written_and_completes_true() throws Exception {
        TestTorrent t = TestTorrent.multi("ok", 8, 1, 5, 11);
        MemoryStorage s = new MemoryStorage(t.info);
        assertThat(io.verifyAndWrite(s, 0, t.piece(0)).get()).isTrue();
        assertThat(io.verifyAndWrite(s, 1, t.piece(1)).get()).isTrue();
        assertThat(s.fileBytes(0)).isEqualTo(t.file(0));
        assertThat(s.fileBytes(1)).isEqualTo(t.file(1));
        assertThat(io.availableBytes()).isEqualTo(1 << 20);
    }

    @Test
    void a_direct_buffer_longer_than_the_hashing_chunk_and_off_its_start_verifies_like_a_heap_one() {
        int length = 64 * 1024 + 1;
        TestTorrent t = TestTorrent.multi("direct", length, 5, length * 2);
        for (int piece = 0; piece < 2; piece++) {
            ByteBuffer heap = t.piece(piece);
            ByteBuffer direct = ByteBuffer.allocateDirect(length + 7);
            direct.position(7);
            direct.put(heap.duplicate());
            direct.position(7);

            assertThat(DiskIo.verify(t.info, piece, heap)).isTrue();
            assertThat(DiskIo.verify(t.info, piece, direct)).isTrue();
            assertThat(direct.position()).isEqualTo(7); // left as it was
            direct.put(7 + length - 1, (byte) (direct.get(7 + length - 1) ^ 1));
            assertThat(DiskIo.verify(t.info, piece, direct.position(7))).isFalse();
        }
    }

    @Test
    void a_corrupt_piece_completes_false_and_writes_nothing() throws Exception {
        TestTorrent t = TestTorrent.multi("bad", 8, 2, 16);
        MemoryStorage s = new MemoryStorage(t.info);
        ByteBuffer corrupt = t.piece(1);
        corrupt.put(3, (byte) (corrupt.get(3) ^ 1));
        assertThat(io.verifyAndWrite(s, 1, corrupt).get()).isFalse();
        assertThat(s.piecesWritten()).isZero();
        assertThat(s.fileBytes(0)).isNull();
        assertThat(io.availableBytes()).isEqualTo(1 << 20);
    }

    @Test
    void unverified_data_never_overwrites_a_verified_piece() throws Exception {
        TestTorrent t = TestTorrent.multi("keep", 8, 3, 16);
        MemoryStorage s = new MemoryStorage(t.info);
        assertThat(io.verifyAndWrite(s, 0, t.piece(0)).get()).isTrue();
        ByteBuffer garbage = ByteBuffer.allocate(8);
        assertThat(io.verifyAndWrite(s, 0, garbage).get()).isFalse();
        assertThat(s.piecesWritten()).isEqualTo(1);
        assertThat(s.fileBytes(0)).startsWith(t.range(0, 8));
    }

    @Test
    void the_byte_budget_blocks_a_caller_when_full_and_lets_it_in_once_a_write_completes() throws Exception {
        TestTorrent t = TestTorrent.multi("slow", 1024, 4, 2048);
        io.close();
        io = new DiskIo(2, 1024); // room for exactly one piece
        CountDownLatch writeMayFinish = new CountDownLatch(1);
        CountDownLatch writing = new CountDownLatch(1);
        Storage gated = new Gated(new MemoryStorage(t.info), writing, writeMayFinish);

        CompletableFuture<Boolean> first = io.verifyAndWrite(gated, 0, t.piece(0));
        writing.await();
        assertThat(io.availableBytes()).isZero();

        try (ExecutorService peers = Executors.newVirtualThreadPerTaskExecutor()) {
            Future<CompletableFuture<Boolean>> second = peers.submit(() -> io.verifyAndWrite(gated, 1, t.piece(1)));
            while (io.waitingCallers() == 0) { // the peer's thread is parked on the budget
                Thread.sleep(1);
            }
            assertThat(second).isNotDone();
            writeMayFinish.countDown();
            assertThat(first.get()).isTrue();
            assertThat(second.get().get()).isTrue();
        }
        assertThat(io.availableBytes()).isEqualTo(1024);
    }

    @Test
    void a_piece_larger_than_the_whole_budget_still_goes_through() throws Exception {
        io.close();
        io = new DiskIo(1, 100);
        TestTorrent t = TestTorrent.multi("huge", 1000, 5, 1500);
        MemoryStorage s = new MemoryStorage(t.info);
        assertThat(io.verifyAndWrite(s, 0, t.piece(0)).get()).isTrue();
        assertThat(io.verifyAndWrite(s, 1, t.piece(1)).get()).isTrue();
        assertThat(s.fileBytes(0)).isEqualTo(t.content);
        assertThat(io.availableBytes()).isEqualTo(100);
    }

    @Test
    void a_piece_of_the_wrong_size_is_refused_before_taking_any_budget() {
        TestTorrent t = TestTorrent.multi("size", 8, 6, 16);
        MemoryStorage s = new MemoryStorage(t.info);
        assertThatThrownBy(() -> io.verifyAndWrite(s, 0, ByteBuffer.allocate(9)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(io.availableBytes()).isEqualTo(1 << 20);
    }

    @Test
    void a_failed_write_completes_exceptionally_and_gives_the_bytes_back() throws Exception {
        TestTorrent t = TestTorrent.multi("fail", 8, 7, 16);
        Storage broken = new Gated(new MemoryStorage(t.info), new CountDownLatch(1), new CountDownLatch(0)) {
            @Override
            public void writePiece(int piece, ByteBuffer data) throws IOException {
                throw new IOException("disk full: /data/fail/f0");
            }
        };
        CompletableFuture<Boolean> f = io.verifyAndWrite(broken, 0, t.piece(0));
        assertThatThrownBy(f::get).isInstanceOf(ExecutionException.class).hasRootCauseMessage("disk full: /data/fail/f0");
        assertThat(io.availableBytes()).isEqualTo(1 << 20);
    }

    @Test
    void many_pieces_from_many_peers_through_a_small_budget_all_land() throws Exception {
        io.close();
        io = new DiskIo(2, 64); // two pieces' worth
        TestTorrent t = TestTorrent.multi("swarm", 32, 8, 100, 1000, 0, 900, 7);
        MemoryStorage s = new MemoryStorage(t.info);
        List<Future<Boolean>> results = new ArrayList<>();
        try (ExecutorService peers = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int p = 0; p < t.info.pieceCount(); p++) {
                int piece = p;
                results.add(peers.submit(() -> io.verifyAndWrite(s, piece, t.piece(piece)).get()));
            }
            for (Future<Boolean> r : results) {
                assertThat(r.get()).isTrue();
            }
        }
        for (int i = 0; i < 5; i++) {
            assertThat(s.fileBytes(i)).isEqualTo(t.file(i));
        }
        assertThat(io.availableBytes()).isEqualTo(64);
    }

    @Test
    void a_storage_without_a_sendfile_of_its_own_serves_a_block_by_reading_and_writing_it() throws Exception {
        TestTorrent t = TestTorrent.multi("seed", 16, 9, 10, 30);
        MemoryStorage s = new MemoryStorage(t.info);
        for (int p = 0; p < t.info.pieceCount(); p++) {
            s.writePiece(p, t.piece(p));
        }
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        s.transferTo(0, 4, 8, java.nio.channels.Channels.newChannel(out));
        assertThat(out.toByteArray()).isEqualTo(t.range(4, 8));
    }

    @Test
    void a_block_not_in_storage_is_the_storages_failure() {
        TestTorrent t = TestTorrent.multi("absent", 16, 11, 40);
        MemoryStorage s = new MemoryStorage(t.info);
        assertThatThrownBy(() -> s.transferTo(0, 0, 4, java.nio.channels.Channels.newChannel(new java.io.ByteArrayOutputStream())))
                .isInstanceOf(StorageException.class);
    }

    private static byte[] bytes(ByteBuffer b) {
        byte[] out = new byte[b.remaining()];
        b.duplicate().get(out);
        return out;
    }

    /** A storage whose writes say they started, then wait for a latch. */
    private static class Gated implements Storage {
        private final Storage inner;
        private final CountDownLatch writing;
        private final CountDownLatch mayFinish;

        Gated(Storage inner, CountDownLatch writing, CountDownLatch mayFinish) {
            this.inner = inner;
            this.writing = writing;
            this.mayFinish = mayFinish;
        }

        @Override
        public TorrentInfo info() {
            return inner.info();
        }

        @Override
        public void writePiece(int piece, ByteBuffer data) throws IOException {
            writing.countDown();
            try {
                mayFinish.await();
            } catch (InterruptedException e) {
                throw new IOException(e);
            }
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
        public void flush() throws IOException {
            inner.flush();
        }

        @Override
        public void close() throws IOException {
            inner.close();
        }
    }
}
