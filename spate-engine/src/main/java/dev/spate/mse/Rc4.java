package dev.spate.mse;

import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import javax.crypto.Cipher;
import javax.crypto.ShortBufferException;
import javax.crypto.spec.SecretKeySpec;

/**
 * One direction's RC4 key stream, as MSE uses it: keyed with a 20-byte hash, the first 1024 bytes
 * of the stream discarded (they leak the key), then every byte sent (or received) in that
 * direction xored with the next byte of the stream. Encrypting and decrypting are the same
 * operation.
 *
 * <p>Not thread-safe: a stream has one reader or one writer.
 */
public abstract sealed class Rc4 permits Rc4.Jdk, Rc4.Own {
    /** MSE drops the first 1024 bytes of each key stream. */
    static final int DISCARD = 1024;

    /** The JDK's cipher, or ours where the JDK refuses ARCFOUR (a security policy may disable it). */
    public static Rc4 create(byte[] key) {
        try {
            return jdk(key);
        } catch (IllegalStateException e) {
            return own(key);
        }
    }

    /**
     * The JDK's {@code ARCFOUR} cipher (SunJCE).
     *
     * @throws IllegalStateException when the JDK does not provide it
     */
    public static Rc4 jdk(byte[] key) {
        return new Jdk(key);
    }

    /** Our own implementation, for JDKs whose policy disables ARCFOUR. */
    public static Rc4 own(byte[] key) {
        return new Own(key);
    }

    /** Xors the bytes from {@code buffer}'s position to its limit in place, and moves the position to the limit. */
    public abstract void apply(ByteBuffer buffer);

    /** Xors {@code length} bytes of {@code bytes} from {@code offset} in place. */
    public final void apply(byte[] bytes, int offset, int length) {
        apply(ByteBuffer.wrap(bytes, offset, length));
    }

    /**
     * Copies {@code src}'s remaining bytes into {@code dst}, xored; both positions advance. {@code dst}
     * must have room.
     */
    public void apply(ByteBuffer src, ByteBuffer dst) {
        int n = src.remaining();
        int at = dst.position();
        dst.put(src);
        apply(dst.slice(at, n));
    }

    private static void discard(Rc4 cipher) {
        cipher.apply(new byte[DISCARD], 0, DISCARD);
    }

    /** The JDK's ARCFOUR. */
    static final class Jdk extends Rc4 {
        private final Cipher cipher;

        Jdk(byte[] key) {
            try {
                cipher = Cipher.getInstance("ARCFOUR");
                cipher.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "ARCFOUR"));
            } catch (GeneralSecurityException | RuntimeException e) {
                throw new IllegalStateException("the JDK's ARCFOUR cipher is not available: " + e, e);
            }
            discard(this);
        }

        @Override
        public void apply(ByteBuffer buffer) {
            try {
                // In place: Cipher.update(ByteBuffer, ByteBuffer) is copy-safe for the same memory.
                ByteBuffer out = buffer.duplicate();
                cipher.update(buffer, out);
            } catch (ShortBufferException e) {
                throw new AssertionError("RC4 output is as long as its input", e);
            }
        }

        @Override
        public void apply(ByteBuffer src, ByteBuffer dst) {
            try {
                cipher.update(src, dst);
            } catch (ShortBufferException e) {
                throw new IllegalArgumentException("no room for " + src.remaining() + " bytes", e);
            }
        }
    }

    /** RC4 as its key schedule and output loop are commonly described; 258 bytes of state. */
    static final class Own extends Rc4 {
        private final byte[] s = new byte[256];
        private int i;
        private int j;

        Own(byte[] key) {
            this(key, DISCARD);
        }

        /** With {@code discard} bytes of the key stream dropped; 0 for the textbook test vectors. */
        Own(byte[] key, int discard) {
            if (key.length == 0 || key.length > 256) {
                throw new IllegalArgumentException("RC4 key of " + key.length + " bytes");
            }
            for (int k = 0; k < 256; k++) {
                s[k] = (byte) k;
            }
            int jj = 0;
            for (int k = 0; k < 256; k++) {
                jj = (jj + (s[k] & 0xff) + (key[k % key.length] & 0xff)) & 0xff;
                byte t = s[k];
                s[k] = s[jj];
                s[jj] = t;
            }
            apply(new byte[discard], 0, discard);
        }

        @Override
        public void apply(ByteBuffer buffer) {
            byte[] st = s;
            int ii = i;
            int jj = j;
            int end = buffer.limit();
            if (buffer.hasArray()) {
                byte[] a = buffer.array();
                int off = buffer.arrayOffset();
                for (int p = buffer.position() + off, e = end + off; p < e; p++) {
                    ii = (ii + 1) & 0xff;
                    byte si = st[ii];
                    jj = (jj + si) & 0xff;
                    byte sj = st[jj];
                    st[ii] = sj;
                    st[jj] = si;
                    a[p] ^= st[(si + sj) & 0xff];
                }
            } else {
                for (int p = buffer.position(); p < end; p++) {
                    ii = (ii + 1) & 0xff;
                    byte si = st[ii];
                    jj = (jj + si) & 0xff;
                    byte sj = st[jj];
                    st[ii] = sj;
                    st[jj] = si;
                    buffer.put(p, (byte) (buffer.get(p) ^ st[(si + sj) & 0xff]));
                }
            }
            i = ii;
            j = jj;
            buffer.position(end);
        }
    }
}
