package dev.spate.lsd;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spate.core.InfoHash;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class AnnounceScheduleTest {
    static final long MINUTE = Duration.ofMinutes(1).toNanos();
    static final long INTERVAL = Duration.ofMinutes(5).toNanos();

    final AtomicLong now = new AtomicLong(-123_456_789);
    final List<InfoHash> h = AnnounceCodecTest.hashes(40, 1);

    AnnounceSchedule schedule(int perMinute, int perDatagram) {
        return new AnnounceSchedule(now::get, INTERVAL, perMinute, perDatagram);
    }

    void advance(long nanos) {
        now.addAndGet(nanos);
    }

    @Test
    void anAddedTorrentIsAnnouncedAtOnceThenEveryIntervalAndNeverSooner() {
        AnnounceSchedule s = schedule(6, 25);
        assertThat(s.nanosUntilDue()).isEqualTo(Long.MAX_VALUE);
        assertThat(s.poll()).isEmpty();
        s.add(h.get(0));
        assertThat(s.nanosUntilDue()).isZero();
        assertThat(s.poll()).containsExactly(h.get(0));
        assertThat(s.poll()).isEmpty();
        assertThat(s.nanosUntilDue()).isEqualTo(INTERVAL);
        advance(INTERVAL - 1);
        assertThat(s.poll()).isEmpty();
        assertThat(s.nanosUntilDue()).isEqualTo(1);
        advance(1);
        assertThat(s.poll()).containsExactly(h.get(0));
    }

    @Test
    void addingATorrentTwiceChangesNothing() {
        AnnounceSchedule s = schedule(6, 25);
        s.add(h.get(0));
        s.poll();
        s.add(h.get(0));
        assertThat(s.poll()).isEmpty();
        assertThat(s.nanosUntilDue()).isEqualTo(INTERVAL);
    }

    @Test
    void torrentsDueTogetherShareADatagramUpToItsCapacityNewestAddedLast() {
        AnnounceSchedule s = schedule(6, 3);
        for (int i = 0; i < 5; i++) {
            s.add(h.get(i));
        }
        assertThat(s.poll()).containsExactly(h.get(0), h.get(1), h.get(2));
        assertThat(s.poll()).containsExactly(h.get(3), h.get(4));
        assertThat(s.poll()).isEmpty();
    }

    @Test
    void atMostTheConfiguredRoundsInAnyMinuteHoweverManyTorrentsAreDue() {
        AnnounceSchedule s = schedule(2, 1);
        for (int i = 0; i < 10; i++) {
            s.add(h.get(i));
        }
        List<Long> sentAt = new ArrayList<>();
        List<InfoHash> sent = new ArrayList<>();
        long start = now.get();
        for (int second = 0; second < 5 * 60; second++) {
            for (List<InfoHash> batch = s.poll(); !batch.isEmpty(); batch = s.poll()) {
                sentAt.add(now.get() - start);
                sent.addAll(batch);
            }
            advance(Duration.ofSeconds(1).toNanos());
        }
        // Two at once, then two a minute: ten torrents take five minutes, in the order they were added.
        assertThat(sentAt).containsExactly(0L, 0L, MINUTE, MINUTE, 2 * MINUTE, 2 * MINUTE, 3 * MINUTE, 3 * MINUTE,
                4 * MINUTE, 4 * MINUTE);
        assertThat(sent).containsExactlyElementsOf(h.subList(0, 10));
    }

    @Test
    void whenTheRoundsAreUsedUpTheWaitIsUntilTheOldestRoundLeavesTheMinute() {
        AnnounceSchedule s = schedule(1, 1);
        s.add(h.get(0));
        s.poll();
        advance(Duration.ofSeconds(10).toNanos());
        s.add(h.get(1));
        assertThat(s.poll()).isEmpty();
        assertThat(s.nanosUntilDue()).isEqualTo(Duration.ofSeconds(50).toNanos());
        advance(Duration.ofSeconds(50).toNanos());
        assertThat(s.poll()).containsExactly(h.get(1));
    }

    @Test
    void theLongestWaitingGoFirstWhenMoreAreDueThanFit() {
        AnnounceSchedule s = schedule(100, 2);
        s.add(h.get(0));
        s.add(h.get(1));
        assertThat(s.poll()).containsExactly(h.get(0), h.get(1));
        advance(MINUTE);
        s.add(h.get(2));
        assertThat(s.poll()).containsExactly(h.get(2));
        advance(Duration.ofMinutes(5).toNanos());
        // 0 and 1 waited longest (6 minutes), 2 only 5.
        assertThat(s.poll()).containsExactly(h.get(0), h.get(1));
        assertThat(s.poll()).containsExactly(h.get(2));
    }

    @Test
    void aTorrentRemovedAndAddedAgainWithinTheIntervalIsNotAnnouncedEarly() {
        AnnounceSchedule s = schedule(6, 25);
        s.add(h.get(0));
        s.poll();
        s.remove(h.get(0));
        assertThat(s.contains(h.get(0))).isFalse();
        assertThat(s.nanosUntilDue()).isEqualTo(Long.MAX_VALUE);
        advance(MINUTE);
        s.add(h.get(0));
        assertThat(s.poll()).isEmpty();
        assertThat(s.nanosUntilDue()).isEqualTo(INTERVAL - MINUTE);
    }

    @Test
    void aRemovedTorrentIsNotAnnouncedAndIsForgottenAfterTheInterval() {
        AnnounceSchedule s = schedule(6, 25);
        s.add(h.get(0));
        s.remove(h.get(0));
        assertThat(s.poll()).isEmpty();
        s.add(h.get(1));
        s.poll();
        s.remove(h.get(1));
        advance(INTERVAL);
        s.add(h.get(1));
        assertThat(s.poll()).containsExactly(h.get(1));
    }
}
