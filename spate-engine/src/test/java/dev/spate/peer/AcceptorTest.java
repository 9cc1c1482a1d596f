package dev.spate.peer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spate.core.InfoHash;
import dev.spate.core.PeerId;
import dev.spate.mse.Mse;
import dev.spate.wire.Handshake;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiConsumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The acceptor on a scripted listening socket: each accept returns the next real loopback connection
 * or throws the next failure the test lined up, so running out of descriptors is one line of a
 * script. Time is a fake clock that the fake sleeper moves by each pause it is asked for.
 */
@Timeout(value = 20, unit = TimeUnit.SECONDS)
class AcceptorTest {
    static final Duration TIMEOUT = Duration.ofSeconds(5);
    static final IOException EMFILE = new IOException("Too many open files");

    final AtomicLong now = new AtomicLong(1_000_000_000L);
    final List<Duration> pauses = new CopyOnWriteArrayList<>();
    final List<String> logged = new CopyOnWriteArrayList<>();
    final LinkedBlockingQueue<PeerConnection.Handshaken> delivered = new LinkedBlockingQueue<>();
    final LinkedBlockingQueue<Throwable> failures = new LinkedBlockingQueue<>();
    final ScriptedServer server = new ScriptedServer();
    final List<SocketChannel> farEnds = new ArrayList<>();
    ServerSocketChannel loopback;
    Acceptor acceptor;

    @BeforeEach
    void openLoopback() throws IOException {
        loopback = ServerSocketChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    }

    @AfterEach
    void closeEverything() throws IOException {
        if (acceptor != null) {
            acceptor.close();
        }
        for (SocketChannel ch : farEnds) {
            ch.close();
        }
        loopback.close();
    }

    @Test
    void failedAcceptsAreRetriedAfterDoublingPausesThatStartOverAfterASuccess() throws Exception {
        start(settings(64), (level, message) -> logged.add(level + " " + message));
        for (int i = 0; i < 8; i++) {
            server.script(EMFILE);
        }
        send(connection(), handshake(1));
        assertThat(next().theirs().infoHash()).isEqualTo(infoHash(1));
        server.script(EMFILE, EMFILE);
        send(connection(), handshake(2));
        assertThat(next().theirs().infoHash()).isEqualTo(infoHash(2));

        assertThat(pauses).containsExactly(ms(10), ms(20), ms(40), ms(80), ms(160), ms(320), ms(640), ms(1000),
                ms(10), ms(20));
        assertThat(failures).isEmpty();
    }

    @Test
    void theWarningComesOncePerIntervalCountsWhatItLeftOutAndTheRecoveryIsSaid() throws Exception {
        start(new Acceptor.Settings(64, TIMEOUT, ms(10), ms(1000), ms(1000)),
                (level, message) -> logged.add(level + " " + message));
        // The failures come at 0, 10, 30, 70, 150, 310, 630 and 1270 ms of the clock: the first and
        // the last, past the 1 s interval, are told.
        for (int i = 0; i < 8; i++) {
            server.script(EMFILE);
        }
        send(connection(), handshake(1));
        next();

        String where = "a scripted socket";
        assertThat(logged).containsExactly(
                "WARNING cannot accept connections on " + where + ": Too many open files (the open-files limit,"
                        + " ulimit -n, is reached); retrying",
                "WARNING cannot accept connections on " + where + ": Too many open files (the open-files limit,"
                        + " ulimit -n, is reached); retrying; 6 more failures since the last warning",
                "INFO accepting connections on " + where + " again after 8 failed attempts");
    }

    @Test
    void aLoggerThatThrowsNeverStopsAccepting() throws Exception {
        start(settings(64), (level, message) -> {
            // What the JDK's log formatter threw at the limit, for want of a descriptor for tzdb.dat.
            throw new Error("java.io.FileNotFoundException: lib/tzdb.dat (Too many open files)");
        });
        server.script(EMFILE, new IOException("Connection aborted"), EMFILE);
        send(connection(), handshake(3));

        assertThat(next().theirs().infoHash()).isEqualTo(infoHash(3));
        assertThat(failures).isEmpty();
    }

