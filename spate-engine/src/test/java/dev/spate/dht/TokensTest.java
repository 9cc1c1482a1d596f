package dev.spate.dht;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class TokensTest {
    static final long MIN = 60_000_000_000L;

    @Test
    void aTokenIsAcceptedFromItsIpForFiveToTenMinutesAndThenExpires() throws Exception {
        long t0 = -3 * MIN; // the clock's origin is arbitrary
        Tokens tokens = new Tokens(new SplittableRandom(1), t0);
        InetAddress ip = InetAddress.getByName("1.2.3.4");
        byte[] token = tokens.issue(ip, t0 + MIN);
        assertThat(token).hasSize(Tokens.LENGTH);
        assertThat(tokens.accepts(token, ip, t0 + 4 * MIN)).isTrue();
        assertThat(tokens.accepts(token, InetAddress.getByName("1.2.3.5"), t0 + 4 * MIN)).isFalse();
        // One rotation later it is the previous secret's: still good.
        assertThat(tokens.accepts(token, ip, t0 + 9 * MIN)).isTrue();
        // Two rotations later: gone.
        assertThat(tokens.accepts(token, ip, t0 + 10 * MIN)).isFalse();
    }

    @Test
    void afterALongIdleNoOldTokenSurvives() throws Exception {
        Tokens tokens = new Tokens(new SplittableRandom(2), 0);
        InetAddress ip = InetAddress.getByName("::1");
        byte[] token = tokens.issue(ip, 4 * MIN);
        assertThat(tokens.accepts(token, ip, 60 * MIN)).isFalse();
        byte[] fresh = tokens.issue(ip, 60 * MIN);
        assertThat(tokens.accepts(fresh, ip, 64 * MIN)).isTrue();
    }

    @Test
    void tokensOfTheWrongLengthOrForgedAreRefused() throws Exception {
        Tokens tokens = new Tokens(new SplittableRandom(3), 0);
        InetAddress ip = InetAddress.getByName("1.2.3.4");
        byte[] token = tokens.issue(ip, 0);
        assertThat(tokens.accepts(new byte[3], ip, 0)).isFalse();
        token[0] ^= 1;
        assertThat(tokens.accepts(token, ip, 0)).isFalse();
    }
}
