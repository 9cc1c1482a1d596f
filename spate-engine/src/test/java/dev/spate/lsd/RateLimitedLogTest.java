package dev.spate.lsd;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class RateLimitedLogTest {
    final AtomicLong now = new AtomicLong();
    final RecordingLogger logger = new RecordingLogger();
    final RateLimitedLog log = new RateLimitedLog(logger, now::get, Duration.ofMinutes(5).toNanos());

    @Test
    void eachKindIsLoggedOnceThenAtMostOncePerQuietPeriodWithTheCountKeptBack() {
        for (int i = 0; i < 1000; i++) {
            log.log(Level.WARNING, "send", "send failed " + i);
            now.addAndGet(Duration.ofMillis(10).toNanos());
        }
        log.log(Level.WARNING, "receive", "receive failed");
        assertThat(logger.messages()).containsExactly("send failed 0", "receive failed");
        now.addAndGet(Duration.ofMinutes(5).toNanos());
        log.log(Level.WARNING, "send", "send failed again");
        assertThat(logger.messages()).containsExactly("send failed 0", "receive failed",
                "send failed again (999 more like it not logged)");
        assertThat(logger.entries).allMatch(e -> e.level() == Level.WARNING);
    }
}
