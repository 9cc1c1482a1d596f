package dev.spate.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spate.daemon.Queue.Decision;
import dev.spate.daemon.Queue.Item;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The queue and the seeding limits as a pure decision: records in, decisions out, no engine. */
class QueueTest {
    static final SessionSettings DEFAULTS = SessionSettings.defaults();
    static final TorrentSettings FOLLOW = TorrentSettings.defaults(DEFAULTS, 50);

    /** A torrent wanted to run, not admitted, downloading, nothing moved. */
    static Item waiting(int id, int position) {
        return new Item(id, position, true, false, false, false, false, 0, 0, 1000, -1, FOLLOW);
    }

    static Item running(int id, int position) {
        return new Item(id, position, true, false, true, false, false, 0, 0, 1000, 0, FOLLOW);
    }

    static Item seed(int id, int position, boolean admitted, long up, long down, long idle, TorrentSettings t) {
        return new Item(id, position, true, false, admitted, false, true, up, down, 1000, admitted ? idle : -1, t);
    }

    static SessionSettings queues(boolean downloads, int downloadSize, boolean seeds, int seedSize) {
        SessionSettings d = DEFAULTS;
        return new SessionSettings(d.speedLimitDown(), d.speedLimitDownEnabled(), d.speedLimitUp(), d.speedLimitUpEnabled(),
                d.altSpeedDown(), d.altSpeedUp(), d.altSpeedEnabled(), d.altSpeedTimeBegin(), d.altSpeedTimeEnd(),
                d.altSpeedTimeEnabled(), d.altSpeedTimeDay(), downloads, downloadSize, seeds, seedSize,
                d.queueStalledEnabled(), d.queueStalledMinutes(), d.seedRatioLimit(), d.seedRatioLimited(),
                d.idleSeedingLimit(), d.idleSeedingLimitEnabled(), d.startAddedTorrents());
    }

    static SessionSettings limits(double ratio, boolean ratioOn, int idle, boolean idleOn, boolean stalledOn, int stalled) {
        SessionSettings d = DEFAULTS;
        return new SessionSettings(d.speedLimitDown(), d.speedLimitDownEnabled(), d.speedLimitUp(), d.speedLimitUpEnabled(),
                d.altSpeedDown(), d.altSpeedUp(), d.altSpeedEnabled(), d.altSpeedTimeBegin(), d.altSpeedTimeEnd(),
                d.altSpeedTimeEnabled(), d.altSpeedTimeDay(), d.downloadQueueEnabled(), d.downloadQueueSize(),
                d.seedQueueEnabled(), d.seedQueueSize(), stalledOn, stalled, ratio, ratioOn, idle, idleOn,
                d.startAddedTorrents());
    }

    static TorrentSettings own(double ratio, int ratioMode, int idle, int idleMode) {
        return new TorrentSettings(100, false, 100, false, true, 0, List.of(), ratio, ratioMode, idle, idleMode, 50, false);
    }

    @Test
    void theDefaultsAreTransmissions() {
        assertThat(DEFAULTS.downloadQueueEnabled()).isTrue();
        assertThat(DEFAULTS.downloadQueueSize()).isEqualTo(5);
        assertThat(DEFAULTS.seedQueueEnabled()).isFalse();
        assertThat(DEFAULTS.seedQueueSize()).isEqualTo(10);
        assertThat(DEFAULTS.seedRatioLimit()).isEqualTo(2.0);
        assertThat(DEFAULTS.seedRatioLimited()).isFalse();
        assertThat(DEFAULTS.idleSeedingLimit()).isEqualTo(30);
        assertThat(DEFAULTS.idleSeedingLimitEnabled()).isFalse();
        assertThat(DEFAULTS.queueStalledEnabled()).isTrue();
        assertThat(DEFAULTS.queueStalledMinutes()).isEqualTo(30);
        assertThat(DEFAULTS.startAddedTorrents()).isTrue();
    }

    @Test
    void withAQueueOfFiveTheFirstFiveByPositionRunAndTheRestWait() {
        List<Item> items = new ArrayList<>();
        for (int id = 1; id <= 7; id++) {
            items.add(waiting(id, 7 - id)); // id 7 first in the queue
        }
        Map<Integer, Decision> d = Queue.decide(DEFAULTS, items);
        assertThat(d).containsEntry(7, Decision.RUN).containsEntry(3, Decision.RUN)
                .containsEntry(2, Decision.WAIT).containsEntry(1, Decision.WAIT);
        assertThat(d.values().stream().filter(x -> x == Decision.RUN)).hasSize(5);
        assertThat(d.keySet()).containsExactly(1, 2, 3, 4, 5, 6, 7);
    }

    @Test
    void runningTorrentsKeepTheirPlacesAndOnlyFreePlacesAreFilled() {
        Map<Integer, Decision> d = Queue.decide(queues(true, 2, false, 10),
                List.of(running(1, 3), waiting(2, 0), running(3, 2), waiting(4, 1)));
        assertThat(d).containsEntry(1, Decision.RUN).containsEntry(3, Decision.RUN)
                .containsEntry(2, Decision.WAIT).containsEntry(4, Decision.WAIT);
    }

