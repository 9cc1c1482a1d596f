package dev.spate.dht;

import dev.spate.core.Clock;
import dev.spate.core.InfoHash;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.random.RandomGenerator;

/**
 * A mainline DHT node (BEP 5, with BEP 32's IPv6 table, BEP 42's address-bound ids and BEP 43's
 * read-only nodes), as a plain object driven from outside: {@link #onDatagram} with each datagram
 * received, {@link #tick} about once a second, and the API calls. It sends through a
 * {@link DatagramTransport} and reads time from the config's {@link Clock}; it owns no socket and no
 * thread, so a test runs hundreds of nodes in one thread over an in-memory network.
 *
 * <p>Not thread-safe: one thread owns the node and everything in it (the session's DHT loop, or the
 * test); callbacks run on that thread, inside the call that completed them.
 *
 * <p>Defences, each bounded: datagrams over 2,048 bytes or malformed are
 * dropped at decoding (no stack trace, no reply unless it was a query with a transaction id); a
 * response counts only from the address we queried, with our transaction id, and with the id we
 * expected; any message claiming our id is ignored; queries are rate-limited per IP and a flooding IP
 * is ignored for a while; replies are no larger than the query asks for and never over 1024 bytes
 * (BEP 32); pending queries, lookups, the peer store, the caches and the votes all have caps.
 */
public final class DhtNode {
    /** Our queries awaiting an answer, at most. */
    static final int MAX_PENDING = 2_048;
    /** Lookups running at once; more wait. */
    static final int MAX_RUNNING = 16;
    /** Lookups waiting, at most; beyond it a lookup completes at once, empty. */
    static final int MAX_WAITING = 256;
    /** Finished lookups cached. */
    static final int MAX_CACHED = 128;
    /** Pings of questionable table nodes per tick and table. */
    static final int PINGS_PER_TICK = 4;
    /** Pings of nodes not yet in the table (queriers, BEP 32 leaks) per tick window. */
    static final int MAX_UNKNOWN_PINGED = 4_096;
    /** Time before a node not in the table is pinged again. */
    static final long REPING_NANOS = 5 * 60 * 1_000_000_000L;
    /** Time before an empty table bootstraps again from the last routers. */
    static final long REBOOTSTRAP_NANOS = 60 * 1_000_000_000L;

    private enum Purpose { PING, LOOKUP, ROUTER, ANNOUNCE }

    private static final class Pending {
        final int tid;
        final InetSocketAddress to;
        final NodeId expected;
        final Purpose purpose;
        final Running lookup;
        final Lookup.Candidate candidate;
        final long deadline;

        Pending(int tid, InetSocketAddress to, NodeId expected, Purpose purpose, Running lookup,
                Lookup.Candidate candidate, long deadline) {
            this.tid = tid;
            this.to = to;
            this.expected = expected;
            this.purpose = purpose;
            this.lookup = lookup;
            this.candidate = candidate;
            this.deadline = deadline;
        }
    }

    private static final class Running {
        final Lookup lookup;
        final Consumer<LookupResult> done;
        /** For an announce: the port, or 0 for BEP 5's implied_port. -1: no announce. */
        final int announcePort;
        final InfoHash infoHash;
        final List<InetSocketAddress> routers;

        Running(Lookup lookup, Consumer<LookupResult> done, int announcePort, InfoHash infoHash,
                List<InetSocketAddress> routers) {
            this.lookup = lookup;
            this.done = done;
            this.announcePort = announcePort;
            this.infoHash = infoHash;
            this.routers = routers;
        }
    }

    private record CacheKey(Lookup.Kind kind, AddressFamily family, NodeId target) {
    }

    private record Cached(LookupResult result, List<Lookup.Candidate> announceTargets, long at) {
    }

