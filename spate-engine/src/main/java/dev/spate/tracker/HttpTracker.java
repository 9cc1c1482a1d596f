package dev.spate.tracker;

import dev.spate.bencode.BDictionary;
import dev.spate.bencode.BInteger;
import dev.spate.bencode.BList;
import dev.spate.bencode.BString;
import dev.spate.bencode.BValue;
import dev.spate.bencode.Bencode;
import dev.spate.bencode.BencodeException;
import dev.spate.core.InfoHash;
import dev.spate.core.PeerAddress;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.ConnectException;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * An HTTP(S) tracker: BEP 3 announce, BEP 48 scrape, BEP 23 compact and BEP 7 IPv6 peers.
 *
 * <p>Built on {@link HttpClient} rather than a hand-written HTTP/1.1 client, because trackers need
 * TLS, chunked bodies and keep-alive, which the JDK already does correctly. What HttpClient would
 * decide for us we take back: redirects are followed here ({@code Redirect.NEVER}, at most {@code
 * maxRedirects}, loops detected), the body is collected by a subscriber that gives up past {@code
 * maxResponseBytes}, and a whole call (every redirect, headers and bodies) must finish within
 * {@code connectTimeout + readTimeout}, which {@code HttpRequest.timeout} alone does not bound. A
 * tracker that accepts the connection and never answers is given up after {@code readTimeout}.
 *
 * <p>Thread-safe and stateless apart from the shared client; calls block the caller, and an
 * interrupt ends one at once.
 */
public final class HttpTracker implements Tracker {
    /**
     * One client per connect timeout and local address, shared by all trackers: each HttpClient
     * owns a selector thread.
     */
    private static final Map<List<Object>, HttpClient> CLIENTS = new ConcurrentHashMap<>();

    private final URI announce;
    private final TrackerConfig config;
    private final HttpClient client;

    HttpTracker(URI announce, TrackerConfig config) {
        this.announce = announce;
        this.config = config;
        this.client = CLIENTS.computeIfAbsent(List.of(config.connectTimeout(), config.localAddress()), key -> {
            HttpClient.Builder b = HttpClient.newBuilder()
                    .version(HttpClient.Version.HTTP_1_1)
                    .followRedirects(HttpClient.Redirect.NEVER)
                    .connectTimeout(config.connectTimeout())
                    .executor(Executors.newVirtualThreadPerTaskExecutor());
            // The tracker takes the address we connect from as ours: it must be the one we listen on.
            config.localAddress().ifPresent(b::localAddress);
            return b.build();
        });
    }

    @Override
    public String url() {
        return announce.toString();
    }

    @Override
    public AnnounceResponse announce(AnnounceRequest request) throws TrackerException {
        Optional<Inet6Address> ipv6 = config.publishedIpv6().filter(a -> overIpv4(announce, config.localAddress()));
        byte[] body = get(withQuery(announce, announceQuery(request, ipv6)));
        return parseAnnounce(body);
    }

    /** BEP 48 scrape of the URL derived by {@link #scrapeUri}; every hash goes in one request. */
    @Override
    public Map<InfoHash, ScrapeResult> scrape(List<InfoHash> infoHashes) throws TrackerException {
        URI scrape = scrapeUri(announce).orElseThrow(() -> new TrackerException(
                "tracker " + redacted(announce) + " does not support scrape: its path does not end in 'announce'"));
        StringBuilder query = new StringBuilder();
        for (InfoHash hash : infoHashes) {
            if (!query.isEmpty()) {
                query.append('&');
            }
            query.append("info_hash=").append(percentEncode(hash.bytes()));
        }
        return parseScrape(get(withQuery(scrape, query.toString())));
    }

    // ---------------------------------------------------------------- request building

    /**
     * The BEP 3 announce query: binary values percent-encoded byte by byte, counters in decimal,
     * {@code event} only when there is one, {@code numwant} only when set, {@code key} as 8 hex digits.
     */
    static String announceQuery(AnnounceRequest r) {
        return announceQuery(r, Optional.empty());
    }

