package dev.spate.peer;

import dev.spate.core.Bitfield;
import dev.spate.core.Clock;
import dev.spate.wire.ExtendedHandshake;
import dev.spate.wire.ExtensionIds;
import dev.spate.wire.Message;
import dev.spate.wire.WireException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;

/**
 * The protocol with one peer, as a state machine: it consumes the peer's {@link Message}s, enforces
 * the rules of BEP 3, 6 and 10 on them, and reports what they mean to its {@link Listener} as
 * intents (pieces announced, blocks arrived, requests to serve, requests dropped, a reason to
 * disconnect). What we send goes out through its {@link PeerLink}.
 *
 * <p>It holds what belongs to the conversation: the four choke and interest flags, whether the
 * peer has announced its pieces yet, the blocks it asked of us that we still owe it, the request
 * pipeline, rates and timestamps. It does not hold the peer's pieces or our requests to it: the
 * torrent's picker is their only holder, and the listener consults it.
 *
 * <p>Every message costs constant work here (a bitfield: work in its size); a duplicate
 * {@code Interested}, {@code Choke} or {@code Have} changes nothing and reports nothing.
 *
 * <p>Not thread-safe: owned by its torrent's loop thread. The connection's reader thread hands
 * messages to that loop, which calls {@link #handle}.
 */
public final class PeerSession {
    /** BEP 3 suggests a keep-alive every two minutes; we send one after 90 s of silence. */
    public static final long KEEPALIVE_NANOS = TimeUnit.SECONDS.toNanos(90);
    /** A peer that delivers nothing we asked for in this long is snubbed. */
    public static final long SNUB_NANOS = TimeUnit.SECONDS.toNanos(60);
    /**
     * How many requests a peer may have waiting with us: announced as BEP 10 {@code reqq}; a peer
     * that sends more is flooding and is dropped. As many as libtorrent announces: 31 MiB, enough
     * for a 200 ms round trip at 1.3 Gbit/s, where 500 held a 400 Mbit/s peer to 80%.
     *
     * <p>It costs us no memory to speak of: we hold a small {@link OutgoingBlock} per request we
     * read (the bytes stay on disk until the writer sends them), and a peer's requests are read
     * only while its outbox holds less than a few MiB of blocks (the engine's backpressure), so
     * the rest wait in TCP as 17 bytes each, whatever this number says.
     */
    public static final int MAX_PEER_REQUESTS = 2000;
    /**
     * A served block counts as waiting until the loop hears it went out, a moment after the peer
     * may have it and have asked for the next: a peer that keeps exactly {@code reqq} requests
     * open can seem a few over. Flooding is well beyond that.
     */
    public static final int FLOOD_SLACK = 64;
    /** Requests sent together once the pipeline has room for this many. */
    public static final int REQUEST_BATCH = 16;
    /**
     * Keep-alive, choke, unchoke, interest and late availability messages a peer may send between
     * two ticks (about a second). An honest peer sends a few a minute; a peer sending thousands is
     * only keeping us busy.
     */
    public static final int MAX_CHATTER_PER_TICK = 100;
    /**
     * Haves beyond twice the piece count (and some slack for tiny torrents) are a flood: an honest
     * peer announces each piece once (BEP 3), however fast it downloads.
     */
    static final int HAVE_SLACK = 1000;

    /** What the session reports to its torrent; called on the loop thread, from {@link #handle} or {@link #tick}. */
    public interface Listener {
        /** The peer announced {@code piece} (a have, or a piece of a late bitfield). */
        void peerHas(PeerSession peer, int piece);

        /** The peer's first announcement of its pieces: a bitfield (BEP 3). */
        void peerHasBitfield(PeerSession peer, Bitfield pieces);

        /** The peer has every piece (BEP 6 have-all). */
        void peerHasAll(PeerSession peer);

        /** The peer has no piece yet (BEP 6 have-none). */
        void peerHasNone(PeerSession peer);

        /** The peer became interested in our pieces, or stopped being. Only on a change. */
        void interestChanged(PeerSession peer, boolean interested);

