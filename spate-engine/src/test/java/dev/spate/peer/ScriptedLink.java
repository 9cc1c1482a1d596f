package dev.spate.peer;

import dev.spate.core.PeerId;
import dev.spate.wire.Message;
import dev.spate.wire.TorrentGeometry;
import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;
import java.util.ArrayList;
import java.util.List;

/** A link with no socket: what is sent is recorded, closing is recorded. For tests; one thread. */
public final class ScriptedLink implements PeerLink {
    private final InetSocketAddress remote;
    private final PeerId peerId;
    private final boolean fast;
    private final boolean outgoing;
    public final List<Message> sent = new ArrayList<>();
    public final List<OutgoingBlock> blocks = new ArrayList<>();
    public String closed;
    public boolean started;
    /** Whether the peer set BEP 5's DHT bit. */
    public boolean dht;
    /** Holding its messages for a hand-over. */
    public boolean held;
    /** The geometry and listener it was handed over to; null before. */
    public TorrentGeometry handedOverWith;
    public PeerConnection.Listener handedOverTo;
    public PeerConnection.Limits handedOverLimits;

    public ScriptedLink(InetSocketAddress remote, PeerId peerId, boolean fast, boolean outgoing) {
        this.remote = remote;
        this.peerId = peerId;
        this.fast = fast;
        this.outgoing = outgoing;
    }

    public static ScriptedLink fast(int port) {
        return new ScriptedLink(new InetSocketAddress("127.0.0.1", port), PeerId.random(), true, true);
    }

    public static ScriptedLink plain(int port) {
        return new ScriptedLink(new InetSocketAddress("127.0.0.1", port), PeerId.random(), false, true);
    }

    @Override
    public InetSocketAddress remote() {
        return remote;
    }

    @Override
    public boolean outgoing() {
        return outgoing;
    }

    @Override
    public PeerId peerId() {
        return peerId;
    }

    @Override
    public boolean fastExtension() {
        return fast;
    }

    @Override
    public boolean dhtPort() {
        return dht;
    }

    /** Scripted links carry no bytes, so none is encrypted. */
    @Override
    public Encryption encryption() {
        return Encryption.PLAINTEXT;
    }

    @Override
    public boolean extensionProtocol() {
        return true;
    }

    @Override
    public void send(Message message) {
        if (closed == null) {
            sent.add(message);
        }
    }

    @Override
    public void sendBlock(OutgoingBlock block) {
        if (closed == null) {
            blocks.add(block);
        }
    }

    @Override
    public void close(String reason) {
        if (closed == null) {
            closed = reason;
        }
    }

    @Override
    public void start() {
        started = true;
    }

    @Override
    public void awaitQueuedBelow(long bytes) {
    }

    @Override
    public CompletableFuture<Void> holdMessages() {
        held = true;
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public boolean handOver(TorrentGeometry geometry, PeerConnection.Listener next, PeerConnection.Limits limits) {
        if (closed != null) {
            return false;
        }
        held = false;
        handedOverWith = geometry;
        handedOverTo = next;
        handedOverLimits = limits;
        return true;
    }

    /** Messages sent of one kind. */
    public <T extends Message> List<T> sent(Class<T> kind) {
        List<T> out = new ArrayList<>();
        for (Message m : sent) {
            if (kind.isInstance(m)) {
                out.add(kind.cast(m));
            }
        }
        return out;
    }
}
