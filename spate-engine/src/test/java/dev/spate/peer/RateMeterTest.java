package dev.spate.peer;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RateMeterTest {
    @Test
    void theRateIsTheAverageOfTheClosedSecondsInTheWindow() {
        RateMeter m = new RateMeter(3);
        assertThat(m.rate()).isZero();
        m.add(300);
        m.tick();
        assertThat(m.rate()).isEqualTo(300);
        m.add(600);
        m.tick();
        assertThat(m.rate()).isEqualTo(450);
        assertThat(m.lastSecond()).isEqualTo(600);
    }

    @Test
    void secondsOlderThanTheWindowNoLongerCount() {
        RateMeter m = new RateMeter(2);
        m.add(1000);
        m.tick();
        m.tick();
        m.tick();
        assertThat(m.rate()).isZero();
        assertThat(m.total()).isEqualTo(1000);
    }

    @Test
    void bytesOfTheOpenSecondAreNotInTheRateUntilItCloses() {
        RateMeter m = new RateMeter(5);
        m.add(5000);
        assertThat(m.rate()).isZero();
        m.tick();
        assertThat(m.rate()).isEqualTo(5000);
    }
}
