package dev.spate.picker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spate.core.Bitfield;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;

/**
 * Several peers download a torrent to completion while requests are delivered, time out, are
 * choked away, and peers leave and come back; some pieces fail their hash check. The picker's
 * invariants are checked after every step.
 */
class PiecePickerSimulationTest {
    private static final int PIPELINE = 6;

    @Property(tries = 60)
    void a_swarm_downloads_every_block_once_per_attempt_and_completes(@ForAll long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        int pieceLength = switch (random.nextInt(3)) {
            case 0 -> PieceGeometry.BLOCK_SIZE;
            case 1 -> 2 * PieceGeometry.BLOCK_SIZE;
            default -> 3 * PieceGeometry.BLOCK_SIZE + 1_000;
        };
        int pieces = 1 + random.nextInt(30);
        long total = (long) (pieces - 1) * pieceLength + 1 + random.nextInt(pieceLength);
        PiecePicker<Integer> picker = new PiecePicker<>(pieces, pieceLength, total, random.split());
        PieceGeometry geometry = picker.geometry();

        int peerCount = 1 + random.nextInt(6);
        List<Bitfield> owned = new ArrayList<>();
        for (int peer = 0; peer < peerCount; peer++) {
            owned.add(new Bitfield(pieces));
        }
        for (int piece = 0; piece < pieces; piece++) {
            owned.get(random.nextInt(peerCount)).set(piece);
            for (Bitfield b : owned) {
                if (random.nextInt(3) == 0) {
                    b.set(piece);
                }
            }
        }
        for (int peer = 0; peer < peerCount; peer++) {
            announce(picker, peer, owned.get(peer), random);
        }

        Map<Integer, List<BlockRequest>> outstanding = new HashMap<>();
        for (int peer = 0; peer < peerCount; peer++) {
            outstanding.put(peer, new ArrayList<>());
        }
        List<Map.Entry<Integer, BlockRequest>> cancelledInFlight = new ArrayList<>();
        Set<BlockRequest> received = new HashSet<>();
        long acceptedBytes = 0;
        long expectedBytes = total;

        for (int step = 0; !picker.isComplete(); step++) {
            assertThat(step).as("the download makes progress").isLessThan(100_000);
            int peer = random.nextInt(peerCount);
            List<BlockRequest> mine = outstanding.get(peer);
            int action = random.nextInt(100);
            if (action < 40) {
                List<BlockRequest> batch = picker.pick(peer, PIPELINE - mine.size());
                boolean endgame = picker.isEndgame();
                for (BlockRequest r : batch) {
                    assertThat(owned.get(peer).get(r.piece())).isTrue();
                    assertThat(picker.weHave(r.piece())).isFalse();
                    assertThat(received).doesNotContain(r);
                    assertThat(mine).doesNotContain(r);
                    boolean elsewhere = outstanding.values().stream().anyMatch(l -> l.contains(r));
                    if (elsewhere) {
                        assertThat(endgame).as("a duplicate request outside endgame: %s", r).isTrue();
                    }
                    mine.add(r);
                }
            } else if (action < 85 && !mine.isEmpty()) {
                BlockRequest r = mine.remove(random.nextInt(mine.size()));
                BlockReceipt<Integer> receipt = picker.blockReceived(peer, r.piece(), r.begin());
                assertThat(receipt.accepted()).isTrue();
                assertThat(receipt.requested()).isTrue();
                assertThat(received.add(r)).as("received twice: %s", r).isTrue();
                acceptedBytes += r.length();
                for (Integer other : receipt.cancel()) {
                    assertThat(outstanding.get(other).remove(r)).isTrue();
                    if (random.nextBoolean()) {
                        cancelledInFlight.add(Map.entry(other, r));
                    }
                }
                if (receipt.pieceComplete()) {
                    expectedBytes += hashCheck(picker, r.piece(), received, random);
                }
            } else if (action < 88 && !cancelledInFlight.isEmpty()) {
                // A block we cancelled arrives anyway: it must not count twice. (Unless the peer
                // was asked for it again since: then it answers the new request.)
                var late = cancelledInFlight.remove(random.nextInt(cancelledInFlight.size()));
                if (outstanding.get(late.getKey()).contains(late.getValue())) {
                    continue;
                }
                BlockReceipt<Integer> receipt = picker.blockReceived(late.getKey(), late.getValue().piece(), late.getValue().begin());
                assertThat(receipt.requested()).isFalse();
                if (received.contains(late.getValue()) || picker.weHave(late.getValue().piece())) {
                    assertThat(receipt.accepted()).isFalse();
                } else if (receipt.accepted()) {
                    // The piece failed meanwhile and this block was free again; keep it.
                    received.add(late.getValue());
                    acceptedBytes += late.getValue().length();
                    for (Integer other : receipt.cancel()) {
                        assertThat(outstanding.get(other).remove(late.getValue())).isTrue();
                    }
                    if (receipt.pieceComplete()) {
                        expectedBytes += hashCheck(picker, late.getValue().piece(), received, random);
                    }
                }
            } else if (action < 92 && !mine.isEmpty()) {
                BlockRequest r = mine.remove(random.nextInt(mine.size()));
                assertThat(picker.requestTimedOut(peer, r.piece(), r.begin())).isTrue();
            } else if (action < 96) {
                assertThat(picker.peerChoked(peer)).containsExactlyInAnyOrderElementsOf(mine);
                mine.clear();
            } else {
                assertThat(picker.peerLeft(peer)).containsExactlyInAnyOrderElementsOf(mine);
                mine.clear();
                announce(picker, peer, owned.get(peer), random);
            }
            picker.checkInvariants();
        }

        assertThat(picker.missingCount()).isZero();
        assertThat(picker.isEndgame()).isFalse();
        assertThat(acceptedBytes).isEqualTo(expectedBytes);
        for (int peer = 0; peer < peerCount; peer++) {
            assertThat(picker.outstanding(peer)).isZero();
            assertThat(picker.pick(peer, 10)).isEmpty();
        }
    }

    /** Checks the piece's blocks all arrived, then fails one piece in eight; returns the bytes to fetch again. */
    private static long hashCheck(PiecePicker<Integer> picker, int piece, Set<BlockRequest> received,
                                  SplittableRandom random) {
        PieceGeometry geometry = picker.geometry();
        for (int block = 0; block < geometry.blockCount(piece); block++) {
            assertThat(received).contains(geometry.request(piece, block));
        }
        if (random.nextInt(8) == 0) {
            picker.pieceFailed(piece);
            received.removeIf(b -> b.piece() == piece);
            return geometry.pieceLength(piece);
        }
        assertThat(picker.pieceVerified(piece)).isTrue();
        return 0;
    }

    private static void announce(PiecePicker<Integer> picker, int peer, Bitfield pieces, SplittableRandom random) {
        if (pieces.isComplete() && random.nextBoolean()) {
            picker.peerHasAll(peer);
        } else if (random.nextBoolean()) {
            picker.peerHasBitfield(peer, pieces);
        } else {
            for (int piece = pieces.nextSet(0); piece >= 0; piece = pieces.nextSet(piece + 1)) {
                picker.peerHas(peer, piece);
            }
        }
    }
}
