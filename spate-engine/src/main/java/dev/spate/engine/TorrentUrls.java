package dev.spate.engine;

import dev.spate.core.Clock;
import dev.spate.metainfo.Metainfo;
import dev.spate.metainfo.MetainfoException;
import dev.spate.metainfo.MetainfoParser;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Fetches a .torrent file by its http or https URL, as a web page links one, treating the server
 * as hostile: the body is at most {@link #MAX_BYTES}, at most {@link #MAX_REDIRECTS} redirects are
 * followed and only to http or https, and the whole fetch (connecting, every redirect, the body)
 * ends within one timeout. Each failure is one line naming the URL and the problem. URLs in
 * messages lose their query, which on private trackers' sites holds a passkey.
 *
 * <p>In the library rather than the command line because every front end that takes a torrent
 * from a user takes URLs of them (a web UI's or an RPC's "add torrent" does). Redirects are
 * followed here rather than by {@link HttpClient}, which would follow any number and let https
 * go to http without a word of it.
 *
 * <p>Stateless; a call blocks its caller, and an interrupt ends it at once.
 */
public final class TorrentUrls {
    /**
     * The largest body accepted: what {@link MetainfoParser#read} accepts from a file
     * ({@value MetainfoParser#MAX_FILE_SIZE} bytes), so that a torrent opens alike from a file and a
     * URL, and nothing larger is held in memory.
     */
    public static final int MAX_BYTES = MetainfoParser.MAX_FILE_SIZE;
    /** The most redirects followed, as many as browsers' download links use and more. */
    public static final int MAX_REDIRECTS = 5;

    private static final Clock CLOCK = Clock.system();

    private TorrentUrls() {
    }

    /** Whether {@code text} is an http or https URL (either case), as opposed to a path or a magnet link. */
    public static boolean isUrl(String text) {
        return text.regionMatches(true, 0, "http://", 0, 7) || text.regionMatches(true, 0, "https://", 0, 8);
    }

    /**
     * GETs the .torrent at {@code url} and parses it.
     *
     * @param timeout the whole fetch, redirects and body included
     * @throws IllegalArgumentException if {@code url} is not an absolute http or https URL
     * @throws IOException if the server cannot be reached, answers other than 2xx, redirects more
     *     than {@link #MAX_REDIRECTS} times, in a loop or to another scheme, sends more than
     *     {@link #MAX_BYTES}, or the fetch takes longer than {@code timeout}
     * @throws MetainfoException if the body is not a valid .torrent file
     * @throws InterruptedException if interrupted meanwhile
     */
    public static Metainfo fetch(URI url, Duration timeout) throws IOException, MetainfoException, InterruptedException {
        return fetch(url, timeout, MAX_BYTES);
    }

    /** {@link #fetch(URI, Duration)} with another size bound, for tests. */
    static Metainfo fetch(URI url, Duration timeout, int maxBytes) throws IOException, MetainfoException,
            InterruptedException {
        byte[] body = get(url, timeout, maxBytes);
        try {
            return MetainfoParser.parse(body);
        } catch (MetainfoException e) {
            throw new MetainfoException(shown(url) + ": not a .torrent file: " + e.getMessage(), e);
        }
    }

    /** The body of the 2xx answer {@code url} ends at, after redirects. */
    static byte[] get(URI url, Duration timeout, int maxBytes) throws IOException, InterruptedException {
        checkScheme(url, url);
        long deadline = CLOCK.nanoTime() + timeout.toNanos();
        HttpClient client = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(timeout)
                .executor(Executors.newVirtualThreadPerTaskExecutor())
                .build();
        try {
            Set<URI> seen = new HashSet<>();
            URI current = url;
            for (int redirects = 0; ; redirects++) {
                seen.add(current);
                HttpResponse<byte[]> response = exchange(client, current, url, timeout, deadline, maxBytes);
                int status = response.statusCode();
                if (status == 301 || status == 302 || status == 303 || status == 307 || status == 308) {
                    String location = response.headers().firstValue("Location").orElseThrow(() ->
                            new IOException(shown(url) + ": redirected (HTTP " + status + ") without a Location"));
                    if (redirects == MAX_REDIRECTS) {
                        throw new IOException(shown(url) + ": too many redirects (more than " + MAX_REDIRECTS + ")");
                    }
                    URI next;
                    try {
                        next = current.resolve(new URI(location));
                    } catch (URISyntaxException | IllegalArgumentException e) {
                        throw new IOException(shown(url) + ": redirected to a malformed URL: " + location);
                    }
                    checkRedirect(url, next);
                    if (!seen.add(next)) {
                        throw new IOException(shown(url) + ": redirect loop (back to " + shown(next) + ")");
                    }
                    current = next;
                    continue;
                }
                if (status / 100 != 2) {
                    throw new IOException(shown(url) + (current.equals(url) ? "" : " (redirected to " + shown(current) + ")")
                            + ": HTTP " + status);
                }
                return response.body();
            }
        } finally {
            client.shutdownNow();
        }
    }

    private static HttpResponse<byte[]> exchange(HttpClient client, URI uri, URI asked, Duration timeout, long deadline,
                                                 int maxBytes) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(uri).GET().timeout(timeout)
                .header("User-Agent", "Spate/0.1")
                .header("Accept", "application/x-bittorrent, */*")
                .build();
        CompletableFuture<HttpResponse<byte[]>> future = client.sendAsync(request, info -> {
            OptionalLong length = info.headers().firstValueAsLong("Content-Length");
            // Refused before a byte of the body: a server that says so need not be read.
            return new CappedBody(maxBytes, length.isPresent() && length.getAsLong() > maxBytes);
        });
        HttpResponse<byte[]> response;
        try {
            response = future.get(Math.max(0, deadline - CLOCK.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            future.cancel(true);
            throw new IOException(shown(asked) + ": no complete answer within " + seconds(timeout));
        } catch (InterruptedException e) {
            future.cancel(true);
            throw e;
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            while (cause instanceof IOException && cause.getCause() instanceof TooLarge) {
                cause = cause.getCause();
            }
            if (cause instanceof TooLarge) {
                throw tooLarge(asked, maxBytes);
            }
            if (cause instanceof java.net.http.HttpConnectTimeoutException) {
                throw new IOException(shown(asked) + ": cannot connect to " + uri.getHost() + ":" + port(uri)
                        + " within " + seconds(timeout), cause);
            }
            if (cause instanceof java.net.http.HttpTimeoutException) {
                throw new IOException(shown(asked) + ": no complete answer within " + seconds(timeout));
            }
            if (cause instanceof ConnectException) {
                throw new IOException(shown(asked) + ": cannot connect to " + uri.getHost() + ":" + port(uri)
                        + ": connection refused", cause);
            }
            throw new IOException(shown(asked) + ": " + Messages.message(cause), cause);
        }
        return response;
    }

    private static IOException tooLarge(URI url, int maxBytes) {
        return new IOException(shown(url) + ": too large for a .torrent file (more than " + size(maxBytes) + ")");
    }

    private static void checkScheme(URI url, URI asked) {
        String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
        if (!url.isAbsolute() || !(scheme.equals("http") || scheme.equals("https")) || url.getHost() == null) {
            throw new IllegalArgumentException(shown(asked) + ": not an http or https URL");
        }
    }

    private static void checkRedirect(URI asked, URI next) throws IOException {
        try {
            checkScheme(next, next);
        } catch (IllegalArgumentException e) {
            throw new IOException(shown(asked) + ": redirected to " + shown(next) + ", not an http or https URL");
        }
    }

    private static int port(URI uri) {
        return uri.getPort() >= 0 ? uri.getPort() : uri.getScheme().equalsIgnoreCase("https") ? 443 : 80;
    }

    /** The URL without its query and fragment, which may hold a passkey; for messages. */
    static String shown(URI uri) {
        if (uri.getScheme() == null || uri.getRawAuthority() == null) {
            return Announcer.safe(uri.toString());
        }
        return uri.getScheme() + "://" + uri.getRawAuthority() + (uri.getRawPath() == null ? "" : uri.getRawPath());
    }

    private static String seconds(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
    }

    private static String size(int bytes) {
        return bytes % (1 << 20) == 0 ? (bytes >> 20) + " MiB" : bytes + " bytes";
    }

    /** The body exceeded the bound. */
    private static final class TooLarge extends IOException {
        private static final long serialVersionUID = 1L;

        TooLarge() {
            super("body too large");
        }
    }

    /**
     * Collects a body up to {@code cap} bytes; beyond that it fails and cancels the transfer. One
     * whose {@code Content-Length} says it is larger is refused before a byte of it is read.
     */
    private static final class CappedBody implements HttpResponse.BodySubscriber<byte[]> {
        private final int cap;
        private final boolean refused;
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        private final CompletableFuture<byte[]> result = new CompletableFuture<>();
        private Flow.Subscription subscription;

        CappedBody(int cap, boolean refused) {
            this.cap = cap;
            this.refused = refused;
        }

        @Override
        public CompletableFuture<byte[]> getBody() {
            return result;
        }

        @Override
        public void onSubscribe(Flow.Subscription s) {
            subscription = s;
            if (refused) {
                s.cancel();
                result.completeExceptionally(new TooLarge());
                return;
            }
            s.request(Long.MAX_VALUE);
        }

        @Override
        public void onNext(List<ByteBuffer> buffers) {
            if (result.isDone()) {
                return;
            }
            for (ByteBuffer b : buffers) {
                if (bytes.size() + (long) b.remaining() > cap) {
                    subscription.cancel();
                    result.completeExceptionally(new TooLarge());
                    return;
                }
                byte[] chunk = new byte[b.remaining()];
                b.get(chunk);
                bytes.writeBytes(chunk);
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
}
