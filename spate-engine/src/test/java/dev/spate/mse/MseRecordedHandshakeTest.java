package dev.spate.mse;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spate.core.Hex;
import dev.spate.core.InfoHash;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Our two state machines replay handshakes recorded from libtorrent 2.0 (resources
 * {@code mse/libtorrent/}, made by its {@code capture.py}): with the private exponent the
 * recording's side used, and no padding, our side computes exactly the recorded secret, so
 * libtorrent's bytes decrypt as they did then, and our own output is the bytes libtorrent
 * accepted.
 */
class MseRecordedHandshakeTest {
    private static byte[] resource(String name) throws IOException {
        try (InputStream in = MseRecordedHandshakeTest.class.getResourceAsStream("/mse/libtorrent/" + name)) {
            assertThat(in).as(name).isNotNull();
            return in.readAllBytes();
        }
    }

    /** A hex string field of the recording's JSON description. */
    private static byte[] hexField(String json, String key) {
        Matcher m = Pattern.compile("\"" + key + "\": \"([0-9a-f]+)\"").matcher(json);
        assertThat(m.find()).as("field %s", key).isTrue();
        return Hex.decode(m.group(1));
    }

    private static String json(String name) throws IOException {
        return new String(resource(name), StandardCharsets.UTF_8);
    }

    private static DiffieHellman ours(String json) {
        return DiffieHellman.ofPrivate(new BigInteger(1, hexField(json, "our_private_exponent")));
    }

    @Test
    void libtorrentDiallingWithRc4ForcedIsAnsweredAndItsHandshakeAndMessagesDecrypt() throws Exception {
        String json = json("lt-initiator.json");
        InfoHash torrent = InfoHash.of(hexField(json, "info_hash"));
        byte[] sent = resource("lt-initiator-sent.bin");
        byte[] answered = resource("lt-initiator-server-sent.bin");
        MseResponder b = new MseResponder(ours(json), new byte[0], Mse.torrentsOf(() -> List.of(torrent)),
                new Mse.Acceptance(true, true, true)::select);

        b.receive(Arrays.copyOf(sent, 96));
        assertThat(b.takeOutput()).as("Yb").isEqualTo(Arrays.copyOf(answered, 96));
        b.receive(Arrays.copyOfRange(sent, 96, sent.length));

        assertThat(b.outcome().method()).as("libtorrent offered RC4 only").isEqualTo(Mse.RC4);
        assertThat(b.outcome().infoHash()).isEqualTo(torrent);
        assertThat(b.takeOutput()).as("VC, crypto_select, empty PadD, encrypted as recorded")
                .isEqualTo(Arrays.copyOfRange(answered, 96, 96 + 14));
        byte[] payload = b.outcome().leftover();
        assertThat(payload).isEqualTo(hexField(json, "ia_and_after_decrypted"));
        // The IA is libtorrent's BitTorrent handshake for the torrent.
        assertThat(Arrays.copyOf(payload, 20)).isEqualTo("\u0013BitTorrent protocol".getBytes(StandardCharsets.US_ASCII));
        assertThat(torrent.matches(payload, 28)).isTrue();
    }

    private static void replayAgainstResponder(String jsonName, String sentName, String clientSentName,
                                               int provide, int expectedSelect, boolean encrypted) throws Exception {
        String json = json(jsonName);
        InfoHash torrent = InfoHash.of(hexField(json, "info_hash"));
        byte[] libtorrent = resource(sentName);
        byte[] client = resource(clientSentName);
        byte[] ia = ourHandshake(json, torrent);
        MseInitiator a = new MseInitiator(ours(json), torrent, provide, ia, new byte[0]);

        assertThat(a.takeOutput()).as("Ya").isEqualTo(Arrays.copyOf(client, 96));
        a.receive(Arrays.copyOf(libtorrent, 96));
        assertThat(a.takeOutput()).as("req hashes and the encrypted offer, as libtorrent accepted them")
                .isEqualTo(Arrays.copyOfRange(client, 96, 220));
        a.receive(Arrays.copyOfRange(libtorrent, 96, libtorrent.length));

        assertThat(a.outcome().method()).isEqualTo(expectedSelect);
        assertThat(a.outcome().encrypt() != null).isEqualTo(encrypted);
        byte[] payload = a.outcome().leftover();
        assertThat(payload).isEqualTo(hexField(json, "payload_decrypted"));
        assertThat(Arrays.copyOf(payload, 20)).isEqualTo("\u0013BitTorrent protocol".getBytes(StandardCharsets.US_ASCII));
        assertThat(torrent.matches(payload, 28)).isTrue();
    }

    /** The capture's BitTorrent handshake, which it sent as the IA: reserved bytes and peer id from the recording. */
    private static byte[] ourHandshake(String json, InfoHash torrent) {
        return Handshaking.concat("\u0013BitTorrent protocol".getBytes(StandardCharsets.US_ASCII),
                hexField(json, "our_reserved"), torrent.bytes(), hexField(json, "our_peer_id"));
    }

    @Test
    void libtorrentForcingRc4AnswersOurRc4OfferAndItsPayloadDecrypts() throws Exception {
        replayAgainstResponder("lt-responder-rc4.json", "lt-responder-sent-rc4.bin",
                "lt-responder-client-sent-rc4.bin", Mse.RC4, Mse.RC4, true);
    }

    @Test
    void libtorrentWithDefaultSettingsSelectsPlaintextFromOurOfferOfBoth() throws Exception {
        replayAgainstResponder("lt-responder-both.json", "lt-responder-sent-both.bin",
                "lt-responder-client-sent-both.bin", Mse.RC4 | Mse.PLAINTEXT, Mse.PLAINTEXT, false);
    }

    @Test
    void theRecordedStreamsFedOneByteAtATimeEndTheSame() throws Exception {
        String json = json("lt-responder-rc4.json");
        InfoHash torrent = InfoHash.of(hexField(json, "info_hash"));
        byte[] libtorrent = resource("lt-responder-sent-rc4.bin");
        MseInitiator a = new MseInitiator(ours(json), torrent, Mse.RC4, ourHandshake(json, torrent), new byte[0]);
        int at = 0;
        while (a.outcome() == null) {
            a.receive(new byte[] {libtorrent[at++]});
        }
        assertThat(at).as("the handshake ends where the recording's payload starts").isEqualTo(894);
        byte[] rest = Arrays.copyOfRange(libtorrent, at, libtorrent.length);
        a.outcome().decrypt().apply(rest, 0, rest.length);
        assertThat(Handshaking.concat(a.outcome().leftover(), rest)).isEqualTo(hexField(json, "payload_decrypted"));
    }
}
