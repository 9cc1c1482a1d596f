package dev.spate.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An {@code opentracker} serving HTTP and UDP announces on one address and port (127.0.0.1 by default, or an
 * address inside a {@link NetNamespace}).
 *
 * <p>Debian builds opentracker in whitelist mode (WANT_ACCESSLIST_WHITE): it answers "Requested download is
 * not authorized for use with this tracker." over HTTP, and nothing at all over UDP, for any info-hash not
 * in its whitelist. Give the hashes at start or later with {@link #allow(String)}, which rewrites the
 * whitelist file, sends SIGHUP and waits until the tracker accepts the hash.
 *
 * <p>Run as root it chroots to {@code workDir} and drops to user nobody, so the fixture makes
 * {@code workDir} world-readable and keeps the whitelist there under a relative name.
 */
public final class Opentracker implements AutoCloseable {

    private static final String WHITELIST = "whitelist";

    private final ExternalProcess process;
    private final NetNamespace namespace;
    private final Path workDir;
    private final String host;
    private final int port;
    private final List<String> allowed = new ArrayList<>();

    private Opentracker(ExternalProcess process, NetNamespace namespace, Path workDir, String host, int port) {
        this.process = process;
        this.namespace = namespace;
        this.workDir = workDir;
        this.host = host;
        this.port = port;
    }

    /** Starts a tracker on 127.0.0.1 (host network) at a free port; waits until it accepts TCP connections. */
    public static Opentracker start(Path workDir) {
        return start(workDir, null, "127.0.0.1");
    }

    /** Starts a tracker on {@code host} inside {@code ns} (null: host network); waits until it answers. */
    public static Opentracker start(Path workDir, NetNamespace ns, String host) {
        int port = ns != null ? ThreadLocalRandom.current().nextInt(20000, 60000) : freeTcpAndUdpPort();
        try {
            Files.setPosixFilePermissions(workDir, PosixFilePermissions.fromString("rwxr-xr-x"));
            Files.writeString(workDir.resolve(WHITELIST), "");
            Files.setPosixFilePermissions(workDir.resolve(WHITELIST), PosixFilePermissions.fromString("rw-r--r--"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        // The -i that precedes -p/-P is the address those ports bind to.
        List<String> cmd = List.of("opentracker", "-i", host, "-p", Integer.toString(port), "-P",
                Integer.toString(port), "-d", workDir.toAbsolutePath().toString(), "-w", WHITELIST);
        if (ns != null) {
            cmd = ns.exec(cmd);
        }
        ExternalProcess p = ExternalProcess.start("opentracker", cmd, workDir);
        try {
            if (ns != null) {
                ns.waitForPort(host, port, Duration.ofSeconds(10), p);
            } else {
                p.waitForPort(host, port, Duration.ofSeconds(10));
            }
            return new Opentracker(p, ns, workDir, host, port);
        } catch (RuntimeException | AssertionError e) {
            p.close();
            throw e;
        }
    }

    private static int freeTcpAndUdpPort() {
        InetAddress lo = InetAddress.getLoopbackAddress();
        for (int attempt = 0; attempt < 50; attempt++) {
            try (ServerSocket tcp = new ServerSocket(0, 1, lo)) {
                int port = tcp.getLocalPort();
                try (DatagramSocket udp = new DatagramSocket(port, lo)) {
                    return port;
                } catch (IOException udpTaken) {
                    // try another
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        throw new IllegalStateException("no port free for both TCP and UDP on 127.0.0.1");
    }

    /**
     * Whitelists a v1 info-hash (40 hex digits): rewrites the whitelist, sends SIGHUP, and waits (10 s at
     * most) until an HTTP announce for it is no longer refused.
     */
    public synchronized void allow(String infoHashHex) {
        String hex = infoHashHex.toLowerCase(Locale.ROOT);
        if (!hex.matches("[0-9a-f]{40}")) {
            throw new IllegalArgumentException("not a v1 info-hash: " + infoHashHex);
        }
        allowed.add(hex);
        try {
            Files.writeString(workDir.resolve(WHITELIST), String.join("\n", allowed) + "\n",
                    StandardOpenOption.TRUNCATE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        ExternalProcess.runChecked(Duration.ofSeconds(5), List.of("kill", "-HUP", Long.toString(process.pid())));
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        String reply = "";
        while (System.nanoTime() < deadline) {
            reply = probe(hex);
            if (reply.contains("d8:") && !reply.contains("failure reason")) {
                return;
            }
            ExternalProcess.sleep(100);
        }
        throw process.failure("still refuses " + hex + " after SIGHUP; last reply: " + reply);
    }

    /** A "stopped" announce for {@code hex} from a made-up peer: answered, but adds nobody to the swarm. */
    private String probe(String hex) {
        return get("/announce?info_hash=" + escaped(hex) + "&peer_id=-SPATEITPROBE-000000&port=9"
                + "&uploaded=0&downloaded=0&left=0&event=stopped&numwant=0&compact=1");
    }

    /** Who the tracker counts in a torrent's swarm. */
    public record Swarm(int seeders, int leechers) {
    }

    /** Scrapes (BEP 48) a whitelisted v1 info-hash (40 hex digits): its seeders and leechers now. */
    public Swarm scrape(String infoHashHex) {
        String hex = infoHashHex.toLowerCase(Locale.ROOT);
        String reply = get("/scrape?info_hash=" + escaped(hex));
        if (reply.contains("d5:filesdee")) {
            return new Swarm(0, 0); // a torrent nobody announced is left out of the reply
        }
        Matcher complete = Pattern.compile("8:completei(\\d+)e").matcher(reply);
        Matcher incomplete = Pattern.compile("10:incompletei(\\d+)e").matcher(reply);
        if (!complete.find() || !incomplete.find()) {
            throw process.failure("answered a scrape of " + hex + " with: " + reply);
        }
        return new Swarm(Integer.parseInt(complete.group(1)), Integer.parseInt(incomplete.group(1)));
    }

    private static String escaped(String hex) {
        StringBuilder escaped = new StringBuilder();
        for (byte b : HexFormat.of().parseHex(hex)) {
            escaped.append('%').append(String.format("%02x", b & 0xff));
        }
        return escaped.toString();
    }

    /** One HTTP/1.0 GET of {@code target} from inside the tracker's network; its raw reply as text (fine for bencoded numbers and messages). */
    private String get(String target) {
        String request = "GET " + target + " HTTP/1.0";
        List<String> cmd = List.of("bash", "-c", "exec 3<>/dev/tcp/" + host + "/" + port
                + " && printf '%s\\r\\n\\r\\n' '" + request + "' >&3 && timeout 3 cat <&3");
        if (namespace != null) {
            cmd = namespace.exec(cmd);
        }
        return ExternalProcess.run(Duration.ofSeconds(5), cmd).output();
    }

    public String host() {
        return host;
    }

    public int port() {
        return port;
    }

    /** {@code http://HOST:PORT/announce}. */
    public String httpAnnounce() {
        return "http://" + host + ":" + port + "/announce";
    }

    /** {@code udp://HOST:PORT/announce} (BEP 15). */
    public String udpAnnounce() {
        return "udp://" + host + ":" + port + "/announce";
    }

    public ExternalProcess process() {
        return process;
    }

    @Override
    public void close() {
        process.close();
    }
}
