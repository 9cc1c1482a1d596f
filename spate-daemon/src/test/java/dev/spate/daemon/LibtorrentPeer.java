package dev.spate.daemon;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A python3-libtorrent peer on 127.0.0.1, run by the engine ITs' script {@code it/lt_peer.py}
 * (the daemon's pom puts it on this module's test class path): a seed or a download, with DHT, LSD,
 * UPnP, NAT-PMP, uTP and PEX off, so it reaches only the addresses the test gives it. Also makes
 * .torrent files with libtorrent's {@code create_torrent}.
 *
 * <p>Runs under {@code /usr/bin/python3}: the Debian binding is built for the system Python. The
 * process is bounded twice: the script exits after {@code --timeout}, and {@link #close} kills it.
 * Its output is read by a thread of its own into {@link #lines}, which is guarded by itself.
 */
final class LibtorrentPeer implements AutoCloseable {
    static final Path PYTHON = Path.of("/usr/bin/python3");
    private static final Duration START = Duration.ofSeconds(20);
    /** The script's life when nothing ends it first: longer than any test that starts it. */
    private static final Duration LIFETIME = Duration.ofMinutes(4);

    private final Process process;
    private final List<String> lines = new ArrayList<>();
    private final int port;

    private LibtorrentPeer(Process process) {
        this.process = process;
        Thread.ofVirtual().start(this::readOutput);
        try {
            port = Integer.parseInt(awaitLine("^LISTENING (\\d+)$", START).group(1));
        } catch (RuntimeException | AssertionError e) {
            close();
            throw e;
        }
    }

    /** Whether python3 with the libtorrent binding (Debian's python3-libtorrent) is there. */
    static boolean available() {
        if (!Files.isExecutable(PYTHON)) {
            return false;
        }
        try {
            Process p = new ProcessBuilder(PYTHON.toString(), "-c", "import libtorrent").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(20, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /**
     * A v1 .torrent of {@code content} (a file or a directory) made by libtorrent, pieces of
     * {@code pieceSize} bytes, one tier per tracker; returns its info-hash in lower-case hex.
     */
    static String createTorrent(Path content, Path out, int pieceSize, String... trackers)
            throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(PYTHON.toString(), script().toString(), "create",
                "--path", content.toAbsolutePath().toString(), "--out", out.toAbsolutePath().toString(),
                "--piece-size", Integer.toString(pieceSize)));
        for (String t : trackers) {
            cmd.addAll(List.of("--tracker", t));
        }
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new AssertionError("lt_peer.py create failed:\n" + output);
        }
        Matcher hash = Pattern.compile("(?m)^INFOHASH ([0-9a-f]{40})$").matcher(output);
        if (!hash.find()) {
            throw new AssertionError("lt_peer.py create printed no info-hash:\n" + output);
        }
        return hash.group(1);
    }

    /** Seeds {@code torrent} from the complete data under {@code dir}; {@code options} as lt_peer.py takes them. */
    static LibtorrentPeer seed(Path torrent, Path dir, String... options) throws IOException {
        return start("seed", torrent, dir, options);
    }

    /** Downloads {@code torrent} into {@code dir}; prints COMPLETE and exits 0 when done (unless {@code --stay}). */
    static LibtorrentPeer download(Path torrent, Path dir, String... options) throws IOException {
        return start("download", torrent, dir, options);
    }

    private static LibtorrentPeer start(String mode, Path torrent, Path dir, String... options) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(PYTHON.toString(), "-u", script().toString(), mode,
                "--torrent", torrent.toAbsolutePath().toString(), "--dir", dir.toAbsolutePath().toString(),
                "--listen", "127.0.0.1:0", "--timeout", Long.toString(LIFETIME.toSeconds())));
        cmd.addAll(List.of(options));
        return new LibtorrentPeer(new ProcessBuilder(cmd).redirectErrorStream(true).start());
    }

    /** The TCP port it listens on, on 127.0.0.1. */
    int port() {
        return port;
    }

    /** Waits for a line of its output matching {@code regex}; fails with its output when none comes in time or it ends. */
    Matcher awaitLine(String regex, Duration timeout) {
        Pattern pattern = Pattern.compile(regex);
        long deadline = System.nanoTime() + timeout.toNanos();
        int seen = 0;
        while (true) {
            synchronized (lines) {
                for (; seen < lines.size(); seen++) {
                    Matcher m = pattern.matcher(lines.get(seen));
                    if (m.find()) {
                        return m;
                    }
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new AssertionError("libtorrent printed no line matching " + regex + " within " + timeout
                            + ":\n" + output());
                }
                if (!process.isAlive() && seen == lines.size()) {
                    // Every line is read once the reader has seen the end; give it a moment to get there.
                    try {
                        lines.wait(200);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new AssertionError("interrupted");
                    }
                    if (seen == lines.size()) {
                        throw new AssertionError("libtorrent exited " + process.exitValue() + " before a line matching "
                                + regex + ":\n" + output());
                    }
                    continue;
                }
                try {
                    lines.wait(Math.min(TimeUnit.NANOSECONDS.toMillis(left) + 1, 500));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new AssertionError("interrupted");
                }
            }
        }
    }

    /** Waits for a download's COMPLETE and its exit 0 (every file written and closed). */
    void awaitCompleteAndExit(Duration timeout) throws InterruptedException {
        awaitLine("^COMPLETE$", timeout);
        if (!process.waitFor(15, TimeUnit.SECONDS) || process.exitValue() != 0) {
            throw new AssertionError("libtorrent did not exit 0 after COMPLETE:\n" + output());
        }
    }

    /** Everything it printed so far. */
    String output() {
        synchronized (lines) {
            return String.join("\n", lines);
        }
    }

    private void readOutput() {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null; ) {
                synchronized (lines) {
                    lines.add(line);
                    lines.notifyAll();
                }
            }
        } catch (IOException e) {
            // the process was killed: what it printed is in lines
        }
    }

    /** Kills the process (and anything it started) and waits for it. */
    @Override
    public void close() {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static volatile Path script;

    /** lt_peer.py, copied once per JVM from the test class path to a temporary file. */
    private static Path script() {
        Path s = script;
        if (s == null) {
            synchronized (LibtorrentPeer.class) {
                if (script == null) {
                    try (InputStream in = LibtorrentPeer.class.getResourceAsStream("/it/lt_peer.py")) {
                        if (in == null) {
                            throw new IllegalStateException("it/lt_peer.py is not on the test class path (see the pom)");
                        }
                        Path tmp = Files.createTempFile("spate-daemon-lt_peer", ".py");
                        Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
                        tmp.toFile().deleteOnExit();
                        script = tmp;
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }
                s = script;
            }
        }
        return s;
    }
}
