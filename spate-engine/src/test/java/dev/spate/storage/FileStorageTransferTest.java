package dev.spate.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Serving blocks straight from the files onto a real socket, as a peer's writer does. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class FileStorageTransferTest {
    @TempDir
    Path root;

    /**
     * Sends {@code length} bytes at {@code begin} of {@code piece} from a virtual thread (whose
     * socket never blocks in sendfile) to a reader that starts late, so the socket fills first.
     */
    private static byte[] sendOverSocket(Storage s, int piece, int begin, int length) throws Exception {
        try (ServerSocketChannel server = ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", 0));
             SocketChannel near = SocketChannel.open(server.getLocalAddress());
             SocketChannel far = server.accept()) {
            AtomicReference<Throwable> failure = new AtomicReference<>();
            Thread writer = Thread.ofVirtual().start(() -> {
                try {
                    s.transferTo(piece, begin, length, near);
                } catch (Throwable t) {
                    failure.set(t);
                }
            });
            Thread.sleep(200); // the socket's buffers fill up meanwhile
            ByteBuffer got = ByteBuffer.allocate(length);
            while (got.hasRemaining() && far.read(got) >= 0) {
                // keep reading
            }
            writer.join();
            assertThat(failure.get()).isNull();
            return got.array();
        }
    }

    @Test
    void aPieceAcrossThreeFilesArrivesExactlyThroughAFullSocket() throws Exception {
        // 8 MiB pieces over files of 3, 5 and 9 MiB (and a bit): piece 0 spans the first two and
        // the third's start; far more than the loopback socket holds at once.
        TestTorrent t = TestTorrent.multi("served", 8 << 20, 31, 3 << 20, 5 << 20, (9 << 20) + 777);
        try (FileStorage s = FileStorage.open(root, t.info)) {
            for (int p = 0; p < t.info.pieceCount(); p++) {
                s.writePiece(p, t.piece(p));
            }
            assertThat(sendOverSocket(s, 0, 0, 8 << 20)).isEqualTo(t.range(0, 8 << 20));
            int last = t.info.pieceCount() - 1;
            assertThat(sendOverSocket(s, last, 16_384, t.info.pieceSize(last) - 16_384))
                    .isEqualTo(t.range((long) last * (8 << 20) + 16_384, t.info.pieceSize(last) - 16_384));
        }
    }

    @Test
    void aMissingFileIsTheStoragesFailureNamingTheFile() throws Exception {
        TestTorrent t = TestTorrent.multi("gone", 16_384, 32, 10_000, 30_000);
        try (FileStorage s = FileStorage.open(root, t.info)) {
            s.writePiece(0, t.piece(0)); // creates f0 and f1; piece 2 lies in f1 alone
            java.nio.file.Files.delete(root.resolve("gone").resolve("f1"));
        }
        try (FileStorage s = FileStorage.open(root, t.info)) {
            assertThatThrownBy(() -> s.transferTo(2, 0, 7_232, SocketChannel.open()))
                    .isInstanceOf(StorageException.class)
                    .hasMessageContaining("f1").hasMessageContaining("missing");
        }
    }

    @Test
    void aFileCutShortUnderUsIsTheStoragesFailureNotAHang() throws Exception {
        TestTorrent t = TestTorrent.single("cut.bin", 16_384, 33, 4 * 16_384);
        try (FileStorage s = FileStorage.open(root, t.info)) {
            for (int p = 0; p < 4; p++) {
                s.writePiece(p, t.piece(p));
            }
            try (RandomAccessFile f = new RandomAccessFile(root.resolve("cut.bin").toFile(), "rw")) {
                f.setLength(2 * 16_384 + 100);
            }
            try (ServerSocketChannel server = ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", 0));
                 SocketChannel near = SocketChannel.open(server.getLocalAddress());
                 SocketChannel far = server.accept()) {
                assertThatThrownBy(() -> s.transferTo(2, 0, 16_384, near))
                        .isInstanceOf(StorageException.class)
                        .hasMessageContaining("cut.bin").hasMessageContaining("ends at " + (2 * 16_384 + 100));
            }
        }
    }
}
