package dev.spate.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.BitSet;
import org.junit.jupiter.api.Test;

/** {@link PieceSet}: an immutable copy, its queries across word boundaries, and its checks. */
class PieceSetTest {
    private static BitSet bits(int... pieces) {
        BitSet b = new BitSet();
        for (int p : pieces) {
            b.set(p);
        }
        return b;
    }

    @Test
    void itIsACopyThatDoesNotChangeWithWhatItWasMadeOf() {
        BitSet source = bits(0, 63, 64, 129);
        PieceSet set = PieceSet.of(source, 130);
        source.set(5);
        set.toBitSet().set(6);

        assertThat(set.count()).isEqualTo(4);
        assertThat(set.contains(5)).isFalse();
        assertThat(set.contains(6)).isFalse();
        assertThat(set.toBitSet()).isEqualTo(bits(0, 63, 64, 129));
    }

    @Test
    void nextInAndNextMissingCrossWordsAndStopAtTheSize() {
        PieceSet set = PieceSet.of(bits(0, 1, 2, 63, 64, 65, 129), 130);
        assertThat(set.nextIn(3)).isEqualTo(63);
        assertThat(set.nextIn(66)).isEqualTo(129);
        assertThat(set.nextIn(130)).isEqualTo(-1);
        assertThat(set.nextMissing(0)).isEqualTo(3);
        assertThat(set.nextMissing(63)).isEqualTo(66);
        assertThat(set.nextMissing(129)).as("past the last piece nothing is missing").isEqualTo(-1);
        assertThat(set.toString()).isEqualTo("7 of 130 pieces: 0-2, 63-65, 129");

        PieceSet all = PieceSet.of(bits(0, 1, 2), 3);
        assertThat(all.isComplete()).isTrue();
        assertThat(all.nextMissing(0)).isEqualTo(-1);
        assertThat(PieceSet.none(0).isComplete()).isTrue();
        assertThat(PieceSet.none(70).nextIn(0)).isEqualTo(-1);
        assertThat(PieceSet.none(70).toString()).isEqualTo("0 of 70 pieces");
    }

    @Test
    void equalSetsAreEqualHoweverMade() {
        long[] words = new long[2];
        words[1] = 1L; // piece 64
        assertThat(PieceSet.copyOf(words, 70)).isEqualTo(PieceSet.of(bits(64), 70))
                .hasSameHashCodeAs(PieceSet.of(bits(64), 70)).isNotEqualTo(PieceSet.of(bits(64), 71));
    }

    @Test
    void piecesOutsideTheTorrentAreRefused() {
        assertThatThrownBy(() -> PieceSet.of(bits(8), 8)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("pieces up to 9 in a set of 8");
        assertThatThrownBy(() -> PieceSet.none(-1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> PieceSet.none(8).contains(8)).isInstanceOf(IndexOutOfBoundsException.class);
    }
}