    /**
     * The announce query with BEP 7's {@code ipv6} parameter when {@code ipv6} is present: our IPv6
     * address in the compressed form, for a tracker that sees only our IPv4 source address. BEP 7
     * discourages the parameter for an address that is not ours; the caller passes only one we
     * listen on.
     */
    static String announceQuery(AnnounceRequest r, Optional<Inet6Address> ipv6) {
        StringBuilder q = new StringBuilder(256);
        q.append("info_hash=").append(percentEncode(r.infoHash().bytes()));
        q.append("&peer_id=").append(percentEncode(r.peerId().bytes()));
        q.append("&port=").append(r.port());
        q.append("&uploaded=").append(r.uploaded());
        q.append("&downloaded=").append(r.downloaded());
        q.append("&left=").append(r.left());
        q.append("&compact=").append(r.compact() ? 1 : 0);
        if (r.event() != AnnounceRequest.Event.NONE) {
            q.append("&event=").append(r.event().httpName());
        }
        if (r.numWant() >= 0) {
            q.append("&numwant=").append(r.numWant());
        }
        q.append("&key=").append(String.format(Locale.ROOT, "%08X", r.key()));
        r.trackerId().ifPresent(id -> q.append("&trackerid=").append(percentEncode(id.getBytes(StandardCharsets.UTF_8))));
        ipv6.ifPresent(a -> q.append("&ipv6=")
                .append(percentEncode(PeerAddress.host(a).getBytes(StandardCharsets.US_ASCII))));
        return q.toString();
    }

    /**
     * Whether an announce to {@code uri} goes over IPv4: from an IPv4 local address, or to a host
     * whose address (the one the HTTP client connects to, the first the resolver gives) is IPv4.
     * An unknown host is not: its announce fails anyway.
     */
    static boolean overIpv4(URI uri, Optional<InetAddress> local) {
        if (local.isPresent()) {
            return local.get() instanceof Inet4Address;
        }
        String host = uri.getHost();
        if (host == null || host.startsWith("[")) {
            return false;
        }
        try {
            return InetAddress.getByName(host) instanceof Inet4Address;
        } catch (UnknownHostException | SecurityException e) {
            return false;
        }
    }

