package dev.spate.metainfo;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spate.core.InfoHash;
import java.net.InetAddress;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** Any magnet link written by {@link Magnet#toUri} reads back equal. */
class MagnetPropertiesTest {

    @Property(tries = 1000)
    void everyLinkReadsBackEqual(@ForAll("magnets") Magnet magnet) throws Exception {
        String uri = magnet.toUri();
        assertThat(uri).doesNotContain(" ").doesNotContain("\n");
        assertThat(Magnet.parse(uri)).isEqualTo(magnet);
    }

    @Provide
    Arbitrary<Magnet> magnets() {
        Arbitrary<byte[]> hash = Arbitraries.bytes().array(byte[].class).ofSize(20);
        Arbitrary<String> v2 = Arbitraries.bytes().array(byte[].class).ofSize(32).map(b -> HexFormat.of().formatHex(b));
        // Any text of whole code points (no lone surrogates, which no UTF-8 link can carry).
        Arbitrary<String> bmp = Arbitraries.strings().withCharRange('\u0000', '\ud7ff').withCharRange('\ue000', '\uffff')
                .withChars("+&=%").ofMinLength(1).ofMaxLength(40);
        Arbitrary<String> text = Arbitraries.oneOf(bmp, bmp.map(t -> t + "\ud83c\udfb5"));
        Arbitrary<String> url = Combinators.combine(Arbitraries.of("http", "https", "udp", "wss"),
                        Arbitraries.strings().alpha().numeric().ofMinLength(1).ofMaxLength(12),
                        Arbitraries.strings().withCharRange('!', '~').withChars("\u00e9\u4e2d ").ofMaxLength(30))
                .as((scheme, host, path) -> scheme + "://" + host + "/" + path.strip());
        return Combinators.combine(hash, v2.optional(0.3), text.optional(0.7), url.list().ofMaxSize(5),
                        url.list().ofMaxSize(3), peers().list().ofMaxSize(5), ranges().list().ofMaxSize(5))
                .as((h, v, dn, trackers, seeds, peers, ranges) -> new Magnet(Optional.of(InfoHash.of(h)), v, dn,
                        trackers, seeds, peers, ranges));
    }

    private static Arbitrary<Magnet.PeerAddress> peers() {
        Arbitrary<Integer> port = Arbitraries.integers().between(1, 65535);
        Arbitrary<String> v4 = Arbitraries.bytes().array(byte[].class).ofSize(4).map(MagnetPropertiesTest::literal);
        Arbitrary<String> v6 = Arbitraries.bytes().array(byte[].class).ofSize(16).map(MagnetPropertiesTest::literal);
        Arbitrary<String> name = Arbitraries.strings().withCharRange('a', 'z').numeric().ofMinLength(1).ofMaxLength(10)
                .list().ofMinSize(1).ofMaxSize(3).map(labels -> String.join(".", labels) + ".example");
        return Combinators.combine(Arbitraries.oneOf(v4, v6, name), port).as(Magnet.PeerAddress::new);
    }

    private static Arbitrary<Magnet.FileRange> ranges() {
        return Combinators.combine(Arbitraries.integers().between(0, 5000), Arbitraries.integers().between(0, 50))
                .as((first, length) -> new Magnet.FileRange(first, first + length));
    }

    private static String literal(byte[] address) {
        try {
            return InetAddress.getByAddress(address).getHostAddress();
        } catch (java.net.UnknownHostException e) {
            throw new AssertionError(e);
        }
    }
}
