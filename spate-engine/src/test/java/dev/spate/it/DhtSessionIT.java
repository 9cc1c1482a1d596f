package dev.spate.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spate.core.InfoHash;
import dev.spate.engine.DhtStatus;
import dev.spate.engine.Event;
import dev.spate.engine.Session;
import dev.spate.engine.SessionConfig;
import dev.spate.engine.Subscription;
import dev.spate.engine.TorrentHandle;
import dev.spate.metainfo.Magnet;
import dev.spate.metainfo.Metainfo;
import dev.spate.metainfo.TorrentCreator;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Spate sessions finding each other through the DHT alone (BEP 5), over real UDP on 127.0.0.1:
 * a DHT-only session as the bootstrap node, a seed that announces itself, and a leech given only an
 * {@code xt} magnet link. Then the routing table survives a restart without the bootstrap node.
 */
class DhtSessionIT {
    static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

    @TempDir
    Path tmp;

    static SessionConfig.Builder withDht(Path state, InetSocketAddress bootstrap) {
        return SessionConfig.builder().localDiscovery(false).pex(false).bindAddress(LOOPBACK).listenPort(0)
                .stateDirectory(state).dhtBootstrap(bootstrap == null ? List.of() : List.of(bootstrap));
    }

    static void await(String what, Duration limit, BooleanSupplier condition) throws InterruptedException {
        long end = System.nanoTime() + limit.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(50);
        }
    }

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void aMagnetWithOnlyItsInfoHashDownloadsFromASeedFoundThroughTheDht() throws Exception {
        Path content = Payload.file(tmp.resolve("seed/dht.bin"), 1L << 20, 13);
        Metainfo meta = TorrentCreator.builder(content).pieceLength(32 * 1024).build().createMetainfo();
        InfoHash hash = InfoHash.of(meta.infoHash());
        List<Event> seedEvents = new CopyOnWriteArrayList<>();
        List<Event> leechEvents = new CopyOnWriteArrayList<>();
        try (Session router = Session.open(withDht(tmp.resolve("router-state"), null).build())) {
            InetSocketAddress routerNode = new InetSocketAddress(LOOPBACK, router.dhtStatus().orElseThrow().port());
            try (Session seed = Session.open(withDht(tmp.resolve("seed-state"), routerNode).build());
                 Subscription s1 = seed.subscribe(seedEvents::add);
                 Session leech = Session.open(withDht(tmp.resolve("leech-state"), routerNode).build());
                 Subscription s2 = leech.subscribe(leechEvents::add)) {
                assertThat(seed.add(meta, tmp.resolve("seed")).awaitCompletion(Duration.ofSeconds(20))).isTrue();
                await("the seed's first announce", Duration.ofSeconds(30), () -> seedEvents.stream()
                        .anyMatch(e -> e instanceof Event.DhtReply r && r.infoHash().equals(hash) && r.nodes() > 0));
                assertThat(seedEvents).anyMatch(e -> e instanceof Event.DhtReady r && r.infoHash().equals(hash));

                Magnet magnet = Magnet.parse("magnet:?xt=urn:btih:" + hash.hex());
                assertThat(magnet.trackers()).isEmpty();
                assertThat(magnet.peers()).isEmpty();
                TorrentHandle t = leech.add(magnet, Files.createDirectories(tmp.resolve("leech")));
                assertThat(t.awaitCompletion(Duration.ofSeconds(45))).as("downloaded through the DHT").isTrue();
                assertThat(Files.mismatch(content, tmp.resolve("leech/dht.bin"))).isEqualTo(-1);
                assertThat(leechEvents).anyMatch(e -> e instanceof Event.DhtReply r && r.peers() > 0);
                DhtStatus status = leech.dhtStatus().orElseThrow();
                assertThat(status.ready()).isTrue();
                assertThat(status.nodes()).isGreaterThanOrEqualTo(1);
                assertThat(status.nodes6()).as("bound to 127.0.0.1: the IPv4 DHT only").isZero();

                // Restarted with no bootstrap router at all, the leech rejoins through its saved table.
                leech.close();
                assertThat(tmp.resolve("leech-state/dht.dat")).exists();
                try (Session again = Session.open(withDht(tmp.resolve("leech-state"), null).build())) {
                    await("the restarted node to rejoin from its saved table", Duration.ofSeconds(20),
                            () -> again.dhtStatus().orElseThrow().nodes() > 0);
                }
            }
        }
    }

    /** BEP 32 over real sockets: sessions bound to ::1 run the IPv6 DHT alone and find each other in it. */
    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void overIpv6TheSeedIsFoundInTheIpv6Dht() throws Exception {
        InetAddress v6 = InetAddress.getByName("::1");
        Path content = Payload.file(tmp.resolve("seed6/dht6.bin"), 256 << 10, 17);
        Metainfo meta = TorrentCreator.builder(content).pieceLength(32 * 1024).build().createMetainfo();
        InfoHash hash = InfoHash.of(meta.infoHash());
        List<Event> seedEvents = new CopyOnWriteArrayList<>();
        List<Event> leechEvents = new CopyOnWriteArrayList<>();
        try (Session router = Session.open(withDht(tmp.resolve("r6"), null).bindAddress(v6).build())) {
            InetSocketAddress routerNode = new InetSocketAddress(v6, router.dhtStatus().orElseThrow().port());
            try (Session seed = Session.open(withDht(tmp.resolve("s6"), routerNode).bindAddress(v6).build());
                 Subscription s1 = seed.subscribe(seedEvents::add);
                 Session leech = Session.open(withDht(tmp.resolve("l6"), routerNode).bindAddress(v6).build());
                 Subscription s2 = leech.subscribe(leechEvents::add)) {
                assertThat(seed.add(meta, tmp.resolve("seed6")).awaitCompletion(Duration.ofSeconds(20))).isTrue();
                await("the seed's first announce over IPv6", Duration.ofSeconds(30), () -> seedEvents.stream()
                        .anyMatch(e -> e instanceof Event.DhtReply r && r.infoHash().equals(hash) && r.nodes() > 0));
                TorrentHandle t = leech.add(Magnet.parse("magnet:?xt=urn:btih:" + hash.hex()),
                        Files.createDirectories(tmp.resolve("leech6")));
                assertThat(t.awaitCompletion(Duration.ofSeconds(30))).as("downloaded from the IPv6 DHT's peer").isTrue();
                assertThat(Files.mismatch(content, tmp.resolve("leech6/dht6.bin"))).isEqualTo(-1);
                DhtStatus status = leech.dhtStatus().orElseThrow();
                assertThat(status.nodes6()).isGreaterThanOrEqualTo(1);
                assertThat(status.nodes4()).as("bound to ::1: the IPv6 DHT only").isZero();
            }
        }
    }

    @Test
    void aSessionWithTheDhtOffHasNoDhtStatus() throws Exception {
        try (Session s = Session.open(SessionConfig.builder().localDiscovery(false).dht(false).bindAddress(LOOPBACK)
                .listenPort(0).stateDirectory(tmp.resolve("state")).build())) {
            assertThat(s.dhtStatus()).isEmpty();
        }
    }
}