    /** RFC 3986: unreserved bytes ({@code A-Z a-z 0-9 - . _ ~}) as they are, every other byte %XX. */
    static String percentEncode(byte[] bytes) {
        StringBuilder sb = new StringBuilder(bytes.length * 3);
        for (byte b : bytes) {
            int c = b & 0xff;
            if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
                    || c == '-' || c == '.' || c == '_' || c == '~') {
                sb.append((char) c);
            } else {
                sb.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 15, 16)));
            }
        }
        return sb.toString();
    }

    /**
     * BEP 48: the text after the last '/' of the path must start with {@code announce}, which becomes
     * {@code scrape} ({@code /x/announce.php?k=1} gives {@code /x/scrape.php?k=1}); otherwise empty.
     */
    static Optional<URI> scrapeUri(URI announce) {
        String path = announce.getRawPath();
        if (path == null) {
            return Optional.empty();
        }
        int slash = path.lastIndexOf('/');
        if (!path.startsWith("announce", slash + 1)) {
            return Optional.empty();
        }
        String scrapePath = path.substring(0, slash + 1) + "scrape" + path.substring(slash + 1 + "announce".length());
        return Optional.of(URI.create(announce.getScheme() + "://" + announce.getRawAuthority() + scrapePath
                + (announce.getRawQuery() == null ? "" : "?" + announce.getRawQuery())));
    }

    private static URI withQuery(URI base, String query) {
        String existing = base.getRawQuery();
        String all = existing == null || existing.isEmpty() ? query : existing + "&" + query;
        return URI.create(base.getScheme() + "://" + base.getRawAuthority()
                + (base.getRawPath() == null || base.getRawPath().isEmpty() ? "/" : base.getRawPath()) + "?" + all);
    }

    /** The URL without its query, which may hold a private passkey; for messages. */
    static String redacted(URI uri) {
        return uri.getScheme() + "://" + uri.getRawAuthority() + (uri.getRawPath() == null ? "" : uri.getRawPath());
    }

    // ---------------------------------------------------------------- exchange

    /** GETs {@code uri}, following redirects ourselves, and returns the body of the final 2xx answer. */
    private byte[] get(URI uri) throws TrackerException {
        Set<URI> seen = new LinkedHashSet<>();
        URI current = uri;
        // One deadline for the whole call, redirects included: a tracker that redirects slowly must
        // not stretch it to (maxRedirects + 1) times the timeouts.
        long deadline = config.clock().nanoTime() + config.connectTimeout().plus(config.readTimeout()).toNanos();
        for (int redirects = 0; ; redirects++) {
            seen.add(current);
            HttpResponse<byte[]> response = exchange(current, uri, deadline);
            int status = response.statusCode();
            if (status == 301 || status == 302 || status == 303 || status == 307 || status == 308) {
                String location = response.headers().firstValue("Location").orElseThrow(() ->
                        new TrackerException("tracker " + redacted(uri) + " redirected (HTTP " + status + ") without a Location"));
                if (redirects == config.maxRedirects()) {
                    throw new TrackerException("too many redirects (" + config.maxRedirects() + ") from " + redacted(uri));
                }
                URI next;
                try {
                    next = current.resolve(new URI(location));
                } catch (URISyntaxException | IllegalArgumentException e) {
                    throw new TrackerException("tracker " + redacted(uri) + " redirected to a malformed URL: " + location);
                }
                String scheme = next.getScheme() == null ? "" : next.getScheme().toLowerCase(Locale.ROOT);
                if (!scheme.equals("http") && !scheme.equals("https")) {
                    throw new TrackerException("tracker " + redacted(uri) + " redirected to a non-HTTP URL: " + redacted(next));
                }
                if (seen.contains(next)) {
                    throw new TrackerException("redirect loop: " + redacted(uri) + " leads back to " + redacted(next));
                }
                current = next;
                continue;
            }
            if (status / 100 != 2) {
                // Some trackers put a bencoded failure reason in a 4xx body; prefer their words.
                String reason = failureReason(response.body());
                throw new TrackerException(reason != null ? "tracker failure: " + reason
                        : "tracker " + redacted(current) + " answered HTTP " + status);
            }
            return response.body();
        }
    }

    /**
     * One request and its whole response, by {@code deadline} (on the configured clock): the
     * request's timeout alone bounds only the wait for an answer to start, not a body that trickles.
     */
    private HttpResponse<byte[]> exchange(URI uri, URI asked, long deadline) throws TrackerException {
        HttpRequest request = HttpRequest.newBuilder(uri)
                .GET()
                .timeout(config.readTimeout())
                .header("User-Agent", "Spate/0.1")
                .build();
        CompletableFuture<HttpResponse<byte[]>> future =
                client.sendAsync(request, info -> new CappedBody(config.maxResponseBytes()));
        try {
            return future.get(Math.max(0, deadline - config.clock().nanoTime()), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            future.cancel(true);
            throw new TrackerException("no complete answer from " + redacted(asked) + " within "
                    + seconds(config.connectTimeout().plus(config.readTimeout())));
        } catch (InterruptedException e) {
            future.cancel(true);
            Thread.currentThread().interrupt();
            throw new TrackerException("interrupted while asking " + redacted(uri), e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            while (cause instanceof IOException && cause.getCause() instanceof TooLarge) {
                cause = cause.getCause();
            }
            if (cause instanceof TooLarge) {
                throw new TrackerException("tracker response larger than " + size(config.maxResponseBytes()));
            }
            if (cause instanceof HttpConnectTimeoutException) {
                throw new TrackerException("could not connect to " + redacted(uri) + " within "
                        + seconds(config.connectTimeout()), cause);
            }
            if (cause instanceof HttpTimeoutException) {
                throw noAnswer(uri);
            }
            if (cause instanceof ConnectException) {
                throw new TrackerException("could not connect to " + redacted(uri) + ": connection refused", cause);
            }
            throw new TrackerException("tracker " + redacted(uri) + ": " + cause, cause);
        }
    }

    private TrackerException noAnswer(URI uri) {
        return new TrackerException("no answer from " + redacted(uri) + " within " + seconds(config.readTimeout()));
    }

    private static String seconds(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
    }

    static String size(int bytes) {
        return bytes % (1 << 20) == 0 ? (bytes >> 20) + " MiB" : bytes + " bytes";
    }

    /** The body exceeded the cap. */
    private static final class TooLarge extends IOException {
        private static final long serialVersionUID = 1L;

        TooLarge() {
            super("body too large");
        }
    }

    /** Collects a body up to {@code cap} bytes and fails, cancelling the download, beyond that. */
    private static final class CappedBody implements HttpResponse.BodySubscriber<byte[]> {
        private final int cap;
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        private final CompletableFuture<byte[]> result = new CompletableFuture<>();
        private Flow.Subscription subscription;

        CappedBody(int cap) {
            this.cap = cap;
        }

        @Override
        public CompletableFuture<byte[]> getBody() {
            return result;
        }

        @Override
        public void onSubscribe(Flow.Subscription s) {
            subscription = s;
            s.request(Long.MAX_VALUE);
        }

        @Override
        public void onNext(List<ByteBuffer> buffers) {
            if (result.isDone()) {
                return;
            }
            for (ByteBuffer b : buffers) {
                if (bytes.size() + b.remaining() > cap) {
                    subscription.cancel();
                    result.completeExceptionally(new TooLarge());
                    return;
                }
                byte[] chunk = new byte[b.remaining()];
                b.get(chunk);
                bytes.write(chunk, 0, chunk.length);
            }
        }

        @Override
        public void onError(Throwable t) {
            result.completeExceptionally(t);
        }

        @Override
        public void onComplete() {
            result.complete(bytes.toByteArray());
        }
    }

    // ---------------------------------------------------------------- response parsing

    private static BDictionary dictionary(byte[] body) throws TrackerException {
        BValue value;
        try {
            value = Bencode.decode(body);
        } catch (BencodeException e) {
            throw new TrackerException("tracker response is not bencode (" + e.getMessage() + "): " + preview(body));
        }
        if (!(value instanceof BDictionary dict)) {
            throw new TrackerException("tracker response is not a bencoded dictionary: " + preview(body));
        }
        return dict;
    }

    private static String failureReason(byte[] body) {
        try {
            if (Bencode.decode(body) instanceof BDictionary d && d.get("failure reason") instanceof BString s) {
                return s.text();
            }
        } catch (BencodeException e) {
            // not bencode: no reason to quote
        }
        return null;
    }

    /** The first bytes of a body, printable, for error messages. */
    static String preview(byte[] body) {
        int n = Math.min(body.length, 60);
        StringBuilder sb = new StringBuilder("'");
        for (int i = 0; i < n; i++) {
            int c = body[i] & 0xff;
            sb.append(c >= 0x20 && c < 0x7f ? Character.toString(c) : "\\x" + String.format("%02x", c));
        }
        sb.append(body.length > n ? "...' (" + body.length + " bytes)" : "'");
        return sb.toString();
    }

    /** Reads a BEP 3 announce answer (with BEP 7 {@code peers6} and BEP 23 compact peers). */
    static AnnounceResponse parseAnnounce(byte[] body) throws TrackerException {
        BDictionary d = dictionary(body);
        if (d.get("failure reason") != null) {
            throw new TrackerException("tracker failure: " + text(d, "failure reason").orElse(""));
        }
        long interval = integer(d, "interval").orElseThrow(() ->
                new TrackerException("tracker response has no 'interval': " + preview(body)));
        if (interval < 0) {
            throw new TrackerException("tracker sent a negative interval " + interval);
        }
        Optional<Duration> minInterval = integer(d, "min interval").filter(v -> v >= 0).map(Duration::ofSeconds);
        List<InetSocketAddress> peers = new ArrayList<>();
        switch (d.get("peers")) {
            case null -> { }
            case BString s -> PeerLists.compact(s.bytes(), 0, s.length(), 4, "peers", peers);
            case BList list -> PeerLists.dictionaries(list, peers);
            default -> throw new TrackerException("tracker sent 'peers' that is neither a string nor a list");
        }
        switch (d.get("peers6")) {
            case null -> { }
            case BString s -> PeerLists.compact(s.bytes(), 0, s.length(), 16, "peers6", peers);
            default -> throw new TrackerException("tracker sent 'peers6' that is not a string");
        }
        return new AnnounceResponse(Duration.ofSeconds(interval), minInterval, peers,
                count(d, "complete"), count(d, "incomplete"), text(d, "tracker id"), text(d, "warning message"));
    }

    /** Reads a BEP 48 scrape answer: {@code files} keyed by the raw 20-byte info-hash. */
    static Map<InfoHash, ScrapeResult> parseScrape(byte[] body) throws TrackerException {
        BDictionary d = dictionary(body);
        if (d.get("failure reason") != null) {
            throw new TrackerException("tracker failure: " + text(d, "failure reason").orElse(""));
        }
        if (!(d.get("files") instanceof BDictionary files)) {
            throw new TrackerException("tracker scrape response has no 'files' dictionary: " + preview(body));
        }
        Map<InfoHash, ScrapeResult> out = new LinkedHashMap<>();
        for (Map.Entry<String, BValue> e : files.entries().entrySet()) {
            byte[] key = BDictionary.keyBytes(e.getKey());
            if (key.length != InfoHash.LENGTH || !(e.getValue() instanceof BDictionary stats)) {
                throw new TrackerException("tracker scrape response has a 'files' entry that is not a 20-byte hash"
                        + " with a dictionary");
            }
            out.put(InfoHash.of(key), new ScrapeResult(count(stats, "complete").orElse(0),
                    count(stats, "downloaded").orElse(0), count(stats, "incomplete").orElse(0)));
        }
        return out;
    }

    private static Optional<Long> integer(BDictionary d, String key) throws TrackerException {
        return switch (d.get(key)) {
            case null -> Optional.empty();
            case BInteger i -> Optional.of(i.value());
            default -> throw new TrackerException("tracker sent '" + key + "' that is not an integer");
        };
    }

    private static OptionalInt count(BDictionary d, String key) throws TrackerException {
        Optional<Long> v = integer(d, key);
        if (v.isEmpty()) {
            return OptionalInt.empty();
        }
        long n = v.get();
        if (n < 0 || n > Integer.MAX_VALUE) {
            throw new TrackerException("tracker sent '" + key + "' of " + n);
        }
        return OptionalInt.of((int) n);
    }

    private static Optional<String> text(BDictionary d, String key) throws TrackerException {
        return switch (d.get(key)) {
            case null -> Optional.empty();
            case BString s -> Optional.of(s.text());
            default -> throw new TrackerException("tracker sent '" + key + "' that is not a string");
        };
    }
}
