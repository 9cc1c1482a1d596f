package dev.spate.mse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spate.core.InfoHash;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** Both sides of the MSE handshake in memory: bytes in, state out, no sockets. */
class MseHandshakeTest {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final InfoHash TORRENT = InfoHash.of(filled(20, 0x11));
    private static final InfoHash OTHER = InfoHash.of(filled(20, 0x22));
    private static final byte[] IA = "a BitTorrent handshake, 68 bytes in real life".getBytes(StandardCharsets.US_ASCII);
    private static final Function<byte[], Optional<InfoHash>> OURS = Mse.torrentsOf(() -> List.of(OTHER, TORRENT));

    private static byte[] filled(int n, int value) {
        byte[] b = new byte[n];
        Arrays.fill(b, (byte) value);
        return b;
    }

    private static byte[] random(int n) {
        byte[] b = new byte[n];
        RANDOM.nextBytes(b);
        return b;
    }

    private static MseInitiator initiator(int provide, int padA) {
        return new MseInitiator(DiffieHellman.generate(RANDOM), TORRENT, provide, IA, random(padA));
    }

    private static MseResponder responder(Mse.Acceptance acceptance, int padB) {
        return new MseResponder(DiffieHellman.generate(RANDOM), random(padB), OURS, acceptance::select);
    }

    private static final Mse.Acceptance EITHER_PREFER_PLAIN = new Mse.Acceptance(true, true, true);
    private static final Mse.Acceptance RC4_ONLY = new Mse.Acceptance(false, true, false);

    /** Shuttles bytes between the two until both finish, in chunks of at most {@code chunk} bytes. */
    private static void run(MseInitiator a, MseResponder b, int chunk) throws MseException {
        for (int round = 0; round < 100 && (a.outcome() == null || b.outcome() == null); round++) {
            feed(b, a.takeOutput(), chunk);
            feed(a, b.takeOutput(), chunk);
        }
        assertThat(a.outcome()).as("initiator finished").isNotNull();
        assertThat(b.outcome()).as("responder finished").isNotNull();
    }

    private static void feed(Handshaking to, byte[] bytes, int chunk) throws MseException {
        for (int at = 0; at < bytes.length; at += chunk) {
            to.receive(Arrays.copyOfRange(bytes, at, Math.min(bytes.length, at + chunk)));
        }
    }

    @Test
    void anRc4OnlyOfferEndsInRc4OnBothSidesAndTheResponderFindsTheTorrentAndTheInitialPayload() throws Exception {
        MseInitiator a = initiator(Mse.RC4, 300);
        MseResponder b = responder(EITHER_PREFER_PLAIN, 200);
        run(a, b, 4096);
        assertThat(a.outcome().method()).isEqualTo(Mse.RC4);
        assertThat(b.outcome().method()).isEqualTo(Mse.RC4);
        assertThat(b.outcome().infoHash()).isEqualTo(TORRENT);
        assertThat(b.outcome().leftover()).isEqualTo(IA);
        assertThat(a.outcome().leftover()).isEmpty();
    }

    @Test
    void thePayloadStreamsContinueTheHandshakesKeyStreamsInBothDirections() throws Exception {
        MseInitiator a = initiator(Mse.RC4, 0);
        MseResponder b = responder(RC4_ONLY, 0);
        run(a, b, 4096);
        byte[] fromA = "bitfield from A".getBytes(StandardCharsets.US_ASCII);
        byte[] wire = fromA.clone();
        a.outcome().encrypt().apply(wire, 0, wire.length);
        assertThat(wire).isNotEqualTo(fromA);
        b.outcome().decrypt().apply(wire, 0, wire.length);
        assertThat(wire).isEqualTo(fromA);
        byte[] fromB = "handshake from B".getBytes(StandardCharsets.US_ASCII);
        wire = fromB.clone();
        b.outcome().encrypt().apply(wire, 0, wire.length);
        a.outcome().decrypt().apply(wire, 0, wire.length);
        assertThat(wire).isEqualTo(fromB);
    }

    @Test
    void aResponderThatPrefersPlaintextSelectsItWhenBothAreOffered() throws Exception {
        MseInitiator a = initiator(Mse.PLAINTEXT | Mse.RC4, 10);
        MseResponder b = responder(EITHER_PREFER_PLAIN, 10);
        run(a, b, 4096);
        assertThat(a.outcome().method()).isEqualTo(Mse.PLAINTEXT);
        assertThat(b.outcome().method()).isEqualTo(Mse.PLAINTEXT);
        assertThat(a.outcome().encrypt()).isNull();
        // the IA is always encrypted, and arrives decrypted
        assertThat(b.outcome().leftover()).isEqualTo(IA);
    }

    @Test
    void aResponderThatAcceptsOnlyRc4SelectsItFromABothOffer() throws Exception {
        MseInitiator a = initiator(Mse.PLAINTEXT | Mse.RC4, 10);
        MseResponder b = responder(RC4_ONLY, 10);
        run(a, b, 4096);
        assertThat(a.outcome().method()).isEqualTo(Mse.RC4);
    }

