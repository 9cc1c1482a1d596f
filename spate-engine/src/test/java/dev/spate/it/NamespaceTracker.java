package dev.spate.it;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An HTTP tracker run by the test resource {@code it/http_tracker.py} inside a {@link NetNamespace}, on one of
 * its addresses: the in-test {@link TestTrackers.HttpTracker} lives in the JVM, outside every namespace, and
 * Debian's opentracker is built IPv4-only. It answers IPv4 peers in {@code peers} and IPv6 ones in {@code
 * peers6} (BEP 7), both compact (BEP 23), and logs each announce and answer for the test to check.
 */
public final class NamespaceTracker implements AutoCloseable {

    private static final Duration START_TIMEOUT = Duration.ofSeconds(15);
    private static volatile Path script;

    private final ExternalProcess process;
    private final String host;
    private final int port;

    private NamespaceTracker(ExternalProcess process, String host, int port) {
        this.process = process;
        this.host = host;
        this.port = port;
    }

    /** Starts the tracker on {@code host} (an address of {@code ns}) at an ephemeral port, answering every {@code interval} seconds. */
    public static NamespaceTracker start(NetNamespace ns, String host, int intervalSeconds, Duration lifetime) {
        List<String> cmd = ns.exec(List.of(Libtorrent.PYTHON, "-u", script().toString(), "--listen", host,
                "--interval", Integer.toString(intervalSeconds), "--timeout", Long.toString(lifetime.toSeconds())));
        ExternalProcess p = ExternalProcess.start("http-tracker", cmd, null);
        try {
            int port = Integer.parseInt(p.waitForLine("^LISTENING (\\d+)$", START_TIMEOUT).group(1));
            return new NamespaceTracker(p, host, port);
        } catch (RuntimeException | AssertionError e) {
            p.close();
            throw e;
        }
    }

    /** {@code http://host:port/announce}, an IPv6 host in brackets. */
    public String announceUrl() {
        return "http://" + (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port + "/announce";
    }

    /**
     * Waits for an announce from {@code ip} (as the tracker prints it: {@code fd00::1}) for {@code infoHashHex};
     * returns its groups {@code port}, {@code event} and {@code left}.
     */
    public Matcher awaitAnnounce(String infoHashHex, String ip, Duration timeout) {
        return process.waitForLine(Pattern.compile("^ANNOUNCE " + infoHashHex + " " + Pattern.quote(ip)
                + " (?<port>\\d+) (?<event>\\S+) left=(?<left>-?\\d+)$"), timeout);
    }

    /** Every answer line so far, {@code ANSWER <hash> to <ip> peers=<n> peers6=<n> <peer>...}. */
    public List<String> answers() {
        return process.logText().lines().filter(l -> l.startsWith("ANSWER ")).toList();
    }

    public ExternalProcess process() {
        return process;
    }

    @Override
    public void close() {
        process.close();
    }

    private static Path script() {
        Path s = script;
        if (s == null) {
            synchronized (NamespaceTracker.class) {
                if (script == null) {
                    try (InputStream in = NamespaceTracker.class.getResourceAsStream("/it/http_tracker.py")) {
                        if (in == null) {
                            throw new IllegalStateException("test resource it/http_tracker.py missing");
                        }
                        Path tmp = Files.createTempFile("spate-it-http_tracker", ".py");
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
