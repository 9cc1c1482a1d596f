package dev.spate.cli;

import java.io.Console;
import java.io.IOException;
import java.io.PrintWriter;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * What the command knows of the terminal: whether standard output and standard error are one (a
 * live line or a progress bar is drawn only on a terminal: anywhere else no control character is
 * written), and how wide it is. Nothing here reads standard input ({@link Keys} does, on a terminal only).
 *
 * <p>The width comes from {@code COLUMNS} when set, else from {@code stty size} on {@code /dev/tty},
 * else 80; it is asked again after the terminal was resized (SIGWINCH), at most once per resize.
 * Any thread may call it.
 */
final class Terminal {
    /** The width assumed when the terminal does not say. */
    static final int DEFAULT_WIDTH = 80;
    private static final boolean STDOUT = detect(1);
    private static final boolean STDERR = detect(2);
    private static final boolean STDIN = detect(0);
    private static volatile boolean resized = true;
    private static volatile int width = DEFAULT_WIDTH;
    private static volatile boolean watching;

    private Terminal() {
    }

    /** Whether standard error, where the live line and progress bars go, is a terminal. */
    static boolean interactive() {
        return STDERR;
    }

    /** Whether standard input is a terminal (then single key presses may be read: {@link Keys}). */
    static boolean stdinIsTerminal() {
        return STDIN;
    }

    /** Whether standard output is a terminal. */
    static boolean stdoutIsTerminal() {
        return STDOUT;
    }

    /**
     * Ends the line the terminal echoed {@code ^C} on, so that what is printed next starts a line of
     * its own; a no-op when neither output is a terminal.
     */
    static void afterInterrupt(PrintWriter out, PrintWriter err) {
        if (STDERR) {
            err.println();
            err.flush();
        } else if (STDOUT) {
            out.println();
            out.flush();
        }
    }

    /** The terminal's width in columns, as last read. */
    static int width() {
        if (resized) {
            resized = false;
            width = readWidth(System.getenv("COLUMNS"));
            watchResizes();
        }
        return width;
    }

    /** {@code columns} when it is a positive number, else what {@code stty size} says, else 80. */
    static int readWidth(String columns) {
        if (columns != null) {
            try {
                int n = Integer.parseInt(columns.trim());
                if (n > 0) {
                    return n;
                }
            } catch (NumberFormatException ignored) {
                // not a number: ask the terminal
            }
        }
        int stty = sttyColumns();
        return stty > 0 ? stty : DEFAULT_WIDTH;
    }

    /** {@code stty size < /dev/tty}: "ROWS COLUMNS"; -1 when there is no terminal or stty fails. */
    private static int sttyColumns() {
        if (!Files.isReadable(Path.of("/dev/tty"))) {
            return -1;
        }
        try {
            Process p = new ProcessBuilder("stty", "size")
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/tty")))
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start();
            String answer = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim();
            if (!p.waitFor(2, TimeUnit.SECONDS) || p.exitValue() != 0) {
                p.destroyForcibly();
                return -1;
            }
            String[] parts = answer.split("\\s+");
            return parts.length == 2 ? Integer.parseInt(parts[1]) : -1;
        } catch (IOException | NumberFormatException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    /**
     * Marks the width stale on SIGWINCH, where the JVM lets us handle it (sun.misc.Signal, in
     * jdk.unsupported); without it the width read at start stands. COLUMNS, when set, does not
     * change with the window, so it is not watched.
     */
    private static void watchResizes() {
        if (watching || System.getenv("COLUMNS") != null) {
            return;
        }
        watching = true;
        try {
            sun.misc.Signal.handle(new sun.misc.Signal("WINCH"), signal -> resized = true);
        } catch (IllegalArgumentException | UnsupportedOperationException unavailable) {
            // this JVM keeps the signal to itself: the width stays as read
        }
    }

    /**
     * Whether file descriptor {@code fd} is a terminal. On Linux /proc names what it is open on (a
     * pseudo-terminal {@code /dev/pts/N}, a console {@code /dev/ttyN}); elsewhere Console tells for
     * standard input and output together, the best the JDK offers.
     */
    private static boolean detect(int fd) {
        Path link = Path.of("/proc/self/fd/" + fd);
        try {
            String target = Files.readSymbolicLink(link).toString();
            return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty") || target.equals("/dev/console");
        } catch (IOException | UnsupportedOperationException e) {
            return consoleIsTerminal();
        }
    }

    private static boolean consoleIsTerminal() {
        Console console = System.console();
        if (console == null) {
            return false;
        }
        // From Java 22 System.console() is non-null even when redirected; Console.isTerminal()
        // tells the truth there. We compile for 21, so ask for it by name.
        try {
            Method isTerminal = Console.class.getMethod("isTerminal");
            return (Boolean) isTerminal.invoke(console);
        } catch (ReflectiveOperationException e) {
            return true; // Java 21: a console exists only for a terminal
        }
    }
}
