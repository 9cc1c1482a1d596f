package dev.spate.mse;

import dev.spate.core.InfoHash;
import java.io.EOFException;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Arrays;
import java.util.Collection;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Runs an MSE handshake over a connected, blocking socket within a deadline, and leaves the
 * payload stream as a {@link PayloadChannel}.
 *
 * <p>Every read is bounded in time (the socket's stream honours a timeout, set to what is left of
 * the deadline before each read) and the handshake itself is bounded in bytes (see
 * {@link MseInitiator} and {@link MseResponder}): a peer that stops half-way or sends noise costs
 * at most the timeout and a few kilobytes.
 */
public final class Mse {
    /** crypto_provide / crypto_select bit: the payload goes unencrypted after the handshake. */
    public static final int PLAINTEXT = Handshaking.PLAINTEXT;
    /** crypto_provide / crypto_select bit: the payload is RC4-encrypted. */
    public static final int RC4 = Handshaking.RC4;
    private static final int READ_CHUNK = 4096;
    private static final SecureRandom RANDOM = new SecureRandom();

    private Mse() {
    }

    /** A finished handshake: the selected method, the torrent, and the payload stream. */
    public record Established(int method, InfoHash infoHash, PayloadChannel channel) {
    }

    /** Which method a responder selects from an offer. */
    public record Acceptance(boolean plaintext, boolean rc4, boolean preferPlaintext) {
        public Acceptance {
            if (!plaintext && !rc4) {
                throw new IllegalArgumentException("accept at least one method");
            }
        }

        /** The method to select from the offered bits. */
        int select(int provided) throws MseException {
            boolean p = plaintext && (provided & PLAINTEXT) != 0;
            boolean r = rc4 && (provided & RC4) != 0;
            if (p && (preferPlaintext || !r)) {
                return PLAINTEXT;
            }
            if (r) {
                return RC4;
            }
            throw new MseException("peer offers " + Handshaking.methods(provided) + ", we accept "
                    + Handshaking.methods((plaintext ? PLAINTEXT : 0) | (rc4 ? RC4 : 0)) + " only");
        }
    }

    /**
     * Dials' side: offers {@code provide} (bits {@link #PLAINTEXT}, {@link #RC4}) for the torrent
     * {@code skey}, with {@code initialPayload} (our BitTorrent handshake) in the offer.
     */
    public static Established initiate(SocketChannel socket, InfoHash skey, int provide, byte[] initialPayload,
                                       Duration timeout) throws IOException, MseException {
        MseInitiator h = new MseInitiator(DiffieHellman.generate(RANDOM), skey, provide, initialPayload, padding());
        return run(socket, h, new byte[0], timeout);
    }

    /**
     * Accepting side: {@code alreadyRead} are the first bytes of the connection, read to tell MSE
     * from a plaintext handshake; {@code torrents} finds the torrent req2 names.
     */
    public static Established respond(SocketChannel socket, byte[] alreadyRead,
                                      Function<byte[], Optional<InfoHash>> torrents, Acceptance acceptance,
                                      Duration timeout) throws IOException, MseException {
        MseResponder h = new MseResponder(DiffieHellman.generate(RANDOM), padding(), torrents, acceptance::select);
        return run(socket, h, alreadyRead, timeout);
    }

    /** Finds, among {@code hashes} (read at each call), the torrent whose HASH('req2', info-hash) is given. */
    public static Function<byte[], Optional<InfoHash>> torrentsOf(Supplier<? extends Collection<InfoHash>> hashes) {
        return req2 -> {
            for (InfoHash h : hashes.get()) {
                if (Arrays.equals(Handshaking.req2(h), req2)) {
                    return Optional.of(h);
                }
            }
            return Optional.empty();
        };
    }

    private static Established run(SocketChannel socket, Handshaking h, byte[] alreadyRead, Duration timeout)
            throws IOException, MseException {
        long deadline = DeadlineReads.deadline(timeout);
        writeAll(socket, h.takeOutput());
        if (alreadyRead.length > 0) {
            h.receive(alreadyRead);
            writeAll(socket, h.takeOutput());
        }
        byte[] chunk = new byte[READ_CHUNK];
        try {
            while (h.outcome() == null) {
                int n;
                try {
                    n = DeadlineReads.read(socket, chunk, 0, chunk.length, deadline);
                } catch (SocketTimeoutException e) {
                    throw timedOut(timeout, h);
                }
                if (n < 0) {
                    throw new EOFException("peer closed the connection during the encryption handshake, after "
                            + h.received() + " bytes");
                }
                h.receive(ByteBuffer.wrap(chunk, 0, n));
                writeAll(socket, h.takeOutput());
            }
        } finally {
            DeadlineReads.clear(socket);
        }
        Handshaking.Outcome o = h.outcome();
        return new Established(o.method(), o.infoHash(),
                new PayloadChannel(socket, o.leftover(), o.decrypt(), o.encrypt()));
    }

    private static SocketTimeoutException timedOut(Duration timeout, Handshaking h) {
        return new SocketTimeoutException("encryption handshake not done within " + timeout.toMillis() + " ms ("
                + h.received() + " bytes received)");
    }

    private static void writeAll(SocketChannel socket, byte[] bytes) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(bytes);
        while (b.hasRemaining()) {
            socket.write(b);
        }
    }

    /** PadA or PadB: random length up to 512, random bytes. */
    private static byte[] padding() {
        byte[] pad = new byte[RANDOM.nextInt(Handshaking.MAX_PAD + 1)];
        RANDOM.nextBytes(pad);
        return pad;
    }
}
