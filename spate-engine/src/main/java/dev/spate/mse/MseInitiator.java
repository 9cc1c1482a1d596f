package dev.spate.mse;

import dev.spate.core.InfoHash;
import java.nio.ByteBuffer;

/**
 * The side that dials (A): sends Ya and PadA; on Yb sends the req hashes and, RC4-encrypted, VC,
 * crypto_provide, PadC and the initial payload (IA, our BitTorrent handshake); then finds the
 * responder's encrypted VC after PadB and reads crypto_select and PadD. What follows is the
 * payload stream, in the selected method.
 *
 * <p>Bounds: the encrypted VC must come within 512 + 8 bytes of Yb, PadD is at most 512 bytes,
 * the selected method must be exactly one of those offered. A state machine over bytes, no IO.
 */
final class MseInitiator extends Handshaking {
    private enum State { YB, VC, SELECT, PAD_D }

    private final DiffieHellman keys;
    private final InfoHash skey;
    private final int provide;
    private final byte[] initialPayload;
    private State state = State.YB;
    private Rc4 encrypt;
    private Rc4 decrypt;
    /** The responder's VC as it looks on the wire: 8 zeros under keyB's stream. */
    private byte[] encryptedVc;
    private long ybEnd;
    private int select;
    private int padD;

    /**
     * @param provide the methods we offer (bits {@code 0x01} plaintext, {@code 0x02} RC4)
     * @param initialPayload what the responder gets with our offer: our BitTorrent handshake
     * @param padA PadA, 0 to 512 random bytes
     */
    MseInitiator(DiffieHellman keys, InfoHash skey, int provide, byte[] initialPayload, byte[] padA) {
        if ((provide & (PLAINTEXT | RC4)) == 0 || (provide & ~(PLAINTEXT | RC4)) != 0) {
            throw new IllegalArgumentException("crypto_provide 0x" + Integer.toHexString(provide));
        }
        if (padA.length > MAX_PAD || initialPayload.length > 0xffff) {
            throw new IllegalArgumentException("PadA of " + padA.length + " or IA of " + initialPayload.length);
        }
        this.keys = keys;
        this.skey = skey;
        this.provide = provide;
        this.initialPayload = initialPayload.clone();
        send(concat(keys.publicKey(), padA));
    }

    @Override
    boolean step(ByteBuffer in) throws MseException {
        switch (state) {
            case YB -> {
                if (startsWithPlaintextHandshake(in)) {
                    // A peer that does not speak MSE, answering our Ya as if it were a handshake:
                    // say so now rather than wait out the timeout for a Yb that will not come.
                    throw new MseException("peer answered with a plaintext BitTorrent handshake: it does not speak MSE");
                }
                if (in.remaining() < DiffieHellman.KEY_BYTES) {
                    return false;
                }
                byte[] yb = new byte[DiffieHellman.KEY_BYTES];
                in.get(yb);
                byte[] s = keys.secret(yb);
                encrypt = key("keyA", s, skey);
                decrypt = key("keyB", s, skey);
                encryptedVc = zeros(VC_LENGTH);
                decrypt.apply(encryptedVc, 0, VC_LENGTH); // decrypt now stands just past the VC
                ybEnd = received() - in.remaining();
                byte[] offer = concat(zeros(VC_LENGTH), u32(provide), u16(0), u16(initialPayload.length),
                        initialPayload);
                encrypt.apply(offer, 0, offer.length);
                send(concat(req1(s), xor(req2(skey), req3(s)), offer));
                state = State.VC;
                return true;
            }
            case VC -> {
                int at = indexOf(in, encryptedVc);
                long scanned = received() - ybEnd;
                if (at < 0) {
                    if (scanned >= MAX_PAD + VC_LENGTH) {
                        throw new MseException("no verification constant within " + (MAX_PAD + VC_LENGTH)
                                + " bytes after Yb");
                    }
                    // Keep the last 7 bytes, which may start the VC.
                    in.position(Math.max(in.position(), in.limit() - (VC_LENGTH - 1)));
                    return false;
                }
                long padB = (received() - ybEnd) - in.remaining() + at;
                if (padB > MAX_PAD) {
                    throw new MseException("PadB of " + padB + " bytes exceeds " + MAX_PAD);
                }
                in.position(in.position() + at + VC_LENGTH);
                state = State.SELECT;
                return true;
            }
            case SELECT -> {
                if (in.remaining() < 6) {
                    return false;
                }
                byte[] b = take(in, 6, decrypt);
                select = u32(b, 0);
                padD = u16(b, 4);
                if (Integer.bitCount(select) != 1 || (select & provide) == 0) {
                    throw new MseException("peer selected " + methods(select) + " (crypto_select 0x"
                            + Integer.toHexString(select) + "), we offered " + methods(provide));
                }
                if (padD > MAX_PAD) {
                    throw new MseException("PadD length " + padD + " exceeds " + MAX_PAD);
                }
                state = State.PAD_D;
                return true;
            }
            case PAD_D -> {
                if (in.remaining() < padD) {
                    return false;
                }
                take(in, padD, decrypt);
                finish(select, skey, decrypt, encrypt, new byte[0], in);
                return false;
            }
            default -> throw new AssertionError(state);
        }
    }

    private static final byte[] PLAINTEXT_HEADER = ascii("\u0013BitTorrent protocol");

    /** Whether the input so far is BEP 3's header, all 20 bytes of it (a random Yb is not, but for 2^-160). */
    private static boolean startsWithPlaintextHandshake(ByteBuffer in) {
        if (in.remaining() < PLAINTEXT_HEADER.length) {
            return false;
        }
        for (int i = 0; i < PLAINTEXT_HEADER.length; i++) {
            if (in.get(in.position() + i) != PLAINTEXT_HEADER[i]) {
                return false;
            }
        }
        return true;
    }

    static byte[] u32(int v) {
        return new byte[] {(byte) (v >>> 24), (byte) (v >>> 16), (byte) (v >>> 8), (byte) v};
    }

    static byte[] u16(int v) {
        return new byte[] {(byte) (v >>> 8), (byte) v};
    }
}
