package dev.spate.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** {@link PieceWaiters}: a wait ends when its piece verifies, at once for a piece we have, and fails when the torrent stops. */
class PieceWaitersTest {
    private final PieceWaiters waiters = new PieceWaiters();

    @Test
    void aWaitEndsWhenItsPieceVerifiesAndNotBefore() {
        CompletableFuture<Void> three = waiters.await(3, false);
        CompletableFuture<Void> alsoThree = waiters.await(3, false);
        CompletableFuture<Void> four = waiters.await(4, false);
        assertThat(waiters.await(5, true)).isCompleted();

        waiters.verified(3);

        assertThat(three).isCompleted();
        assertThat(alsoThree).isCompleted();
        assertThat(four).isNotDone();
    }

    @Test
    void aStopFailsEveryWaitAndEveryLaterOneWithItsReason() {
        CompletableFuture<Void> waiting = waiters.await(1, false);
        TorrentRemovedException why = new TorrentRemovedException("torrent x was removed");

        waiters.stop(why);

        assertThat(waiting).isCompletedExceptionally();
        assertThat(waiters.await(2, false)).failsWithin(java.time.Duration.ZERO)
                .withThrowableOfType(java.util.concurrent.ExecutionException.class).withCause(why);
        assertThat(waiters.await(2, true)).as("stopped: not even a piece we have").isCompletedExceptionally();
    }

    @Test
    void aWaitGivenUpIsNotCompletedLater() {
        CompletableFuture<Void> gaveUp = waiters.await(7, false);
        gaveUp.cancel(false);
        CompletableFuture<Void> next = waiters.await(7, false);

        waiters.verified(7);

        assertThat(gaveUp).isCancelled();
        assertThat(next).isCompleted();
    }
}
