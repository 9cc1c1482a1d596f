package dev.spate.mse;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spate.core.Hex;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

class Rc4Test {
    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    private static String encryptWithoutDiscard(String key, String text) {
        byte[] b = ascii(text);
        new Rc4.Own(ascii(key), 0).apply(b, 0, b.length);
        return Hex.encode(b);
    }

    @Test
    void ourRc4GivesTheTextbookCiphertexts() {
        assertThat(encryptWithoutDiscard("Key", "Plaintext")).isEqualTo("bbf316e8d940af0ad3");
        assertThat(encryptWithoutDiscard("Wiki", "pedia")).isEqualTo("1021bf0420");
        assertThat(encryptWithoutDiscard("Secret", "Attack at dawn")).isEqualTo("45a01f645fc35b383552544b9bf5");
    }

    @Test
    void ourRc4AndTheJdksGiveTheSameStreamForManyKeysAndSplits() {
        Random random = new Random(7);
        for (int round = 0; round < 50; round++) {
            byte[] key = new byte[20];
            random.nextBytes(key);
            byte[] data = new byte[1 + random.nextInt(5000)];
            random.nextBytes(data);
            byte[] byJdk = data.clone();
            byte[] byOwn = data.clone();
            Rc4 jdk = Rc4.jdk(key);
            Rc4 own = Rc4.own(key);
            jdk.apply(byJdk, 0, byJdk.length);
            // in uneven pieces, on a direct buffer: the stream continues across calls
            ByteBuffer direct = ByteBuffer.allocateDirect(byOwn.length).put(byOwn).flip();
            int at = 0;
            while (at < byOwn.length) {
                int n = Math.min(byOwn.length - at, 1 + random.nextInt(700));
                own.apply(direct.slice(at, n));
                at += n;
            }
            direct.get(0, byOwn);
            assertThat(byOwn).isEqualTo(byJdk);
        }
    }

    @Test
    void theFirst1024BytesOfTheKeyStreamAreDiscarded() {
        byte[] key = ascii("0123456789abcdefghij");
        byte[] stream = new byte[1024 + 16];
        new Rc4.Own(key, 0).apply(stream, 0, stream.length);
        byte[] afterDiscard = new byte[16];
        Rc4.create(key).apply(afterDiscard, 0, 16);
        byte[] expected = new byte[16];
        System.arraycopy(stream, 1024, expected, 0, 16);
        assertThat(afterDiscard).isEqualTo(expected);
    }

    @Test
    void applyingTwiceWithTheSameKeyGivesThePlaintextBack() {
        byte[] key = ascii("keykeykeykeykeykeyke");
        byte[] text = ascii("the same operation encrypts and decrypts");
        byte[] b = text.clone();
        Rc4.create(key).apply(b, 0, b.length);
        assertThat(b).isNotEqualTo(text);
        ByteBuffer dst = ByteBuffer.allocate(b.length);
        Rc4.create(key).apply(ByteBuffer.wrap(b), dst);
        assertThat(dst.array()).isEqualTo(text);
    }
}
