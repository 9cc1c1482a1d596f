package dev.spate.wire;

import static dev.spate.wire.Frames.ALL;
import static dev.spate.wire.Frames.PLAIN;
import static dev.spate.wire.Frames.bytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every rule of {@link MessageDecoder}, broken once, against ten pieces whose last is 20000 bytes. */
class MessageDecoderRejectionTest {

    static void rejects(MessageDecoder decoder, byte[] frame, String message) {
        assertThatThrownBy(() -> decoder.decode(frame, 0, frame.length))
                .isInstanceOf(WireException.class)
                .hasMessage(message);
    }

    static Stream<Arguments> brokenFrames() {
        return Stream.of(
                // framing
                Arguments.of(bytes(0, 0, 0), "frame of 3 bytes has no 4-byte length prefix"),
                Arguments.of(bytes(0, 0, 0, 5, 4, 0, 0, 0), "length prefix says 5 bytes but the frame holds 4"),
                Arguments.of(bytes(0, 0, 0, 1, 0, 0), "length prefix says 1 byte but the frame holds 2"),
                Arguments.of(bytes(0, 0, 0, 1, 42), "unknown message id 42"),
                Arguments.of(bytes(0, 0, 0, 1, 255), "unknown message id 255"),
                // fixed sizes (BEP 3, 5, 6)
                Arguments.of(bytes(0, 0, 0, 2, 0, 0), "choke message of 2 bytes, expected 1"),
                Arguments.of(bytes(0, 0, 0, 2, 3, 0), "not interested message of 2 bytes, expected 1"),
                Arguments.of(bytes(0, 0, 0, 6, 4, 0, 0, 0, 1, 0), "have message of 6 bytes, expected 5"),
                Arguments.of(bytes(0, 0, 0, 12, 6, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1), "request message of 12 bytes, expected 13"),
                Arguments.of(bytes(0, 0, 0, 14, 8, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0), "cancel message of 14 bytes, expected 13"),
                Arguments.of(bytes(0, 0, 0, 5, 9, 0, 0, 0x1a, 0xe1), "port message of 5 bytes, expected 3"),
                Arguments.of(bytes(0, 0, 0, 2, 0x0e, 0), "have all message of 2 bytes, expected 1"),
                Arguments.of(bytes(0, 0, 0, 4, 0x0d, 0, 0, 1), "suggest message of 4 bytes, expected 5"),
                Arguments.of(bytes(0, 0, 0, 1, 0x10), "reject message of 1 byte, expected 13"),
                // indices (BEP 3, 6)
                Arguments.of(bytes(0, 0, 0, 5, 4, 0, 0, 0, 12), "have for piece 12 of 10"),
                Arguments.of(bytes(0, 0, 0, 5, 4, 0, 0, 0, 10), "have for piece 10 of 10"),
                Arguments.of(bytes(0, 0, 0, 5, 4, 0xff, 0xff, 0xff, 0xff), "have for piece 4294967295 of 10"),
                Arguments.of(bytes(0, 0, 0, 5, 0x0d, 0, 0, 0, 10), "suggest for piece 10 of 10"),
                Arguments.of(bytes(0, 0, 0, 5, 0x11, 0x80, 0, 0, 0), "allowed fast for piece 2147483648 of 10"),
                Arguments.of(bytes(0, 0, 0, 13, 6, 0, 0, 0, 10, 0, 0, 0, 0, 0, 0, 0x40, 0), "request for piece 10 of 10"),
                Arguments.of(bytes(0, 0, 0, 13, 8, 0, 0, 0, 11, 0, 0, 0, 0, 0, 0, 0x40, 0), "cancel for piece 11 of 10"),
                Arguments.of(bytes(0, 0, 0, 13, 0x10, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0x40, 0), "reject for piece 256 of 10"),
                // request lengths (BEP 3: more than 2^14 may be refused)
                Arguments.of(bytes(0, 0, 0, 13, 6, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0), "request for 0 bytes"),
                Arguments.of(bytes(0, 0, 0, 13, 6, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0x80, 0), "request for 32768 bytes exceeds 16384"),
                Arguments.of(bytes(0, 0, 0, 13, 6, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0x40, 1), "request for 16385 bytes exceeds 16384"),
                Arguments.of(bytes(0, 0, 0, 13, 8, 0, 0, 0, 1, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff), "cancel for 4294967295 bytes exceeds 16384"),
                Arguments.of(bytes(0, 0, 0, 13, 0x10, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0), "reject for 0 bytes"),
                // blocks inside their piece, the last one short
                Arguments.of(bytes(0, 0, 0, 13, 6, 0, 0, 0, 9, 0, 0, 0x40, 0, 0, 0, 0x40, 0),
                        "request for 16384 bytes at 16384 beyond the 20000 bytes of piece 9"),
                Arguments.of(bytes(0, 0, 0, 13, 6, 0, 0, 0, 0, 0, 0, 0x40, 1, 0, 0, 0x40, 0),
                        "request for 16384 bytes at 16385 beyond the 32768 bytes of piece 0"),
                Arguments.of(bytes(0, 0, 0, 13, 6, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0, 0, 0x40, 0),
                        "request for 16384 bytes at 4294967295 beyond the 32768 bytes of piece 0"),
                Arguments.of(bytes(0, 0, 0, 13, 8, 0, 0, 0, 9, 0, 0, 0x4e, 0x20, 0, 0, 0, 1),
                        "cancel for 1 byte at 20000 beyond the 20000 bytes of piece 9"),
                Arguments.of(bytes(0, 0, 0, 13, 0x10, 0, 0, 0, 9, 0, 0, 0x40, 0, 0, 0, 0x0e, 0x21),
                        "reject for 3617 bytes at 16384 beyond the 20000 bytes of piece 9"),
                // piece messages
                Arguments.of(Frames.concat(bytes(0, 0, 0x40, 0x0a, 7, 0, 0, 0, 0, 0, 0, 0, 0), new byte[16385]),
                        "piece message of 16394 bytes exceeds 16393"),
                Arguments.of(bytes(0, 0, 0, 9, 7, 0, 0, 0, 0, 0, 0, 0, 0), "piece message of 9 bytes has no block"),
                Arguments.of(bytes(0, 0, 0, 5, 7, 0, 0, 0, 0), "piece message of 5 bytes has no block"),
                Arguments.of(bytes(0, 0, 0, 10, 7, 0, 0, 0, 10, 0, 0, 0, 0, 1), "piece message for piece 10 of 10"),
                Arguments.of(Frames.concat(bytes(0, 0, 0x40, 9, 7, 0, 0, 0, 9, 0, 0, 0x40, 0), new byte[16384]),
                        "piece block of 16384 bytes at 16384 beyond the 20000 bytes of piece 9"),
                Arguments.of(bytes(0, 0, 0, 11, 7, 0, 0, 0, 0, 0, 0, 0x7f, 0xff, 1, 2),
                        "piece block of 2 bytes at 32767 beyond the 32768 bytes of piece 0"),
                // bitfields (BEP 3)
                Arguments.of(bytes(0, 0, 0, 4, 5, 0xff, 0xc0, 0), "bitfield of 3 bytes for 10 pieces, expected 2"),
                Arguments.of(bytes(0, 0, 0, 2, 5, 0xff), "bitfield of 1 byte for 10 pieces, expected 2"),
                Arguments.of(bytes(0, 0, 0, 3, 5, 0xff, 0xe0), "bitfield has spare bits set beyond 10 pieces"),
                Arguments.of(bytes(0, 0, 0, 3, 5, 0, 0x01), "bitfield has spare bits set beyond 10 pieces"),
                // extended messages (BEP 10)
                Arguments.of(bytes(0, 0, 0, 1, 20), "extended message of 1 byte has no extended id"),
                Arguments.of(Frames.concat(bytes(0, 0x10, 0, 1, 20, 1), new byte[(1 << 20) - 1]),
                        "extended message of 1048577 bytes exceeds 1048576"));
    }

