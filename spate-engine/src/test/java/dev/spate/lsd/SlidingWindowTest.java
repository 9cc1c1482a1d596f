package dev.spate.lsd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class SlidingWindowTest {
    static final long S = 1_000_000_000L;

    @Test
    void atMostTheLimitInAnyWindowWithNoBurstAtTheWindowsEdge() {
        SlidingWindow w = new SlidingWindow(3, 60 * S);
        long t0 = -7 * S; // the clock's origin is arbitrary
        assertThat(w.tryRecord(t0)).isTrue();
        assertThat(w.tryRecord(t0 + 50 * S)).isTrue();
        assertThat(w.tryRecord(t0 + 59 * S)).isTrue();
        assertThat(w.tryRecord(t0 + 59 * S)).isFalse();
        assertThat(w.nanosUntilAllowed(t0 + 59 * S)).isEqualTo(S);
        // A fixed window would allow three more at t0 + 60 s; this one only one (t0's has left).
        assertThat(w.tryRecord(t0 + 60 * S)).isTrue();
        assertThat(w.tryRecord(t0 + 60 * S)).isFalse();
        assertThat(w.nanosUntilAllowed(t0 + 60 * S)).isEqualTo(50 * S);
        assertThat(w.tryRecord(t0 + 110 * S)).isTrue();
    }

    @Test
    void aWindowIsIdleOnceItsNewestEventIsAWindowOld() {
        SlidingWindow w = new SlidingWindow(2, 10 * S);
        assertThat(w.isIdle(0)).isTrue();
        w.record(5 * S);
        assertThat(w.isIdle(14 * S)).isFalse();
        assertThat(w.isIdle(15 * S)).isTrue();
    }

    @Test
    void limitAndWindowMustBePositive() {
        assertThatThrownBy(() -> new SlidingWindow(0, S)).hasMessageContaining("limit is at least 1");
        assertThatThrownBy(() -> new SlidingWindow(1, 0)).hasMessageContaining("positive time");
    }
}
