package dev.spate.webseed;

import dev.spate.metainfo.FileSpan;
import dev.spate.metainfo.TorrentInfo;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One BEP 19 web seed of one torrent: an HTTP(S) server holding the torrent's files, from which
 * whole pieces (or any range of the torrent's byte stream) are fetched with range requests.
 *
 * <pre>{@code
 * WebSeed seed = WebSeed.open("http://mirror.example/pub/", info, WebSeedConfig.defaults());
 * ByteBuffer piece = seed.fetchPiece(7); // blocks; on a virtual thread
 * }</pre>
 *
 * <p><b>URLs.</b> A single-file torrent's file is at the web seed's URL (with the torrent's name
 * appended when the URL ends in {@code /}); a multi-file torrent's files are at
 * {@code URL/name/path...}, each component percent-encoded as UTF-8. A range that spans files
 * takes one request per file span, one after the other ({@code Range: bytes=a-b}); zero-length
 * files take none, nor do BEP 47 pad files, whose bytes are zeros filled in here.
 *
 * <p><b>What is accepted.</b> A 206 whose {@code Content-Range} is exactly the bytes asked for, of a
 * file exactly as long as the torrent says (or of unknown length, {@code /*}), with no content
 * coding, and whose body has exactly that many bytes: a byte more cancels the download, a byte
 * fewer is a short read. A server that ignores {@code Range} answers 200 with the whole file:
 * that is accepted, keeping the asked part, only for files of at most {@link
 * WebSeedConfig#maxWholeFileBytes()} whose length is the torrent's; larger ones are refused, so
 * a fetch never reads much more than it asked for. Redirects (301, 302, 303, 307, 308) are
 * followed here, at most {@link WebSeedConfig#maxRedirects()}, relative ones resolved, only to
 * http or https, loops refused. Anything else is a {@link WebSeedException} naming the URL and
 * the reason. The data itself is not checked: the caller hashes the piece and, when the hash
 * fails, drops the web seed ({@link WebSeedBackOff#hashFailed(int)}).
 *
 * <p><b>Bounds.</b> Each file-span request has a connect timeout, a read timeout (for the
 * response to start) and a deadline for all of it, redirects and body included ({@link
 * WebSeedConfig}). At most {@link WebSeedConfig#maxConcurrentRequests()} fetches of one web seed
 * run at once; further callers wait for a turn, interruptibly, before their deadlines start.
 *
 * <p><b>Threads.</b> Thread-safe; no state but the turns. Every fetch blocks its caller (meant
 * to be a virtual thread the torrent starts per fetch) and returns or throws; interrupting the
 * caller ends the fetch at once with {@link InterruptedException}. Once a fetch has returned or
 * thrown, its buffer is never written again, even by a late chunk of an abandoned answer, so a
 * pooled buffer can be reused at once. No thread of its own: the HTTP clients, shared by every
 * web seed with the same connect timeout, run on virtual threads.
 */
public final class WebSeed {
    private static final String USER_AGENT = "Spate/0.1";

    /** One client per connect timeout: each HttpClient owns a selector thread and a connection pool. */
    private static final Map<Duration, HttpClient> CLIENTS = new ConcurrentHashMap<>();

    private final URI base;
    private final TorrentInfo info;
    private final List<URI> fileUris;
    private final WebSeedConfig config;
    private final HttpClient client;
    private final Semaphore turns;

    private WebSeed(URI base, TorrentInfo info, WebSeedConfig config) {
        this.base = base;
        this.info = info;
        this.fileUris = WebSeedUrls.fileUris(base, info);
        this.config = config;
        this.turns = new Semaphore(config.maxConcurrentRequests(), true);
        this.client = CLIENTS.computeIfAbsent(config.connectTimeout(), timeout -> HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(timeout)
                .executor(Executors.newVirtualThreadPerTaskExecutor())
                .build());
    }

    /**
     * A web seed from a url-list entry of a .torrent or a {@code ws} parameter of a magnet. Does no
     * IO. Characters not allowed in a URL (spaces, non-ASCII) are percent-encoded first.
     *
     * @throws WebSeedException of kind {@link WebSeedException.Kind#BAD_URL} when {@code url} is not
     *     an absolute http or https URL with a host; BEP 19 says to ignore such entries
     */
    public static WebSeed open(String url, TorrentInfo info, WebSeedConfig config) throws WebSeedException {
        return open(WebSeedUrls.parse(url), info, config);
    }

    /**
     * A web seed at {@code base} for the torrent {@code info}. Does no IO.
     *
     * @throws WebSeedException of kind {@link WebSeedException.Kind#BAD_URL} when {@code base} is not
     *     an absolute http or https URL with a host
     */
    public static WebSeed open(URI base, TorrentInfo info, WebSeedConfig config) throws WebSeedException {
        Objects.requireNonNull(info, "info");
        Objects.requireNonNull(config, "config");
        String scheme = base.getScheme() == null ? "" : base.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https") || base.getHost() == null) {
            WebSeedUrls.parse(base.toString()); // throws, with the precise reason
            throw new WebSeedException(base.toString(), WebSeedException.Kind.BAD_URL, "not an http or https URL"
                    + " with a host", -1, null, null);
        }
        return new WebSeed(base, info, config);
    }

    /** The web seed's URL as given. */
    public URI base() {
        return base;
    }

    /** The URL of file {@code fileIndex} of the torrent on this web seed. */
    public URI fileUri(int fileIndex) {
        return fileUris.get(fileIndex);
    }

    /** The fetches of this web seed that may run at once; the torrent should not start more. */
    public int maxConcurrentRequests() {
        return config.maxConcurrentRequests();
    }

    /**
     * Fetches the whole of {@code piece} into a new heap buffer: position 0, limit the piece's size.
     *
     * @throws WebSeedException when the web seed did not give exactly the piece's bytes
     * @throws InterruptedException when the caller was interrupted; the fetch is abandoned
     * @throws IndexOutOfBoundsException when the torrent has no such piece
     */
    public ByteBuffer fetchPiece(int piece) throws WebSeedException, InterruptedException {
        ByteBuffer buffer = ByteBuffer.allocate(info.pieceSize(piece));
        fetchPiece(piece, buffer);
        return buffer.flip();
    }

    /**
     * Fetches the whole of {@code piece} into {@code into} (a pooled buffer, heap or direct), from its
     * position: on return the piece's bytes are there and the position has advanced past them. On
     * an exception the position is unchanged and what lies past it is unspecified.
     *
     * @throws IllegalArgumentException when fewer than the piece's bytes remain in {@code into}
     * @throws WebSeedException when the web seed did not give exactly the piece's bytes
     * @throws InterruptedException when the caller was interrupted; the fetch is abandoned
     * @throws IndexOutOfBoundsException when the torrent has no such piece
     */
    public void fetchPiece(int piece, ByteBuffer into) throws WebSeedException, InterruptedException {
        int size = info.pieceSize(piece);
        if (into.remaining() < size) {
            throw new IllegalArgumentException("buffer has " + into.remaining() + " bytes left for piece " + piece
                    + " of " + size);
        }
        int start = into.position();
        fetchRange((long) piece * info.pieceLength(), into.slice(start, size));
        into.position(start + size);
    }

    /**
     * Fetches {@code into.remaining()} bytes of the torrent's byte stream (its files concatenated)
     * from {@code offset} into {@code into}; on return its position is at its limit. Lets a caller
     * ask for a run of consecutive pieces at once, which BEP 19 recommends over one request per
     * piece. Each file span is one request with its own deadline.
     *
     * @throws WebSeedException when the web seed did not give exactly those bytes
     * @throws InterruptedException when the caller was interrupted; the fetch is abandoned
     * @throws IndexOutOfBoundsException when the range leaves the torrent
     */
    public void fetchRange(long offset, ByteBuffer into) throws WebSeedException, InterruptedException {
        List<SpanRequest> spans = plan(offset, into.remaining());
        turns.acquire();
        try {
            int start = into.position();
            for (SpanRequest span : spans) {
                if (info.files().get(span.fileIndex()).isPad()) {
                    // BEP 47: a pad file is zeros that no server need hold; it is not asked for.
                    for (int i = 0; i < span.length(); i++) {
                        into.put(start + span.bufferOffset() + i, (byte) 0);
                    }
                } else {
                    fetchSpan(span, into, start + span.bufferOffset());
                }
            }
            into.position(into.limit());
        } finally {
            turns.release();
        }
    }

    /** The requests that {@code length} bytes at {@code offset} of the byte stream take, in order. */
    List<SpanRequest> plan(long offset, int length) {
        List<FileSpan> spans = info.layout().spans(offset, length);
        List<SpanRequest> out = new ArrayList<>(spans.size());
        for (FileSpan s : spans) {
            out.add(new SpanRequest(s.fileIndex(), fileUris.get(s.fileIndex()), info.files().get(s.fileIndex()).length(),
                    s.fileOffset(), s.length(), s.rangeOffset()));
        }
        return out;
    }

    // ---------------------------------------------------------------- one file span

    /** GETs one span into {@code into} at {@code at}, following redirects, within the request deadline. */
    private void fetchSpan(SpanRequest span, ByteBuffer into, int at) throws WebSeedException, InterruptedException {
        long deadline = config.clock().nanoTime() + config.requestDeadline().toNanos();
        Set<URI> seen = new HashSet<>();
        URI current = span.uri();
        for (int redirects = 0; ; redirects++) {
            seen.add(current);
            SpanBody.Target target = new SpanBody.Target(into, at, span.length());
            HttpResponse<Void> response = exchange(span, current, target, deadline);
            if (target.complete()) {
                return;
            }
            int status = response.statusCode();
            if (status == 301 || status == 302 || status == 303 || status == 307 || status == 308) {
                current = redirectTarget(span, current, response, redirects, seen);
                continue;
            }
            throw statusError(span, current, response);
        }
    }

    private URI redirectTarget(SpanRequest span, URI current, HttpResponse<Void> response, int redirects,
                               Set<URI> seen) throws WebSeedException {
        int status = response.statusCode();
        String location = response.headers().firstValue("Location").orElseThrow(() -> new WebSeedException(
                span.uri(), WebSeedException.Kind.REDIRECT, "HTTP " + status + " without a Location" + via(span, current),
                null));
        if (redirects == config.maxRedirects()) {
            throw new WebSeedException(span.uri(), WebSeedException.Kind.REDIRECT, "more than "
                    + config.maxRedirects() + " redirects", null);
        }
        URI next;
        try {
            next = current.resolve(new URI(location.strip()));
        } catch (URISyntaxException | IllegalArgumentException e) {
            throw new WebSeedException(span.uri(), WebSeedException.Kind.REDIRECT, "redirected to a malformed URL '"
                    + location + "'", e);
        }
        String scheme = next.getScheme() == null ? "" : next.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https") || next.getHost() == null) {
            throw new WebSeedException(span.uri(), WebSeedException.Kind.REDIRECT, "redirected to "
                    + WebSeedException.displayed(next) + ", which is not an http or https URL", null);
        }
        if (seen.contains(next)) {
            throw new WebSeedException(span.uri(), WebSeedException.Kind.REDIRECT, "redirect loop back to "
                    + WebSeedException.displayed(next), null);
        }
        return next;
    }

    private static WebSeedException statusError(SpanRequest span, URI current, HttpResponse<Void> response) {
        int status = response.statusCode();
        HttpHeaders h = response.headers();
        Duration retryAfter = status == 503 || status == 429
                ? RetryAfter.parse(h.firstValue("Retry-After").orElse(null), h.firstValue("Date").orElse(null))
                        .orElse(null)
                : null;
        String reason;
        if (status == 416) {
            reason = "HTTP 416 (range not satisfiable) for " + span.describe() + via(span, current)
                    + ": the file there is shorter than the torrent's " + span.fileLength() + " bytes"
                    + h.firstValue("Content-Range").map(r -> " (" + r + ")").orElse("");
        } else if (status / 100 == 2) {
            reason = "HTTP " + status + " instead of 206 Partial Content for " + span.describe() + via(span, current);
        } else {
            reason = "HTTP " + status + " for " + span.describe() + via(span, current)
                    + (retryAfter != null ? ", retry after " + seconds(retryAfter) : "");
        }
        return new WebSeedException(span.uri(), WebSeedException.Kind.HTTP_STATUS, reason, status, retryAfter, null);
    }

    /**
     * One request and its whole answer by {@code deadline}. The body handler looks at the status
     * and headers first and reads a body only when it is the asked range.
     */
    private HttpResponse<Void> exchange(SpanRequest span, URI uri, SpanBody.Target target, long deadline)
            throws WebSeedException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(uri)
                .GET()
                .timeout(config.readTimeout())
                .header("Range", span.rangeHeader())
                .header("Accept-Encoding", "identity")
                .header("User-Agent", USER_AGENT)
                .build();
        CompletableFuture<HttpResponse<Void>> future =
                client.sendAsync(request, response -> bodyFor(response, span, uri, target));
        try {
            return future.get(Math.max(0, deadline - config.clock().nanoTime()), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            target.close();
            future.cancel(true);
            throw new WebSeedException(span.uri(), WebSeedException.Kind.TIMEOUT, "no complete answer for "
                    + span.describe() + via(span, uri) + " within " + seconds(config.requestDeadline()) + " (got "
                    + target.received() + " of " + span.length() + " bytes)", e);
        } catch (InterruptedException e) {
            target.close();
            future.cancel(true);
            throw e;
        } catch (ExecutionException e) {
            target.close();
            throw failure(span, uri, e.getCause(), target.received());
        }
    }

    /** Chooses how to read the answer, from its status and headers alone. */
    private HttpResponse.BodySubscriber<Void> bodyFor(HttpResponse.ResponseInfo response, SpanRequest span, URI uri,
                                                      SpanBody.Target target) {
        int status = response.statusCode();
        HttpHeaders h = response.headers();
        if (status != 206 && status != 200) {
            return SpanBody.unread(); // a redirect or an error: the status and headers say it all
        }
        Optional<String> encoding = h.firstValue("Content-Encoding").map(String::strip)
                .filter(e -> !e.isEmpty() && !e.equalsIgnoreCase("identity"));
        if (encoding.isPresent()) {
            return refuse(span, uri, WebSeedException.Kind.BAD_RANGE, "answered with Content-Encoding "
                    + encoding.get() + ", not the file's bytes themselves");
        }
        Optional<Long> declared;
        try {
            declared = h.firstValue("Content-Length").map(String::strip).map(Long::parseLong);
        } catch (NumberFormatException e) {
            return refuse(span, uri, WebSeedException.Kind.IO, "answered a malformed Content-Length '"
                    + h.firstValue("Content-Length").orElse("") + "'");
        }
        if (status == 200) {
            if (span.fileLength() > config.maxWholeFileBytes()) {
                return refuse(span, uri, WebSeedException.Kind.BAD_RANGE, "answered 200 with the whole file instead of "
                        + span.describe() + " (it ignores Range requests); a whole file is accepted only up to "
                        + config.maxWholeFileBytes() + " bytes, this one has " + span.fileLength());
            }
            if (declared.isPresent() && declared.get() != span.fileLength()) {
                return refuse(span, uri, WebSeedException.Kind.BAD_RANGE, "serves a file of " + declared.get()
                        + " bytes where the torrent has " + span.fileLength());
            }
            return new SpanBody(target, span.fileLength(), span.first(), span, via(span, uri));
        }
        Optional<String> rangeHeader = h.firstValue("Content-Range");
        if (rangeHeader.isEmpty()) {
            return refuse(span, uri, WebSeedException.Kind.BAD_RANGE, "answered 206 without a Content-Range for "
                    + span.describe() + h.firstValue("Content-Type").filter(t -> t.startsWith("multipart/"))
                            .map(t -> " (" + t + ")").orElse(""));
        }
        ContentRange range;
        try {
            range = ContentRange.parse(rangeHeader.get());
        } catch (IllegalArgumentException e) {
            return refuse(span, uri, WebSeedException.Kind.BAD_RANGE, "answered a malformed range for "
                    + span.describe() + ": " + e.getMessage());
        }
        if (range.completeLength() >= 0 && range.completeLength() != span.fileLength()) {
            return refuse(span, uri, WebSeedException.Kind.BAD_RANGE, "serves a file of " + range.completeLength()
                    + " bytes where the torrent has " + span.fileLength() + " (Content-Range " + rangeHeader.get()
                    + ")");
        }
        if (range.first() != span.first() || range.last() != span.last()) {
            return refuse(span, uri, WebSeedException.Kind.BAD_RANGE, "sent bytes " + range.first() + "-"
                    + range.last() + " when asked for " + span.describe());
        }
        if (declared.isPresent() && declared.get() > span.length()) {
            return refuse(span, uri, WebSeedException.Kind.OVERSIZED, "declared " + declared.get()
                    + " bytes for the " + span.length() + " of " + span.describe() + "; none were read");
        }
        if (declared.isPresent() && declared.get() < span.length()) {
            return refuse(span, uri, WebSeedException.Kind.SHORT_READ, "declared " + declared.get()
                    + " bytes for the " + span.length() + " of " + span.describe());
        }
        return new SpanBody(target, span.length(), 0, span, via(span, uri));
    }

    private static HttpResponse.BodySubscriber<Void> refuse(SpanRequest span, URI uri, WebSeedException.Kind kind,
                                                            String reason) {
        return SpanBody.refusing(new WebSeedException(span.uri(), kind, reason + via(span, uri), null));
    }

    /**
     * The exception for a failed exchange, from what the HTTP client reported; {@code received}
     * bytes of the body had come.
     */
    private WebSeedException failure(SpanRequest span, URI uri, Throwable cause, long received) {
        for (Throwable t = cause; t != null; t = t.getCause()) {
            if (t instanceof SpanBody.Refused refused) {
                return refused.exception;
            }
        }
        if (received > 0 && cause instanceof IOException && !(cause instanceof HttpTimeoutException)) {
            // The body had begun and broke off. The client may say so through the exchange rather
            // than through the body's onError (a race inside it): the same refusal either way.
            return new WebSeedException(span.uri(), WebSeedException.Kind.SHORT_READ, "the answer for "
                    + span.describe() + via(span, uri) + " broke off after " + received + " of " + span.length()
                    + " bytes (" + cause.getMessage() + ")", cause);
        }
        if (cause instanceof HttpConnectTimeoutException) {
            return new WebSeedException(span.uri(), WebSeedException.Kind.CONNECT, "could not connect"
                    + via(span, uri) + " within " + seconds(config.connectTimeout()), cause);
        }
        if (cause instanceof HttpTimeoutException) {
            return new WebSeedException(span.uri(), WebSeedException.Kind.TIMEOUT, "no answer for " + span.describe()
                    + via(span, uri) + " within " + seconds(config.readTimeout()), cause);
        }
        if (cause instanceof ConnectException) {
            return new WebSeedException(span.uri(), WebSeedException.Kind.CONNECT, "could not connect"
                    + via(span, uri) + ": " + (cause.getMessage() == null ? "connection refused" : cause.getMessage()),
                    cause);
        }
        String what = cause instanceof IOException && cause.getMessage() != null ? cause.getMessage() : String.valueOf(cause);
        return new WebSeedException(span.uri(), WebSeedException.Kind.IO, "asking for " + span.describe()
                + via(span, uri) + ": " + what, cause);
    }

    /** Words naming the redirect target when the request went elsewhere than the file's URL. */
    private static String via(SpanRequest span, URI current) {
        return current.equals(span.uri()) ? "" : " (redirected to " + WebSeedException.displayed(current) + ")";
    }

    static String seconds(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
    }

    @Override
    public String toString() {
        return "WebSeed[" + WebSeedException.displayed(base) + " for " + info.name() + "]";
    }
}
