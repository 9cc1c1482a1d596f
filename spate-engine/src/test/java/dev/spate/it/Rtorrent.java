package dev.spate.it;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An rtorrent 0.9.8 (rakshasa libtorrent 0.13.8) run headless: {@code rtorrent -n -o import=rtorrent.rc} with
 * {@code system.daemon.set = true}, which keeps it in the foreground without its ncurses screen. It is driven
 * by XML-RPC over SCGI on a Unix socket in its work dir ({@code network.scgi.open_local}); a Unix socket is
 * reached the same way whether rtorrent runs on the host network or inside a {@link NetNamespace}.
 *
 * <p>DHT ({@code dht.mode.set = disable}) and PEX are off (rtorrent has no UPnP, LSD or uTP at all), so it
 * finds peers only through trackers (HTTP, and UDP with {@code trackers.use_udp}) and incoming connections.
 * Its listening socket, outgoing connections and the address it reports to trackers are all
 * {@code bindAddress} (127.0.0.1 by default: rtorrent dials tracker peers in 127.0.0.0/8, unlike
 * Transmission). It keys peers by IP address alone, so a test with other peers gives it an address of its
 * own in a namespace: among peers sharing its address it may try only itself. Encryption: by
 * default plaintext first, retried with MSE when refused, encrypted incoming accepted; or required
 * ({@link Options#encryption}). Its own log (debug level: trackers,
 * handshakes, hash checks) goes to a file of its own in {@code target/it-logs}, its stdout (one line in
 * daemon mode) to the process log. It shuts itself down after {@link Options#lifetime}, whatever happens.
 */
public final class Rtorrent implements AutoCloseable {

    private static final Duration START_TIMEOUT = Duration.ofSeconds(15);
    private static final Duration RPC_TIMEOUT = Duration.ofSeconds(10);
    /** sun_path holds 108 bytes with its terminating zero. */
    private static final int MAX_SOCKET_PATH = 107;
    private static final Pattern STRING = Pattern.compile("<string>(.*?)</string>", Pattern.DOTALL);
    private static final Pattern INTEGER = Pattern.compile("<(?:i4|i8|int)>(-?\\d+)</(?:i4|i8|int)>");
    /** An innermost array: one row of a multicall. */
    private static final Pattern ROW = Pattern.compile("<array><data>((?:(?!<array>).)*?)</data></array>",
            Pattern.DOTALL);
    private static final Pattern VALUE = Pattern.compile("<value>(.*?)</value>", Pattern.DOTALL);
    private static final Pattern FAULT_STRING = Pattern.compile(
            "<name>faultString</name>\\s*<value>(?:<string>)?(.*?)(?:</string>)?</value>", Pattern.DOTALL);

    /** rtorrent's {@code protocol.encryption.set} flags. */
    public enum Encryption {
        /** Plaintext first, retried with MSE when refused; encrypted incoming accepted. */
        ALLOW("allow_incoming,try_outgoing,enable_retry"),
        /**
         * MSE/PE required both ways, RC4 the only payload level: a plaintext BitTorrent handshake in is
         * refused, and a dialler's offer must include RC4.
         */
        REQUIRE_RC4("require,require_RC4");

        private final String flags;

        Encryption(String flags) {
            this.flags = flags;
        }

        /** The flags as {@code protocol.encryption.set} takes them. */
        public String flags() {
            return flags;
        }
    }

    /**
     * Start-up options. Defaults: host network, 127.0.0.1, a random free port, encryption allowed
     * ({@link Encryption#ALLOW}), shut down after 5 minutes.
     */
    public static final class Options {
        private NetNamespace namespace;
        private String bindAddress = "127.0.0.1";
        private int port;
        private Duration lifetime = Duration.ofMinutes(5);
        private Encryption encryption = Encryption.ALLOW;

        /** Runs rtorrent inside {@code ns}; give it one of the namespace's addresses. */
        public Options in(NetNamespace ns) {
            this.namespace = ns;
            return this;
        }

        /** The address it listens on, dials from and reports to trackers. */
        public Options bindAddress(String address) {
            this.bindAddress = Objects.requireNonNull(address);
            return this;
        }

        /** Its one listening port (rtorrent takes a range; this fixture gives it a range of one). */
        public Options port(int port) {
            this.port = port;
            return this;
        }

        /** Its {@code protocol.encryption.set} flags. */
        public Options encryption(Encryption encryption) {
            this.encryption = Objects.requireNonNull(encryption);
            return this;
        }

        /** rtorrent shuts itself down ({@code system.shutdown.normal}) this long after it started. */
        public Options lifetime(Duration lifetime) {
            this.lifetime = lifetime;
            return this;
        }
    }

    /** One connected peer as rtorrent lists it ({@code p.multicall}). */
    public record Peer(String address, int port, boolean incoming, String client) {
        @Override
        public String toString() {
            return address + ":" + port + (incoming ? " (it dialled us)" : " (we dialled it)") + " " + client;
        }
    }

    private final ExternalProcess process;
    private final Path socket;
    private final Path rtorrentLog;
    private final String bindAddress;
    private final int port;

    private Rtorrent(ExternalProcess process, Path socket, Path rtorrentLog, String bindAddress, int port) {
        this.process = process;
        this.socket = socket;
        this.rtorrentLog = rtorrentLog;
        this.bindAddress = bindAddress;
        this.port = port;
    }

    /**
     * Starts rtorrent with its session dir, default download dir and RPC socket under {@code workDir} (which
     * must exist); waits until its RPC answers and its port accepts connections.
     */
    public static Rtorrent start(Path workDir, Options o) {
        Path home = workDir.resolve("rtorrent").toAbsolutePath();
        Path socket = home.resolve("rpc.sock");
        if (socket.toString().getBytes(StandardCharsets.UTF_8).length > MAX_SOCKET_PATH) {
            throw new IllegalArgumentException("work dir too deep for rtorrent's Unix socket: " + socket);
        }
        int port = o.port != 0 ? o.port : pickPort(o.namespace);
        Path rtorrentLog = ExternalProcess.newLogFile("rtorrent-own-log");
        Path rc = home.resolve("rtorrent.rc");
        try {
            Files.createDirectories(home.resolve("session"));
            Files.createDirectories(home.resolve("download"));
            Files.writeString(rc, config(home, socket, rtorrentLog, o, port));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        // -n: no ~/.rtorrent.rc; everything comes from ours.
        List<String> cmd = List.of("rtorrent", "-n", "-o", "import=" + rc);
        if (o.namespace != null) {
            cmd = o.namespace.exec(cmd);
        }
        ExternalProcess p = ExternalProcess.start("rtorrent", cmd, home);
        Rtorrent r = new Rtorrent(p, socket, rtorrentLog, o.bindAddress, port);
        try {
            long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
            while (!r.answers()) {
                if (!p.isAlive() || System.nanoTime() > deadline) {
                    throw r.failure("RPC on " + socket + " did not answer within " + START_TIMEOUT);
                }
                ExternalProcess.sleep(100);
            }
            if (o.namespace != null) {
                o.namespace.waitForPort(o.bindAddress, port, START_TIMEOUT, p);
            } else {
                p.waitForPort(o.bindAddress, port, START_TIMEOUT);
            }
            return r;
        } catch (RuntimeException | AssertionError e) {
            r.close();
            throw e;
        }
    }

    private static String config(Path home, Path socket, Path log, Options o, int port) {
        return """
                session.path.set = "%s"
                directory.default.set = "%s"
                network.port_range.set = %d-%d
                network.port_random.set = no
                network.bind_address.set = %s
                network.local_address.set = %s
                dht.mode.set = disable
                protocol.pex.set = no
                trackers.use_udp.set = yes
                protocol.encryption.set = %s
                pieces.hash.on_completion.set = yes
                system.daemon.set = true
                network.scgi.open_local = "%s"
                log.open_file = "spate", "%s"
                log.add_output = "debug", "spate"
                schedule2 = spate_it_lifetime, %d, 0, ((system.shutdown.normal))
                """.formatted(home.resolve("session"), home.resolve("download"), port, port, o.bindAddress,
                o.bindAddress, o.encryption.flags(), socket, log, Math.max(1, o.lifetime.toSeconds()));
    }

    private static int pickPort(NetNamespace ns) {
        if (ns != null) {
            return ThreadLocalRandom.current().nextInt(20000, 60000);
        }
        try (var s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private boolean answers() {
        if (!Files.exists(socket)) {
            return false;
        }
        try {
            call("system.client_version");
            return true;
        } catch (UncheckedIOException notYet) {
            return false;
        }
    }

    public String bindAddress() {
        return bindAddress;
    }

    public int port() {
        return port;
    }

    public ExternalProcess process() {
        return process;
    }

    /**
     * Loads {@code torrent} and starts it with its data under {@code downloadDir} (the file, or the torrent's
     * folder, goes inside it); data already there is checked first, so a complete copy makes it a seed.
     * Returns the info-hash as rtorrent names it (40 upper-case hex digits).
     */
    public String add(Path torrent, Path downloadDir) {
        List<String> before = strings(call("download_list"));
        call("load.start_verbose", "", torrent.toAbsolutePath().toString(),
                "d.directory.set=" + downloadDir.toAbsolutePath());
        long deadline = System.nanoTime() + RPC_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            for (String hash : strings(call("download_list"))) {
                if (!before.contains(hash)) {
                    return hash;
                }
            }
            ExternalProcess.sleep(100);
        }
        throw failure("did not list " + torrent + " after load.start_verbose");
    }

    /** Changes {@code protocol.encryption.set} at run time; connections made after it follow it. */
    public void setEncryption(Encryption e) {
        List<String> params = new ArrayList<>(List.of(""));
        params.addAll(List.of(e.flags().split(",")));
        call("protocol.encryption.set", params.toArray(String[]::new));
    }

    /** Whether every piece of the torrent is downloaded and rtorrent's own check of them is over. */
    public boolean isComplete(String hash) {
        return number(call("d.complete", hash)) == 1 && number(call("d.hashing", hash)) == 0;
    }

    /** Bytes of the torrent rtorrent has (verified chunks). */
    public long completedBytes(String hash) {
        return number(call("d.completed_bytes", hash));
    }

    /**
     * Waits until {@link #isComplete}: rtorrent hashes the whole torrent again once the last piece arrived
     * ({@code pieces.hash.on_completion}) before it says so.
     */
    public void awaitComplete(String hash, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (isComplete(hash)) {
                return;
            }
            if (!process.isAlive()) {
                throw failure("exited while waiting for " + hash + " to complete");
            }
            ExternalProcess.sleep(250);
        }
        throw failure("did not complete " + hash + " within " + timeout + " (" + completedBytes(hash)
                + " bytes done); peers: " + peers(hash));
    }

    /** The peers connected to the torrent now, and which side dialled. */
    public List<Peer> peers(String hash) {
        String xml = call("p.multicall", hash, "", "p.address=", "p.port=", "p.is_incoming=", "p.client_version=");
        List<Peer> out = new ArrayList<>();
        Matcher row = ROW.matcher(xml);
        while (row.find()) {
            List<String> values = new ArrayList<>();
            Matcher v = VALUE.matcher(row.group(1));
            while (v.find()) {
                values.add(unescape(v.group(1).replaceAll("<[^>]+>", "").strip()));
            }
            if (values.isEmpty()) {
                continue; // the list itself, when no peer is connected
            }
            if (values.size() != 4) {
                throw failure("answered p.multicall with a row of " + values.size() + " values:\n" + xml);
            }
            out.add(new Peer(values.get(0), Integer.parseInt(values.get(1)), values.get(2).equals("1"),
                    values.get(3)));
        }
        return out;
    }

    /** Waits until at least one peer is connected to the torrent; returns them. */
    public List<Peer> awaitPeers(String hash, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            List<Peer> peers = peers(hash);
            if (!peers.isEmpty()) {
                return peers;
            }
            if (!process.isAlive()) {
                throw failure("exited while waiting for a peer of " + hash);
            }
            ExternalProcess.sleep(100);
        }
        throw failure("had no peer for " + hash + " within " + timeout);
    }

    /**
     * How long until rtorrent asks any of the torrent's trackers again (the soonest {@code t.activity_time_next}
     * against rtorrent's own clock); negative when one is overdue.
     */
    public Duration untilNextAnnounce(String hash) {
        long now = number(call("system.time_seconds"));
        List<Long> next = numbers(call("t.multicall", hash, "", "t.activity_time_next="));
        if (next.isEmpty()) {
            throw failure("lists no tracker for " + hash);
        }
        return Duration.ofSeconds(next.stream().mapToLong(Long::longValue).min().getAsLong() - now);
    }

    /** Makes one XML-RPC call (string parameters only) over the SCGI socket; returns the response body. */
    public String call(String method, String... params) {
        StringBuilder body = new StringBuilder("<?xml version=\"1.0\"?><methodCall><methodName>")
                .append(escape(method)).append("</methodName><params>");
        for (String p : params) {
            body.append("<param><value><string>").append(escape(p)).append("</string></value></param>");
        }
        byte[] content = body.append("</params></methodCall>").toString().getBytes(StandardCharsets.UTF_8);
        // SCGI: a netstring of NUL-separated headers, CONTENT_LENGTH first, then the body.
        byte[] headers = ("CONTENT_LENGTH\0" + content.length + "\0SCGI\0" + "1\0").getBytes(StandardCharsets.US_ASCII);
        ByteArrayOutputStream request = new ByteArrayOutputStream();
        request.writeBytes((headers.length + ":").getBytes(StandardCharsets.US_ASCII));
        request.writeBytes(headers);
        request.write(',');
        request.writeBytes(content);
        String response;
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(socket));
            ch.write(ByteBuffer.wrap(request.toByteArray()));
            response = readAll(ch);
        } catch (IOException e) {
            throw new UncheckedIOException("rtorrent RPC " + method + " on " + socket + ": " + e.getMessage(), e);
        }
        int start = response.indexOf("<?xml");
        if (start < 0) {
            throw failure("answered " + method + " with no XML:\n" + response);
        }
        String xml = response.substring(start);
        if (xml.contains("<fault>")) {
            Matcher m = FAULT_STRING.matcher(xml);
            throw failure("refused " + method + " " + List.of(params) + ": " + (m.find() ? m.group(1) : xml));
        }
        return xml;
    }

    private String readAll(SocketChannel ch) throws IOException {
        // The reply is small; rtorrent closes the connection after it. Bounded by a deadline, not a socket
        // timeout (a blocking channel has none), in case rtorrent hangs.
        ch.configureBlocking(false);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
        long deadline = System.nanoTime() + RPC_TIMEOUT.toNanos();
        while (true) {
            buf.clear();
            int n = ch.read(buf);
            if (n < 0) {
                return out.toString(StandardCharsets.UTF_8);
            }
            if (n > 0) {
                out.write(buf.array(), 0, n);
            } else if (System.nanoTime() > deadline) {
                throw new IOException("no complete answer within " + RPC_TIMEOUT);
            } else {
                ExternalProcess.sleep(5);
            }
        }
    }

    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }

    private static String unescape(String s) {
        return s.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&amp;", "&");
    }

    private static List<String> strings(String xml) {
        List<String> out = new ArrayList<>();
        Matcher m = STRING.matcher(xml);
        while (m.find()) {
            out.add(unescape(m.group(1)));
        }
        return out;
    }

    private static List<Long> numbers(String xml) {
        List<Long> out = new ArrayList<>();
        Matcher m = INTEGER.matcher(xml);
        while (m.find()) {
            out.add(Long.parseLong(m.group(1)));
        }
        return out;
    }

    private long number(String xml) {
        List<Long> all = numbers(xml);
        if (all.size() != 1) {
            throw failure("answered with " + all.size() + " numbers where one was expected:\n" + xml);
        }
        return all.get(0);
    }

    /** The tail of rtorrent's own log (trackers, handshakes, hash checks). */
    public String logTail(int lines) {
        try {
            List<String> all = Files.exists(rtorrentLog) ? Files.readAllLines(rtorrentLog) : List.of();
            // Its unchoke-slot bookkeeping is one line a second per direction, and says nothing here.
            List<String> useful = all.stream().filter(l -> !l.contains("unchoked slots adjust")).toList();
            return String.join("\n", useful.subList(Math.max(0, useful.size() - lines), useful.size()));
        } catch (IOException e) {
            return "<" + rtorrentLog + " unreadable: " + e + ">";
        }
    }

    /** An assertion error naming the process, with the tail of rtorrent's own log. */
    public AssertionError failure(String what) {
        AssertionError e = process.failure(what);
        return new AssertionError(e.getMessage() + "\nrtorrent's own log " + rtorrentLog + " (tail):\n"
                + logTail(40), e);
    }

    @Override
    public void close() {
        process.close();
    }
}