        /** We may request blocks now (the peer unchoked us, or the pipeline has room). */
        void canRequest(PeerSession peer);

        /**
         * A block arrived; returns whether it was one we had asked this very peer for (the
         * pipeline and rates count only those). The block's buffer belongs to the listener.
         */
        boolean blockArrived(PeerSession peer, Message.Piece block);

        /** The peer choked us without the fast extension: BEP 3 drops every request we sent it. */
        void requestsDropped(PeerSession peer);

        /** The peer rejected one request (BEP 6). */
        void requestRejected(PeerSession peer, int piece, int begin, int length);

        /** Our requests picked at or before {@code pickedAtOrBefore} waited too long. */
        void requestsExpired(PeerSession peer, long pickedAtOrBefore);

        /**
         * The peer asked for a block we are willing to serve it (unchoked, within its queue);
         * returns where its bytes come from, or null when we do not have the piece.
         */
        OutgoingBlock.Source serve(PeerSession peer, Message.Request request);

        /** The peer broke a rule, or fell silent: the connection is to close, for {@code reason}. */
        void disconnect(PeerSession peer, String reason);

        /**
         * The peer sent its BEP 10 handshake (again, perhaps: BEP 10 lets it change its {@code m});
         * {@link #extensions()} already has it applied.
         */
        default void extensionHandshake(PeerSession peer, ExtendedHandshake handshake) {
        }

        /**
         * The peer sent extension message {@code name} (one of those we announced); the payload is
         * the listener's to parse, as hostile as any byte from the network.
         */
        default void extensionMessage(PeerSession peer, String name, byte[] payload) {
        }

        /** The peer's DHT node listens at {@code node} (BEP 5 port message); at most once per connection. */
        default void dhtNode(PeerSession peer, InetSocketAddress node) {
        }
    }

    /**
     * What we tell a peer in our BEP 10 handshake.
     *
     * @param listenPort our TCP listening port ({@code p})
     * @param clientName our name and version ({@code v})
     * @param extensions the extensions we announce ({@code m}) and the ids we want them sent with
     * @param metadataSize bytes of the info dictionary when we have it and may share it (BEP 9
     *     {@code metadata_size}); empty while we do not know it, or for a private torrent
     * @param dhtPort our DHT node's UDP port, sent in a BEP 5 port message to peers that set the DHT
     *     bit; 0 for none (no DHT, or a private torrent: BEP 27)
     * @param prefersEncryption whether we send {@code e}: we prefer protocol encryption (MSE)
     */
    public record Greeting(int listenPort, String clientName, Map<String, Integer> extensions,
            OptionalLong metadataSize, int dhtPort, boolean prefersEncryption) {
        public Greeting {
            extensions = Map.copyOf(extensions);
            if (dhtPort < 0 || dhtPort > 0xffff) {
                throw new IllegalArgumentException("DHT port " + dhtPort + " outside [0, 65535]");
            }
        }

        /** A greeting without a DHT port. */
        public Greeting(int listenPort, String clientName, Map<String, Integer> extensions, OptionalLong metadataSize) {
            this(listenPort, clientName, extensions, metadataSize, 0, false);
        }

        public Greeting(int listenPort, String clientName, Map<String, Integer> extensions, OptionalLong metadataSize,
                        int dhtPort) {
            this(listenPort, clientName, extensions, metadataSize, dhtPort, false);
        }
    }

    /**
     * The timing rules of a session.
     *
     * @param idleNanos how long the peer may send nothing at all
     * @param requestTimeoutNanos how long a block we asked for may take
     */
    public record Timeouts(long idleNanos, long requestTimeoutNanos) {
    }

