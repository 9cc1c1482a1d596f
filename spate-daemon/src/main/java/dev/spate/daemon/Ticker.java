package dev.spate.daemon;

import java.time.Duration;
import java.util.Objects;

/**
 * The daemon's clock: every second it calls {@link Torrents#tick()} (counters, queue, seeding
 * limits) on a daemon thread of its own. Closing stops the thread, waits for it, and writes the
 * counters one last time.
 *
 * <p>The thread is this class's; {@link Torrents} guards what the tick touches.
 */
public final class Ticker implements AutoCloseable {
    /** How often the queue and the limits are looked at, as Transmission does. */
    static final Duration PERIOD = Duration.ofSeconds(1);
    private static final System.Logger LOG = System.getLogger(Ticker.class.getName());

    private final Torrents torrents;
    private final Thread thread;
    private volatile boolean closed;
    /**
     * Counted down by {@link #close} to end the wait between ticks. The thread is never
     * interrupted: a tick may be inside the engine or writing the list, which an interrupt would
     * break off half-way (a channel closed under a write, a torrent half-added).
     */
    private final java.util.concurrent.CountDownLatch stop = new java.util.concurrent.CountDownLatch(1);

    private Ticker(Torrents torrents) {
        this.torrents = Objects.requireNonNull(torrents, "torrents");
        this.thread = Thread.ofPlatform().daemon().name("spate-daemon-tick").unstarted(this::run);
    }

    /** Starts ticking {@code torrents}. */
    public static Ticker start(Torrents torrents) {
        Ticker t = new Ticker(torrents);
        t.thread.start();
        return t;
    }

    /** The torrents it ticks. */
    public Torrents torrents() {
        return torrents;
    }

    private void run() {
        while (!closed) {
            try {
                if (stop.await(PERIOD.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)) {
                    break;
                }
            } catch (InterruptedException e) {
                break;
            }
            try {
                torrents.tick();
            } catch (RuntimeException e) {
                // One bad tick (a torrent removed under it, say) is no reason to stop the queue.
                LOG.log(System.Logger.Level.WARNING, "daemon tick failed: {0}", e.toString());
            }
        }
    }

    /** Whether its thread is still alive. */
    boolean running() {
        return thread.isAlive();
    }

    /** Stops the thread (after the tick it may be in), waits for it, and writes the counters. */
    @Override
    public void close() {
        closed = true;
        stop.countDown();
        try {
            thread.join(Duration.ofSeconds(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        torrents.flush();
    }
}
