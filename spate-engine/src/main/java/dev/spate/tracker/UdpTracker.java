package dev.spate.tracker;

import dev.spate.core.InfoHash;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.PortUnreachableException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Random;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A UDP tracker (BEP 15): connect, then announce or scrape with the connection id, which is reused
 * for 60 s as measured by the configured {@link dev.spate.core.Clock}.
 *
 * <p>Each request uses its own socket and a fresh random transaction id; datagrams that are too
 * short or carry another transaction id are ignored and the wait goes on. An attempt that gets no
 * answer is retransmitted after {@code udpBaseTimeout * 2^n} (BEP 15: 15 s * 2^n, n up to 8), at
 * most {@code udpMaxAttempts} times; an attempt reconnects first when the connection id has expired.
 *
 * <p>Thread-safe: only the cached connection id is shared, under a lock held for no IO.
 */
public final class UdpTracker implements Tracker {
    /** BEP 15: the magic constant a connect request starts with. */
    static final long PROTOCOL_ID = 0x41727101980L;
    static final int CONNECT = 0;
    static final int ANNOUNCE = 1;
    static final int SCRAPE = 2;
    static final int ERROR = 3;
    /** BEP 15: a connection id may be used for one minute after it was received. */
    static final Duration CONNECTION_ID_LIFETIME = Duration.ofSeconds(60);
    /** BEP 15: "up to about 74 torrents can be scraped at once". */
    static final int MAX_SCRAPE_HASHES = 74;
    private static final int MAX_DATAGRAM = 65_507;

    private final URI uri;
    private final String host;
    private final int port;
    private final TrackerConfig config;
    private final Random random = new SecureRandom();
    private final ReentrantLock lock = new ReentrantLock();
    private boolean connected;
    private long connectionId;
    private long connectedAtNanos;

    UdpTracker(URI uri, TrackerConfig config) throws TrackerException {
        this.uri = uri;
        this.host = uri.getHost();
        this.port = uri.getPort();
        this.config = config;
        if (port <= 0 || port > 65535) {
            throw new TrackerException("udp tracker URL " + uri + " has no port");
        }
    }

    @Override
    public String url() {
        return uri.toString();
    }

    /** Where messages say we talked to: {@code udp://host:port}. */
    private String where() {
        return "udp://" + uri.getRawAuthority();
    }

    @Override
    public AnnounceResponse announce(AnnounceRequest r) throws TrackerException {
        Reply answer = exchange(ANNOUNCE, 20, (connId, tid) -> {
            ByteBuffer b = ByteBuffer.allocate(98);
            b.putLong(connId).putInt(ANNOUNCE).putInt(tid);
            b.put(r.infoHash().bytes()).put(r.peerId().bytes());
            b.putLong(r.downloaded()).putLong(r.left()).putLong(r.uploaded());
            b.putInt(r.event().udpCode());
            b.putInt(0); // IP address: 0 means "the sender's"
            b.putInt(r.key());
            b.putInt(r.numWant() < 0 ? -1 : r.numWant());
            b.putShort((short) r.port());
            return b.array();
        });
        byte[] reply = answer.bytes();
        ByteBuffer b = ByteBuffer.wrap(reply);
        b.position(8);
        int interval = b.getInt();
        int leechers = b.getInt();
        int seeders = b.getInt();
        if (interval < 0 || leechers < 0 || seeders < 0) {
            throw new TrackerException("tracker sent a negative interval or count: interval " + interval
                    + ", leechers " + leechers + ", seeders " + seeders);
        }
        List<InetSocketAddress> peers = new ArrayList<>();
        // BEP 15 "IPv6": over IPv6 the peers are 16-byte addresses.
        int addressLength = answer.from() instanceof Inet6Address ? 16 : 4;
        PeerLists.compact(reply, 20, reply.length - 20, addressLength, "peers", peers);
        return new AnnounceResponse(Duration.ofSeconds(interval), Optional.empty(), peers, OptionalInt.of(seeders),
                OptionalInt.of(leechers), Optional.empty(), Optional.empty());
    }

    /** Scrapes in requests of at most 74 hashes (BEP 15). */
    @Override
    public Map<InfoHash, ScrapeResult> scrape(List<InfoHash> infoHashes) throws TrackerException {
        Map<InfoHash, ScrapeResult> out = new LinkedHashMap<>();
        for (int from = 0; from < infoHashes.size(); from += MAX_SCRAPE_HASHES) {
            List<InfoHash> chunk = infoHashes.subList(from, Math.min(infoHashes.size(), from + MAX_SCRAPE_HASHES));
            byte[] reply = exchange(SCRAPE, 8, (connId, tid) -> {
                ByteBuffer b = ByteBuffer.allocate(16 + 20 * chunk.size());
                b.putLong(connId).putInt(SCRAPE).putInt(tid);
                chunk.forEach(h -> b.put(h.bytes()));
                return b.array();
            }).bytes();
            ByteBuffer b = ByteBuffer.wrap(reply);
            b.position(8);
            for (InfoHash h : chunk) {
                if (b.remaining() < 12) {
                    break; // a tracker may answer fewer; the rest are unknown
                }
                out.put(h, new ScrapeResult(b.getInt(), b.getInt(), b.getInt()));
            }
        }
        return out;
    }