    private final PeerLink link;
    private final int pieceCount;
    private final Listener listener;
    private final Clock clock;
    private final Timeouts timeouts;
    private final RequestPipeline pipeline = new RequestPipeline();
    private final RateMeter download = new RateMeter(5);
    private final RateMeter upload = new RateMeter(5);
    /** Blocks the peer asked of us that we are sending, by {@link #key}. */
    private final Map<Long, OutgoingBlock> serving = new HashMap<>();
    private final long connectedAtNanos;
    private boolean amChoking = true;
    private int requestsWhileChoked;
    private boolean amInterested;
    private boolean peerChoking = true;
    private boolean peerInterested;
    private boolean sawAvailability;
    private long lastReceiveNanos;
    private long lastBlockNanos;
    private long lastSendNanos;
    private String client;
    private ExtensionIds extensions = new ExtensionIds(Map.of(), Map.of());
    private ExtendedHandshake peerHandshake;
    private boolean dhtPortSeen;
    private int unknownExtended;
    private int hashFailures;
    private int chatter;
    private long haves;

    public PeerSession(PeerLink link, int pieceCount, Listener listener, Clock clock, Timeouts timeouts) {
        this.link = link;
        this.pieceCount = pieceCount;
        this.listener = listener;
        this.clock = clock;
        this.timeouts = timeouts;
        long now = clock.nanoTime();
        this.lastReceiveNanos = now;
        this.lastBlockNanos = now;
        this.lastSendNanos = now;
        this.connectedAtNanos = now;
        this.client = ClientNames.fromPeerId(link.peerId().bytes());
    }

    /** Identifies a block by piece and offset. */
    static long key(int piece, int begin) {
        return ((long) piece << 32) | (begin & 0xffffffffL);
    }

    // ---- what we say ----

    /**
     * Opens the conversation after the handshake: our pieces (BEP 6 have-all or have-none where they
     * fit, else BEP 3's bitfield; nothing for none without the fast extension), then the BEP 10
     * extended handshake with our listening port, client name, request queue length, the address we
     * see the peer at ({@code yourip}, BEP 10), our extensions and the metadata size.
     */
    public void start(Bitfield have, Greeting greeting) {
        boolean fast = link.fastExtension();
        if (fast && have.isComplete()) {
            send(Message.HAVE_ALL);
        } else if (fast && have.isEmpty()) {
            send(Message.HAVE_NONE);
        } else if (!have.isEmpty()) {
            send(Message.BitfieldMessage.of(have));
        }
        if (link.extensionProtocol()) {
            // BEP 10: an id of 0 in our m switches an extension off (a carried connection's, whose
            // metadata phase announced it); we then take nothing under it.
            Map<String, Integer> on = new HashMap<>(greeting.extensions());
            on.values().removeIf(id -> id == 0);
            extensions = new ExtensionIds(on, extensions.theirs());
            send(new ExtendedHandshake(greeting.extensions(), OptionalInt.of(greeting.listenPort()),
                    Optional.of(greeting.clientName()), OptionalInt.of(MAX_PEER_REQUESTS),
                    Optional.ofNullable(link.remote().getAddress()), greeting.metadataSize(),
                    greeting.prefersEncryption()).toMessage());
        }
        if (greeting.dhtPort() != 0 && link.dhtPort()) {
            send(new Message.Port(greeting.dhtPort())); // BEP 5: only to a peer that set the DHT bit
        }
    }

    /**
     * Sends extension message {@code name} with the id the peer asked for it; false (nothing sent)
     * when the peer has not announced that extension, or has switched it off.
     */
    public boolean sendExtension(String name, byte[] payload) {
        OptionalInt id = extensions.outgoing(name);
        if (id.isEmpty()) {
            return false;
        }
        send(new Message.Extended(id.getAsInt(), payload));
        return true;
    }

    /** The extension ids of this connection, both directions (BEP 10). */
    public ExtensionIds extensions() {
        return extensions;
    }

    /** The peer's latest BEP 10 handshake, if it sent one. */
    public Optional<ExtendedHandshake> peerHandshake() {
        return Optional.ofNullable(peerHandshake);
    }

    /** Tells the peer we want its pieces, or no longer do; only on a change. */
    public void interested(boolean want) {
        if (want != amInterested) {
            amInterested = want;
            send(want ? Message.INTERESTED : Message.NOT_INTERESTED);
        }
    }

