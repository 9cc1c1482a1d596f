package dev.spate.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

class QuietTicksTest {
    @Test
    void anActiveTorrentIsTickedEverySecond() {
        assertThat(LongStream.range(0, 20).allMatch(t -> QuietTicks.due(t, 12345, false))).isTrue();
    }

    @Test
    void aDormantTorrentIsTickedOnceInEachRoundWhateverItsSalt() {
        for (int salt : new int[] {0, 1, -7, Integer.MIN_VALUE, Integer.MAX_VALUE}) {
            long[] due = LongStream.range(0, 3L * QuietTicks.EVERY).filter(t -> QuietTicks.due(t, salt, true)).toArray();
            assertThat(due).as("salt %d", salt).hasSize(3);
            assertThat(due[1] - due[0]).isEqualTo(QuietTicks.EVERY);
            assertThat(due[2] - due[1]).isEqualTo(QuietTicks.EVERY);
        }
    }

    @Test
    void dormantTorrentsWithDifferentSaltsAreSpreadOverTheRound() {
        int[] perSecond = new int[QuietTicks.EVERY];
        for (int salt = 0; salt < 1000; salt++) {
            for (int t = 0; t < QuietTicks.EVERY; t++) {
                if (QuietTicks.due(t, salt, true)) {
                    perSecond[t]++;
                }
            }
        }
        assertThat(perSecond).containsOnly(1000 / QuietTicks.EVERY);
    }
}
