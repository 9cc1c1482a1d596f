package dev.spate.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.spate.engine.Event;
import dev.spate.engine.Session;
import dev.spate.engine.SessionConfig;
import dev.spate.engine.Subscription;
import dev.spate.engine.TorrentHandle;
import dev.spate.metainfo.Metainfo;
import dev.spate.metainfo.TorrentCreator;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * IPv6 peers (BEP 7): Spate with Spate over ::1, directly and through a tracker's {@code peers6},
 * and over fd00:: addresses in a namespace; Spate with libtorrent over ::1 both ways; a v4-mapped
 * peer in {@code peers6} is the IPv4 peer of {@code peers}, dialled once. The seeds listen on the
 * default wildcard, whose one dual-stack socket takes both families. Spate with libtorrent on fd00::
 * addresses is {@link Ipv6NamespaceIT}.
 */
class Ipv6IT {
    private static final Duration READY = Duration.ofSeconds(30);
    private static final Duration DOWNLOAD = Duration.ofSeconds(40);
    private static final Pattern SEEDING = Pattern.compile("^seeding .* on port (\\d+)$");

    @TempDir
    Path tmp;

    /** {@code spate seed} on the default wildcard (both families), its port once it seeds. */
    private ExternalProcess seed(Libtorrent.CreatedTorrent torrent, Path dir, List<String> extra, NetNamespace ns) {
        List<String> args = new java.util.ArrayList<>(List.of("seed", torrent.file().toString(), "-d", dir.toString(),
                "--state", tmp.resolve("seed-state").toString(), "--verbose"));
        args.addAll(extra);
        if (!extra.contains("--port")) {
            args.addAll(List.of("--port", "0"));
        }
        List<String> cmd = SpateCli.command(args);
        return ExternalProcess.start("spate-seed6", ns == null ? cmd : ns.exec(cmd), null);
    }

