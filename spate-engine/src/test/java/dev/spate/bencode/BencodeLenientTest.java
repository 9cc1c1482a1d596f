package dev.spate.bencode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The lenient decoding of .torrent files: the forms libtorrent accepts and strict decoding refuses,
 * with the raw spans still exact; everything that is not bencoding at all stays refused.
 */
class BencodeLenientTest {

    static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    static BValue lenient(String s) throws BencodeException {
        byte[] in = ascii(s);
        return Bencode.decodeLenient(in, 0, in.length, Bencode.DEFAULT_MAX_DEPTH);
    }

    @Test
    void acceptsKeysOutOfOrderAndKeepsEveryValue() throws Exception {
        BDictionary d = (BDictionary) lenient("d4:spami1e3:cowi2ee");

        assertThat(d).isEqualTo(BDictionary.builder().put("spam", 1).put("cow", 2).build());
        assertThatThrownBy(() -> Bencode.decode(ascii("d4:spami1e3:cowi2ee"))).hasMessageContaining("out of order");
    }

    @Test
    void keepsTheFirstValueOfARepeatedKeyAsLibtorrentDoes() throws Exception {
        BDictionary d = (BDictionary) lenient("d3:cowi1e3:cowi2e1:ai3e1:ai4ee");

        assertThat(d.get("cow")).isEqualTo(BInteger.of(1));
        assertThat(d.get("a")).isEqualTo(BInteger.of(3));
        assertThat(d.size()).isEqualTo(2);
    }

    @Test
    void keepsTheRawSpanOfAnUnsortedDictionarySoItsHashIsOverTheBytesAsTheyWere() throws Exception {
        //           0         1         2
        //           0123456789012345678901234567
        String in = "d4:infod1:zi1e1:ai2ee1:xi0ee";
        BDictionary top = (BDictionary) lenient(in);
        BDictionary info = (BDictionary) top.get("info");

        assertThat(info.span()).isEqualTo(new Span(7, 14));
        assertThat(in.substring(info.span().offset(), info.span().end())).isEqualTo("d1:zi1e1:ai2ee");
        // Re-encoding sorts the keys: only the span gives the original bytes.
        assertThat(new String(Bencode.encode(info), StandardCharsets.US_ASCII)).isEqualTo("d1:ai2e1:zi1ee");
    }

    @Test
    void decodesTheLaterValuesOfARepeatedKeyTooSoBrokenOnesAreStillRefused() {
        assertThatThrownBy(() -> lenient("d1:ai1e1:ai2e")).isInstanceOf(BencodeException.class);
        assertThatThrownBy(() -> lenient("d1:ai1e1:ai0x3ee")).isInstanceOf(BencodeException.class);
    }

    @Test
    void acceptsLeadingZerosAndNegativeZero() throws Exception {
        assertThat(lenient("i007e")).isEqualTo(BInteger.of(7));
        assertThat(lenient("i-03e")).isEqualTo(BInteger.of(-3));
        assertThat(lenient("i-0e")).isEqualTo(BInteger.of(0));
        assertThat(lenient("003:abc")).isEqualTo(BString.of("abc"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "d", "d3:cow", "di1ei2ee", "i1", "ie", "i-e", "5:abc", "i99999999999999999999e", "x", "d1:ai1eex"})
    void stillRefusesWhatIsNotBencoding(String in) {
        assertThatThrownBy(() -> lenient(in)).isInstanceOf(BencodeException.class);
    }

    @Test
    void aPrefixMayBeFollowedByOtherBytes() throws Exception {
        byte[] in = ascii("d1:bi1e1:ai2eeJUNK");
        BValue v = Bencode.decodeLenientPrefix(in, 0, in.length, 8);

        assertThat(v.span()).isEqualTo(new Span(0, 14));
    }

    @Test
    void honoursTheDepthLimit() {
        byte[] in = ascii("lllleeee");
        assertThatThrownBy(() -> Bencode.decodeLenient(in, 0, in.length, 3)).hasMessageContaining("nesting deeper than 3");
    }

    @Test
    void strictDecodingOfTheSameInputIsUnchanged() {
        assertThatThrownBy(() -> Bencode.decode(ascii("d3:cowi1e3:cowi2ee"))).hasMessageContaining("duplicate dictionary key");
        assertThatThrownBy(() -> Bencode.decode(ascii("i-0e"))).hasMessageContaining("negative zero");
    }
}