    /** Requests a block the picker chose for this peer. */
    public void request(int piece, int begin, int length) {
        send(new Message.Request(piece, begin, length));
    }

    /** Cancels a request we sent (BEP 3 cancel). */
    public void cancel(int piece, int begin, int length) {
        send(new Message.Cancel(piece, begin, length));
    }

    /** Announces a piece we verified (BEP 3 have). */
    public void have(int piece) {
        send(new Message.Have(piece));
    }

    /** Lets the peer download from us. */
    public void unchoke() {
        if (amChoking) {
            amChoking = false;
            requestsWhileChoked = 0;
            send(Message.UNCHOKE);
        }
    }

    /**
     * Stops the peer downloading from us: blocks not yet on their way are withdrawn and, with the
     * fast extension, each is rejected (BEP 6: a choke no longer discards requests silently). A
     * block the writer already took is sent, before the choke.
     */
    public void choke() {
        if (amChoking) {
            return;
        }
        amChoking = true;
        send(Message.CHOKE);
        for (OutgoingBlock b : serving.values()) {
            if (b.cancel() && link.fastExtension()) {
                send(new Message.Reject(b.piece(), b.begin(), b.length()));
            }
        }
        serving.clear();
    }

    /**
     * How many blocks to ask for now, given {@code outstanding} already asked (the picker's count).
     * In batches: one pick and one write for several blocks rather than one per block that arrives;
     * a small queue (a new or snubbed peer) is topped up at once. Zero while we may not ask.
     */
    public int requestRoom(int outstanding) {
        if (peerChoking || !amInterested) {
            return 0;
        }
        int room = pipeline.target() - outstanding;
        if (room <= 0 || room < Math.min(REQUEST_BATCH, Math.max(1, pipeline.target() / 4))) {
            return 0;
        }
        return room;
    }

    // ---- what the peer says ----

    /** Applies one message from the peer. */
    public void handle(Message m) {
        long now = clock.nanoTime();
        lastReceiveNanos = now;
        if (isChatter(m) && ++chatter > MAX_CHATTER_PER_TICK) {
            listener.disconnect(this, "message flood: more than " + MAX_CHATTER_PER_TICK
                    + " keep-alive, choke, interest and availability messages in a second");
            return;
        }
        switch (m) {
            case Message.KeepAlive k -> { }
            case Message.Choke x -> {
                if (!peerChoking) {
                    peerChoking = true;
                    if (!link.fastExtension()) {
                        // BEP 3: a choke discards every pending request. With BEP 6 they stay until rejected.
                        listener.requestsDropped(this);
                    }
                }
            }
            case Message.Unchoke x -> {
                if (peerChoking) {
                    peerChoking = false;
                    listener.canRequest(this);
                }
            }
            case Message.Interested x -> setPeerInterested(true);
            case Message.NotInterested x -> setPeerInterested(false);
            case Message.Have h -> {
                sawAvailability = true; // a bitfield after a have is late
                if (++haves > 2L * pieceCount + HAVE_SLACK) {
                    listener.disconnect(this, "have flood: " + haves + " haves for a torrent of " + pieceCount + " pieces");
                    return;
                }
                listener.peerHas(this, h.piece());
            }
            case Message.BitfieldMessage b -> {
                if (firstAvailability()) {
                    listener.peerHasBitfield(this, b.toBitfield(pieceCount));
                } else {
                    // BEP 3 sends the bitfield first only, but aria2 1.36 sends have-none, then haves
                    // and, every few seconds, a whole new bitfield; dropping it for that stalled its
                    // download. Take the new pieces as haves.
                    Bitfield late = b.toBitfield(pieceCount);
                    for (int p = late.nextSet(0); p >= 0; p = late.nextSet(p + 1)) {
                        listener.peerHas(this, p);
                    }
                }
            }
            case Message.HaveAll x -> {
                // A late have-all, like aria2's repeated bitfields, is a have for every piece.
                firstAvailability();
                listener.peerHasAll(this);
            }
            case Message.HaveNone x -> {
                if (firstAvailability()) {
                    listener.peerHasNone(this);
                } else {
                    listener.disconnect(this, "protocol violation: have-none after the peer's pieces were announced");
                }
            }
            case Message.Request r -> onRequest(r);
            case Message.Cancel c -> {
                OutgoingBlock b = serving.remove(key(c.piece(), c.begin()));
                if (b != null && b.cancel() && link.fastExtension()) {
                    // BEP 6: a cancel is answered by the block or by its reject; withdrawn, a reject.
                    send(new Message.Reject(b.piece(), b.begin(), b.length()));
                }
            }
            case Message.Piece p -> {
                if (listener.blockArrived(this, p)) {
                    lastBlockNanos = now;
                    download.add(p.length());
                    pipeline.blockReceived();
                    listener.canRequest(this);
                }
            }
            case Message.Reject r -> listener.requestRejected(this, r.piece(), r.begin(), r.length());
            case Message.Suggest s -> { }
            case Message.AllowedFast a -> { }
            case Message.Port p -> {
                // BEP 5: the peer's DHT node; one per connection is all we use, the rest cost nothing.
                if (!dhtPortSeen && p.port() != 0) {
                    dhtPortSeen = true;
                    listener.dhtNode(this, new InetSocketAddress(link.remote().getAddress(), p.port()));
                }
            }
            case Message.Extended e -> onExtended(e);
        }
    }

