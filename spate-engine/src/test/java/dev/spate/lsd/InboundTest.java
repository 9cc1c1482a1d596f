package dev.spate.lsd;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spate.core.InfoHash;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class InboundTest {
    static final long MINUTE = Duration.ofMinutes(1).toNanos();

    final AtomicLong now = new AtomicLong(1_000);
    final List<InfoHash> h = AnnounceCodecTest.hashes(3, 5);
    final Set<InfoHash> registered = new java.util.HashSet<>(List.of(h.get(0), h.get(1)));
    final List<Map.Entry<InfoHash, InetSocketAddress>> heard = new CopyOnWriteArrayList<>();
    final LsdCounters counters = new LsdCounters();
    final RecordingLogger logger = new RecordingLogger();
    LsdListener listener = (ih, peer) -> heard.add(Map.entry(ih, peer));

    Inbound inbound() {
        LocalNetworks networks = new LocalNetworks(() -> List.of(LocalNetworksTest.subnet("198.18.0.1", 24),
                LocalNetworksTest.subnet("fe80::1", 64)), now::get, Duration.ofSeconds(30).toNanos());
        PeerAdmission admission = new PeerAdmission(now::get, 10, 100, MINUTE, 1024, 4096);
        return new Inbound("ourcookie", registered::contains, networks, admission, (ih, peer) -> listener.onPeer(ih, peer),
                counters, new RateLimitedLog(logger, now::get, Duration.ofMinutes(5).toNanos()));
    }

    static ByteBuffer announce(int port, List<InfoHash> hashes, String cookie) {
        return ByteBuffer.wrap(AnnounceCodec.encode(LsdConfig.IPV4_HOST, port, hashes, cookie));
    }

    static InetSocketAddress from(String ip) {
        return new InetSocketAddress(LocalNetworksTest.ip(ip), 6771);
    }

    @Test
    void aRegisteredTorrentsPeerIsTheSourceAddressWithTheAnnouncedPort() {
        Inbound in = inbound();
        in.onDatagram(announce(51413, List.of(h.get(2), h.get(1), h.get(0)), "theirs"), from("198.18.0.7"));
        InetSocketAddress peer = new InetSocketAddress(LocalNetworksTest.ip("198.18.0.7"), 51413);
        assertThat(heard).containsExactly(Map.entry(h.get(1), peer), Map.entry(h.get(0), peer));
        LsdStats s = counters.snapshot();
        assertThat(s.datagramsReceived()).isEqualTo(1);
        assertThat(s.unknownTorrents()).isEqualTo(1);
        assertThat(s.peersReported()).isEqualTo(2);
    }

    @Test
    void anIpv6LinkLocalSourceKeepsItsScope() throws Exception {
        Inbound in = inbound();
        java.net.Inet6Address scoped = java.net.Inet6Address.getByAddress(null,
                LocalNetworksTest.ip("fe80::d437:d5ff:fe26:a231").getAddress(), 3);
        in.onDatagram(ByteBuffer.wrap(AnnounceCodec.encode(LsdConfig.IPV6_HOST, 6881, List.of(h.get(0)), "x")),
                new InetSocketAddress(scoped, 6771));
        assertThat(heard).hasSize(1);
        assertThat(((java.net.Inet6Address) heard.get(0).getValue().getAddress()).getScopeId()).isEqualTo(3);
    }

    @Test
    void ourOwnAnnounceHeardThroughTheLoopIsIgnored() {
        Inbound in = inbound();
        in.onDatagram(announce(6881, List.of(h.get(0)), "ourcookie"), from("198.18.0.1"));
        assertThat(heard).isEmpty();
        assertThat(counters.snapshot().own()).isEqualTo(1);
    }

    @Test
    void aSourceOffTheInterfacesNetworksIsDropped() {
        Inbound in = inbound();
        in.onDatagram(announce(6881, List.of(h.get(0)), "theirs"), from("192.168.1.5"));
        in.onDatagram(announce(6881, List.of(h.get(0)), "theirs"), from("0.0.0.0"));
        in.onDatagram(announce(6881, List.of(h.get(0)), "theirs"), from("239.192.152.143"));
        assertThat(heard).isEmpty();
        assertThat(counters.snapshot().offNetwork()).isEqualTo(1);
        assertThat(counters.snapshot().rejected()).isEqualTo(2);
    }

    @Test
    void hostileDatagramsAreCountedAndLoggedOnlyAtDebugAndRarely() {
        Inbound in = inbound();
        List<HostileDatagrams.Hostile> all = HostileDatagrams.all();
        for (HostileDatagrams.Hostile bad : all) {
            in.onDatagram(ByteBuffer.wrap(bad.bytes()), from("198.18.0.9"));
        }
        assertThat(heard).isEmpty();
        assertThat(counters.snapshot().rejected()).isEqualTo(all.size());
        assertThat(logger.entries).hasSize(1).allMatch(e -> e.level() == System.Logger.Level.DEBUG);
        assertThat(logger.messages().get(0)).startsWith("LSD: ignored a datagram from 198.18.0.9: ");
    }

    @Test
    void aFloodOfAnnouncesFromOneHostReportsTenPeersAMinute() {
        Inbound in = inbound();
        for (int port = 10_000; port < 10_500; port++) {
            in.onDatagram(announce(port, List.of(h.get(0)), "flood"), from("198.18.0.3"));
        }
        assertThat(heard).hasSize(10);
        assertThat(counters.snapshot().rateLimited()).isEqualTo(490);
        in.onDatagram(announce(7000, List.of(h.get(0)), "honest"), from("198.18.0.2"));
        assertThat(heard).hasSize(11);
        now.addAndGet(MINUTE);
        in.onDatagram(announce(20_000, List.of(h.get(0)), "flood"), from("198.18.0.3"));
        assertThat(heard).hasSize(12);
    }

    @Test
    void libtorrentsThreeCopiesOfOneAnnounceReportThePeerOnce() {
        Inbound in = inbound();
        for (int i = 0; i < 3; i++) {
            in.onDatagram(announce(6881, List.of(h.get(0)), "lt"), from("198.18.0.5"));
        }
        assertThat(heard).hasSize(1);
        assertThat(counters.snapshot().duplicates()).isEqualTo(2);
    }

    @Test
    void aListenerThatThrowsIsLoggedAndTheNextPeerStillArrives() {
        Inbound in = inbound();
        listener = (ih, peer) -> {
            if (peer.getPort() == 1) {
                throw new IllegalStateException("engine bug");
            }
            heard.add(Map.entry(ih, peer));
        };
        in.onDatagram(announce(1, List.of(h.get(0)), "a"), from("198.18.0.5"));
        in.onDatagram(announce(2, List.of(h.get(0)), "a"), from("198.18.0.5"));
        assertThat(heard).hasSize(1);
        assertThat(logger.messages()).singleElement().asString().contains("engine bug");
        assertThat(counters.snapshot().peersReported()).isEqualTo(1);
    }

    @Test
    void theDatagramIsReadFromItsPositionToItsLimit() {
        Inbound in = inbound();
        byte[] body = AnnounceCodec.encode(LsdConfig.IPV4_HOST, 6881, List.of(h.get(0)), "a");
        ByteBuffer b = ByteBuffer.allocate(AnnounceCodec.MAX_RECEIVED_BYTES + 1);
        b.put("junk".getBytes(StandardCharsets.US_ASCII)).put(body).put("tail".getBytes(StandardCharsets.US_ASCII));
        b.position(4).limit(4 + body.length);
        in.onDatagram(b, from("198.18.0.5"));
        assertThat(heard).hasSize(1);
    }
}
