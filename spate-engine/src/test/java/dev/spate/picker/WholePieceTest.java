package dev.spate.picker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spate.core.Bitfield;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Sources of whole pieces (web seeds) beside peers, in one picker. */
class WholePieceTest {
    private static final int BLOCK = PieceGeometry.BLOCK_SIZE;

    private static PiecePicker<String> picker(int pieces, int blocks, long seed) {
        return new PiecePicker<>(pieces, blocks * BLOCK, (long) pieces * blocks * BLOCK, new SplittableRandom(seed));
    }

    private static Bitfield bits(int size, int... pieces) {
        Bitfield b = new Bitfield(size);
        for (int p : pieces) {
            b.set(p);
        }
        return b;
    }

    @Test
    void aWebSeedTakesFirstThePiecesNoPeerHas() {
        for (long seed = 0; seed < 20; seed++) {
            PiecePicker<String> picker = picker(6, 2, seed);
            picker.peerHasBitfield("a", bits(6, 0, 1, 2, 3));
            picker.peerHasBitfield("b", bits(6, 0, 1, 2, 3, 4));

            Set<Integer> taken = new HashSet<>(List.of(picker.pickWholePiece("web", 0), picker.pickWholePiece("web", 0)));
            assertThat(taken).containsExactlyInAnyOrder(4, 5);
            picker.checkInvariants();
        }
    }

    @Test
    void aPieceTakenWholeIsNeverAskedOfAPeerEvenInEndgame() {
        PiecePicker<String> picker = picker(2, 4, 1);
        picker.peerHasAll("peer");
        int web = picker.pickWholePiece("web", 0);
        List<BlockRequest> asked = picker.pick("peer", 100);

        assertThat(asked).extracting(BlockRequest::piece).containsOnly(1 - web).hasSize(4);
        assertThat(picker.isEndgame()).isTrue();
        assertThat(picker.pick("peer2", 100)).extracting(BlockRequest::piece).doesNotContain(web);
        assertThat(picker.pickWholePiece("web2", 0)).isEqualTo(-1); // the peer's piece is being served
        picker.checkInvariants();
    }

    @Test
    void aPieceBroughtWholeAwaitsItsVerdictAndAFailedOneGoesToPeers() {
        PiecePicker<String> picker = picker(1, 3, 1);
        picker.peerHasAll("peer");
        assertThat(picker.pickWholePiece("web", 0)).isZero();
        assertThat(picker.wholePieceReceived("other", 0)).isFalse();
        assertThat(picker.wholePieceReceived("web", 0)).isTrue();
        assertThat(picker.pick("peer", 10)).isEmpty();
        picker.checkInvariants();

        picker.pieceFailed(0);
        assertThat(picker.isTakenWhole(0)).isFalse();
        assertThat(picker.pick("peer", 10)).hasSize(3);
        picker.checkInvariants();
    }

    @Test
    void anAbandonedPieceIsFreeForPeersAgain() {
        PiecePicker<String> picker = picker(1, 2, 1);
        picker.peerHasAll("peer");
        picker.pickWholePiece("web", 0);
        assertThat(picker.pick("peer", 10)).isEmpty();

        assertThat(picker.wholePieceAbandoned("web", 0)).isTrue();
        assertThat(picker.wholePieceReceived("web", 0)).isFalse(); // a late answer is not wanted
        assertThat(picker.pick("peer", 10)).hasSize(2);
        picker.checkInvariants();
    }

    @Test
    void aWebSeedFinishesAStartedPieceWhosePeerLeft() {
        PiecePicker<String> picker = picker(1, 2, 1);
        picker.peerHasAll("peer");
        List<BlockRequest> asked = picker.pick("peer", 10);
        picker.blockReceived("peer", 0, asked.get(0).begin());
        assertThat(picker.pickWholePiece("web", 0)).as("the peer still has a request out").isEqualTo(-1);

        picker.peerLeft("peer");
        assertThat(picker.pickWholePiece("web", 0)).isZero();
        assertThat(picker.wholePieceReceived("web", 0)).isTrue();
        picker.checkInvariants();
        assertThat(picker.pieceVerified(0)).isTrue();
        assertThat(picker.isComplete()).isTrue();
        picker.checkInvariants();
    }

    @Test
    void aWebSeedThatLeavesGivesItsPiecesBackAndCountsForNoAvailability() {
        PiecePicker<String> picker = picker(3, 1, 1);
        picker.pickWholePiece("web", 0);
        picker.pickWholePiece("web", 0);
        assertThat(picker.wholePiecesOf("web")).isEqualTo(2);
        assertThat(picker.availability(0)).isZero();

        picker.peerLeft("web");
        assertThat(picker.wholePiecesOf("web")).isZero();
        // Nobody has them: back among the candidates, none in progress.
        assertThat(picker.inProgressCount()).isZero();
        picker.checkInvariants();
    }

    @Test
    void aWebSeedRespectsTwiceTheCapOnPiecesInProgress() {
        PiecePicker<String> picker = picker(100, 1, 1);
        picker.setMaxPiecesInProgress(3);
        int taken = 0;
        while (picker.pickWholePiece("web", 0) >= 0) {
            taken++;
        }
        assertThat(taken).isEqualTo(2 * 3 + 4);
        picker.checkInvariants();
    }
}