    @ParameterizedTest(name = "{1}")
    @MethodSource("brokenFrames")
    void rejectsAFrameThatBreaksARule(byte[] frame, String message) {
        rejects(ALL, frame, message);
    }

    @Test
    void acceptsTheLargestExtendedMessage() throws Exception {
        byte[] frame = Frames.concat(bytes(0, 0x10, 0, 0, 20, 1), new byte[(1 << 20) - 2]);
        assertThat(ALL.decode(frame, 0, frame.length)).isInstanceOf(Message.Extended.class);
    }

    @Test
    void acceptsTheLargestBlock() throws Exception {
        byte[] frame = Frames.concat(bytes(0, 0, 0x40, 9, 7, 0, 0, 0, 0, 0, 0, 0x40, 0), new byte[16384]);
        assertThat(((Message.Piece) ALL.decode(frame, 0, frame.length)).length()).isEqualTo(16384);
    }

    static Stream<Arguments> fastMessages() {
        return Stream.of(
                Arguments.of(bytes(0, 0, 0, 1, 0x0e), "have all without the fast extension (BEP 6)"),
                Arguments.of(bytes(0, 0, 0, 1, 0x0f), "have none without the fast extension (BEP 6)"),
                Arguments.of(bytes(0, 0, 0, 5, 0x0d, 0, 0, 0, 1), "suggest without the fast extension (BEP 6)"),
                Arguments.of(bytes(0, 0, 0, 13, 0x10, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0x40, 0), "reject without the fast extension (BEP 6)"),
                Arguments.of(bytes(0, 0, 0, 5, 0x11, 0, 0, 0, 1), "allowed fast without the fast extension (BEP 6)"),
                Arguments.of(bytes(0, 0, 0, 3, 20, 0, 'x'), "extended message without the extension protocol (BEP 10)"));
    }

    @ParameterizedTest(name = "{1}")
    @MethodSource("fastMessages")
    void rejectsExtensionMessagesThatWereNotNegotiated(byte[] frame, String message) throws Exception {
        rejects(PLAIN, frame, message);
        assertThat(ALL.decode(frame, 0, frame.length)).isNotNull();
    }

    @Test
    void negotiatesOnlyWhatBothHandshakesAnnounce() {
        Handshake ours = Handshake.ours(dev.spate.core.InfoHash.of(new byte[20]), dev.spate.core.PeerId.random());
        byte[] fastOnly = new byte[8];
        fastOnly[7] = 0x04;
        Handshake theirs = new Handshake(fastOnly, ours.infoHash(), dev.spate.core.PeerId.random());
        MessageDecoder decoder = MessageDecoder.negotiated(Frames.GEOMETRY, ours, theirs);
        assertThat(decoder.fastExtension()).isTrue();
        assertThat(decoder.extensionProtocol()).isFalse();
    }
}