    @Test
    void aQueueMadeSmallerStopsNoRunningTorrent() {
        Map<Integer, Decision> d = Queue.decide(queues(true, 1, false, 10),
                List.of(running(1, 0), running(2, 1), running(3, 2)));
        assertThat(d.values()).containsOnly(Decision.RUN);
    }

    @Test
    void aDisabledQueueLetsEveryTorrentRun() {
        List<Item> items = new ArrayList<>();
        for (int id = 1; id <= 20; id++) {
            items.add(waiting(id, id - 1));
        }
        assertThat(Queue.decide(queues(false, 5, false, 10), items).values()).containsOnly(Decision.RUN);
    }

    @Test
    void aQueueOfZeroHoldsEveryNewTorrent() {
        assertThat(Queue.decide(queues(true, 0, false, 10), List.of(waiting(1, 0), waiting(2, 1))).values())
                .containsOnly(Decision.WAIT);
    }

    @Test
    void startNowBypassesTheQueueButTakesAPlace() {
        Item forced = new Item(1, 5, true, true, false, false, false, 0, 0, 1000, -1, FOLLOW);
        Map<Integer, Decision> d = Queue.decide(queues(true, 1, false, 10), List.of(forced, waiting(2, 0)));
        assertThat(d).containsEntry(1, Decision.RUN).containsEntry(2, Decision.WAIT);
    }

    @Test
    void stoppedTorrentsStayStoppedAndTakeNoPlace() {
        Item stopped = new Item(1, 0, false, false, false, false, false, 0, 0, 1000, -1, FOLLOW);
        Map<Integer, Decision> d = Queue.decide(queues(true, 1, false, 10), List.of(stopped, waiting(2, 1)));
        assertThat(d).containsEntry(1, Decision.STOPPED).containsEntry(2, Decision.RUN);
    }

    @Test
    void aTorrentInErrorIsLeftAloneAndTakesNoPlace() {
        Item error = new Item(1, 0, true, false, true, true, false, 0, 0, 1000, 0, FOLLOW);
        Map<Integer, Decision> d = Queue.decide(queues(true, 1, false, 10), List.of(error, waiting(2, 1)));
        assertThat(d).containsEntry(1, Decision.LEAVE).containsEntry(2, Decision.RUN);
    }

    @Test
    void seedsAndDownloadsHaveSeparateQueues() {
        SessionSettings s = queues(true, 1, true, 1);
        Map<Integer, Decision> d = Queue.decide(s, List.of(running(1, 0), waiting(2, 1),
                seed(3, 2, false, 0, 0, -1, FOLLOW), seed(4, 3, false, 0, 0, -1, FOLLOW)));
        assertThat(d).containsEntry(1, Decision.RUN).containsEntry(2, Decision.WAIT)
                .containsEntry(3, Decision.RUN).containsEntry(4, Decision.WAIT);
    }

    @Test
    void theSeedQueueIsOffByDefaultSoEverySeedRuns() {
        List<Item> items = new ArrayList<>();
        for (int id = 1; id <= 15; id++) {
            items.add(seed(id, id - 1, false, 0, 0, -1, FOLLOW));
        }
        assertThat(Queue.decide(DEFAULTS, items).values()).containsOnly(Decision.RUN);
    }

    @Test
    void aStalledDownloadFreesItsPlaceWhenTheStalledRuleIsOn() {
        Item stalled = new Item(1, 0, true, false, true, false, false, 0, 0, 1000, 31 * 60, FOLLOW);
        SessionSettings one = queues(true, 1, false, 10);
        assertThat(Queue.decide(one, List.of(stalled, waiting(2, 1)))).containsEntry(1, Decision.RUN)
                .containsEntry(2, Decision.RUN);
        Item moving = new Item(1, 0, true, false, true, false, false, 0, 0, 1000, 29 * 60, FOLLOW);
        assertThat(Queue.decide(one, List.of(moving, waiting(2, 1)))).containsEntry(2, Decision.WAIT);
    }

    @Test
    void withTheStalledRuleOffAStalledDownloadKeepsItsPlace() {
        SessionSettings off = limits(2.0, false, 30, false, false, 30);
        SessionSettings s = new SessionSettings(off.speedLimitDown(), false, off.speedLimitUp(), false, 50, 50, false,
                540, 1020, false, 127, true, 1, false, 10, false, 30, 2.0, false, 30, false, true);
        Item stalled = new Item(1, 0, true, false, true, false, false, 0, 0, 1000, 99 * 60, FOLLOW);
        assertThat(Queue.decide(s, List.of(stalled, waiting(2, 1)))).containsEntry(2, Decision.WAIT);
    }

    @Test
    void theSessionRatioStopsASeedOnlyWhenEnabled() {
        Item atTwo = seed(1, 0, true, 2000, 1000, 0, FOLLOW);
        assertThat(Queue.decide(DEFAULTS, List.of(atTwo))).containsEntry(1, Decision.RUN);
        assertThat(Queue.decide(limits(2.0, true, 30, false, true, 30), List.of(atTwo)))
                .containsEntry(1, Decision.STOP_RATIO);
        Item below = seed(1, 0, true, 1999, 1000, 0, FOLLOW);
        assertThat(Queue.decide(limits(2.0, true, 30, false, true, 30), List.of(below))).containsEntry(1, Decision.RUN);
    }

