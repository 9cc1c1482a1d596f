package dev.spate.bencode;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** Round-trip properties of the codec over arbitrary nested values. */
class BencodePropertiesTest {

    @Property(tries = 500)
    void encodingThenDecodingGivesAnEqualValue(@ForAll("values") BValue value) throws BencodeException {
        byte[] encoded = Bencode.encode(value);
        BValue decoded = Bencode.decode(encoded);
        assertThat(decoded).isEqualTo(value);
        assertThat(decoded.span()).isEqualTo(new Span(0, encoded.length));
    }

    @Property(tries = 500)
    void decodingThenEncodingCanonicalInputGivesTheSameBytes(@ForAll("values") BValue value) throws BencodeException {
        byte[] canonical = Bencode.encode(value);
        assertThat(Bencode.encode(Bencode.decode(canonical))).isEqualTo(canonical);
    }

    @Property(tries = 300)
    void lenientDecodingOfCanonicalInputEqualsStrictDecoding(@ForAll("values") BValue value) throws BencodeException {
        byte[] canonical = Bencode.encode(value);
        BValue lenient = Bencode.decodeLenient(canonical, 0, canonical.length, Bencode.DEFAULT_MAX_DEPTH);
        assertThat(lenient).isEqualTo(Bencode.decode(canonical));
        checkSpans(lenient, canonical);
    }

    @Property(tries = 300)
    void everyNestedSpanCoversExactlyTheEncodingOfItsValue(@ForAll("values") BValue value) throws BencodeException {
        byte[] encoded = Bencode.encode(value);
        checkSpans(Bencode.decode(encoded), encoded);
    }

    private static void checkSpans(BValue v, byte[] input) {
        byte[] own = Bencode.encode(v);
        assertThat(java.util.Arrays.copyOfRange(input, v.span().offset(), v.span().end())).isEqualTo(own);
        switch (v) {
            case BList l -> l.values().forEach(e -> checkSpans(e, input));
            case BDictionary d -> d.entries().values().forEach(e -> checkSpans(e, input));
            default -> { }
        }
    }

    @Provide
    Arbitrary<BValue> values() {
        return value(4);
    }

    static Arbitrary<BValue> value(int depth) {
        Arbitrary<BValue> strings = Arbitraries.bytes().array(byte[].class).ofMaxSize(40).map(BString::of);
        Arbitrary<BValue> integers = Arbitraries.oneOf(
                Arbitraries.longs(),
                Arbitraries.longs().between(-1000, 1000),
                Arbitraries.of(0L, Long.MAX_VALUE, Long.MIN_VALUE, -1L)).map(BInteger::of);
        if (depth == 0) {
            return Arbitraries.oneOf(strings, integers);
        }
        Arbitrary<BValue> lists = value(depth - 1).list().ofMaxSize(5).map(l -> (BValue) BList.of(l));
        Arbitrary<String> keys = Arbitraries.strings().withCharRange('\u0000', '\u00ff').ofMaxLength(8);
        Arbitrary<BValue> dicts = Arbitraries.maps(keys, value(depth - 1)).ofMaxSize(5)
                .map(m -> (BValue) new BDictionary(Map.copyOf(m), Span.NONE));
        return Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(3, strings),
                net.jqwik.api.Tuple.of(3, integers),
                net.jqwik.api.Tuple.of(2, lists),
                net.jqwik.api.Tuple.of(2, dicts));
    }

    @Property(tries = 200)
    void sortsDictionaryKeysByUnsignedBytesWhenEncoding(@ForAll("keyLists") List<String> keys) throws BencodeException {
        BDictionary.Builder b = BDictionary.builder();
        keys.forEach(k -> b.put(k, 1L));
        BDictionary decoded = (BDictionary) Bencode.decode(Bencode.encode(b.build()));
        List<String> order = List.copyOf(decoded.entries().keySet());
        for (int i = 1; i < order.size(); i++) {
            assertThat(java.util.Arrays.compareUnsigned(BDictionary.keyBytes(order.get(i - 1)), BDictionary.keyBytes(order.get(i))))
                    .isNegative();
        }
    }

    @Provide
    Arbitrary<List<String>> keyLists() {
        return Arbitraries.strings().withCharRange('\u0000', '\u00ff').ofMaxLength(4).list().ofMaxSize(20);
    }
}
