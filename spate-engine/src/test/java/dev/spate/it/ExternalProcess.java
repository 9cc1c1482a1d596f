package dev.spate.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A child process for integration tests: stdout and stderr go to one log file, lines and ports can be
 * waited for with a timeout, and {@link #close()} ends the whole process tree (TERM, then KILL after a
 * short grace). Every process still alive when the JVM exits is killed by a shutdown hook as well.
 */
public final class ExternalProcess implements AutoCloseable {

    private static final Set<ExternalProcess> LIVE = ConcurrentHashMap.newKeySet();
    private static final AtomicInteger LOG_COUNTER = new AtomicInteger();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> List.copyOf(LIVE).forEach(ExternalProcess::close),
                "spate-it-process-reaper"));
    }

    /** Output of a command run to completion. */
    public record Result(int exitCode, String output) {
        public Result requireSuccess(List<String> command) {
            if (exitCode != 0) {
                throw new AssertionError("command failed (exit " + exitCode + "): " + String.join(" ", command)
                        + "\n" + output);
            }
            return this;
        }
    }

    private final String name;
    private final List<String> command;
    private final Process process;
    private final Path log;

    private ExternalProcess(String name, List<String> command, Process process, Path log) {
        this.name = name;
        this.command = List.copyOf(command);
        this.process = process;
        this.log = log;
    }

    /** A fresh log file under target/it-logs, named after the fixture; kept after the run for diagnosis. */
    public static Path newLogFile(String name) {
        Path dir = Path.of(System.getProperty("spate.it.logs", "target/it-logs")).toAbsolutePath();
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return dir.resolve(String.format("%d-%03d-%s.log", ProcessHandle.current().pid(),
                LOG_COUNTER.incrementAndGet(), name.replaceAll("[^A-Za-z0-9_.-]", "_")));
    }

    /** Starts {@code command} in {@code workDir} (null: the current one) with output to a fresh log file. */
    public static ExternalProcess start(String name, List<String> command, Path workDir) {
        return start(name, command, workDir, newLogFile(name));
    }

    /** Starts {@code command} in {@code workDir} (null: the current one) with output to {@code log}. */
    public static ExternalProcess start(String name, List<String> command, Path workDir, Path log) {
        ProcessBuilder pb = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        if (workDir != null) {
            pb.directory(workDir.toFile());
        }
        try {
            Files.writeString(log, "$ " + String.join(" ", command) + "\n", StandardCharsets.UTF_8);
            pb.redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
            ExternalProcess p = new ExternalProcess(name, command, pb.start(), log);
            LIVE.add(p);
            return p;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + name + ": " + String.join(" ", command), e);
        }
    }

    /** Runs {@code command} to completion within {@code timeout}, capturing its output; kills it on timeout. */
    public static Result run(Duration timeout, List<String> command) {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + String.join(" ", command), e);
        }
        try {
            // Read on another thread so a full pipe cannot block the child.
            var out = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                try {
                    return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                } catch (IOException e) {
                    return "<output lost: " + e + ">";
                }
            });
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                destroyTree(p.toHandle());
                throw new AssertionError("command timed out after " + timeout + ": " + String.join(" ", command));
            }
            String text;
            try {
                text = out.get(5, TimeUnit.SECONDS);
            } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                text = "<output lost: " + e + ">";
            }
            return new Result(p.exitValue(), text);
        } catch (InterruptedException e) {
            destroyTree(p.toHandle());
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while running " + String.join(" ", command), e);
        }
    }

    /** Like {@link #run(Duration, List)} but fails unless the exit code is 0. */
    public static Result runChecked(Duration timeout, List<String> command) {
        return run(timeout, command).requireSuccess(command);
    }

    public String name() {
        return name;
    }

    public long pid() {
        return process.pid();
    }

    public Path log() {
        return log;
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** The whole log so far. */
    public String logText() {
        try {
            return Files.readString(log, StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            return "<cannot read " + log + ": " + e + ">";
        }
    }

    /** The last {@code n} lines of the log, for failure messages. */
    public String logTail(int n) {
        List<String> lines = logText().lines().toList();
        return String.join("\n", lines.subList(Math.max(0, lines.size() - n), lines.size()));
    }

    /**
     * Waits until a log line matches {@code regex} (searched anywhere in the line) and returns its matcher.
     * Fails early when the process exits without having printed it.
     */
    public Matcher waitForLine(String regex, Duration timeout) {
        return waitForLine(Pattern.compile(regex), timeout);
    }

    public Matcher waitForLine(Pattern pattern, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            boolean aliveBefore = process.isAlive();
            for (String line : logText().lines().toList()) {
                Matcher m = pattern.matcher(line);
                if (m.find()) {
                    return m;
                }
            }
            if (!aliveBefore) {
                throw failure("exited (code " + process.exitValue() + ") without printing /" + pattern + "/");
            }
            if (System.nanoTime() > deadline) {
                throw failure("did not print /" + pattern + "/ within " + timeout);
            }
            sleep(100);
        }
    }

    /** Waits until a TCP connect to {@code host:port} from this JVM succeeds (host network only). */
    public void waitForPort(String host, int port, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(host, port), 500);
                return;
            } catch (IOException notYet) {
                if (!process.isAlive()) {
                    throw failure("exited (code " + process.exitValue() + ") before listening on " + host + ":" + port);
                }
                if (System.nanoTime() > deadline) {
                    throw failure("did not listen on " + host + ":" + port + " within " + timeout);
                }
                sleep(100);
            }
        }
    }

    /** Waits for the process to exit and returns its exit code; fails (and kills it) on timeout. */
    public int waitForExit(Duration timeout) {
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                AssertionError e = failure("did not exit within " + timeout);
                close();
                throw e;
            }
            return process.exitValue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** An assertion error naming this process, its command and the tail of its log. */
    public AssertionError failure(String what) {
        return new AssertionError(name + " " + what + "\ncommand: " + String.join(" ", command)
                + "\nlog " + log + " (tail):\n" + logTail(40));
    }

    /** Ends the process and all its descendants: TERM, up to 3 s grace, then KILL. Idempotent. */
    @Override
    public void close() {
        LIVE.remove(this);
        destroyTree(process.toHandle());
    }

    static void destroyTree(ProcessHandle root) {
        // Cleanup must work on a thread a @Timeout has just interrupted: clear the flag, restore it after.
        boolean interrupted = Thread.interrupted();
        try {
            destroyTreeUninterrupted(root);
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static void destroyTreeUninterrupted(ProcessHandle root) {
        // Collect descendants first: once the root dies they are re-parented and no longer found.
        List<ProcessHandle> all = new ArrayList<>(root.descendants().toList());
        all.add(0, root);
        all.forEach(ProcessHandle::destroy);
        long deadline = System.nanoTime() + Duration.ofSeconds(3).toNanos();
        for (ProcessHandle h : all) {
            while (h.isAlive() && System.nanoTime() < deadline) {
                sleep(50);
            }
        }
        for (ProcessHandle h : all) {
            if (h.isAlive()) {
                h.destroyForcibly();
            }
        }
        for (ProcessHandle h : all) {
            try {
                h.onExit().get(2, TimeUnit.SECONDS);
            } catch (Exception ignored) {
                // best effort: a zombie of another parent cannot be reaped by us
            }
        }
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    @Override
    public String toString() {
        return name + "[pid " + process.pid() + "]";
    }
}
