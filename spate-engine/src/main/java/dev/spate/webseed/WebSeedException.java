package dev.spate.webseed;

import java.net.URI;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * A web seed could not give the bytes asked for. The message names the file's URL and the
 * reason, precise enough to show a user, for example {@code web seed
 * http://mirror.example/pub/big/a.iso: HTTP 404 for bytes 0-262143} or {@code web seed
 * http://mirror.example/a.iso: no complete answer for bytes 0-262143 within 60 s (got 81920 bytes)}.
 *
 * <p>{@link #kind()} lets the caller tell the cases apart without reading the message;
 * {@link #retryAfter()} carries a server's {@code Retry-After}, which {@link WebSeedBackOff} honours.
 */
public final class WebSeedException extends Exception {
    private static final long serialVersionUID = 1L;

    /** Why a fetch failed. */
    public enum Kind {
        /** The URL in the torrent or magnet is not an absolute http or https URL. */
        BAD_URL,
        /** No TCP (or TLS) connection: refused, unreachable, or not within the connect timeout. */
        CONNECT,
        /** No response within the read timeout, or no complete one within the request deadline. */
        TIMEOUT,
        /** The server answered a status other than 206 (or an acceptable 200); see {@link #status()}. */
        HTTP_STATUS,
        /** Too many redirects, a loop, a redirect without a Location, or to a URL that is not http(s). */
        REDIRECT,
        /**
         * The answer does not describe the bytes asked for: a missing or different Content-Range, a
         * file of another length than the torrent says, a compressed body, a 200 with a whole file
         * too large to accept.
         */
        BAD_RANGE,
        /** The body ended before all the bytes asked for had come. */
        SHORT_READ,
        /** The server declared or sent more bytes than asked for; the rest was not read. */
        OVERSIZED,
        /** Another I/O error (a reset connection, a malformed response). */
        IO
    }

    private final String url;
    private final Kind kind;
    private final int status;
    private final Duration retryAfter;

    WebSeedException(URI uri, Kind kind, String reason, Throwable cause) {
        this(displayed(uri), kind, reason, -1, null, cause);
    }

    WebSeedException(URI uri, Kind kind, String reason, int status, Duration retryAfter, Throwable cause) {
        this(displayed(uri), kind, reason, status, retryAfter, cause);
    }

    /**
     * An exception with the message {@code web seed URL: REASON}. Public so that callers can test
     * their handling of failures without a server.
     *
     * @param url the URL, as it should be shown
     * @param status the HTTP status, or -1 when there was none
     * @param retryAfter how long the server asked us to wait, or null when it did not say
     * @param cause the underlying exception, or null
     */
    public WebSeedException(String url, Kind kind, String reason, int status, Duration retryAfter, Throwable cause) {
        super("web seed " + url + ": " + reason, cause);
        this.url = Objects.requireNonNull(url, "url");
        this.kind = Objects.requireNonNull(kind, "kind");
        this.status = status;
        this.retryAfter = retryAfter;
    }

    /**
     * The URL asked for, as shown in the message: the file's URL built from the web seed, before
     * any redirect, without its query (or, for {@link Kind#BAD_URL}, the text that was given).
     */
    public String url() {
        return url;
    }

    public Kind kind() {
        return kind;
    }

    /** The HTTP status of the answer, for {@link Kind#HTTP_STATUS}. */
    public OptionalInt status() {
        return status < 0 ? OptionalInt.empty() : OptionalInt.of(status);
    }

    /** How long the server asked us to wait (its {@code Retry-After}), when it said. */
    public Optional<Duration> retryAfter() {
        return Optional.ofNullable(retryAfter);
    }

    /**
     * The URL without its query and fragment, for messages: a mirror's query may carry a signed
     * token, which does not belong in logs.
     */
    static String displayed(URI uri) {
        if (uri.getScheme() == null || uri.getRawAuthority() == null) {
            return uri.toString();
        }
        return uri.getScheme() + "://" + uri.getRawAuthority() + (uri.getRawPath() == null ? "" : uri.getRawPath());
    }
}
