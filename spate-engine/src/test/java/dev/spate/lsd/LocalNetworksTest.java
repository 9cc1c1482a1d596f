package dev.spate.lsd;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class LocalNetworksTest {
    static InetAddress ip(String s) {
        try {
            return InetAddress.getByName(s);
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    static LocalNetworks.Subnet subnet(String ip, int prefix) {
        return new LocalNetworks.Subnet(ip(ip), prefix);
    }

    @Test
    void aSubnetContainsTheAddressesThatShareItsPrefix() {
        LocalNetworks.Subnet lan = subnet("192.168.1.77", 24);
        assertThat(lan.contains(ip("192.168.1.1"))).isTrue();
        assertThat(lan.contains(ip("192.168.2.1"))).isFalse();
        LocalNetworks.Subnet odd = subnet("10.0.0.130", 25);
        assertThat(odd.contains(ip("10.0.0.255"))).isTrue();
        assertThat(odd.contains(ip("10.0.0.127"))).isFalse();
        LocalNetworks.Subnet v6 = subnet("fe80::1", 64);
        assertThat(v6.contains(ip("fe80::d437:d5ff:fe26:a231"))).isTrue();
        assertThat(v6.contains(ip("fd00::1"))).isFalse();
        assertThat(v6.contains(ip("192.168.1.1"))).as("another family").isFalse();
        assertThat(subnet("::1", 128).contains(ip("::1"))).isTrue();
        assertThat(subnet("10.1.2.3", -1).contains(ip("10.1.2.4"))).as("a bad prefix means the address only").isFalse();
    }

    @Test
    void anUnknownSourceRereadsTheAddressesAtMostOncePerRefreshPeriod() {
        AtomicLong now = new AtomicLong();
        AtomicInteger reads = new AtomicInteger();
        List<LocalNetworks.Subnet> current = new ArrayList<>(List.of(subnet("192.168.1.2", 24)));
        LocalNetworks n = new LocalNetworks(() -> {
            reads.incrementAndGet();
            return List.copyOf(current);
        }, now::get, Duration.ofSeconds(30).toNanos());
        assertThat(reads).hasValue(1);
        current.add(subnet("10.0.0.2", 8));
        now.addAndGet(Duration.ofSeconds(10).toNanos());
        assertThat(n.contains(ip("10.0.0.9"))).as("not re-read within 30 s of the first read").isFalse();
        assertThat(n.contains(ip("192.168.1.9"))).isTrue();
        assertThat(reads).hasValue(1);
        now.addAndGet(Duration.ofSeconds(20).toNanos());
        assertThat(n.contains(ip("10.0.0.9"))).isTrue();
        assertThat(reads).hasValue(2);
        for (int i = 0; i < 100; i++) {
            n.contains(ip("172.16.0." + i));
        }
        assertThat(reads).as("a flood of strangers costs one read per period").hasValue(2);
    }
}