    private void onExtended(Message.Extended e) {
        if (e.extendedId() == ExtendedHandshake.ID) {
            ExtendedHandshake hs;
            try {
                hs = ExtendedHandshake.parse(e);
            } catch (WireException bad) {
                listener.disconnect(this, "protocol violation: " + bad.getMessage());
                return;
            }
            peerHandshake = hs;
            extensions = extensions.withHandshake(hs);
            hs.client().ifPresent(this::client);
            hs.requestQueue().ifPresent(pipeline::limitTo);
            listener.extensionHandshake(this, hs);
            return;
        }
        Optional<String> name = extensions.incoming(e.extendedId());
        if (name.isPresent()) {
            listener.extensionMessage(this, name.get(), e.payload());
        } else if (++unknownExtended > MAX_CHATTER_PER_TICK) {
            // BEP 10 lets us ignore an id we never announced; thousands of them are only keeping us busy.
            listener.disconnect(this, "message flood: more than " + MAX_CHATTER_PER_TICK
                    + " extension messages we never announced in a second");
        }
    }

    /** Messages that change little and cost us a little each: counted against a flood. */
    private boolean isChatter(Message m) {
        return switch (m) {
            case Message.KeepAlive k -> true;
            case Message.Choke c -> true;
            case Message.Unchoke u -> true;
            case Message.Interested i -> true;
            case Message.NotInterested n -> true;
            case Message.BitfieldMessage b -> sawAvailability; // a late one, as aria2 sends
            case Message.HaveAll a -> sawAvailability;
            default -> false;
        };
    }

    private void setPeerInterested(boolean interested) {
        if (interested != peerInterested) {
            peerInterested = interested;
            listener.interestChanged(this, interested);
        }
    }

    /**
     * BEP 3 wants a bitfield "only as the first message", but BEP 10 has the extension handshake
     * sent right after the BitTorrent handshake, and real clients do: libtorrent 2.0 sends its
     * extended handshake before have-all, Transmission before its bitfield. So a bitfield, have-all
     * or have-none is first as long as no other message has announced pieces yet.
     */
    private boolean firstAvailability() {
        boolean first = !sawAvailability;
        sawAvailability = true;
        return first;
    }

