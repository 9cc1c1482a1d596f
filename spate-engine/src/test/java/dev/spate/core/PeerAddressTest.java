package dev.spate.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PeerAddressTest {
    private static final byte[] MAPPED = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xff, (byte) 0xff, (byte) 192, 0, 2, 7};

    @Test
    void aV4MappedAddressBecomesThePlainIpv4One() throws Exception {
        // Inet6Address.getByAddress with a scope keeps the mapped form, unlike InetAddress.getByAddress.
        InetAddress mapped = Inet6Address.getByAddress(null, MAPPED, -1);
        assertThat(mapped).isInstanceOf(Inet6Address.class);

        InetAddress c = PeerAddress.canonical(mapped);

        assertThat(c).isInstanceOf(Inet4Address.class).isEqualTo(InetAddress.getByName("192.0.2.7"));
    }

    @Test
    void oneHostReachedByBothFormsIsOneCandidate() throws Exception {
        InetSocketAddress plain = new InetSocketAddress(InetAddress.getByName("192.0.2.7"), 6881);
        InetSocketAddress mapped = new InetSocketAddress(Inet6Address.getByAddress(null, MAPPED, -1), 6881);
        assertThat(mapped).isNotEqualTo(plain);

        Set<InetSocketAddress> peers = new HashSet<>(List.of(PeerAddress.canonical(plain), PeerAddress.canonical(mapped)));

        assertThat(peers).containsExactly(plain);
    }

    @Test
    void otherAddressesAreLeftAsTheyAre() throws Exception {
        InetSocketAddress v6 = new InetSocketAddress(InetAddress.getByName("fd00::2"), 6881);
        InetSocketAddress v4 = new InetSocketAddress(InetAddress.getByName("10.0.0.1"), 6881);
        InetSocketAddress named = InetSocketAddress.createUnresolved("peer.example", 6881);
        // ::ffff:0:a.b.c.d (SIIT) and ::a.b.c.d (the deprecated compatible form) are not mapped ones.
        InetAddress compatible = Inet6Address.getByAddress(null,
                new byte[] {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 192, 0, 2, 7}, -1);

        assertThat(PeerAddress.canonical(v6)).isSameAs(v6);
        assertThat(PeerAddress.canonical(v4)).isSameAs(v4);
        assertThat(PeerAddress.canonical(named)).isSameAs(named);
        assertThat(PeerAddress.canonical(compatible)).isSameAs(compatible);
    }

    @Test
    void ipv6IsPrintedCompressedInBrackets() throws Exception {
        assertThat(PeerAddress.format(new InetSocketAddress(InetAddress.getByName("fd00:0:0:0:0:0:0:2"), 6881)))
                .isEqualTo("[fd00::2]:6881");
        assertThat(PeerAddress.format(new InetSocketAddress(InetAddress.getByName("::1"), 1))).isEqualTo("[::1]:1");
        assertThat(PeerAddress.format(new InetSocketAddress(InetAddress.getByName("::"), 2))).isEqualTo("[::]:2");
        assertThat(PeerAddress.format(new InetSocketAddress(InetAddress.getByName("192.0.2.1"), 6881)))
                .isEqualTo("192.0.2.1:6881");
        assertThat(PeerAddress.format(InetSocketAddress.createUnresolved("peer.example", 80)))
                .isEqualTo("peer.example:80");
    }

    @Test
    void compressionFollowsRfc5952() throws Exception {
        // The longest zero run is the one compressed; the first on a tie; a single zero group stays.
        assertThat(PeerAddress.host(InetAddress.getByName("2001:db8:0:0:1:0:0:1"))).isEqualTo("2001:db8::1:0:0:1");
        assertThat(PeerAddress.host(InetAddress.getByName("2001:0:0:1:0:0:0:1"))).isEqualTo("2001:0:0:1::1");
        assertThat(PeerAddress.host(InetAddress.getByName("2001:db8:0:1:1:1:1:1"))).isEqualTo("2001:db8:0:1:1:1:1:1");
        assertThat(PeerAddress.host(InetAddress.getByName("1:0:0:0:0:0:0:0"))).isEqualTo("1::");
        assertThat(PeerAddress.host(InetAddress.getByName("2001:DB8::ABCD"))).isEqualTo("2001:db8::abcd");
        assertThat(PeerAddress.host(Inet6Address.getByAddress(null, InetAddress.getByName("fe80::1").getAddress(), 3)))
                .isEqualTo("fe80::1%3");
    }

    @Test
    void aMappedAddressIsPrintedAsIpv4() throws Exception {
        InetSocketAddress mapped = new InetSocketAddress(Inet6Address.getByAddress(null, MAPPED, -1), 6881);

        assertThat(PeerAddress.format(mapped)).isEqualTo("192.0.2.7:6881");
    }
}