    @Test
    void beyondTheCapANewConnectionClosesTheOneThatHasWaitedLongest() throws Exception {
        start(settings(3), (level, message) -> logged.add(message));
        SocketChannel oldest = connection();
        connection();
        connection();
        SocketChannel newest = connection();

        assertThat(closedByAcceptor(oldest)).as("the oldest waiting connection is closed").isTrue();
        assertThat(acceptor.waiting()).isEqualTo(3);
        send(newest, handshake(4));
        assertThat(next().theirs().infoHash()).isEqualTo(infoHash(4));
        assertThat(acceptor.waiting()).isEqualTo(2);
    }

    @Test
    void aConnectionSilentForTheHandshakeTimeoutIsClosedAndOnlyIt() throws Exception {
        start(settings(64), (level, message) -> logged.add(message));
        SocketChannel early = connection();
        server.awaitAccepts(2); // the accept thread is back for the next: the first is admitted
        now.addAndGet(Duration.ofSeconds(3).toNanos());
        SocketChannel late = connection();
        server.awaitAccepts(3);

        now.addAndGet(ms(1999).toNanos()); // 4.999 s after the first
        acceptor.closeExpired();
        assertThat(acceptor.waiting()).isEqualTo(2);
        now.addAndGet(ms(1).toNanos());
        acceptor.closeExpired();
        assertThat(closedByAcceptor(early)).isTrue();
        assertThat(acceptor.waiting()).isEqualTo(1);
        send(late, handshake(5)); // still in time: 2 s of its 5 gone
        assertThat(next().theirs().infoHash()).isEqualTo(infoHash(5));
        assertThat(acceptor.waiting()).isZero();
    }

    @Test
    void anotherProtocolIsClosedAtItsFirstWrongByteWithoutWaitingFor68() throws Exception {
        start(settings(64), (level, message) -> logged.add(message));
        SocketChannel http = connection();
        send(http, "GET / HTTP/1.1\r\n".getBytes(StandardCharsets.US_ASCII));

        assertThat(closedByAcceptor(http)).isTrue();
        assertThat(delivered).isEmpty();
    }

    @Test
    void aHandshakeArrivingInPiecesIsAssembledAndNamesItsSender() throws Exception {
        start(settings(64), (level, message) -> logged.add(message));
        SocketChannel far = connection();
        byte[] hs = handshake(6);
        send(far, java.util.Arrays.copyOfRange(hs, 0, 1));
        send(far, java.util.Arrays.copyOfRange(hs, 1, 30));
        send(far, java.util.Arrays.copyOfRange(hs, 30, 68));

        PeerConnection.Handshaken h = next();
        assertThat(h.theirs().infoHash()).isEqualTo(infoHash(6));
        assertThat(h.remote()).isEqualTo(far.getLocalAddress());
        assertThat(h.outgoing()).isFalse();
        h.channel().close();
    }

    @Test
    void anErrorOnTheAcceptThreadIsReportedOnceAndClosesTheSocketAndEveryWaitingConnection() throws Exception {
        start(settings(64), (level, message) -> logged.add(message));
        SocketChannel waitingOne = connection();
        server.awaitAccepts(2);
        OutOfMemoryError oom = new OutOfMemoryError("Java heap space");
        server.script(oom);

        assertThat(failures.poll(5, TimeUnit.SECONDS)).isSameAs(oom);
        assertThat(server.closed).isTrue();
        assertThat(closedByAcceptor(waitingOne)).isTrue();
        assertThat(acceptor.waiting()).isZero();
        acceptor.close();
        assertThat(failures).as("reported once, and not again for the close").isEmpty();
    }

    @Test
    void theListeningSocketClosedUnderTheAcceptorIsReported() throws Exception {
        start(settings(64), (level, message) -> logged.add(message));
        server.script(new ClosedChannelException());

        assertThat(failures.poll(5, TimeUnit.SECONDS)).isInstanceOf(IOException.class)
                .hasMessageContaining("was closed").hasCauseInstanceOf(ClosedChannelException.class);
    }

