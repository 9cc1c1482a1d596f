package dev.spate.engine;

import dev.spate.core.InfoHash;
import dev.spate.core.PeerId;
import dev.spate.metainfo.Magnet;
import dev.spate.metainfo.Metainfo;
import dev.spate.metainfo.MetainfoException;
import dev.spate.metainfo.MetainfoParser;
import dev.spate.peer.Acceptor;
import dev.spate.peer.PeerConnection;
import dev.spate.peer.TokenBucket;
import dev.spate.storage.DiskIo;
import dev.spate.storage.PieceBuffers;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Collection;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import java.util.Optional;
import dev.spate.core.Clock;
import dev.spate.storage.FileStorage;
import dev.spate.storage.ResumeStore;
import dev.spate.storage.Storage;
import dev.spate.storage.StorageMove;

/**
 * A BitTorrent session: one listening port, one disk pool and one peer id for all its torrents.
 *
 * <pre>{@code
 * try (Session session = Session.open(SessionConfig.builder().listenPort(0).build())) {
 *     TorrentHandle t = session.add(MetainfoParser.read(file), downloadDir);
 *     t.connect(new InetSocketAddress("127.0.0.1", 6881));
 *     t.awaitCompletion(Duration.ofMinutes(10));
 * }
 * }</pre>
 *
 * <p>Thread-safe. Threads: virtual threads accept and read handshakes; each torrent has its own loop
 * thread; one platform thread ticks every torrent once a second (one seeding or stopped with no
 * peer, every few seconds: {@link QuietTicks}); a small pool of platform threads
 * hashes and does file IO; with {@link SessionConfig#localDiscovery()} on, each interface's LSD service
 * (BEP 14) has virtual threads that send announces and post the peers they hear to the torrents' loops.
 */
