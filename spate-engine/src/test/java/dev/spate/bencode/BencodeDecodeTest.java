package dev.spate.bencode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Bytes in, values out: every acceptance and rejection rule of BEP 3's bencoding. */
class BencodeDecodeTest {

    static BValue decode(String ascii) throws BencodeException {
        return Bencode.decode(ascii.getBytes(StandardCharsets.ISO_8859_1));
    }

    static BencodeException rejection(String ascii) {
        try {
            BValue v = decode(ascii);
            throw new AssertionError("accepted " + ascii + " as " + v);
        } catch (BencodeException e) {
            return e;
        }
    }

    @Nested
    class Integers {
        @ParameterizedTest
        @CsvSource({"i0e,0", "i1e,1", "i-1e,-1", "i42e,42", "i-42e,-42", "i10e,10",
            "i9223372036854775807e,9223372036854775807", "i-9223372036854775808e,-9223372036854775808"})
        void acceptsCanonicalIntegersIncludingTheLongExtremes(String in, long expected) throws Exception {
            assertThat(decode(in)).isEqualTo(BInteger.of(expected));
        }

        @Test
        void rejectsLeadingZeroInInteger() {
            BencodeException e = rejection("i03e");
            assertThat(e.offset()).isEqualTo(1);
            assertThat(e).hasMessage("at byte 1: leading zero in integer");
        }

        @Test
        void rejectsLeadingZeroInNegativeInteger() {
            assertThat(rejection("i-03e")).hasMessage("at byte 2: leading zero in integer");
        }

        @Test
        void rejectsNegativeZero() {
            assertThat(rejection("i-0e")).hasMessage("at byte 0: negative zero");
        }

        @Test
        void rejectsAMinusSignWithoutDigits() {
            assertThat(rejection("i-e")).hasMessage("at byte 2: expected a digit in integer, found 'e'");
        }

        @Test
        void rejectsAnIntegerWithoutDigits() {
            assertThat(rejection("ie")).hasMessage("at byte 1: expected a digit in integer, found 'e'");
        }

        @Test
        void rejectsOneBeyondLongMaxValue() {
            assertThat(rejection("i9223372036854775808e")).hasMessage("at byte 0: integer beyond 64 bits");
        }

        @Test
        void rejectsOneBeyondLongMinValue() {
            assertThat(rejection("i-9223372036854775809e")).hasMessage("at byte 0: integer beyond 64 bits");
        }

        @Test
        void rejectsAHundredDigitInteger() {
            assertThat(rejection("i" + "9".repeat(100) + "e").getMessage()).contains("integer beyond 64 bits");
        }

        @ParameterizedTest
        @ValueSource(strings = {"i+1e", "i1.5e", "i 1e", "i1 e", "i--1e", "i0x10e"})
        void rejectsAnythingButDigitsAndOneLeadingMinus(String in) {
            assertThat(rejection(in).getMessage()).matches("at byte \\d+: expected .*");
        }

        @ParameterizedTest
        @ValueSource(strings = {"i", "i-", "i12", "i-12"})
        void rejectsATruncatedInteger(String in) {
            assertThat(rejection(in)).hasMessage("at byte " + in.length() + ": input ends in an integer, expected 'e'");
        }
    }

    @Nested
    class Strings {
        @Test
        void acceptsStringsIncludingTheEmptyString() throws Exception {
            assertThat(decode("0:")).isEqualTo(BString.of(new byte[0]));
            assertThat(decode("4:spam")).isEqualTo(BString.of("spam"));
            assertThat(decode("10:0123456789")).isEqualTo(BString.of("0123456789"));
        }

        @Test
        void keepsArbitraryBytesOfAString() throws Exception {
            byte[] in = {'3', ':', 0, (byte) 0xff, (byte) 0x80};
            assertThat(((BString) Bencode.decode(in)).bytes()).containsExactly(0, 0xff, 0x80);
        }

        @Test
        void rejectsLeadingZeroInStringLength() {
            assertThat(rejection("04:spam")).hasMessage("at byte 0: leading zero in string length");
        }

        @Test
        void rejectsAStringLengthBeyondTheInputWithoutAllocatingIt() {
            assertThat(rejection("99999999999:x")).hasMessage("at byte 0: string length beyond the input");
            assertThat(rejection("5:abc")).hasMessage("at byte 0: string length 5 beyond the input (3 bytes left)");
        }

        @Test
        void rejectsALengthWithoutItsColon() {
            assertThat(rejection("4spam")).hasMessage("at byte 1: expected ':' after string length, found 's'");
            assertThat(rejection("1")).hasMessage("at byte 1: input ends in a string length, expected ':'");
            assertThat(rejection("-1:x")).hasMessage("at byte 0: expected a value ('i', 'l', 'd' or a digit), found '-'");
        }

        @Test
        void rejectsATruncatedString() {
            assertThat(rejection("4:spa").offset()).isZero();
            assertThat(rejection("4:").offset()).isZero();
        }
    }