    @FunctionalInterface
    private interface Packet {
        byte[] build(long connectionId, int transactionId);
    }

    /** A reply and the tracker address it came from, whose family decides the peer entry size. */
    private record Reply(InetAddress from, byte[] bytes) {
    }

    /**
     * Sends {@code action} built by {@code packet} until a reply with the same transaction id and at
     * least {@code minLength} bytes arrives, reconnecting when needed; returns the reply.
     */
    private Reply exchange(int action, int minLength, Packet packet) throws TrackerException {
        InetAddress address;
        try {
            address = InetAddress.getByName(host);
        } catch (UnknownHostException e) {
            throw new TrackerException("cannot resolve udp tracker host " + host, e);
        }
        // Replies that carried another transaction id: ignored, but named if nothing else comes.
        int[] strays = {0};
        // Sent from the configured local address when there is one: the tracker takes the sender's
        // address as the peer's (BEP 15 announces carry IP 0, "the sender's").
        try (DatagramSocket socket = config.localAddress().isPresent()
                ? new DatagramSocket(new InetSocketAddress(config.localAddress().get(), 0)) : new DatagramSocket()) {
            socket.connect(new InetSocketAddress(address, port));
            for (int attempt = 0; attempt < config.udpMaxAttempts(); attempt++) {
                long deadline = config.clock().nanoTime() + config.udpBaseTimeout().toNanos() * (1L << Math.min(attempt, 8));
                OptionalLong connId = validConnectionId();
                if (connId.isEmpty()) {
                    int tid = random.nextInt();
                    ByteBuffer connect = ByteBuffer.allocate(16).putLong(PROTOCOL_ID).putInt(CONNECT).putInt(tid);
                    socket.send(new DatagramPacket(connect.array(), 16));
                    byte[] reply = await(socket, tid, CONNECT, 16, deadline, strays);
                    if (reply == null) {
                        continue;
                    }
                    long id = ByteBuffer.wrap(reply, 8, 8).getLong();
                    remember(id);
                    connId = OptionalLong.of(id);
                }
                int tid = random.nextInt();
                byte[] request = packet.build(connId.getAsLong(), tid);
                socket.send(new DatagramPacket(request, request.length));
                byte[] reply = await(socket, tid, action, minLength, deadline, strays);
                if (reply != null) {
                    return new Reply(address, reply);
                }
            }
        } catch (PortUnreachableException e) {
            forget();
            throw new TrackerException("nothing listens at " + where() + " (port unreachable)", e);
        } catch (IOException e) {
            if (Thread.currentThread().isInterrupted()) {
                // A virtual thread's socket is closed by an interrupt (the torrent stops): say so.
                throw new TrackerException("interrupted while asking " + where(), e);
            }
            throw new TrackerException(where() + ": " + e, e);
        }
        throw new TrackerException("no answer from " + where() + " after " + config.udpMaxAttempts() + " attempts"
                + (strays[0] > 0 ? " (ignored " + strays[0] + " replies with another transaction id)" : ""));
    }

    /**
     * Receives until {@code deadline}: returns the first datagram of at least {@code minLength}
     * bytes with transaction id {@code tid}, or null at the deadline. An error (action 3) with our
     * transaction id ends the exchange.
     */
    private byte[] await(DatagramSocket socket, int tid, int action, int minLength, long deadline, int[] strays)
            throws IOException, TrackerException {
        byte[] buffer = new byte[MAX_DATAGRAM];
        while (true) {
            long remaining = deadline - config.clock().nanoTime();
            if (remaining <= 0) {
                return null;
            }
            socket.setSoTimeout((int) Math.max(1, Math.min(Integer.MAX_VALUE, remaining / 1_000_000)));
            DatagramPacket p = new DatagramPacket(buffer, buffer.length);
            try {
                socket.receive(p);
            } catch (SocketTimeoutException e) {
                return null;
            }
            int length = p.getLength();
            if (length < 8) {
                continue;
            }
            ByteBuffer b = ByteBuffer.wrap(buffer, 0, length);
            int gotAction = b.getInt(0);
            if (b.getInt(4) != tid) {
                strays[0]++;
                continue;
            }
            if (gotAction == ERROR) {
                forget();
                throw new TrackerException("tracker failure: "
                        + new String(buffer, 8, length - 8, StandardCharsets.UTF_8));
            }
            if (gotAction != action) {
                throw new TrackerException("tracker " + where() + " answered action " + gotAction + " to action " + action);
            }
            if (length < minLength) {
                continue;
            }
            byte[] out = new byte[length];
            System.arraycopy(buffer, 0, out, 0, length);
            return out;
        }
    }

    private OptionalLong validConnectionId() {
        lock.lock();
        try {
            long age = config.clock().nanoTime() - connectedAtNanos;
            return connected && age < CONNECTION_ID_LIFETIME.toNanos() ? OptionalLong.of(connectionId) : OptionalLong.empty();
        } finally {
            lock.unlock();
        }
    }

    private void remember(long id) {
        lock.lock();
        try {
            connected = true;
            connectionId = id;
            connectedAtNanos = config.clock().nanoTime();
        } finally {
            lock.unlock();
        }
    }

    private void forget() {
        lock.lock();
        try {
            connected = false;
        } finally {
            lock.unlock();
        }
    }
}
