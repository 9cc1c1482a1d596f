package dev.spate.daemon;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The RPC server's executor: a virtual thread per exchange, each bounded in time while it waits on
 * the client. From the first byte of a request until its body is read ({@link #requestRead}) it
 * has {@link Limits#request()}; the method then runs unbounded (a torrent-add fetching a URL has
 * its own timeout); from the first byte of the answer ({@link #responding}) the client has
 * {@link Limits#response()} to take it. An exchange past its deadline has its thread interrupted,
 * which closes the connection under a blocked read or write (the JDK server reads and writes on
 * interruptible channels), so a client that sends half a header and then nothing (slowloris), or
 * never reads the answer, holds a thread for the bound and no longer.
 *
 * <p>The JDK server has such bounds too ({@code sun.net.httpserver.maxReqTime}), but as static
 * settings read once per process by whichever server starts first; these are the server's own.
 *
 * <p>The deadlines are guarded by {@code this}: set and cleared by the exchanges' threads, swept by
 * the sweeper thread (or a test calling {@link #sweep} on its own clock).
 */
final class ExchangeDeadlines implements java.util.concurrent.Executor, AutoCloseable {
    /** How often deadlines are looked at: the bounds are kept to within this. */
    static final Duration SWEEP = Duration.ofMillis(250);

    /**
     * The bounds of an exchange.
     *
     * @param request from the request's first byte until its body is read
     * @param response from the answer's first byte until it is written
     */
    record Limits(Duration request, Duration response) {
        /** 30 s each: a large torrent-add body over a slow link fits; a stuck client is dropped. */
        static final Limits DEFAULT = new Limits(Duration.ofSeconds(30), Duration.ofSeconds(30));

        Limits {
            if (request.isNegative() || request.isZero() || response.isNegative() || response.isZero()) {
                throw new IllegalArgumentException("bounds must be positive");
            }
        }
    }

    private final Limits limits;
    private final Clock clock;
    private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
    /** Each exchange's thread and its deadline; none while its method runs. Guarded by {@code this}. */
    private final Map<Thread, Instant> deadlines = new HashMap<>();
    private final ScheduledExecutorService sweeper;

    private ExchangeDeadlines(Limits limits, Clock clock, boolean sweeping) {
        this.limits = limits;
        this.clock = clock;
        this.sweeper = sweeping ? Executors.newSingleThreadScheduledExecutor(r -> Thread.ofPlatform().daemon()
                .name("spate-rpc-deadlines").unstarted(r)) : null;
        if (sweeper != null) {
            sweeper.scheduleWithFixedDelay(this::sweep, SWEEP.toMillis(), SWEEP.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    /** Deadlines of {@code limits} on the system clock, swept every {@link #SWEEP}. */
    static ExchangeDeadlines start(Limits limits) {
        return new ExchangeDeadlines(limits, Clock.systemUTC(), true);
    }

    /** Deadlines on {@code clock}, swept only when the caller calls {@link #sweep} (tests). */
    static ExchangeDeadlines unswept(Limits limits, Clock clock) {
        return new ExchangeDeadlines(limits, clock, false);
    }

    @Override
    public void execute(Runnable exchange) {
        threads.execute(() -> {
            Thread me = Thread.currentThread();
            synchronized (this) {
                deadlines.put(me, clock.instant().plus(limits.request()));
            }
            try {
                exchange.run();
            } finally {
                synchronized (this) {
                    deadlines.remove(me);
                }
            }
        });
    }

    /**
     * The calling exchange has read its request: no deadline while its method runs.
     *
     * @throws IOException when its deadline passed meanwhile (the connection is being closed)
     */
    void requestRead() throws IOException {
        synchronized (this) {
            deadlines.remove(Thread.currentThread());
        }
        if (Thread.currentThread().isInterrupted()) {
            throw new IOException("the request took longer than " + limits.request().toSeconds() + " s");
        }
    }

    /** The calling exchange starts its answer: the client has {@link Limits#response()} to take it. */
    synchronized void responding() {
        deadlines.put(Thread.currentThread(), clock.instant().plus(limits.response()));
    }

    /** Interrupts the exchanges past their deadline; how many. */
    synchronized int sweep() {
        Instant now = clock.instant();
        int n = 0;
        var it = deadlines.entrySet().iterator();
        while (it.hasNext()) {
            var e = it.next();
            if (!now.isBefore(e.getValue())) {
                e.getKey().interrupt();
                it.remove();
                n++;
            }
        }
        return n;
    }

    /** How many exchanges have a deadline now. */
    synchronized int bounded() {
        return deadlines.size();
    }

    /** Stops the sweeper and waits a little for the exchanges under way, then interrupts them. */
    @Override
    public void close() {
        if (sweeper != null) {
            sweeper.shutdownNow();
        }
        threads.shutdown();
        try {
            if (!threads.awaitTermination(5, TimeUnit.SECONDS)) {
                threads.shutdownNow(); // a method still running (a removal deleting much): interrupted
            }
        } catch (InterruptedException e) {
            threads.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }
}
