package dev.spate.lsd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spate.core.InfoHash;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class AnnounceCodecTest {
    static final InfoHash LT_HASH = InfoHash.fromHex("0d418ef2e2437ff3583615bc993670c9e2eb0951");

    static byte[] resource(String name) throws IOException {
        try (InputStream in = AnnounceCodecTest.class.getResourceAsStream("/lsd/" + name)) {
            assertThat(in).as("test resource lsd/%s", name).isNotNull();
            return in.readAllBytes();
        }
    }

    static AnnounceCodec.Decoded decode(byte[] bytes) {
        return AnnounceCodec.decode(ByteBuffer.wrap(bytes));
    }

    static Announce valid(byte[] bytes) {
        AnnounceCodec.Decoded d = decode(bytes);
        assertThat(d).as("decoding %s", new String(bytes, StandardCharsets.ISO_8859_1))
                .isInstanceOf(AnnounceCodec.Valid.class);
        return ((AnnounceCodec.Valid) d).announce();
    }

    static Announce valid(String text) {
        return valid(text.getBytes(StandardCharsets.US_ASCII));
    }

    @Test
    void libtorrentsIpv4AnnounceDecodesToItsPortInfoHashAndCookie() throws IOException {
        Announce a = valid(resource("libtorrent-2.0.8.0-announce-ipv4.bin"));
        assertThat(a).isEqualTo(new Announce(6881, List.of(LT_HASH), Optional.of("1962e323")));
    }

    @Test
    void libtorrentsIpv6AnnounceDecodesToItsPortInfoHashAndCookie() throws IOException {
        Announce a = valid(resource("libtorrent-2.0.8.0-announce-ipv6.bin"));
        assertThat(a).isEqualTo(new Announce(6881, List.of(LT_HASH), Optional.of("20a3b377")));
    }

    @Test
    void weEncodeTheSameFieldsToTheSameBytesAsLibtorrent() throws IOException {
        assertThat(AnnounceCodec.encode(LsdConfig.IPV4_HOST, 6881, List.of(LT_HASH), "1962e323"))
                .isEqualTo(resource("libtorrent-2.0.8.0-announce-ipv4.bin"));
        assertThat(AnnounceCodec.encode(LsdConfig.IPV6_HOST, 6881, List.of(LT_HASH), "20a3b377"))
                .isEqualTo(resource("libtorrent-2.0.8.0-announce-ipv6.bin"));
    }

    @Test
    void anAnnounceWithoutCookieAsTransmissionSendsItIsAccepted() {
        Announce a = valid("BT-SEARCH * HTTP/1.1\r\nHost: 239.192.152.143:6771\r\nPort: 51413\r\nInfohash: "
                + LT_HASH.hex().toUpperCase() + "\r\n\r\n\r\n");
        assertThat(a).isEqualTo(new Announce(51413, List.of(LT_HASH), Optional.empty()));
    }

    @Test
    void severalInfoHashesAreKeptInOrderAndARepeatCountsOnce() {
        InfoHash b = InfoHash.fromHex(HostileDatagrams.OTHER);
        Announce a = valid("BT-SEARCH * HTTP/1.1\r\nPort: 1\r\nInfohash: " + b.hex() + "\r\nInfohash: "
                + LT_HASH.hex() + "\r\nInfohash: " + b.hex() + "\r\n\r\n");
        assertThat(a.infoHashes()).containsExactly(b, LT_HASH);
        assertThat(a.port()).isEqualTo(1);
    }

    @Test
    void headerNamesMatchInAnyCaseValuesAreTrimmedAndUnknownHeadersIgnored() {
        Announce a = valid("BT-SEARCH * HTTP/1.1\r\nHOST: 239.192.152.143:6771\r\nx-future: anything at all\r\n"
                + "pOrT:\t 65535 \r\nINFOHASH:" + LT_HASH.hex() + "\r\nCookie:  abc  \r\n\r\n");
        assertThat(a).isEqualTo(new Announce(65535, List.of(LT_HASH), Optional.of("abc")));
    }

    @Test
    void oneBlankLineEndsAnAnnounceAndMoreBlankLinesAreTolerated() {
        String head = "BT-SEARCH * HTTP/1.1\r\nPort: 7\r\nInfohash: " + LT_HASH.hex() + "\r\n";
        assertThat(valid(head + "\r\n").port()).isEqualTo(7);
        assertThat(valid(head + "\r\n\r\n\r\n\r\n").port()).isEqualTo(7);
    }

    @Test
    void anEmptyCookieIsNoCookie() {
        assertThat(valid(HostileDatagrams.valid(80).replace("cookie: hostile", "cookie:")).cookie()).isEmpty();
    }

    @Test
    void everyHostileDatagramIsRejectedWithItsReason() {
        for (HostileDatagrams.Hostile h : HostileDatagrams.all()) {
            assertThat(decode(h.bytes())).as(h.name())
                    .isInstanceOfSatisfying(AnnounceCodec.Rejected.class,
                            r -> assertThat(r.reason()).as(h.name()).contains(h.reason()));
        }
    }

    @Test
    void aDatagramOfExactlyTheLimitIsDecodedAndOneByteMoreIsNot() {
        String limit = padded(AnnounceCodec.MAX_RECEIVED_BYTES);
        assertThat(limit).hasSize(AnnounceCodec.MAX_RECEIVED_BYTES);
        assertThat(valid(limit).port()).isEqualTo(80);
        assertThat(decode((limit + "\r\n").getBytes(StandardCharsets.US_ASCII)))
                .isInstanceOfSatisfying(AnnounceCodec.Rejected.class, r -> assertThat(r.reason()).contains("oversized"));
    }

    /** A valid announce of exactly {@code size} bytes, padded with X-Pad headers of at most 200 characters. */
    static String padded(int size) {
        int n = size - HostileDatagrams.valid(80).length();
        int headers = (n + 208) / 209;
        int value = n - 9 * headers;
        String[] pads = new String[headers];
        for (int i = 0; i < headers; i++) {
            int k = value / headers + (i < value % headers ? 1 : 0);
            pads[i] = "X-Pad: " + "p".repeat(k);
        }
        return HostileDatagrams.valid(80, pads);
    }

    @Test
    void decodingLeavesTheBufferPositionAlone() {
        ByteBuffer b = ByteBuffer.wrap(("xx" + HostileDatagrams.valid(80)).getBytes(StandardCharsets.US_ASCII));
        b.position(2);
        assertThat(AnnounceCodec.decode(b)).isInstanceOf(AnnounceCodec.Valid.class);
        assertThat(b.position()).isEqualTo(2);
    }

    @Test
    void asManyInfoHashesAsFitIn1400BytesAreEncodedAndOneMoreIsRefused() {
        String cookie = "0123456789abcdef";
        int max = AnnounceCodec.maxInfoHashes(LsdConfig.IPV6_HOST, cookie);
        assertThat(max).isEqualTo(25);
        List<InfoHash> hashes = hashes(max + 1, 3);
        byte[] full = AnnounceCodec.encode(LsdConfig.IPV6_HOST, 65535, hashes.subList(0, max), cookie);
        assertThat(full.length).isLessThanOrEqualTo(AnnounceCodec.MAX_SENT_BYTES).isGreaterThan(1300);
        assertThat(valid(full).infoHashes()).containsExactlyElementsOf(hashes.subList(0, max));
        assertThatThrownBy(() -> AnnounceCodec.encode(LsdConfig.IPV6_HOST, 65535, hashes, cookie))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("more than 1400");
    }

    @Test
    void encodingRefusesWhatNoReceiverWouldAccept() {
        assertThatThrownBy(() -> AnnounceCodec.encode(LsdConfig.IPV4_HOST, 0, List.of(LT_HASH), "c"))
                .hasMessageContaining("port");
        assertThatThrownBy(() -> AnnounceCodec.encode(LsdConfig.IPV4_HOST, 1, List.of(), "c"))
                .hasMessageContaining("at least one info-hash");
        assertThatThrownBy(() -> AnnounceCodec.encode(LsdConfig.IPV4_HOST, 1, List.of(LT_HASH), "a b"))
                .hasMessageContaining("cookie");
        assertThatThrownBy(() -> AnnounceCodec.encode(LsdConfig.IPV4_HOST, 1, List.of(LT_HASH), "a\r\nPort: 2"))
                .hasMessageContaining("cookie");
    }

    static List<InfoHash> hashes(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        List<InfoHash> out = new ArrayList<>();
        while (out.size() < n) {
            byte[] b = new byte[20];
            r.nextBytes(b);
            InfoHash h = InfoHash.of(b);
            if (!out.contains(h)) {
                out.add(h);
            }
        }
        return out;
    }
}
