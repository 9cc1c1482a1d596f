package dev.spate.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Where a session listens: both families on one port by default, one address when bound (BEP 7). */
@Timeout(30)
class SessionListenTest {
    @Test
    void byDefaultOnePortTakesIpv4AndIpv6(@TempDir Path tmp) throws Exception {
        try (Session session = Session.open(config(tmp).build())) {
            int port = session.listenPort();

            assertThat(reaches("127.0.0.1", port)).as("IPv4").isTrue();
            assertThat(reaches("::1", port)).as("IPv6 on the same port").isTrue();
        }
    }

    @Test
    void boundToAnIpv6AddressItListensThereOnly(@TempDir Path tmp) throws Exception {
        try (Session session = Session.open(config(tmp).bindAddress(InetAddress.getByName("::1")).build())) {
            int port = session.listenPort();

            assertThat(reaches("::1", port)).isTrue();
            assertThat(reaches("127.0.0.1", port)).as("no IPv4 when bound to ::1").isFalse();
        }
    }

    @Test
    void boundToAnIpv4AddressItListensThereOnly(@TempDir Path tmp) throws Exception {
        try (Session session = Session.open(config(tmp).bindAddress(InetAddress.getByName("127.0.0.1")).build())) {
            int port = session.listenPort();

            assertThat(reaches("127.0.0.1", port)).isTrue();
            assertThat(reaches("::1", port)).as("no IPv6 when bound to 127.0.0.1").isFalse();
        }
    }

    @Test
    void aBusyPortIsReportedWithTheAddressInBrackets(@TempDir Path tmp) throws Exception {
        try (Session first = Session.open(config(tmp).bindAddress(InetAddress.getByName("::1")).build())) {
            int port = first.listenPort();

            assertThatThrownBy(() -> Session.open(config(tmp.resolve("second"))
                    .bindAddress(InetAddress.getByName("::1")).listenPort(port).build()))
                    .isInstanceOf(IOException.class)
                    .hasMessageStartingWith("cannot listen on [::1]:" + port + ": ");
        }
    }

    private static SessionConfig.Builder config(Path tmp) {
        return SessionConfig.builder().localDiscovery(false).dht(false).listenPort(0)
                .stateDirectory(tmp.resolve("state"));
    }

    private static boolean reaches(String host, int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(InetAddress.getByName(host), port), 2000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