    @Nested
    class Lists {
        @Test
        void acceptsNestedLists() throws Exception {
            assertThat(decode("le")).isEqualTo(BList.of());
            assertThat(decode("l4:spami42eli1eee"))
                    .isEqualTo(BList.of(BString.of("spam"), BInteger.of(42), BList.of(BInteger.of(1))));
        }

        @ParameterizedTest
        @ValueSource(strings = {"l", "li1e", "l4:spam", "lle"})
        void rejectsATruncatedList(String in) {
            assertThat(rejection(in)).hasMessage("at byte " + in.length() + ": input ends in a list, expected a value or 'e'");
        }

        @Test
        void rejectsAValueCutInsideAList() {
            assertThat(rejection("li1")).hasMessage("at byte 3: input ends in an integer, expected 'e'");
        }
    }

    @Nested
    class Dictionaries {
        @Test
        void acceptsDictionariesWithSortedKeys() throws Exception {
            BDictionary d = (BDictionary) decode("d3:cow3:moo4:spam4:eggse");
            assertThat(d).isEqualTo(BDictionary.builder().put("cow", "moo").put("spam", "eggs").build());
            assertThat(d.entries().keySet()).containsExactly("cow", "spam");
            assertThat(decode("de")).isEqualTo(BDictionary.builder().build());
        }

        @Test
        void sortsKeysAsRawUnsignedBytes() throws Exception {
            // 0x7f before 0x80 before 0xff: unsigned, not Java's signed byte order (BEP 3: "raw strings").
            byte[] in = {'d', '1', ':', 0x7f, 'i', '1', 'e', '1', ':', (byte) 0x80, 'i', '2', 'e', '1', ':', (byte) 0xff, 'i', '3', 'e', 'e'};
            BDictionary d = (BDictionary) Bencode.decode(in);
            assertThat(d.entries().keySet()).containsExactly("\u007f", "\u0080", "\u00ff");
            assertThat(Bencode.encode(d)).isEqualTo(in);
        }

        @Test
        void acceptsAKeyThatIsAPrefixOfTheNext() throws Exception {
            assertThat(((BDictionary) decode("d1:ai1e2:aai2ee")).size()).isEqualTo(2);
        }

        @Test
        void rejectsUnsortedKeys() {
            assertThat(rejection("d4:spami1e3:cowi2ee")).hasMessage("at byte 10: dictionary key \"cow\" out of order");
            assertThat(rejection("d2:aai1e1:ai2ee")).hasMessage("at byte 8: dictionary key \"a\" out of order");
        }

        @Test
        void rejectsDuplicateKeys() {
            assertThat(rejection("d3:cowi1e3:cowi2ee")).hasMessage("at byte 9: duplicate dictionary key \"cow\"");
        }

        @ParameterizedTest
        @ValueSource(strings = {"di1ei2ee", "dlei2ee", "ddei2ee"})
        void rejectsNonStringKeys(String in) {
            assertThat(rejection(in).getMessage()).startsWith("at byte 1: expected a string key in dictionary, found ");
        }

        @Test
        void rejectsAKeyWithoutAValue() {
            assertThat(rejection("d3:cowe")).hasMessage("at byte 6: expected a value ('i', 'l', 'd' or a digit), found 'e'");
            assertThat(rejection("d3:cow")).hasMessage("at byte 6: input ends after dictionary key \"cow\", expected its value");
        }

        @ParameterizedTest
        @ValueSource(strings = {"d", "d3:cowi1e", "d1:ade"})
        void rejectsATruncatedDictionary(String in) {
            assertThat(rejection(in)).hasMessage("at byte " + in.length() + ": input ends in a dictionary, expected a key or 'e'");
        }

        @Test
        void rejectsATruncatedKey() {
            assertThat(rejection("d5:cow").offset()).isEqualTo(1);
        }
    }

    @Nested
    class Framing {
        @Test
        void rejectsEmptyInput() {
            assertThat(rejection("")).hasMessage("at byte 0: input ends where a value was expected");
        }

        @ParameterizedTest
        @CsvSource({"i1ei2e,3,3", "4:spamx,6,1", "lee,2,1", "dex,2,1"})
        void rejectsTrailingBytes(String in, int offset, int count) {
            assertThat(rejection(in)).hasMessage("at byte " + offset + ": " + count + " trailing bytes after the value");
        }

        @Test
        void decodesAPrefixAndReportsWhereItEnds() throws Exception {
            byte[] in = "xxd1:ai1eeRAW".getBytes(StandardCharsets.US_ASCII);
            BValue v = Bencode.decodePrefix(in, 2, in.length - 2, Bencode.DEFAULT_MAX_DEPTH);
            assertThat(v.span()).isEqualTo(new Span(2, 8));
        }

        @Test
        void decodesOnlyTheGivenRange() {
            byte[] in = "i12345e".getBytes(StandardCharsets.US_ASCII);
            assertThatThrownBy(() -> Bencode.decode(in, 0, 4, 8))
                    .isInstanceOf(BencodeException.class).hasMessage("at byte 4: input ends in an integer, expected 'e'");
        }

