package dev.spate.picker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spate.core.Bitfield;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class PiecePickerScaleTest {

    @Test
    @Timeout(value = 20, unit = TimeUnit.SECONDS)
    void picking_for_200_peers_over_100000_pieces_is_quick() {
        int pieces = 100_000;
        int pieceLength = 256 * 1024;
        SplittableRandom random = new SplittableRandom(2024);
        PiecePicker<Integer> picker = new PiecePicker<>(pieces, pieceLength, (long) pieces * pieceLength, random.split());
        Bitfield[] owned = new Bitfield[200];
        for (int peer = 0; peer < 200; peer++) {
            if (peer % 10 == 0) {
                picker.peerHasAll(peer);
                owned[peer] = new Bitfield(pieces);
                owned[peer].setAll();
                continue;
            }
            Bitfield b = new Bitfield(pieces);
            int density = 1 + random.nextInt(9);
            for (int piece = 0; piece < pieces; piece++) {
                if (random.nextInt(10) < density) {
                    b.set(piece);
                }
            }
            owned[peer] = b;
            picker.peerHasBitfield(peer, b);
        }
        for (int piece = 0; piece < 4; piece++) {
            picker.pieceVerified(piece);
        }

        int requested = 0;
        for (int round = 0; round < 20; round++) {
            for (int peer = 0; peer < 200; peer++) {
                List<BlockRequest> batch = picker.pick(peer, 32);
                for (BlockRequest r : batch) {
                    assertThat(owned[peer].get(r.piece())).isTrue();
                    if ((r.begin() / PieceGeometry.BLOCK_SIZE) % 2 == 0) {
                        picker.blockReceived(peer, r.piece(), r.begin());
                    }
                }
                requested += batch.size();
                int announced = random.nextInt(pieces);
                owned[peer].set(announced);
                picker.peerHas(peer, announced);
            }
            for (int peer = 0; peer < 200; peer += 7) {
                picker.peerChoked(peer);
            }
        }
        assertThat(requested).isGreaterThan(100_000);
        assertThat(picker.isEndgame()).isFalse();
    }
}
