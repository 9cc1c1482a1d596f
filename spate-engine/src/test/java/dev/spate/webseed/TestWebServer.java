package dev.spate.webseed;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A raw HTTP/1.1 server on 127.0.0.1 for web seed tests: one request per connection, answered by a
 * handler that writes whatever bytes it likes (a correct range answer, a malformed one, half of
 * one, nothing at all) and then the connection is closed. Records every request and the most
 * requests it ever served at once. {@link #close()} closes every connection, which also ends a
 * handler blocked reading from the client.
 */
final class TestWebServer implements AutoCloseable {

    /** A request: its target (raw path and query), and its headers by lower-case name. */
    record Request(String target, Map<String, String> headers) {
        String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }

        /** The target's path, percent-decoded. */
        String decodedPath() {
            String path = target.contains("?") ? target.substring(0, target.indexOf('?')) : target;
            return URLDecoder.decode(path.replace("+", "%2B"), StandardCharsets.UTF_8);
        }
    }

    @FunctionalInterface
    interface Handler {
        /** Writes the whole answer to {@code out}; {@code in} is the rest of the client's stream. */
        void handle(Request request, InputStream in, OutputStream out) throws Exception;
    }

    private final ServerSocket server;
    private final Handler handler;
    private final List<Request> requests = new CopyOnWriteArrayList<>();
    private final List<Socket> open = new CopyOnWriteArrayList<>();
    private final AtomicInteger active = new AtomicInteger();
    private final AtomicInteger maxActive = new AtomicInteger();

    TestWebServer(Handler handler) throws IOException {
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        this.handler = handler;
        Thread.ofVirtual().start(this::acceptLoop);
    }

    /**
     * Serves {@code files} (by decoded path) as a server that honours ranges does: a 206 with
     * Content-Range for {@code Range: bytes=a-b}, a 200 without one, a 404 for any other path.
     */
    static Handler files(Map<String, byte[]> files) {
        return (request, in, out) -> {
            byte[] file = files.get(request.decodedPath());
            if (file == null) {
                out.write(head("404 Not Found", "Content-Length: 0"));
                return;
            }
            String range = request.header("range");
            if (range == null) {
                out.write(head("200 OK", "Content-Length: " + file.length));
                out.write(file);
                return;
            }
            long[] r = range(range);
            out.write(partialHead(r[0], r[1], file.length));
            out.write(file, (int) r[0], (int) (r[1] - r[0] + 1));
        };
    }

    /** The first and last byte of a {@code bytes=a-b} header. */
    static long[] range(String header) {
        String spec = header.substring("bytes=".length());
        int dash = spec.indexOf('-');
        return new long[] {Long.parseLong(spec.substring(0, dash)), Long.parseLong(spec.substring(dash + 1))};
    }

    /** The head of a correct 206 for bytes first-last of a file of {@code total} bytes. */
    static byte[] partialHead(long first, long last, long total) {
        return head("206 Partial Content", "Content-Range: bytes " + first + "-" + last + "/" + total,
                "Content-Length: " + (last - first + 1));
    }

    /** A response head: status line, the headers given, {@code Connection: close}. */
    static byte[] head(String status, String... headers) {
        StringBuilder sb = new StringBuilder("HTTP/1.1 ").append(status).append("\r\n");
        for (String h : headers) {
            sb.append(h).append("\r\n");
        }
        sb.append("Connection: close\r\n\r\n");
        return sb.toString().getBytes(StandardCharsets.ISO_8859_1);
    }

    String url(String path) {
        return "http://127.0.0.1:" + server.getLocalPort() + path;
    }

    int port() {
        return server.getLocalPort();
    }

    /** Requests in arrival order. */
    List<Request> requests() {
        return requests;
    }

    /** The most requests that were being answered at the same time. */
    int maxConcurrent() {
        return maxActive.get();
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                open.add(s);
                Thread.ofVirtual().start(() -> serve(s));
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket s) {
        int now = active.incrementAndGet();
        maxActive.accumulateAndGet(now, Math::max);
        try (s) {
            InputStream in = s.getInputStream();
            Request request = readHead(in);
            requests.add(request);
            OutputStream out = s.getOutputStream();
            handler.handle(request, in, out);
            out.flush();
        } catch (Exception e) {
            // the client went away (it refused an answer, or gave up): fine
        } finally {
            active.decrementAndGet();
        }
    }

    private static Request readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        byte[] end = {'\r', '\n', '\r', '\n'};
        while (matched < 4) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("eof in request head");
            }
            head.write(b);
            matched = b == end[matched] ? matched + 1 : (b == '\r' ? 1 : 0);
        }
        String[] lines = head.toString(StandardCharsets.ISO_8859_1).split("\r\n");
        Map<String, String> headers = new TreeMap<>();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            if (colon > 0) {
                headers.put(lines[i].substring(0, colon).strip().toLowerCase(Locale.ROOT),
                        lines[i].substring(colon + 1).strip());
            }
        }
        return new Request(lines[0].split(" ", 3)[1], headers);
    }

    /** Blocks until the client closes the connection or the server closes: an answer that never comes. */
    static void hang(InputStream in) throws IOException {
        while (in.read() >= 0) {
            // discard
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        for (Socket s : open) {
            s.close();
        }
    }
}
