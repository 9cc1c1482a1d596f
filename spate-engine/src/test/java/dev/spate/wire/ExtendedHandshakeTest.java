package dev.spate.wire;

import static dev.spate.wire.Frames.bytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class ExtendedHandshakeTest {

    static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    @Test
    void parsesTheExampleOfBep10() throws Exception {
        // d1:md11:LT_metadatai1e6:\xb5T_PEXi2ee1:pi6881e1:v13:\xc2\xb5Torrent 1.2e (the key's mu is one byte)
        byte[] payload = Frames.concat(ascii("d1:md11:LT_metadatai1e6:"), bytes(0xb5), ascii("T_PEXi2ee1:pi6881e1:v13:"),
                bytes(0xc2, 0xb5), ascii("Torrent 1.2e"));
        ExtendedHandshake hs = ExtendedHandshake.parse(payload);
        assertThat(hs.extensions()).containsExactly(Map.entry("LT_metadata", 1), Map.entry("\u00b5T_PEX", 2));
        assertThat(hs.listenPort()).hasValue(6881);
        assertThat(hs.client()).hasValue("\u00b5Torrent 1.2");
        assertThat(hs.requestQueue()).isEmpty();
        assertThat(hs.yourIp()).isEmpty();
        assertThat(hs.metadataSize()).isEmpty();
        assertThat(hs.idOf("LT_metadata")).hasValue(1);
    }

    @Test
    void encodesCanonicallyAndParsesBackEveryItem() throws Exception {
        ExtendedHandshake hs = new ExtendedHandshake(Map.of("ut_pex", 2, "ut_metadata", 1), OptionalInt.of(6881),
                Optional.of("Spate 0.1"), OptionalInt.of(250), Optional.of(InetAddress.getByAddress(bytes(10, 0, 0, 7))),
                OptionalLong.of(31337));
        byte[] encoded = hs.encode();
        assertThat(new String(encoded, StandardCharsets.ISO_8859_1)).isEqualTo(
                "d1:md11:ut_metadatai1e6:ut_pexi2ee13:metadata_sizei31337e1:pi6881e4:reqqi250e1:v9:Spate 0.16:yourip4:"
                        + "\n\0\0\u0007e");
        assertThat(ExtendedHandshake.parse(encoded)).isEqualTo(hs);
        assertThat(ExtendedHandshake.parse(hs.toMessage())).isEqualTo(hs);
        assertThat(hs.toMessage().extendedId()).isZero();
    }

    @Test
    void theEncryptionFlagIsSentAsEOneAndReadOnlyWhenItIsOne() throws Exception {
        ExtendedHandshake hs = new ExtendedHandshake(Map.of(), OptionalInt.empty(), Optional.empty(),
                OptionalInt.empty(), Optional.empty(), OptionalLong.empty(), true);
        assertThat(new String(hs.encode(), StandardCharsets.ISO_8859_1)).isEqualTo("d1:ei1e1:mdee");
        assertThat(ExtendedHandshake.parse(hs.encode()).prefersEncryption()).isTrue();
        assertThat(ExtendedHandshake.parse("d1:ei0e1:mdee".getBytes(StandardCharsets.ISO_8859_1)).prefersEncryption())
                .isFalse();
        assertThat(ExtendedHandshake.parse("d1:e1:11:mdee".getBytes(StandardCharsets.ISO_8859_1)).prefersEncryption())
                .as("a string is not the flag").isFalse();
        assertThat(ExtendedHandshake.parse("d1:mdee".getBytes(StandardCharsets.ISO_8859_1)).prefersEncryption())
                .isFalse();
    }

    @Test
    void readsAnIpv6Address() throws Exception {
        byte[] ip = new byte[16];
        ip[15] = 1;
        byte[] payload = Frames.concat(ascii("d6:yourip16:"), ip, ascii("e"));
        assertThat(ExtendedHandshake.parse(payload).yourIp()).hasValue(InetAddress.getByAddress(ip));
    }

    @Test
    void ignoresUnknownKeysAndTreatsIllTypedItemsAsAbsent() throws Exception {
        ExtendedHandshake hs = ExtendedHandshake.parse(ascii(
                "d1:ai1e1:md3:badi300e4:goodi3e3:negi-1e3:offi0e3:str1:xe13:metadata_sizei-4e1:p5:hello"
                        + "4:reqqi0e7:unknownld1:xi1eee1:vi5e6:yourip3:abce"));
        assertThat(hs.extensions()).containsExactly(Map.entry("good", 3), Map.entry("off", 0));
        assertThat(hs.idOf("off")).isEmpty();
        assertThat(hs.idOf("missing")).isEmpty();
        assertThat(hs.listenPort()).isEmpty();
        assertThat(hs.client()).isEmpty();
        assertThat(hs.requestQueue()).isEmpty();
        assertThat(hs.yourIp()).isEmpty();
        assertThat(hs.metadataSize()).isEmpty();
    }

    @Test
    void anEmptyDictionaryIsAValidHandshake() throws Exception {
        assertThat(ExtendedHandshake.parse(ascii("de"))).isEqualTo(ExtendedHandshake.of(Map.of()));
    }

    @Test
    void rejectsAPayloadThatIsNotADictionary() {
        assertThatThrownBy(() -> ExtendedHandshake.parse(ascii("li1ee"))).isInstanceOf(WireException.class)
                .hasMessage("extended handshake is a list, expected a dictionary");
        assertThatThrownBy(() -> ExtendedHandshake.parse(ascii("d1:pi1e"))).isInstanceOf(WireException.class)
                .hasMessageStartingWith("extended handshake is not bencoded: at byte 7");
        assertThatThrownBy(() -> ExtendedHandshake.parse(ascii("dei1e"))).isInstanceOf(WireException.class)
                .hasMessage("extended handshake is not bencoded: at byte 2: 3 trailing bytes after the value");
    }

    @Test
    void parsingAnotherExtendedMessageAsTheHandshakeIsRefused() {
        assertThatThrownBy(() -> ExtendedHandshake.parse(new Message.Extended(2, ascii("de"))))
                .isInstanceOf(WireException.class).hasMessage("extended message 2 is not the handshake (0)");
    }

    @Test
    void theRecordRefusesValuesThatCannotGoOnTheWire() {
        assertThatThrownBy(() -> ExtendedHandshake.of(Map.of("x", 256)))
                .hasMessage("extension x has id 256, outside [0, 255]");
    }
}