    @Test
    void aResponderWithoutPreferenceSelectsRc4WhenBothAreOffered() throws Exception {
        MseInitiator a = initiator(Mse.PLAINTEXT | Mse.RC4, 10);
        MseResponder b = responder(new Mse.Acceptance(true, true, false), 10);
        run(a, b, 4096);
        assertThat(b.outcome().method()).isEqualTo(Mse.RC4);
    }

    @Test
    void aResponderThatRequiresRc4RefusesAPlaintextOnlyOfferSayingWhy() {
        MseInitiator a = initiator(Mse.PLAINTEXT, 10);
        MseResponder b = responder(RC4_ONLY, 10);
        assertThatThrownBy(() -> run(a, b, 4096)).isInstanceOf(MseException.class)
                .hasMessage("peer offers plaintext, we accept RC4 only");
    }

    @Test
    void bytesArrivingOneAtATimeGiveTheSameOutcome() throws Exception {
        MseInitiator a = initiator(Mse.RC4, 512);
        MseResponder b = responder(RC4_ONLY, 512);
        run(a, b, 1);
        assertThat(b.outcome().leftover()).isEqualTo(IA);
        assertThat(a.outcome().method()).isEqualTo(Mse.RC4);
    }

    @Test
    void bytesAfterTheHandshakeInTheSameReadAreKeptDecryptedForThePayload() throws Exception {
        MseInitiator a = initiator(Mse.RC4, 0);
        MseResponder b = responder(RC4_ONLY, 0);
        b.receive(a.takeOutput());
        a.receive(b.takeOutput());
        b.receive(a.takeOutput());
        byte[] answer = b.takeOutput();
        byte[] payload = "B's handshake".getBytes(StandardCharsets.US_ASCII);
        byte[] wire = payload.clone();
        b.outcome().encrypt().apply(wire, 0, wire.length);
        byte[] together = Handshaking.concat(answer, wire);
        a.receive(together);
        assertThat(a.outcome().leftover()).isEqualTo(payload);
    }

    @Test
    void aTorrentWeDoNotHaveEndsTheHandshakeAtReq2() {
        MseInitiator a = initiator(Mse.RC4, 0);
        MseResponder b = new MseResponder(DiffieHellman.generate(RANDOM), new byte[0],
                Mse.torrentsOf(() -> List.of(OTHER)), RC4_ONLY::select);
        assertThatThrownBy(() -> run(a, b, 4096)).isInstanceOf(MseException.class)
                .hasMessage("req2 names no torrent of ours");
    }

    @Test
    void keysForAnotherTorrentShowAsANonZeroVerificationConstant() {
        MseInitiator a = initiator(Mse.RC4, 0);
        // a lookup that answers the wrong torrent: its keys cannot decrypt the VC to zeros
        MseResponder b = new MseResponder(DiffieHellman.generate(RANDOM), new byte[0], req2 -> Optional.of(OTHER),
                RC4_ONLY::select);
        assertThatThrownBy(() -> run(a, b, 4096)).isInstanceOf(MseException.class)
                .hasMessage("verification constant is not zero");
    }

    @Test
    void aPadAOf512BytesIsFoundAndOneByteMoreIsRefused() throws Exception {
        MseResponder ok = responder(RC4_ONLY, 0);
        MseInitiator a = initiator(Mse.RC4, 512);
        ok.receive(a.takeOutput());
        a.receive(ok.takeOutput());
        ok.receive(a.takeOutput());
        assertThat(ok.outcome()).isNotNull();

        MseResponder b = responder(RC4_ONLY, 0);
        MseInitiator c = initiator(Mse.RC4, 512);
        b.receive(c.takeOutput());
        b.receive(new byte[] {42}); // the 513th byte of padding
        c.receive(b.takeOutput());
        assertThatThrownBy(() -> b.receive(c.takeOutput())).isInstanceOf(MseException.class)
                .hasMessage("PadA of 513 bytes exceeds 512");
    }

    @Test
    void noiseInsteadOfReq1IsGivenUpOnAfter532BytesNotBefore() throws Exception {
        MseResponder b = responder(RC4_ONLY, 0);
        b.receive(DiffieHellman.generate(RANDOM).publicKey());
        b.receive(random(531));
        assertThat(b.outcome()).isNull();
        assertThatThrownBy(() -> b.receive(random(1))).isInstanceOf(MseException.class)
                .hasMessage("no req1 hash within 532 bytes after Ya");
    }

    @Test
    void noiseInsteadOfTheVerificationConstantIsGivenUpOnAfter520Bytes() throws Exception {
        MseInitiator a = initiator(Mse.RC4, 0);
        a.receive(DiffieHellman.generate(RANDOM).publicKey());
        a.receive(random(519));
        assertThat(a.outcome()).isNull();
        assertThatThrownBy(() -> a.receive(random(1))).isInstanceOf(MseException.class)
                .hasMessage("no verification constant within 520 bytes after Yb");
    }

