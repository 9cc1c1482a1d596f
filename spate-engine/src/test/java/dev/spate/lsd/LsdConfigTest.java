package dev.spate.lsd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.StandardProtocolFamily;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * What users get. No socket is opened here: a NetworkInterface object is only a name and an index.
 */
class LsdConfigTest {
    static NetworkInterface anyInterface() throws SocketException {
        return NetworkInterface.networkInterfaces().findFirst().orElseThrow();
    }

    @Test
    void theProductionGroupsAndPortAreBep14s() throws Exception {
        assertThat(LsdConfig.PORT).isEqualTo(6771);
        assertThat(LsdConfig.IPV4_GROUP).isEqualTo(new InetSocketAddress(InetAddress.getByName("239.192.152.143"), 6771));
        assertThat(LsdConfig.IPV6_GROUP).isEqualTo(new InetSocketAddress(InetAddress.getByName("ff15::efc0:988f"), 6771));
        assertThat(LsdConfig.IPV4_GROUP.getAddress().isMCOrgLocal()).isTrue();
        assertThat(LsdConfig.IPV6_GROUP.getAddress().isMCSiteLocal()).isTrue();
        assertThat(LsdConfig.IPV4_HOST).isEqualTo("239.192.152.143:6771");
        assertThat(LsdConfig.IPV6_HOST).isEqualTo("[ff15::efc0:988f]:6771");
        assertThat(LsdConfig.group(StandardProtocolFamily.INET)).isEqualTo(LsdConfig.IPV4_GROUP);
        assertThat(LsdConfig.group(StandardProtocolFamily.INET6)).isEqualTo(LsdConfig.IPV6_GROUP);
    }

    @Test
    void theDefaultsUseBothGroupsAnnounceEveryFiveMinutesAndLimitWhatComesIn() throws Exception {
        NetworkInterface ni = anyInterface();
        LsdConfig c = LsdConfig.defaults(ni, 6881);
        assertThat(c.networkInterface()).isEqualTo(ni);
        assertThat(c.listenPort()).isEqualTo(6881);
        assertThat(c.families()).containsExactlyInAnyOrder(StandardProtocolFamily.INET, StandardProtocolFamily.INET6);
        assertThat(c.ipv4Source()).isEmpty();
        assertThat(c.ipv6Source()).isEmpty();
        assertThat(c.announceInterval()).isEqualTo(Duration.ofMinutes(5));
        assertThat(c.maxAnnouncesPerMinute()).isEqualTo(6);
        assertThat(c.maxPeersPerSourcePerMinute()).isEqualTo(10);
        assertThat(c.maxPeersPerMinute()).isEqualTo(100);
        assertThat(c.multicastTtl()).isEqualTo(1);
    }

    @Test
    void badValuesAreRefusedWithTheFieldNamed() throws Exception {
        LsdConfig c = LsdConfig.defaults(anyInterface(), 6881);
        assertThatThrownBy(() -> LsdConfig.defaults(anyInterface(), 0)).hasMessageContaining("listenPort");
        assertThatThrownBy(() -> c.withFamilies(Set.of())).hasMessageContaining("families");
        assertThatThrownBy(() -> c.withAnnounceInterval(Duration.ofMillis(999))).hasMessageContaining("announceInterval");
        assertThatThrownBy(() -> c.withMulticastTtl(0)).hasMessageContaining("multicastTtl");
        assertThatThrownBy(() -> c.withMaxAnnouncesPerMinute(0)).hasMessageContaining("maxAnnouncesPerMinute");
        assertThatThrownBy(() -> c.withPeerLimits(0, 5)).hasMessageContaining("maxPeersPerSourcePerMinute");
        assertThatThrownBy(() -> c.withPeerLimits(5, 0)).hasMessageContaining("maxPeersPerMinute");
        assertThatThrownBy(() -> c.withIpv4Source(InetAddress.getByName("::1"))).hasMessageContaining("ipv4Source");
        assertThatThrownBy(() -> c.withIpv6Source(InetAddress.getByName("127.0.0.1"))).hasMessageContaining("ipv6Source");
    }

    @Test
    void usersDefaultInterfacesNeverIncludeALoopbackOrATunnel() throws Exception {
        // Lists interfaces only; nothing is joined.
        for (NetworkInterface ni : LsdConfig.defaultInterfaces()) {
            assertThat(ni.isLoopback()).as(ni.getName()).isFalse();
            assertThat(ni.isPointToPoint()).as(ni.getName()).isFalse();
            assertThat(ni.isUp() && ni.supportsMulticast()).as(ni.getName()).isTrue();
        }
    }
}
