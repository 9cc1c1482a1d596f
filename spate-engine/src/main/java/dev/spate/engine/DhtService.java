package dev.spate.engine;

import dev.spate.core.Clock;
import dev.spate.core.InfoHash;
import dev.spate.dht.AddressFamily;
import dev.spate.dht.DhtConfig;
import dev.spate.dht.DhtNode;
import dev.spate.dht.DhtStateException;
import dev.spate.dht.DhtStats;
import dev.spate.dht.LookupResult;
import dev.spate.dht.SavedTable;
import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketAddress;
import java.net.SocketException;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * The session's DHT (BEP 5): its UDP socket on the listen port, the {@link DhtNode}, the schedule
 * of the torrents' lookups ({@link DhtSchedule}), the bootstrap, and the routing table saved in the
 * state directory.
 *
 * <p>Sockets: one per address family in principle (DESIGN.md); bound to the wildcard, one IPv6
 * socket serves both, since the JDK cannot set {@code IPV6_V6ONLY} and a second socket on the same
 * port would then be refused; bound to one address, one socket of its family. Each datagram is
 * taken by its first bytes ({@link DhtNode#isKrpc}): the DHT's now, uTP's later. A datagram costs
 * one copy of its bytes, never a thread; more than {@link #MAX_QUEUED_DATAGRAMS} waiting are dropped.
 *
 * <p>Bootstrap: the router names are resolved on a virtual thread of their own, which only posts
 * the addresses, so a slow or failing resolver delays neither the session's start nor its close.
 * A node restored from a saved table joins through its saved nodes at once.
 *
 * <p>Threads: one virtual thread per socket receives; one virtual thread, the DHT loop, owns the
 * node, the schedule and everything else mutable here; every other thread (torrents' loops, the
 * session's ticker, the resolvers) only posts tasks to it. {@link #status()} reads a snapshot the
 * loop publishes.
 */
final class DhtService implements TorrentContext.Dht, AutoCloseable {
    private static final System.Logger LOG = System.getLogger(DhtService.class.getName());
    /** Datagrams received and not yet handled, at most; beyond it they are dropped (UDP promises nothing). */
    static final int MAX_QUEUED_DATAGRAMS = 2_048;
    /** Largest datagram read whole; longer ones are truncated and then dropped by the decoder. */
    static final int MAX_DATAGRAM = 2_048;
    /** Between two saves of the routing table. */
    static final long SAVE_INTERVAL = 5 * 60 * 1_000_000_000L;
    /** Nodes in the table from which the DHT counts as ready at once. */
    static final int READY_NODES = 8;
    /** With fewer nodes: ready once the joining lookups are over, or this long after the first node. */
    static final long READY_WAIT = 10 * 1_000_000_000L;
    /** A .torrent's {@code nodes} taken per torrent. */
    static final int MAX_CONTACTS = 16;
    /** Nodes named by peers' port messages remembered, so that one is pinged once in a while only. */
    static final int MAX_SEEN = 1_024;
    static final long RESEE_NANOS = 5 * 60 * 1_000_000_000L;
    static final String STATE_FILE = "dht.dat";
    private static final Runnable END = () -> { };

    /** What the DHT tells the session, on the DHT loop. */
    interface Listener {
        /** A lookup of {@code hash} ended: the peers it found and how many nodes answered. */
        void lookedUp(InfoHash hash, List<InetSocketAddress> peers, int nodes);

        /** The DHT can look {@code hash} up now: it was ready when the torrent joined, or became so. */
        void ready(InfoHash hash, int nodes);
    }

    /** The one socket: dual-stack on the wildcard, else of the bind address's family. */
    private final DatagramChannel channel;
    private final Set<AddressFamily> families;
    private final int port;
    private final int announcePort;
    private final Path stateFile;
    private final Clock clock;
    private final Listener listener;
    private final Consumer<Throwable> fatal;
    private final DhtConfig dhtConfig;
    private final InetAddress bindAddress;
    private final LinkedBlockingQueue<Runnable> inbox = new LinkedBlockingQueue<>();
    private final AtomicInteger queuedDatagrams = new AtomicInteger();
    private final AtomicInteger droppedDatagrams = new AtomicInteger();
    private final Thread loop;
    private volatile boolean closed;
    private volatile DhtStatus status;

    // Owned by the loop.
    private DhtNode node;
    private final DhtSchedule schedule = new DhtSchedule();
    private final LinkedHashMap<InetAddress, Long> seen = new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<InetAddress, Long> eldest) {
            return size() > MAX_SEEN;
        }
    };
    private boolean ready;
    private long firstNodeAt = -1;
    private long lastSave;
    private final long startedAt;

    private DhtService(DatagramChannel channel, Set<AddressFamily> families, int port, int announcePort,
            Path stateFile, Clock clock, DhtConfig dhtConfig, InetAddress bindAddress, Listener listener,
            Consumer<Throwable> fatal) {
        this.channel = channel;
        this.families = Set.copyOf(families);
        this.port = port;
        this.announcePort = announcePort;
        this.stateFile = stateFile;
        this.clock = clock;
        this.dhtConfig = dhtConfig;
        this.bindAddress = bindAddress;
        this.listener = listener;
        this.fatal = fatal;
        this.startedAt = clock.nanoTime();
        this.lastSave = startedAt;
        this.status = new DhtStatus(port, 0, 0, false, 0, 0);
        this.loop = Thread.ofVirtual().name("spate-dht").unstarted(this::drain);
    }

    /**
     * Starts the DHT of a session that listens on {@code bind}:{@code tcpPort}: its socket on UDP
     * {@code tcpPort} (another port, with a warning, when that one is taken), the node restored from
     * {@code stateDirectory} if it saved one, and the bootstrap from {@code config}'s routers.
     * Returns null, with a warning, when no socket can be opened: the session runs without a DHT.
     */
    static DhtService start(SessionConfig config, int tcpPort, Clock clock, Listener listener,
            Consumer<Throwable> fatal) {
        InetAddress bind = config.bindAddress();
        DatagramChannel channel;
        Set<AddressFamily> families;
        try {
            channel = open(bind, tcpPort);
            families = families(bind, channel);
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "the DHT is off: cannot open a UDP socket on {0}: {1}",
                    dev.spate.core.PeerAddress.host(bind), Messages.message(e));
            return null;
        }
        int port = ((InetSocketAddress) localAddress(channel)).getPort();
        if (port != tcpPort) {
            LOG.log(System.Logger.Level.WARNING, "the DHT listens on UDP port {0}: UDP port {1} is taken",
                    port, tcpPort);
        }
        DhtConfig dc = DhtConfig.defaults().withFamilies(families).withBootstrap(config.dhtBootstrap()).withClock(clock);
        DhtService s = new DhtService(channel, families, port, tcpPort,
                config.stateDirectory().resolve(STATE_FILE), clock, dc, bind, listener, fatal);
        s.post(s::begin);
        s.loop.start();
        Thread.ofVirtual().name("spate-dht-receive " + localAddress(channel)).start(() -> s.receive(channel));
        List<InetSocketAddress> routers = config.dhtBootstrap();
        Thread.ofVirtual().name("spate-dht-bootstrap").start(() -> {
            List<InetSocketAddress> resolved = resolve(routers);
            s.post(() -> s.routersResolved(resolved));
        });
        return s;
    }

    /**
     * A UDP socket on {@code bind}:{@code port}, or on another port when that one is taken; the
     * wildcard gets a dual-stack IPv6 socket where the system has IPv6, else an IPv4 one.
     */
    private static DatagramChannel open(InetAddress bind, int port) throws IOException {
        List<InetSocketAddress> tries = new ArrayList<>();
        boolean dualStack = bind.isAnyLocalAddress();
        for (int p : port == 0 ? new int[] {0} : new int[] {port, 0}) {
            tries.add(new InetSocketAddress(bind, p));
        }
        IOException last = null;
        for (InetSocketAddress at : tries) {
            if (dualStack) {
                try {
                    DatagramChannel ch = DatagramChannel.open(StandardProtocolFamily.INET6);
                    try {
                        ch.bind(new InetSocketAddress(InetAddress.getByName("::"), at.getPort()));
                        return ch;
                    } catch (IOException e) {
                        ch.close();
                        last = e;
                    }
                } catch (UnsupportedOperationException | IOException e) {
                    // no IPv6 here: the IPv4 wildcard below
                }
            }
            DatagramChannel ch = bind instanceof Inet6Address ? DatagramChannel.open(StandardProtocolFamily.INET6)
                    : DatagramChannel.open(StandardProtocolFamily.INET);
            try {
                ch.bind(dualStack ? new InetSocketAddress(at.getPort()) : at);
                return ch;
            } catch (IOException e) {
                ch.close();
                last = e;
            }
        }
        throw last;
    }

    /**
     * The DHTs to run (BEP 32): a socket bound to one address serves its family; the dual-stack
     * wildcard serves IPv4, and IPv6 too where an interface has an IPv6 address beyond loopback and
     * link-local (else the IPv6 table could never fill, and every query would ask for it in vain).
     */
    static Set<AddressFamily> families(InetAddress bind, DatagramChannel ch) {
        if (!bind.isAnyLocalAddress()) {
            return EnumSet.of(AddressFamily.of(bind));
        }
        if (!(((InetSocketAddress) localAddress(ch)).getAddress() instanceof Inet6Address)) {
            return EnumSet.of(AddressFamily.IPV4);
        }
        return hasRoutableIpv6() ? EnumSet.allOf(AddressFamily.class) : EnumSet.of(AddressFamily.IPV4);
    }

    private static boolean hasRoutableIpv6() {
        try {
            return NetworkInterface.networkInterfaces().flatMap(NetworkInterface::inetAddresses)
                    .anyMatch(a -> a instanceof Inet6Address && !a.isLoopbackAddress() && !a.isLinkLocalAddress());
        } catch (SocketException e) {
            return false;
        }
    }

    private static SocketAddress localAddress(DatagramChannel ch) {
        try {
            return ch.getLocalAddress();
        } catch (IOException e) {
            throw new IllegalStateException("a bound socket has no address: " + e.getMessage(), e);
        }
    }

    /** Resolves each router by itself; one that fails is logged and left out. Blocking: off every loop. */
    static List<InetSocketAddress> resolve(List<InetSocketAddress> routers) {
        List<InetSocketAddress> out = new ArrayList<>();
        for (InetSocketAddress r : routers) {
            if (!r.isUnresolved()) {
                out.add(r);
                continue;
            }
            InetSocketAddress a = new InetSocketAddress(r.getHostString(), r.getPort());
            if (a.isUnresolved()) {
                LOG.log(System.Logger.Level.INFO, "DHT router {0} cannot be resolved", r.getHostString());
            } else {
                out.add(a);
            }
        }
        return out;
    }

    // ---- any thread ----

    /** The UDP port the DHT listens on (the listen port unless it was taken). */
    @Override
    public int port() {
        return port;
    }

    /** What the DHT looks like now, as of the last tick. */
    DhtStatus status() {
        return status;
    }

    @Override
    public void join(InfoHash hash, boolean announce, List<InetSocketAddress> contacts) {
        List<InetSocketAddress> some = contacts.size() > MAX_CONTACTS ? contacts.subList(0, MAX_CONTACTS) : contacts;
        List<InetSocketAddress> nodes = List.copyOf(some);
        post(() -> joined(hash, announce));
        if (!nodes.isEmpty()) {
            // BEP 5: a .torrent's nodes are bootstrap contacts; their names resolve off the loop.
            Thread.ofVirtual().name("spate-dht-contacts " + hash.hex()).start(() -> {
                List<InetSocketAddress> resolved = resolve(nodes);
                post(() -> resolved.forEach(this::ping));
            });
        }
    }

    @Override
    public void reannounce(InfoHash hash) {
        post(() -> schedule.reannounce(hash, clock.nanoTime()));
    }

    @Override
    public void leave(InfoHash hash) {
        post(() -> schedule.leave(hash));
    }

    @Override
    public void nodeSeen(InetSocketAddress node) {
        post(() -> ping(node));
    }

    /** Runs the timers; posted by the session's ticker once a second. */
    void postTick() {
        post(this::tick);
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        // The last save runs on the loop, behind what is queued; nothing posted after it runs.
        inbox.add(this::save);
        inbox.add(END);
        closed = true;
        try {
            channel.close();
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, "closing the DHT socket: {0}", e.getMessage());
        }
        try {
            loop.join(TimeUnit.SECONDS.toMillis(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void post(Runnable task) {
        if (!closed) {
            inbox.add(task);
        }
    }

    /** One socket's receiving thread: each KRPC datagram copied and posted, the rest dropped. */
    private void receive(DatagramChannel ch) {
        ByteBuffer buf = ByteBuffer.allocate(MAX_DATAGRAM);
        while (!closed) {
            buf.clear();
            InetSocketAddress from;
            try {
                from = (InetSocketAddress) ch.receive(buf);
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException e) {
                // An ICMP error reported on the socket, say: the next datagram is unaffected.
                LOG.log(System.Logger.Level.DEBUG, "DHT receive: {0}", e.getMessage());
                continue;
            }
            buf.flip();
            int n = buf.remaining();
            if (from == null || !DhtNode.isKrpc(buf.array(), 0, n)) {
                continue; // uTP's, once there is uTP; nothing else belongs on this port
            }
            if (queuedDatagrams.incrementAndGet() > MAX_QUEUED_DATAGRAMS) {
                queuedDatagrams.decrementAndGet();
                droppedDatagrams.incrementAndGet();
                continue;
            }
            byte[] data = new byte[n];
            buf.get(data);
            post(() -> {
                queuedDatagrams.decrementAndGet();
                node.onDatagram(from, data);
            });
        }
    }

    /** The loop: runs tasks until the end; a RuntimeException is logged, an Error ends the session. */
    private void drain() {
        while (true) {
            Runnable task;
            try {
                task = inbox.take();
            } catch (InterruptedException e) {
                return;
            }
            if (task == END) {
                return;
            }
            try {
                task.run();
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "DHT: " + Messages.message(e), e);
            } catch (Error e) {
                fatal.accept(e);
                return;
            }
        }
    }

    // ---- the loop ----

    /** The node, restored from the state file if there is a good one. */
    private void begin() {
        SavedTable saved = load(stateFile);
        node = saved == null ? new DhtNode(dhtConfig, this::send) : DhtNode.restore(dhtConfig, this::send, saved);
        if (!bindAddress.isAnyLocalAddress()) {
            // BEP 42: an id for the address we were told to use; the node ignores a local one.
            node.setExternalAddress(bindAddress);
        }
        if (saved != null && !saved.nodes().isEmpty()) {
            node.bootstrap(List.of()); // the saved nodes first; the routers only if they do not answer
        }
        LOG.log(System.Logger.Level.DEBUG, "DHT on UDP port {0} ({1}), id {2}, {3} saved nodes", port, families,
                node.id(), saved == null ? 0 : saved.nodes().size());
    }

    static SavedTable load(Path file) {
        try {
            return SavedTable.decode(Files.readAllBytes(file));
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException | DhtStateException e) {
            LOG.log(System.Logger.Level.WARNING, "starting the DHT afresh: cannot use {0}: {1}", file, e.getMessage());
            return null;
        }
    }

    private void routersResolved(List<InetSocketAddress> routers) {
        DhtStats s = node.stats();
        if (s.nodes4() + s.nodes6() >= READY_NODES) {
            node.setRouters(routers); // joined through the saved table: the routers only for a rejoin
        } else {
            node.bootstrap(routers);
        }
        if (routers.isEmpty() && !dhtConfig.bootstrap().isEmpty()) {
            LOG.log(System.Logger.Level.WARNING, "no DHT bootstrap router could be resolved ({0})",
                    dhtConfig.bootstrap().size());
        }
    }

    private void joined(InfoHash hash, boolean announce) {
        boolean known = schedule.contains(hash);
        if (!schedule.join(hash, announce ? announcePort : -1, clock.nanoTime())) {
            LOG.log(System.Logger.Level.WARNING, "DHT: too many torrents to look up; {0} is left out", hash.hex());
            return;
        }
        if (ready && !known) {
            listener.ready(hash, nodes());
        }
    }

    private void ping(InetSocketAddress node) {
        if (node.isUnresolved() || !families.contains(AddressFamily.of(node.getAddress()))) {
            return;
        }
        long now = clock.nanoTime();
        Long last = seen.get(node.getAddress());
        if (last != null && now - last < RESEE_NANOS) {
            return;
        }
        seen.put(node.getAddress(), now);
        this.node.ping(node);
    }

    private void send(InetSocketAddress to, byte[] datagram) {
        // The socket serves exactly the families the node runs (a dual-stack one both): nothing else
        // can be sent from it.
        if (!families.contains(AddressFamily.of(to.getAddress()))) {
            return;
        }
        try {
            channel.send(ByteBuffer.wrap(datagram), to);
        } catch (IOException e) {
            // Unreachable networks and full buffers: the query times out as if lost.
            LOG.log(System.Logger.Level.TRACE, "DHT send to {0}: {1}", to, e.getMessage());
        }
    }

    private void tick() {
        long now = clock.nanoTime();
        node.tick();
        int nodes = nodes();
        if (!ready && nodes > 0) {
            if (firstNodeAt < 0) {
                firstNodeAt = now;
            }
            if (nodes >= READY_NODES || node.stats().runningLookups() == 0 || now - firstNodeAt >= READY_WAIT) {
                ready = true;
                LOG.log(System.Logger.Level.DEBUG, "DHT ready with {0} nodes after {1} ms", nodes,
                        (now - startedAt) / 1_000_000);
                for (InfoHash h : schedule.hashes()) {
                    listener.ready(h, nodes);
                }
            }
        }
        if (ready) {
            for (DhtSchedule.Job job : schedule.due(now)) {
                lookUp(job);
            }
        }
        if (now - lastSave >= SAVE_INTERVAL) {
            save();
        }
        DhtStats s = node.stats();
        status = new DhtStatus(port, s.nodes4(), s.nodes6(), ready, schedule.size(), s.storedPeers());
    }

    private int nodes() {
        DhtStats s = node.stats();
        return s.nodes4() + s.nodes6();
    }

    /** One torrent's lookup, in every DHT we run; reported once all have ended. */
    private void lookUp(DhtSchedule.Job job) {
        Set<InetSocketAddress> peers = new LinkedHashSet<>();
        int[] nodes = {0};
        int[] left = {families.size()};
        for (AddressFamily f : families) {
            Consumer<LookupResult> done = r -> {
                peers.addAll(r.peers());
                nodes[0] += r.closest().size();
                if (--left[0] == 0 && schedule.done(job, nodes[0] > 0, !peers.isEmpty(), clock.nanoTime())) {
                    listener.lookedUp(job.hash(), List.copyOf(peers), nodes[0]);
                }
            };
            if (job.announcePort() >= 0) {
                node.announce(job.hash(), f, job.announcePort(), done);
            } else {
                node.getPeers(job.hash(), f, done);
            }
        }
    }

    private void save() {
        if (node == null) {
            return;
        }
        lastSave = clock.nanoTime();
        SavedTable t = node.savedTable();
        if (t.nodes().isEmpty()) {
            return; // keep what an earlier run saved rather than an empty table
        }
        try {
            AtomicFiles.write(stateFile, t.encode());
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "cannot save the DHT routing table to {0}: {1}", stateFile,
                    e.getMessage());
        }
    }
}
