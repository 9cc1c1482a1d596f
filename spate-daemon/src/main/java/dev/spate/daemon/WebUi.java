package dev.spate.daemon;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * The web UI: a page, a script module and a style sheet, served from the jar (no build step, no
 * library) at {@code /} and {@code /web/}. The page is a client of the Transmission RPC like any
 * other, so it does the session-id dance itself and needs nothing the RPC does not give.
 *
 * <p>Its headers keep it to itself: a content security policy that lets it load only its own
 * script and style and talk only to its own origin (no inline script, so a torrent name that
 * got into the page as markup could not run), no framing (clickjacking), no referrer.
 *
 * <p>The files are read once, at construction; immutable after, any thread.
 */
final class WebUi {
    /** Where the page is. */
    static final String PATH = "/";
    static final String POLICY = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:;"
            + " connect-src 'self'; media-src 'self'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'";

    private record Asset(byte[] body, String type) {
    }

    private final Map<String, Asset> assets;

    WebUi() {
        Asset page = new Asset(resource("index.html"), "text/html; charset=utf-8");
        this.assets = Map.of(
                "/", page,
                "/index.html", page,
                "/web/app.js", new Asset(resource("app.js"), "text/javascript; charset=utf-8"),
                "/web/style.css", new Asset(resource("style.css"), "text/css; charset=utf-8"));
    }

    private static byte[] resource(String name) {
        try (InputStream in = WebUi.class.getResourceAsStream("web/" + name)) {
            if (in == null) {
                throw new IllegalStateException("the web UI's " + name + " is missing from the jar");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the web UI's " + name, e);
        }
    }

    /** Answers a request under {@code /} that no other context took. */
    void serve(HttpExchange ex) throws IOException {
        Asset asset = assets.get(ex.getRequestURI().getRawPath());
        Headers headers = ex.getResponseHeaders();
        if (asset == null) {
            send(ex, 404, "not found\n".getBytes(StandardCharsets.UTF_8), "text/plain; charset=utf-8");
            return;
        }
        String method = ex.getRequestMethod();
        if (!method.equals("GET") && !method.equals("HEAD")) {
            headers.set("Allow", "GET, HEAD");
            send(ex, 405, "GET the page\n".getBytes(StandardCharsets.UTF_8), "text/plain; charset=utf-8");
            return;
        }
        headers.set("Content-Security-Policy", POLICY);
        headers.set("X-Frame-Options", "DENY");
        headers.set("X-Content-Type-Options", "nosniff");
        headers.set("Referrer-Policy", "no-referrer");
        // Revalidated each time: a newer daemon's page is never mixed with an older script.
        headers.set("Cache-Control", "no-cache");
        send(ex, 200, asset.body(), asset.type());
    }

    private static void send(HttpExchange ex, int status, byte[] body, String type) throws IOException {
        Replies.send(ex, status, body, type);
    }
}
