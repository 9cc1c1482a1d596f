package dev.spate.cli;

import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * The engine's log, as people read it. The engine logs through {@link System.Logger}, which the JDK
 * hands to java.util.logging; its default console handler prints two lines per message (a date and
 * the logging class, then the level and message). Here the root logger gets handlers of our own
 * instead: one line per message on standard error ({@code spate: warning: saving resume data ...}),
 * warnings and errors only unless {@code --verbose}, and with {@code --log-file FILE} every message
 * of every level, with its time and logger, appended to FILE. Below WARNING only Spate's own loggers
 * ({@code dev.spate.*}) are heard.
 *
 * <p>A configuration the user gave java.util.logging ({@code -Djava.util.logging.config.file} or
 * {@code .class}) is left as it is. Log messages may quote a torrent, a tracker or a peer, so every
 * line is escaped. Handlers may be called from any thread: the console's goes through the
 * synchronized {@link StatusLine}, the file's is synchronized.
 */
final class Logging {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSXXX")
            .withZone(ZoneId.systemDefault());

    /** The parent of every engine and CLI logger; held, since java.util.logging keeps loggers weakly. */
    private static final Logger SPATE = Logger.getLogger("dev.spate");

    private Logging() {
    }

    /**
     * Replaces the root logger's handlers: one writing to {@code err} (warnings and up, or every
     * level when {@code verbose}) and, when {@code logFile} is not null, one appending every level to it.
     *
     * @throws IOException if the log file cannot be opened
     */
    static void configure(PrintWriter err, boolean verbose, Path logFile) throws IOException {
        if (System.getProperty("java.util.logging.config.file") != null
                || System.getProperty("java.util.logging.config.class") != null) {
            return;
        }
        Handler file = logFile == null ? null : new FileHandler(logFile);
        Logger root = Logger.getLogger("");
        for (Handler h : root.getHandlers()) {
            root.removeHandler(h);
            h.close();
        }
        root.addHandler(new ConsoleHandler(err, new ConsoleFormat(verbose), verbose ? Level.ALL : Level.WARNING));
        if (file != null) {
            root.addHandler(file);
        }
        // Below WARNING only Spate's own messages: the JDK's debug lines (Runtime.exit's stack trace,
        // say) are not ours to show. A logger asks its level before it formats anything, so what
        // goes nowhere costs nothing.
        root.setLevel(Level.WARNING);
        SPATE.setLevel(verbose || file != null ? Level.ALL : Level.WARNING);
    }

    /** How people name a level: "error", "warning", "info", "debug", "trace". */
    static String levelName(Level level) {
        int v = level.intValue();
        if (v >= Level.SEVERE.intValue()) {
            return "error";
        } else if (v >= Level.WARNING.intValue()) {
            return "warning";
        } else if (v >= Level.INFO.intValue()) {
            return "info";
        } else if (v >= Level.FINE.intValue()) {
            return "debug";
        }
        return "trace";
    }

    /** The record's message with its parameters filled in, on one line and escaped. */
    private static String message(Formatter formatter, LogRecord r) {
        String m = formatter.formatMessage(r);
        if (m == null) {
            m = "";
        }
        m = TerminalText.escape(m.replace("\r\n", " ").replace('\n', ' ').replace('\r', ' '));
        return r.getThrown() == null ? m : m + ": " + Main.oneLine(r.getThrown());
    }

    /** {@code spate: warning: message: cause}; with {@code --verbose}, the stack trace below it. */
    static final class ConsoleFormat extends Formatter {
        private final boolean traces;

        ConsoleFormat(boolean traces) {
            this.traces = traces;
        }

        @Override
        public String format(LogRecord r) {
            String line = "spate: " + levelName(r.getLevel()) + ": " + message(this, r) + "\n";
            return traces && r.getThrown() != null ? line + Main.stackTrace(r.getThrown()) : line;
        }
    }

    /** {@code 2026-12-02T06:17:13.123+01:00 warning dev.spate.engine.ResumeSaver: message}, then any stack trace. */
    static final class FileFormat extends Formatter {
        @Override
        public String format(LogRecord r) {
            String line = TIME.format(r.getInstant()) + " " + levelName(r.getLevel()) + " "
                    + TerminalText.escape(String.valueOf(r.getLoggerName())) + ": " + message(this, r) + "\n";
            return r.getThrown() == null ? line : line + Main.stackTrace(r.getThrown());
        }
    }

    /** Standard error: a line goes above the live line, if one is on the screen, rather than into it. */
    static final class ConsoleHandler extends Handler {
        private final PrintWriter err;

        ConsoleHandler(PrintWriter err, Formatter format, Level level) {
            this.err = err;
            setFormatter(format);
            setLevel(level);
        }

        @Override
        public void publish(LogRecord r) {
            if (!isLoggable(r)) {
                return;
            }
            try {
                String text = getFormatter().format(r);
                StatusLine.printAbove(err, text.endsWith("\n") ? text.substring(0, text.length() - 1) : text);
            } catch (RuntimeException e) {
                // logging must never stop the engine, and there is nowhere left to say it
            }
        }

        @Override
        public void flush() {
            err.flush();
        }

        /** Flushes; standard error itself stays open for the rest of the command. */
        @Override
        public void close() {
            flush();
        }
    }

    /**
     * Appends each record through its formatter and flushes at once: a log is read after a crash too,
     * and a line held back would be the one that mattered. A record that cannot be written is dropped
     * (logging must never stop the engine).
     */
    static final class FileHandler extends Handler {
        private final Writer writer;

        FileHandler(Path file) throws IOException {
            this.writer = new OutputStreamWriter(Files.newOutputStream(file, StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND, StandardOpenOption.WRITE), StandardCharsets.UTF_8);
            setFormatter(new FileFormat());
            setLevel(Level.ALL);
        }

        @Override
        public synchronized void publish(LogRecord r) {
            if (!isLoggable(r)) {
                return;
            }
            try {
                writer.write(getFormatter().format(r));
                writer.flush();
            } catch (IOException | RuntimeException e) {
                // nowhere left to say it
            }
        }

        @Override
        public synchronized void flush() {
            try {
                writer.flush();
            } catch (IOException ignored) {
                // as in publish
            }
        }

        @Override
        public synchronized void close() {
            try {
                writer.close();
            } catch (IOException ignored) {
                // as in publish
            }
        }
    }
}