    @Test
    void aPeerAnsweringOurYaWithAPlaintextHandshakeIsToldApartAtOnce() throws Exception {
        MseInitiator a = initiator(Mse.RC4 | Mse.PLAINTEXT, 0);
        a.receive("\u0013BitTorrent protocol".substring(0, 10).getBytes(StandardCharsets.US_ASCII));
        assertThat(a.outcome()).isNull();
        assertThatThrownBy(() -> a.receive(("BitTorrent protocol".substring(9) + "\0\0\0\0\0\0\0\0")
                .getBytes(StandardCharsets.US_ASCII))).isInstanceOf(MseException.class)
                .hasMessage("peer answered with a plaintext BitTorrent handshake: it does not speak MSE");
    }

    @Test
    void aPublicKeyOfZeroOrPMinusOneIsRefused() {
        MseResponder b = responder(RC4_ONLY, 0);
        assertThatThrownBy(() -> b.receive(new byte[96])).isInstanceOf(MseException.class)
                .hasMessage("Diffie-Hellman public key out of range");
        MseInitiator a = initiator(Mse.RC4, 0);
        assertThatThrownBy(() -> a.receive(DiffieHellman.pad(DiffieHellman.P.subtract(BigInteger.ONE))))
                .isInstanceOf(MseException.class).hasMessage("Diffie-Hellman public key out of range");
    }

    /** A responder we script byte by byte, to send what no honest one would. */
    private static final class ScriptedResponder {
        final DiffieHellman keys = DiffieHellman.generate(RANDOM);
        Rc4 encrypt;

        byte[] yb(byte[] initiatorFirst) throws MseException {
            byte[] ya = Arrays.copyOf(initiatorFirst, 96);
            byte[] s = keys.secret(ya);
            encrypt = Handshaking.key("keyB", s, TORRENT);
            return keys.publicKey();
        }

        byte[] answer(int select, int padD) {
            byte[] b = Handshaking.concat(new byte[8], MseInitiator.u32(select), MseInitiator.u16(padD));
            encrypt.apply(b, 0, b.length);
            return b;
        }
    }

    @Test
    void aSelectOfAMethodNotOfferedIsRefused() throws Exception {
        MseInitiator a = initiator(Mse.RC4, 0);
        ScriptedResponder b = new ScriptedResponder();
        a.receive(b.yb(a.takeOutput()));
        assertThatThrownBy(() -> a.receive(b.answer(Mse.PLAINTEXT, 0))).isInstanceOf(MseException.class)
                .hasMessage("peer selected plaintext (crypto_select 0x1), we offered RC4");
    }

    @Test
    void aSelectOfBothMethodsIsRefused() throws Exception {
        MseInitiator a = initiator(Mse.RC4 | Mse.PLAINTEXT, 0);
        ScriptedResponder b = new ScriptedResponder();
        a.receive(b.yb(a.takeOutput()));
        assertThatThrownBy(() -> a.receive(b.answer(3, 0))).isInstanceOf(MseException.class)
                .hasMessageStartingWith("peer selected plaintext and RC4 (crypto_select 0x3)");
    }

    @Test
    void aPadDLongerThan512BytesIsRefused() throws Exception {
        MseInitiator a = initiator(Mse.RC4, 0);
        ScriptedResponder b = new ScriptedResponder();
        a.receive(b.yb(a.takeOutput()));
        assertThatThrownBy(() -> a.receive(b.answer(Mse.RC4, 513))).isInstanceOf(MseException.class)
                .hasMessage("PadD length 513 exceeds 512");
    }

    @Test
    void aPadCLongerThan512BytesIsRefused() throws Exception {
        // An initiator we script: its offer claims a PadC of 600 bytes.
        DiffieHellman keys = DiffieHellman.generate(RANDOM);
        MseResponder b = responder(RC4_ONLY, 0);
        b.receive(keys.publicKey());
        byte[] yb = Arrays.copyOf(b.takeOutput(), 96);
        byte[] s = keys.secret(yb);
        Rc4 encrypt = Handshaking.key("keyA", s, TORRENT);
        byte[] offer = Handshaking.concat(new byte[8], MseInitiator.u32(Mse.RC4), MseInitiator.u16(600));
        encrypt.apply(offer, 0, offer.length);
        assertThatThrownBy(() -> b.receive(Handshaking.concat(Handshaking.req1(s),
                Handshaking.xor(Handshaking.req2(TORRENT), Handshaking.req3(s)), offer)))
                .isInstanceOf(MseException.class).hasMessage("PadC length 600 exceeds 512");
    }

    @Test
    void aRandomPeerNeverMakesAHandshakeGrowWithoutBound() {
        Random random = new Random(11);
        for (int round = 0; round < 200; round++) {
            MseResponder b = responder(EITHER_PREFER_PLAIN, 0);
            try {
                for (int i = 0; i < 100 && b.outcome() == null; i++) {
                    byte[] junk = new byte[1 + random.nextInt(64)];
                    random.nextBytes(junk);
                    b.receive(junk);
                }
            } catch (MseException expected) {
                continue;
            }
            assertThat(b.outcome()).isNull();
            assertThat(b.received()).isLessThanOrEqualTo(96 + 532 + 64);
        }
    }
}
