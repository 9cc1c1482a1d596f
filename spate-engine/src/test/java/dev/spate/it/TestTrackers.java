package dev.spate.it;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.URLDecoder;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Trackers written in the test, on 127.0.0.1 only: a raw HTTP one and a UDP (BEP 15) one, each answering
 * whatever bytes its handler returns (malformed on purpose, or nothing at all) and recording every request.
 */
final class TestTrackers {
    private TestTrackers() {
    }

    /** One HTTP announce as the tracker saw it: the request target and its query parameters (ISO-8859-1 decoded). */
    record HttpAnnounce(String target, Map<String, String> query, long atNanos) {
        String get(String key) {
            return query.get(key);
        }

        long number(String key) {
            return Long.parseLong(query.get(key));
        }

        /** The {@code event} parameter, "" for a regular announce. */
        String event() {
            return query.getOrDefault("event", "");
        }
    }

    /** Builds the raw HTTP response to one announce; null: never answer (the connection is held until close). */
    @FunctionalInterface
    interface HttpHandler {
        byte[] respond(HttpAnnounce request, HttpTracker tracker) throws Exception;
    }

    /** A raw HTTP/1.1 tracker: one virtual thread per connection, one request per connection. */
    static final class HttpTracker implements AutoCloseable {
        private final ServerSocket server;
        private final HttpHandler handler;
        private final List<HttpAnnounce> announces = new CopyOnWriteArrayList<>();
        private final List<Socket> open = new CopyOnWriteArrayList<>();

        HttpTracker(HttpHandler handler) {
            this(handler, InetAddress.getLoopbackAddress());
        }

        /** The same listening on {@code address} (::1 for a tracker reached over IPv6). */
        HttpTracker(HttpHandler handler, InetAddress address) {
            try {
                this.server = new ServerSocket(0, 50, address);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            this.handler = handler;
            Thread.ofVirtual().name("test-http-tracker").start(this::acceptLoop);
        }

        String url(String path) {
            InetAddress a = server.getInetAddress();
            String host = a instanceof java.net.Inet6Address ? "[" + dev.spate.core.PeerAddress.host(a) + "]"
                    : a.getHostAddress();
            return "http://" + host + ":" + server.getLocalPort() + path;
        }

        String announceUrl() {
            return url("/announce");
        }

        List<HttpAnnounce> announces() {
            return List.copyOf(announces);
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
            try {
                InputStream in = s.getInputStream();
                ByteArrayOutputStream head = new ByteArrayOutputStream();
                int state = 0;
                while (state < 4) {
                    int c = in.read();
                    if (c < 0) {
                        return;
                    }
                    head.write(c);
                    state = (c == '\r' && (state == 0 || state == 2)) || (c == '\n' && (state == 1 || state == 3))
                            ? state + 1 : 0;
                }
                String requestLine = head.toString(StandardCharsets.ISO_8859_1).lines().findFirst().orElse("");
                String target = requestLine.split(" ").length > 1 ? requestLine.split(" ")[1] : "";
                HttpAnnounce a = new HttpAnnounce(target, query(target), System.nanoTime());
                announces.add(a);
                byte[] answer = handler.respond(a, this);
                if (answer == null) {
                    return; // held open until close()
                }
                OutputStream out = s.getOutputStream();
                out.write(answer);
                out.flush();
                s.close();
                open.remove(s);
            } catch (SocketException closed) {
                // the client gave up, or we are closing
            } catch (Exception e) {
                e.printStackTrace();
            }
        }

        static Map<String, String> query(String target) {
            Map<String, String> m = new LinkedHashMap<>();
            int q = target.indexOf('?');
            if (q < 0) {
                return m;
            }
            for (String pair : target.substring(q + 1).split("&")) {
                int eq = pair.indexOf('=');
                String k = eq < 0 ? pair : pair.substring(0, eq);
                String v = eq < 0 ? "" : pair.substring(eq + 1);
                m.put(k, URLDecoder.decode(v, StandardCharsets.ISO_8859_1));
            }
            return m;
        }

        @Override
        public void close() {
            try {
                server.close();
            } catch (IOException ignored) {
                // closing anyway
            }
            for (Socket s : open) {
                try {
                    s.close();
                } catch (IOException ignored) {
                    // closing anyway
                }
            }
        }
    }

    /** {@code 200 OK} with {@code body}. */
    static byte[] ok(byte[] body) {
        return concat(("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: " + body.length
                + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII), body);
    }

    static byte[] ok(String body) {
        return ok(body.getBytes(StandardCharsets.ISO_8859_1));
    }