    private final DhtConfig config;
    private final DatagramTransport transport;
    private final Clock clock;
    private final RandomGenerator random;
    private final long timeoutNanos;
    private NodeId self;
    private final Map<AddressFamily, RoutingTable> tables = new EnumMap<>(AddressFamily.class);
    private final Map<AddressFamily, InetAddress> external = new EnumMap<>(AddressFamily.class);
    private final Map<AddressFamily, AddressVotes> votes = new EnumMap<>(AddressFamily.class);
    private final Map<Integer, Pending> pending = new HashMap<>();
    private final List<Running> running = new ArrayList<>();
    private final ArrayDeque<Running> waiting = new ArrayDeque<>();
    private final Tokens tokens;
    private final PeerStore store;
    private final QueryLimiter limiter;
    private final Responder responder;
    private final LinkedHashMap<InetAddress, Long> pinged = new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<InetAddress, Long> eldest) {
            return size() > MAX_UNKNOWN_PINGED;
        }
    };
    private final LinkedHashMap<CacheKey, Cached> cache = new LinkedHashMap<>();
    private List<NodeContact> seeds = List.of();
    private List<InetSocketAddress> routers = List.of();
    private long lastBootstrap;
    private long lastExpiry;
    private long queriesReceived;
    private long queriesSent;
    private long responsesReceived;
    private long timeouts;
    private long dropped;
    private long rateLimited;
    private int idChanges;

    /** A node with a random id (BEP 42 replaces it once our external address is known). */
    public DhtNode(DhtConfig config, DatagramTransport transport) {
        this(config, transport, null);
    }

    private DhtNode(DhtConfig config, DatagramTransport transport, SavedTable saved) {
        this.config = Objects.requireNonNull(config, "config");
        this.transport = Objects.requireNonNull(transport, "transport");
        this.clock = config.clock();
        this.random = config.random();
        this.timeoutNanos = config.queryTimeout().toNanos();
        long now = clock.nanoTime();
        this.self = saved != null ? saved.id() : NodeId.random(random);
        for (AddressFamily f : config.families()) {
            tables.put(f, new RoutingTable(f, self, now));
            votes.put(f, new AddressVotes(config.externalAddressVotes()));
        }
        this.tokens = new Tokens(random, now);
        this.store = new PeerStore(config.maxPeersPerInfoHash(), config.maxInfoHashes(), config.maxStoredPeers());
        this.responder = new Responder(tables, tokens, store, random);
        this.limiter = new QueryLimiter(config.queriesPerSecondPerIp(), config.queryBurst(),
                config.floodBlock().toNanos(), 8_192);
        this.lastExpiry = now;
        this.lastBootstrap = now - REBOOTSTRAP_NANOS;
        if (saved != null) {
            List<NodeContact> s = new ArrayList<>();
            for (NodeContact c : saved.nodes()) {
                if (tables.containsKey(c.family()) && !c.id().equals(self)) {
                    s.add(c);
                }
            }
            this.seeds = List.copyOf(s);
        }
    }

    /**
     * A node that keeps a saved table's id and asks its nodes first at {@link #bootstrap}; they enter
     * the table only when they answer.
     */
    public static DhtNode restore(DhtConfig config, DatagramTransport transport, SavedTable saved) {
        return new DhtNode(config, transport, Objects.requireNonNull(saved, "saved"));
    }

    /**
     * Whether a datagram on a shared UDP port is for the DHT: KRPC is a bencoded dictionary, so it
     * starts with 'd' (and ends with 'e'); no uTP packet does. Reads two bytes.
     */
    public static boolean isKrpc(byte[] data, int offset, int length) {
        return KrpcCodec.looksLikeKrpc(data, offset, length);
    }

    /** Our node id. */
    public NodeId id() {
        return self;
    }

    /** Our external address in {@code family}, as set or voted (BEP 42). */
    public Optional<InetAddress> externalAddress(AddressFamily family) {
        return Optional.ofNullable(external.get(family));
    }

    // Receiving.

    /** Handles one received datagram held whole in {@code data}. */
    public void onDatagram(InetSocketAddress from, byte[] data) {
        onDatagram(from, data, 0, data.length);
    }

    /**
     * Handles one received datagram. Never throws for anything in the datagram: what is not valid
     * KRPC is counted and dropped.
     */
    public void onDatagram(InetSocketAddress from, byte[] data, int offset, int length) {
        long now = clock.nanoTime();
        InetAddress ip = from.getAddress();
        if (ip == null || from.getPort() == 0 || !tables.containsKey(AddressFamily.of(ip))
                || !Addresses.contactable(ip) || limiter.blocked(ip, now)) {
            dropped++;
            return;
        }
        Krpc m;
        try {
            m = KrpcCodec.decode(data, offset, length);
        } catch (KrpcException e) {
            dropped++;
            // Garbage counts against the sender's budget like a query: a flood of it gets the IP blocked.
            boolean admitted = limiter.admit(ip, now);
            if (!admitted) {
                rateLimited++;
            }
            if (e.queryTid() != null && !config.readOnly() && admitted) {
                int code = e instanceof KrpcCodec.UnknownMethod ? Krpc.Error.METHOD_UNKNOWN : Krpc.Error.PROTOCOL;
                transport.send(from, Responder.error(e.queryTid(), code, e.getMessage(), from));
            }
            return;
        }
        switch (m) {
            case Krpc.Query q -> onQuery(from, q, now);
            case Krpc.Response r -> onResponse(from, r, now);
            case Krpc.Error e -> onError(from, e, now);
        }
    }

    private void onQuery(InetSocketAddress from, Krpc.Query q, long now) {
        InetAddress ip = from.getAddress();
        if (!limiter.admit(ip, now)) {
            rateLimited++;
            return;
        }
        if (q.sender().equals(self)) {
            dropped++;
            return;
        }
        queriesReceived++;
        AddressFamily family = AddressFamily.of(ip);
        RoutingTable table = tables.get(family);
        NodeContact contact = new NodeContact(q.sender(), from);
        table.queried(contact, now);
        // BEP 43: a read-only node is served but never enters the table; others must answer a ping first.
        if (!q.readOnly()) {
            maybePing(contact, now);
        }
        if (config.readOnly()) {
            return; // BEP 43: a read-only node answers no queries.
        }
        transport.send(from, responder.answer(q, from, self, now));
    }

    private void onResponse(InetSocketAddress from, Krpc.Response r, long now) {
        Pending p = match(from, r.tid());
        if (p == null) {
            unsolicited(from, now);
            return;
        }
        if (r.sender().equals(self) || p.expected != null && !p.expected.equals(r.sender())) {
            // Our own id, or not the node we asked: as good as no answer.
            dropped++;
            fail(p, now);
            return;
        }
        pending.remove(p.tid);
        responsesReceived++;
        AddressFamily family = AddressFamily.of(from.getAddress());
        NodeContact contact = new NodeContact(r.sender(), from);
        tables.get(family).answered(contact, SecureIds.verified(r.sender(), from.getAddress()), now);
        vote(from, r.ip());
        switch (p.purpose) {
            case PING, ANNOUNCE -> {
            }
            case LOOKUP, ROUTER -> {
                Lookup l = p.lookup.lookup;
                List<NodeContact> same = family == AddressFamily.IPV4 ? r.nodes() : r.nodes6();
                List<NodeContact> other = family == AddressFamily.IPV4 ? r.nodes6() : r.nodes();
                for (NodeContact c : other) {
                    // BEP 32 leak from the other DHT: a node may enter its table after a ping.
                    maybePing(c, now);
                }
                boolean getPeers = l.kind == Lookup.Kind.GET_PEERS;
                List<InetSocketAddress> values = getPeers ? r.values() : List.of();
                if (p.purpose == Purpose.ROUTER) {
                    l.routerAnswered(same, values);
                } else {
                    l.answered(p.candidate, same, values, getPeers ? r.token() : null);
                }
                pump(p.lookup);
            }
        }
    }

    private void onError(InetSocketAddress from, Krpc.Error e, long now) {
        Pending p = match(from, e.tid());
        if (p == null) {
            unsolicited(from, now);
            return;
        }
        pending.remove(p.tid);
        responsesReceived++;
        vote(from, e.ip());
        // It is alive, but the query failed: the lookup moves on; the table does not hold it against it.
        if (p.purpose == Purpose.LOOKUP) {
            p.lookup.lookup.failed(p.candidate);
            pump(p.lookup);
        } else if (p.purpose == Purpose.ROUTER) {
            p.lookup.lookup.routerDone();
            pump(p.lookup);
        }
    }

    /** An answer to nothing we asked: dropped, and counted against the sender's budget like a query. */
    private void unsolicited(InetSocketAddress from, long now) {
        dropped++;
        if (!limiter.admit(from.getAddress(), now)) {
            rateLimited++;
        }
    }

    /** The pending query this datagram answers: our 2-byte transaction id, from the address we asked. */
    private Pending match(InetSocketAddress from, byte[] tid) {
        if (tid.length != 2) {
            return null;
        }
        Pending p = pending.get(((tid[0] & 0xff) << 8) | (tid[1] & 0xff));
        return p != null && p.to.equals(from) ? p : null;
    }

    private void fail(Pending p, long now) {
        fail(p, now, false);
    }

    /** A query failed: no answer in time ({@code timedOut}), or an answer that does not count. */
    private void fail(Pending p, long now, boolean timedOut) {
        pending.remove(p.tid);
        if (p.expected != null) {
            tables.get(AddressFamily.of(p.to.getAddress())).failed(new NodeContact(p.expected, p.to), now);
        }
        switch (p.purpose) {
            case PING, ANNOUNCE -> {
            }
            case LOOKUP -> {
                if (timedOut) {
                    p.lookup.lookup.timedOut(p.candidate);
                } else {
                    p.lookup.lookup.failed(p.candidate);
                }
                pump(p.lookup);
            }
            case ROUTER -> {
                p.lookup.lookup.routerDone();
                pump(p.lookup);
            }
        }
    }

    // BEP 42: our external address.

    private void vote(InetSocketAddress from, InetSocketAddress claimed) {
        if (claimed == null || AddressFamily.of(claimed.getAddress()) != AddressFamily.of(from.getAddress())
                || !Addresses.contactable(claimed.getAddress())) {
            return;
        }
        AddressFamily f = AddressFamily.of(from.getAddress());
        InetAddress winner = votes.get(f).vote(from.getAddress(), claimed.getAddress());
        if (winner != null && !winner.equals(external.get(f))) {
            setExternalAddress(winner);
        }
    }

    /**
     * Sets our external address (from the votes of responders, or from the engine, which may know it
     * from a tracker or the router). Our id follows the IPv4 address, or the IPv6 one when no IPv4
     * address is known (BEP 42); a local address keeps the id, as BEP 42 exempts it. When the id
     * changes the tables are filed anew and a lookup of the new id starts.
     */
    public void setExternalAddress(InetAddress address) {
        AddressFamily f = AddressFamily.of(address);
        if (!tables.containsKey(f)) {
            return;
        }
        external.put(f, address);
        votes.get(f).clear();
        boolean decides = f == AddressFamily.IPV4 || !external.containsKey(AddressFamily.IPV4);
        if (!decides || Addresses.local(address) || SecureIds.matches(self, address)) {
            return;
        }
        long now = clock.nanoTime();
        self = SecureIds.generate(address, random);
        idChanges++;
        cache.clear();
        for (RoutingTable t : tables.values()) {
            t.rekey(self, now);
            if (t.size() > 0) {
                start(new Lookup(Lookup.Kind.FIND_NODE, self, t.family(), RoutingTable.K, config.alpha(),
                        config.enforceNodeIds(), self), r -> { }, -1, null, List.of());
            }
        }
    }

    // Lookups.

    /**
     * Joins the DHT: a lookup of our own id in each table (BEP 5), starting from the saved table's
     * nodes if any and from {@code routers}, resolved addresses the caller chose (the user's list, by
     * default {@link DhtConfig#PUBLIC_ROUTERS}). An emptied table bootstraps again from the same routers.
     */
    public void bootstrap(Collection<InetSocketAddress> routers) {
        setRouters(routers);
        for (RoutingTable t : tables.values()) {
            bootstrap(t);
        }
        seeds = List.of();
    }

    /**
     * Keeps {@code routers} for bootstrapping again should a table empty, without joining now: for
     * a node restored from a saved table that has filled already, which needs no router to join.
     */
    public void setRouters(Collection<InetSocketAddress> routers) {
        List<InetSocketAddress> rs = new ArrayList<>();
        for (InetSocketAddress a : routers) {
            if (!a.isUnresolved() && a.getPort() != 0 && Addresses.contactable(a.getAddress())) {
                rs.add(a);
            }
        }
        this.routers = List.copyOf(rs);
    }

    private void bootstrap(RoutingTable t) {
        lastBootstrap = clock.nanoTime();
        Lookup l = new Lookup(Lookup.Kind.FIND_NODE, self, t.family(), RoutingTable.K, config.alpha(),
                config.enforceNodeIds(), self);
        for (NodeContact c : seeds) {
            l.add(c, 0);
        }
        // Then each sparse bucket gets a refresh lookup, one a tick: the self-lookup only fills
        // the buckets near our id, and the far ones would otherwise wait 15 minutes (BEP 5).
        start(l, r -> t.markSparseBucketsStale(clock.nanoTime()), -1, null, routers);
    }

    /** Looks up the nodes closest to {@code target} (find_node). */
    public void findNode(NodeId target, AddressFamily family, Consumer<LookupResult> done) {
        lookup(Lookup.Kind.FIND_NODE, target, family, -1, null, done);
    }

    /** Looks up peers of {@code infoHash} (get_peers); results of a lookup within the cache time are reused. */
    public void getPeers(InfoHash infoHash, AddressFamily family, Consumer<LookupResult> done) {
        lookup(Lookup.Kind.GET_PEERS, NodeId.of(infoHash), family, -1, infoHash, done);
    }

    /**
     * Looks up peers of {@code infoHash} and announces us (announce_peer) to the closest nodes that
     * gave a token (BEP 5), on TCP port {@code port}, or with BEP 5's implied_port when {@code port} is
     * 0 (the UDP source port is our peer port). {@code done} gets the peers once the lookup ends.
     */
    public void announce(InfoHash infoHash, AddressFamily family, int port, Consumer<LookupResult> done) {
        if (port < 0 || port > 65_535) {
            throw new IllegalArgumentException("port must be in 0..65535, not " + port);
        }
        lookup(Lookup.Kind.GET_PEERS, NodeId.of(infoHash), family, port, infoHash, done);
    }

    /** Pings a node (BEP 5's PORT message: "should attempt to ping the node"); it enters the table if it answers. */
    public void ping(InetSocketAddress node) {
        if (!node.isUnresolved() && tables.containsKey(AddressFamily.of(node.getAddress()))
                && Addresses.contactable(node.getAddress()) && node.getPort() != 0) {
            query(node, null, new Krpc.Ping(null, self, config.readOnly()), Purpose.PING, null, null);
        }
    }

    private void lookup(Lookup.Kind kind, NodeId target, AddressFamily family, int announcePort, InfoHash infoHash,
            Consumer<LookupResult> done) {
        Objects.requireNonNull(done, "done");
        if (!tables.containsKey(family)) {
            throw new IllegalArgumentException("this node does not run the " + family + " DHT");
        }
        long now = clock.nanoTime();
        Cached c = cache.get(new CacheKey(kind, family, target));
        if (c != null && now - c.at < config.lookupCacheTtl().toNanos()) {
            LookupResult r = c.result;
            if (announcePort >= 0) {
                sendAnnounces(c.announceTargets, infoHash, announcePort);
            }
            done.accept(new LookupResult(r.target(), r.family(), r.closest(), r.peers(), 0, 0, true));
            return;
        }
        start(new Lookup(kind, target, family, RoutingTable.K, config.alpha(), config.enforceNodeIds(), self),
                done, announcePort, infoHash, List.of());
    }

    private void start(Lookup l, Consumer<LookupResult> done, int announcePort, InfoHash infoHash,
            List<InetSocketAddress> routers) {
        Running r = new Running(l, done, announcePort, infoHash, routers);
        if (running.size() >= MAX_RUNNING) {
            if (waiting.size() >= MAX_WAITING) {
                done.accept(new LookupResult(l.target, l.family, List.of(), List.of(), 0, 0, false));
                return;
            }
            waiting.add(r);
            return;
        }
        run(r);
    }

    private void run(Running r) {
        running.add(r);
        long now = clock.nanoTime();
        for (NodeContact c : tables.get(r.lookup.family).closest(r.lookup.target, 2 * RoutingTable.K, now)) {
            r.lookup.add(c, 0);
        }
        for (InetSocketAddress a : r.routers) {
            r.lookup.addRouter(a);
        }
        pump(r);
    }

    /** Sends what the lookup wants sent; completes it when it has ended. */
    private void pump(Running r) {
        Lookup l = r.lookup;
        if (!running.contains(r)) {
            return; // an answer after it completed: the table learnt from it, the lookup is done
        }
        for (InetSocketAddress a : l.nextRouters()) {
            if (!query(a, null, lookupQuery(l), Purpose.ROUTER, r, null)) {
                l.routerDone();
            }
        }
        boolean again = true;
        while (again) {
            again = false;
            for (Lookup.Candidate c : l.next()) {
                if (!query(c.contact.address(), c.contact.id(), lookupQuery(l), Purpose.LOOKUP, r, c)) {
                    l.failed(c);
                    again = true;
                }
            }
        }
        if (l.finished()) {
            complete(r);
        }
    }

    private Krpc.Query lookupQuery(Lookup l) {
        // BEP 32: while the other table is nearly empty, ask for both families to fill it faster.
        Set<AddressFamily> want = EnumSet.noneOf(AddressFamily.class);
        for (RoutingTable t : tables.values()) {
            if (t.family() != l.family && t.size() < RoutingTable.K) {
                want.add(l.family);
                want.add(t.family());
            }
        }
        return switch (l.kind) {
            case FIND_NODE -> new Krpc.FindNode(null, self, config.readOnly(), l.target, want);
            case GET_PEERS -> new Krpc.GetPeers(null, self, config.readOnly(), InfoHash.of(l.target.raw()), want);
        };
    }

    private void complete(Running r) {
        running.remove(r);
        Lookup l = r.lookup;
        List<NodeContact> closest = new ArrayList<>();
        for (Lookup.Candidate c : l.closestAnswered()) {
            closest.add(c.contact);
        }
        LookupResult result = new LookupResult(l.target, l.family, closest, l.peers(), l.rounds(), l.messages(), false);
        List<Lookup.Candidate> targets = l.kind == Lookup.Kind.GET_PEERS ? l.announceTargets() : List.of();
        if (config.lookupCacheTtl().toNanos() > 0 && !closest.isEmpty()) {
            cache.remove(new CacheKey(l.kind, l.family, l.target));
            cache.put(new CacheKey(l.kind, l.family, l.target), new Cached(result, targets, clock.nanoTime()));
            if (cache.size() > MAX_CACHED) {
                Iterator<CacheKey> it = cache.keySet().iterator();
                it.next();
                it.remove();
            }
        }
        if (r.announcePort >= 0) {
            sendAnnounces(targets, r.infoHash, r.announcePort);
        }
        r.done.accept(result);
        while (running.size() < MAX_RUNNING && !waiting.isEmpty()) {
            run(waiting.poll());
        }
    }

    private void sendAnnounces(List<Lookup.Candidate> targets, InfoHash infoHash, int port) {
        for (Lookup.Candidate c : targets) {
            query(c.contact.address(), c.contact.id(),
                    new Krpc.AnnouncePeer(null, self, config.readOnly(), infoHash, port == 0 ? 1 : port, port == 0,
                            c.token),
                    Purpose.ANNOUNCE, null, null);
        }
    }

    // Sending.

    /** Sends a query with a fresh transaction id; false when too many are pending. */
    private boolean query(InetSocketAddress to, NodeId expected, Krpc.Query q, Purpose purpose, Running lookup,
            Lookup.Candidate candidate) {
        if (pending.size() >= MAX_PENDING) {
            return false;
        }
        // Random, so that an off-path sender who knows whom we ask still cannot guess the answer's id.
        int tid = random.nextInt(1 << 16);
        while (pending.containsKey(tid)) {
            tid = (tid + 1) & 0xffff;
        }
        byte[] t = {(byte) (tid >>> 8), (byte) tid};
        Krpc.Query withTid = switch (q) {
            case Krpc.Ping p -> new Krpc.Ping(t, p.sender(), p.readOnly());
            case Krpc.FindNode f -> new Krpc.FindNode(t, f.sender(), f.readOnly(), f.target(), f.want());
            case Krpc.GetPeers g -> new Krpc.GetPeers(t, g.sender(), g.readOnly(), g.infoHash(), g.want());
            case Krpc.AnnouncePeer a -> new Krpc.AnnouncePeer(t, a.sender(), a.readOnly(), a.infoHash(), a.port(),
                    a.impliedPort(), a.token());
        };
        pending.put(tid, new Pending(tid, to, expected, purpose, lookup, candidate, clock.nanoTime() + timeoutNanos));
        queriesSent++;
        transport.send(to, KrpcCodec.encode(withTid));
        return true;
    }

    /** Pings a node that is not in its table yet if the table would take it; at most once per {@link #REPING_NANOS}. */
    private void maybePing(NodeContact c, long now) {
        RoutingTable t = tables.get(c.family());
        if (t == null || !t.wants(c, now) || pending.size() >= MAX_PENDING / 2) {
            return;
        }
        Long last = pinged.get(c.address().getAddress());
        if (last != null && now - last < REPING_NANOS) {
            return;
        }
        pinged.put(c.address().getAddress(), now);
        query(c.address(), c.id(), new Krpc.Ping(null, self, config.readOnly()), Purpose.PING, null, null);
    }

    // Time.

    /**
     * Runs the timers: unanswered queries fail, questionable nodes are pinged, stale buckets are
     * refreshed (BEP 5), expired peers and cached lookups are dropped, an emptied table bootstraps
     * again. Call about once a second.
     */
    public void tick() {
        long now = clock.nanoTime();
        List<Pending> expired = new ArrayList<>();
        for (Pending p : pending.values()) {
            if (now - p.deadline >= 0) {
                expired.add(p);
            }
        }
        for (Pending p : expired) {
            if (pending.get(p.tid) == p) {
                timeouts++;
                fail(p, now, true);
            }
        }
        if (now - lastExpiry >= 60 * 1_000_000_000L) {
            lastExpiry = now;
            store.expire(now);
        }
        long ttl = config.lookupCacheTtl().toNanos();
        cache.values().removeIf(c -> now - c.at >= ttl);
        for (RoutingTable t : tables.values()) {
            for (NodeContact c : t.toPing(now, PINGS_PER_TICK)) {
                query(c.address(), c.id(), new Krpc.Ping(null, self, config.readOnly()), Purpose.PING, null, null);
            }
            if (running.size() < MAX_RUNNING / 2) {
                for (NodeId target : t.refreshTargets(now, 1, random)) {
                    start(new Lookup(Lookup.Kind.FIND_NODE, target, t.family(), RoutingTable.K, config.alpha(),
                            config.enforceNodeIds(), self), r -> { }, -1, null, List.of());
                }
            }
        }
        if (running.isEmpty() && now - lastBootstrap >= REBOOTSTRAP_NANOS) {
            for (RoutingTable t : tables.values()) {
                // Only a table that is empty and has a router of its family: an IPv6 table with no
                // IPv6 router fills from the other family's nodes6 (BEP 32) instead.
                if (t.size() == 0 && routers.stream().anyMatch(a -> AddressFamily.of(a.getAddress()) == t.family())) {
                    bootstrap(t);
                }
            }
        }
    }

    // State.

    /** Our id and the nodes of both tables, for saving (see {@link SavedTable#encode}). */
    public SavedTable savedTable() {
        long now = clock.nanoTime();
        List<NodeContact> nodes = new ArrayList<>();
        for (RoutingTable t : tables.values()) {
            nodes.addAll(t.contacts(now));
        }
        return new SavedTable(self, nodes.size() > SavedTable.MAX_NODES ? nodes.subList(0, SavedTable.MAX_NODES) : nodes);
    }

    /** A snapshot of the node's state and counters. */
    public DhtStats stats() {
        RoutingTable v4 = tables.get(AddressFamily.IPV4);
        RoutingTable v6 = tables.get(AddressFamily.IPV6);
        int replacements = 0;
        for (RoutingTable t : tables.values()) {
            replacements += t.replacements();
        }
        return new DhtStats(v4 == null ? 0 : v4.size(), v6 == null ? 0 : v6.size(), replacements, store.size(),
                pending.size(), running.size(), queriesReceived, queriesSent, responsesReceived, timeouts, dropped,
                rateLimited, limiter.blockedCount(), idChanges);
    }

    /** The table of {@code family}, for tests of the package. */
    RoutingTable table(AddressFamily family) {
        return tables.get(family);
    }
}
