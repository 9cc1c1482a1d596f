package dev.spate.peer;

import dev.spate.mse.Mse;
import dev.spate.mse.MseException;
import dev.spate.mse.PayloadChannel;
import dev.spate.wire.FrameReader;
import dev.spate.wire.Handshake;
import dev.spate.wire.Message;
import dev.spate.wire.MessageDecoder;
import dev.spate.wire.MessageEncoder;
import dev.spate.wire.TorrentGeometry;
import dev.spate.wire.WireException;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.GatheringByteChannel;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.IntFunction;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The IO of one peer connection after its handshake: a virtual thread that reads and decodes
 * frames, and one that drains the outbox with gathering writes.
 *
 * <p>Threads: the reader thread calls {@link Listener#onMessage} for every message, in order, and
 * may be blocked there by the listener (that is the backpressure: a peer we cannot keep up with is
 * simply not read, and TCP slows it). {@link #send} may be called from any thread and never blocks.
 * {@link Listener#onClosed} is called once, from whichever thread noticed the end, on the listener
 * of the moment: a connection of a magnet's metadata phase changes listener once, at a message
 * boundary ({@link #holdMessages}, then {@link #handOver}), and no message goes to both or is lost.
 */
public final class PeerConnection implements PeerLink {
    private static final System.Logger LOG = System.getLogger(PeerConnection.class.getName());
    /** BEP 3's handshake is 68 bytes: 1 + 19 + 8 + 20 + 20. */
    static final int HANDSHAKE_LENGTH = 68;
    private static final int WRITE_BATCH = 64;
    /**
     * Entries in the outbox past which the reader waits too: 4 MiB of 17-byte rejects would be a
     * quarter of a million objects.
     */
    static final int MAX_QUEUED_MESSAGES = 4096;
    private static final Message POISON = new Message.KeepAlive();

    /** What a connection reports to its owner. */
    public interface Listener {
        /** A decoded message; on the reader thread, which this call may block. */
        void onMessage(PeerLink connection, Message message) throws InterruptedException;

        /** The connection ended; called once. */
        void onClosed(PeerLink connection, String reason);

        /** A block queued with {@link #sendBlock} went out whole; on the writer thread. */
        default void onBlockSent(PeerLink connection, OutgoingBlock block) {
        }

        /**
         * An {@link Error} (out of memory, say) ended the reader or writer thread; the connection is
         * closed. The process is in no state to go on as if nothing happened: the owner should stop.
         */
        default void onFatal(PeerLink connection, Error error) {
        }

        /**
         * Sending a block failed (the connection closes next, with this failure as its reason); on
         * the writer thread. The cause may be the socket or the block's {@link OutgoingBlock.Source}:
         * the listener, which made the source, can tell its own failures apart.
         */
        default void onBlockFailed(PeerLink connection, OutgoingBlock block, IOException cause) {
        }
    }

    /**
     * The rate limits a connection obeys: its torrent's and its session's. The reader waits on the
     * download buckets after each block, the writer on the upload buckets before each block.
     */
    public record Limits(List<TokenBucket> download, List<TokenBucket> upload) {
        public Limits {
            download = List.copyOf(download);
            upload = List.copyOf(upload);
        }

        /** No limits. */
        public static Limits none() {
            return new Limits(List.of(), List.of());
        }
    }

    /**
     * A socket whose handshakes have been exchanged.
     *
     * @param channel the socket, for its options and for closing
     * @param payload the payload stream when an MSE handshake came first; null after a plaintext one
     */
    public record Handshaken(SocketChannel channel, PayloadChannel payload, InetSocketAddress remote, Handshake theirs,
                             boolean outgoing) {
        /** After a plaintext handshake. */
        public Handshaken(SocketChannel channel, InetSocketAddress remote, Handshake theirs, boolean outgoing) {
            this(channel, null, remote, theirs, outgoing);
        }

        /** Where the peer's frames are read from: the payload stream (bytes the handshake read ahead first). */
        public ReadableByteChannel in() {
            return payload == null ? channel : payload;
        }

        /**
         * Where our frames go: the socket itself unless the payload is RC4, so that plaintext
         * peers, obfuscated ones included, are served with sendfile.
         */
        public GatheringByteChannel out() {
            return payload != null && payload.encrypted() ? payload : channel;
        }

        public Encryption encryption() {
            return payload == null ? Encryption.PLAINTEXT : payload.encrypted() ? Encryption.RC4 : Encryption.OBFUSCATED;
        }
    }

    private final SocketChannel channel;
    private final ReadableByteChannel in;
    private final GatheringByteChannel out;
    private final Encryption encryption;
    private final InetSocketAddress remote;
    private final Handshake theirs;
    private final boolean outgoing;
    /**
     * Where frames go: their decoder and listener, which change once when a connection made
     * before the metadata carries over to its torrent ({@link #holdMessages}, {@link #handOver}).
     * Written under {@link #routeLock}; volatile for the readers of the negotiated bits.
     */
    private volatile MessageDecoder decoder;
    private volatile Listener listener;
    private final ReentrantLock routeLock = new ReentrantLock();
    private final Condition rerouted = routeLock.newCondition();
    /** Guarded by routeLock: messages wait in the reader until {@link #handOver}. */
    private boolean held;
    /** Guarded by routeLock: the reader is inside {@link Listener#onMessage}. */
    private boolean delivering;
    /** Guarded by routeLock: completes when the delivery under way ends; null when none is awaited. */
    private CompletableFuture<Void> quiet;
    /** Guarded by routeLock: the listener of the moment has heard of the close. */
    private boolean closeNotified;
    private final IntFunction<ByteBuffer> blockBuffers;
    /** The writer's: a block on its way to an RC4 peer. */
    private final BlockCopy blockCopy = new BlockCopy();
    /** Replaced once, by {@link #handOver}: a carried-over connection obeys its torrent's limits from then on. */
    private volatile Limits limits;
    /** {@link Message}s and {@link OutgoingBlock}s, in the order they go on the wire. */
    private final LinkedBlockingQueue<Object> outbox = new LinkedBlockingQueue<>();
    private final AtomicLong queuedBytes = new AtomicLong();
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile String closeReason;
    /** Signalled by the writer after each write, for readers waiting on {@link #awaitQueuedBelow}. */
    private final ReentrantLock drainLock = new ReentrantLock();
    private final Condition drained = drainLock.newCondition();

    public PeerConnection(Handshaken handshaken, MessageDecoder decoder, Listener listener) {
        this(handshaken, decoder, listener, ByteBuffer::allocate, Limits.none());
    }

    /**
     * @param blockBuffers where the reader puts each received block (at most 16 KiB); the
     *     {@link Message.Piece} handed to the listener holds that very buffer, so a pool can take it
     *     back once the block is used
     */
    public PeerConnection(Handshaken handshaken, MessageDecoder decoder, Listener listener,
                          IntFunction<ByteBuffer> blockBuffers, Limits limits) {
        this.blockBuffers = blockBuffers;
        this.limits = limits;
        this.channel = handshaken.channel();
        this.in = handshaken.in();
        this.out = handshaken.out();
        this.encryption = handshaken.encryption();
        this.remote = handshaken.remote();
        this.theirs = handshaken.theirs();
        this.outgoing = handshaken.outgoing();
        this.decoder = decoder;
        this.listener = listener;
    }

    /**
     * Dials {@code remote} from {@code bindAddress} (null or the wildcard for any), sends our
     * handshake and reads theirs, all within {@code timeout}.
     */
    public static Handshaken dial(InetSocketAddress remote, InetAddress bindAddress, Duration timeout, Handshake ours)
            throws IOException, WireException {
        return handshake(connect(remote, bindAddress, timeout), remote, timeout, ours);
    }

    /** Opens a TCP connection to {@code remote} from {@code bindAddress} (null or the wildcard for any) within {@code timeout}. */
    public static SocketChannel connect(InetSocketAddress remote, InetAddress bindAddress, Duration timeout)
            throws IOException {
        SocketChannel ch = SocketChannel.open();
        try {
            ch.socket().setTcpNoDelay(true);
            if (bindAddress != null && !bindAddress.isAnyLocalAddress()) {
                ch.bind(new InetSocketAddress(bindAddress, 0));
            }
            ch.socket().connect(remote, (int) Math.max(1, timeout.toMillis()));
            return ch;
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    /** Sends our plaintext handshake on a connected socket and reads theirs within {@code timeout}; closes it on failure. */
    public static Handshaken handshake(SocketChannel ch, InetSocketAddress remote, Duration timeout, Handshake ours)
            throws IOException, WireException {
        try {
            writeFully(ch, ByteBuffer.wrap(ours.encode()));
            Handshake theirs = readHandshake(ch, timeout);
            return new Handshaken(ch, remote, theirs, true);
        } catch (IOException | WireException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    /**
     * Runs an MSE handshake on a connected socket, offering {@code provide} ({@link Mse#RC4},
     * {@link Mse#PLAINTEXT} or both), with our BitTorrent handshake in its initial payload, then
     * reads theirs from the payload stream; all within {@code timeout}. Closes the socket on failure.
     */
    public static Handshaken encryptedHandshake(SocketChannel ch, InetSocketAddress remote, Duration timeout,
                                                Handshake ours, int provide)
            throws IOException, WireException, MseException {
        try {
            Mse.Established e = Mse.initiate(ch, ours.infoHash(), provide, ours.encode(), timeout);
            ByteBuffer theirs = ByteBuffer.allocate(HANDSHAKE_LENGTH);
            e.channel().readFully(theirs, timeout);
            return new Handshaken(ch, e.channel(), remote, Handshake.decode(theirs.array()), true);
        } catch (IOException | WireException | MseException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    /**
     * Reads the 68-byte handshake within {@code timeout}, through the socket's stream, whose reads
     * honour a timeout where a channel's do not.
     */
    public static Handshake readHandshake(SocketChannel ch, Duration timeout) throws IOException, WireException {
        ch.socket().setSoTimeout((int) Math.max(1, timeout.toMillis()));
        byte[] bytes = new byte[HANDSHAKE_LENGTH];
        InputStream in = ch.socket().getInputStream();
        int n = 0;
        try {
            while (n < bytes.length) {
                int r = in.read(bytes, n, bytes.length - n);
                if (r < 0) {
                    throw new EOFException("connection closed after " + n + " bytes of the handshake");
                }
                n += r;
            }
        } catch (SocketTimeoutException e) {
            throw new SocketTimeoutException("no handshake within " + timeout.toMillis() + " ms (" + n + " bytes)");
        }
        ch.socket().setSoTimeout(0);
        return Handshake.decode(bytes);
    }

    /** Writes every byte of {@code buffer}. */
    public static void writeFully(SocketChannel ch, ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) {
            ch.write(buffer);
        }
    }

    /** Starts the reader and writer threads. */
    @Override
    public void start() {
        String name = dev.spate.core.PeerAddress.format(remote);
        Thread.ofVirtual().name("peer-read " + name).start(this::readLoop);
        Thread.ofVirtual().name("peer-write " + name).start(this::writeLoop);
    }

    @Override
    public InetSocketAddress remote() {
        return remote;
    }

    @Override
    public dev.spate.core.PeerId peerId() {
        return theirs.peerId();
    }

    @Override
    public boolean fastExtension() {
        return decoder.fastExtension();
    }

    @Override
    public boolean dhtPort() {
        return theirs.supportsDht();
    }

    @Override
    public boolean extensionProtocol() {
        return decoder.extensionProtocol();
    }

    @Override
    public Encryption encryption() {
        return encryption;
    }

    public Handshake theirHandshake() {
        return theirs;
    }

    @Override
    public boolean outgoing() {
        return outgoing;
    }

    /** The decoder frames are checked with now. */
    public MessageDecoder decoder() {
        return decoder;
    }

    /**
     * Stops handing messages to the listener, for a connection made before a magnet's metadata
     * that is to carry over to its torrent: the returned future completes once the listener has
     * had its last message (none is being delivered and any read later waits in the reader, which
     * then stops reading: the peer's bytes wait in TCP). Closing still goes to the listener until
     * {@link #handOver}. Any thread; never blocks.
     */
    @Override
    public CompletableFuture<Void> holdMessages() {
        routeLock.lock();
        try {
            held = true;
            if (!delivering) {
                return CompletableFuture.completedFuture(null);
            }
            if (quiet == null) {
                quiet = new CompletableFuture<>();
            }
            return quiet;
        } finally {
            routeLock.unlock();
        }
    }

    /**
     * Carries the connection over to {@code next}: from now on frames are checked against
     * {@code geometry} (the decoder of the metadata phase becomes a full one, the same extensions
     * negotiated) and go to {@code next}, closing included. A message read while held was decoded
     * without the geometry: it is checked against it first, and one that fails closes the
     * connection as a protocol violation. From now on it obeys {@code nextLimits}, the torrent's
     * rate limits and the session's. Any thread; never blocks.
     *
     * @return false if the connection closed first: its old listener heard of it, and the caller
     *     owns whatever the connection held (its slot, say)
     */
    @Override
    public boolean handOver(TorrentGeometry geometry, Listener next, Limits nextLimits) {
        routeLock.lock();
        try {
            if (closeNotified) {
                return false;
            }
            decoder = decoder.withGeometry(geometry);
            listener = next;
            limits = nextLimits;
            held = false;
            rerouted.signalAll();
            return true;
        } finally {
            routeLock.unlock();
        }
    }

    /** Queues {@code message}; never blocks. Ignored once closed. */
    @Override
    public void send(Message message) {
        if (closed.get()) {
            return;
        }
        queuedBytes.addAndGet(MessageEncoder.frameLength(message));
        outbox.add(message);
    }

    /**
     * Queues a block to be sent from its {@link OutgoingBlock.Source}; never blocks. Ignored once
     * closed. The listener hears {@link Listener#onBlockSent} once it is out, nothing if it was
     * cancelled first.
     */
    @Override
    public void sendBlock(OutgoingBlock block) {
        if (closed.get()) {
            return;
        }
        queuedBytes.addAndGet(MessageEncoder.PIECE_HEADER_LENGTH + block.length());
        outbox.add(block);
    }

    /** Bytes queued and not yet written. */
    public long queuedBytes() {
        return queuedBytes.get();
    }

    /**
     * Blocks the calling (reader) thread while more than {@code limit} bytes wait in the outbox,
     * or until the connection closes. This is how a peer that asks faster than its socket takes
     * data stops being read: its requests wait in TCP, not in our memory.
     */
    @Override
    public void awaitQueuedBelow(long limit) throws InterruptedException {
        if (queuedBytes.get() <= limit && outbox.size() <= MAX_QUEUED_MESSAGES) {
            return;
        }
        drainLock.lock();
        try {
            while ((queuedBytes.get() > limit || outbox.size() > MAX_QUEUED_MESSAGES) && !closed.get()) {
                drained.await();
            }
        } finally {
            drainLock.unlock();
        }
    }

    private void signalDrained() {
        drainLock.lock();
        try {
            drained.signalAll();
        } finally {
            drainLock.unlock();
        }
    }

    public boolean isClosed() {
        return closed.get();
    }

    /** Closes the connection; the listener hears of it once, with {@code reason}. */
    @Override
    public void close(String reason) {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        closeReason = reason;
        // Every reason, protocol violations included, reaches the log; the engine also publishes it.
        LOG.log(System.Logger.Level.DEBUG, "closing connection to {0}: {1}", dev.spate.core.PeerAddress.format(remote),
                reason);
        outbox.add(POISON);
        signalDrained();
        try {
            channel.close();
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, "closing {0}: {1}", dev.spate.core.PeerAddress.format(remote),
                    e.getMessage());
        }
        Listener told;
        routeLock.lock();
        try {
            closeNotified = true;
            told = listener;
            rerouted.signalAll(); // a reader waiting for a hand-over gives up
        } finally {
            routeLock.unlock();
        }
        told.onClosed(this, reason);
    }

    /** Why the connection closed, or null while open. */
    public String closeReason() {
        return closeReason;
    }

    private void readLoop() {
        BufferedChannel in = new BufferedChannel(this.in, this.in instanceof PayloadChannel p && p.encrypted());
        MessageDecoder used = decoder;
        FrameReader reader = new FrameReader(in, used, blockBuffers);
        try {
            while (!closed.get()) {
                Message m = reader.read();
                if (m == null) {
                    close("peer closed the connection");
                    return;
                }
                if (m instanceof Message.Piece p) {
                    for (TokenBucket b : limits.download()) {
                        b.acquire(p.length());
                    }
                }
                Listener to;
                MessageDecoder now;
                routeLock.lock();
                try {
                    while (held && !closeNotified) {
                        rerouted.await();
                    }
                    to = listener;
                    now = decoder;
                    delivering = true;
                } finally {
                    routeLock.unlock();
                }
                try {
                    if (now != used) {
                        // Carried over while this message was read: the next frames are decoded with
                        // the new geometry, this one is checked against it.
                        used = now;
                        reader = new FrameReader(in, used, blockBuffers);
                        if (used.geometryKnown()) {
                            used.check(m);
                        }
                    }
                    to.onMessage(this, m);
                } finally {
                    delivered();
                }
            }
        } catch (WireException e) {
            close("protocol violation: " + e.getMessage());
        } catch (ClosedChannelException e) {
            close("connection closed");
        } catch (EOFException e) {
            close("peer closed the connection mid-message");
        } catch (IOException e) {
            close("read failed: " + e.getMessage());
        } catch (InterruptedException e) {
            close("interrupted");
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "peer " + dev.spate.core.PeerAddress.format(remote) + " reader failed", e);
            close("internal error: " + e);
        } catch (Error e) {
            close("internal error: " + e);
            listener.onFatal(this, e);
        }
    }

    /** The reader is out of the listener: whoever waits for that to hold the messages may go on. */
    private void delivered() {
        CompletableFuture<Void> done;
        routeLock.lock();
        try {
            delivering = false;
            done = quiet;
            quiet = null;
        } finally {
            routeLock.unlock();
        }
        if (done != null) {
            done.complete(null);
        }
    }

    private void writeLoop() {
        ByteBuffer small = ByteBuffer.allocateDirect(WRITE_BATCH * 32 + 64 * 1024);
        List<Object> batch = new ArrayList<>(WRITE_BATCH);
        List<ByteBuffer> parts = new ArrayList<>(WRITE_BATCH * 2);
        try {
            while (!closed.get()) {
                Object first = outbox.take();
                if (first == POISON && closed.get()) {
                    return;
                }
                batch.add(first);
                outbox.drainTo(batch, WRITE_BATCH - 1);
                small.clear();
                long bytes = 0;
                boolean corked = false;
                for (Object o : batch) {
                    if (o == POISON) {
                        continue;
                    }
                    if (o instanceof OutgoingBlock block) {
                        bytes += MessageEncoder.PIECE_HEADER_LENGTH + block.length();
                        if (block.take()) {
                            if (!corked) {
                                // Nagle's algorithm, for the batch: a block's 13-byte header and
                                // its bytes, sent by separate calls, leave in full segments rather
                                // than a tiny one each. Turning TCP_NODELAY back on pushes the rest.
                                channel.setOption(StandardSocketOptions.TCP_NODELAY, false);
                                corked = true;
                            }
                            writeBlock(block, small, parts);
                        }
                        continue;
                    }
                    Message m = (Message) o;
                    int len = MessageEncoder.frameLength(m);
                    bytes += len;
                    if (m instanceof Message.Piece p) {
                        acquireUpload(p.length());
                        int start = small.position();
                        MessageEncoder.encodeHeader(p, small);
                        parts.add(small.slice(start, small.position() - start));
                        parts.add(p.block().duplicate());
                    } else if (small.remaining() < len) {
                        // An extended message larger than the batch buffer: send it alone.
                        ByteBuffer own = ByteBuffer.allocate(len);
                        MessageEncoder.encode(m, own);
                        parts.add(own.flip());
                    } else {
                        int start = small.position();
                        MessageEncoder.encode(m, small);
                        parts.add(small.slice(start, small.position() - start));
                    }
                }
                writeParts(parts);
                if (corked) {
                    channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
                }
                queuedBytes.addAndGet(-bytes);
                signalDrained();
                batch.clear();
            }
        } catch (ClosedChannelException e) {
            close("connection closed");
        } catch (IOException e) {
            close("write failed: " + e.getMessage());
        } catch (InterruptedException e) {
            close("interrupted");
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "peer " + dev.spate.core.PeerAddress.format(remote) + " writer failed", e);
            close("internal error: " + e);
        } catch (Error e) {
            close("internal error: " + e);
            listener.onFatal(this, e);
        }
    }

    /**
     * Sends a block from its source: the messages before it and its header in one gathering
     * write, then the bytes. A failure is reported to the listener before the connection closes.
     */
    private void writeBlock(OutgoingBlock block, ByteBuffer small, List<ByteBuffer> parts)
            throws IOException, InterruptedException {
        acquireUpload(block.length());
        int start = small.position();
        MessageEncoder.encodePieceHeader(block.piece(), block.begin(), block.length(), small);
        parts.add(small.slice(start, small.position() - start));
        try {
            if (out == channel) {
                writeParts(parts);
                block.source().writeTo(channel);
            } else {
                // RC4: no sendfile; the block comes into a buffer, then goes with the header,
                // encrypted, in one write.
                ByteBuffer copy = blockCopy.clear(block.length());
                block.source().readInto(copy);
                if (copy.hasRemaining()) {
                    throw new IOException("block source gave " + copy.position() + " of " + block.length() + " bytes");
                }
                parts.add(copy.flip());
                writeParts(parts);
            }
        } catch (IOException e) {
            listener.onBlockFailed(this, block, e);
            throw new IOException("sending " + block + ": " + e.getMessage(), e);
        }
        listener.onBlockSent(this, block);
    }

    /** The buffer an RC4 connection's writer reads a block into before it is encrypted. */
    private static final class BlockCopy {
        /**
         * Made at the first block, so that plaintext connections (most of them) never hold one.
         * Requests are at most 16 KiB (the decoder refuses larger), so one buffer of that serves
         * every block. On the heap: the cipher runs on arrays.
         */
        private ByteBuffer buffer;

        /** The buffer, empty, with room for exactly {@code length} bytes. */
        ByteBuffer clear(int length) {
            if (buffer == null || buffer.capacity() < length) {
                buffer = ByteBuffer.allocate(Math.max(16 * 1024, length));
            }
            return buffer.clear().limit(length);
        }
    }

    private void acquireUpload(int bytes) throws InterruptedException {
        for (TokenBucket b : limits.upload()) {
            b.acquire(bytes);
        }
    }

    /** Writes every part with gathering writes and empties the list. */
    private void writeParts(List<ByteBuffer> parts) throws IOException {
        if (parts.isEmpty()) {
            return;
        }
        ByteBuffer[] array = parts.toArray(ByteBuffer[]::new);
        long left = 0;
        for (ByteBuffer b : array) {
            left += b.remaining();
        }
        while (left > 0) {
            left -= out.write(array);
        }
        parts.clear();
    }
}
