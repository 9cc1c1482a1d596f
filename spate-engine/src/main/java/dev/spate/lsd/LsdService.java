package dev.spate.lsd;

import dev.spate.core.InfoHash;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Local Service Discovery (BEP 14) on one network interface: announces the registered torrents to
 * {@code 239.192.152.143:6771} and {@code [ff15::efc0:988f]:6771} with our listen port and cookie, and
 * hands the peers other clients announce for those torrents to an {@link LsdListener}.
 *
 * <pre>{@code
 * LsdService lsd = LsdService.start(LsdConfig.defaults(eth0, listenPort), (infoHash, peer) -> ...);
 * lsd.add(infoHash);      // a public torrent started: announce it, accept its peers
 * lsd.remove(infoHash);   // it stopped
 * lsd.close();
 * }</pre>
 *
 * <p>Per address family, a receive socket is bound to the group's port (to the group address itself
 * where the OS allows it, so that unicast to port 6771 is not read) with {@code SO_REUSEADDR}, so that
 * several clients on one host share the port, and joins the group on the interface; a send socket
 * sends from the configured source address (else one the kernel chooses) out of that interface with
 * {@code IP_MULTICAST_LOOP} on, so that two sessions on one host hear each other, and the configured
 * TTL. Our own announces come back through the loop and are recognized by our cookie.
 *
 * <p>Threads: one virtual thread per family blocks in {@code receive} and runs the receive path
 * ({@link Inbound}) and the listener; one virtual thread sends announces when the
 * {@link AnnounceSchedule} says so. The schedule is guarded by a lock (never held during IO); the
 * registered set is concurrent. No loop ever throws out: socket errors are counted, logged once and
 * then at most every few minutes, and retried with back-off. {@link #close} stops everything and
 * returns once the threads have ended. All methods are thread-safe.
 */
public final class LsdService implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(LsdService.class.getName());
    private static final long LOG_QUIET_NANOS = TimeUnit.MINUTES.toNanos(5);
    private static final long PEER_WINDOW_NANOS = TimeUnit.MINUTES.toNanos(1);
    private static final long NETWORK_REFRESH_NANOS = TimeUnit.SECONDS.toNanos(30);
    private static final int MAX_SOURCES = 1024;
    private static final int MAX_PEERS_REMEMBERED = 4096;
    /** Longest sleep of the announce thread, so that a clock that jumps is noticed soon. */
    private static final long MAX_WAIT_NANOS = TimeUnit.SECONDS.toNanos(1);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(5);
    private static final long MAX_BACKOFF_MILLIS = 1000;

    private final LsdConfig config;
    private final String cookie;
    private final List<Group> groups;
    private final Set<InfoHash> registered = ConcurrentHashMap.newKeySet();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final AnnounceSchedule schedule;
    private final Inbound inbound;
    private final LsdCounters counters = new LsdCounters();
    private final RateLimitedLog log;
    /** Set once by {@link #startThreads}, before the service is returned. */
    private volatile List<Thread> threads = List.of();
    private volatile boolean closed;

    /** One group: its sockets and its receive thread. */
    private record Group(StandardProtocolFamily family, InetSocketAddress address, String host,
            DatagramChannel receive, DatagramChannel send) {
        String name() {
            return family == StandardProtocolFamily.INET ? "ipv4" : "ipv6";
        }
    }

    private LsdService(LsdConfig config, String cookie, List<Group> groups, LsdListener listener,
            LocalNetworks networks) {
        this.config = config;
        this.cookie = cookie;
        this.groups = List.copyOf(groups);
        this.log = new RateLimitedLog(LOG, config.clock(), LOG_QUIET_NANOS);
        int perDatagram = groups.stream().mapToInt(g -> AnnounceCodec.maxInfoHashes(g.host(), cookie)).min().orElseThrow();
        this.schedule = new AnnounceSchedule(config.clock(), config.announceInterval().toNanos(),
                config.maxAnnouncesPerMinute(), perDatagram);
        PeerAdmission admission = new PeerAdmission(config.clock(), config.maxPeersPerSourcePerMinute(),
                config.maxPeersPerMinute(), PEER_WINDOW_NANOS, MAX_SOURCES, MAX_PEERS_REMEMBERED);
        this.inbound = new Inbound(cookie, registered::contains, networks, admission, listener, counters, log);
    }

    /**
     * Joins the groups of {@code config.families()} on {@code config.networkInterface()} and starts
     * announcing and listening. Nothing is announced until a torrent is {@link #add added}. A family
     * that cannot be joined (an interface without IPv6, say) is logged and left out, see
     * {@link #groups()}.
     *
     * @throws IOException if the interface is down or cannot multicast, or no group could be joined;
     *     the message names the interface and each family's failure
     */
    public static LsdService start(LsdConfig config, LsdListener listener) throws IOException {
        java.util.Objects.requireNonNull(listener, "listener");
        NetworkInterface ni = config.networkInterface();
        if (!ni.isUp()) {
            throw new IOException("LSD: network interface " + ni.getName() + " is down");
        }
        if (!ni.supportsMulticast()) {
            throw new IOException("LSD: network interface " + ni.getName() + " does not support multicast");
        }
        LocalNetworks networks;
        try {
            networks = new LocalNetworks(LocalNetworks.of(ni), config.clock(), NETWORK_REFRESH_NANOS);
        } catch (java.io.UncheckedIOException e) {
            throw e.getCause();
        }
        List<Group> groups = new ArrayList<>();
        List<String> failures = new ArrayList<>();
        for (StandardProtocolFamily family : List.of(StandardProtocolFamily.INET, StandardProtocolFamily.INET6)) {
            if (config.families().contains(family)) {
                try {
                    groups.add(open(family, config));
                } catch (IOException | RuntimeException e) {
                    failures.add(LsdConfig.group(family) + ": " + e);
                }
            }
        }
        if (groups.isEmpty()) {
            throw new IOException("LSD: could not join any group on " + ni.getName() + ": " + String.join("; ", failures));
        }
        for (String f : failures) {
            LOG.log(Level.WARNING, "LSD: left out a group on {0}: {1}", ni.getName(), f);
        }
        try {
            LsdService service = new LsdService(config, newCookie(), groups, listener, networks);
            service.startThreads();
            return service;
        } catch (RuntimeException | Error e) {
            for (Group g : groups) {
                closeQuietly(g.receive());
                closeQuietly(g.send());
            }
            throw e;
        }
    }

    /** Announces {@code infoHash} (now, then every interval) and passes on its peers. No-op if added or closed. */
    public void add(InfoHash infoHash) {
        lock.lock();
        try {
            if (closed) {
                return;
            }
            registered.add(infoHash);
            schedule.add(infoHash);
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Stops announcing {@code infoHash} and passing on its peers. No-op if not added. */
    public void remove(InfoHash infoHash) {
        lock.lock();
        try {
            registered.remove(infoHash);
            schedule.remove(infoHash);
        } finally {
            lock.unlock();
        }
    }

    /** The groups joined, IPv4 first. */
    public List<InetSocketAddress> groups() {
        return groups.stream().map(Group::address).toList();
    }

    /** The interface the groups are joined on. */
    public NetworkInterface networkInterface() {
        return config.networkInterface();
    }

    public LsdStats stats() {
        return counters.snapshot();
    }

    /** Our cookie, in every announce we send. */
    String cookie() {
        return cookie;
    }

    /** Whether every thread of the service has ended. */
    boolean isStopped() {
        return threads.stream().noneMatch(Thread::isAlive);
    }

    /**
     * Leaves the groups, closes the sockets and waits (a few seconds at most) for the threads to end.
     * Idempotent.
     */
    @Override
    public void close() {
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        for (Group g : groups) {
            closeQuietly(g.receive());
            closeQuietly(g.send());
        }
        try {
            for (Thread t : threads) {
                if (!t.join(STOP_TIMEOUT)) {
                    LOG.log(Level.WARNING, "LSD: thread {0} did not stop within {1}", t.getName(), STOP_TIMEOUT);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void startThreads() {
        String iface = config.networkInterface().getName();
        List<Thread> started = new ArrayList<>();
        for (Group g : groups) {
            started.add(Thread.ofVirtual().name("spate-lsd-receive-" + g.name() + "-" + iface)
                    .start(() -> receiveLoop(g)));
        }
        started.add(Thread.ofVirtual().name("spate-lsd-announce-" + iface).start(this::announceLoop));
        threads = List.copyOf(started);
    }

    /**
     * The receive socket of {@code group}: bound to the group address, it reads that group's datagrams
     * only (Linux); where the OS refuses such a bind, to the wildcard address, with the source check of
     * {@link Inbound} behind it.
     */
    private static DatagramChannel openReceive(StandardProtocolFamily family, InetSocketAddress group)
            throws IOException {
        try {
            return bindShared(family, new InetSocketAddress(group.getAddress(), group.getPort()));
        } catch (IOException e) {
            return bindShared(family, new InetSocketAddress(wildcard(family), group.getPort()));
        }
    }

    private static DatagramChannel bindShared(StandardProtocolFamily family, InetSocketAddress local)
            throws IOException {
        DatagramChannel ch = DatagramChannel.open(family);
        try {
            ch.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            ch.bind(local);
            return ch;
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    private static Group open(StandardProtocolFamily family, LsdConfig config) throws IOException {
        InetSocketAddress group = LsdConfig.group(family);
        NetworkInterface ni = config.networkInterface();
        DatagramChannel receive = openReceive(family, group);
        DatagramChannel send = null;
        try {
            receive.join(group.getAddress(), ni);
            send = DatagramChannel.open(family);
            send.setOption(StandardSocketOptions.IP_MULTICAST_IF, ni);
            send.setOption(StandardSocketOptions.IP_MULTICAST_LOOP, true);
            send.setOption(StandardSocketOptions.IP_MULTICAST_TTL, config.multicastTtl());
            Optional<InetAddress> source = family == StandardProtocolFamily.INET ? config.ipv4Source() : config.ipv6Source();
            send.bind(new InetSocketAddress(source.orElse(wildcard(family)), 0));
            return new Group(family, group, LsdConfig.host(family), receive, send);
        } catch (IOException | RuntimeException e) {
            closeQuietly(receive);
            closeQuietly(send);
            throw e;
        }
    }

    private void receiveLoop(Group g) {
        ByteBuffer buffer = ByteBuffer.allocateDirect(AnnounceCodec.MAX_RECEIVED_BYTES + 1);
        long backoff = 0;
        while (!closed) {
            try {
                buffer.clear();
                SocketAddress from = g.receive().receive(buffer);
                backoff = 0;
                buffer.flip();
                if (from instanceof InetSocketAddress source) {
                    inbound.onDatagram(buffer, source);
                }
            } catch (ClosedChannelException e) {
                if (!closed) {
                    log.log(Level.WARNING, "closed-" + g.name(), "LSD: the " + g.address() + " socket on "
                            + config.networkInterface().getName() + " was closed; no more announces heard there");
                }
                return;
            } catch (IOException e) {
                counters.receiveFailures.incrementAndGet();
                log.log(Level.WARNING, "receive-" + g.name(), "LSD: receiving on " + g.address() + " on "
                        + config.networkInterface().getName() + " failed: " + e);
                backoff = Math.min(MAX_BACKOFF_MILLIS, Math.max(10, backoff * 2));
                if (!pause(backoff)) {
                    return;
                }
            } catch (RuntimeException e) {
                log.log(Level.WARNING, "receive-bug", "LSD: handling a datagram failed: " + e);
            }
        }
    }

    private void announceLoop() {
        while (true) {
            List<InfoHash> batch;
            lock.lock();
            try {
                while (!closed) {
                    long wait = schedule.nanosUntilDue();
                    if (wait == 0) {
                        break;
                    }
                    changed.awaitNanos(Math.min(wait, MAX_WAIT_NANOS));
                }
                if (closed) {
                    return;
                }
                batch = schedule.poll();
            } catch (InterruptedException e) {
                if (closed) {
                    return;
                }
                continue;
            } catch (RuntimeException e) {
                log.log(Level.WARNING, "announce-bug", "LSD: scheduling announces failed: " + e);
                batch = List.of();
            } finally {
                lock.unlock();
            }
            if (batch.isEmpty() && !pause(100)) {
                return;
            }
            for (Group g : groups) {
                send(g, batch);
            }
        }
    }

    private void send(Group g, List<InfoHash> batch) {
        if (batch.isEmpty()) {
            return;
        }
        try {
            byte[] datagram = AnnounceCodec.encode(g.host(), config.listenPort(), batch, cookie);
            g.send().send(ByteBuffer.wrap(datagram), g.address());
            counters.announcesSent.incrementAndGet();
        } catch (ClosedChannelException e) {
            if (!closed) {
                counters.sendFailures.incrementAndGet();
                log.log(Level.WARNING, "send-closed-" + g.name(), "LSD: the send socket for " + g.address()
                        + " was closed");
            }
        } catch (IOException | RuntimeException e) {
            counters.sendFailures.incrementAndGet();
            log.log(Level.WARNING, "send-" + g.name(), "LSD: sending an announce to " + g.address() + " on "
                    + config.networkInterface().getName() + " failed: " + e);
        }
    }

    /** Sleeps {@code millis}; false if interrupted while closing. */
    private boolean pause(long millis) {
        try {
            Thread.sleep(millis);
            return true;
        } catch (InterruptedException e) {
            return !closed;
        }
    }

    private static InetAddress wildcard(StandardProtocolFamily family) {
        try {
            return InetAddress.getByAddress(new byte[family == StandardProtocolFamily.INET ? 4 : 16]);
        } catch (java.net.UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    private static String newCookie() {
        return HexFormat.of().toHexDigits(new SecureRandom().nextLong());
    }

    private static void closeQuietly(DatagramChannel ch) {
        if (ch == null) {
            return;
        }
        try {
            ch.close();
        } catch (IOException e) {
            LOG.log(Level.DEBUG, "LSD: closing a socket: {0}", e.toString());
        }
    }
}