        @Test
        void rejectsARangeOutsideTheArrayAsAProgrammingError() {
            assertThatThrownBy(() -> Bencode.decode(new byte[4], 2, 3, 8)).isInstanceOf(IllegalArgumentException.class);
        }

        @ParameterizedTest
        @ValueSource(strings = {"x", "e", ":", "-"})
        void rejectsAByteThatStartsNoValue(String in) {
            assertThat(rejection(in).getMessage()).startsWith("at byte 0: expected a value");
        }

        @Test
        void namesANonPrintableByteByItsHexValue() {
            assertThat(assertRejects(new byte[] {0x01})).hasMessage("at byte 0: expected a value ('i', 'l', 'd' or a digit), found byte 0x01");
        }
    }

    @Nested
    class Depth {
        @Test
        void acceptsNestingUpToTheLimit() throws Exception {
            String in = "l".repeat(Bencode.DEFAULT_MAX_DEPTH) + "e".repeat(Bencode.DEFAULT_MAX_DEPTH);
            assertThat(decode(in)).isInstanceOf(BList.class);
        }

        @Test
        void rejectsNestingDeeperThanTheLimit() {
            int n = Bencode.DEFAULT_MAX_DEPTH + 1;
            assertThat(rejection("l".repeat(n) + "e".repeat(n)))
                    .hasMessage("at byte " + (n - 1) + ": nesting deeper than " + Bencode.DEFAULT_MAX_DEPTH);
        }

        @Test
        void countsDictionariesAndListsAlike() {
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i <= Bencode.DEFAULT_MAX_DEPTH; i++) {
                sb.append(i % 2 == 0 ? "d1:k" : "l");
            }
            assertThat(rejection(sb.toString()).getMessage()).contains("nesting deeper than");
        }

        @Test
        @Timeout(5)
        void rejectsAMillionOpeningBracketsWithoutOverflowingTheStack() {
            assertThat(rejection("l".repeat(1_000_000)).getMessage()).contains("nesting deeper than");
        }

        @Test
        void honoursASmallerLimit() throws Exception {
            byte[] in = "llee".getBytes(StandardCharsets.US_ASCII);
            assertThat(Bencode.decode(in, 0, 4, 2)).isEqualTo(BList.of(BList.of()));
            assertThatThrownBy(() -> Bencode.decode(in, 0, 4, 1)).hasMessage("at byte 1: nesting deeper than 1");
        }
    }

    @Nested
    class Spans {
        @Test
        void recordsTheSpanOfEveryNestedValue() throws Exception {
            //           0123456789012345678901234567
            String in = "d1:ali1e3:xyze1:bd1:ci-7eee";
            BDictionary d = (BDictionary) decode(in);
            assertThat(d.span()).isEqualTo(new Span(0, in.length()));
            BList a = (BList) d.get("a");
            assertThat(a.span()).isEqualTo(new Span(4, 10));
            assertThat(a.get(0).span()).isEqualTo(new Span(5, 3));
            assertThat(a.get(1).span()).isEqualTo(new Span(8, 5));
            BDictionary b = (BDictionary) d.get("b");
            assertThat(b.span()).isEqualTo(new Span(17, 9));
            assertThat(b.get("c").span()).isEqualTo(new Span(21, 4));
            byte[] raw = in.getBytes(StandardCharsets.US_ASCII);
            assertThat(new String(raw, b.span().offset(), b.span().length(), StandardCharsets.US_ASCII)).isEqualTo("d1:ci-7ee");
        }

        @Test
        void spansAreAbsoluteWhenDecodingFromAnOffset() throws Exception {
            byte[] in = "....li1ee".getBytes(StandardCharsets.US_ASCII);
            BList l = (BList) Bencode.decode(in, 4, 5, 8);
            assertThat(l.span()).isEqualTo(new Span(4, 5));
            assertThat(l.get(0).span()).isEqualTo(new Span(5, 3));
        }

        @Test
        void valuesBuiltInCodeHaveNoSpanAndEqualDecodedOnes() throws Exception {
            BValue built = BList.of(BInteger.of(1));
            assertThat(built.span().isPresent()).isFalse();
            assertThat(decode("li1ee")).isEqualTo(built).hasSameHashCodeAs(built);
        }
    }

    @Test
    void encodesCanonically() {
        BDictionary d = BDictionary.builder().put("spam", BList.of(BString.of("a"), BInteger.of(-3))).put("cow", "moo").build();
        assertThat(new String(Bencode.encode(d), StandardCharsets.US_ASCII)).isEqualTo("d3:cow3:moo4:spaml1:ai-3eee");
        assertThat(new String(Bencode.encode(BInteger.of(Long.MIN_VALUE)), StandardCharsets.US_ASCII)).isEqualTo("i-9223372036854775808e");
    }

    static BencodeException assertRejects(byte[] in) {
        try {
            Bencode.decode(in);
            throw new AssertionError("accepted");
        } catch (BencodeException e) {
            return e;
        }
    }
}
