package dev.spate.mse;

import dev.spate.core.InfoHash;
import java.nio.ByteBuffer;
import java.util.Optional;
import java.util.function.Function;

/**
 * The side that accepts (B): on Ya sends Yb and PadB; finds HASH('req1', S) after PadA; learns
 * the torrent from req2 xor req3; decrypts VC, crypto_provide, PadC and the initial payload (IA);
 * answers, RC4-encrypted, with VC, crypto_select and an empty PadD. What follows is the payload
 * stream, in the selected method; the IA comes first in {@link Outcome#leftover}.
 *
 * <p>Bounds: req1 must come within 512 + 20 bytes of Ya, PadC is at most 512 bytes, VC must be
 * zero (else the keys differ: another torrent, or noise). A state machine over bytes, no IO.
 */
final class MseResponder extends Handshaking {
    private enum State { YA, REQ1, REQ2, OFFER, PAD_C, IA_LENGTH, IA }

    /** How a responder answers an offer. */
    interface Chooser {
        /**
         * The method to select from the offered bits, or an explanation of why none is acceptable.
         *
         * @return one of {@code 0x01} or {@code 0x02}, offered
         * @throws MseException naming why none will do
         */
        int select(int provided) throws MseException;
    }

    private final DiffieHellman keys;
    private final byte[] padB;
    private final Function<byte[], Optional<InfoHash>> torrents;
    private final Chooser chooser;
    private State state = State.YA;
    private byte[] s;
    private byte[] req1;
    private long yaEnd;
    private InfoHash skey;
    private Rc4 decrypt;
    private Rc4 encrypt;
    private int provided;
    private int padC;
    private int iaLength;

    /**
     * @param torrents finds the info-hash whose HASH('req2', info-hash) is the given 20 bytes
     * @param padB PadB, 0 to 512 random bytes
     */
    MseResponder(DiffieHellman keys, byte[] padB, Function<byte[], Optional<InfoHash>> torrents, Chooser chooser) {
        if (padB.length > MAX_PAD) {
            throw new IllegalArgumentException("PadB of " + padB.length);
        }
        this.keys = keys;
        this.padB = padB.clone();
        this.torrents = torrents;
        this.chooser = chooser;
    }

    @Override
    boolean step(ByteBuffer in) throws MseException {
        switch (state) {
            case YA -> {
                if (in.remaining() < DiffieHellman.KEY_BYTES) {
                    return false;
                }
                byte[] ya = new byte[DiffieHellman.KEY_BYTES];
                in.get(ya);
                s = keys.secret(ya);
                req1 = req1(s);
                yaEnd = received() - in.remaining();
                send(concat(keys.publicKey(), padB));
                state = State.REQ1;
                return true;
            }
            case REQ1 -> {
                int at = indexOf(in, req1);
                if (at < 0) {
                    if (received() - yaEnd >= MAX_PAD + req1.length) {
                        throw new MseException("no req1 hash within " + (MAX_PAD + req1.length)
                                + " bytes after Ya");
                    }
                    in.position(Math.max(in.position(), in.limit() - (req1.length - 1)));
                    return false;
                }
                long padA = (received() - yaEnd) - in.remaining() + at;
                if (padA > MAX_PAD) {
                    throw new MseException("PadA of " + padA + " bytes exceeds " + MAX_PAD);
                }
                in.position(in.position() + at + req1.length);
                state = State.REQ2;
                return true;
            }
            case REQ2 -> {
                if (in.remaining() < 20) {
                    return false;
                }
                byte[] masked = new byte[20];
                in.get(masked);
                skey = torrents.apply(xor(masked, req3(s)))
                        .orElseThrow(() -> new MseException("req2 names no torrent of ours"));
                decrypt = key("keyA", s, skey);
                encrypt = key("keyB", s, skey);
                state = State.OFFER;
                return true;
            }
            case OFFER -> {
                if (in.remaining() < VC_LENGTH + 6) {
                    return false;
                }
                byte[] b = take(in, VC_LENGTH + 6, decrypt);
                if (!allZero(b, 0, VC_LENGTH)) {
                    throw new MseException("verification constant is not zero");
                }
                provided = u32(b, VC_LENGTH);
                padC = u16(b, VC_LENGTH + 4);
                if (padC > MAX_PAD) {
                    throw new MseException("PadC length " + padC + " exceeds " + MAX_PAD);
                }
                state = State.PAD_C;
                return true;
            }
            case PAD_C -> {
                if (in.remaining() < padC) {
                    return false;
                }
                take(in, padC, decrypt);
                state = State.IA_LENGTH;
                return true;
            }
            case IA_LENGTH -> {
                if (in.remaining() < 2) {
                    return false;
                }
                iaLength = u16(take(in, 2, decrypt), 0);
                state = State.IA;
                return true;
            }
            case IA -> {
                if (in.remaining() < iaLength) {
                    return false;
                }
                int select = chooser.select(provided);
                if (Integer.bitCount(select) != 1 || (select & provided) == 0) {
                    throw new IllegalStateException("chose 0x" + Integer.toHexString(select) + " of 0x"
                            + Integer.toHexString(provided));
                }
                byte[] ia = take(in, iaLength, decrypt);
                byte[] answer = concat(zeros(VC_LENGTH), MseInitiator.u32(select), MseInitiator.u16(0));
                encrypt.apply(answer, 0, answer.length);
                send(answer);
                // The IA is the start of the payload stream as the layers above read it.
                finish(select, skey, decrypt, encrypt, ia, in);
                return false;
            }
            default -> throw new AssertionError(state);
        }
    }
}
