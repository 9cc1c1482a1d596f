package dev.spate.cli;

import java.io.PrintWriter;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A progress bar redrawn in place on a terminal, at most ten times a second; silent when the output
 * is not a terminal. {@link #update} may be called from any thread.
 */
final class Progress {
    private static final int WIDTH = 30;
    private final PrintWriter err;
    private final String label;
    private final boolean enabled;
    private final long startNanos = System.nanoTime();
    private final AtomicLong lastDraw = new AtomicLong();
    private volatile boolean drawn;

    private Progress(PrintWriter err, String label, boolean enabled) {
        this.err = err;
        this.label = label;
        this.enabled = enabled;
    }

    static Progress forTerminal(PrintWriter err, String label) {
        return new Progress(err, label, Terminal.interactive());
    }

    void update(long done, long total) {
        if (!enabled) {
            return;
        }
        long now = System.nanoTime();
        long last = lastDraw.get();
        if (done < total && now - last < 100_000_000L || !lastDraw.compareAndSet(last, now)) {
            return;
        }
        double fraction = total == 0 ? 1 : (double) done / total;
        int filled = (int) (fraction * WIDTH);
        double seconds = Math.max(1e-3, (now - startNanos) / 1e9);
        synchronized (this) {
            err.printf("\r%s [%s%s] %3d%% %s", label, "#".repeat(filled), " ".repeat(WIDTH - filled),
                    (int) (fraction * 100), Units.rate(done / seconds));
            err.flush();
            drawn = true;
        }
    }

    void done() {
        if (drawn) {
            err.println();
            err.flush();
        }
    }
}
