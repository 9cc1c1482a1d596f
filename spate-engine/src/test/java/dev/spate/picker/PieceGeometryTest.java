package dev.spate.picker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class PieceGeometryTest {
    private static final int KIB = 1024;

    @Test
    void the_last_piece_holds_the_remainder_and_its_last_block_is_short() {
        // 100,000 bytes in pieces of 32 KiB: three full pieces (98,304 bytes) and 1,696 bytes.
        PieceGeometry g = new PieceGeometry(4, 32 * KIB, 100_000);

        assertThat(g.pieceLength(0)).isEqualTo(32 * KIB);
        assertThat(g.pieceLength(2)).isEqualTo(32 * KIB);
        assertThat(g.pieceLength(3)).isEqualTo(1_696);
        assertThat(g.blockCount(0)).isEqualTo(2);
        assertThat(g.blockCount(3)).isEqualTo(1);
        assertThat(g.request(0, 1)).isEqualTo(new BlockRequest(0, 16 * KIB, 16 * KIB));
        assertThat(g.request(3, 0)).isEqualTo(new BlockRequest(3, 0, 1_696));
    }

    @Test
    void a_piece_length_that_is_not_a_multiple_of_the_block_size_ends_each_piece_with_a_short_block() {
        PieceGeometry g = new PieceGeometry(3, 40_000, 100_000);

        assertThat(g.blockCount(0)).isEqualTo(3);
        assertThat(g.blockLength(0, 2)).isEqualTo(40_000 - 2 * 16_384);
        assertThat(g.pieceLength(2)).isEqualTo(20_000);
        assertThat(g.blockLength(2, 1)).isEqualTo(20_000 - 16_384);
    }

    @Test
    void block_lengths_of_a_piece_add_up_to_its_length() {
        PieceGeometry g = new PieceGeometry(7, 100_000, 650_001);
        long total = 0;
        for (int piece = 0; piece < g.pieceCount(); piece++) {
            for (int block = 0; block < g.blockCount(piece); block++) {
                total += g.blockLength(piece, block);
            }
        }
        assertThat(total).isEqualTo(650_001);
    }

    @Test
    void a_piece_count_that_does_not_match_the_lengths_is_rejected() {
        assertThatThrownBy(() -> new PieceGeometry(3, 32 * KIB, 100_000))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("expected 4");
    }

    @Test
    void an_offset_that_is_not_a_block_boundary_is_rejected() {
        PieceGeometry g = new PieceGeometry(4, 32 * KIB, 100_000);

        assertThat(g.blockIndex(1, 16 * KIB)).isEqualTo(1);
        assertThatThrownBy(() -> g.blockIndex(1, 100)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> g.blockIndex(3, 16 * KIB)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> g.blockLength(3, 1)).isInstanceOf(IndexOutOfBoundsException.class);
    }
}
