package dev.spate.tracker;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A scripted BEP 15 tracker on 127.0.0.1: records every datagram and sends back whatever the
 * handler returns for it (nothing, one reply, or several).
 */
final class TestUdpTracker implements AutoCloseable {
    @FunctionalInterface
    interface Handler {
        List<byte[]> answer(ByteBuffer request, int index);
    }

    private final DatagramSocket socket;
    private final Handler handler;
    private final List<byte[]> received = new CopyOnWriteArrayList<>();

    TestUdpTracker(Handler handler) throws IOException {
        this.socket = new DatagramSocket(0, InetAddress.getLoopbackAddress());
        this.handler = handler;
        Thread.ofVirtual().start(this::loop);
    }

    String url() {
        return "udp://127.0.0.1:" + socket.getLocalPort() + "/announce";
    }

    List<byte[]> received() {
        return received;
    }

    /** Actions (0 connect, 1 announce, 2 scrape) of the datagrams received so far. */
    List<Integer> actions() {
        return received.stream().map(d -> d.length >= 12 ? ByteBuffer.wrap(d).getInt(8) : -1).toList();
    }

    private void loop() {
        byte[] buffer = new byte[65_536];
        while (!socket.isClosed()) {
            try {
                DatagramPacket p = new DatagramPacket(buffer, buffer.length);
                socket.receive(p);
                byte[] data = Arrays.copyOf(buffer, p.getLength());
                received.add(data);
                SocketAddress from = p.getSocketAddress();
                for (byte[] reply : handler.answer(ByteBuffer.wrap(data), received.size() - 1)) {
                    socket.send(new DatagramPacket(reply, reply.length, from));
                }
            } catch (IOException e) {
                return;
            }
        }
    }

    static int transactionId(ByteBuffer request) {
        return request.getInt(12);
    }

    static int action(ByteBuffer request) {
        return request.getInt(8);
    }

    static byte[] connectReply(int tid, long connectionId) {
        return ByteBuffer.allocate(16).putInt(0).putInt(tid).putLong(connectionId).array();
    }

    static byte[] announceReply(int tid, int interval, int leechers, int seeders, byte[]... peers) {
        ByteBuffer b = ByteBuffer.allocate(20 + 6 * peers.length);
        b.putInt(1).putInt(tid).putInt(interval).putInt(leechers).putInt(seeders);
        for (byte[] p : peers) {
            b.put(p);
        }
        return b.array();
    }

    static byte[] error(int tid, String message) {
        byte[] m = message.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        return ByteBuffer.allocate(8 + m.length).putInt(3).putInt(tid).put(m).array();
    }

    @Override
    public void close() {
        socket.close();
    }
}
