package dev.spate.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.spate.engine.Event;
import dev.spate.engine.Session;
import dev.spate.engine.SessionConfig;
import dev.spate.engine.TorrentHandle;
import dev.spate.engine.TrackerState;
import dev.spate.metainfo.Metainfo;
import dev.spate.metainfo.MetainfoParser;
import dev.spate.metainfo.TorrentCreator;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A leech that announced to the tracker before the seed existed is served only if the seed dials it: the
 * leech heard of nobody and will not ask the tracker again for half an hour (opentracker's interval), and
 * with DHT and PEX off nothing else tells it of the seed. libtorrent seeds dial the peers a tracker gives
 * them; so must Spate's.
 *
 * <p>rtorrent runs in a network namespace with an address of its own (198.18.0.1; the seed .2, the tracker
 * .3): it keys peers by IP address alone, and opentracker hands every peer its own address too, so with
 * everyone on 127.0.0.1 it dials itself, fails, and tries no other peer on that address. Spate leeches run in
 * this JVM on 127.0.0.1. The controls show that the fixtures and the scenario work: rtorrent finds a Spate
 * seed that announced first, and a libtorrent seed that announces second serves rtorrent or a Spate leech by
 * dialling it.
 */
class SeedDialsLeechersIT {
    static final Duration TRANSFER = Duration.ofSeconds(60);
    /** Addresses in the namespace of the rtorrent cases. */
    static final int RTORRENT = 1;
    static final int SEED = 2;
    static final int TRACKER = 3;

    @TempDir
    Path tmp;

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void rtorrentDownloadsFromASpateSeedThatAnnouncedBeforeIt() throws Exception {
        assumeTrue(NetNamespace.isSupported(), "needs root and ip netns");
        Path content = Payload.file(tmp.resolve("seed/single.bin"), 3_000_017, 61);
        Path download = Files.createDirectories(tmp.resolve("rtorrent-data"));
        try (NetNamespace ns = NetNamespace.create(3);
             Opentracker tracker = Opentracker.start(Files.createDirectories(tmp.resolve("tracker")), ns,
                     ns.address(TRACKER))) {
            Path torrent = torrent(content, tracker);
            String hex = MetainfoParser.read(torrent).infoHashHex();
            try (ExternalProcess seed = spateSeed(torrent, ns, List.of())) {
                seed.waitForLine("^seeding ", Duration.ofSeconds(30));
                awaitSwarm(tracker, hex, new Opentracker.Swarm(1, 0), seed);
                try (Rtorrent leech = Rtorrent.start(tmp, rtorrentIn(ns))) {
                    String id = leech.add(torrent, download);
                    leech.awaitComplete(id, TRANSFER);
                }
            }
        }
        Payload.assertSameTree(content, download.resolve("single.bin"));
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void aLibtorrentSeedThatAnnouncesAfterRtorrentDialsIt() throws Exception {
        assumeTrue(NetNamespace.isSupported(), "needs root and ip netns");
        Path content = Payload.file(tmp.resolve("seed/single.bin"), 3_000_017, 62);
        Path download = Files.createDirectories(tmp.resolve("rtorrent-data"));
        try (NetNamespace ns = NetNamespace.create(3);
             Opentracker tracker = Opentracker.start(Files.createDirectories(tmp.resolve("tracker")), ns,
                     ns.address(TRACKER));
             Rtorrent leech = Rtorrent.start(tmp, rtorrentIn(ns))) {
            Path torrent = torrent(content, tracker);
            String hex = MetainfoParser.read(torrent).infoHashHex();
            String id = leech.add(torrent, download);
            awaitRtorrentAlone(tracker, hex, leech, id);
            // At 512 KiB/s the transfer takes about 6 s: time to see who dialled whom.
            try (Libtorrent seed = Libtorrent.seed(torrent, tmp.resolve("seed"), new Libtorrent.Options().in(ns)
                    .listen(ns.address(SEED), 0).uploadLimit(512 * 1024))) {
                assertDialledBy(ns.address(SEED), leech.awaitPeers(id, TRANSFER));
                leech.awaitComplete(id, TRANSFER);
            }
        }
        Payload.assertSameTree(content, download.resolve("single.bin"));
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void aLibtorrentSeedThatAnnouncesAfterASpateLeechDialsIt() throws Exception {
        Path content = Payload.file(tmp.resolve("seed/single.bin"), 3_000_017, 63);
        try (Opentracker tracker = Opentracker.start(Files.createDirectories(tmp.resolve("tracker")));
             Session leechSession = loopbackSession("leech");
             PeerEvents leechEvents = new PeerEvents(leechSession)) {
            Path torrent = torrent(content, tracker);
            Metainfo meta = MetainfoParser.read(torrent);
            TorrentHandle leech = leechSession.add(meta, Files.createDirectories(tmp.resolve("leech")));
            awaitSpateLeechAlone(tracker, meta.infoHashHex(), leech);
            try (Libtorrent seed = Libtorrent.seed(torrent, tmp.resolve("seed"), new Libtorrent.Options())) {
                assertThat(leech.awaitCompletion(TRANSFER))
                        .as("leech complete; status %s; peer events:%s", leech.status(), leechEvents).isTrue();
            }
            // The first connection is the seed's dial. Once complete, the leech announces `completed`,
            // hears of the seed from the tracker and, a seed now, may dial it too (seeds dial the
            // peers trackers return): that later connection is no part of this test.
            assertThat(leechEvents.connected()).as("the leech's connections").isNotEmpty()
                    .first().matches(c -> !c.outgoing(), "dialled by the seed");
        }
        Payload.assertSameTree(content, tmp.resolve("leech/single.bin"));
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void aSpateSeedThatAnnouncesAfterRtorrentDialsIt() throws Exception {
        assumeTrue(NetNamespace.isSupported(), "needs root and ip netns");
        Path content = Payload.file(tmp.resolve("seed/single.bin"), 3_000_017, 64);
        Path download = Files.createDirectories(tmp.resolve("rtorrent-data"));
        try (NetNamespace ns = NetNamespace.create(3);
             Opentracker tracker = Opentracker.start(Files.createDirectories(tmp.resolve("tracker")), ns,
                     ns.address(TRACKER));
             Rtorrent leech = Rtorrent.start(tmp, rtorrentIn(ns))) {
            Path torrent = torrent(content, tracker);
            String hex = MetainfoParser.read(torrent).infoHashHex();
            String id = leech.add(torrent, download);
            awaitRtorrentAlone(tracker, hex, leech, id);
            // At 512 KiB/s the transfer takes about 6 s: time to see who dialled whom.
            try (ExternalProcess seed = spateSeed(torrent, ns, List.of("--upload-limit", "512K"))) {
                seed.waitForLine("^seeding ", Duration.ofSeconds(30));
                try {
                    assertDialledBy(ns.address(SEED), leech.awaitPeers(id, TRANSFER));
                    leech.awaitComplete(id, TRANSFER);
                } catch (AssertionError e) {
                    throw new AssertionError(e.getMessage() + "\n" + seed.failure("(the seed)").getMessage(), e);
                }
            }
        }
        Payload.assertSameTree(content, download.resolve("single.bin"));
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void aSpateSeedThatAnnouncesAfterASpateLeechDialsIt() throws Exception {
        Path content = Payload.file(tmp.resolve("seed/single.bin"), 3_000_017, 65);
        try (Opentracker tracker = Opentracker.start(Files.createDirectories(tmp.resolve("tracker")));
             Session leechSession = loopbackSession("leech");
             PeerEvents leechEvents = new PeerEvents(leechSession)) {
            Path torrent = torrent(content, tracker);
            Metainfo meta = MetainfoParser.read(torrent);
            TorrentHandle leech = leechSession.add(meta, Files.createDirectories(tmp.resolve("leech")));
            awaitSpateLeechAlone(tracker, meta.infoHashHex(), leech);
            try (Session seedSession = loopbackSession("seed");
                 PeerEvents seedEvents = new PeerEvents(seedSession)) {
                TorrentHandle seed = seedSession.add(meta, tmp.resolve("seed"));
                assertThat(seed.awaitCompletion(Duration.ofSeconds(30))).as("seed's data verified").isTrue();
                assertThat(leech.awaitCompletion(TRANSFER))
                        .as("leech complete; leech %s; seed %s;\nseed's peer events:%s\nleech's peer events:%s",
                                leech.status(), seed.status(), seedEvents, leechEvents)
                        .isTrue();
                InetSocketAddress leechAddress = new InetSocketAddress("127.0.0.1", leechSession.listenPort());
                InetSocketAddress seedAddress = new InetSocketAddress("127.0.0.1", seedSession.listenPort());
                assertThat(seedEvents.connected()).as("the seed's connections")
                        .anyMatch(c -> c.outgoing() && c.address().equals(leechAddress))
                        .noneMatch(c -> c.address().equals(seedAddress));
                assertThat(leechEvents.connected()).as("the leech's connections")
                        .noneMatch(c -> c.address().equals(leechAddress));
            }
        }
        Payload.assertSameTree(content, tmp.resolve("leech/single.bin"));
    }

    static Path torrent(Path content, Opentracker tracker) throws Exception {
        Path torrent = Files.write(content.getParent().resolveSibling("single.torrent"),
                TorrentCreator.builder(content).pieceLength(32 * 1024).tracker(tracker.httpAnnounce()).build().create());
        tracker.allow(MetainfoParser.read(torrent).infoHashHex());
        return torrent;
    }

    /** {@code spate seed} (the CLI under test) of {@code torrent} from tmp/seed, at the seed's address in {@code ns}. */
    private ExternalProcess spateSeed(Path torrent, NetNamespace ns, List<String> extra) {
        List<String> args = new ArrayList<>(List.of("seed", torrent.toString(), "-d", tmp.resolve("seed").toString(),
                "--port", "0", "--bind", ns.address(SEED), "--state", tmp.resolve("seed-state").toString()));
        args.addAll(extra);
        return ExternalProcess.start("spate-seed", ns.exec(SpateCli.command(args)), tmp);
    }

    static Rtorrent.Options rtorrentIn(NetNamespace ns) {
        return new Rtorrent.Options().in(ns).bindAddress(ns.address(RTORRENT));
    }

    /** rtorrent's one peer is the seed, and the seed dialled it. */
    static void assertDialledBy(String seedAddress, List<Rtorrent.Peer> peers) {
        assertThat(peers).as("rtorrent's peers").singleElement().satisfies(p -> {
            assertThat(p.address()).isEqualTo(seedAddress);
            assertThat(p.incoming()).as("the seed dialled it").isTrue();
        });
    }

    Session loopbackSession(String name) throws Exception {
        return Session.open(SessionConfig.builder().localDiscovery(false).dht(false).bindAddress(InetAddress.getLoopbackAddress()).listenPort(0)
                .stateDirectory(tmp.resolve(name + "-state")).build());
    }

    /**
     * Waits until rtorrent is the tracker's only peer, then checks it will not ask the tracker again before
     * the test is over: from here on only a seed that dials it can serve it.
     */
    static void awaitRtorrentAlone(Opentracker tracker, String hex, Rtorrent leech, String id) {
        awaitSwarm(tracker, hex, new Opentracker.Swarm(0, 1), leech.process());
        Duration next = leech.untilNextAnnounce(id);
        assertThat(next).as("rtorrent's next announce").isGreaterThan(TRANSFER.multipliedBy(2));
    }

    /** As {@link #awaitRtorrentAlone} for a Spate leech in this JVM. */
    static void awaitSpateLeechAlone(Opentracker tracker, String hex, TorrentHandle leech) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        List<TrackerState> trackers = leech.status().trackers();
        while (!(trackers.size() == 1 && trackers.get(0).status().equals("working"))) {
            assertThat(System.nanoTime()).as("leech's tracker working; last %s", trackers).isLessThan(deadline);
            Thread.sleep(100);
            trackers = leech.status().trackers();
        }
        awaitSwarm(tracker, hex, new Opentracker.Swarm(0, 1), tracker.process());
        assertThat(trackers.get(0).nextAnnounceSeconds()).as("the leech's next announce, in seconds")
                .isGreaterThan(TRANSFER.multipliedBy(2).toSeconds());
    }

    /** Scrapes until the tracker counts exactly {@code expected}. */
    static void awaitSwarm(Opentracker tracker, String hex, Opentracker.Swarm expected, ExternalProcess context) {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        Opentracker.Swarm last = null;
        while (System.nanoTime() < deadline) {
            last = tracker.scrape(hex);
            if (last.equals(expected)) {
                return;
            }
            if (!context.isAlive()) {
                throw context.failure("exited before the tracker counted " + expected);
            }
            ExternalProcess.sleep(200);
        }
        throw context.failure("the tracker counted " + last + ", not " + expected);
    }

    /** The peer events of a session, for failure messages and for checking whom it connected to. */
    static final class PeerEvents implements AutoCloseable {
        final Queue<Event> events = new ConcurrentLinkedQueue<>();
        private final AutoCloseable subscription;

        PeerEvents(Session session) {
            subscription = session.subscribe(e -> {
                if (e instanceof Event.PeerConnected || e instanceof Event.PeerDisconnected
                        || e instanceof Event.PeerBanned) {
                    events.add(e);
                }
            });
        }

        /** Every connection that finished its handshake, in order. */
        List<Event.PeerConnected> connected() {
            return events.stream().filter(Event.PeerConnected.class::isInstance).map(Event.PeerConnected.class::cast)
                    .toList();
        }

        @Override
        public String toString() {
            return events.stream().map(Object::toString).collect(Collectors.joining("\n  ", "\n  ", ""));
        }

        @Override
        public void close() {
            try {
                subscription.close();
            } catch (Exception e) {
                throw new IllegalStateException("could not unsubscribe", e);
            }
        }
    }
}
