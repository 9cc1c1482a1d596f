package dev.spate.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class MailboxTest {
    final List<RuntimeException> failures = new CopyOnWriteArrayList<>();
    final List<Error> fatal = new CopyOnWriteArrayList<>();

    @Test
    void tasksRunInOrderOnTheLoopAndAFailingOneDoesNotStopTheRest() throws Exception {
        Mailbox m = Mailbox.threaded("test", failures::add, fatal::add);
        List<Integer> ran = new CopyOnWriteArrayList<>();
        m.post(() -> ran.add(1));
        m.post(() -> {
            throw new IllegalStateException("boom");
        });
        m.post(() -> ran.add(assertOnLoop(m)));
        assertThat(m.ask(() -> 4).get(5, TimeUnit.SECONDS)).isEqualTo(4);
        assertThat(ran).containsExactly(1, 3);
        assertThat(failures).singleElement().hasToString("java.lang.IllegalStateException: boom");
        m.close();
        m.ended().get(5, TimeUnit.SECONDS);
    }

    private static int assertOnLoop(Mailbox m) {
        assertThat(m.onLoop()).isTrue();
        return 3;
    }

    @Test
    void anErrorEndsTheLoopAndGoesToTheFatalHandlerRatherThanLeavingAZombie() throws Exception {
        Mailbox m = Mailbox.threaded("test", failures::add, fatal::add);
        m.post(() -> {
            throw new OutOfMemoryError("test heap");
        });
        m.ended().get(5, TimeUnit.SECONDS);
        assertThat(fatal).singleElement().hasToString("java.lang.OutOfMemoryError: test heap");
        assertThat(m.post(() -> { })).as("a dead loop takes no more tasks").isFalse();
        assertThat(m.ask(() -> 1)).isCompletedExceptionally();
    }

    @Test
    void aClosedMailboxRunsWhatWasQueuedThenEnds() throws Exception {
        Mailbox m = Mailbox.manual(failures::add, fatal::add);
        List<Integer> ran = new CopyOnWriteArrayList<>();
        m.post(() -> ran.add(1));
        m.close();
        assertThat(m.post(() -> ran.add(2))).isFalse();
        m.runPending();
        assertThat(ran).containsExactly(1);
        assertThat(m.ended()).isDone();
    }

    @Test
    void aTaskPostedWhileTheMailboxClosesEitherRunsOrIsRefusedNeverLost() throws Exception {
        for (int trial = 0; trial < 500; trial++) {
            Mailbox m = Mailbox.threaded("race", failures::add, fatal::add);
            java.util.concurrent.atomic.AtomicBoolean ran = new java.util.concurrent.atomic.AtomicBoolean();
            java.util.concurrent.atomic.AtomicBoolean accepted = new java.util.concurrent.atomic.AtomicBoolean();
            Thread poster = Thread.ofVirtual().start(() -> accepted.set(m.post(() -> ran.set(true))));
            m.close();
            poster.join();
            m.ended().get(5, TimeUnit.SECONDS);
            assertThat(ran.get()).as("trial %d: accepted %s", trial, accepted.get()).isEqualTo(accepted.get());
        }
    }

    @Test
    void aLoopMarkedDormantStaysSoUntilATaskIsPostedButNotForAQuestion() {
        Mailbox m = Mailbox.manual(failures::add, fatal::add);
        assertThat(m.dormant()).isFalse();
        m.markDormant();
        assertThat(m.dormant()).isTrue();
        var answer = m.ask(() -> 1);
        assertThat(m.dormant()).as("a question changes nothing").isTrue();
        m.runPending();
        assertThat(answer).isCompletedWithValue(1);
        m.post(() -> { });
        assertThat(m.dormant()).as("a task may change anything").isFalse();
    }

    @Test
    void aLoopWithATaskWaitingCannotMarkItselfDormant() {
        Mailbox m = Mailbox.manual(failures::add, fatal::add);
        m.post(() -> { });
        m.markDormant();
        assertThat(m.dormant()).isFalse();
        m.runPending();
        m.markDormant();
        assertThat(m.dormant()).isTrue();
    }
}
