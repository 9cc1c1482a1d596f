package dev.spate.daemon;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * A whole answer in one go, for every context of the daemon's server. For HEAD the JDK server
 * sends no body whatever it is given, warns in its log when given a length, and then drops the
 * Content-Length: so for HEAD the length is set here and none is given to it.
 */
final class Replies {
    private Replies() {
    }

    /** Answers {@code status} with {@code body} of {@code type}. */
    static void send(HttpExchange ex, int status, byte[] body, String type) throws IOException {
        ex.getResponseHeaders().set("Content-Type", type);
        if (ex.getRequestMethod().equals("HEAD")) {
            ex.getResponseHeaders().set("Content-Length", Integer.toString(body.length));
            ex.sendResponseHeaders(status, -1);
            return;
        }
        // -1: no body; 0 would ask the JDK server for chunked encoding.
        ex.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(body);
        }
    }

    /** Answers {@code status} with one line of plain text. */
    static void text(HttpExchange ex, int status, String text) throws IOException {
        send(ex, status, (text + "\n").getBytes(StandardCharsets.UTF_8), "text/plain; charset=utf-8");
    }
}
