package dev.spate.engine;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * A torrent's mailbox and the loop that drains it: every task runs, one at a time and in order, on
 * the loop, which owns the torrent's state. In a session the loop is a virtual thread of its own;
 * in unit tests nobody drains it but the test, with {@link #runPending} and {@link #runUntil}, so
 * that what happens is exactly what the test scripted.
 *
 * <p>Bounded by its posters rather than here: each peer has a few hundred messages in flight at
 * most (its reader waits for credit), and everything else posted (API calls, disk verdicts, tracker
 * answers, the tick) is small and bounded by what caused it. An {@link Error} in a task ends the
 * loop and goes to the fatal handler: a thread that ran out of memory must not leave a zombie
 * torrent behind.
 *
 * <p>Thread-safe: {@link #post} from any thread.
 */
final class Mailbox {
    private static final System.Logger LOG = System.getLogger(Mailbox.class.getName());
    private static final Runnable END = () -> { };

    private final LinkedBlockingQueue<Runnable> queue = new LinkedBlockingQueue<>();
    private final Consumer<RuntimeException> onFailure;
    private final Consumer<Error> onFatal;
    private final Thread thread;
    private final CompletableFuture<Void> ended = new CompletableFuture<>();
    private volatile boolean closed;
    private final java.util.concurrent.locks.ReentrantLock gate = new java.util.concurrent.locks.ReentrantLock();
    /** The thread running tasks now, so that a task can tell it is on the loop. */
    private volatile Thread runner;
    /**
     * Set by the loop ({@link #markDormant}) when its owner has nothing to do until something
     * arrives; cleared by every {@link #post}, so that whatever arrives is ticked after it.
     */
    private volatile boolean dormant;

    private Mailbox(String name, boolean threaded, Consumer<RuntimeException> onFailure, Consumer<Error> onFatal) {
        this.onFailure = onFailure;
        this.onFatal = onFatal;
        this.thread = threaded ? Thread.ofVirtual().name(name).unstarted(this::drainForever) : null;
    }

    /** A mailbox drained by a virtual thread of its own. */
    static Mailbox threaded(String name, Consumer<RuntimeException> onFailure, Consumer<Error> onFatal) {
        Mailbox m = new Mailbox(name, true, onFailure, onFatal);
        m.thread.start();
        return m;
    }

    /** A mailbox drained only by whoever calls {@link #runPending} (tests). */
    static Mailbox manual(Consumer<RuntimeException> onFailure, Consumer<Error> onFatal) {
        return new Mailbox("manual", false, onFailure, onFatal);
    }

    /** Queues {@code task}; false (and dropped) once the mailbox is closed. */
    boolean post(Runnable task) {
        return post(task, true);
    }

    /** Queues {@code task}, clearing the dormant mark when {@code wakes}; false once closed. */
    private boolean post(Runnable task, boolean wakes) {
        // Under the lock, so that a task is either queued before the end or refused: one that
        // slipped in behind the end would never run, and whoever posted it (an attach holding a
        // connection slot, say) would never know.
        gate.lock();
        try {
            if (closed) {
                return false;
            }
            queue.add(task);
            // After the add: a loop marking itself dormant meanwhile either sees the task queued
            // (and stays awake) or is overruled here.
            if (wakes) {
                dormant = false;
            }
            return true;
        } finally {
            gate.unlock();
        }
    }

    /**
     * Runs {@code supplier} on the loop and hands its result back. A question changes nothing, so
     * it leaves a dormant loop dormant: a client polling the status of a thousand idle torrents
     * does not make them all tick again.
     */
    <T> CompletableFuture<T> ask(Supplier<T> supplier) {
        CompletableFuture<T> f = new CompletableFuture<>();
        if (!post(() -> f.complete(supplier.get()), false)) {
            f.completeExceptionally(new IllegalStateException("the torrent's loop has stopped"));
        }
        return f;
    }

    /** Whether the caller is the loop. */
    boolean onLoop() {
        return Thread.currentThread() == runner;
    }

    /**
     * On the loop: its owner has nothing to do between ticks (no peers, no transfers) until a task
     * arrives, which clears the mark; a task already waiting keeps it clear.
     */
    void markDormant() {
        dormant = true;
        if (!queue.isEmpty()) {
            dormant = false;
        }
    }

    /** Whether the loop marked itself dormant and nothing was posted since. Any thread. */
    boolean dormant() {
        return dormant;
    }

    /** Tasks waiting. */
    int pending() {
        return queue.size();
    }

    /**
     * No more tasks are taken; those already queued still run, then the loop ends (see
     * {@link #ended()}).
     */
    void close() {
        gate.lock();
        try {
            if (!closed) {
                closed = true;
                queue.add(END);
            }
        } finally {
            gate.unlock();
        }
    }

    /** Completes when the loop has run its last task. */
    CompletableFuture<Void> ended() {
        return ended;
    }

    /** Runs every task queued now and those they queue, on the calling thread; returns how many. */
    int runPending() {
        int n = 0;
        Runnable task;
        while ((task = queue.poll()) != null) {
            if (task == END) {
                ended.complete(null);
                return n;
            }
            run(task);
            n++;
        }
        return n;
    }

    /**
     * Runs tasks on the calling thread, waiting for more as they arrive (a disk verdict, say),
     * until {@code condition} holds; false if it did not within {@code timeout}.
     */
    boolean runUntil(BooleanSupplier condition, Duration timeout) throws InterruptedException {
        // Counted in idle polls of 10 ms, not read off a clock: the engine's one clock is the
        // injected one, and a test's may stand still.
        long idlePollsLeft = Math.max(1, timeout.toMillis() / 10);
        while (!condition.getAsBoolean()) {
            if (idlePollsLeft <= 0) {
                return false;
            }
            Runnable task = queue.poll(10, TimeUnit.MILLISECONDS);
            if (task == null) {
                idlePollsLeft--;
            }
            if (task == END) {
                ended.complete(null);
                return condition.getAsBoolean();
            }
            if (task != null && task != END) {
                run(task);
            }
        }
        return true;
    }

    private void drainForever() {
        try {
            while (true) {
                Runnable task = queue.take();
                if (task == END) {
                    return;
                }
                run(task);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Error e) {
            gate.lock();
            try {
                closed = true;
            } finally {
                gate.unlock();
            }
            onFatal.accept(e);
        } finally {
            ended.complete(null);
        }
    }

    private void run(Runnable task) {
        runner = Thread.currentThread();
        try {
            task.run();
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, "torrent loop task failed", e);
            onFailure.accept(e);
        } finally {
            runner = null;
        }
    }
}
