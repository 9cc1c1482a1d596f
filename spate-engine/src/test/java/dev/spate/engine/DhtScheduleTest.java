package dev.spate.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spate.core.InfoHash;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class DhtScheduleTest {
    static final long SECOND = 1_000_000_000L;
    static final int PORT = 6881;

    static InfoHash hash(int i) {
        byte[] b = new byte[20];
        b[0] = (byte) (i >>> 8);
        b[1] = (byte) i;
        return InfoHash.of(b);
    }

    @Test
    void aJoinedTorrentIsDueAtOnceAndAgainFifteenMinutesAfterItsLookup() {
        DhtSchedule s = new DhtSchedule();
        s.join(hash(1), PORT, 0);
        List<DhtSchedule.Job> jobs = s.due(0);
        assertThat(jobs).extracting(DhtSchedule.Job::hash).containsExactly(hash(1));
        assertThat(jobs.get(0).announcePort()).isEqualTo(PORT);
        assertThat(s.due(SECOND)).as("running: not started twice").isEmpty();
        assertThat(s.done(jobs.get(0), true, true, 10 * SECOND)).isTrue();
        assertThat(s.due(10 * SECOND + DhtSchedule.INTERVAL - 1)).isEmpty();
        assertThat(s.due(10 * SECOND + DhtSchedule.INTERVAL)).extracting(DhtSchedule.Job::hash).containsExactly(hash(1));
    }

    @Test
    void aThousandTorrentsNeverHaveMoreThanFourLookupsRunning() {
        DhtSchedule s = new DhtSchedule();
        for (int i = 0; i < 1_000; i++) {
            s.join(hash(i), PORT, 0);
        }
        long now = 0;
        int started = 0;
        List<DhtSchedule.Job> running = new ArrayList<>();
        // Each lookup takes 3 s; the ticker asks once a second.
        while (started < 1_000) {
            running.addAll(s.due(now));
            assertThat(s.running()).isLessThanOrEqualTo(DhtSchedule.MAX_RUNNING);
            assertThat(running).hasSizeLessThanOrEqualTo(DhtSchedule.MAX_RUNNING);
            now += SECOND;
            if (now % (3 * SECOND) == 0) {
                started += running.size();
                for (DhtSchedule.Job j : running) {
                    s.done(j, true, true, now);
                }
                running.clear();
            }
        }
        assertThat(now).as("all looked up within the interval, at a steady pace")
                .isLessThan(DhtSchedule.INTERVAL).isGreaterThanOrEqualTo(1_000 / DhtSchedule.MAX_RUNNING * 3 * SECOND - 3 * SECOND);
    }

    @Test
    void theLongestWaitingTorrentGoesFirst() {
        DhtSchedule s = new DhtSchedule();
        for (int i = 0; i < 6; i++) {
            s.join(hash(i), PORT, i * SECOND);
        }
        assertThat(s.due(10 * SECOND)).extracting(DhtSchedule.Job::hash)
                .containsExactly(hash(0), hash(1), hash(2), hash(3));
    }

    @Test
    void aLookupThatReachedNoNodeIsRetriedAfterAMinute() {
        DhtSchedule s = new DhtSchedule();
        s.join(hash(1), PORT, 0);
        DhtSchedule.Job j = s.due(0).get(0);
        s.done(j, false, false, 0);
        assertThat(s.due(DhtSchedule.RETRY - 1)).isEmpty();
        assertThat(s.due(DhtSchedule.RETRY)).hasSize(1);
    }

    @Test
    void aMagnetThatFoundNoPeerLooksAgainAfterAMinuteButASeedWaitsTheInterval() {
        DhtSchedule s = new DhtSchedule();
        s.join(hash(1), -1, 0);
        s.join(hash(2), PORT, 0);
        List<DhtSchedule.Job> jobs = s.due(0);
        jobs.forEach(j -> s.done(j, true, false, 0));
        assertThat(s.due(DhtSchedule.RETRY)).extracting(DhtSchedule.Job::hash).containsExactly(hash(1));
    }

    @Test
    void aMagnetWhoseMetadataArrivedAnnouncesAtOnce() {
        DhtSchedule s = new DhtSchedule();
        s.join(hash(1), -1, 0);
        s.done(s.due(0).get(0), true, true, 0);
        s.join(hash(1), PORT, SECOND);
        assertThat(s.due(SECOND)).extracting(DhtSchedule.Job::announcePort).containsExactly(PORT);
    }

    @Test
    void theResultOfALookupOfATorrentThatLeftIsNotWantedEvenIfItJoinedAgain() {
        DhtSchedule s = new DhtSchedule();
        s.join(hash(1), PORT, 0);
        DhtSchedule.Job old = s.due(0).get(0);
        s.leave(hash(1));
        assertThat(s.running()).isZero();
        s.join(hash(1), PORT, SECOND);
        DhtSchedule.Job fresh = s.due(SECOND).get(0);
        assertThat(s.done(old, true, true, 2 * SECOND)).isFalse();
        assertThat(s.running()).isEqualTo(1);
        assertThat(s.done(fresh, true, true, 2 * SECOND)).isTrue();
        assertThat(s.running()).isZero();
    }

    @Test
    void aReannounceMakesATorrentDueAtOnceButNotWhileItsLookupRunsNorWithinAMinuteOfIt() {
        DhtSchedule s = new DhtSchedule();
        s.join(hash(1), PORT, 0);
        assertThat(s.reannounce(hash(1), 0)).as("due already").isFalse();
        DhtSchedule.Job job = s.due(0).get(0);
        assertThat(s.reannounce(hash(1), SECOND)).as("its lookup runs").isFalse();
        s.done(job, true, true, 5 * SECOND);
        assertThat(s.reannounce(hash(1), DhtSchedule.RETRY - 1)).as("within a minute of the last lookup's start")
                .isFalse();
        assertThat(s.due(DhtSchedule.RETRY - 1)).isEmpty();
        assertThat(s.reannounce(hash(1), DhtSchedule.RETRY)).isTrue();
        assertThat(s.due(DhtSchedule.RETRY)).extracting(DhtSchedule.Job::hash).containsExactly(hash(1));
        assertThat(s.reannounce(hash(2), DhtSchedule.RETRY)).as("never joined").isFalse();
    }
}
