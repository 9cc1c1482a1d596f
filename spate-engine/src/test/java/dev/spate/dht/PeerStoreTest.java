package dev.spate.dht;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spate.core.InfoHash;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class PeerStoreTest {
    static final long MIN = 60_000_000_000L;
    static final SplittableRandom RANDOM = new SplittableRandom(5);

    static InfoHash hash(int i) {
        byte[] b = new byte[20];
        b[0] = (byte) i;
        b[1] = (byte) (i >>> 8);
        return InfoHash.of(b);
    }

    static InetSocketAddress peer(int i) throws Exception {
        return new InetSocketAddress(InetAddress.getByAddress(new byte[] {1, 2, (byte) (i >>> 8), (byte) i}), 6881);
    }

    @Test
    void peersExpireThirtyMinutesAfterTheirLastAnnounce() throws Exception {
        PeerStore s = new PeerStore(10, 10, 100);
        s.add(hash(1), peer(1), 0);
        s.add(hash(1), peer(2), 10 * MIN);
        s.add(hash(1), peer(1), 20 * MIN); // announced again: its half hour starts over
        assertThat(s.get(hash(1), AddressFamily.IPV4, 10, 35 * MIN, RANDOM)).containsExactlyInAnyOrder(peer(1), peer(2));
        assertThat(s.get(hash(1), AddressFamily.IPV4, 10, 40 * MIN, RANDOM)).containsExactly(peer(1));
        s.expire(40 * MIN);
        assertThat(s.size()).isEqualTo(1);
        s.expire(50 * MIN);
        assertThat(s.size()).isZero();
        assertThat(s.infoHashes()).isZero();
    }

    @Test
    void theStoreIsBoundedPerInfoHashInInfoHashesAndInTotal() throws Exception {
        PeerStore s = new PeerStore(3, 4, 10);
        for (int i = 0; i < 10; i++) {
            s.add(hash(0), peer(i), 0);
        }
        assertThat(s.size()).isEqualTo(3);
        for (int h = 1; h < 10; h++) {
            for (int i = 0; i < 3; i++) {
                s.add(hash(h), peer(100 + i), 0);
            }
        }
        assertThat(s.infoHashes()).isEqualTo(4);
        assertThat(s.size()).isEqualTo(10);
        // The peers stored first are not displaced by the flood.
        assertThat(s.get(hash(0), AddressFamily.IPV4, 10, 0, RANDOM)).containsExactlyInAnyOrder(peer(0), peer(1), peer(2));
    }

    @Test
    void getReturnsOnlyTheAskedFamilyAndAtMostMax() throws Exception {
        PeerStore s = new PeerStore(100, 10, 1000);
        for (int i = 0; i < 50; i++) {
            s.add(hash(0), peer(i), 0);
        }
        InetSocketAddress v6 = new InetSocketAddress(InetAddress.getByName("2001:db8::1"), 1);
        s.add(hash(0), v6, 0);
        assertThat(s.get(hash(0), AddressFamily.IPV4, 20, 0, RANDOM)).hasSize(20).doesNotContain(v6).doesNotHaveDuplicates();
        assertThat(s.get(hash(0), AddressFamily.IPV6, 20, 0, RANDOM)).containsExactly(v6);
        assertThat(s.get(hash(9), AddressFamily.IPV4, 20, 0, RANDOM)).isEmpty();
    }
}
