package dev.spate.daemon;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HashSet;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The Transmission RPC over HTTP at {@value #PATH}, on the JDK's HTTP server with a virtual thread
 * per exchange. Each request passes, in order: a Host header naming this machine (against DNS
 * rebinding: a web page whose name is made to resolve to 127.0.0.1 still sends its own name), Basic
 * auth when configured (401), Transmission's CSRF guard (rpc-spec.md: a request without the
 * current {@code X-Transmission-Session-Id} gets 409 with the id in that header, and the client
 * sends it again with it), POST, and a body of at most {@link #MAX_BODY} bytes (413). Then the JSON
 * goes to {@link TransmissionRpc}; a body that is not JSON gets 400 with a result saying so.
 *
 * <p>The same server serves the web UI at {@value WebUi#PATH} ({@link WebUi}), streams the
 * torrents' files under {@value Streams#PATH} ({@link Streams}) and serves {@value Metrics#PATH}
 * ({@link Metrics}); each passes the Host and credential checks, and none changes anything, so
 * none asks for the session id (the UI's changes go through the RPC, which does).
 *
 * <p>Slow or many clients: each exchange is bounded in time while it waits on the client
 * ({@link ExchangeDeadlines}: 30 s to send the request, 30 s to take the answer, but for a stream,
 * which lasts as long as its player reads), and the JDK
 * server's own limits are set before the first server of the process is made (unless given with
 * {@code -D}): at most {@value #MAX_CONNECTIONS} connections open (one more is closed at once);
 * an idle one, and one that sends nothing, is closed after the JDK's idle interval (30 s).
 *
 * <p>Closing stops the server (the session is the caller's).
 */
public final class RpcServer implements AutoCloseable {
    /** Where Transmission's clients send their requests. */
    public static final String PATH = "/transmission/rpc";
    /** Transmission's default RPC port. */
    public static final int DEFAULT_PORT = 9091;
    /** The largest request body taken: a torrent-add with a big .torrent in base64 fits. */
    public static final int MAX_BODY = 16 << 20;
    static final String SESSION_ID_HEADER = "X-Transmission-Session-Id";
    /**
     * Connections open at once, idle or not, so that a local client cannot use up the daemon's
     * file descriptors (which its peers need). Generous: a client that opens a connection per
     * request and leaves it open (the JDK's HttpClient made anew each time does) keeps a few
     * hundred open, each until the server's idle timeout (the JDK's 30 s).
     */
    static final int MAX_CONNECTIONS = 1024;

    static {
        // Read once, when the JDK's server class is first used: set here, before any RpcServer makes
        // one. A value given on the command line (-D) is left as it is.
        setIfAbsent("jdk.httpserver.maxConnections", MAX_CONNECTIONS);
    }

    private static void setIfAbsent(String property, int value) {
        if (System.getProperty(property) == null) {
            System.setProperty(property, Integer.toString(value));
        }
    }

    private final HttpServer server;
    private final ExchangeDeadlines executor;
    private final TransmissionRpc rpc;
    private final JsonMapper json;
    private final String sessionId;
    private final Optional<String> credentials;
    private final Set<String> allowedHosts = new HashSet<>();
    private final Streams streams;
    private final Metrics metrics;
    private final WebUi webUi;

    /**
     * Listens on {@code address} for RPC on {@code torrents}; with {@code userColonPassword}
     * (USER:PASS) every request must authenticate with it.
     *
     * @throws IOException when the address cannot be bound
     */
    public static RpcServer start(Torrents torrents, InetSocketAddress address, Optional<String> userColonPassword)
            throws IOException {
        return new RpcServer(torrents, address, userColonPassword, ExchangeDeadlines.Limits.DEFAULT);
    }

    /** {@link #start} with the exchanges bounded by {@code limits} (tests: short ones). */
    static RpcServer start(Torrents torrents, InetSocketAddress address, Optional<String> userColonPassword,
                           ExchangeDeadlines.Limits limits) throws IOException {
        return new RpcServer(torrents, address, userColonPassword, limits);
    }

    private RpcServer(Torrents torrents, InetSocketAddress address, Optional<String> userColonPassword,
                      ExchangeDeadlines.Limits limits) throws IOException {
        this.json = JsonMapper.builder().build();
        this.rpc = new TransmissionRpc(torrents, json);
        this.credentials = Objects.requireNonNull(userColonPassword, "userColonPassword");
        userColonPassword.ifPresent(c -> {
            if (c.indexOf(':') < 1) {
                throw new IllegalArgumentException("RPC credentials are USER:PASS");
            }
        });
        byte[] id = new byte[36];
        new SecureRandom().nextBytes(id);
        this.sessionId = Base64.getUrlEncoder().withoutPadding().encodeToString(id);
        allowedHosts.addAll(allowedHosts(address.getAddress()));
        this.server = HttpServer.create(address, 64);
        this.executor = ExchangeDeadlines.start(limits);
        server.setExecutor(executor);
        server.createContext(PATH, this::exchange);
        this.streams = new Streams(torrents);
        server.createContext(Streams.PATH, this::stream);
        this.metrics = new Metrics(torrents);
        server.createContext(Metrics.PATH, this::metrics);
        this.webUi = new WebUi();
        server.createContext(WebUi.PATH, this::page);
        server.start();
    }

    /** The address the server listens on (the chosen port when 0 was asked). */
    public InetSocketAddress address() {
        return server.getAddress();
    }

    /** How many files are being streamed now. */
    int openStreams() {
        return streams.open();
    }

    /** The streams served; for tests. */
    Streams streams() {
        return streams;
    }

    /** The current session id clients must send back (rpc-spec.md, CSRF protection). */
    String sessionId() {
        return sessionId;
    }

    /**
     * Whether a request from {@code client} may go on: from this machine always; from elsewhere
     * only when the server asks for credentials. The command refuses to bind a non-loopback
     * address without them; this keeps a server started some other way (bound to the wildcard,
     * say) from serving the network unauthenticated, as Transmission's default whitelist does.
     */
    static boolean clientAllowed(InetAddress client, boolean credentialsRequired) {
        return credentialsRequired || client != null && client.isLoopbackAddress();
    }

    /**
     * The checks every request passes, whatever it asks for: from this machine unless there are
     * credentials (403), without credentials a Host naming this machine (421), and the credentials when
     * there are any (401). False when the request was answered with a refusal.
     */
    private boolean admitted(HttpExchange ex) throws IOException {
        if (!clientAllowed(ex.getRemoteAddress().getAddress(), credentials.isPresent())) {
            text(ex, 403, "Forbidden: without credentials (--rpc-auth USER:PASS) only this machine may use the daemon.");
            return false;
        }
        // With credentials any name may be used (a LAN name, a reverse proxy), as in Transmission:
        // a rebinding page cannot send them, since the browser keeps them for the daemon's own name.
        if (credentials.isEmpty() && !hostAllowed(ex.getRequestHeaders().getFirst("Host"))) {
            // 421 Misdirected Request, as Transmission answers a Host not on its list.
            text(ex, 421, "Unknown host in the Host header: use 127.0.0.1, localhost or the address the RPC is bound to.");
            return false;
        }
        if (credentials.isPresent() && !authorized(ex.getRequestHeaders().getFirst("Authorization"))) {
            ex.getResponseHeaders().set("WWW-Authenticate", "Basic realm=\"Spate\"");
            text(ex, 401, "Unauthorized");
            return false;
        }
        return true;
    }

    /**
     * A file streamed ({@link Streams}): read-only, so no session id is asked for. Its answer is
     * not bounded in time: a stream lasts as long as its player reads (and waits for pieces).
     */
    private void stream(HttpExchange ex) throws IOException {
        try (ex) {
            if (admitted(ex)) {
                executor.requestRead();
                streams.serve(ex);
            }
        }
    }

    /** The web UI ({@link WebUi}), and the 404 of every path no other context has. */
    private void page(HttpExchange ex) throws IOException {
        try (ex) {
            if (admitted(ex)) {
                executor.requestRead();
                executor.responding();
                webUi.serve(ex);
            }
        }
    }

    /** The metrics ({@link Metrics}): read-only. */
    private void metrics(HttpExchange ex) throws IOException {
        try (ex) {
            if (!admitted(ex)) {
                return;
            }
            executor.requestRead();
            if (!ex.getRequestMethod().equals("GET") && !ex.getRequestMethod().equals("HEAD")) {
                ex.getResponseHeaders().set("Allow", "GET, HEAD");
                text(ex, 405, "GET the metrics");
                return;
            }
            ex.getResponseHeaders().set("Cross-Origin-Resource-Policy", "same-origin");
            if (!Streams.fromThisOrigin(ex.getRequestHeaders().getFirst("Sec-Fetch-Site"))) {
                text(ex, 403, "the metrics are not for other sites' pages");
                return;
            }
            send(ex, 200, metrics.scrape().getBytes(StandardCharsets.UTF_8), Metrics.CONTENT_TYPE);
        }
    }

    private void exchange(HttpExchange ex) throws IOException {
        try (ex) {
            if (!admitted(ex)) {
                return;
            }
            String sent = ex.getRequestHeaders().getFirst(SESSION_ID_HEADER);
            ex.getResponseHeaders().set(SESSION_ID_HEADER, sessionId);
            if (sent == null || !MessageDigest.isEqual(sent.getBytes(StandardCharsets.UTF_8),
                    sessionId.getBytes(StandardCharsets.UTF_8))) {
                text(ex, 409, SESSION_ID_HEADER + ": " + sessionId);
                return;
            }
            if (!ex.getRequestMethod().equals("POST")) {
                ex.getResponseHeaders().set("Allow", "POST");
                text(ex, 405, "POST a JSON request");
                return;
            }
            String length = ex.getRequestHeaders().getFirst("Content-Length");
            if (length != null && length.length() > 10) {
                text(ex, 413, "request body larger than " + MAX_BODY + " bytes");
                return;
            }
            if (length != null && length.chars().allMatch(Character::isDigit) && !length.isEmpty()
                    && Long.parseLong(length) > MAX_BODY) {
                text(ex, 413, "request body larger than " + MAX_BODY + " bytes");
                return;
            }
            byte[] body = readBounded(ex.getRequestBody());
            if (body == null) {
                text(ex, 413, "request body larger than " + MAX_BODY + " bytes");
                return;
            }
            executor.requestRead();
            JsonNode request;
            try {
                request = json.readTree(body);
            } catch (JacksonException e) {
                ObjectNode error = json.createObjectNode().put("result", "JSON parse error");
                send(ex, 400, json.writeValueAsBytes(error), "application/json");
                return;
            }
            send(ex, 200, json.writeValueAsBytes(rpc.handle(request)), "application/json");
        }
    }

    /**
     * The names a Host header may give for a server bound to {@code bind}: localhost and the
     * loopback addresses, and the address it is bound to; bound to the wildcard, every address of
     * this machine's interfaces (each is "the bind address" then). Never a DNS name other than
     * localhost: a name is what a rebinding attack controls.
     */
    static Set<String> allowedHosts(InetAddress bind) {
        // IPv6 literals are kept in the JDK's full form, to which a bracketed Host is brought too.
        Set<String> hosts = new HashSet<>(Set.of("localhost", "127.0.0.1", "0:0:0:0:0:0:0:1"));
        if (bind != null && !bind.isAnyLocalAddress()) {
            hosts.add(literal(bind));
        } else {
            try {
                for (NetworkInterface nif : java.util.Collections.list(NetworkInterface.getNetworkInterfaces())) {
                    for (InetAddress a : java.util.Collections.list(nif.getInetAddresses())) {
                        hosts.add(literal(a));
                    }
                }
            } catch (SocketException e) {
                // the loopback names still work
            }
        }
        return hosts;
    }

    /** An address as a Host header writes it (without brackets, port or IPv6 scope). */
    private static String literal(InetAddress a) {
        return a.getHostAddress().toLowerCase(Locale.ROOT).replaceFirst("%.*$", "");
    }

    /** Whether {@code host} (a Host header: name or address, with or without a port) names this machine. */
    boolean hostAllowed(String host) {
        if (host == null) {
            return false;
        }
        String h = host.strip().toLowerCase(Locale.ROOT);
        if (h.startsWith("[")) {
            int close = h.indexOf(']');
            if (close < 0 || !h.substring(close + 1).matches("(:[0-9]{1,5})?")) {
                return false; // nothing but a port may follow the address
            }
            try {
                // An IPv6 literal (only hex digits, colons, dots): parsed without any DNS lookup.
                String inner = h.substring(1, close);
                if (!inner.contains(":") || !inner.matches("[0-9a-f:.]+")) {
                    return false;
                }
                h = literal(InetAddress.getByName(inner));
            } catch (java.net.UnknownHostException e) {
                return false;
            }
        } else if (h.indexOf(':') == h.lastIndexOf(':') && h.indexOf(':') >= 0) {
            h = h.substring(0, h.indexOf(':'));
        }
        if (h.endsWith(".")) {
            h = h.substring(0, h.length() - 1);
        }
        return allowedHosts.contains(h);
    }

    private boolean authorized(String header) {
        if (header == null || !header.regionMatches(true, 0, "Basic ", 0, 6)) {
            return false;
        }
        byte[] given;
        try {
            given = Base64.getDecoder().decode(header.substring(6).strip());
        } catch (IllegalArgumentException e) {
            return false;
        }
        return MessageDigest.isEqual(given, credentials.orElseThrow().getBytes(StandardCharsets.UTF_8));
    }

    /** The body, or null when it is longer than {@link #MAX_BODY}. */
    private static byte[] readBounded(InputStream in) throws IOException {
        byte[] body = in.readNBytes(MAX_BODY + 1);
        return body.length > MAX_BODY ? null : body;
    }

    private void text(HttpExchange ex, int status, String text) throws IOException {
        send(ex, status, (text + "\n").getBytes(StandardCharsets.UTF_8), "text/plain; charset=utf-8");
    }

    private void send(HttpExchange ex, int status, byte[] body, String type) throws IOException {
        executor.responding();
        Replies.send(ex, status, body, type);
    }

    @Override
    public void close() {
        server.stop(0);
        streams.close();
        executor.close();
        metrics.close();
    }
}
