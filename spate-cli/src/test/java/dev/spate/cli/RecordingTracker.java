package dev.spate.cli;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.spate.bencode.BDictionary;
import dev.spate.bencode.Bencode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;

/**
 * A tiny HTTP tracker (BEP 3, compact peers) on 127.0.0.1 that answers every announce with the
 * other peers that announced and records each announce's port and event, so that a test sees a
 * daemon say {@code stopped} on its way out.
 */
final class RecordingTracker implements AutoCloseable {
    /** One announce: the peer's port and its event ("" for a regular one). */
    record Announce(int port, String event) {
    }

    private final HttpServer server;
    private final Set<Integer> ports = ConcurrentHashMap.newKeySet();
    private final List<Announce> announces = new CopyOnWriteArrayList<>();

    RecordingTracker() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/announce", this::announce);
        server.start();
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/announce";
    }

    /** Every announce so far, in order. */
    List<Announce> announces() {
        return List.copyOf(announces);
    }

    private void announce(HttpExchange ex) throws IOException {
        try (ex) {
            int port = -1;
            String event = "";
            for (String pair : ex.getRequestURI().getRawQuery().split("&")) {
                if (pair.startsWith("port=")) {
                    port = Integer.parseInt(pair.substring(5));
                } else if (pair.startsWith("event=")) {
                    event = pair.substring(6);
                }
            }
            announces.add(new Announce(port, event));
            if (event.equals("stopped")) {
                ports.remove(port);
            } else if (port > 0) {
                ports.add(port);
            }
            ByteArrayOutputStream peers = new ByteArrayOutputStream();
            for (int p : ports) {
                if (p != port) {
                    peers.write(new byte[] {127, 0, 0, 1, (byte) (p >> 8), (byte) p});
                }
            }
            byte[] body = Bencode.encode(BDictionary.builder().put("interval", 2).put("peers", peers.toByteArray()).build());
            ex.sendResponseHeaders(200, body.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(body);
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
