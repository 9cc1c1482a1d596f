package dev.spate.picker;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class BestBlocksTest {
    private static List<Integer> blocks(BestBlocks best) {
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < best.size(); i++) {
            out.add(best.block(i));
        }
        return out;
    }

    @Test
    void fewerRequestersBeatAnyTime() {
        BestBlocks best = new BestBlocks(2);
        best.offer(0, 1, 2, 900, 0);
        best.offer(0, 2, 1, 100, 0);
        best.offer(0, 3, 3, 999, 0);
        best.offer(0, 4, 1, 50, 0);

        assertThat(blocks(best)).containsExactly(2, 4);
    }

    @Test
    void amongEqualRequestersTheOneAskedLastComesFirst() {
        BestBlocks best = new BestBlocks(3);
        for (int b = 0; b < 10; b++) {
            best.offer(1, b, 1, b * 10L, 0);
        }

        assertThat(blocks(best)).containsExactly(9, 8, 7);
        assertThat(best.piece(0)).isEqualTo(1);
    }

    @Test
    void exactTiesGoToTheLowerTieBreak() {
        BestBlocks best = new BestBlocks(2);
        best.offer(0, 1, 1, 5, 30);
        best.offer(0, 2, 1, 5, 10);
        best.offer(0, 3, 1, 5, 20);

        assertThat(blocks(best)).containsExactly(2, 3);
    }

    @Test
    void fewerOffersThanRoomKeepsThemAll() {
        BestBlocks best = new BestBlocks(8);
        best.offer(0, 1, 1, 5, 0);
        best.offer(0, 2, 2, 5, 0);

        assertThat(blocks(best)).containsExactly(1, 2);
    }

    @Test
    void noRoomKeepsNothing() {
        BestBlocks best = new BestBlocks(0);
        best.offer(0, 1, 1, 5, 0);

        assertThat(best.size()).isZero();
    }

    @Test
    void aResetForgetsWhatWasKeptAndHoldsOnlyItsNewCapacity() {
        BestBlocks best = new BestBlocks(4);
        for (int b = 0; b < 4; b++) {
            best.offer(0, b, 1, b, 0);
        }

        best.reset(2);
        assertThat(best.size()).isZero();
        for (int b = 10; b < 15; b++) {
            best.offer(2, b, 1, b, 0);
        }
        assertThat(blocks(best)).containsExactly(14, 13);

        best.reset(6);
        for (int b = 20; b < 28; b++) {
            best.offer(3, b, 1, b, 0);
        }
        assertThat(blocks(best)).containsExactly(27, 26, 25, 24, 23, 22);
        assertThat(best.piece(5)).isEqualTo(3);
    }
}
