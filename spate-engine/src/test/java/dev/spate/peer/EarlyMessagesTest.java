package dev.spate.peer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spate.wire.ExtendedHandshake;
import dev.spate.wire.Message;
import dev.spate.wire.MessageDecoder;
import dev.spate.wire.TorrentGeometry;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/** What a peer said before the metadata, kept bounded, then checked against the piece count and replayed. */
class EarlyMessagesTest {
    /** 12 pieces: a bitfield of 2 bytes whose last 4 bits are spare. */
    final MessageDecoder twelvePieces = new MessageDecoder(TorrentGeometry.of(12L << 14, 1 << 14), true, true);
    final EarlyMessages early = new EarlyMessages();

    static Message.BitfieldMessage bits(int... bytes) {
        byte[] b = new byte[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            b[i] = (byte) bytes[i];
        }
        return new Message.BitfieldMessage(b);
    }

    @Test
    void aBitfieldAndHavesThatFitTheCountAreReplayedInAnOrderWithTheSameEffect() throws Exception {
        assertThat(early.record(new Message.Have(11))).isEmpty();
        assertThat(early.record(bits(0xf0, 0x00))).isEmpty();
        assertThat(early.record(bits(0x00, 0x10))).isEmpty();
        assertThat(early.record(Message.UNCHOKE)).isEmpty();
        early.handshake(new ExtendedHandshake(Map.of("ut_metadata", 2), OptionalInt.of(6881),
                Optional.of("libtorrent/2.0.8.0"), OptionalInt.of(250), Optional.empty(), OptionalLong.of(999)));

        EarlyMessages.Replay replay = early.replay(twelvePieces);

        assertThat(replay.violation()).isEmpty();
        ExtendedHandshake hs = ExtendedHandshake.parse((Message.Extended) replay.messages().get(0));
        assertThat(hs.client()).contains("libtorrent/2.0.8.0");
        assertThat(hs.requestQueue()).hasValue(250);
        // A have came first: the bitfields count as later ones, merged into one.
        assertThat(replay.messages().subList(1, replay.messages().size())).containsExactly(
                bits(0xf0, 0x10), new Message.Have(11), Message.UNCHOKE);
    }

    @Test
    void aBitfieldOfTheWrongLengthForTheCountIsAViolationNamingIt() {
        early.record(bits(0xff, 0xf0, 0x00));
        assertThat(early.replay(twelvePieces).violation()).contains(
                "protocol violation before the metadata: bitfield of 3 bytes for 12 pieces, expected 2");
        assertThat(early.replay(twelvePieces).messages()).isEmpty();
    }

    @Test
    void aBitfieldWithSpareBitsSetIsAViolation() {
        early.record(bits(0xff, 0xf8));
        assertThat(early.replay(twelvePieces).violation()).contains(
                "protocol violation before the metadata: bitfield has spare bits set beyond 12 pieces");
    }

    @Test
    void aHaveBeyondTheCountIsAViolation() {
        early.record(Message.HAVE_ALL);
        early.record(new Message.Have(12));
        assertThat(early.replay(twelvePieces).violation()).contains(
                "protocol violation before the metadata: have for piece 12 of 12");
    }

    @Test
    void aPeerThatSaysNothingOfItsPiecesReplaysNothing() {
        assertThat(early.replay(twelvePieces)).isEqualTo(new EarlyMessages.Replay(java.util.List.of(), Optional.empty()));
        early.record(Message.UNCHOKE);
        early.record(Message.CHOKE);
        early.record(Message.INTERESTED);
        assertThat(early.replay(twelvePieces).messages()).as("only what stands").containsExactly(Message.INTERESTED);
    }

    @Test
    void haveAllFirstThenHavesKeepsHaveAllFirst() {
        early.record(Message.HAVE_ALL);
        early.record(new Message.Have(2));
        early.record(Message.HAVE_ALL);
        assertThat(early.replay(twelvePieces).messages()).containsExactly(Message.HAVE_ALL, new Message.Have(2),
                Message.HAVE_ALL);
    }

    @Test
    void haveNoneAfterPiecesWereAnnouncedDropsThePeerAtOnce() {
        early.record(new Message.Have(1));
        assertThat(early.record(Message.HAVE_NONE))
                .contains("protocol violation: have-none after the peer's pieces were announced");
    }

    @Test
    void bitfieldsOfTwoLengthsDropThePeerAtOnce() {
        early.record(bits(0xff, 0x00));
        assertThat(early.record(bits(0xff))).contains(
                "protocol violation: bitfields of 2 and 1 bytes before the metadata: a torrent has one piece count");
    }

    @Test
    void aPeerPastTheCapOfHavesIsDropped() {
        for (int i = 0; i < EarlyMessages.MAX_HAVES; i++) {
            assertThat(early.record(new Message.Have(i))).isEmpty();
        }
        assertThat(early.haveCount()).isEqualTo(EarlyMessages.MAX_HAVES);
        assertThat(early.record(new Message.Have(0))).contains("have flood: more than " + EarlyMessages.MAX_HAVES
                + " haves before the metadata");
        assertThat(early.haveCount()).as("nothing more kept").isEqualTo(EarlyMessages.MAX_HAVES);
    }

    @Test
    void aLongClientNameIsCutAsTheSessionWouldCutIt() {
        early.handshake(new ExtendedHandshake(Map.of(), OptionalInt.empty(), Optional.of("x".repeat(10_000)),
                OptionalInt.empty(), Optional.empty(), OptionalLong.empty()));
        Message.Extended hs = (Message.Extended) early.replay(twelvePieces).messages().get(0);
        assertThat(hs.payload().length).isLessThan(100);
    }
}
