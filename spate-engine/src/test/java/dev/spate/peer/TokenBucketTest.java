package dev.spate.peer;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class TokenBucketTest {
    long now;
    final dev.spate.core.Clock clock = () -> now;

    @Test
    void anUnlimitedBucketNeverMakesAnyoneWait() {
        TokenBucket b = new TokenBucket(0, clock);
        assertThat(b.reserve(1L << 30)).isZero();
    }

    @Test
    void takingMoreThanTheBurstWaitsForTheDebtAtTheLimitsRate() {
        TokenBucket b = new TokenBucket(1_000_000, clock); // burst 250,000
        now += TimeUnit.SECONDS.toNanos(10); // a long idle time saves no more than the burst
        assertThat(b.reserve(250_000)).isZero();
        assertThat(b.reserve(500_000)).isEqualTo(TimeUnit.MILLISECONDS.toNanos(500));
    }

    @Test
    void overTwentySecondsExactlyTheLimitPasses() {
        TokenBucket b = new TokenBucket(5_000_000, clock);
        long sent = 0;
        long start = now;
        // a taker that sends a block, then waits what it is told, for 20 s
        while (now - start < TimeUnit.SECONDS.toNanos(20)) {
            long wait = b.reserve(16384);
            sent += 16384;
            now += wait;
        }
        double rate = sent / ((now - start) / 1e9);
        assertThat(rate).isBetween(5_000_000 * 0.99, 5_000_000 * 1.02);
    }

    @Test
    void twoTakersShareTheLimit() {
        TokenBucket b = new TokenBucket(1_000_000, clock);
        b.reserve(250_000); // spend the burst
        long w1 = b.reserve(100_000);
        long w2 = b.reserve(100_000);
        assertThat(w1).isEqualTo(TimeUnit.MILLISECONDS.toNanos(100));
        assertThat(w2).isEqualTo(TimeUnit.MILLISECONDS.toNanos(200));
    }

    @Test
    void removingTheLimitLetsEverythingThrough() {
        TokenBucket b = new TokenBucket(1000, clock);
        b.reserve(100_000);
        b.setRate(0);
        assertThat(b.reserve(1_000_000)).isZero();
    }
}
