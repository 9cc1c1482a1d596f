package dev.spate.daemon;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A bare HTTP/1.1 client over a socket, so that a test sends exactly the headers it means (the
 * JDK's HttpClient will not send a Host of our choosing). One request per connection.
 */
final class Http {
    private Http() {
    }

    /** A response: status, headers by lower-case name, body as text. */
    record Response(int status, Map<String, String> headers, String body) {
        String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }
    }

    /** Sends {@code method path} with {@code headers} (each "Name: value") and {@code body} (null: none). */
    static Response send(InetSocketAddress to, String method, String path, String body, String... headers)
            throws IOException {
        try (Socket s = new Socket()) {
            s.connect(to, 5_000);
            s.setSoTimeout(10_000);
            byte[] payload = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
            StringBuilder head = new StringBuilder(method + " " + path + " HTTP/1.1\r\n");
            boolean hasHost = false;
            boolean hasLength = false;
            for (String h : headers) {
                head.append(h).append("\r\n");
                hasHost |= h.regionMatches(true, 0, "Host:", 0, 5);
                hasLength |= h.regionMatches(true, 0, "Content-Length:", 0, 15);
            }
            if (!hasHost) {
                head.append("Host: 127.0.0.1:").append(to.getPort()).append("\r\n");
            }
            if (body != null && !hasLength) {
                head.append("Content-Length: ").append(payload.length).append("\r\n");
            }
            head.append("Connection: close\r\n\r\n");
            OutputStream out = s.getOutputStream();
            out.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
            out.write(payload);
            out.flush();
            return parse(s.getInputStream());
        }
    }

    /**
     * Reads the head, then as many bytes as its Content-Length says: not to the end of the stream,
     * since a server may keep the connection open (the JDK's does while it drains a body it refused).
     */
    private static Response parse(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        while (matched < 4) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("connection closed in the response head");
            }
            head.write(b);
            matched = b == "\r\n\r\n".charAt(matched) ? matched + 1 : b == '\r' ? 1 : 0;
        }
        String[] lines = head.toString(StandardCharsets.ISO_8859_1).strip().split("\r\n");
        int status = Integer.parseInt(lines[0].split(" ")[1]);
        Map<String, String> headers = new LinkedHashMap<>();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            headers.put(lines[i].substring(0, colon).strip().toLowerCase(Locale.ROOT), lines[i].substring(colon + 1).strip());
        }
        String length = headers.get("content-length");
        byte[] body = length == null ? in.readAllBytes() : in.readNBytes(Integer.parseInt(length));
        return new Response(status, headers, new String(body, StandardCharsets.UTF_8));
    }
}
