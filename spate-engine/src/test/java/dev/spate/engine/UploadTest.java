package dev.spate.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spate.metainfo.TorrentInfo;
import dev.spate.peer.OutgoingBlock;
import dev.spate.storage.MemoryStorage;
import dev.spate.storage.StorageException;
import dev.spate.wire.Message;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class UploadTest {
    private static final int PIECE = TorrentLoopHarness.PIECE;

    private final byte[] payload = payload();
    private final TorrentInfo info = info();

    private static byte[] payload() {
        byte[] b = new byte[4 * PIECE];
        new Random(11).nextBytes(b);
        return b;
    }

    private TorrentInfo info() {
        try {
            return TorrentLoopHarness.metainfo(payload, java.util.List.of()).info();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private MemoryStorage stored() throws IOException {
        MemoryStorage s = new MemoryStorage(info);
        for (int p = 0; p < 4; p++) {
            s.writePiece(p, ByteBuffer.wrap(payload, p * PIECE, PIECE));
        }
        return s;
    }

    @Test
    void aServedBlockReadsExactlyItsBytesIntoMemoryAfterWhatTheBufferAlreadyHolds() throws Exception {
        Upload upload = new Upload(4, stored(), piece -> true);
        OutgoingBlock.Source source = upload.serve(new Message.Request(2, 16_384, 16_384));
        ByteBuffer dst = ByteBuffer.allocate(3 + 16_384 + 5);
        dst.put(new byte[] {9, 9, 9});

        source.readInto(dst);

        assertThat(dst.position()).isEqualTo(3 + 16_384);
        assertThat(Arrays.copyOfRange(dst.array(), 3, 3 + 16_384))
                .isEqualTo(Arrays.copyOfRange(payload, 2 * PIECE + 16_384, 3 * PIECE));
        assertThat(Arrays.copyOfRange(dst.array(), 0, 3)).containsExactly(9, 9, 9);
    }

    @Test
    void aBlockOfAPieceWeDoNotHaveIsNotServed() throws Exception {
        Upload upload = new Upload(4, stored(), piece -> piece != 1);
        assertThat(upload.serve(new Message.Request(1, 0, 16_384))).isNull();
    }

    @Test
    void aBlockTheStorageCannotReadFailsAsStorageNotAsTheConnection() throws Exception {
        Upload upload = new Upload(4, new MemoryStorage(info), piece -> true); // claims pieces it never stored
        OutgoingBlock.Source source = upload.serve(new Message.Request(0, 0, 16_384));

        assertThatThrownBy(() -> source.readInto(ByteBuffer.allocate(16_384))).isInstanceOf(StorageException.class);
    }
}