    @Test
    void closingTheAcceptorEndsItWithoutAFailure() throws Exception {
        start(settings(64), (level, message) -> logged.add(message));
        SocketChannel waitingOne = connection();
        server.awaitAccepts(2);
        acceptor.close();

        assertThat(server.closed).isTrue();
        assertThat(closedByAcceptor(waitingOne)).isTrue();
        // The close woke the accept thread, which saw the socket closed by its owner and ended quietly.
        assertThat(failures.poll(200, TimeUnit.MILLISECONDS)).isNull();
    }

    // ---- encryption (MSE) ----

    private void startWith(Acceptor.Handshakes handshakes, Duration timeout) {
        acceptor = new Acceptor(server, "a scripted socket", new Acceptor.Settings(64, timeout, ms(10), ms(1000),
                Duration.ofSeconds(10)), handshakes, delivered::add, failures::add, now::get, d -> {
            pauses.add(d);
            now.addAndGet(d.toNanos());
        }, (level, message) -> logged.add(message));
        acceptor.startAccepting();
    }

    private static Acceptor.Handshakes mse(boolean plaintext, boolean rc4Only) {
        return new Acceptor.Handshakes(plaintext, rc4Only ? new Mse.Acceptance(false, true, false)
                : new Mse.Acceptance(true, true, true), Mse.torrentsOf(() -> List.of(infoHash(1), infoHash(7))));
    }

    @Test
    void anMseHandshakeIsAnsweredAndTheBitTorrentHandshakeInsideItIsDeliveredWithItsPayloadStream()
            throws Exception {
        startWith(mse(true, false), TIMEOUT);
        SocketChannel far = connection();
        byte[] ours = handshake(7);
        Mse.Established e = Mse.initiate(far, infoHash(7), Mse.RC4 | Mse.PLAINTEXT, ours, TIMEOUT);
        PeerConnection.Handshaken h = next();
        assertThat(h.theirs().infoHash()).isEqualTo(infoHash(7));
        assertThat(h.encryption()).as("a plaintext payload when offered").isEqualTo(Encryption.OBFUSCATED);
        assertThat(e.method()).isEqualTo(Mse.PLAINTEXT);
        assertThat(h.out()).as("plaintext peers are written to on the socket itself: sendfile").isSameAs(h.channel());
    }

    @Test
    void anAcceptorRequiringRc4SelectsItAndRefusesAPlaintextHandshakeSayingWhy() throws Exception {
        startWith(mse(false, true), TIMEOUT);
        SocketChannel encrypted = connection();
        Mse.Established e = Mse.initiate(encrypted, infoHash(1), Mse.RC4 | Mse.PLAINTEXT, handshake(1), TIMEOUT);
        assertThat(e.method()).isEqualTo(Mse.RC4);
        assertThat(next().encryption()).isEqualTo(Encryption.RC4);

        SocketChannel plain = connection();
        send(plain, handshake(1));
        assertThat(closedByAcceptor(plain)).isTrue();
        assertThat(delivered).isEmpty();
        awaitLogged("plaintext handshake refused: encryption is required");
    }

    @Test
    void withMseAcceptedAnotherProtocolIsTakenForMseAndClosedWhenItsBoundsOrTimeRunOut() throws Exception {
        startWith(mse(true, false), Duration.ofMillis(500));
        SocketChannel http = connection();
        send(http, "GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        long start = System.nanoTime();
        assertThat(closedByAcceptor(http)).as("closed at the handshake timeout").isTrue();
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(4));

        SocketChannel noise = connection();
        byte[] junk = new byte[96 + 600];
        java.util.Arrays.fill(junk, (byte) 0x55);
        send(noise, junk);
        assertThat(closedByAcceptor(noise)).as("no req1 within 532 bytes of Ya: closed at once").isTrue();
        assertThat(delivered).isEmpty();
        awaitLogged("no req1 hash within 532 bytes after Ya");
    }

    @Test
    void anMseHandshakeForATorrentWeDoNotHaveIsClosed() throws Exception {
        startWith(mse(true, false), TIMEOUT);
        SocketChannel far = connection();
        org.assertj.core.api.Assertions.assertThatThrownBy(
                () -> Mse.initiate(far, infoHash(3), Mse.RC4, handshake(3), TIMEOUT))
                .isInstanceOf(IOException.class);
        assertThat(delivered).isEmpty();
        awaitLogged("req2 names no torrent of ours");
    }

