package dev.spate.picker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spate.core.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Deadlines of {@link PiecePicker}: earliest first before any other piece, the fast peers first,
 * and endgame-style duplicates once a deadline is near, on a clock the test moves.
 */
class PieceDeadlinesTest {
    private static final int BLOCK = PieceGeometry.BLOCK_SIZE;
    private static final long SECOND = 1_000_000_000L;

    private final AtomicLong time = new AtomicLong(1_000 * SECOND);
    private final Clock clock = time::get;

    /** {@code pieces} pieces of {@code blocks} blocks each. */
    private static PiecePicker<String> picker(int pieces, int blocks, long seed) {
        return new PiecePicker<>(pieces, blocks * BLOCK, (long) pieces * blocks * BLOCK, new SplittableRandom(seed));
    }

    private List<BlockRequest> pick(PiecePicker<String> picker, String peer, int max, boolean fast) {
        List<BlockRequest> picked = picker.pick(peer, max, clock.nanoTime(), fast);
        picker.checkInvariants();
        return picked;
    }

    private static List<Integer> pieces(List<BlockRequest> requests) {
        return requests.stream().map(BlockRequest::piece).toList();
    }

    /** Picks one block at a time, verifying each piece once its block came, until nothing is left; the order. */
    private List<Integer> drain(PiecePicker<String> picker, String peer) {
        List<Integer> order = new ArrayList<>();
        while (true) {
            List<BlockRequest> picked = pick(picker, peer, 1, true);
            if (picked.isEmpty()) {
                return order;
            }
            BlockRequest b = picked.getFirst();
            picker.blockReceived(peer, b.piece(), b.begin());
            picker.pieceVerified(b.piece());
            picker.checkInvariants();
            order.add(b.piece());
        }
    }

    @Test
    void piecesWithADeadlineComeFirstEarliestFirstWhateverTheirRarityOrLevel() {
        for (long seed = 0; seed < 20; seed++) {
            PiecePicker<String> picker = picker(10, 1, seed);
            picker.setPiecePriorities(new int[] {3, 3, 3, 1, 1, 1, 1, 1, 1, 1});
            picker.peerHasAll("seed");
            picker.peerHas("other", 0); // piece 9 is rarer than 0, but not by deadline
            long now = clock.nanoTime();
            picker.setDeadline(7, now + 30 * SECOND);
            picker.setDeadline(4, now + 10 * SECOND);
            picker.setDeadline(9, now + 20 * SECOND);

            List<Integer> order = drain(picker, "seed");

            assertThat(order.subList(0, 3)).as("seed %d", seed).containsExactly(4, 9, 7);
            assertThat(order.subList(3, 6)).as("then the highest level").containsExactlyInAnyOrder(0, 1, 2);
            assertThat(picker.deadlineCount()).as("verified: no deadline left").isZero();
        }
    }

    @Test
    void aNewDeadlineReplacesTheOldOneAndClearedOnesAreGone() {
        PiecePicker<String> picker = picker(6, 1, 1);
        picker.setSequential(true);
        picker.peerHasAll("seed");
        long now = clock.nanoTime();
        picker.setDeadline(5, now + 10 * SECOND);
        picker.setDeadline(3, now + 20 * SECOND);
        picker.setDeadline(5, now + 30 * SECOND);
        assertThat(picker.deadline(5)).hasValue(now + 30 * SECOND);
        picker.setDeadline(4, now);
        assertThat(picker.clearDeadline(4)).isTrue();
        assertThat(picker.clearDeadline(4)).isFalse();

        assertThat(drain(picker, "seed")).containsExactly(3, 5, 0, 1, 2, 4);

        PiecePicker<String> cleared = picker(6, 1, 1);
        cleared.setSequential(true);
        cleared.peerHasAll("seed");
        cleared.setDeadline(5, now);
        cleared.clearDeadlines();
        assertThat(drain(cleared, "seed")).containsExactly(0, 1, 2, 3, 4, 5);
    }

