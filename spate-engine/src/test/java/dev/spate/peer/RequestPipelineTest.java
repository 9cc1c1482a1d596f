package dev.spate.peer;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RequestPipelineTest {
    @Test
    void slowStartGrowsTheQueueByOnePerBlockReceived() {
        RequestPipeline p = new RequestPipeline();
        int start = p.target();
        for (int i = 0; i < 10; i++) {
            p.blockReceived();
        }
        assertThat(p.target()).isEqualTo(start + 10);
        assertThat(p.inSlowStart()).isTrue();
    }

    @Test
    void slowStartContinuesWhileTheRateKeepsRising() {
        RequestPipeline p = new RequestPipeline();
        p.tick(100_000, 100_000);
        p.tick(200_000, 150_000);
        p.tick(400_000, 233_000);
        assertThat(p.inSlowStart()).isTrue();
    }

    @Test
    void slowStartEndsWhenTheRateStopsRisingAndTheQueueFollowsTheBandwidthDelayProduct() {
        RequestPipeline p = new RequestPipeline();
        p.tick(1_000_000, 1_000_000);
        p.tick(1_050_000, 1_025_000);
        assertThat(p.inSlowStart()).isFalse();
        // 1.05 MB/s x 1.5 s / 16 KiB = 96 blocks
        assertThat(p.target()).isEqualTo((int) (1_050_000 * RequestPipeline.QUEUE_SECONDS / RequestPipeline.BLOCK));
    }

    @Test
    void theQueueStaysWithinTheFloorAndTheCeiling() {
        RequestPipeline slow = new RequestPipeline();
        slow.tick(1000, 1000);
        slow.tick(1000, 1000);
        assertThat(slow.target()).isEqualTo(RequestPipeline.FLOOR);

        RequestPipeline fast = new RequestPipeline();
        fast.limitTo(Integer.MAX_VALUE);
        fast.tick(5_000_000_000L, 5_000_000_000L);
        fast.tick(5_000_000_000L, 5_000_000_000L);
        assertThat(fast.target()).isEqualTo(RequestPipeline.CEILING);
    }

    @Test
    void thePeersAdvertisedQueueLengthCapsTheQueue() {
        RequestPipeline p = new RequestPipeline();
        p.limitTo(5);
        for (int i = 0; i < 50; i++) {
            p.blockReceived();
        }
        assertThat(p.target()).isEqualTo(5);
    }

    @Test
    void aPeerThatAnnouncesNoQueueLengthGetsTheOldCeilingAndOneThatAnnouncesALongOneGetsIt() {
        RequestPipeline silent = new RequestPipeline();
        silent.tick(5_000_000_000L, 5_000_000_000L);
        silent.tick(5_000_000_000L, 5_000_000_000L);
        assertThat(silent.target()).isEqualTo(RequestPipeline.UNANNOUNCED_CEILING);

        RequestPipeline libtorrent = new RequestPipeline();
        libtorrent.limitTo(2000);
        libtorrent.tick(5_000_000_000L, 5_000_000_000L);
        libtorrent.tick(5_000_000_000L, 5_000_000_000L);
        assertThat(libtorrent.target()).isEqualTo(2000);
    }

    @Test
    void anAnnouncedQueueLengthBeyondOurCeilingIsCutToIt() {
        RequestPipeline p = new RequestPipeline();
        p.limitTo(1_000_000);
        p.tick(5_000_000_000L, 5_000_000_000L);
        p.tick(5_000_000_000L, 5_000_000_000L);
        assertThat(p.target()).isEqualTo(RequestPipeline.CEILING);
    }

    @Test
    void at200MillisecondsRoundTripAnd400MbitSlowStartReachesTheLinksDepthAndTheLinkFillsWithinFourSeconds() {
        Link link = new Link(400e6, 0.200);
        RequestPipeline p = new RequestPipeline();
        p.limitTo(2000); // libtorrent's and our reqq
        for (int second = 0; second < 4; second++) {
            link.runOneSecond(p);
        }
        double bdpBlocks = 400e6 / 8 * 0.200 / RequestPipeline.BLOCK;
        assertThat(p.target()).isGreaterThan((int) (1.5 * bdpBlocks));
        assertThat(link.runOneSecond(p)).as("bytes in the fifth second").isGreaterThan((long) (0.99 * 400e6 / 8));
    }

    @Test
    void aPeerThatAllowsOnly500RequestsHoldsA400MbitLinkAt200MillisecondsTo80Percent() {
        Link link = new Link(400e6, 0.200);
        RequestPipeline p = new RequestPipeline();
        p.limitTo(500);
        for (int second = 0; second < 4; second++) {
            link.runOneSecond(p);
        }
        // 500 blocks a round trip: 8.2 MB / 0.2 s = 41 MB/s of 50.
        assertThat(link.runOneSecond(p)).isBetween(40_000_000L, 42_000_000L);
    }

    @Test
    void whenSlowStartEndsFarShortOfTheLinksDepthTheBandwidthDelayProductTakesTheQueuePastItInTwoTicks() {
        RequestPipeline p = new RequestPipeline();
        p.limitTo(2000);
        p.tick(1_000_000, 1_000_000);
        p.tick(1_000_000, 1_000_000); // the rate stopped rising (a hiccup): slow start ends at 96 blocks
        assertThat(p.inSlowStart()).isFalse();
        Link link = new Link(400e6, 0.200);
        link.runOneSecond(p); // 96 blocks a round trip: the tick asks for 1.5 s of that, 546 blocks
        link.runOneSecond(p); // 546: 89% of the link; the tick asks for more than reqq
        assertThat(p.target()).isEqualTo(2000);
        link.runOneSecond(p);
        assertThat(link.runOneSecond(p)).isGreaterThan((long) (0.99 * 400e6 / 8));
    }

    /**
     * A path of a given rate and round trip, stepped a millisecond at a time: a request sent at t
     * brings its block at t + RTT at the earliest, and the link delivers at most its rate; the
     * queue is topped up to the pipeline's target after each step, and the pipeline ticks once a
     * simulated second with that second's bytes.
     */
    private static final class Link {
        private final double blocksPerMilli;
        private final int rttMillis;
        private final java.util.ArrayDeque<Integer> sentAt = new java.util.ArrayDeque<>();
        private final long[] seconds = new long[1000];
        private int now;
        private double credit;
        private int completedSeconds;

        Link(double bitsPerSecond, double rttSeconds) {
            this.blocksPerMilli = bitsPerSecond / 8 / RequestPipeline.BLOCK / 1000;
            this.rttMillis = (int) Math.round(rttSeconds * 1000);
        }

        /** Runs a simulated second; returns the bytes delivered in it. */
        long runOneSecond(RequestPipeline p) {
            long bytes = 0;
            for (int ms = 0; ms < 1000; ms++, now++) {
                credit = Math.min(credit + blocksPerMilli, blocksPerMilli + 1);
                while (!sentAt.isEmpty() && sentAt.peekFirst() + rttMillis <= now && credit >= 1) {
                    sentAt.pollFirst();
                    credit--;
                    bytes += RequestPipeline.BLOCK;
                    p.blockReceived();
                }
                while (sentAt.size() < p.target()) {
                    sentAt.addLast(now);
                }
            }
            seconds[completedSeconds++] = bytes;
            long sum = 0;
            int from = Math.max(0, completedSeconds - 5);
            for (int i = from; i < completedSeconds; i++) {
                sum += seconds[i];
            }
            p.tick(bytes, sum / (completedSeconds - from));
            return bytes;
        }
    }

    @Test
    void aSnubbedPeerGetsOneRequestUntilItDeliversAgain() {
        RequestPipeline p = new RequestPipeline();
        for (int i = 0; i < 20; i++) {
            p.blockReceived();
        }
        p.snub();
        assertThat(p.target()).isEqualTo(1);
        assertThat(p.inSlowStart()).isFalse();
        p.blockReceived();
        assertThat(p.snubbed()).isFalse();
        assertThat(p.target()).isGreaterThan(1);
    }
}