    @Test
    void aTorrentsOwnRatioWinsOverTheSessionsAndUnlimitedIgnoresIt() {
        SessionSettings session = limits(5.0, true, 30, false, true, 30);
        assertThat(Queue.decide(session, List.of(seed(1, 0, true, 1500, 1000, 0, own(1.5, 1, 30, 0)))))
                .containsEntry(1, Decision.STOP_RATIO);
        assertThat(Queue.decide(session, List.of(seed(1, 0, true, 99_000, 1000, 0, own(1.5, 2, 30, 0)))))
                .containsEntry(1, Decision.RUN);
    }

    @Test
    void withNothingDownloadedTheRatioIsCountedOnTheSizeWhenDone() {
        // sizeWhenDone is 1000: a torrent whose data was here uploads 1000 for a ratio of 1.
        assertThat(Queue.decide(DEFAULTS, List.of(seed(1, 0, true, 999, 0, 0, own(1.0, 1, 30, 0)))))
                .containsEntry(1, Decision.RUN);
        assertThat(Queue.decide(DEFAULTS, List.of(seed(1, 0, true, 1000, 0, 0, own(1.0, 1, 30, 0)))))
                .containsEntry(1, Decision.STOP_RATIO);
    }

    @Test
    void aRatioOfZeroStopsASeedAtOnceButNeverADownload() {
        assertThat(Queue.decide(DEFAULTS, List.of(seed(1, 0, true, 0, 0, 0, own(0, 1, 30, 0)))))
                .containsEntry(1, Decision.STOP_RATIO);
        Item download = new Item(2, 0, true, false, true, false, false, 0, 0, 1000, 0, own(0, 1, 30, 0));
        assertThat(Queue.decide(DEFAULTS, List.of(download))).containsEntry(2, Decision.RUN);
    }

    @Test
    void aWaitingSeedWhoseRatioIsReachedStopsInsteadOfWaiting() {
        Item waitingSeed = seed(1, 0, false, 5000, 1000, -1, own(2.0, 1, 30, 0));
        assertThat(Queue.decide(queues(true, 5, true, 0), List.of(waitingSeed))).containsEntry(1, Decision.STOP_RATIO);
    }

    @Test
    void theIdleLimitStopsARunningSeedAfterItsMinutes() {
        TorrentSettings tenMinutes = own(2.0, 0, 10, 1);
        assertThat(Queue.decide(DEFAULTS, List.of(seed(1, 0, true, 0, 1000, 599, tenMinutes))))
                .containsEntry(1, Decision.RUN);
        assertThat(Queue.decide(DEFAULTS, List.of(seed(1, 0, true, 0, 1000, 600, tenMinutes))))
                .containsEntry(1, Decision.STOP_IDLE);
    }

    @Test
    void theSessionIdleLimitAppliesOnlyWhenEnabledAndNeverToAWaitingSeed() {
        Item idle = seed(1, 0, true, 0, 1000, 31 * 60, FOLLOW);
        assertThat(Queue.decide(DEFAULTS, List.of(idle))).containsEntry(1, Decision.RUN);
        SessionSettings on = limits(2.0, false, 30, true, true, 30);
        assertThat(Queue.decide(on, List.of(idle))).containsEntry(1, Decision.STOP_IDLE);
        assertThat(Queue.decide(on, List.of(seed(1, 0, true, 0, 1000, 31 * 60, own(2.0, 0, 30, 2)))))
                .containsEntry(1, Decision.RUN);
        assertThat(Queue.decide(queues(true, 5, true, 0), List.of(seed(2, 0, false, 0, 1000, -1, own(2, 0, 0, 1)))))
                .containsEntry(2, Decision.WAIT);
    }

    @Test
    void anIdleDownloadIsNeverStoppedByTheIdleLimit() {
        Item download = new Item(1, 0, true, false, true, false, false, 0, 0, 1000, 99 * 60, own(2.0, 0, 1, 1));
        assertThat(Queue.decide(DEFAULTS, List.of(download))).containsEntry(1, Decision.RUN);
    }

    @Test
    void aFinishedDownloadLeavesTheDownloadQueueAndLetsTheNextOneIn() {
        SessionSettings one = queues(true, 1, false, 10);
        Item finished = seed(1, 0, true, 0, 1000, 0, FOLLOW);
        assertThat(Queue.decide(one, List.of(finished, waiting(2, 1)))).containsEntry(1, Decision.RUN)
                .containsEntry(2, Decision.RUN);
    }

    @Test
    void tiesInPositionAreBrokenById() {
        Map<Integer, Decision> d = Queue.decide(queues(true, 1, false, 10), List.of(waiting(5, 0), waiting(2, 0)));
        assertThat(d).containsEntry(2, Decision.RUN).containsEntry(5, Decision.WAIT);
    }

    @Test
    void anEmptyListDecidesNothing() {
        assertThat(Queue.decide(DEFAULTS, List.of())).isEmpty();
    }
}
