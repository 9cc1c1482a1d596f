package dev.spate.mse;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import javax.crypto.KeyAgreement;
import javax.crypto.interfaces.DHPublicKey;
import javax.crypto.spec.DHParameterSpec;
import javax.crypto.spec.DHPublicKeySpec;

/**
 * One side's Diffie-Hellman key of an MSE handshake, with the JDK's DH: the 768-bit prime MSE
 * fixes, generator 2, a 160-bit private exponent. Public keys and the shared secret travel as 96
 * big-endian bytes, left-padded with zeros.
 */
final class DiffieHellman {
    /** MSE's prime P: the 768-bit MODP group of RFC 2409 (the first Oakley group). */
    static final BigInteger P = new BigInteger(
            "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DD"
                    + "EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A63A36210000000000090563",
            16);
    static final BigInteger G = BigInteger.TWO;
    /** Ya, Yb and S are 96 bytes each. */
    static final int KEY_BYTES = 96;
    private static final int PRIVATE_BITS = 160;
    private static final DHParameterSpec GROUP = new DHParameterSpec(P, G, PRIVATE_BITS);

    private final KeyPair pair;
    private final byte[] publicKey;

    private DiffieHellman(KeyPair pair) {
        this.pair = pair;
        this.publicKey = pad(((DHPublicKey) pair.getPublic()).getY());
    }

    /** A fresh key pair. */
    static DiffieHellman generate(SecureRandom random) {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("DH");
            g.initialize(GROUP, random);
            return new DiffieHellman(g.generateKeyPair());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK cannot make 768-bit DH keys: " + e, e);
        }
    }

    /** The key pair of a given private exponent: for replaying recorded handshakes in tests. */
    static DiffieHellman ofPrivate(BigInteger x) {
        try {
            KeyFactory f = KeyFactory.getInstance("DH");
            return new DiffieHellman(new KeyPair(
                    f.generatePublic(new DHPublicKeySpec(G.modPow(x, P), P, G)),
                    f.generatePrivate(new javax.crypto.spec.DHPrivateKeySpec(x, P, G))));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK cannot make 768-bit DH keys: " + e, e);
        }
    }

    /** Our public key, 96 bytes. */
    byte[] publicKey() {
        return publicKey.clone();
    }

    /**
     * The shared secret S from the other side's 96-byte public key.
     *
     * @throws MseException when that key is not in the group (1 &lt; Y &lt; P - 1), so could force a
     *     known secret
     */
    byte[] secret(byte[] theirPublic) throws MseException {
        BigInteger y = new BigInteger(1, theirPublic);
        if (y.compareTo(BigInteger.ONE) <= 0 || y.compareTo(P.subtract(BigInteger.ONE)) >= 0) {
            throw new MseException("Diffie-Hellman public key out of range");
        }
        try {
            KeyFactory f = KeyFactory.getInstance("DH");
            KeyAgreement a = KeyAgreement.getInstance("DH");
            a.init(pair.getPrivate());
            a.doPhase(f.generatePublic(new DHPublicKeySpec(y, P, G)), true);
            return pad(new BigInteger(1, a.generateSecret()));
        } catch (GeneralSecurityException e) {
            throw new MseException("Diffie-Hellman key refused: " + e.getMessage());
        }
    }

    /** {@code v} as exactly 96 big-endian bytes. */
    static byte[] pad(BigInteger v) {
        byte[] raw = v.toByteArray();
        byte[] out = new byte[KEY_BYTES];
        int n = Math.min(raw.length, KEY_BYTES);
        System.arraycopy(raw, raw.length - n, out, KEY_BYTES - n, n);
        return out;
    }
}
