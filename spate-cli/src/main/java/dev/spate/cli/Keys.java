package dev.spate.cli;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Single key presses on the terminal, while a download runs: {@code p} asks for the peer table.
 * Only when standard input and standard error are both a terminal; otherwise nothing is read from
 * standard input, ever. The terminal is put in non-canonical mode without echo ({@code stty}, on
 * {@code /dev/tty}) so that a key needs no Enter and does not garble the live line, and is put
 * back as it was on {@link #close}, or by a shutdown hook if the JVM ends another way. Signals
 * stay on: Ctrl-C still interrupts.
 *
 * <p>A daemon thread reads the keys; any thread may call {@link #peerTableAsked}.
 */
final class Keys implements AutoCloseable {
    private final AtomicBoolean peerTable = new AtomicBoolean();
    private final String saved;
    private final Thread restoreHook;
    private final AtomicBoolean restored = new AtomicBoolean();

    private Keys(String saved) {
        this.saved = saved;
        this.restoreHook = saved == null ? null : new Thread(this::restore, "spate-restore-terminal");
    }

    /** Starts listening for keys when both standard input and standard error are a terminal. */
    static Keys open() {
        if (!Terminal.interactive() || !Terminal.stdinIsTerminal()) {
            return new Keys(null);
        }
        String saved = stty("-g");
        if (saved == null || stty("-icanon", "-echo", "min", "1") == null) {
            return new Keys(null);
        }
        Keys keys = new Keys(saved.strip());
        Runtime.getRuntime().addShutdownHook(keys.restoreHook);
        Thread reader = new Thread(() -> keys.read(System.in), "spate-keys");
        reader.setDaemon(true);
        reader.start();
        return keys;
    }

    /** Whether {@code p} was pressed since the last call. */
    boolean peerTableAsked() {
        return peerTable.getAndSet(false);
    }

    private void read(InputStream in) {
        try {
            int c;
            while (!restored.get() && (c = in.read()) >= 0) {
                if (c == 'p' || c == 'P') {
                    peerTable.set(true);
                }
            }
        } catch (IOException e) {
            // standard input closed: no more keys
        }
    }

    @Override
    public void close() {
        if (saved == null) {
            return;
        }
        restore();
        try {
            Runtime.getRuntime().removeShutdownHook(restoreHook);
        } catch (IllegalStateException shuttingDown) {
            // the hook runs, or ran, anyway
        }
    }

    private void restore() {
        if (restored.compareAndSet(false, true)) {
            stty(saved);
        }
    }

    /** Runs {@code stty ARGS < /dev/tty}; its output, or null when it failed. */
    private static String stty(String... args) {
        String[] cmd = new String[args.length + 1];
        cmd[0] = "stty";
        System.arraycopy(args, 0, cmd, 1, args.length);
        try {
            Process p = new ProcessBuilder(cmd).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/tty")))
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
            if (!p.waitFor(2, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return null;
            }
            return p.exitValue() == 0 ? out : null;
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }
}
