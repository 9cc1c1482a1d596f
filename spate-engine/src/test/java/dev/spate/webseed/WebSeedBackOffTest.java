package dev.spate.webseed;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 10, unit = TimeUnit.SECONDS)
class WebSeedBackOffTest {
    long now = 1_000_000_000L;
    final WebSeedBackOff backOff = new WebSeedBackOff(() -> now);

    static WebSeedException failure() {
        return new WebSeedException(URI.create("http://m.example/a"), WebSeedException.Kind.TIMEOUT, "no answer", null);
    }

    static WebSeedException busy(Duration retryAfter) {
        return new WebSeedException(URI.create("http://m.example/a"), WebSeedException.Kind.HTTP_STATUS, "HTTP 503",
                503, retryAfter, null);
    }

    void advance(Duration d) {
        now += d.toNanos();
    }

    @Test
    void aFreshWebSeedMayBeTriedAtOnce() {
        assertThat(backOff.mayTry()).isTrue();
        assertThat(backOff.untilRetry()).contains(Duration.ZERO);
    }

    @Test
    void failuresWaitTenSecondsDoublingToTenMinutes() {
        long[] expected = {10, 20, 40, 80, 160, 320, 600, 600, 600};
        for (long seconds : expected) {
            assertThat(backOff.failed(failure())).isEqualTo(Duration.ofSeconds(seconds));
            assertThat(backOff.mayTry()).isFalse();
            assertThat(backOff.untilRetry()).contains(Duration.ofSeconds(seconds));
            advance(Duration.ofSeconds(seconds).minusNanos(1));
            assertThat(backOff.mayTry()).isFalse();
            advance(Duration.ofNanos(1));
            assertThat(backOff.mayTry()).isTrue();
        }
        assertThat(backOff.consecutiveFailures()).isEqualTo(expected.length);
        for (int i = 0; i < 100; i++) {
            assertThat(backOff.failed(failure())).isEqualTo(Duration.ofMinutes(10));
        }
    }

    @Test
    void aSuccessEndsTheRunOfFailures() {
        backOff.failed(failure());
        backOff.failed(failure());
        advance(Duration.ofSeconds(20));
        backOff.succeeded();
        assertThat(backOff.consecutiveFailures()).isZero();
        assertThat(backOff.mayTry()).isTrue();
        assertThat(backOff.failed(failure())).isEqualTo(Duration.ofSeconds(10));
    }

    @Test
    void aBusyServersRetryAfterIsHonouredWhenLongerUpToAnHour() {
        assertThat(backOff.failed(busy(Duration.ofSeconds(120)))).isEqualTo(Duration.ofSeconds(120));
        advance(Duration.ofSeconds(119));
        assertThat(backOff.mayTry()).isFalse();
        advance(Duration.ofSeconds(1));
        assertThat(backOff.mayTry()).isTrue();

        // Shorter than the back-off already reached: the back-off stands (20 s for the second failure).
        assertThat(backOff.failed(busy(Duration.ofSeconds(3)))).isEqualTo(Duration.ofSeconds(20));
        // A wish beyond the cap is cut to an hour.
        assertThat(backOff.failed(busy(Duration.ofDays(365)))).isEqualTo(Duration.ofHours(1));
    }

    @Test
    void aPieceThatFailsItsHashDropsTheWebSeedForGood() {
        backOff.hashFailed(17);
        assertThat(backOff.dropped()).isTrue();
        assertThat(backOff.dropReason()).contains("piece 17 from it failed its hash check");
        assertThat(backOff.mayTry()).isFalse();
        assertThat(backOff.untilRetry()).isEmpty();
        backOff.succeeded();
        advance(Duration.ofDays(1));
        assertThat(backOff.mayTry()).isFalse();
        backOff.hashFailed(18);
        assertThat(backOff.dropReason()).contains("piece 17 from it failed its hash check");
    }

    @Test
    void theClocksOriginDoesNotMatter() {
        now = Long.MAX_VALUE - Duration.ofSeconds(5).toNanos(); // nanoTime may be near the wrap
        backOff.failed(failure());
        advance(Duration.ofSeconds(9));
        assertThat(backOff.mayTry()).isFalse();
        advance(Duration.ofSeconds(1));
        assertThat(backOff.mayTry()).isTrue();
    }
}
