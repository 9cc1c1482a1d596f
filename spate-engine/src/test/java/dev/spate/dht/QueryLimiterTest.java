package dev.spate.dht;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import org.junit.jupiter.api.Test;

class QueryLimiterTest {
    static final long S = 1_000_000_000L;

    @Test
    void anIpOverItsRateIsBlockedForTheBlockTimeWhileOthersAreServed() throws Exception {
        QueryLimiter l = new QueryLimiter(5, 10, 60 * S, 100);
        InetAddress flooder = InetAddress.getByName("1.1.1.1");
        InetAddress other = InetAddress.getByName("2.2.2.2");
        int admitted = 0;
        for (int i = 0; i < 100; i++) {
            if (!l.blocked(flooder, i * S / 100) && l.admit(flooder, i * S / 100)) {
                admitted++;
            }
        }
        // The burst of 10 and the 5/s it refills at in that second, no more.
        assertThat(admitted).isBetween(10, 15);
        assertThat(l.blocked(flooder, S)).isTrue();
        assertThat(l.admit(other, S)).isTrue();
        assertThat(l.blocked(flooder, 60 * S)).isTrue();
        assertThat(l.blocked(flooder, 62 * S)).isFalse();
        assertThat(l.admit(flooder, 62 * S)).isTrue();
    }

    @Test
    void aSteadyFivePerSecondIsNeverBlocked() throws Exception {
        QueryLimiter l = new QueryLimiter(5, 10, 60 * S, 100);
        InetAddress ip = InetAddress.getByName("1.1.1.1");
        for (int i = 0; i < 1000; i++) {
            assertThat(l.admit(ip, i * S / 5)).isTrue();
        }
    }

    @Test
    void memoryIsBoundedWhateverTheNumberOfAddresses() throws Exception {
        QueryLimiter l = new QueryLimiter(5, 1, 60 * S, 50);
        for (int i = 0; i < 1000; i++) {
            InetAddress ip = InetAddress.getByAddress(new byte[] {9, 0, (byte) (i >>> 8), (byte) i});
            l.admit(ip, 0);
            l.admit(ip, 0);
        }
        assertThat(l.blockedCount()).isEqualTo(50);
    }
}
