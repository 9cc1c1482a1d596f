package dev.spate.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

class PublishedIpv6Test {
    private static InetAddress ip(String literal) throws Exception {
        return InetAddress.getByName(literal);
    }

    @Test
    void onTheWildcardTheFirstGlobalIpv6AddressOfTheHostIsPublished() throws Exception {
        List<InetAddress> local = List.of(ip("10.0.0.2"), ip("fe80::1"), ip("fd00::2"), ip("2001:db8::7"),
                ip("2a00::1"));

        assertThat(PublishedIpv6.choose(ip("0.0.0.0"), local)).contains((java.net.Inet6Address) ip("2001:db8::7"));
        assertThat(PublishedIpv6.choose(ip("::"), local)).contains((java.net.Inet6Address) ip("2001:db8::7"));
    }

    @Test
    void onlyLocalIpv6AddressesAreNotPublished() throws Exception {
        List<InetAddress> local = List.of(ip("10.0.0.2"), ip("::1"), ip("fe80::1"), ip("fd00::2"));

        assertThat(PublishedIpv6.choose(ip("0.0.0.0"), local)).isEmpty();
    }

    @Test
    void boundToOneAddressOnlyThatAddressCanBePublished() throws Exception {
        List<InetAddress> local = List.of(ip("2001:db8::7"));

        assertThat(PublishedIpv6.choose(ip("2001:db8::9"), local)).contains((java.net.Inet6Address) ip("2001:db8::9"));
        assertThat(PublishedIpv6.choose(ip("192.0.2.1"), local)).as("listening on IPv4 only").isEmpty();
        assertThat(PublishedIpv6.choose(ip("fd00::2"), local)).as("a unique-local bind address").isEmpty();
    }
}
