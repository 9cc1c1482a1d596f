package dev.spate.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class CandidatesTest {
    static final long SECOND = TimeUnit.SECONDS.toNanos(1);
    final Candidates candidates = new Candidates();
    long now = 1_000 * SECOND;

    static InetSocketAddress peer(int port) {
        return new InetSocketAddress("127.0.0.1", port);
    }

    @Test
    void aNewCandidateIsDueAtOnceAndNotAgainWhileItIsDialled() {
        candidates.add(peer(1));
        assertThat(candidates.due(now, 10)).containsExactly(peer(1));
        candidates.dialling(peer(1), now);
        assertThat(candidates.due(now + 60 * SECOND, 10)).isEmpty();
    }

    @Test
    void eachFailureDoublesTheWaitFromFiveSecondsUpToFiveMinutes() {
        candidates.add(peer(1));
        long[] waits = {5, 10, 20, 40, 80, 160, 300, 300};
        for (long wait : waits) {
            candidates.dialling(peer(1), now);
            candidates.failed(peer(1), now);
            assertThat(candidates.due(now + (wait - 1) * SECOND, 10)).as("before %d s", wait).isEmpty();
            now += wait * SECOND;
            assertThat(candidates.due(now, 10)).as("after %d s", wait).containsExactly(peer(1));
        }
        assertThat(candidates.failures(peer(1))).isEqualTo(waits.length);
    }

    @Test
    void aPeerThatHungUpIsDialledAgainOnlyAfterTheFirstWait() {
        candidates.add(peer(1));
        candidates.connected(peer(1));
        assertThat(candidates.size()).isZero();
        candidates.disconnected(peer(1), now);
        assertThat(candidates.due(now + 4 * SECOND, 10)).isEmpty();
        assertThat(candidates.due(now + 5 * SECOND, 10)).containsExactly(peer(1));
        assertThat(candidates.failures(peer(1))).as("a hang-up is no failure").isZero();
    }

    @Test
    void addingAKnownCandidateKeepsItsBackOff() {
        candidates.add(peer(1));
        candidates.failed(peer(1), now);
        candidates.add(peer(1)); // the tracker names it again
        assertThat(candidates.due(now, 10)).isEmpty();
    }

    @Test
    void theListIsBoundedAndWhenFullTheMostFailedMakesRoom() {
        for (int i = 0; i < Candidates.MAX; i++) {
            candidates.add(peer(10_000 + i));
        }
        candidates.failed(peer(10_007), now);
        candidates.failed(peer(10_007), now);
        candidates.add(peer(1));
        assertThat(candidates.size()).isEqualTo(Candidates.MAX);
        assertThat(candidates.failures(peer(10_007))).as("evicted").isZero();
        assertThat(candidates.due(now, Candidates.MAX)).contains(peer(1)).doesNotContain(peer(10_007));
    }

    @Test
    void dueReturnsAtMostTheRoomThereIsInTheOrderAdded() {
        for (int i = 1; i <= 5; i++) {
            candidates.add(peer(i));
        }
        assertThat(candidates.due(now, 3)).containsExactly(peer(1), peer(2), peer(3));
        candidates.forget(peer(2));
        assertThat(candidates.due(now, 3)).containsExactly(peer(1), peer(3), peer(4));
    }

    @Test
    void aPexDropForgetsAnAddressKnownOnlyFromPex() {
        candidates.addFromPex(peer(1));
        candidates.addFromPex(peer(2));
        candidates.add(peer(2));
        candidates.add(peer(3));
        candidates.addFromPex(peer(3));
        candidates.forgetPex(peer(1));
        candidates.forgetPex(peer(2));
        candidates.forgetPex(peer(3));
        assertThat(candidates.due(now, 10)).as("a tracker or the user named 2 and 3 too").containsExactly(peer(2), peer(3));
    }

    @Test
    void aPexPeerWeWereConnectedToIsNoLongerOnlyPex() {
        candidates.addFromPex(peer(1));
        candidates.dialling(peer(1), now);
        candidates.connected(peer(1));
        candidates.disconnected(peer(1), now);
        candidates.forgetPex(peer(1));
        assertThat(candidates.size()).isEqualTo(1);
    }
}
