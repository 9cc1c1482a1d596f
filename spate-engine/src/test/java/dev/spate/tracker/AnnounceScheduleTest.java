package dev.spate.tracker;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class AnnounceScheduleTest {
    final AtomicLong now = new AtomicLong(-5_000);
    final AnnounceSchedule schedule = new AnnounceSchedule(now::get);

    static AnnounceResponse answer(Duration interval, Optional<Duration> min) {
        return new AnnounceResponse(interval, min, List.of(), OptionalInt.empty(), OptionalInt.empty(),
                Optional.empty(), Optional.empty());
    }

    void advance(Duration d) {
        now.addAndGet(d.toNanos());
    }

    @Test
    void aFreshScheduleIsDueAtOnce() {
        assertThat(schedule.isDue()).isTrue();
        assertThat(schedule.mayAnnounceEarly()).isTrue();
        assertThat(schedule.hasStarted()).isFalse();
    }

    @Test
    void afterAnAnswerTheNextAnnounceWaitsTheIntervalAndEarlyOnesTheMinInterval() {
        schedule.succeeded(answer(Duration.ofMinutes(30), Optional.of(Duration.ofMinutes(1))));
        assertThat(schedule.untilNext()).isEqualTo(Duration.ofMinutes(30));
        advance(Duration.ofSeconds(59));
        assertThat(schedule.mayAnnounceEarly()).isFalse();
        advance(Duration.ofSeconds(1));
        assertThat(schedule.mayAnnounceEarly()).isTrue();
        assertThat(schedule.isDue()).isFalse();
        advance(Duration.ofMinutes(29).minusNanos(1));
        assertThat(schedule.isDue()).isFalse();
        advance(Duration.ofNanos(1));
        assertThat(schedule.isDue()).isTrue();
        assertThat(schedule.untilNext()).isEqualTo(Duration.ZERO);
    }

    @Test
    void failuresBackOffByDoublingUpToHalfAnHourAndAnAnswerResetsThem() {
        List<Duration> waits = new java.util.ArrayList<>();
        for (int i = 0; i < 10; i++) {
            schedule.failed();
            waits.add(schedule.untilNext());
        }
        assertThat(waits).extracting(Duration::toSeconds)
                .containsExactly(15L, 30L, 60L, 120L, 240L, 480L, 960L, 1800L, 1800L, 1800L);
        assertThat(schedule.mayAnnounceEarly()).as("no early retry while backing off").isFalse();
        schedule.succeeded(answer(Duration.ofSeconds(100), Optional.empty()));
        assertThat(schedule.consecutiveFailures()).isZero();
        schedule.failed();
        assertThat(schedule.untilNext()).isEqualTo(Duration.ofSeconds(15));
    }

    @Test
    void aForcedAnnounceWaitsOutTheMinIntervalTheTrackerGave() {
        assertThat(schedule.mayReannounce()).as("nothing announced yet").isTrue();
        schedule.succeeded(answer(Duration.ofMinutes(30), Optional.of(Duration.ofMinutes(5))));
        advance(Duration.ofMinutes(5).minusNanos(1));
        assertThat(schedule.mayReannounce()).isFalse();
        advance(Duration.ofNanos(1));
        assertThat(schedule.mayReannounce()).isTrue();
    }

    @Test
    void withoutAMinIntervalOrAnAnswerAForcedAnnounceWaitsAMinute() {
        schedule.succeeded(answer(Duration.ofMinutes(30), Optional.empty()));
        assertThat(schedule.mayAnnounceEarly()).as("an event may go at once").isTrue();
        advance(Duration.ofSeconds(59));
        assertThat(schedule.mayReannounce()).isFalse();
        advance(Duration.ofSeconds(1));
        assertThat(schedule.mayReannounce()).isTrue();
        schedule.failed();
        advance(Duration.ofSeconds(59));
        assertThat(schedule.mayReannounce()).isFalse();
        advance(Duration.ofSeconds(1));
        assertThat(schedule.mayReannounce()).as("a minute, not the 15 s back-off nor a longer one").isTrue();
    }
}