    /** The acceptor closes a connection before it logs why: wait for the line. */
    private void awaitLogged(String part) throws InterruptedException {
        for (int i = 0; i < 500 && logged.stream().noneMatch(m -> m.contains(part)); i++) {
            Thread.sleep(10);
        }
        assertThat(logged).anyMatch(m -> m.contains(part));
    }

    // ---- fixtures ----

    private void start(Acceptor.Settings settings, BiConsumer<System.Logger.Level, String> log) {
        acceptor = new Acceptor(server, "a scripted socket", settings, Acceptor.Handshakes.plaintextOnly(), delivered::add, failures::add, now::get, d -> {
            pauses.add(d);
            now.addAndGet(d.toNanos());
        }, log);
        acceptor.startAccepting();
    }

    private static Acceptor.Settings settings(int maxWaiting) {
        return new Acceptor.Settings(maxWaiting, TIMEOUT, ms(10), ms(1000), Duration.ofSeconds(10));
    }

    /** A loopback connection: its accepted end goes to the script, its far end is returned. */
    private SocketChannel connection() throws IOException {
        SocketChannel far = SocketChannel.open(loopback.getLocalAddress());
        farEnds.add(far);
        server.script(loopback.accept());
        return far;
    }

    private PeerConnection.Handshaken next() throws InterruptedException {
        PeerConnection.Handshaken h = delivered.poll(5, TimeUnit.SECONDS);
        assertThat(h).as("a handshaken connection within 5 s; failures %s", failures).isNotNull();
        return h;
    }

    private static void send(SocketChannel ch, byte[] bytes) throws IOException {
        PeerConnection.writeFully(ch, ByteBuffer.wrap(bytes));
    }

    /** Whether the far end reads the end of the stream (or a reset) within 5 s. */
    private static boolean closedByAcceptor(SocketChannel far) throws IOException {
        far.socket().setSoTimeout(5000);
        try {
            return far.socket().getInputStream().read() < 0;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException reset) {
            return true;
        }
    }

    private static InfoHash infoHash(int n) {
        byte[] b = new byte[20];
        b[19] = (byte) n;
        return InfoHash.of(b);
    }

    private static byte[] handshake(int n) {
        return Handshake.ours(infoHash(n), PeerId.random()).encode();
    }

    private static Duration ms(long n) {
        return Duration.ofMillis(n);
    }

    /**
     * A listening socket that plays a script: each accept takes the next entry, a channel to return
     * or a throwable to throw, waiting for one if there is none; closing it wakes a waiting accept
     * with {@link AsynchronousCloseException}, as a real one does.
     */
    static final class ScriptedServer implements Acceptor.Server {
        private static final Object CLOSED = new Object();
        private final LinkedBlockingQueue<Object> script = new LinkedBlockingQueue<>();
        private final Semaphore accepts = new Semaphore(0);
        volatile boolean closed;

        void script(Object... entries) {
            script.addAll(List.of(entries));
        }

        /** Waits until accept has been called {@code n} times in all. */
        void awaitAccepts(int n) throws InterruptedException {
            assertThat(accepts.tryAcquire(n, 5, TimeUnit.SECONDS)).as("%d accepts", n).isTrue();
            accepts.release(n);
        }

        @Override
        public SocketChannel accept() throws IOException {
            accepts.release();
            if (closed) {
                throw new ClosedChannelException();
            }
            Object next;
            try {
                next = script.take();
            } catch (InterruptedException e) {
                throw new java.nio.channels.ClosedByInterruptException();
            }
            if (next == CLOSED) {
                throw new AsynchronousCloseException();
            }
            if (next instanceof IOException e) {
                throw e;
            }
            if (next instanceof RuntimeException e) {
                throw e;
            }
            if (next instanceof Error e) {
                throw e;
            }
            return (SocketChannel) next;
        }

        @Override
        public void close() {
            closed = true;
            script.add(CLOSED);
        }
    }
}