    private static int port(ExternalProcess seed) {
        return Integer.parseInt(seed.waitForLine(SEEDING, READY).group(1));
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void spateDownloadsFromASpateSeedGivenAsAnIpv6Peer() throws Exception {
        Path content = Payload.file(tmp.resolve("seed/v6.bin"), 1024 * 1024 + 61, 91);
        Libtorrent.CreatedTorrent torrent = Libtorrent.createTorrent(content, tmp.resolve("v6.torrent"), 64 * 1024,
                List.of());
        Path out = tmp.resolve("out");
        try (ExternalProcess seed = seed(torrent, content.getParent(), List.of(), null)) {
            int port = port(seed);
            try (ExternalProcess leech = SpateCli.download(torrent.file(), out, tmp.resolve("state"),
                    List.of("[::1]:" + port), List.of("--bind", "::1", "--verbose"), null)) {
                assertThat(leech.waitForExit(DOWNLOAD)).as("exit; log:%n%s%nseed:%n%s", leech.logTail(30),
                        seed.logTail(20)).isZero();
                assertThat(SpateCli.summary(leech).group("state")).isEqualTo("complete");
                assertThat(leech.logText()).as("the peer in brackets, compressed")
                        .contains("peer [::1]:" + port + ": connected").doesNotContain("0:0:0:0");
            }
            assertThat(seed.logText()).as("the seed took it on its dual-stack socket, from ::1")
                    .containsPattern("peer \\[::1\\]:\\d+: connected");
        }
        Payload.assertSameTree(content, out.resolve("v6.bin"));
    }

    /**
     * A tracker on ::1 answers with the seed in {@code peers6} (BEP 7) and at 127.0.0.1 in {@code
     * peers}; the leech, bound to ::1, dials from there only, so the IPv6 peer alone.
     */
    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void spateFindsASpateSeedInAnIpv6TrackersPeers6() throws Exception {
        AtomicInteger seedPort = new AtomicInteger();
        TestTrackers.HttpHandler answer = (a, t) -> TestTrackers.ok(TestTrackers.peersAnswer(1, List.of(
                new InetSocketAddress(InetAddress.getByName("::1"), seedPort.get()),
                new InetSocketAddress(InetAddress.getByName("127.0.0.1"), seedPort.get()))));
        try (TestTrackers.HttpTracker tracker = new TestTrackers.HttpTracker(answer, InetAddress.getByName("::1"))) {
            assertThat(tracker.announceUrl()).startsWith("http://[::1]:");
            Path content = Payload.file(tmp.resolve("seed/t6.bin"), 768 * 1024 + 5, 92);
            Libtorrent.CreatedTorrent torrent = Libtorrent.createTorrent(content, tmp.resolve("t6.torrent"),
                    32 * 1024, List.of(tracker.announceUrl()));
            Path out = tmp.resolve("out");
            try (ExternalProcess seed = seed(torrent, content.getParent(), List.of(), null)) {
                seedPort.set(port(seed));
                try (ExternalProcess leech = SpateCli.download(torrent.file(), out, tmp.resolve("state"), List.of(),
                        List.of("--bind", "::1", "--verbose"), null)) {
                    assertThat(leech.waitForExit(DOWNLOAD)).as("exit; log:%n%s%nseed:%n%s", leech.logTail(30),
                            seed.logTail(20)).isZero();
                    assertThat(SpateCli.summary(leech).group("state")).isEqualTo("complete");
                    assertThat(leech.logText())
                            .contains("peer [::1]:" + seedPort.get() + ": connected")
                            .as("an IPv4 peer is out of reach from ::1: not dialled")
                            .doesNotContain("peer 127.0.0.1:" + seedPort.get());
                }
            }
            assertThat(tracker.announces()).as("both announced over IPv6").isNotEmpty()
                    .allSatisfy(a -> assertThat(a.query()).doesNotContainKey("ipv6"));
            Payload.assertSameTree(content, out.resolve("t6.bin"));
        }
    }

    /**
     * One host named twice, at 127.0.0.1 in {@code peers} and as ::ffff:127.0.0.1 in {@code peers6}:
     * one candidate, one connection, no duplicate refused.
     */
    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aV4MappedPeerInPeers6IsTheIpv4PeerOfPeers() throws Exception {
        Path source = Payload.file(tmp.resolve("seed/m.bin"), 512 * 1024 + 9, 93);
        AtomicInteger seedPort = new AtomicInteger();
        byte[] mapped = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xff, (byte) 0xff, 127, 0, 0, 1};
        TestTrackers.HttpHandler answer = (a, t) -> TestTrackers.ok(TestTrackers.peersAnswer(1, List.of(
                new InetSocketAddress(InetAddress.getByName("127.0.0.1"), seedPort.get()),
                new InetSocketAddress(Inet6Address.getByAddress(null, mapped, -1), seedPort.get()))));
        try (TestTrackers.HttpTracker tracker = new TestTrackers.HttpTracker(answer)) {
            Metainfo meta = TorrentCreator.builder(source).pieceLength(32 * 1024).tracker(tracker.announceUrl())
                    .build().createMetainfo();
            List<Event> events = new CopyOnWriteArrayList<>();
            List<Event> untilComplete;
            // About 2 s at 256 KiB/s: both copies, dialled at once from the first answer, would connect.
            try (Session seed = Session.open(config(tmp.resolve("s1")).build());
                 Session leech = Session.open(config(tmp.resolve("s2")).downloadRateLimit(256 * 1024).build());
                 Subscription s = leech.subscribe(events::add)) {
                seedPort.set(seed.listenPort());
                TorrentHandle seeding = seed.add(meta, source.getParent());
                assertThat(seeding.awaitCompletion(Duration.ofSeconds(20))).isTrue();
                TorrentHandle downloading = leech.add(meta, tmp.resolve("leech"));
                assertThat(downloading.awaitCompletion(DOWNLOAD)).as("events: %s", events).isTrue();
                // Afterwards both are seeds: they part ("both of us are seeds", possibly before this copy),
                // and the next answer (1 s) may connect them again. So only the events up to completion.
                List<Event> all = List.copyOf(events);
                int complete = java.util.stream.IntStream.range(0, all.size())
                        .filter(i -> all.get(i) instanceof Event.TorrentComplete).findFirst().orElse(all.size() - 1);
                untilComplete = all.subList(0, complete + 1);
            }
            assertThat(untilComplete.stream().filter(e -> e instanceof Event.PeerConnected).toList())
                    .as("one connection, to the IPv4 address; events: %s", untilComplete).singleElement()
                    .satisfies(e -> assertThat(((Event.PeerConnected) e).address())
                            .isEqualTo(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), seedPort.get())));
            assertThat(untilComplete).noneMatch(e -> e instanceof Event.PeerDisconnected);
        }
        Payload.assertSameTree(source, tmp.resolve("leech/m.bin"));
    }

    private static SessionConfig.Builder config(Path state) {
        return SessionConfig.builder().localDiscovery(false).dht(false).listenPort(0).stateDirectory(state);
    }

    /** Spate with Spate on fd00:: addresses (RFC 4193 unique-local) in a namespace, each bound to its own. */
    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void spateDownloadsFromSpateOverUniqueLocalIpv6AddressesInANamespace() throws Exception {
        assumeTrue(NetNamespace.isSupported(), "needs root and ip netns");
        Path content = Payload.file(tmp.resolve("seed/ula.bin"), 1024 * 1024 + 3, 94);
        Libtorrent.CreatedTorrent torrent = Libtorrent.createTorrent(content, tmp.resolve("ula.torrent"), 64 * 1024,
                List.of());
        Path out = tmp.resolve("out");
        try (NetNamespace ns = NetNamespace.create(2);
             ExternalProcess seed = seed(torrent, content.getParent(),
                     List.of("--bind", ns.address6(1), "--port", "7001"), ns)) {
            seed.waitForLine(SEEDING, READY);
            try (ExternalProcess leech = SpateCli.download(torrent.file(), out, tmp.resolve("state"),
                    List.of("[" + ns.address6(1) + "]:7001"), List.of("--bind", ns.address6(2), "--verbose"), ns)) {
                assertThat(leech.waitForExit(DOWNLOAD)).as("exit; log:%n%s%nseed:%n%s", leech.logTail(30),
                        seed.logTail(20)).isZero();
                assertThat(SpateCli.summary(leech).group("state")).isEqualTo("complete");
                assertThat(leech.logText()).contains("peer [fd00::1]:7001: connected");
            }
            assertThat(seed.logText()).as("the leech dialled from its bound address")
                    .containsPattern("peer \\[fd00::2\\]:\\d+: connected");
        }
        Payload.assertSameTree(content, out.resolve("ula.bin"));
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void spateDownloadsFromLibtorrentOnIpv6Loopback() throws Exception {
        Path content = Payload.file(tmp.resolve("seed/lt.bin"), 1024 * 1024 + 17, 95);
        Libtorrent.CreatedTorrent torrent = Libtorrent.createTorrent(content, tmp.resolve("lt.torrent"), 64 * 1024,
                List.of());
        Path out = tmp.resolve("out");
        try (Libtorrent lt = Libtorrent.seed(torrent.file(), content.getParent(), new Libtorrent.Options()
                .listen("::1", 0).noTrackers())) {
            lt.awaitSeeding(READY);
            try (ExternalProcess leech = SpateCli.download(torrent.file(), out, tmp.resolve("state"),
                    List.of("[::1]:" + lt.port()), List.of("--verbose"), null)) {
                assertThat(leech.waitForExit(DOWNLOAD)).as("exit; log:%n%s%nlibtorrent:%n%s", leech.logTail(30),
                        lt.process().logTail(20)).isZero();
                assertThat(SpateCli.summary(leech).group("state")).isEqualTo("complete");
                assertThat(leech.logText()).contains("peer [::1]:" + lt.port() + ": connected");
            }
        }
        Payload.assertSameTree(content, out.resolve("lt.bin"));
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void spateSeedsToLibtorrentOnIpv6Loopback() throws Exception {
        Path content = Payload.file(tmp.resolve("seed/up.bin"), 1024 * 1024 + 29, 96);
        Libtorrent.CreatedTorrent torrent = Libtorrent.createTorrent(content, tmp.resolve("up.torrent"), 64 * 1024,
                List.of());
        Path out = tmp.resolve("lt-out");
        try (ExternalProcess seed = seed(torrent, content.getParent(), List.of("--bind", "::1"), null)) {
            int port = port(seed);
            try (Libtorrent lt = Libtorrent.download(torrent.file(), out, new Libtorrent.Options()
                    .listen("::1", 0).noTrackers().peer("::1", port))) {
                lt.awaitCompleteAndExit(DOWNLOAD);
            }
            assertThat(seed.logText()).containsPattern("peer \\[::1\\]:\\d+: connected");
        }
        Payload.assertSameTree(content, out.resolve("up.bin"));
    }
}
