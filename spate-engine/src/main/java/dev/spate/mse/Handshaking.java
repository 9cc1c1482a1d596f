package dev.spate.mse;

import dev.spate.core.InfoHash;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * What the two sides of the handshake share: the input they have not consumed yet, the bytes they
 * owe the other side, the hashes and keys of MSE, and the outcome.
 *
 * <p>Not thread-safe: one driver feeds a handshake and drains its output.
 */
abstract sealed class Handshaking permits MseInitiator, MseResponder {
    /** MSE's crypto_provide and crypto_select bits. */
    static final int PLAINTEXT = 0x01;
    static final int RC4 = 0x02;
    /** Each padding (PadA to PadD) is at most 512 bytes. */
    static final int MAX_PAD = 512;
    /** VC, the verification constant: 8 zero bytes. */
    static final int VC_LENGTH = 8;

    /** What a finished handshake agreed on. */
    record Outcome(int method, InfoHash infoHash, Rc4 decrypt, Rc4 encrypt, byte[] leftover) {
        Outcome {
            leftover = leftover.clone();
        }

        @Override
        public byte[] leftover() {
            return leftover.clone();
        }
    }

    /** Bytes received and not consumed yet; read mode between calls. */
    private ByteBuffer in = ByteBuffer.allocate(1024).flip();
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    /** Every byte received, for the resynchronisation bounds. */
    private long received;
    private Outcome outcome;

    /** Takes {@code bytes} (all of them) and moves the handshake on as far as they allow. */
    final void receive(ByteBuffer bytes) throws MseException {
        if (outcome != null) {
            throw new IllegalStateException("the handshake is over");
        }
        received += bytes.remaining();
        if (in.capacity() - in.remaining() < bytes.remaining()) {
            ByteBuffer bigger = ByteBuffer.allocate(Math.max(in.capacity() * 2, in.remaining() + bytes.remaining()));
            bigger.put(in).flip();
            in = bigger;
        }
        in.compact().put(bytes).flip();
        while (outcome == null && step(in)) {
            // step until it needs more input
        }
    }

    /** Same as {@link #receive(ByteBuffer)}. */
    final void receive(byte[] bytes) throws MseException {
        receive(ByteBuffer.wrap(bytes));
    }

    /**
     * Consumes what it can of {@code in}; true if it made progress and may make more, false when
     * it needs more bytes.
     */
    abstract boolean step(ByteBuffer in) throws MseException;

    /** Bytes to send now (empty when none), in order; each call returns the next ones. */
    final byte[] takeOutput() {
        byte[] b = out.toByteArray();
        out.reset();
        return b;
    }

    final void send(byte[] bytes) {
        out.writeBytes(bytes);
    }

    final long received() {
        return received;
    }

    /**
     * Ends the handshake: {@code prefix} (already plain) and what is left of the input belong to
     * the payload stream, the latter decrypted here if the method is RC4.
     */
    final void finish(int method, InfoHash infoHash, Rc4 decrypt, Rc4 encrypt, byte[] prefix, ByteBuffer rest) {
        byte[] tail = new byte[rest.remaining()];
        rest.get(tail);
        if (method == RC4) {
            decrypt.apply(tail, 0, tail.length);
        }
        byte[] leftover = concat(prefix, tail);
        outcome = method == RC4 ? new Outcome(RC4, infoHash, decrypt, encrypt, leftover)
                : new Outcome(PLAINTEXT, infoHash, null, null, leftover);
    }

    /** The handshake's end; null while it goes on. */
    final Outcome outcome() {
        return outcome;
    }

    // ---- MSE's hashes and keys ----

    static byte[] sha1(byte[]... parts) {
        MessageDigest d;
        try {
            d = MessageDigest.getInstance("SHA-1");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("no SHA-1 in this JDK", e);
        }
        for (byte[] p : parts) {
            d.update(p);
        }
        return d.digest();
    }

    static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    /** HASH('req1', S): the responder finds the end of PadA by it. */
    static byte[] req1(byte[] s) {
        return sha1(ascii("req1"), s);
    }

    /** HASH('req2', SKEY): names the torrent without sending its info-hash. */
    static byte[] req2(InfoHash skey) {
        return sha1(ascii("req2"), skey.bytes());
    }

    /** HASH('req3', S): masks req2. */
    static byte[] req3(byte[] s) {
        return sha1(ascii("req3"), s);
    }

    /** The initiator's (A's) sending key when {@code tag} is keyA, the responder's when keyB. */
    static Rc4 key(String tag, byte[] s, InfoHash skey) {
        return Rc4.create(sha1(ascii(tag), s, skey.bytes()));
    }

    static byte[] xor(byte[] a, byte[] b) {
        byte[] r = new byte[a.length];
        for (int i = 0; i < a.length; i++) {
            r[i] = (byte) (a[i] ^ b[i]);
        }
        return r;
    }

    /**
     * Where {@code pattern} starts in {@code in}'s remaining bytes, or -1; the scans MSE needs to
     * find the end of a random padding.
     */
    static int indexOf(ByteBuffer in, byte[] pattern) {
        int start = in.position();
        int last = in.limit() - pattern.length;
        outer:
        for (int i = start; i <= last; i++) {
            for (int k = 0; k < pattern.length; k++) {
                if (in.get(i + k) != pattern[k]) {
                    continue outer;
                }
            }
            return i - start;
        }
        return -1;
    }

    /** Takes {@code n} bytes from {@code in}, decrypted with {@code cipher}. */
    static byte[] take(ByteBuffer in, int n, Rc4 cipher) {
        byte[] b = new byte[n];
        in.get(b);
        cipher.apply(b, 0, n);
        return b;
    }

    static int u16(byte[] b, int at) {
        return ((b[at] & 0xff) << 8) | (b[at + 1] & 0xff);
    }

    static int u32(byte[] b, int at) {
        return ((b[at] & 0xff) << 24) | ((b[at + 1] & 0xff) << 16) | ((b[at + 2] & 0xff) << 8) | (b[at + 3] & 0xff);
    }

    static boolean allZero(byte[] b, int from, int to) {
        for (int i = from; i < to; i++) {
            if (b[i] != 0) {
                return false;
            }
        }
        return true;
    }

    static String methods(int bits) {
        if (bits == 0) {
            return "none";
        }
        StringBuilder sb = new StringBuilder();
        if ((bits & PLAINTEXT) != 0) {
            sb.append("plaintext");
        }
        if ((bits & RC4) != 0) {
            sb.append(sb.isEmpty() ? "" : " and ").append("RC4");
        }
        int other = bits & ~(PLAINTEXT | RC4);
        if (other != 0) {
            sb.append(sb.isEmpty() ? "" : " and ").append(String.format("unknown 0x%x", other));
        }
        return sb.toString();
    }

    static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        byte[] r = new byte[n];
        int at = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, r, at, p.length);
            at += p.length;
        }
        return r;
    }

    static byte[] zeros(int n) {
        return new byte[n];
    }
}
