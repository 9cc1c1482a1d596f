package dev.spate.daemon;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.spate.bencode.BDictionary;
import dev.spate.bencode.Bencode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;

/**
 * A tiny HTTP tracker (BEP 3, compact peers of BEP 23) on 127.0.0.1 for one swarm of the test: it
 * answers every announce with every other peer that announced, whatever the info-hash. The daemon
 * has no option to name a peer, so this is how it finds the seed.
 */
final class LoopbackTracker implements AutoCloseable {
    private final HttpServer server;
    /** The ports that announced, all on 127.0.0.1. */
    private final Set<Integer> ports = ConcurrentHashMap.newKeySet();
    private final java.util.concurrent.atomic.AtomicInteger announces = new java.util.concurrent.atomic.AtomicInteger();
    private final int interval;
    private final int minInterval;

    LoopbackTracker() throws IOException {
        this(2, 0);
    }

    /** A tracker that asks for announces every {@code interval} s, and none sooner than {@code minInterval} (0: not said). */
    LoopbackTracker(int interval, int minInterval) throws IOException {
        this.interval = interval;
        this.minInterval = minInterval;
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/announce", this::announce);
        server.start();
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/announce";
    }

    /** How many announces came, of any event. */
    int announces() {
        return announces.get();
    }

    /** How many peers have announced. */
    int peers() {
        return ports.size();
    }

    private void announce(HttpExchange ex) throws IOException {
        try (ex) {
            announces.incrementAndGet();
            int port = -1;
            String event = "";
            for (String pair : ex.getRequestURI().getRawQuery().split("&")) {
                if (pair.startsWith("port=")) {
                    port = Integer.parseInt(pair.substring(5));
                } else if (pair.startsWith("event=")) {
                    event = pair.substring(6);
                }
            }
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
            BDictionary.Builder answer = BDictionary.builder().put("interval", interval).put("peers", peers.toByteArray());
            if (minInterval > 0) {
                answer.put("min interval", minInterval);
            }
            byte[] body = Bencode.encode(answer.build());
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
