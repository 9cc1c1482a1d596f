package dev.spate.picker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spate.core.Bitfield;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class PiecePickerTest {
    private static final int BLOCK = PieceGeometry.BLOCK_SIZE;

    /** {@code pieces} pieces of {@code blocks} full blocks each. */
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

    private static Bitfield all(int size) {
        Bitfield b = new Bitfield(size);
        b.setAll();
        return b;
    }

    private static void verify(PiecePicker<String> picker, int... pieces) {
        for (int p : pieces) {
            picker.pieceVerified(p);
        }
    }

    @Test
    void rarest_first_picks_the_piece_fewest_peers_have() {
        for (long seed = 0; seed < 20; seed++) {
            PiecePicker<String> picker = picker(10, 1, seed);
            verify(picker, 0, 1, 2, 3);
            picker.peerHasBitfield("a", bits(10, 4, 5, 6, 7, 8, 9));
            picker.peerHasBitfield("b", bits(10, 4, 5, 6, 8, 9));
            picker.peerHasBitfield("c", bits(10, 4, 5, 6, 8, 9));
            picker.peerHasAll("seed");

            assertThat(picker.availability(7)).isEqualTo(2);
            assertThat(picker.availability(4)).isEqualTo(4);
            assertThat(picker.pick("seed", 1)).containsExactly(new BlockRequest(7, 0, BLOCK));
            picker.checkInvariants();
        }
    }

    @Test
    void rarest_first_prefers_the_next_rarest_when_the_peer_lacks_the_rarest() {
        PiecePicker<String> picker = picker(10, 1, 3);
        verify(picker, 0, 1, 2, 3);
        picker.peerHasBitfield("a", bits(10, 4, 5, 6, 7, 8, 9));
        picker.peerHasBitfield("b", bits(10, 5, 6, 7, 8, 9));
        picker.peerHasBitfield("c", bits(10, 6, 7, 8, 9));
        picker.peerHasBitfield("d", bits(10, 7, 8, 9));

        assertThat(picker.pick("d", 2)).extracting(BlockRequest::piece).hasSize(2).isSubsetOf(7, 8, 9);
        assertThat(picker.pick("b", 1)).extracting(BlockRequest::piece).containsExactly(5);
    }

    @Test
    void ties_among_the_rarest_are_broken_at_random() {
        Map<Integer, Integer> firstPicks = new HashMap<>();
        for (long seed = 0; seed < 400; seed++) {
            PiecePicker<String> picker = picker(24, 1, seed);
            verify(picker, 0, 1, 2, 3);
            picker.peerHasAll("seed");
            picker.peerHasBitfield("x", bits(24, 20, 21, 22, 23));
            int piece = picker.pick("seed", 1).get(0).piece();
            firstPicks.merge(piece, 1, Integer::sum);
        }
        // Pieces 4..19 tie at the lowest availability; 20..23 are commoner and never chosen.
        assertThat(firstPicks.keySet()).allMatch(p -> p >= 4 && p < 20).hasSize(16);
        assertThat(firstPicks.values()).allMatch(n -> n >= 8 && n <= 50);
    }

    @Test
    void the_first_pieces_are_random_rather_than_rarest() {
        Set<Integer> firstPicks = new HashSet<>();
        for (long seed = 0; seed < 100; seed++) {
            PiecePicker<String> picker = picker(20, 1, seed);
            picker.peerHasAll("seed");
            picker.peerHasBitfield("x", bits(20, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19));
            firstPicks.add(picker.pick("seed", 1).get(0).piece());
        }
        // Rarest-first would always choose piece 0.
        assertThat(firstPicks).hasSizeGreaterThan(10);
    }

    @Test
    void after_four_verified_pieces_the_choice_turns_to_rarest_first() {
        PiecePicker<String> picker = picker(20, 1, 11);
        picker.peerHasAll("seed");
        picker.peerHasBitfield("x", bits(20, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18));
        verify(picker, 0, 1, 2);
        List<BlockRequest> random = picker.pick("seed", 1);
        verify(picker, random.get(0).piece());
        if (random.get(0).piece() != 19) {
            assertThat(picker.pick("seed", 1)).containsExactly(new BlockRequest(19, 0, BLOCK));
        }
    }

    @Test
    void started_pieces_are_finished_before_new_ones() {
        PiecePicker<String> picker = picker(10, 4, 5);
        verify(picker, 0, 1, 2, 3);
        picker.peerHasAll("a");
        picker.peerHasAll("b");
        List<BlockRequest> first = picker.pick("a", 2);
        int started = first.get(0).piece();
        assertThat(first).extracting(BlockRequest::piece).containsOnly(started);

        // Another piece becomes the rarest, but the started one comes first.
        int other = started == 9 ? 8 : 9;
        for (int p = 4; p < 10; p++) {
            if (p != other) {
                picker.peerHas("c", p);
            }
        }
        List<BlockRequest> second = picker.pick("b", 3);
        assertThat(second).extracting(BlockRequest::piece).containsExactly(started, started, other);
        assertThat(second).extracting(BlockRequest::begin).containsExactly(2 * BLOCK, 3 * BLOCK, 0);
        picker.checkInvariants();
    }

    @Test
    void never_picks_a_piece_the_peer_lacks_or_one_we_have() {
        Random random = new Random(42);
        for (int round = 0; round < 50; round++) {
            PiecePicker<String> picker = picker(64, 2, round);
            Bitfield peer = new Bitfield(64);
            for (int p = 0; p < 64; p++) {
                if (random.nextInt(3) == 0) {
                    peer.set(p);
                }
                if (random.nextInt(4) == 0) {
                    picker.pieceVerified(p);
                }
                if (random.nextBoolean()) {
                    picker.peerHas("other", p);
                }
            }
            picker.peerHasBitfield("p", peer);
            Set<BlockRequest> picked = new HashSet<>();
            List<BlockRequest> batch;
            while (!(batch = picker.pick("p", peer, 1 + random.nextInt(5))).isEmpty()) {
                for (BlockRequest r : batch) {
                    assertThat(peer.get(r.piece())).isTrue();
                    assertThat(picker.weHave(r.piece())).isFalse();
                    assertThat(picked.add(r)).as("requested twice: %s", r).isTrue();
                }
                if (picked.size() > 200) {
                    throw new AssertionError("picking does not end");
                }
            }
            int wanted = 0;
            for (int p = peer.nextSet(0); p >= 0; p = peer.nextSet(p + 1)) {
                wanted += picker.weHave(p) ? 0 : 2;
            }
            assertThat(picked).hasSize(wanted);
            picker.checkInvariants();
        }
    }

    @Test
    void endgame_begins_exactly_when_no_block_is_free() {
        PiecePicker<String> picker = picker(2, 2, 1);
        picker.peerHasAll("a");
        picker.peerHasAll("b");

        assertThat(picker.pick("a", 3)).hasSize(3);
        assertThat(picker.isEndgame()).isFalse();
        List<BlockRequest> last = picker.pick("b", 1);
        assertThat(last).hasSize(1);
        assertThat(picker.isEndgame()).isTrue();
        picker.checkInvariants();
    }

    @Test
    void with_endgame_switched_off_no_block_is_asked_of_a_second_peer() {
        PiecePicker<String> picker = picker(2, 2, 1);
        picker.setEndgameEnabled(false);
        picker.peerHasAll("a");
        picker.peerHasAll("b");

        assertThat(picker.pick("a", 4)).hasSize(4);
        assertThat(picker.isEndgame()).isTrue();
        assertThat(picker.pick("b", 4)).isEmpty();
        picker.checkInvariants();
    }

    @Test
    void a_piece_nobody_has_keeps_endgame_off() {
        PiecePicker<String> picker = picker(2, 1, 1);
        picker.peerHas("a", 0);
        assertThat(picker.pick("a", 5)).hasSize(1);
        assertThat(picker.isEndgame()).isFalse();
        assertThat(picker.pick("a", 5)).isEmpty();
    }

    @Test
    void in_endgame_a_peer_gets_blocks_requested_from_others_fewest_requesters_first() {
        PiecePicker<String> picker = picker(2, 2, 1);
        picker.peerHasAll("a");
        picker.peerHasAll("b");
        picker.peerHasAll("c");
        List<BlockRequest> fromA = picker.pick("a", 3);
        List<BlockRequest> fromB = picker.pick("b", 1);

        // b's own block is not offered to b again; it gets a's three.
        List<BlockRequest> duplicates = picker.pick("b", 10);
        assertThat(duplicates).containsExactlyInAnyOrderElementsOf(fromA);
        // Now a's blocks have two requesters, b's first block one: c gets that one first.
        assertThat(picker.pick("c", 1)).containsExactlyElementsOf(fromB);
        assertThat(picker.pick("a", 10)).containsExactlyElementsOf(fromB);
        assertThat(picker.outstanding("a")).isEqualTo(4);
        picker.checkInvariants();
    }

    @Test
    void in_endgame_a_peer_with_a_full_queue_gets_no_duplicates() {
        PiecePicker<String> picker = picker(2, 2 * PiecePicker.ENDGAME_QUEUE, 1);
        picker.peerHasAll("a");
        picker.peerHasAll("b");
        assertThat(picker.pick("a", 3 * PiecePicker.ENDGAME_QUEUE)).hasSize(3 * PiecePicker.ENDGAME_QUEUE);
        assertThat(picker.pick("b", PiecePicker.ENDGAME_QUEUE)).hasSize(PiecePicker.ENDGAME_QUEUE);
        assertThat(picker.isEndgame()).isTrue();

        // b's own queue is as long as endgame allows: a copy asked of it would come after all of it.
        assertThat(picker.pick("b", 100)).isEmpty();
        picker.checkInvariants();
    }

    @Test
    void in_endgame_a_peer_is_topped_up_with_duplicates_only_to_the_endgame_queue() {
        PiecePicker<String> picker = picker(2, 2 * PiecePicker.ENDGAME_QUEUE, 1);
        picker.peerHasAll("a");
        picker.peerHasAll("b");
        int blocks = 4 * PiecePicker.ENDGAME_QUEUE;
        assertThat(picker.pick("a", blocks - 3)).hasSize(blocks - 3);
        assertThat(picker.pick("b", 3)).hasSize(3);
        assertThat(picker.isEndgame()).isTrue();

        List<BlockRequest> duplicates = picker.pick("b", 100);
        assertThat(duplicates).hasSize(PiecePicker.ENDGAME_QUEUE - 3);
        assertThat(picker.pick("b", 100)).isEmpty();
        picker.blockReceived("b", duplicates.get(0).piece(), duplicates.get(0).begin());
        picker.blockReceived("b", duplicates.get(1).piece(), duplicates.get(1).begin());
        assertThat(picker.pick("b", 100)).hasSize(2);
        assertThat(picker.outstanding("b")).isEqualTo(PiecePicker.ENDGAME_QUEUE);
        picker.checkInvariants();
    }

    @Test
    void in_endgame_the_blocks_asked_last_of_another_peer_are_duplicated_first() {
        PiecePicker<String> picker = picker(2, 4, 1);
        picker.peerHasAll("a");
        picker.peerHasAll("b");
        List<BlockRequest> early = picker.pick("a", 4, 1_000);
        List<BlockRequest> late = picker.pick("a", 4, 2_000);
        assertThat(picker.isEndgame()).isTrue();

        // The late ones wait behind the early ones in a's queue: b's copies of them can win.
        assertThat(picker.pick("b", 4, 3_000)).containsExactlyInAnyOrderElementsOf(late);
        assertThat(picker.pick("b", 4, 4_000)).containsExactlyInAnyOrderElementsOf(early);
        picker.checkInvariants();
    }

    @Test
    void in_endgame_blocks_a_stalled_peer_has_held_too_long_go_to_a_peer_however_full_its_queue() {
        PiecePicker<String> picker = picker(2, 2 * PiecePicker.ENDGAME_QUEUE, 1);
        picker.peerHasAll("stalled");
        picker.peerHasAll("b");
        int blocks = 4 * PiecePicker.ENDGAME_QUEUE;
        List<BlockRequest> held = picker.pick("stalled", blocks - PiecePicker.ENDGAME_QUEUE, 0);
        assertThat(picker.pick("b", PiecePicker.ENDGAME_QUEUE, 0)).hasSize(PiecePicker.ENDGAME_QUEUE);
        assertThat(picker.isEndgame()).isTrue();

        // Within the overdue time, b's full queue gets nothing more.
        assertThat(picker.pick("b", 100, PiecePicker.ENDGAME_OVERDUE_NANOS)).isEmpty();
        // Past it, everything the stalled peer holds is asked of b too.
        List<BlockRequest> rescued = picker.pick("b", 100, PiecePicker.ENDGAME_OVERDUE_NANOS + 1);
        assertThat(rescued).containsExactlyInAnyOrderElementsOf(held);
        picker.checkInvariants();
    }

    @Test
    void in_endgame_the_most_overdue_blocks_are_copied_first() {
        PiecePicker<String> picker = picker(2, 4, 1);
        picker.peerHasAll("a");
        picker.peerHasAll("b");
        List<BlockRequest> first = picker.pick("a", 4, 0);
        assertThat(picker.pick("a", 4, 1_000_000_000L)).hasSize(4);
        assertThat(picker.isEndgame()).isTrue();

        long late = 1_000_000_000L + PiecePicker.ENDGAME_OVERDUE_NANOS + 1;
        assertThat(picker.pick("b", 4, late)).containsExactlyInAnyOrderElementsOf(first);
        picker.checkInvariants();
    }

    @Test
    void a_received_block_names_the_other_requesters_to_cancel() {
        PiecePicker<String> picker = picker(1, 2, 1);
        picker.peerHasAll("a");
        picker.peerHasAll("b");
        picker.peerHasAll("c");
        BlockRequest r = picker.pick("a", 1).get(0);
        picker.pick("b", 1);
        picker.pick("b", 1);
        picker.pick("c", 2);

        BlockReceipt<String> receipt = picker.blockReceived("b", r.piece(), r.begin());
        assertThat(receipt.accepted()).isTrue();
        assertThat(receipt.requested()).isTrue();
        assertThat(receipt.cancel()).containsExactlyInAnyOrder("a", "c");
        assertThat(receipt.pieceComplete()).isFalse();
        assertThat(picker.outstanding("a")).isZero();

        BlockReceipt<String> late = picker.blockReceived("a", r.piece(), r.begin());
        assertThat(late.accepted()).isFalse();
        assertThat(late.requested()).isFalse();
        picker.checkInvariants();
    }

    @Test
    void the_last_block_of_a_piece_reports_it_complete() {
        PiecePicker<String> picker = picker(3, 2, 1);
        picker.peerHasAll("a");
        List<BlockRequest> blocks = picker.pick("a", 2);
        assertThat(blocks).extracting(BlockRequest::piece).containsOnly(blocks.get(0).piece());

        assertThat(picker.blockReceived("a", blocks.get(1).piece(), blocks.get(1).begin()).pieceComplete()).isFalse();
        BlockReceipt<String> last = picker.blockReceived("a", blocks.get(0).piece(), blocks.get(0).begin());
        assertThat(last.pieceComplete()).isTrue();
        assertThat(last.cancel()).isEmpty();

        assertThat(picker.pieceVerified(blocks.get(0).piece())).isTrue();
        assertThat(picker.weHave(blocks.get(0).piece())).isTrue();
        assertThat(picker.missingCount()).isEqualTo(2);
        assertThat(picker.haveBitfield()).isEqualTo(bits(3, blocks.get(0).piece()));
        picker.checkInvariants();
    }

    @Test
    void a_choked_peers_blocks_go_to_another_peer() {
        PiecePicker<String> picker = picker(2, 3, 1);
        picker.peerHasBitfield("a", bits(2, 0));
        picker.peerHasBitfield("b", bits(2, 0));
        List<BlockRequest> taken = picker.pick("a", 10);
        assertThat(taken).hasSize(3);
        assertThat(picker.pick("b", 10)).isEmpty();

        assertThat(picker.peerChoked("a")).containsExactlyInAnyOrderElementsOf(taken);
        assertThat(picker.outstanding("a")).isZero();
        assertThat(picker.pick("b", 10)).containsExactlyInAnyOrderElementsOf(taken);
        picker.checkInvariants();
    }

    @Test
    void a_departed_peers_blocks_and_availability_are_given_back() {
        PiecePicker<String> picker = picker(2, 3, 1);
        picker.peerHasBitfield("a", bits(2, 0));
        picker.peerHasBitfield("b", bits(2, 0));
        picker.peerHasAll("s");
        assertThat(picker.availability(0)).isEqualTo(3);
        List<BlockRequest> taken = picker.pick("a", 2);

        assertThat(picker.peerLeft("a")).containsExactlyInAnyOrderElementsOf(taken);
        assertThat(picker.availability(0)).isEqualTo(2);
        picker.peerLeft("s");
        assertThat(picker.availability(0)).isEqualTo(1);
        assertThat(picker.availability(1)).isZero();
        assertThat(picker.pick("b", 10)).hasSize(3).containsAll(taken);
        picker.checkInvariants();
    }

    @Test
    void a_cancelled_or_timed_out_request_frees_its_block() {
        PiecePicker<String> picker = picker(2, 2, 1);
        picker.peerHasBitfield("a", bits(2, 0));
        picker.peerHasBitfield("b", bits(2, 0));
        List<BlockRequest> taken = picker.pick("a", 2);
        BlockRequest first = taken.get(0);
        BlockRequest second = taken.get(1);

        assertThat(picker.requestTimedOut("a", first.piece(), first.begin())).isTrue();
        assertThat(picker.requestTimedOut("a", first.piece(), first.begin())).isFalse();
        assertThat(picker.pick("b", 10)).containsExactly(first);
        assertThat(picker.requestCancelled("a", second.piece(), second.begin())).isTrue();
        assertThat(picker.pick("b", 10)).containsExactly(second);
        picker.checkInvariants();
    }

    @Test
    void a_failed_piece_can_be_picked_again() {
        PiecePicker<String> picker = picker(2, 2, 1);
        picker.peerHasBitfield("a", bits(2, 1));
        picker.peerHasBitfield("b", bits(2, 1));
        for (BlockRequest r : picker.pick("a", 10)) {
            picker.blockReceived("a", r.piece(), r.begin());
        }
        assertThat(picker.pick("b", 10)).isEmpty();

        picker.pieceFailed(1);
        assertThat(picker.weHave(1)).isFalse();
        assertThat(picker.pick("b", 10)).containsExactly(new BlockRequest(1, 0, BLOCK), new BlockRequest(1, BLOCK, BLOCK));
        picker.checkInvariants();
    }

    @Test
    void a_verified_piece_cannot_fail() {
        PiecePicker<String> picker = picker(2, 1, 1);
        picker.pieceVerified(0);
        assertThatThrownBy(() -> picker.pieceFailed(0)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void blocks_of_a_short_last_piece_have_the_right_lengths() {
        // 100,000 bytes in pieces of 32 KiB: pieces 0-2 have two blocks, piece 3 one of 1,696 bytes.
        PiecePicker<String> picker = new PiecePicker<>(4, 32 * 1024, 100_000, new SplittableRandom(9));
        picker.peerHasAll("s");
        List<BlockRequest> everything = picker.pick("s", 100);

        assertThat(everything).hasSize(7).doesNotHaveDuplicates();
        assertThat(everything).contains(new BlockRequest(3, 0, 1_696), new BlockRequest(2, BLOCK, BLOCK));
        assertThat(everything.stream().mapToLong(BlockRequest::length).sum()).isEqualTo(100_000);
    }

    @Test
    void interest_follows_what_the_peer_has_that_we_lack() {
        PiecePicker<String> picker = picker(3, 1, 1);
        picker.pieceVerified(0);
        assertThat(picker.peerHas("a", 0)).isFalse();
        assertThat(picker.isInteresting("a")).isFalse();
        assertThat(picker.peerHas("a", 2)).isTrue();
        assertThat(picker.isInteresting("a")).isTrue();
        assertThat(picker.isInteresting(bits(3, 0))).isFalse();
        assertThat(picker.isInteresting(bits(3, 1))).isTrue();

        picker.pieceVerified(1);
        picker.pieceVerified(2);
        assertThat(picker.isComplete()).isTrue();
        assertThat(picker.peerHasAll("s")).isFalse();
        assertThat(picker.pick("s", 10)).isEmpty();
    }

    @Test
    void a_peer_that_completes_its_bitfield_is_counted_as_a_seed() {
        PiecePicker<String> picker = picker(3, 1, 1);
        picker.peerHas("a", 0);
        picker.peerHas("a", 1);
        picker.peerHas("a", 2);
        picker.peerHasBitfield("b", all(3));
        assertThat(picker.availability(1)).isEqualTo(2);
        picker.checkInvariants();
        picker.peerLeft("a");
        assertThat(picker.availability(1)).isEqualTo(1);
        picker.checkInvariants();
    }

    @Test
    void one_pick_starts_no_piece_beyond_the_cap_and_started_ones_are_still_handed_out() {
        PiecePicker<String> picker = picker(20, 4, 1);
        picker.setMaxPiecesInProgress(2);
        picker.peerHasAll("a");
        picker.peerHasAll("b");
        List<BlockRequest> a = picker.pick("a", 100, 0);
        assertThat(a).hasSize(8); // two pieces of four blocks, then the cap
        assertThat(a.stream().map(BlockRequest::piece).distinct()).hasSize(2);
        picker.requestCancelled("a", a.get(0).piece(), a.get(0).begin());
        assertThat(picker.pick("b", 100, 0)).as("a freed block of a started piece, and no new piece")
                .containsExactly(a.get(0));
        picker.checkInvariants();
    }

    @Test
    void at_the_cap_a_peer_that_has_a_started_piece_waits_rather_than_start_another() {
        PiecePicker<String> picker = picker(20, 4, 1);
        picker.setMaxPiecesInProgress(2);
        picker.peerHasAll("a");
        picker.peerHasAll("b");
        assertThat(picker.pick("a", 100, 0)).hasSize(8);
        assertThat(picker.pick("b", 100, 0)).as("every started block is asked of a").isEmpty();
        assertThat(picker.inProgressCount()).isEqualTo(2);
        picker.peerHas("c", 7);
        assertThat(picker.pick("c", 100, 0)).as("c has no started piece: it may start its own")
                .extracting(BlockRequest::piece).containsOnly(7);
        assertThat(picker.inProgressCount()).isEqualTo(3);
        picker.checkInvariants();
    }

    @Test
    void requests_older_than_the_cut_off_expire_and_their_blocks_are_free_again() {
        PiecePicker<String> picker = picker(4, 2, 1);
        picker.peerHasAll("a");
        List<BlockRequest> early = picker.pick("a", 2, 100);
        List<BlockRequest> late = picker.pick("a", 2, 200);
        assertThat(picker.oldestRequest("a")).hasValue(100);
        assertThat(picker.expire("a", 150)).containsExactlyElementsOf(early);
        assertThat(picker.outstanding("a")).isEqualTo(late.size());
        assertThat(picker.oldestRequest("a")).hasValue(200);
        picker.checkInvariants();
        picker.peerHasAll("b");
        assertThat(picker.pick("b", 10, 300)).containsAll(early);
    }

    @Test
    void the_picker_answers_what_a_peer_announced() {
        PiecePicker<String> picker = picker(8, 1, 1);
        assertThat(picker.peerHas("a", 3)).isTrue();
        assertThat(picker.peerHas("a", 3)).as("a duplicate have is no news").isFalse();
        assertThat(picker.peerPieceCount("a")).isEqualTo(1);
        assertThat(picker.peerHasPiece("a", 3)).isTrue();
        assertThat(picker.peerIsSeed("a")).isFalse();
        picker.peerHasAll("b");
        assertThat(picker.peerPieceCount("b")).isEqualTo(8);
        assertThat(picker.peerIsSeed("b")).isTrue();
    }

    @Test
    void pieces_started_for_peers_that_left_do_not_stall_the_cap() {
        PiecePicker<String> picker = picker(8, 4, 1);
        picker.setMaxPiecesInProgress(4);
        for (int p = 0; p < 4; p++) {
            picker.peerHas("p" + p, p);
            assertThat(picker.pick("p" + p, 1, 0)).hasSize(1);
        }
        for (int p = 0; p < 4; p++) {
            picker.peerLeft("p" + p);
        }
        for (int p = 4; p < 8; p++) {
            picker.peerHas("late", p);
        }
        assertThat(picker.pick("late", 4, 0)).as("the orphans, holding nothing, went back").hasSize(4);
        picker.checkInvariants();
    }

    @Test
    void a_peer_that_can_help_with_no_started_piece_may_start_one_past_the_cap_but_not_far() {
        PiecePicker<String> picker = picker(40, 1, 1);
        picker.setMaxPiecesInProgress(2);
        for (int p = 0; p < 40; p++) {
            picker.peerHas("p" + p, p);
            picker.pick("p" + p, 1, 0);
        }
        assertThat(picker.inProgressCount()).isEqualTo(2 * 2 + 4);
        picker.checkInvariants();
    }

    @Test
    void a_block_that_timed_out_goes_to_another_peer_and_back_only_if_nobody_else_has_it() {
        PiecePicker<String> picker = picker(2, 2, 1);
        picker.peerHasAll("slow");
        List<BlockRequest> asked = picker.pick("slow", 4, 0);
        assertThat(picker.expire("slow", 0)).containsExactlyElementsOf(asked);
        picker.peerHasAll("other");
        assertThat(picker.pick("slow", 4, 1)).as("not its own timed-out blocks while another peer has them").isEmpty();
        assertThat(picker.pick("other", 4, 1)).containsExactlyInAnyOrderElementsOf(asked);
        picker.checkInvariants();
        PiecePicker<String> alone = picker(1, 2, 1);
        alone.peerHasAll("slow");
        List<BlockRequest> once = alone.pick("slow", 2, 0);
        alone.expire("slow", 0);
        assertThat(alone.pick("slow", 2, 1)).as("the only peer with it gets it again").containsExactlyElementsOf(once);
        alone.checkInvariants();
    }

    @Test
    void a_lost_piece_is_missing_again_and_picked_at_its_rarity() {
        PiecePicker<String> picker = picker(4, 2, 1);
        verify(picker, 0, 1, 2, 3);
        picker.peerHasBitfield("a", bits(4, 1, 2));
        assertThat(picker.isComplete()).isTrue();
        assertThat(picker.isInteresting("a")).isFalse();

        assertThat(picker.pieceLost(2)).isTrue();
        assertThat(picker.pieceLost(2)).as("lost twice").isFalse();
        picker.checkInvariants();
        assertThat(picker.weHave(2)).isFalse();
        assertThat(picker.isComplete()).isFalse();
        assertThat(picker.isFinished()).isFalse();
        assertThat(picker.missingCount()).isEqualTo(1);
        assertThat(picker.wantedMissingCount()).isEqualTo(1);
        assertThat(picker.isInteresting("a")).isTrue();
        assertThat(picker.pick("a", 4)).containsExactly(new BlockRequest(2, 0, BLOCK), new BlockRequest(2, BLOCK, BLOCK));
        picker.checkInvariants();
        picker.blockReceived("a", 2, 0);
        picker.blockReceived("a", 2, BLOCK);
        assertThat(picker.pieceVerified(2)).isTrue();
        assertThat(picker.isComplete()).isTrue();
        picker.checkInvariants();
    }

    @Test
    void a_lost_piece_nobody_wants_leaves_the_download_finished() {
        PiecePicker<String> picker = picker(3, 1, 2);
        picker.setPiecePriorities(new int[] {1, 0, 1});
        verify(picker, 0, 1, 2);
        assertThat(picker.pieceLost(1)).isTrue();
        picker.checkInvariants();
        assertThat(picker.isFinished()).isTrue();
        assertThat(picker.isComplete()).isFalse();
        picker.peerHasAll("seed");
        assertThat(picker.pick("seed", 4)).isEmpty();
    }
}