    static byte[] redirect(String location) {
        return ("HTTP/1.1 302 Found\r\nLocation: " + location + "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII);
    }

    /**
     * A bencoded announce answer with {@code interval} and these peers, compact (BEP 23): IPv4 ones
     * in {@code peers}, IPv6 ones (16 bytes each, so a v4-mapped one too) in BEP 7's {@code peers6}.
     */
    static byte[] peersAnswer(int interval, List<InetSocketAddress> peers) {
        ByteArrayOutputStream v4 = new ByteArrayOutputStream();
        ByteArrayOutputStream v6 = new ByteArrayOutputStream();
        for (InetSocketAddress p : peers) {
            byte[] ip = p.getAddress().getAddress();
            ByteArrayOutputStream into = ip.length == 4 ? v4 : v6;
            into.writeBytes(ip);
            into.write(p.getPort() >> 8);
            into.write(p.getPort() & 0xff);
        }
        byte[] c = v4.toByteArray();
        byte[] answer = concat(("d8:completei1e10:incompletei1e8:intervali" + interval + "e5:peers" + c.length + ":")
                .getBytes(StandardCharsets.US_ASCII), c);
        if (v6.size() > 0) {
            answer = concat(concat(answer, ("6:peers6" + v6.size() + ":").getBytes(StandardCharsets.US_ASCII)),
                    v6.toByteArray());
        }
        return concat(answer, "e".getBytes(StandardCharsets.US_ASCII));
    }

    static byte[] concat(byte[] a, byte[] b) {
        byte[] out = new byte[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    /** What the UDP tracker does with each request. */
    enum UdpMode {
        /** Answers connect, then answers the announce with another transaction id. */
        WRONG_TRANSACTION_ID,
        /** Answers connect, then an error (action 3) to the announce. */
        ERROR_ACTION,
        /** Answers nothing at all. */
        SILENT
    }

    /** A BEP 15 tracker on 127.0.0.1 that misbehaves as its {@link UdpMode} says. */
    static final class UdpTracker implements AutoCloseable {
        static final String ERROR_TEXT = "torrent banned by test tracker";
        private final DatagramSocket socket;
        private final UdpMode mode;
        private final List<Integer> actions = new CopyOnWriteArrayList<>();

        UdpTracker(UdpMode mode) {
            try {
                this.socket = new DatagramSocket(0, InetAddress.getLoopbackAddress());
            } catch (SocketException e) {
                throw new UncheckedIOException(e);
            }
            this.mode = mode;
            Thread.ofVirtual().name("test-udp-tracker").start(this::loop);
        }

        String announceUrl() {
            return "udp://127.0.0.1:" + socket.getLocalPort() + "/announce";
        }

        /** The action of every request received (0 connect, 1 announce). */
        List<Integer> actions() {
            return List.copyOf(actions);
        }

        private void loop() {
            byte[] buf = new byte[2048];
            while (!socket.isClosed()) {
                DatagramPacket p = new DatagramPacket(buf, buf.length);
                try {
                    socket.receive(p);
                } catch (IOException e) {
                    return;
                }
                if (p.getLength() < 16) {
                    continue;
                }
                ByteBuffer req = ByteBuffer.wrap(buf, 0, p.getLength());
                int action = req.getInt(8);
                int tid = req.getInt(12);
                actions.add(action);
                byte[] reply = switch (mode) {
                    case SILENT -> null;
                    case WRONG_TRANSACTION_ID -> action == 0 ? connectReply(tid) : announceReply(tid + 1);
                    case ERROR_ACTION -> action == 0 ? connectReply(tid) : error(tid, ERROR_TEXT);
                };
                if (reply != null) {
                    try {
                        socket.send(new DatagramPacket(reply, reply.length, p.getSocketAddress()));
                    } catch (IOException e) {
                        return;
                    }
                }
            }
        }

        private static byte[] connectReply(int tid) {
            return ByteBuffer.allocate(16).putInt(0).putInt(tid).putLong(0x1234_5678_9abcL).array();
        }

        private static byte[] announceReply(int tid) {
            return ByteBuffer.allocate(20).putInt(1).putInt(tid).putInt(60).putInt(0).putInt(0).array();
        }

        private static byte[] error(int tid, String message) {
            byte[] text = message.getBytes(StandardCharsets.UTF_8);
            return ByteBuffer.allocate(8 + text.length).putInt(3).putInt(tid).put(text).array();
        }

        @Override
        public void close() {
            socket.close();
        }
    }

    /** Peers as a list, for {@link #peersAnswer}. */
    static List<InetSocketAddress> peers(InetSocketAddress... peers) {
        return new ArrayList<>(List.of(peers));
    }
}
