package dev.spate.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spate.picker.PieceGeometry;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.Random;
import org.junit.jupiter.api.Test;

class LiarFinderTest {
    static final int PIECE = 4 * PieceGeometry.BLOCK_SIZE;
    final PieceGeometry geometry = new PieceGeometry(3, PIECE, 2L * PIECE + 100);
    final LiarFinder finder = new LiarFinder(geometry);
    final InetSocketAddress honest = new InetSocketAddress("127.0.0.1", 1001);
    final InetSocketAddress liar = new InetSocketAddress("127.0.0.1", 1002);

    static byte[] good(int size) {
        byte[] b = new byte[size];
        new Random(7).nextBytes(b);
        return b;
    }

    @Test
    void whenAMixedPieceVerifiesOnlyThePeerWhoseBlockDifferedIsNamed() {
        byte[] good = good(PIECE);
        byte[] bad = good.clone();
        bad[PieceGeometry.BLOCK_SIZE + 5] ^= 1; // block 1, sent by the liar
        InetSocketAddress[] senders = {honest, liar, honest, liar};

        assertThat(finder.failed(0, ByteBuffer.wrap(bad), senders)).containsExactly(honest, liar);
        assertThat(finder.pending()).isEqualTo(1);

        assertThat(finder.verified(0, ByteBuffer.wrap(good))).containsExactly(liar);
        assertThat(finder.pending()).isZero();
    }

    @Test
    void aPieceWithoutAFailureOnRecordNamesNobody() {
        assertThat(finder.verified(1, ByteBuffer.wrap(good(PIECE)))).isEmpty();
    }

    @Test
    void theShortLastBlockOfTheShortLastPieceIsComparedOverItsOwnLength() {
        byte[] good = good(100);
        byte[] bad = good.clone();
        bad[99] ^= (byte) 0x80;
        finder.failed(2, ByteBuffer.wrap(bad), new InetSocketAddress[] {liar});
        assertThat(finder.verified(2, ByteBuffer.wrap(good))).containsExactly(liar);
    }

    @Test
    void peersThatSentTheSameGoodBlocksAcrossTwoFailuresAreNotNamed() {
        byte[] good = good(PIECE);
        byte[] bad = good.clone();
        bad[3 * PieceGeometry.BLOCK_SIZE] ^= 1; // block 3
        finder.failed(0, ByteBuffer.wrap(bad), new InetSocketAddress[] {honest, honest, honest, liar});
        finder.failed(0, ByteBuffer.wrap(bad), new InetSocketAddress[] {honest, honest, honest, liar});
        assertThat(finder.verified(0, ByteBuffer.wrap(good))).containsExactly(liar);
    }
}
