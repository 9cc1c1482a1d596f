package dev.spate.dht;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class SecureIdsTest {
    /** BEP 42's test vectors: IP, rand, and the id's first three bytes (the third's low 3 bits random). */
    @Test
    void theTestVectorsOfBep42() throws Exception {
        check("124.31.75.21", 1, 0x5fbfbf);
        check("21.75.31.124", 86, 0x5a3ce9);
        check("65.23.51.170", 22, 0xa5d432);
        check("84.124.73.14", 65, 0x1b0321);
        check("43.213.53.83", 90, 0xe56f6c);
    }

    private static void check(String ip, int rand, int prefix) throws Exception {
        int crc = SecureIds.crc(InetAddress.getByName(ip), rand & 7);
        assertThat(crc >>> 8 & 0xfffff8).isEqualTo(prefix & 0xfffff8);
        byte[] id = new byte[20];
        id[0] = (byte) (prefix >>> 16);
        id[1] = (byte) (prefix >>> 8);
        id[2] = (byte) prefix;
        id[19] = (byte) rand;
        assertThat(SecureIds.matches(NodeId.of(id), InetAddress.getByName(ip))).isTrue();
        id[1] ^= 1;
        assertThat(SecureIds.matches(NodeId.of(id), InetAddress.getByName(ip))).isFalse();
    }

    @Test
    void generatedIdsMatchTheirAddressOfEitherFamilyAndNoOther() throws Exception {
        SplittableRandom random = new SplittableRandom(7);
        for (String ip : new String[] {"124.31.75.21", "2001:db8:1234:5678::1"}) {
            InetAddress a = InetAddress.getByName(ip);
            for (int i = 0; i < 50; i++) {
                NodeId id = SecureIds.generate(a, random);
                assertThat(SecureIds.matches(id, a)).isTrue();
                assertThat(SecureIds.verified(id, a)).isTrue();
            }
        }
        NodeId id = SecureIds.generate(InetAddress.getByName("124.31.75.21"), random);
        // 128.47 differs from 124.31 only in bits the mask 0x030f3fff drops.
        assertThat(SecureIds.matches(id, InetAddress.getByName("128.47.75.21"))).isTrue();
        assertThat(SecureIds.matches(id, InetAddress.getByName("125.31.75.21"))).isFalse();
    }

    @Test
    void localAddressesAreExemptFromVerification() throws Exception {
        NodeId any = NodeId.fromHex("00".repeat(20));
        for (String ip : new String[] {"10.1.2.3", "172.16.0.1", "172.31.255.255", "192.168.1.1", "169.254.0.1",
            "127.0.0.1", "::1", "fe80::1", "fd00::1"}) {
            assertThat(SecureIds.verified(any, InetAddress.getByName(ip))).as(ip).isTrue();
        }
        for (String ip : new String[] {"172.32.0.1", "8.8.8.8", "2001:db8::1"}) {
            assertThat(SecureIds.verified(any, InetAddress.getByName(ip))).as(ip).isFalse();
        }
    }
}
