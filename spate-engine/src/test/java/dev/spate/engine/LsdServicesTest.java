package dev.spate.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spate.lsd.LsdConfig;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.StandardProtocolFamily;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Where a session announces (BEP 14: "on each interface on which it is listening"): planned from the
 * bind address, without a socket. Nothing here starts a service.
 */
class LsdServicesTest {
    static NetworkInterface loopback() throws Exception {
        return NetworkInterface.getByInetAddress(InetAddress.getByName("127.0.0.1"));
    }

    @Test
    void aSessionOnTheWildcardAnnouncesOnEachDefaultInterfaceInTheFamiliesItHasAddressesOf() throws Exception {
        // The loopback stands in for a default interface; it has 127.0.0.1 (IPv4) and ::1, which does not count.
        NetworkInterface lo = loopback();
        List<LsdConfig> plan = LsdServices.plan(InetAddress.getByName("0.0.0.0"), 6881, List.of(lo));
        assertThat(plan).singleElement().satisfies(c -> {
            assertThat(c.networkInterface()).isEqualTo(lo);
            assertThat(c.listenPort()).isEqualTo(6881);
            assertThat(c.families()).isEqualTo(Set.of(StandardProtocolFamily.INET));
            assertThat(c.ipv4Source()).isEmpty();
        });
        assertThat(LsdServices.plan(InetAddress.getByName("::"), 6881, List.of())).as("no default interface").isEmpty();
    }

    @Test
    void anInterfaceTakesPartInTheGroupOfEachFamilyItHasAnAddressOfButIpv6NeedsMoreThanLinkLocal()
            throws Exception {
        InetAddress v4 = InetAddress.getByName("192.168.1.20");
        InetAddress linkLocal = InetAddress.getByName("fe80::1");
        InetAddress ula = InetAddress.getByName("fd00:5a7e::1");
        assertThat(LsdServices.families(List.of(v4, linkLocal, ula)))
                .containsExactlyInAnyOrder(StandardProtocolFamily.INET, StandardProtocolFamily.INET6);
        assertThat(LsdServices.families(List.of(v4, linkLocal))).containsExactly(StandardProtocolFamily.INET);
        assertThat(LsdServices.families(List.of(linkLocal, ula))).containsExactly(StandardProtocolFamily.INET6);
        assertThat(LsdServices.families(List.of(linkLocal))).as("left out, not a warning on every start").isEmpty();
        assertThat(LsdServices.families(List.of())).isEmpty();
    }

    @Test
    void aSessionOnOneAddressAnnouncesFromItOnItsInterfaceInItsFamilyOnly() throws Exception {
        InetAddress bind = InetAddress.getByName("127.0.0.1");
        List<LsdConfig> plan = LsdServices.plan(bind, 7000, List.of());
        assertThat(plan).singleElement().satisfies(c -> {
            assertThat(c.networkInterface()).isEqualTo(loopback());
            assertThat(c.families()).isEqualTo(Set.of(StandardProtocolFamily.INET));
            assertThat(c.ipv4Source()).isEqualTo(Optional.of(bind));
            assertThat(c.ipv6Source()).isEmpty();
            assertThat(c.announceInterval()).isEqualTo(LsdConfig.DEFAULT_ANNOUNCE_INTERVAL);
        });
        assertThat(LsdServices.plan(InetAddress.getByName("::1"), 7000, List.of())).singleElement()
                .satisfies(c -> {
                    assertThat(c.families()).isEqualTo(Set.of(StandardProtocolFamily.INET6));
                    assertThat(c.ipv6Source()).isEqualTo(Optional.of(InetAddress.getByName("::1")));
                });
    }

    @Test
    void anAddressNoInterfaceHoldsGetsNoAnnounce() throws Exception {
        // 192.0.2.0/24 is TEST-NET-1: documentation only, on no interface.
        assertThat(LsdServices.plan(InetAddress.getByName("192.0.2.7"), 7000, List.of(loopback()))).isEmpty();
    }
}