    @Test
    void aPieceWeHaveTakesNoDeadlineAndLevelZeroIsNotFetchedForOne() {
        PiecePicker<String> picker = picker(4, 1, 1);
        picker.pieceVerified(1);
        assertThat(picker.setDeadline(1, clock.nanoTime())).isFalse();
        assertThat(picker.deadline(1)).isEmpty();
        picker.setPiecePriorities(new int[] {1, 1, 0, 1});
        picker.setDeadline(2, clock.nanoTime());
        picker.peerHasAll("seed");

        assertThat(drain(picker, "seed")).containsExactlyInAnyOrder(0, 3);
        assertThatThrownBy(() -> picker.setDeadline(4, 0)).isInstanceOf(IndexOutOfBoundsException.class);
    }

    @Test
    void beforeItIsUrgentADeadlinePieceGoesToFastPeersOnly() {
        PiecePicker<String> picker = picker(4, 4, 3);
        picker.peerHasAll("slow");
        picker.peerHasAll("fast");
        picker.setDeadline(2, clock.nanoTime() + 10 * SECOND);

        List<BlockRequest> slow = pick(picker, "slow", 4, false);
        assertThat(pieces(slow)).as("another piece for the slow peer").doesNotContain(2).hasSize(4);
        List<BlockRequest> fast = pick(picker, "fast", 4, true);
        assertThat(pieces(fast)).containsExactly(2, 2, 2, 2);
    }

    @Test
    void aNearDeadlineAsksItsRequestedBlocksOfOtherPeersTooAndTheFirstCopyCancelsTheRest() {
        PiecePicker<String> picker = picker(4, 2, 5);
        for (String peer : List.of("a", "b", "c", "d")) {
            picker.peerHasAll(peer);
        }
        picker.setDeadline(1, clock.nanoTime() + 10 * SECOND);

        assertThat(pieces(pick(picker, "a", 2, true))).containsExactly(1, 1);
        assertThat(pieces(pick(picker, "b", 2, true))).as("not urgent yet: no duplicates").doesNotContain(1);
        assertThat(picker.isEndgame()).isFalse();

        time.addAndGet(9 * SECOND + 1); // within a second of the deadline
        List<BlockRequest> c = pick(picker, "c", 4, false);
        assertThat(c.subList(0, 2)).as("urgent: the same blocks, even of a slow peer")
                .extracting(BlockRequest::piece, BlockRequest::begin).containsExactly(
                        org.assertj.core.groups.Tuple.tuple(1, 0), org.assertj.core.groups.Tuple.tuple(1, BLOCK));
        List<BlockRequest> d = pick(picker, "d", 2, true);
        assertThat(pieces(d)).containsExactly(1, 1);
        assertThat(pieces(pick(picker, "b", 2, true))).as("at most three copies of a block").doesNotContain(1);

        BlockReceipt<String> first = picker.blockReceived("c", 1, 0);
        assertThat(first.accepted()).isTrue();
        assertThat(first.cancel()).containsExactlyInAnyOrder("a", "d");
        assertThat(picker.blockReceived("a", 1, 0).accepted()).as("a late copy").isFalse();
        assertThat(picker.blockReceived("d", 1, BLOCK).cancel()).containsExactlyInAnyOrder("a", "c");
        picker.checkInvariants();
    }

    @Test
    void aPastDeadlineIsUrgentAndAnUrgencyOfZeroWaitsForTheDeadlineItself() {
        PiecePicker<String> picker = picker(4, 1, 5);
        picker.peerHasAll("a");
        picker.peerHasAll("b");
        picker.setUrgency(0);
        picker.setDeadline(3, clock.nanoTime() + SECOND);
        assertThat(pieces(pick(picker, "a", 1, true))).containsExactly(3);
        assertThat(pieces(pick(picker, "b", 1, true))).doesNotContain(3);

        time.addAndGet(2 * SECOND);
        assertThat(pieces(pick(picker, "b", 1, true))).as("late: asked again").containsExactly(3);
        assertThatThrownBy(() -> picker.setUrgency(-1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void deadlinePiecesMayGoBeyondTheCapOnPiecesInProgress() {
        PiecePicker<String> picker = picker(8, 2, 5);
        picker.setMaxPiecesInProgress(1);
        picker.peerHasAll("a");
        picker.peerHasAll("b");
        assertThat(pick(picker, "a", 2, true)).hasSize(2);
        picker.setDeadline(6, clock.nanoTime() + 60 * SECOND);

        assertThat(pieces(pick(picker, "b", 2, true))).containsExactly(6, 6);
        assertThat(picker.inProgressCount()).isEqualTo(2);
    }
}