public final class Session implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(Session.class.getName());
    /** BEP 3's block: the largest a peer may send us. */
    static final int BLOCK = 16 * 1024;

    private final SessionConfig config;
    private final PeerId peerId = PeerId.random();
    private final DiskIo disk;
    private final EventHub events = new EventHub();
    /** Buffers received blocks are read into, shared by every peer of the session. */
    private final PieceBuffers blockBuffers = new PieceBuffers(BLOCK, 4096);
    private final TokenBucket downloadLimit;
    private final TokenBucket uploadLimit;
    private final Map<InfoHash, Handle> torrents = new ConcurrentHashMap<>();
    private final ScheduledExecutorService ticker;
    private final ServerSocketChannel server;
    private final Acceptor acceptor;
    private final AtomicInteger connections = new AtomicInteger();
    private final SocketConnector connector;
    private final TorrentContext context;
    private volatile boolean closed;
    private volatile String failure;
    /** Ticks so far; the ticker thread's. */
    private long ticks;
    private final MetadataStore metadata;
    /** The metadata fetches of {@link #fetchMetadata}, each with the future it completes. */
    private final Map<MetadataResolver, CompletableFuture<Metainfo>> fetches = new ConcurrentHashMap<>();
    /** Local Service Discovery (BEP 14), started last in the constructor; null when switched off. */
    private final LsdServices lsd;
    /** The DHT (BEP 5), started before LSD; null when switched off or without a UDP socket. */
    private final DhtService dht;

    private Session(SessionConfig config) throws IOException {
        this(config, UnaryOperator.identity());
    }

    /** With {@code watchStorage} wrapped around every torrent's files: a test's view of what the engine reads. */
    private Session(SessionConfig config, UnaryOperator<Storage> watchStorage) throws IOException {
        this.config = config;
        this.downloadLimit = new TokenBucket(config.downloadRateLimit(), dev.spate.core.Clock.system());
        this.uploadLimit = new TokenBucket(config.uploadRateLimit(), dev.spate.core.Clock.system());
        this.disk = new DiskIo(Math.max(2, Runtime.getRuntime().availableProcessors()),
                (int) Math.min(Integer.MAX_VALUE, config.diskQueueBytes()));
        try {
            this.server = listen(config.bindAddress(), config.listenPort());
        } catch (IOException e) {
            closeDisk();
            throw new IOException("cannot listen on " + dev.spate.core.PeerAddress.format(new InetSocketAddress(config.bindAddress(), config.listenPort()))
                    + ": " + e.getMessage(), e);
        }
        this.ticker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "spate-tick");
            t.setDaemon(true);
            return t;
        });
        this.metadata = new MetadataStore(config.stateDirectory());
        this.connector = new SocketConnector(config, peerId, this::dhtRunning, blockBuffers);
        this.context = new TorrentContext(Clock.system(), disk,
                (info, dir, parts, wanted) -> watchStorage.apply(FileStorage.open(dir, info,
                        FileStorage.DEFAULT_OPEN_FILES, config.directWrites(), parts, wanted)),
                events::publish, new TorrentContext.ConnectionSlots() {
                    @Override
                    public boolean reserve() {
                        return reserveConnection();
                    }

                    @Override
                    public void release() {
                        releaseConnection();
                    }
                }, connector, (name, onFailure, onFatal) -> Mailbox.threaded(name, onFailure, onFatal),
                this::fatal, peerId, config, this::listenPort, blockBuffers, downloadLimit, uploadLimit,
                trackerConfig(), ResumeStore.open(config.stateDirectory()),
                (urls, info) -> WebSeeds.open(urls, info, dev.spate.webseed.WebSeedConfig.defaults()),
                new TorrentContext.LocalDiscovery() {
                    @Override
                    public void join(InfoHash hash) {
                        if (lsd != null) {
                            lsd.join(hash);
                        }
                    }

                    @Override
                    public void leave(InfoHash hash) {
                        if (lsd != null) {
                            lsd.leave(hash);
                        }
                    }
                }, new TorrentContext.Dht() {
                    @Override
                    public void join(InfoHash hash, boolean announce, List<InetSocketAddress> contacts) {
                        if (dht != null) {
                            dht.join(hash, announce, contacts);
                        }
                    }

                    @Override
                    public void leave(InfoHash hash) {
                        if (dht != null) {
                            dht.leave(hash);
                        }
                    }

                    @Override
                    public void reannounce(InfoHash hash) {
                        if (dht != null) {
                            dht.reannounce(hash);
                        }
                    }

                    @Override
                    public void nodeSeen(InetSocketAddress node) {
                        if (dht != null) {
                            dht.nodeSeen(node);
                        }
                    }

                    @Override
                    public int port() {
                        return dht == null ? 0 : dht.port();
                    }
                });
        ticker.scheduleAtFixedRate(this::tick, 1, 1, TimeUnit.SECONDS);
        this.acceptor = Acceptor.start(server, Acceptor.Settings.defaults(config.connectTimeout()),
                SocketConnector.incoming(config.encryption(), torrents::keySet), this::incoming, this::acceptorFailed);
        // Near the end: neither can fail the session (each runs without its sockets, with a
        // warning), and no torrent exists yet to announce.
        this.dht = config.dht() ? DhtService.start(config, listenPort(), Clock.system(), new DhtService.Listener() {
            @Override
            public void lookedUp(InfoHash hash, List<InetSocketAddress> peers, int nodes) {
                events.publish(new Event.DhtReply(hash, peers.size(), nodes));
                peers.forEach(p -> discovered(hash, p));
            }

            @Override
            public void ready(InfoHash hash, int nodes) {
                events.publish(new Event.DhtReady(hash, nodes));
            }
        }, this::fatal) : null;
        this.lsd = config.localDiscovery() ? LsdServices.start(config.bindAddress(), listenPort(), this::discovered)
                : null;
    }

    /**
     * The listening socket. On the wildcard (the default), one dual-stack socket on {@code ::} takes
     * IPv4 and IPv6 peers on one port (BEP 7's peers may be of either family; the JDK clears
     * IPV6_V6ONLY on its IPv6 sockets); IPv4 alone where this host has no IPv6. On a given address,
     * that address only, of its own family.
     */
    static ServerSocketChannel listen(InetAddress bind, int port) throws IOException {
        ServerSocketChannel ch = null;
        if (bind.isAnyLocalAddress()) {
            try {
                ch = ServerSocketChannel.open(StandardProtocolFamily.INET6);
                bind = InetAddress.getByAddress(new byte[16]);
            } catch (UnsupportedOperationException | IOException e) {
                ch = null; // no IPv6 here: the IPv4 wildcard, whichever family's wildcard was given
                bind = InetAddress.getByAddress(new byte[4]);
            }
        }
        if (ch == null) {
            ch = ServerSocketChannel.open(bind instanceof Inet6Address ? StandardProtocolFamily.INET6
                    : StandardProtocolFamily.INET);
        }
        try {
            ch.bind(new InetSocketAddress(bind, port), 128);
            return ch;
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    /** Opens a session: binds the listening port and starts its threads. */
    public static Session open(SessionConfig config) throws IOException {
        return new Session(config);
    }

    /**
     * For tests only: {@link #open} with every torrent's storage passed through {@code watchStorage},
     * which returns a {@link Storage} that passes every call on (and counts, say, the pieces read to
     * hash them).
     */
    static Session openWatched(SessionConfig config, UnaryOperator<Storage> watchStorage) throws IOException {
        return new Session(config, watchStorage);
    }

    /** The port peers can reach this session on (the chosen one when the config said 0). */
    public int listenPort() {
        return server.socket().getLocalPort();
    }

    /** The settings this session was opened with. */
    public SessionConfig config() {
        return config;
    }

    /**
     * Adds a torrent whose files live in (or will be downloaded to) {@code directory}: a
     * single-file torrent as {@code directory/<name>}, a multi-file one under
     * {@code directory/<name>/}. What is already there is checked first, so a download resumes.
     *
     * @throws IllegalArgumentException for a v2-only torrent (not supported yet)
     * @throws IllegalStateException if the torrent is already in the session
     * @throws IOException if its files cannot be opened
     */
    public TorrentHandle add(Metainfo metainfo, Path directory) throws IOException {
        return add(metainfo, directory, TorrentOptions.defaults());
    }

    /**
     * Adds a torrent as {@link #add(Metainfo, Path)} does, downloading the files and in the order
     * {@code options} say (a skipped file is never created).
     *
     * @throws IllegalArgumentException when the options do not have one priority per file
     */
    public TorrentHandle add(Metainfo metainfo, Path directory, TorrentOptions options) throws IOException {
        if (closed) {
            throw new IllegalStateException("session is closed");
        }
        if (metainfo.v2Only()) {
            throw new IllegalArgumentException("v2-only torrents cannot be downloaded yet");
        }
        InfoHash hash = InfoHash.of(metainfo.infoHash());
        if (torrents.containsKey(hash)) {
            throw new IllegalStateException("torrent " + hash.hex() + " is already in this session");
        }
        // A move of its files a crash cut off is finished first; one done is followed to where they went.
        Path where = StorageMove.settle(context.resumes(), hash, metainfo.info(), directory, StorageMoves.steps);
        Torrent torrent = new Torrent(context, metainfo, where, options, t -> removed(hash));
        Handle handle = new Handle(torrent);
        if (torrents.putIfAbsent(hash, handle) != null) {
            torrent.discard();
            throw new IllegalStateException("torrent " + hash.hex() + " is already in this session");
        }
        torrent.start();
        return handle;
    }

    /**
     * Adds the torrent of a magnet link (BEP 9): at once, without waiting for the network. Its info
     * dictionary is fetched from the link's peers ({@code x.pe}), those its trackers return and
     * those given with {@link TorrentHandle#connect} (state {@link TorrentState#METADATA}, whose
     * progress counts the metadata); then the torrent checks what is in {@code directory} and
     * downloads like one added from its .torrent, over the connections of the metadata phase
     * (what their peers announced meanwhile is checked against the piece count then). The metadata is kept in the state directory, so
     * the same link added again (after a restart, say) needs no peer to know its torrent.
     *
     * @throws IllegalArgumentException for a v2-only link (not supported yet)
     * @throws IllegalStateException if the torrent is already in the session
     * @throws IOException if a kept .torrent of it cannot be opened
     */
    public TorrentHandle add(Magnet magnet, Path directory) throws IOException {
        return add(magnet, directory, TorrentOptions.defaults());
    }

    /**
     * Adds a magnet link's torrent as {@link #add(Magnet, Path)} does, downloading the files and in
     * the order {@code options} say; their file priorities are checked against the files once the
     * metadata is here (a list that does not fit stops the torrent with an error).
     */
    public TorrentHandle add(Magnet magnet, Path directory, TorrentOptions options) throws IOException {
        if (closed) {
            throw new IllegalStateException("session is closed");
        }
        if (magnet.v2Only()) {
            throw new IllegalArgumentException("v2-only magnet links are not supported yet");
        }
        InfoHash hash = magnet.infoHash().orElseThrow();
        Optional<Metainfo> kept = metadata.load(hash, magnet);
        if (kept.isPresent()) {
            return add(kept.get(), directory, options);
        }
        Handle[] handle = new Handle[1];
        MetadataResolver resolver = new MetadataResolver(context, magnet, hash,
                resolution -> resolved(handle[0], magnet, directory, resolution));
        handle[0] = new Handle(hash, resolver, options);
        if (torrents.putIfAbsent(hash, handle[0]) != null) {
            resolver.remove();
            throw new IllegalStateException("torrent " + hash.hex() + " is already in this session");
        }
        // Removed before its metadata came, it leaves the session here (once it has its torrent,
        // the torrent's own removal does), so that the link may be added again.
        Handle added = handle[0];
        added.completion().whenComplete((ok, failure) -> {
            Throwable why = failure instanceof java.util.concurrent.CompletionException c ? c.getCause() : failure;
            if (why instanceof TorrentRemovedException && added.torrent() == null) {
                torrents.remove(hash, added);
            }
        });
        resolver.start(options.paused());
        return handle[0];
    }

    /**
     * Fetches the info dictionary of a magnet link (BEP 9) without adding its torrent or touching
     * any data: from the link's peers ({@code x.pe}), those its trackers return, those the DHT finds
     * and {@code peers} (with the DHT off, a link with none of the others cannot be fetched). The metadata is
     * verified against the link's info-hash and kept in the state directory as {@link #add(Magnet,
     * Path)} keeps it; metadata kept already answers at once, with no peer. The {@link Metainfo}'s
     * trackers and web seeds are the link's, so that {@link Metainfo#toTorrentFile()} gives a
     * .torrent of the link.
     *
     * <p>The fetch runs until the future completes: bound it with {@link
     * CompletableFuture#orTimeout} (or complete or cancel it) to stop it; its connections and
     * announces end then. Meanwhile its peers' and trackers' events are published under the link's
     * info-hash, as a torrent's are ({@link Event.PeerConnected}, {@link Event.PeerDisconnected},
     * {@link Event.TrackerReply}, {@link Event.TrackerError}, {@link Event.StateChanged}); it is not
     * one of {@link #torrents()}.
     *
     * @return completes with the metadata; fails with {@link TorrentFailedException} if the
     *     info dictionary the peers agree on is not a valid torrent, and with {@link
     *     TorrentRemovedException} if the session closes first
     * @throws IllegalArgumentException for a v2-only link (not supported yet)
     * @throws IllegalStateException if the session is closed
     */
    public CompletableFuture<Metainfo> fetchMetadata(Magnet magnet, Collection<InetSocketAddress> peers) {
        if (closed) {
            throw new IllegalStateException("session is closed");
        }
        if (magnet.v2Only()) {
            throw new IllegalArgumentException("v2-only magnet links are not supported yet");
        }
        InfoHash hash = magnet.infoHash().orElseThrow();
        List<InetSocketAddress> dial = List.copyOf(peers);
        Optional<Metainfo> kept = metadata.load(hash, magnet);
        if (kept.isPresent()) {
            try {
                return CompletableFuture.completedFuture(
                        MetainfoParser.fromInfo(kept.get().infoBytes(), magnet.trackerTiers(), magnet.webSeeds()));
            } catch (MetainfoException e) {
                // It parsed as a .torrent a moment ago; fetch it again rather than fail.
                LOG.log(System.Logger.Level.WARNING, "ignoring kept metadata of {0}: {1}", hash.hex(), e.getMessage());
            }
        }
        CompletableFuture<Metainfo> result = new CompletableFuture<>();
        MetadataResolver[] resolver = new MetadataResolver[1];
        resolver[0] = new MetadataResolver(context, magnet, hash, resolution -> {
            // Only the metadata was asked for: its connections are not carried anywhere.
            resolution.peers().forEach(p -> p.drop(context, hash, "metadata fetched"));
            fetched(magnet, resolution.info(), result);
        });
        fetches.put(resolver[0], result);
        // However it ends (fetched, timed out, cancelled, the session closed): the resolver stops,
        // off the completing thread, since removing waits for the resolver's loop, which may be it.
        // It stays in fetches until then, so that a session closing meanwhile waits for it too.
        result.whenComplete((meta, failure) -> Thread.ofVirtual().name("metadata fetch over " + hash.hex()).start(() -> {
            resolver[0].remove();
            fetches.remove(resolver[0]);
        }));
        if (closed) {
            result.completeExceptionally(new TorrentRemovedException("the session closed before the metadata of "
                    + hash.hex() + " arrived"));
            return result;
        }
        resolver[0].start();
        dial.forEach(resolver[0]::connect);
        return result;
    }

    /** The metadata of a fetch arrived, on its resolver's loop: parsed, kept and handed over off it. */
    private void fetched(Magnet magnet, byte[] info, CompletableFuture<Metainfo> result) {
        InfoHash hash = magnet.infoHash().orElseThrow();
        Thread.ofVirtual().name("metadata fetched " + hash.hex()).start(() -> {
            Metainfo meta;
            try {
                meta = MetainfoParser.fromInfo(info, magnet.trackerTiers(), magnet.webSeeds());
            } catch (MetainfoException | RuntimeException e) {
                result.completeExceptionally(new TorrentFailedException("the metadata of " + hash.hex()
                        + " cannot be used: " + Messages.message(e)));
                return;
            }
            try {
                metadata.save(meta);
            } catch (IOException | RuntimeException e) {
                // Only a later fetch is lost: this one has its metadata.
                LOG.log(System.Logger.Level.WARNING, "cannot keep the metadata of {0}: {1}", hash.hex(),
                        Messages.message(e));
            }
            result.complete(meta);
        });
    }

    /**
     * A magnet's metadata arrived (on the resolver's loop): the torrent proper takes over, after
     * the resolver's loop is done (off that loop: closing a loop from inside it would wait for
     * itself). The resolver's connections carry over to it, held, with their slots; only the
     * peers that were not connected are dialled.
     */
    private void resolved(Handle handle, Magnet magnet, Path directory, MetadataResolver.Resolution resolution) {
        Thread.ofVirtual().name("metadata resolved " + handle.infoHash().hex()).start(() -> {
            MetadataResolver resolver = handle.resolver();
            List<InetSocketAddress> pexPeers = resolver == null ? List.of() : resolver.pexPeers();
            if (resolver != null) {
                resolver.remove();
            }
            boolean adopted = false;
            try {
                Metainfo meta = MetainfoParser.fromInfo(resolution.info(), magnet.trackerTiers(), magnet.webSeeds());
                metadata.save(meta);
                Path where = StorageMove.settle(context.resumes(), handle.infoHash(), meta.info(), directory,
                        StorageMoves.steps);
                Torrent torrent = new Torrent(context, meta, where, handle.options(), t -> removed(handle.infoHash()));
                if (!handle.attach(torrent)) {
                    torrent.discard();
                    return;
                }
                torrent.start();
                adopted = true;
                torrent.adopt(resolution.peers());
                resolution.others().forEach(torrent::connect);
                if (!meta.info().isPrivate() && config.pex()) {
                    pexPeers.forEach(torrent::connect); // BEP 27: a private torrent's peers come from its tracker
                }
            } catch (MetainfoException | IOException | RuntimeException e) {
                String why = "the metadata of " + handle.infoHash().hex() + " cannot be used: " + Messages.message(e);
                LOG.log(System.Logger.Level.WARNING, why);
                events.publish(new Event.TorrentError(handle.infoHash(), why));
                handle.failed(new TorrentFailedException(why));
                removed(handle.infoHash());
            } finally {
                if (!adopted) {
                    resolution.peers().forEach(p -> p.drop(context, handle.infoHash(),
                            "the torrent of the metadata is gone"));
                }
            }
        });
    }

    /**
     * Changes the session's rate limits, in payload bytes per second; 0 removes a limit. Each
     * torrent may also have its own ({@link TorrentHandle#setRateLimits}).
     */
    public void setRateLimits(long downloadBytesPerSecond, long uploadBytesPerSecond) {
        downloadLimit.setRate(downloadBytesPerSecond);
        uploadLimit.setRate(uploadBytesPerSecond);
    }

    /** The torrents in this session. */
    public List<TorrentHandle> torrents() {
        return List.copyOf(torrents.values());
    }

    /**
     * Calls {@code subscriber} with every event of every torrent, in order, on a thread of its own.
     * A subscriber that falls more than a few thousand events behind loses the newest ones
     * ({@link Subscription#dropped()} counts them). Close the subscription to stop.
     */
    public Subscription subscribe(Consumer<? super Event> subscriber) {
        return events.subscribe(subscriber);
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        acceptor.close();
        if (dht != null) {
            dht.close(); // its routing table saved for the next start
        }
        if (lsd != null) {
            lsd.close(); // no more announces of torrents about to stop, no more peers for them
        }
        for (Handle h : torrents.values()) {
            Torrent t = h.torrent();
            if (t != null) {
                t.shutdown();
            } else if (h.resolver() != null) {
                h.resolver().remove();
                h.failed(new TorrentRemovedException("the session closed before the metadata of " + h.infoHash()
                        + " arrived"));
            }
        }
        torrents.clear();
        for (MetadataResolver r : List.copyOf(fetches.keySet())) {
            CompletableFuture<Metainfo> f = fetches.remove(r);
            if (f != null) {
                r.remove(); // the future's own stop may be at it too: removing twice is harmless
                f.completeExceptionally(new TorrentRemovedException("the session closed before the metadata of "
                        + r.name() + " arrived"));
            }
        }
        ticker.shutdownNow();
        closeDisk();
        events.close();
    }

    /**
     * Why the session stopped by itself, if it did: an {@link Error} (out of memory, say) in one of
     * its threads ends the session rather than leaving it half alive; every torrent's
     * {@link TorrentHandle#completion()} then fails with this message.
     */
    public Optional<String> failure() {
        return Optional.ofNullable(failure);
    }

    /** An Error in one of the session's threads: every torrent fails and the session closes. Any thread. */
    void fatal(Throwable t) {
        synchronized (this) {
            if (failure != null) {
                return;
            }
            failure = "internal error, session stopped: " + t;
        }
        try {
            LOG.log(System.Logger.Level.ERROR, failure, t);
        } catch (Throwable ignored) {
            // the logger may need the memory we are out of
        }
        for (Handle h : torrents.values()) {
            Torrent torrent = h.torrent();
            if (torrent != null) {
                torrent.abort(failure);
            } else {
                h.failed(new TorrentFailedException(failure));
            }
        }
        fetches.values().forEach(f -> f.completeExceptionally(new TorrentFailedException(failure)));
        Thread stopper = new Thread(this::close, "spate-fatal-stop");
        stopper.setDaemon(true);
        stopper.start();
    }

    /** Whether a DHT node runs: our handshakes then set BEP 5's bit. */
    private boolean dhtRunning() {
        return dht != null;
    }

    // ---- for the torrents ----

    PeerId peerId() {
        return peerId;
    }

    TokenBucket downloadLimit() {
        return downloadLimit;
    }

    TokenBucket uploadLimit() {
        return uploadLimit;
    }

    PieceBuffers blockBuffers() {
        return blockBuffers;
    }

    /** Tracker timeouts from the config. */
    dev.spate.tracker.TrackerConfig trackerConfig() {
        return dev.spate.tracker.TrackerConfig.defaults()
                .withTimeouts(config.trackerTimeout(), config.trackerTimeout())
                .withUdpRetransmission(config.trackerTimeout(), config.udpTrackerAttempts())
                // Announce from the address we listen on: trackers hand out the address an announce
                // came from, and with several local addresses the system's choice may be another one.
                .withLocalAddress(config.bindAddress().isAnyLocalAddress() ? java.util.Optional.empty()
                        : java.util.Optional.of(config.bindAddress()))
                // BEP 7: a global IPv6 address we listen on, for announces that go over IPv4.
                .withPublishedIpv6(PublishedIpv6.of(config.bindAddress()));
    }

    DiskIo disk() {
        return disk;
    }

    void publish(Event event) {
        events.publish(event);
    }

    void removed(InfoHash hash) {
        torrents.remove(hash);
    }

    /** Takes a connection slot of the session; false when the session is full. */
    boolean reserveConnection() {
        while (true) {
            int n = connections.get();
            if (n >= config.maxConnections()) {
                return false;
            }
            if (connections.compareAndSet(n, n + 1)) {
                return true;
            }
        }
    }

    void releaseConnection() {
        connections.decrementAndGet();
    }

    private void tick() {
        long n = ticks++;
        for (Handle h : torrents.values()) {
            Torrent t = h.torrent();
            if (t != null) {
                // A dormant torrent (seeding or stopped, no peers) is ticked every few seconds
                // only, each in its own second of the round: a thousand of them would otherwise
                // wake a thousand threads every second for nothing.
                if (QuietTicks.due(n, h.infoHash().hashCode(), t.dormant())) {
                    t.postTick();
                }
            } else if (h.resolver() != null) {
                h.resolver().postTick();
            }
        }
        fetches.keySet().forEach(MetadataResolver::postTick);
        if (dht != null) {
            dht.postTick();
        }
    }

    /**
     * A peer of one of our torrents heard of on the local network (BEP 14) or found in the DHT; on
     * an LSD receive thread or the DHT loop, which only post: the torrent (or its metadata phase,
     * or a metadata fetch) decides on its loop.
     */
    private void discovered(InfoHash hash, InetSocketAddress peer) {
        Handle handle = torrents.get(hash);
        if (handle != null) {
            handle.discovered(peer);
        }
        for (MetadataResolver r : fetches.keySet()) {
            if (r.hash().equals(hash)) {
                r.discovered(peer);
            }
        }
    }

    /**
     * The DHT (BEP 5) as it is now: its routing tables' sizes, whether it has joined, the torrents
     * it looks up; empty when the session runs without one ({@link SessionConfig#dht()} off, or no
     * UDP socket could be opened).
     */
    public Optional<DhtStatus> dhtStatus() {
        return dht == null ? Optional.empty() : Optional.of(dht.status());
    }

    /**
     * Bytes of received pieces now waiting for hashing and writing, or being hashed and written,
     * across the session's torrents: at most {@link SessionConfig#diskQueueBytes()}. Near that
     * bound the disk is the bottleneck (downloads slow to what it takes).
     */
    public long diskQueuedBytes() {
        return disk.queuedBytes();
    }

    /** Hands an incoming connection to the torrent its handshake names (BEP 3); on the connection's thread. */
    private void incoming(PeerConnection.Handshaken h) {
        Handle handle = torrents.get(h.theirs().infoHash());
        Torrent torrent = handle == null ? null : handle.torrent();
        if (torrent == null) {
            // An info-hash we do not serve: close at once, say nothing.
            try {
                h.channel().close();
            } catch (IOException ignored) {
                // closing is all we wanted
            }
            return;
        }
        torrent.acceptIncoming(h);
    }

    /** The acceptor ended of an Error or lost its socket: a session nobody can reach ends. */
    private void acceptorFailed(Throwable cause) {
        try {
            LOG.log(System.Logger.Level.ERROR, "accepting connections failed; closing the session", cause);
        } finally {
            close();
        }
    }

    private void closeDisk() {
        try {
            disk.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static UncheckedIOException unchecked(IOException e) {
        return new UncheckedIOException(e);
    }
}