    private void onRequest(Message.Request r) {
        if (amChoking) {
            if (++requestsWhileChoked > MAX_PEER_REQUESTS) {
                // Those the peer sent before our choke reached it cross it on the wire: on a long,
                // fast path up to a round trip's worth, never more than the queue we announced.
                listener.disconnect(this, "request flood: more than " + MAX_PEER_REQUESTS + " requests while choked");
            } else if (link.fastExtension()) {
                // BEP 6: with the fast extension every request we will not serve gets a reject.
                send(new Message.Reject(r.piece(), r.begin(), r.length()));
            }
            return;
        }
        long key = key(r.piece(), r.begin());
        if (serving.containsKey(key)) {
            return; // the same block asked twice: served once
        }
        if (serving.size() >= MAX_PEER_REQUESTS + FLOOD_SLACK) {
            listener.disconnect(this, "request flood: more than " + MAX_PEER_REQUESTS
                    + " requests waiting, the most we announced (reqq)");
            return;
        }
        OutgoingBlock.Source source = listener.serve(this, r);
        if (source == null) {
            if (link.fastExtension()) {
                send(new Message.Reject(r.piece(), r.begin(), r.length()));
            }
            return;
        }
        OutgoingBlock block = new OutgoingBlock(r.piece(), r.begin(), r.length(), source);
        serving.put(key, block);
        lastSendNanos = clock.nanoTime();
        link.sendBlock(block);
    }

    /** A block we served went out whole: it no longer counts as waiting. */
    public void blockSent(OutgoingBlock block) {
        if (serving.remove(key(block.piece(), block.begin()), block)) {
            upload.add(block.length());
        }
    }

    // ---- time ----

    /**
     * Once a second, with the number of our requests the peer still owes (the picker's count):
     * rates and the pipeline, then the timeouts: a peer silent too long is dropped, one that sends
     * nothing we asked for is snubbed, requests that waited too long expire, and a keep-alive goes
     * out after 90 s of our silence.
     */
    public void tick(int outstanding) {
        long now = clock.nanoTime();
        chatter = 0;
        unknownExtended = 0;
        download.tick();
        upload.tick();
        pipeline.tick(download.lastSecond(), download.rate());
        if (now - lastReceiveNanos > timeouts.idleNanos()) {
            listener.disconnect(this, "idle for " + TimeUnit.NANOSECONDS.toSeconds(timeouts.idleNanos()) + " s");
            return;
        }
        if (outstanding > 0) {
            if (now - lastBlockNanos > SNUB_NANOS && !pipeline.snubbed()) {
                pipeline.snub();
            }
            listener.requestsExpired(this, now - timeouts.requestTimeoutNanos());
        }
        if (now - lastSendNanos > KEEPALIVE_NANOS) {
            send(Message.KEEP_ALIVE);
        }
    }

    private void send(Message m) {
        lastSendNanos = clock.nanoTime();
        link.send(m);
    }

    // ---- for the torrent and its statistics ----

    public PeerLink link() {
        return link;
    }

    public RequestPipeline pipeline() {
        return pipeline;
    }

    public RateMeter download() {
        return download;
    }

    public RateMeter upload() {
        return upload;
    }

    public boolean amChoking() {
        return amChoking;
    }

    public boolean amInterested() {
        return amInterested;
    }

    public boolean peerChoking() {
        return peerChoking;
    }

    public boolean peerInterested() {
        return peerInterested;
    }

    public String client() {
        return client;
    }

    private void client(String name) {
        if (name != null && !name.isBlank()) {
            client = name.length() > 64 ? name.substring(0, 64) : name;
        }
    }

    /** When the connection was made, on the session's clock. */
    public long connectedAtNanos() {
        return connectedAtNanos;
    }

    /** Counts a hash failure the peer took part in and returns its total. */
    public int chargeHashFailure() {
        return ++hashFailures;
    }

    /** Requests of the peer we have accepted and not yet sent. */
    public int servingCount() {
        return serving.size();
    }

    /** Blocks we owe the peer, withdrawn at once (it is going away). */
    public List<OutgoingBlock> abandon() {
        List<OutgoingBlock> all = new ArrayList<>(serving.values());
        all.forEach(OutgoingBlock::cancel);
        serving.clear();
        return all;
    }

    @Override
    public String toString() {
        return "peer " + dev.spate.core.PeerAddress.format(link.remote());
    }
}
