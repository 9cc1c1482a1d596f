package dev.spate.bencode;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Hostile input: random bytes and mutations of valid encodings. The decoder must either return a
 * value or throw {@link BencodeException}; anything else (an index error, an out-of-memory, a stack
 * overflow) is a bug. Seeds are fixed so a failure reproduces.
 */
class BencodeFuzzTest {
    private static final int ROUNDS = 20_000;

    @Test
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void randomBytesDecodeOrFailWithBencodeExceptionOnly() {
        Random random = new Random(0xB0E5);
        for (int i = 0; i < ROUNDS; i++) {
            byte[] in = new byte[random.nextInt(64)];
            // Bias toward bencode's alphabet so the decoder gets past the first byte often.
            byte[] alphabet = "ilde0123456789:-".getBytes();
            for (int j = 0; j < in.length; j++) {
                in[j] = random.nextInt(4) == 0 ? (byte) random.nextInt(256) : alphabet[random.nextInt(alphabet.length)];
            }
            decodeOrReject(in);
        }
    }

    @Test
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void mutationsOfValidEncodingsDecodeOrFailWithBencodeExceptionOnly() {
        Random random = new Random(0x5EED);
        byte[][] seeds = {
            Bencode.encode(BDictionary.builder()
                    .put("announce", "http://tracker.example/announce")
                    .put("info", BDictionary.builder().put("length", 12345).put("name", "a.bin")
                            .put("piece length", 16384).put("pieces", new byte[20]).build())
                    .put("list", BList.of(BInteger.of(-5), BList.of(BString.of("x")), BDictionary.builder().build()))
                    .build()),
            "l".repeat(70).concat("e".repeat(70)).getBytes(),
            "i-9223372036854775808e".getBytes(),
            "d1:ad1:bd1:cli1ei2ei3eeeee".getBytes(),
        };
        int accepted = 0;
        for (int i = 0; i < ROUNDS; i++) {
            byte[] in = mutate(seeds[random.nextInt(seeds.length)], random);
            if (decodeOrReject(in)) {
                accepted++;
            }
        }
        // Mutations that keep the input valid exist (a digit for a digit); both outcomes must be seen.
        assertThat(accepted).isBetween(1, ROUNDS - 1);
    }

    static byte[] mutate(byte[] seed, Random random) {
        byte[] b = seed.clone();
        int edits = 1 + random.nextInt(3);
        for (int e = 0; e < edits; e++) {
            int n = b.length;
            switch (random.nextInt(5)) {
                case 0 -> { // flip a bit
                    if (n > 0) {
                        b[random.nextInt(n)] ^= (byte) (1 << random.nextInt(8));
                    }
                }
                case 1 -> { // insert a byte
                    int at = random.nextInt(n + 1);
                    byte[] c = new byte[n + 1];
                    System.arraycopy(b, 0, c, 0, at);
                    c[at] = (byte) "ilde0123456789:-x".charAt(random.nextInt(17));
                    System.arraycopy(b, at, c, at + 1, n - at);
                    b = c;
                }
                case 2 -> { // delete a byte
                    if (n > 0) {
                        int at = random.nextInt(n);
                        byte[] c = new byte[n - 1];
                        System.arraycopy(b, 0, c, 0, at);
                        System.arraycopy(b, at + 1, c, at, n - at - 1);
                        b = c;
                    }
                }
                case 3 -> b = java.util.Arrays.copyOf(b, random.nextInt(n + 1)); // truncate
                default -> { // overwrite with a digit, growing lengths
                    if (n > 0) {
                        b[random.nextInt(n)] = (byte) ('0' + random.nextInt(10));
                    }
                }
            }
        }
        return b;
    }

    /** Whether {@code in} decoded; fails the test on any exception but {@link BencodeException}. */
    static boolean decodeOrReject(byte[] in) {
        try {
            BValue v = Bencode.decode(in);
            assertThat(v.span().end()).isEqualTo(in.length);
            // What decodes must be canonical, so it encodes back to the same bytes.
            assertThat(Bencode.encode(v)).isEqualTo(in);
            return true;
        } catch (BencodeException e) {
            assertThat(e.offset()).isBetween(0, in.length);
            return false;
        }
    }
}
