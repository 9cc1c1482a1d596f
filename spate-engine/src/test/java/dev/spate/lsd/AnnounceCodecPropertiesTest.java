package dev.spate.lsd;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spate.core.InfoHash;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/** The codec on generated input: round trips, and mutated datagrams that must never make it throw. */
class AnnounceCodecPropertiesTest {
    @Property(tries = 300)
    void whatWeEncodeDecodesToTheSameAnnounce(@ForAll long seed, @ForAll @IntRange(min = 1, max = 65535) int port,
            @ForAll @IntRange(min = 1, max = 25) int count, @ForAll boolean ipv6) {
        String cookie = Long.toHexString(seed);
        List<InfoHash> hashes = AnnounceCodecTest.hashes(count, seed);
        byte[] bytes = AnnounceCodec.encode(ipv6 ? LsdConfig.IPV6_HOST : LsdConfig.IPV4_HOST, port, hashes, cookie);
        assertThat(AnnounceCodecTest.valid(bytes)).isEqualTo(new Announce(port, hashes, Optional.of(cookie)));
    }

    @Property(tries = 2000)
    void anyMutationOfAnAnnounceDecodesOrIsRejectedButNeverThrows(@ForAll long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        byte[] bytes = AnnounceCodec.encode(LsdConfig.IPV4_HOST, 1 + r.nextInt(65535), AnnounceCodecTest.hashes(1 + r.nextInt(4), seed), "c0ffee");
        int edits = 1 + r.nextInt(6);
        for (int i = 0; i < edits; i++) {
            int at = r.nextInt(bytes.length);
            switch (r.nextInt(3)) {
                case 0 -> bytes[at] = (byte) r.nextInt(256);
                case 1 -> bytes = java.util.Arrays.copyOf(bytes, at);
                default -> {
                    byte[] longer = new byte[bytes.length + 1];
                    System.arraycopy(bytes, 0, longer, 0, at);
                    longer[at] = (byte) "\r\n: \t0aZ".charAt(r.nextInt(8));
                    System.arraycopy(bytes, at, longer, at + 1, bytes.length - at);
                    bytes = longer;
                }
            }
            if (bytes.length == 0) {
                break;
            }
        }
        AnnounceCodec.Decoded d = AnnounceCodecTest.decode(bytes);
        if (d instanceof AnnounceCodec.Valid v) {
            assertThat(v.announce().infoHashes()).isNotEmpty().hasSizeLessThanOrEqualTo(AnnounceCodec.MAX_INFOHASHES);
            assertThat(v.announce().port()).isBetween(1, 65535);
        } else {
            assertThat(((AnnounceCodec.Rejected) d).reason()).isNotBlank().matches("[\\x20-\\x7e]+");
        }
    }
}
