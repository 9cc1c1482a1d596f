package dev.spate.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Where a session listens and whom it dials: both families on one port by default, one address when
 * bound, never a peer of the other family from there; one host named in both forms dialled once.
 */
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

    @Test
    void boundToIpv6ItDialsIpv6PeersButNotIpv4Ones(@TempDir Path tmp) throws Exception {
        byte[] payload = new byte[TorrentLoopTest.PIECE * TorrentLoopTest.PIECES];
        List<Event> events = new CopyOnWriteArrayList<>();
        try (ServerSocket v4 = new ServerSocket(0, 5, InetAddress.getByName("127.0.0.1"));
             ServerSocket v6 = new ServerSocket(0, 5, InetAddress.getByName("::1"));
             Session session = Session.open(config(tmp).bindAddress(InetAddress.getByName("::1")).build());
             Subscription s = session.subscribe(events::add)) {
            TorrentHandle t = session.add(TorrentLoopTest.metainfo(payload, List.of()), tmp.resolve("data"));
            t.connect(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), v4.getLocalPort()));
            t.connect(new InetSocketAddress(InetAddress.getByName("::1"), v6.getLocalPort()));

            v6.setSoTimeout(10_000);
            try (Socket dialled = v6.accept()) {
                assertThat(dialled.getInetAddress()).isEqualTo(InetAddress.getByName("::1"));
            }
            Thread.sleep(500); // the IPv4 peer, were it dialled, fails at once from ::1
            assertThat(events).as("no attempt at the IPv4 peer").noneMatch(e -> e instanceof Event.PeerDisconnected d
                    && d.address().getAddress() instanceof java.net.Inet4Address);
        }
    }

    @Test
    void anIpv4PeerNamedAlsoByItsV4MappedAddressIsDialledOnce(@TempDir Path tmp) throws Exception {
        byte[] payload = new byte[TorrentLoopTest.PIECE * TorrentLoopTest.PIECES];
        byte[] mapped = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xff, (byte) 0xff, 127, 0, 0, 1};
        try (ServerSocket peer = new ServerSocket(0, 5, InetAddress.getByName("127.0.0.1"));
             Session session = Session.open(config(tmp).build())) {
            TorrentHandle t = session.add(TorrentLoopTest.metainfo(payload, List.of()), tmp.resolve("data"));
            // Inet6Address.getByAddress with a scope keeps the mapped form, as a decoder might.
            t.connect(new InetSocketAddress(java.net.Inet6Address.getByAddress(null, mapped, -1), peer.getLocalPort()));
            t.connect(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), peer.getLocalPort()));

            peer.setSoTimeout(10_000);
            try (Socket first = peer.accept()) {
                peer.setSoTimeout(1_500);
                assertThatThrownBy(peer::accept).as("no second dial of the same host")
                        .isInstanceOf(java.net.SocketTimeoutException.class);
            }
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
