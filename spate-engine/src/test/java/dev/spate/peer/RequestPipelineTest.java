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
