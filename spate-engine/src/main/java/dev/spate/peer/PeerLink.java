package dev.spate.peer;

import dev.spate.core.PeerId;
import dev.spate.wire.Message;
import dev.spate.wire.TorrentGeometry;
import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;

/**
 * A handshaken connection to one peer, as its torrent sees it: where it is, what it negotiated, and
 * a queue to send through. {@link PeerConnection} is the one over a socket; tests script their own.
 *
 * <p>Thread-safe: the sending methods never block and may be called from any thread.
 */
public interface PeerLink {
    /** The peer's address. */
    InetSocketAddress remote();

    /** Whether we dialled it. */
    boolean outgoing();

    /** The peer id from its handshake. */
    PeerId peerId();

    /** Whether both sides set the BEP 6 fast-extension bit. */
    boolean fastExtension();

    /** Whether both sides set the BEP 10 extension-protocol bit. */
    boolean extensionProtocol();

    /** How the connection is protected: a plaintext or MSE handshake, and an RC4 or plaintext payload. */
    Encryption encryption();

    /** Whether the peer set BEP 5's DHT bit: it takes port messages. */
    boolean dhtPort();

    /** Queues a message; never blocks; ignored once closed. */
    void send(Message message);

    /** Queues a block to be sent from its source; never blocks; ignored once closed. */
    void sendBlock(OutgoingBlock block);

    /** Closes the link; its owner hears of it once, with {@code reason}. */
    void close(String reason);

    /** Starts reading and writing: the owner hears of messages from now on. */
    void start();

    /**
     * Blocks the calling (reader) thread while more than {@code bytes} wait to be sent, or until
     * the link closes: how a peer that asks faster than it takes stops being read.
     */
    void awaitQueuedBelow(long bytes) throws InterruptedException;

    /**
     * Stops handing messages to the link's listener, before the link carries over to another one
     * ({@link #handOver}): the future completes once the listener has had its last message. Any
     * thread; never blocks. See {@link PeerConnection#holdMessages}.
     */
    CompletableFuture<Void> holdMessages();

    /**
     * Carries a link made before a magnet's metadata over to {@code next}, its messages checked
     * against {@code geometry} and its payload bound by {@code limits} from now on; false if it
     * closed first (its old listener heard of it). See {@link PeerConnection#handOver}.
     */
    boolean handOver(TorrentGeometry geometry, PeerConnection.Listener next, PeerConnection.Limits limits);
}
