package dev.spate.tracker;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A raw HTTP/1.1 server on 127.0.0.1 for tracker tests: it records each request target and writes
 * whatever bytes the handler returns, malformed or not, then closes (or, made with {@code
 * holdAfterAnswer}, holds the connection open: an answer that never ends). A null answer means
 * "never answer": the connection is held open until the server closes. Public for the engine's
 * tests of other HTTP clients (a .torrent by URL).
 */
public final class TestHttpServer implements AutoCloseable {
    @FunctionalInterface
    public interface Handler {
        byte[] respond(String target) throws Exception;
    }

    private final ServerSocket server;
    private final Handler handler;
    private final List<String> targets = new CopyOnWriteArrayList<>();
    private final List<Socket> open = new CopyOnWriteArrayList<>();
    private final boolean holdAfterAnswer;

    public TestHttpServer(Handler handler) throws IOException {
        this(handler, false);
    }

    public TestHttpServer(Handler handler, boolean holdAfterAnswer) throws IOException {
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        this.handler = handler;
        this.holdAfterAnswer = holdAfterAnswer;
        Thread.ofVirtual().start(this::acceptLoop);
    }

    public static byte[] ok(byte[] body) {
        return concat(("HTTP/1.1 200 OK\r\nContent-Length: " + body.length + "\r\nConnection: close\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII), body);
    }

    public static byte[] ok(String body) {
        return ok(body.getBytes(StandardCharsets.ISO_8859_1));
    }

    public static byte[] redirect(String location) {
        return ("HTTP/1.1 302 Found\r\nLocation: " + location + "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII);
    }

    public static byte[] concat(byte[] a, byte[] b) {
        byte[] out = new byte[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    public String url(String path) {
        return "http://127.0.0.1:" + server.getLocalPort() + path;
    }

    /** Request targets (path and query) in arrival order. */
    public List<String> targets() {
        return targets;
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
        try (s) {
            InputStream in = s.getInputStream();
            String head = readHead(in);
            String target = head.split(" ", 3)[1];
            targets.add(target);
            byte[] answer = handler.respond(target);
            if (answer == null) {
                in.read(); // blocks until the client or the server closes
                return;
            }
            OutputStream out = s.getOutputStream();
            out.write(answer);
            out.flush();
            if (holdAfterAnswer) {
                in.read(); // blocks until the client or the server closes
            }
        } catch (Exception e) {
            // the client went away (e.g. refused an oversized body): fine
        }
    }

    private static String readHead(InputStream in) throws IOException {
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
        return head.toString(StandardCharsets.ISO_8859_1);
    }

    @Override
    public void close() throws IOException {
        server.close();
        for (Socket s : open) {
            s.close();
        }
    }
}
