package dev.spate.peer;

import dev.spate.core.Clock;
import dev.spate.core.InfoHash;
import dev.spate.mse.Mse;
import dev.spate.mse.MseException;
import dev.spate.wire.Handshake;
import dev.spate.wire.WireException;
import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Accepts the connections of a listening socket and reads their handshakes (BEP 3), so that neither
 * the machine nor the peers can stop a session from accepting:
 * <ul>
 *   <li>a failed accept (the open-files limit reached, EMFILE; a network error) is tried again after
 *       a pause that doubles from 10 ms to 1 s and starts over after a success: the acceptor ends
 *       only when closed;
 *   <li>its warning can never throw (the logger may itself need a descriptor) and comes at most once
 *       every 10 s, counting the failures it did not report; the first accept after a warning says
 *       that accepting works again;
 *   <li>at most 64 connections wait for their handshake at once. One more closes the one that has
 *       waited longest: closing the newcomer instead would let 64 silent sockets, renewed every
 *       timeout, lock every honest peer out, where this way a flood must outrun the honest peers'
 *       handshakes, which come within a round trip;
 *   <li>a connection that has not finished its handshake within the handshake timeout is closed.
 *       One whose first bytes are not BEP 3's {@code 19, "BitTorrent protocol"} is taken for MSE
 *       when {@link Handshakes#mse} accepts it (that handshake's own bounds then apply), else closed
 *       as soon as they come; a plaintext one is refused when {@link Handshakes#plaintext} is false.
 * </ul>
 * A handshaken connection goes to the {@code handshaken} callback, on its own virtual thread, and is
 * the callback's from then on.
 *
 * <p>An {@link Error} on one of its threads (an {@link OutOfMemoryError}, say), an interrupt, or the
 * listening socket closed by someone else ends the acceptor: it closes the listening socket and
 * every waiting connection and reports the cause, once, to {@code failed}, whose owner should end
 * too (a session that cannot be reached must not go on as if it could).
 *
 * <p>Threads: one virtual thread accepts and owns the backoff and warning state; one reads each
 * handshake; one closes the connections whose time is up. The table of waiting connections is
 * guarded by {@link #lock}.
 */
public final class Acceptor implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(Acceptor.class.getName());
    /** BEP 3: the handshake starts with the length of the protocol string and the string itself. */
    private static final byte[] PROTOCOL_HEADER = ("\u0013BitTorrent protocol").getBytes(StandardCharsets.US_ASCII);

    /**
     * How accepting behaves.
     *
     * @param maxWaiting connections waiting for their handshake at once
     * @param handshakeTimeout how long a connection has to send its handshake
     * @param minPause the pause after the first failed accept, doubled after each further one
     * @param maxPause the longest pause between failed accepts
     * @param warningInterval the least time between two warnings of failed accepts
     */
    public record Settings(int maxWaiting, Duration handshakeTimeout, Duration minPause, Duration maxPause,
                           Duration warningInterval) {
        public Settings {
            if (maxWaiting < 1) {
                throw new IllegalArgumentException("maxWaiting " + maxWaiting + " is less than 1");
            }
            for (Duration d : List.of(handshakeTimeout, minPause, maxPause, warningInterval)) {
                if (d.isNegative() || d.isZero()) {
                    throw new IllegalArgumentException("durations must be positive: " + d);
                }
            }
            if (maxPause.compareTo(minPause) < 0) {
                throw new IllegalArgumentException("maxPause " + maxPause + " is shorter than minPause " + minPause);
            }
        }

        /** 64 waiting, pauses from 10 ms to 1 s, a warning at most every 10 s. */
        public static Settings defaults(Duration handshakeTimeout) {
            return new Settings(64, handshakeTimeout, Duration.ofMillis(10), Duration.ofSeconds(1),
                    Duration.ofSeconds(10));
        }
    }

    /**
     * Which handshakes incoming connections may open with.
     *
     * @param plaintext whether a plaintext BitTorrent handshake (BEP 3) is accepted
     * @param mse how an MSE handshake is answered; null to refuse MSE (the first bytes must then be BEP 3's)
     * @param torrents finds the info-hash an MSE handshake's req2 names
     */
    public record Handshakes(boolean plaintext, Mse.Acceptance mse, Function<byte[], Optional<InfoHash>> torrents) {
        public Handshakes {
            if (!plaintext && mse == null) {
                throw new IllegalArgumentException("no handshake accepted");
            }
            if (mse != null) {
                Objects.requireNonNull(torrents, "torrents");
            }
        }

        /** Plaintext BEP 3 handshakes only. */
        public static Handshakes plaintextOnly() {
            return new Handshakes(true, null, null);
        }
    }

    /** The listening socket as the acceptor uses it; a test's fake raises what a real one may. */
    interface Server extends Closeable {
        SocketChannel accept() throws IOException;
    }

    /** Waits; a test's fake returns at once and records how long it was asked to wait. */
    interface Sleeper {
        void sleep(Duration d) throws InterruptedException;
    }

    private final Server server;
    private final String where;
    private final Settings settings;
    private final Handshakes handshakes;
    private final Consumer<PeerConnection.Handshaken> handshaken;
    private final Consumer<Throwable> failed;
    private final Clock clock;
    private final Sleeper sleeper;
    private final BiConsumer<System.Logger.Level, String> log;
    private final AtomicBoolean reported = new AtomicBoolean();
    private final ReentrantLock lock = new ReentrantLock();
    /** Connections waiting for their handshake, oldest first, to their deadline; guarded by {@link #lock}. */
    private final LinkedHashMap<SocketChannel, Long> waiting = new LinkedHashMap<>();
    private volatile boolean closed;
    private volatile Thread reaper;

    // The accept thread's own.
    private boolean warned;
    private long lastWarning;
    /** Failures since the last warning that it did not report. */
    private long unreported;
    /** Failures since the last success. */
    private long failures;
    /** A warning went out since the last success: the recovery is worth a line too. */
    private boolean owedRecovery;

    Acceptor(Server server, String where, Settings settings, Handshakes handshakes,
             Consumer<PeerConnection.Handshaken> handshaken, Consumer<Throwable> failed, Clock clock, Sleeper sleeper,
             BiConsumer<System.Logger.Level, String> log) {
        this.server = Objects.requireNonNull(server);
        this.where = where;
        this.settings = Objects.requireNonNull(settings);
        this.handshakes = Objects.requireNonNull(handshakes);
        this.handshaken = Objects.requireNonNull(handshaken);
        this.failed = Objects.requireNonNull(failed);
        this.clock = clock;
        this.sleeper = sleeper;
        this.log = log;
    }

    /**
     * Starts accepting on {@code server}, which must be bound, and which the acceptor closes when
     * it is closed or fails.
     *
     * @param handshaken gets each connection whose handshake was read, on the connection's own
     *     virtual thread (it may block there); it owns the connection from then on
     * @param failed gets the cause, once, if the acceptor ends without being closed: an
     *     {@link Error} such as {@link OutOfMemoryError} on one of its threads, an interrupt, or the
     *     listening socket closed under it. Nothing is accepted after that; the owner should end.
     */
    public static Acceptor start(ServerSocketChannel server, Settings settings, Handshakes handshakes,
                                 Consumer<PeerConnection.Handshaken> handshaken, Consumer<Throwable> failed) {
        // A log record's time stamp needs the time-zone database, which the JDK reads from a file
        // (lib/tzdb.dat) the first time. At the open-files limit, when we warn, that read fails: the
        // JDK's log formatter threw it at us (seen), and the class that failed to initialize stays
        // failed, so every later record would throw too. Read it now, while descriptors are free.
        java.time.ZonedDateTime.now();
        String where;
        try {
            where = String.valueOf(server.getLocalAddress());
        } catch (IOException e) {
            where = "a closed socket";
        }
        Acceptor a = new Acceptor(new Server() {
            @Override
            public SocketChannel accept() throws IOException {
                return server.accept();
            }

            @Override
            public void close() throws IOException {
                server.close();
            }
        }, where, settings, handshakes, handshaken, failed, Clock.system(), d -> Thread.sleep(d), LOG::log);
        a.startReaper();
        a.startAccepting();
        return a;
    }

    /** Starts the accept thread. */
    void startAccepting() {
        Thread.ofVirtual().name("spate-accept").start(this::acceptLoop);
    }

    /** Starts the thread that closes connections whose handshake is late. */
    void startReaper() {
        reaper = Thread.ofVirtual().name("spate-handshake-timeout").start(this::reapLoop);
    }

    /** Connections waiting for their handshake now. */
    public int waiting() {
        lock.lock();
        try {
            return waiting.size();
        } finally {
            lock.unlock();
        }
    }

    /** Stops accepting: closes the listening socket and every connection still waiting. Idempotent. */
    @Override
    public void close() {
        closed = true;
        try {
            server.close();
        } catch (IOException e) {
            debug("closing the listening socket " + where + ": " + e.getMessage());
        }
        Thread r = reaper;
        if (r != null) {
            r.interrupt();
        }
        List<SocketChannel> all;
        lock.lock();
        try {
            all = new ArrayList<>(waiting.keySet());
            waiting.clear();
        } finally {
            lock.unlock();
        }
        all.forEach(Acceptor::closeQuietly);
    }

    private void acceptLoop() {
        Duration pause = Duration.ZERO;
        while (!closed) {
            try {
                SocketChannel ch;
                try {
                    ch = server.accept();
                } catch (ClosedChannelException e) {
                    if (!closed) {
                        fail(new IOException("the listening socket " + where + " was closed", e));
                    }
                    return;
                } catch (IOException | RuntimeException e) {
                    pause = pause.isZero() ? settings.minPause() : min(pause.multipliedBy(2), settings.maxPause());
                    warnAcceptFailed(e);
                    sleeper.sleep(pause);
                    continue;
                }
                pause = Duration.ZERO;
                if (failures > 0) {
                    recovered();
                }
                admit(ch);
            } catch (InterruptedException e) {
                if (!closed) {
                    fail(e);
                }
                return;
            } catch (Throwable e) {
                fail(e);
                return;
            }
        }
    }

    /** Makes room if need be, then reads the handshake on a thread of its own. Accept thread. */
    private void admit(SocketChannel ch) {
        SocketChannel evicted = null;
        lock.lock();
        try {
            if (closed) {
                evicted = ch;
            } else {
                if (waiting.size() >= settings.maxWaiting()) {
                    Iterator<SocketChannel> oldest = waiting.keySet().iterator();
                    evicted = oldest.next();
                    oldest.remove();
                }
                waiting.put(ch, clock.nanoTime() + settings.handshakeTimeout().toNanos());
            }
        } finally {
            lock.unlock();
        }
        if (evicted != null) {
            closeQuietly(evicted);
        }
        if (evicted != ch) {
            Thread.ofVirtual().name("spate-handshake").start(() -> readHandshake(ch));
        }
    }

    /**
     * Reads the 68 bytes of a plaintext handshake, or runs an MSE handshake and reads the
     * BitTorrent handshake inside it, then hands the connection on. Its own thread.
     */
    private void readHandshake(SocketChannel ch) {
        InetSocketAddress remote = null;
        try {
            ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
            // One host is one peer: an IPv4 one reached through the dual-stack socket is plain IPv4.
            remote = dev.spate.core.PeerAddress.canonical((InetSocketAddress) ch.getRemoteAddress());
            ByteBuffer bytes = ByteBuffer.allocate(Handshake.LENGTH);
            boolean plaintext = true;
            while (bytes.hasRemaining() && plaintext) {
                if (ch.read(bytes) < 0) {
                    throw new EOFException("closed after " + bytes.position() + " bytes of the handshake");
                }
                if (handshakes.mse() == null) {
                    checkProtocolHeader(bytes);
                } else {
                    // Anything but BEP 3's header is taken for MSE, whose first 96 bytes are random.
                    plaintext = startsWithProtocolHeader(bytes);
                }
            }
            PeerConnection.Handshaken h;
            if (plaintext) {
                if (!handshakes.plaintext()) {
                    throw new WireException("plaintext handshake refused: encryption is required");
                }
                h = new PeerConnection.Handshaken(ch, remote, Handshake.decode(bytes.array()), false);
            } else {
                h = encrypted(ch, remote, Arrays.copyOf(bytes.array(), bytes.position()));
            }
            if (release(ch)) {
                handshaken.accept(h);
            }
        } catch (Exception e) {
            release(ch);
            closeQuietly(ch);
            debug("incoming connection " + (remote == null ? "" : "from " + dev.spate.core.PeerAddress.format(remote) + " ") + "dropped: "
                    + e.getMessage());
        } catch (Throwable e) {
            release(ch);
            closeQuietly(ch);
            fail(e);
        }
    }

    /** The MSE responder's side, then the BitTorrent handshake from the payload stream; within the handshake timeout. */
    private PeerConnection.Handshaken encrypted(SocketChannel ch, InetSocketAddress remote, byte[] first)
            throws IOException, WireException, MseException {
        Mse.Established e = Mse.respond(ch, first, handshakes.torrents(), handshakes.mse(), settings.handshakeTimeout());
        ByteBuffer bytes = ByteBuffer.allocate(Handshake.LENGTH);
        e.channel().readFully(bytes, settings.handshakeTimeout());
        Handshake theirs = Handshake.decode(bytes.array());
        if (!theirs.infoHash().equals(e.infoHash())) {
            throw new WireException("handshake names torrent " + theirs.infoHash().hex()
                    + " inside an encryption handshake for " + e.infoHash().hex());
        }
        return new PeerConnection.Handshaken(ch, e.channel(), remote, theirs, false);
    }

    /** Whether the bytes read so far agree with BEP 3's header. */
    private static boolean startsWithProtocolHeader(ByteBuffer bytes) {
        int n = Math.min(bytes.position(), PROTOCOL_HEADER.length);
        for (int i = 0; i < n; i++) {
            if (bytes.get(i) != PROTOCOL_HEADER[i]) {
                return false;
            }
        }
        return true;
    }

    /** Fails as soon as a byte of the protocol header is wrong: an HTTP probe need not wait for 68 bytes. */
    private static void checkProtocolHeader(ByteBuffer bytes) throws WireException {
        int n = Math.min(bytes.position(), PROTOCOL_HEADER.length);
        for (int i = 0; i < n; i++) {
            if (bytes.get(i) != PROTOCOL_HEADER[i]) {
                throw new WireException("not a BitTorrent handshake: byte " + i + " is " + (bytes.get(i) & 0xff)
                        + ", expected " + (PROTOCOL_HEADER[i] & 0xff));
            }
        }
    }

    /** Removes {@code ch} from the waiting; false if it was no longer there (timed out or evicted, so closed). */
    private boolean release(SocketChannel ch) {
        lock.lock();
        try {
            return waiting.remove(ch) != null;
        } finally {
            lock.unlock();
        }
    }

    private void reapLoop() {
        // Not Duration.dividedBy: it divides as a BigDecimal, and BigDecimal's class initialiser costs
        // every session about 20 ms of interpreted big-number squaring and then C2's time compiling it.
        Duration quarter = Duration.ofNanos(settings.handshakeTimeout().toNanos() / 4);
        Duration interval = min(max(quarter, Duration.ofMillis(10)),
                Duration.ofSeconds(1));
        try {
            while (!closed) {
                sleeper.sleep(interval);
                closeExpired();
            }
        } catch (InterruptedException e) {
            if (!closed) {
                fail(e);
            }
        } catch (Throwable e) {
            fail(e);
        }
    }

    /** Closes the connections whose handshake deadline has passed; their reader threads then end. */
    void closeExpired() {
        long now = clock.nanoTime();
        List<SocketChannel> expired = new ArrayList<>();
        lock.lock();
        try {
            // Deadlines are in the order of admission (one timeout, a monotonic clock): stop at the first to come.
            Iterator<Map.Entry<SocketChannel, Long>> it = waiting.entrySet().iterator();
            while (it.hasNext()) {
                Map.Entry<SocketChannel, Long> e = it.next();
                if (e.getValue() - now > 0) {
                    break;
                }
                expired.add(e.getKey());
                it.remove();
            }
        } finally {
            lock.unlock();
        }
        expired.forEach(Acceptor::closeQuietly);
    }

    /** At most one warning per interval; the failures in between are counted and reported with the next. */
    private void warnAcceptFailed(Exception e) {
        failures++;
        long now = clock.nanoTime();
        if (warned && now - lastWarning < settings.warningInterval().toNanos()) {
            unreported++;
            return;
        }
        warned = true;
        lastWarning = now;
        owedRecovery = true;
        try {
            String reason = e.getMessage() != null ? e.getMessage() : e.getClass().getName();
            String hint = reason.contains("Too many open files")
                    ? " (the open-files limit, ulimit -n, is reached)" : "";
            String since = unreported == 0 ? ""
                    : "; " + unreported + " more failure" + (unreported == 1 ? "" : "s") + " since the last warning";
            unreported = 0;
            log.accept(System.Logger.Level.WARNING,
                    "cannot accept connections on " + where + ": " + reason + hint + "; retrying" + since);
        } catch (Throwable logFailed) {
            // Logging needs resources too (at this limit, a descriptor): accepting must not end for it.
        }
    }

    /** The first accept after failures: says so if they were warned of, so the warning is not the last word. */
    private void recovered() {
        long n = failures;
        failures = 0;
        if (!owedRecovery) {
            return;
        }
        owedRecovery = false;
        try {
            log.accept(System.Logger.Level.INFO, "accepting connections on " + where + " again after " + n
                    + " failed attempt" + (n == 1 ? "" : "s"));
        } catch (Throwable logFailed) {
            // as above
        }
    }

    private void fail(Throwable cause) {
        if (!reported.compareAndSet(false, true)) {
            return;
        }
        boolean wasClosed = closed;
        close();
        if (wasClosed) {
            return;
        }
        try {
            failed.accept(cause);
        } catch (Throwable ignored) {
            // the owner failed in turn: nothing is left that we could tell
        }
    }

    /** Through the acceptor's log (the logger, or a test's list): why a connection was dropped, say. */
    private void debug(String message) {
        try {
            log.accept(System.Logger.Level.DEBUG, message);
        } catch (Throwable ignored) {
            // never let a log line close a connection or end accepting
        }
    }

    private static void closeQuietly(SocketChannel ch) {
        try {
            ch.close();
        } catch (IOException ignored) {
            // closing is all we wanted
        }
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    private static Duration max(Duration a, Duration b) {
        return a.compareTo(b) >= 0 ? a : b;
    }
}
