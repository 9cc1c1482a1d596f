package dev.spate.cli;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Ctrl-C (SIGINT or SIGTERM) for a long-running command: wakes the command, waits while it prints
 * its summary and closes its session, then ends the process with the status the command chose.
 * Without this the JVM would exit with 130 whatever the command decided (a download that completed
 * and then seeded until Ctrl-C succeeded: 0).
 */
final class Interrupt implements AutoCloseable {
    private final CountDownLatch wake;
    private final AtomicBoolean interrupted = new AtomicBoolean();
    private final CountDownLatch finished = new CountDownLatch(1);
    private final AtomicInteger status = new AtomicInteger(DownloadCommand.INTERRUPTED);
    private final Thread hook;

    /** How long the command may take to close after Ctrl-C before the process ends regardless. */
    static final Duration GRACE = Duration.ofSeconds(15);

    /** Installs the hook; {@code wake} is counted down on Ctrl-C. */
    Interrupt(CountDownLatch wake) {
        this(wake, GRACE);
    }

    /**
     * Installs the hook; {@code wake} is counted down on Ctrl-C, and the command has {@code grace}
     * to close before the process ends regardless.
     */
    Interrupt(CountDownLatch wake, Duration grace) {
        this.wake = wake;
        this.hook = new Thread(() -> {
            interrupted.set(true);
            wake.countDown();
            try {
                finished.await(grace.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException ignored) {
                // exiting anyway
            }
            Runtime.getRuntime().halt(status.get());
        }, "spate-interrupt");
        Runtime.getRuntime().addShutdownHook(hook);
    }

    boolean interrupted() {
        return interrupted.get();
    }

    /** The command is done with {@code exitStatus}; an interrupted process ends with it. */
    int finish(int exitStatus) {
        status.set(exitStatus);
        return exitStatus;
    }

    @Override
    public void close() {
        finished.countDown();
        if (!interrupted.get()) {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running and will end the process with our status
            }
        }
    }
}
