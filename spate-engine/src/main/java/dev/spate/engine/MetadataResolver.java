package dev.spate.engine;

import dev.spate.core.InfoHash;
import dev.spate.core.PeerAddress;
import dev.spate.metainfo.Magnet;
import dev.spate.peer.EarlyMessages;
import dev.spate.peer.OutgoingBlock;
import dev.spate.peer.PeerConnection;
import dev.spate.peer.PeerLink;
import dev.spate.wire.ExtendedHandshake;
import dev.spate.wire.ExtensionIds;
import dev.spate.wire.Message;
import dev.spate.wire.MetadataFetch;
import dev.spate.wire.MetadataMessage;
import dev.spate.wire.WireException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A magnet link's first phase: finding peers (the link's {@code x.pe} peers, its trackers, peers
 * given later) and fetching the info dictionary from them with BEP 9's {@code ut_metadata},
 * verified against the info-hash by {@link MetadataFetch}. Meanwhile it keeps, per peer, what
 * the torrent will need of what the peer said ({@link EarlyMessages}: its pieces, which cannot be
 * checked before the piece count is known, its choke and interest, its handshake). When the
 * metadata is complete, every connection stops delivering ({@link PeerLink#holdMessages}), and
 * once each has, the bytes, the connections (with their slots) and what their peers said go to
 * {@code resolved} as a {@link Resolution}: the torrent proper adopts the connections without a
 * new handshake, checks what was kept against the piece count, and dials only the peers that
 * were not connected.
 *
 * <p>Threads: its state is owned by its own loop ({@link Mailbox}); the links' threads, the
 * announcer, the ticker and API callers post to it. Each peer's messages waiting on the loop are
 * bounded by a credit weighed as for a torrent's peers ({@link Inbox#weight}).
 */
final class MetadataResolver implements PeerConnection.Listener {
    private static final System.Logger LOG = System.getLogger(MetadataResolver.class.getName());
    /** Credit of a peer here: half a torrent's, since only extension messages matter before the metadata. */
    static final int CREDITS = 256;
    /** A peer that cannot help (no extension protocol, no ut_metadata) may take its slot only briefly. */
    static final String NO_METADATA = "peer does not offer the metadata (no ut_metadata)";

    private final TorrentContext context;
    private final Magnet magnet;
    private final InfoHash hash;
    private final Consumer<Resolution> resolved;
    private final Mailbox loop;
    private final Map<PeerLink, Semaphore> live = new ConcurrentHashMap<>();

    // ---- loop-owned ----
    private final MetadataFetch<PeerLink> fetch;
    private final Map<PeerLink, ExtensionIds> ids = new HashMap<>();
    /** What each attached peer said that the torrent will need; a peer we close leaves it at once. */
    private final Map<PeerLink, EarlyMessages> early = new HashMap<>();
    private final Set<InetSocketAddress> connecting = new HashSet<>();
    private final Set<InetSocketAddress> known = new LinkedHashSet<>();
    /**
     * Peers dropped for what they said (no ut_metadata, a size above the limit, a malformed
     * message): not dialled again in this phase, where a new connection would give them a clean
     * slate in the fetch, penalties forgotten. They stay known to the torrent proper. Bounded
     * like the candidates.
     */
    private final Set<InetSocketAddress> unwelcome = new HashSet<>();
    private final Candidates candidates = new Candidates();
    /** Peers learned by PEX: dialled for the metadata, handed over only if the torrent is not private. */
    private final Set<InetSocketAddress> pexKnown = new LinkedHashSet<>();
    private final PexIntake<PeerLink> pex = new PexIntake<>();
    private final Map<PeerLink, Integer> listenPorts = new HashMap<>();
    private final TorrentTrackers trackers;
    private boolean paused;
    /** Whether {@link #begin} ran: not yet for a phase started paused and not resumed since. */
    private boolean begun;
    private boolean over;
    private volatile TorrentStatus lastStatus;

    /**
     * What the metadata phase hands the torrent proper.
     *
     * @param info the verified info dictionary
     * @param peers the connections to carry over, held, each with its slot
     * @param others peers known and not connected, to dial
     */
    record Resolution(byte[] info, List<CarriedPeer> peers, List<InetSocketAddress> others) {
        Resolution {
            peers = List.copyOf(peers);
            others = List.copyOf(others);
        }
    }

    MetadataResolver(TorrentContext context, Magnet magnet, InfoHash hash, Consumer<Resolution> resolved) {
        this.context = context;
        this.magnet = magnet;
        this.hash = hash;
        this.resolved = resolved;
        this.fetch = new MetadataFetch<>(hash, MetadataFetch.Config.DEFAULTS.withMaxSize(context.config().maxMetadataSize()));
        this.loop = context.loops().create("metadata " + hash.hex(), e -> LOG.log(System.Logger.Level.WARNING,
                "metadata of {0}: {1}", hash.hex(), e.toString()), context.fatal()::accept);
        // left = 1: the size is unknown, and 0 would tell the tracker we are a seed.
        this.trackers = new TorrentTrackers(context, hash, magnet.trackerTiers(), peers -> peers.forEach(this::connect0),
                () -> new Announcer.Counters(0, 0, 1), this::post);
        this.lastStatus = snapshot();
    }

    Mailbox loop() {
        return loop;
    }

    /** The display name until the info dictionary says otherwise. */
    String name() {
        return magnet.displayName().orElse(hash.hex());
    }

    /**
     * The peers learned by PEX, for the torrent to dial once it takes over, unless it is private
     * (BEP 27: a private torrent's peers come from its tracker). Loop, or after the loop.
     */
    List<InetSocketAddress> pexPeers() {
        return new ArrayList<>(pexKnown);
    }

    /** The magnet's trackers and peers: announcing and dialling start. */
    void start() {
        start(false);
    }

    /**
     * The same; with {@code startPaused}, the phase is paused from the start instead (state
     * {@link TorrentState#PAUSED}), and nobody hears of it before {@link #resume}.
     */
    void start(boolean startPaused) {
        post(() -> {
            context.events().accept(new Event.StateChanged(hash, null, TorrentState.METADATA));
            if (startPaused) {
                paused = true;
                context.events().accept(new Event.StateChanged(hash, TorrentState.METADATA, TorrentState.PAUSED));
                return;
            }
            begin();
        });
    }

    private void begin() {
        begun = true;
        for (Magnet.PeerAddress p : magnet.peers()) {
            connect0(p.toSocketAddress());
        }
        trackers.start();
        joinDiscovery();
    }

    /**
     * Finding peers on the local network (BEP 14) and in the DHT (BEP 5, looked up without
     * announcing: this phase takes no incoming connections). Whether the torrent is private
     * (BEP 27) is in the info dictionary we do not have yet; as libtorrent does, the phase looks
     * anyway, and the torrent proper never does when the metadata says private.
     */
    private void joinDiscovery() {
        context.localDiscovery().join(hash);
        context.dht().join(hash, false, List.of());
    }

    private void leaveDiscovery() {
        context.localDiscovery().leave(hash);
        context.dht().leave(hash);
    }

    InfoHash hash() {
        return hash;
    }

    void connect(InetSocketAddress peer) {
        post(() -> connect0(peer));
    }

    /**
     * A peer on the local network announced the info-hash (BEP 14). Whether the torrent is private
     * (BEP 27) is in the info dictionary we do not have yet, so the phase announces and takes LSD
     * peers as it does tracker peers (libtorrent does the same); the torrent proper never joins when
     * the metadata says private. Any thread.
     */
    void discovered(InetSocketAddress peer) {
        post(() -> {
            if (!paused && !over) {
                connect0(peer);
            }
        });
    }

    private void connect0(InetSocketAddress given) {
        // One host is one candidate: a v4-mapped address (BEP 7's peers6, DHT) is plain IPv4 here.
        InetSocketAddress peer = PeerAddress.canonical(given);
        if (known.size() < Candidates.MAX) {
            known.add(peer); // handed to the torrent proper; trackers' answers cannot grow it without end
        }
        if (unwelcome.contains(peer) || !Connections.reachable(context, peer)) {
            return;
        }
        candidates.add(peer);
        dial();
    }

    void addTracker(String url) {
        post(() -> trackers.add(url));
    }

    void pause() {
        post(() -> {
            if (!paused && !over) {
                paused = true;
                leaveDiscovery();
                closeAll("paused");
                trackers.stopped();
                context.events().accept(new Event.StateChanged(hash, TorrentState.METADATA, TorrentState.PAUSED));
            }
        });
    }

    /** Announces to the link's trackers and the DHT now, as {@link Torrent#reannounce} does; not while paused. */
    void reannounce() {
        post(() -> {
            if (!paused && !over) {
                trackers.reannounce();
                context.dht().reannounce(hash);
            }
        });
    }

    void resume() {
        post(() -> {
            if (paused && !over) {
                paused = false;
                context.events().accept(new Event.StateChanged(hash, TorrentState.PAUSED, TorrentState.METADATA));
                if (!begun) {
                    begin(); // started paused: the link's own peers too
                    return;
                }
                trackers.start();
                joinDiscovery();
                dial();
            }
        });
    }

    /** Stops for good (removed, or resolved); waits for the loop. Any thread but the loop. */
    void remove() {
        if (!post(() -> {
            if (!over) {
                over = true;
                leaveDiscovery();
                closeAll("torrent removed");
                trackers.stopped();
                context.events().accept(new Event.StateChanged(hash, paused ? TorrentState.PAUSED
                        : TorrentState.METADATA, TorrentState.REMOVED));
            }
        })) {
            leaveDiscovery(); // the loop is gone: nothing can join any more
        }
        end();
    }

    private void end() {
        loop.close();
        try {
            loop.ended().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            LOG.log(System.Logger.Level.WARNING, "metadata loop of {0} did not end: {1}", hash.hex(), e.toString());
        }
        for (PeerLink link : new ArrayList<>(live.keySet())) {
            link.close("metadata phase over");
            release(link);
        }
    }

    void postTick() {
        post(this::tick);
    }

    private void tick() {
        if (paused || over) {
            return;
        }
        long now = context.clock().nanoTime();
        for (MetadataFetch.Penalty<PeerLink> p : fetch.expire(now)) {
            LOG.log(System.Logger.Level.DEBUG, "metadata from {0}: {1}", PeerAddress.format(p.peer().remote()),
                    p.reason());
        }
        ask(now);
        trackers.tick();
        dial();
        snapshot();
    }

    // ---- peers ----

    private void dial() {
        if (paused || over) {
            return;
        }
        long now = context.clock().nanoTime();
        int room = context.config().maxPeersPerTorrent() - live.size() - connecting.size();
        for (InetSocketAddress address : candidates.due(now, Math.max(0, room))) {
            if (connecting.contains(address) || !context.slots().reserve()) {
                continue;
            }
            candidates.dialling(address, now);
            connecting.add(address);
            Thread.ofVirtual().name("metadata dial " + dev.spate.core.PeerAddress.format(address)).start(() -> dialOne(address));
        }
    }

    private void dialOne(InetSocketAddress address) {
        PeerLink link;
        try {
            link = context.connector().dial(address, hash, null, this, PeerConnection.Limits.none());
        } catch (Exception e) {
            context.slots().release();
            String reason = "connect failed: " + Messages.message(e);
            post(() -> {
                connecting.remove(address);
                candidates.failed(address, context.clock().nanoTime());
                context.events().accept(new Event.PeerDisconnected(hash, address, reason));
            });
            return;
        } catch (Error e) {
            context.fatal().accept(e);
            return;
        }
        if (!post(() -> attach(link))) {
            link.close("metadata phase over");
            context.slots().release();
        }
    }

    private void attach(PeerLink link) {
        connecting.remove(link.remote());
        if (over || paused || link.peerId().equals(context.peerId())) {
            link.close(over || paused ? "not fetching metadata now" : "connected to ourselves");
            context.slots().release();
            return;
        }
        candidates.connected(link.remote());
        live.put(link, new Semaphore(CREDITS));
        early.put(link, new EarlyMessages());
        link.start();
        if (!link.extensionProtocol()) {
            drop(link, NO_METADATA);
            return;
        }
        // ut_pex: peers' peers help find the metadata. We only listen: whether the torrent is private
        // is unknown until the metadata arrives, so we tell no one of anyone (BEP 27).
        ExtensionIds ours = ExtensionIds.spate(context.config().pex());
        ids.put(link, ours);
        link.send(new ExtendedHandshake(ours.ours(), OptionalInt.of(context.listenPort().getAsInt()),
                Optional.of(Torrent.CLIENT_NAME), OptionalInt.empty(), Optional.empty(), OptionalLong.empty())
                .toMessage());
        context.events().accept(new Event.PeerConnected(hash, link.remote(), "", link.outgoing(),
                PeerEncryption.of(link.encryption())));
    }

    @Override
    public void onMessage(PeerLink link, Message m) throws InterruptedException {
        Semaphore credit = live.get(link);
        int weight = Inbox.weight(m);
        while (credit != null && !credit.tryAcquire(weight, 100, TimeUnit.MILLISECONDS)) {
            credit = live.get(link);
        }
        if (m instanceof Message.Piece p) {
            context.blockBuffers().release(p.block()); // nothing was asked: we have no pieces yet
        }
        if (credit == null) {
            return;
        }
        Semaphore held = credit;
        if (!post(() -> {
            try {
                received(link, m);
            } finally {
                held.release(weight);
            }
        })) {
            held.release(weight);
        }
    }

    private void received(PeerLink link, Message m) {
        ExtensionIds mine = ids.get(link);
        EarlyMessages kept = early.get(link);
        if (mine == null || kept == null) {
            return; // gone, or going
        }
        if (!(m instanceof Message.Extended e)) {
            // Pieces, choke and interest: kept for the torrent proper, which checks them (BEP 9
            // leaves the piece count unknown until the metadata is here).
            Optional<String> drop = kept.record(m);
            drop.ifPresent(reason -> drop(link, reason));
            return;
        }
        long now = context.clock().nanoTime();
        try {
            if (e.extendedId() == ExtendedHandshake.ID) {
                ExtendedHandshake hs = ExtendedHandshake.parse(e);
                kept.handshake(hs);
                ExtensionIds updated = mine.withHandshake(hs);
                ids.put(link, updated);
                hs.listenPort().ifPresent(p -> listenPorts.put(link, p));
                if (over) {
                    return; // the metadata is here: only what the torrent needs counts now
                }
                if (updated.outgoing(ExtensionIds.UT_METADATA).isEmpty()) {
                    drop(link, NO_METADATA);
                    return;
                }
                Optional<String> refused = fetch.addPeer(link, hs.metadataSize());
                if (refused.isPresent()) {
                    drop(link, refused.get());
                    return;
                }
            } else if (over) {
                return; // the metadata is here: only what the torrent needs counts now
            } else if (mine.incoming(e.extendedId()).filter(ExtensionIds.UT_PEX::equals).isPresent()) {
                onPex(link, e.payload(), now);
                return;
            } else if (mine.incoming(e.extendedId()).filter(ExtensionIds.UT_METADATA::equals).isPresent()) {
                Optional<MetadataMessage> msg = MetadataMessage.decode(e.payload(), context.config().maxMetadataSize());
                if (msg.isEmpty()) {
                    return; // a message type BEP 9 says to ignore
                }
                MetadataFetch.Outcome<PeerLink> outcome = fetch.receive(link, msg.get(), now);
                for (MetadataFetch.Penalty<PeerLink> p : outcome.penalties()) {
                    LOG.log(System.Logger.Level.DEBUG, "metadata from {0}: {1}", PeerAddress.format(p.peer().remote()),
                    p.reason());
                }
                if (outcome.metadata().isPresent()) {
                    finish(outcome.metadata().get());
                    return;
                }
            }
        } catch (WireException bad) {
            drop(link, "protocol violation: " + bad.getMessage());
            return;
        }
        ask(now);
    }

    /** A peer's {@code ut_pex} message: its peers become candidates (see {@link PexIntake}). */
    private void onPex(PeerLink link, byte[] payload, long now) {
        Set<InetSocketAddress> itself = new HashSet<>();
        itself.add(link.remote());
        Integer port = listenPorts.get(link);
        if (port != null) {
            itself.add(new InetSocketAddress(link.remote().getAddress(), port));
        }
        Optional<String> violation = pex.receive(link, payload, now, itself, new PexIntake.Sink() {
            @Override
            public void learned(InetSocketAddress given, boolean prefersEncryption) {
                InetSocketAddress address = PeerAddress.canonical(given);
                if (prefersEncryption) {
                    context.connector().prefersEncryption(address);
                }
                if (Connections.isOurselves(context, address)) {
                    return;
                }
                if (pexKnown.size() < Candidates.MAX && !known.contains(address)) {
                    pexKnown.add(address);
                }
                candidates.addFromPex(address);
            }

            @Override
            public void forgotten(InetSocketAddress given) {
                InetSocketAddress address = PeerAddress.canonical(given);
                if (!connecting.contains(address)) {
                    candidates.forgetPex(address);
                }
                pexKnown.remove(address);
            }
        });
        if (violation.isPresent()) {
            drop(link, violation.get());
            return;
        }
        dial();
    }

    /** Closes a peer's connection for what it said; it will not be carried over, nor dialled again here. */
    private void drop(PeerLink link, String reason) {
        if (unwelcome.size() < Candidates.MAX) {
            unwelcome.add(link.remote());
        }
        candidates.forget(link.remote());
        early.remove(link);
        fetch.removePeer(link);
        link.close(reason);
    }

    /** Sends the requests the fetch wants now. */
    private void ask(long now) {
        for (MetadataFetch.Ask<PeerLink> a : fetch.requests(now)) {
            ExtensionIds theirs = ids.get(a.peer());
            OptionalInt id = theirs == null ? OptionalInt.empty() : theirs.outgoing(ExtensionIds.UT_METADATA);
            if (id.isPresent()) {
                a.peer().send(a.request().toMessage(id.getAsInt()));
            }
        }
    }

    /**
     * The metadata is here: no more dials, announces or requests. Every connection is asked to
     * hold its messages; once each has (its last message posted here, ahead of what is posted
     * next), {@link #handOver} gives them to the torrent.
     */
    private void finish(byte[] info) {
        over = true;
        leaveDiscovery(); // the torrent proper joins again unless it is private
        trackers.stopped();
        List<CompletableFuture<Void>> holds = new ArrayList<>();
        for (PeerLink link : early.keySet()) {
            holds.add(link.holdMessages());
        }
        CompletableFuture.allOf(holds.toArray(CompletableFuture[]::new))
                .thenRun(() -> post(() -> handOver(info)));
    }

    /**
     * Every kept peer's last message has been taken into account: their links, slots included,
     * leave this phase for the torrent proper. A link that closed meanwhile is given back by
     * whichever side removes it from {@link #live} first, so its slot is released once.
     */
    private void handOver(byte[] info) {
        List<CarriedPeer> carried = new ArrayList<>();
        Set<InetSocketAddress> connected = new HashSet<>();
        for (Map.Entry<PeerLink, EarlyMessages> e : early.entrySet()) {
            if (live.remove(e.getKey()) != null) {
                carried.add(new CarriedPeer(e.getKey(), e.getValue()));
                connected.add(e.getKey().remote());
            }
        }
        early.clear();
        ids.clear();
        List<InetSocketAddress> others = new ArrayList<>(known);
        others.removeAll(connected);
        resolved.accept(new Resolution(info, carried, others));
    }

    private void closeAll(String reason) {
        for (PeerLink link : new ArrayList<>(live.keySet())) {
            early.remove(link);
            fetch.removePeer(link);
            link.close(reason);
        }
    }

    @Override
    public void onClosed(PeerLink link, String reason) {
        if (!post(() -> {
            ids.remove(link);
            listenPorts.remove(link);
            pex.peerLeft(link);
            early.remove(link);
            fetch.removePeer(link);
            release(link);
            if (!over && !paused && !unwelcome.contains(link.remote())) {
                candidates.disconnected(link.remote(), context.clock().nanoTime());
            }
            context.events().accept(new Event.PeerDisconnected(hash, link.remote(), reason));
        })) {
            release(link);
        }
    }

    private void release(PeerLink link) {
        if (live.remove(link) != null) {
            context.slots().release();
        }
    }

    @Override
    public void onBlockSent(PeerLink connection, OutgoingBlock block) {
    }

    @Override
    public void onBlockFailed(PeerLink connection, OutgoingBlock block, IOException cause) {
    }

    @Override
    public void onFatal(PeerLink link, Error error) {
        context.fatal().accept(error);
    }

    // ---- figures ----

    TorrentStatus snapshot() {
        MetadataFetch.Progress p = fetch.progress();
        long size = p.size().orElse(0);
        long have = Math.min(size, (long) p.have() * MetadataMessage.PIECE_LENGTH);
        TorrentStatus s = TorrentStatus.builder().name(name()).infoHash(hash)
                .state(over ? TorrentState.REMOVED : paused ? TorrentState.PAUSED : TorrentState.METADATA)
                .pieces(p.have(), p.pieces()).bytes(have, size).peers(live.size()).knownPeers(known.size())
                .trackers(trackers.states()).build();
        lastStatus = s;
        return s;
    }

    TorrentStatus lastStatus() {
        return lastStatus.asStale();
    }

    /** The last snapshot the loop took, as it took it. Any thread. */
    TorrentStatus latestStatus() {
        return lastStatus;
    }

    private boolean post(Runnable task) {
        return loop.post(task);
    }
}
