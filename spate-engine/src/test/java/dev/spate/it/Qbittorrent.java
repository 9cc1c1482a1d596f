package dev.spate.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * A qBittorrent daemon ({@code qbittorrent-nox}, 4.5.x on libtorrent 2.0) with its own profile
 * directory, driven through its Web API (v2) with the JDK's HttpClient.
 *
 * <p>Its {@code qBittorrent.conf} is written before it starts, so that nothing public is contacted
 * even for a moment: the legal notice accepted; the Web UI on 127.0.0.1 at a free port, requests
 * from localhost let in without a login, no UPnP for it; DHT, LSD, PeX, UPnP/NAT-PMP port
 * forwarding, peer country and host name look-ups (a GeoIP database download), anonymous mode and
 * added trackers off; peers listened for on 127.0.0.1 of {@code lo} only, at a free port, over TCP
 * only (no uTP); encryption (its {@code Session\\Encryption}, the Web API's {@code encryption}) as
 * {@link Encryption} says, by default qBittorrent's own default, preferred: MSE tried first on
 * outgoing connections, plain after, both accepted; no queueing, torrents start when added. {@code qbittorrent-nox} has no update check.
 * {@link #start} reads the preferences back through the Web API and fails if any of these did not
 * take.
 *
 * <p>{@link #close()} ends the process (TERM, then KILL: bounded by {@link ExternalProcess#close()}),
 * keeps qBittorrent's own log next to the process log under target/it-logs, and deletes the
 * profile directory.
 *
 * <p>Threads: one test thread at a time.
 */
public final class Qbittorrent implements AutoCloseable {

    private static final Duration START_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(10);
    /** Torrent states of qBittorrent's Web API in which all wanted data is there. */
    private static final Set<String> COMPLETE_STATES = Set.of("uploading", "stalledUP", "pausedUP", "queuedUP",
            "forcedUP", "checkingUP");
    private static final Pattern PROGRESS = Pattern.compile("\"progress\":([0-9.eE+-]+)");
    private static final Pattern STATE = Pattern.compile("\"state\":\"(\\w+)\"");

    /**
     * qBittorrent's encryption modes, by the number its settings and Web API use. qBittorrent itself
     * allows only RC4 after the MSE exchange and prefers it in every mode that encrypts.
     */
    public enum Encryption {
        /** 0, its default: MSE/PE tried first when dialling, plaintext after; both accepted. */
        PREFER(0),
        /** 1: MSE/PE required both ways; a plaintext BitTorrent handshake is refused. */
        REQUIRE(1);

        private final int mode;

        Encryption(int mode) {
            this.mode = mode;
        }

        public int mode() {
            return mode;
        }
    }

    private final ExternalProcess process;
    private final Path profile;
    private final int webPort;
    private final int peerPort;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(REQUEST_TIMEOUT)
            .proxy(HttpClient.Builder.NO_PROXY).build();

    private Encryption encryption;

    private Qbittorrent(ExternalProcess process, Path profile, int webPort, int peerPort, Encryption encryption) {
        this.encryption = encryption;
        this.process = process;
        this.profile = profile;
        this.webPort = webPort;
        this.peerPort = peerPort;
    }

    /** {@code qbittorrent-nox --version}, e.g. "qBittorrent v4.5.2". */
    public static String version() {
        return ExternalProcess.runChecked(Duration.ofSeconds(10), List.of("qbittorrent-nox", "--version"))
                .output().strip();
    }

    /**
     * Starts {@code qbittorrent-nox} with its profile in a fresh directory under {@code workDir}
     * (which must exist) and waits until its Web API answers with the preferences written; its
     * encryption is its default, {@link Encryption#PREFER}.
     */
    public static Qbittorrent start(Path workDir) {
        return start(workDir, Encryption.PREFER);
    }

    /** As {@link #start(Path)}, with encryption {@code encryption}. */
    public static Qbittorrent start(Path workDir, Encryption encryption) {
        Path profile;
        try {
            profile = Files.createTempDirectory(workDir.toAbsolutePath(), "qbittorrent-profile");
            Files.createDirectories(profile.resolve("qBittorrent/config"));
            Files.createDirectories(profile.resolve("downloads"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        int webPort = freePort();
        int peerPort = freePort();
        try {
            Files.writeString(profile.resolve("qBittorrent/config/qBittorrent.conf"),
                    config(webPort, peerPort, profile.resolve("downloads"), encryption));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        ExternalProcess p = ExternalProcess.start("qbittorrent-nox", List.of("qbittorrent-nox",
                "--profile=" + profile), workDir);
        Qbittorrent q = new Qbittorrent(p, profile, webPort, peerPort, encryption);
        try {
            q.awaitWebApi();
            q.checkPreferences();
            return q;
        } catch (RuntimeException | AssertionError e) {
            q.close();
            throw e;
        }
    }

    private static String config(int webPort, int peerPort, Path downloads, Encryption encryption) {
        // QSettings' INI form: the first part of a key is the section, the rest joined by backslashes.
        return """
                [LegalNotice]
                Accepted=true

                [BitTorrent]
                Session\\DHTEnabled=false
                Session\\LSDEnabled=false
                Session\\PeXEnabled=false
                Session\\AnonymousModeEnabled=false
                Session\\AddTrackersEnabled=false
                Session\\Interface=lo
                Session\\InterfaceName=lo
                Session\\InterfaceAddress=127.0.0.1
                Session\\Port=%d
                Session\\UseRandomPort=false
                Session\\BTProtocol=TCP
                Session\\Encryption=%d
                Session\\QueueingSystemEnabled=false
                Session\\AddTorrentPaused=false
                Session\\TempPathEnabled=false
                Session\\DefaultSavePath=%s

                [Network]
                PortForwardingEnabled=false

                [Preferences]
                WebUI\\Enabled=true
                WebUI\\Address=127.0.0.1
                WebUI\\Port=%d
                WebUI\\LocalHostAuth=false
                WebUI\\UseUPnP=false
                Connection\\ResolvePeerCountries=false
                Connection\\ResolvePeerHostNames=false
                General\\UseRandomPort=false
                """.formatted(peerPort, encryption.mode(), downloads.toAbsolutePath(), webPort);
    }

    private void awaitWebApi() {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (true) {
            try {
                HttpResponse<String> r = http.send(request("/api/v2/app/version").GET().build(),
                        HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
            if (!process.isAlive()) {
                throw failure("exited before its Web API answered on 127.0.0.1:" + webPort);
            }
            if (System.nanoTime() > deadline) {
                throw failure("Web API on 127.0.0.1:" + webPort + " did not answer within " + START_TIMEOUT);
            }
            ExternalProcess.sleep(200);
        }
    }

    /** Fails unless qBittorrent took every setting that keeps it off public networks. */
    private void checkPreferences() {
        String prefs = get("/api/v2/app/preferences");
        Map<String, String> want = new LinkedHashMap<>();
        want.put("dht", "false");
        want.put("lsd", "false");
        want.put("pex", "false");
        want.put("upnp", "false");
        want.put("web_ui_upnp", "false");
        want.put("resolve_peer_countries", "false");
        want.put("anonymous_mode", "false");
        want.put("add_trackers_enabled", "false");
        want.put("current_network_interface", "\"lo\"");
        want.put("current_interface_address", "\"127.0.0.1\"");
        want.put("listen_port", Integer.toString(peerPort));
        want.put("web_ui_address", "\"127.0.0.1\"");
        want.put("bypass_local_auth", "true");
        want.put("encryption", Integer.toString(encryption.mode()));
        want.put("bittorrent_protocol", "1");
        want.put("queueing_enabled", "false");
        for (Map.Entry<String, String> e : want.entrySet()) {
            if (!prefs.contains("\"" + e.getKey() + "\":" + e.getValue())) {
                throw failure("did not take " + e.getKey() + "=" + e.getValue() + " from qBittorrent.conf; preferences: "
                        + prefs);
            }
        }
    }

    /** The port qBittorrent listens for peers on, on 127.0.0.1. */
    public int peerPort() {
        return peerPort;
    }

    /** The Web UI's port on 127.0.0.1. */
    public int webPort() {
        return webPort;
    }

    public ExternalProcess process() {
        return process;
    }

    /**
     * {@code POST /api/v2/torrents/add} with {@code urls=uri} (a magnet link) into {@code savePath},
     * started, the torrent's own folder layout kept.
     */
    public void addUrl(String uri, Path savePath) {
        String body = post("/api/v2/torrents/add", Map.of("urls", uri, "savepath",
                savePath.toAbsolutePath().toString(), "paused", "false", "contentLayout", "Original"));
        if (!body.strip().equals("Ok.")) {
            throw failure("torrents/add refused " + uri + ": " + body);
        }
    }

    /**
     * {@code POST /api/v2/torrents/add} of the .torrent file {@code torrent} (multipart upload) into
     * {@code savePath}, started, the torrent's own folder layout kept. Data already there is checked
     * first, so a complete copy makes it a seed (see {@link #awaitComplete}).
     */
    public void addTorrentFile(Path torrent, Path savePath) {
        String boundary = "spate-it-" + Long.toHexString(System.nanoTime());
        java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream();
        Map<String, String> fields = new LinkedHashMap<>();
        fields.put("savepath", savePath.toAbsolutePath().toString());
        fields.put("paused", "false");
        fields.put("contentLayout", "Original");
        for (Map.Entry<String, String> f : fields.entrySet()) {
            body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + f.getKey()
                    + "\"\r\n\r\n" + f.getValue() + "\r\n").getBytes(StandardCharsets.UTF_8));
        }
        try {
            body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"torrents\"; filename=\""
                    + torrent.getFileName() + "\"\r\nContent-Type: application/x-bittorrent\r\n\r\n")
                    .getBytes(StandardCharsets.UTF_8));
            body.writeBytes(Files.readAllBytes(torrent));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        body.writeBytes(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        String answer = send(request("/api/v2/torrents/add")
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray())).build());
        if (!answer.strip().equals("Ok.")) {
            throw failure("torrents/add refused " + torrent + ": " + answer);
        }
    }

    /**
     * {@code POST /api/v2/torrents/addPeers}: has qBittorrent dial {@code host:port} for the torrent
     * (it must be loaded: see {@link #awaitLoaded}).
     */
    public void addPeer(String infoHashHex, String host, int port) {
        post("/api/v2/torrents/addPeers", Map.of("hashes", infoHashHex, "peers", host + ":" + port));
    }

    /** Waits until qBittorrent lists the torrent (adding is asynchronous). */
    public void awaitLoaded(String infoHashHex, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (info(infoHashHex).strip().equals("[]")) {
            if (System.nanoTime() > deadline) {
                throw failure("did not list " + infoHashHex + " within " + timeout);
            }
            ExternalProcess.sleep(100);
        }
    }

    /**
     * Changes the encryption mode at run time ({@code POST /api/v2/app/setPreferences}) and fails
     * unless the preferences read back say so; new connections follow it.
     */
    public void setEncryption(Encryption e) {
        post("/api/v2/app/setPreferences", Map.of("json", "{\"encryption\":" + e.mode() + "}"));
        this.encryption = e;
        checkPreferences();
    }

    /** The encryption mode it runs with. */
    public Encryption encryption() {
        return encryption;
    }

    /** {@code GET /api/v2/torrents/info?hashes=H}: the torrent as JSON ("[]" when qBittorrent has no such torrent). */
    public String info(String infoHashHex) {
        return get("/api/v2/torrents/info?hashes=" + infoHashHex);
    }

    /**
     * Polls {@link #info} until the torrent's progress is 1 and its state one of a complete
     * torrent's; fails with the last answer after {@code timeout}.
     */
    public void awaitComplete(String infoHashHex, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        String last = "";
        while (System.nanoTime() < deadline) {
            last = info(infoHashHex);
            Matcher progress = PROGRESS.matcher(last);
            Matcher state = STATE.matcher(last);
            if (progress.find() && state.find() && Double.parseDouble(progress.group(1)) >= 1.0
                    && COMPLETE_STATES.contains(state.group(1))) {
                return;
            }
            if (!process.isAlive()) {
                throw failure("exited while downloading " + infoHashHex);
            }
            ExternalProcess.sleep(300);
        }
        throw failure("torrent " + infoHashHex + " not complete within " + timeout + "; last info: " + last
                + "\npeers: " + get("/api/v2/sync/torrentPeers?hash=" + infoHashHex));
    }

    private String get(String path) {
        return send(request(path).GET().build());
    }

    private String post(String path, Map<String, String> form) {
        String body = form.entrySet().stream()
                .map(e -> URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8) + "="
                        + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
                .collect(Collectors.joining("&"));
        return send(request(path).header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build());
    }

    private HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + webPort + path)).timeout(REQUEST_TIMEOUT);
    }

    private String send(HttpRequest request) {
        try {
            HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                throw failure(request.method() + " " + request.uri() + " answered " + r.statusCode() + ": " + r.body());
            }
            return r.body();
        } catch (IOException e) {
            throw failure(request.method() + " " + request.uri() + " failed: " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private AssertionError failure(String what) {
        AssertionError e = process.failure(what);
        Path log = qbittorrentLog();
        if (Files.isRegularFile(log)) {
            try {
                List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
                e.addSuppressed(new AssertionError("qbittorrent.log (tail):\n"
                        + String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()))));
            } catch (IOException | UncheckedIOException unreadable) {
                e.addSuppressed(unreadable);
            }
        }
        return e;
    }

    private Path qbittorrentLog() {
        return profile.resolve("qBittorrent/data/logs/qbittorrent.log");
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Stops the daemon, keeps its log under target/it-logs, deletes its profile. Idempotent. */
    @Override
    public void close() {
        process.close();
        Path log = qbittorrentLog();
        try {
            if (Files.isRegularFile(log)) {
                Files.copy(log, ExternalProcess.newLogFile("qbittorrent-nox-own-log"));
            }
        } catch (IOException | UncheckedIOException ignored) {
            // the log is for diagnosis only
        }
        if (Files.exists(profile)) {
            try (Stream<Path> all = Files.walk(profile)) {
                for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot delete qBittorrent profile " + profile, e);
            }
        }
    }
}
