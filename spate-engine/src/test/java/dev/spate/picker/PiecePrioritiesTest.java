package dev.spate.picker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spate.core.Bitfield;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Piece levels, skipped pieces, sequential mode and the finished notion of {@link PiecePicker}. */
class PiecePrioritiesTest {
    private static final int BLOCK = PieceGeometry.BLOCK_SIZE;

    private static PiecePicker<String> picker(int pieces, long seed) {
        return new PiecePicker<>(pieces, BLOCK, (long) pieces * BLOCK, new SplittableRandom(seed));
    }

    private static Bitfield bits(int size, int... pieces) {
        Bitfield b = new Bitfield(size);
        for (int p : pieces) {
            b.set(p);
        }
        return b;
    }

    /** Picks one block at a time from {@code peer}, verifying each piece, until nothing is left; the order. */
    private static List<Integer> drain(PiecePicker<String> picker, String peer) {
        List<Integer> order = new ArrayList<>();
        while (true) {
            List<BlockRequest> picked = picker.pick(peer, 1);
            if (picked.isEmpty()) {
                return order;
            }
            int piece = picked.getFirst().piece();
            picker.blockReceived(peer, piece, 0);
            picker.pieceVerified(piece);
            picker.checkInvariants();
            order.add(piece);
        }
    }

    @Test
    void higherLevelsAreFetchedFirstAndLevelZeroNever() {
        for (long seed = 0; seed < 20; seed++) {
            PiecePicker<String> picker = picker(8, seed);
            picker.setPiecePriorities(new int[] {1, 3, 0, 2, 3, 1, 0, 2});
            picker.peerHasAll("seed");

            List<Integer> order = drain(picker, "seed");

            assertThat(order.subList(0, 2)).containsExactlyInAnyOrder(1, 4);
            assertThat(order.subList(2, 4)).containsExactlyInAnyOrder(3, 7);
            assertThat(order.subList(4, 6)).containsExactlyInAnyOrder(0, 5);
            assertThat(order).hasSize(6).doesNotContain(2, 6);
            assertThat(picker.isFinished()).isTrue();
            assertThat(picker.isComplete()).isFalse();
        }
    }

    @Test
    void rarestFirstHoldsWithinALevel() {
        for (long seed = 0; seed < 20; seed++) {
            PiecePicker<String> picker = picker(10, seed);
            for (int p = 0; p < 4; p++) {
                picker.pieceVerified(p); // past the random first pieces
            }
            picker.setPiecePriorities(new int[] {1, 1, 1, 1, 2, 2, 2, 1, 1, 1});
            picker.peerHasBitfield("a", bits(10, 4, 5, 6, 7, 8, 9));
            picker.peerHasBitfield("b", bits(10, 4, 6, 7, 8, 9));
            picker.peerHasBitfield("c", bits(10, 4, 7, 8, 9));

            // 5 is the rarest of level 2; 7, 8, 9 rarer than nothing of level 1 matter less.
            assertThat(picker.pick("a", 1)).extracting(BlockRequest::piece).containsExactly(5);
            picker.checkInvariants();
        }
    }

    @Test
    void aPeerWithOnlySkippedPiecesIsNotInteresting() {
        PiecePicker<String> picker = picker(4, 1);
        picker.setPiecePriorities(new int[] {1, 0, 0, 1});
        picker.peerHasBitfield("a", bits(4, 1, 2));
        assertThat(picker.isInteresting("a")).isFalse();
        assertThat(picker.pick("a", 4)).isEmpty();
        assertThat(picker.peerHas("a", 3)).isTrue();
        assertThat(picker.isInteresting("a")).isTrue();
        picker.checkInvariants();
    }

    @Test
    void wantingAPieceLaterResumesTheDownload() {
        PiecePicker<String> picker = picker(4, 1);
        picker.setPiecePriorities(new int[] {1, 1, 0, 0});
        picker.peerHasAll("seed");
        assertThat(drain(picker, "seed")).containsExactlyInAnyOrder(0, 1);
        assertThat(picker.isFinished()).isTrue();
        assertThat(picker.isInteresting("seed")).isFalse();

        picker.setPiecePriorities(new int[] {1, 1, 1, 0});

        assertThat(picker.isFinished()).isFalse();
        assertThat(picker.isInteresting("seed")).isTrue();
        assertThat(drain(picker, "seed")).containsExactly(2);
    }

    @Test
    void aStartedPieceThatIsNoLongerWantedGoesBackAndIsNotAskedAgain() {
        PiecePicker<String> picker = picker(4, 1);
        picker.peerHasAll("seed");
        picker.setMaxPiecesInProgress(1);
        List<BlockRequest> first = picker.pick("seed", 1);
        int started = first.getFirst().piece();
        picker.requestCancelled("seed", started, 0);
        int[] levels = {1, 1, 1, 1};
        levels[started] = 0;
        picker.setPiecePriorities(levels);
        picker.checkInvariants();

        assertThat(drain(picker, "seed")).hasSize(3).doesNotContain(started);
    }

    @Test
    void sequentialModeTakesTheLowestPieceOfTheHighestLevel() {
        for (long seed = 0; seed < 10; seed++) {
            PiecePicker<String> picker = picker(8, seed);
            picker.setSequential(true);
            picker.peerHasAll("seed");
            assertThat(drain(picker, "seed")).containsExactly(0, 1, 2, 3, 4, 5, 6, 7);

            PiecePicker<String> levelled = picker(8, seed);
            levelled.setSequential(true);
            levelled.setPiecePriorities(new int[] {1, 1, 2, 0, 1, 2, 2, 1});
            levelled.peerHasBitfield("a", bits(8, 0, 1, 2, 4, 6, 7));
            assertThat(drain(levelled, "a")).containsExactly(2, 6, 0, 1, 4, 7);
        }
    }

    @Test
    void endgameStartsWhenEveryWantedBlockIsRequested() {
        PiecePicker<String> picker = picker(3, 1);
        picker.setPiecePriorities(new int[] {1, 0, 1});
        picker.peerHasAll("a");
        picker.peerHasAll("b");
        assertThat(picker.pick("a", 10)).extracting(BlockRequest::piece).containsExactlyInAnyOrder(0, 2);
        assertThat(picker.isEndgame()).isTrue();
        assertThat(picker.pick("b", 10)).extracting(BlockRequest::piece).containsExactlyInAnyOrder(0, 2);
        picker.checkInvariants();
    }

    @Test
    void levelsMustFitThePieces() {
        PiecePicker<String> picker = picker(3, 1);
        assertThatThrownBy(() -> picker.setPiecePriorities(new int[] {1, 1}))
                .hasMessage("2 levels for 3 pieces");
        assertThatThrownBy(() -> picker.setPiecePriorities(new int[] {1, -1, 1}))
                .hasMessage("negative level -1");
    }
}
