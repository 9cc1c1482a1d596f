package dev.spate.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code spate seed FILE.torrent -d DIR --port 0 --bind 127.0.0.1} as a child process, optionally
 * under {@code prlimit --nofile=N:N} (its open-files limit, soft and hard): its port, its resident
 * memory from {@code /proc/PID/status}, and its log.
 */
final class SeedProcess implements AutoCloseable {
    private final ExternalProcess process;
    private final int port;

    private SeedProcess(ExternalProcess process, int port) {
        this.process = process;
        this.port = port;
    }

    /**
     * Starts the seed and waits until it says it is seeding.
     *
     * @param openFiles its open-files limit, or 0 to inherit this JVM's
     * @param jvmOptions JVM options, e.g. {@code -Xmx256m}
     */
    static SeedProcess start(String name, Path torrent, Path dir, int openFiles, List<String> jvmOptions,
                             List<String> extraArgs) {
        return start(name, torrent, dir, openFiles, jvmOptions, extraArgs, false);
    }

    /**
     * The same; {@code jarOnly} runs it from the CLI jar alone ({@link SpateCli#jarCommand}), as a
     * child at its open-files limit must be.
     */
    static SeedProcess start(String name, Path torrent, Path dir, int openFiles, List<String> jvmOptions,
                             List<String> extraArgs, boolean jarOnly) {
        List<String> args = new ArrayList<>(List.of("seed", torrent.toAbsolutePath().toString(),
                "-d", dir.toAbsolutePath().toString(), "--port", "0", "--bind", "127.0.0.1"));
        args.addAll(extraArgs);
        List<String> cmd = new ArrayList<>();
        if (openFiles > 0) {
            // prlimit sets the limit on itself and then execs the JVM, so the pid is the JVM's.
            cmd.addAll(List.of("prlimit", "--nofile=" + openFiles + ":" + openFiles, "--"));
        }
        cmd.addAll(jarOnly ? SpateCli.jarCommand(jvmOptions, args) : SpateCli.command(jvmOptions, args));
        ExternalProcess p = ExternalProcess.start(name, cmd, null);
        try {
            String port = p.waitForLine("^seeding .* on port (\\d+)$", Duration.ofSeconds(30)).group(1);
            return new SeedProcess(p, Integer.parseInt(port));
        } catch (RuntimeException | AssertionError e) {
            p.close();
            throw e;
        }
    }

    int port() {
        return port;
    }

    long pid() {
        return process.pid();
    }

    ExternalProcess process() {
        return process;
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** The resident set now, in KiB (VmRSS), or 0 once the process is gone. */
    long rssKib() {
        return status("VmRSS:");
    }

    /** The resident set's high-water mark, in KiB (VmHWM), or 0 once the process is gone. */
    long peakRssKib() {
        return status("VmHWM:");
    }

    /** How many file descriptors it has open now, or -1 once it is gone. */
    int openFiles() {
        try (var fds = Files.list(Path.of("/proc/" + pid() + "/fd"))) {
            return (int) fds.count();
        } catch (IOException gone) {
            return -1;
        }
    }

    private long status(String field) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid() + "/status"))) {
                if (line.startsWith(field)) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException | NumberFormatException gone) {
            // exited between checks
        }
        return 0;
    }

    @Override
    public void close() {
        process.close();
    }
}
