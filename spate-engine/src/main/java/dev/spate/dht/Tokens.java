package dev.spate.dht;

import java.net.InetAddress;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.random.RandomGenerator;

/**
 * Write tokens for get_peers replies (BEP 5): a hash of the querier's IP with a secret that changes
 * every {@link #ROTATION}; a token made with the current or the previous secret is accepted, so a
 * token lives between 5 and 10 minutes. Nothing per querier is stored. Owned by the node's thread.
 */
final class Tokens {
    /** How often the secret changes (BEP 5). */
    static final long ROTATION = 5 * 60 * 1_000_000_000L;
    static final int LENGTH = 8;

    private final RandomGenerator random;
    private final MessageDigest sha1;
    private byte[] current;
    private byte[] previous;
    private long rotatedAt;

    Tokens(RandomGenerator random, long now) {
        this.random = random;
        try {
            this.sha1 = MessageDigest.getInstance("SHA-1");
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError("every JDK has SHA-1", e);
        }
        this.current = secret();
        this.previous = secret();
        this.rotatedAt = now;
    }

    /** The token for a querier at {@code ip}. */
    byte[] issue(InetAddress ip, long now) {
        rotate(now);
        return token(current, ip);
    }

    /** Whether {@code token} was issued to {@code ip} under the current or the previous secret. */
    boolean accepts(byte[] token, InetAddress ip, long now) {
        rotate(now);
        if (token.length != LENGTH) {
            return false;
        }
        return MessageDigest.isEqual(token, token(current, ip)) || MessageDigest.isEqual(token, token(previous, ip));
    }

    private void rotate(long now) {
        long elapsed = now - rotatedAt;
        if (elapsed >= 2 * ROTATION) {
            // Idle for two periods: no token given out under either secret may still be accepted.
            previous = secret();
            current = secret();
            rotatedAt = now;
        } else if (elapsed >= ROTATION) {
            previous = current;
            current = secret();
            rotatedAt += ROTATION;
        }
    }

    private byte[] token(byte[] secret, InetAddress ip) {
        sha1.update(secret);
        sha1.update(ip.getAddress());
        return Arrays.copyOf(sha1.digest(), LENGTH);
    }

    private byte[] secret() {
        byte[] s = new byte[20];
        random.nextBytes(s);
        return s;
    }
}
