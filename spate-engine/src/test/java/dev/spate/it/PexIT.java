package dev.spate.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spate.engine.Event;
import dev.spate.engine.PeerStats;
import dev.spate.engine.Session;
import dev.spate.engine.SessionConfig;
import dev.spate.engine.Subscription;
import dev.spate.engine.TorrentHandle;
import dev.spate.metainfo.Metainfo;
import dev.spate.metainfo.MetainfoParser;
import dev.spate.metainfo.TorrentCreator;
import dev.spate.wire.ExtendedHandshake;
import dev.spate.wire.ExtensionIds;
import dev.spate.wire.PexMessage;
import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Peer exchange (BEP 11) with libtorrent's ut_pex plugin, both ways, and a raw peer that sees what
 * a public and a private (BEP 27) torrent send. All on 127.0.0.1.
 */
class PexIT {
    static final int PIECE = 32 * 1024;
    static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

    @TempDir
    Path tmp;

    static InetSocketAddress local(int port) {
        return new InetSocketAddress(LOOPBACK, port);
    }

    static SessionConfig.Builder loopback(Path state) {
        return SessionConfig.builder().localDiscovery(false).dht(false).bindAddress(LOOPBACK).listenPort(0).stateDirectory(state);
    }

    /**
     * Two Spate seeds and a Spate leecher that dialled them (downloading slowly, so it stays
     * connected); another Spate leecher is told of that leecher only, and the seeds and it meet
     * through the hub's PEX: it downloads from both.
     */
    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void aSpateLeecherToldOfOnePeerLearnsTheOthersByPexAndDownloadsFromThem() throws Exception {
        Path content = Payload.file(tmp.resolve("seed/pex.bin"), 4L << 20, 31);
        Metainfo meta = TorrentCreator.builder(content).pieceLength(PIECE).build().createMetainfo();
        List<Event> events = new CopyOnWriteArrayList<>();
        try (Session s1 = Session.open(loopback(tmp.resolve("state")).uploadRateLimit(256 << 10).build());
             Session s2 = Session.open(loopback(tmp.resolve("state")).uploadRateLimit(256 << 10).build());
             Session hub = Session.open(loopback(tmp.resolve("state")).downloadRateLimit(4 << 10).build());
             Session session = Session.open(loopback(tmp.resolve("state")).build());
             Subscription sub = session.subscribe(events::add)) {
            for (Session seed : List.of(s1, s2)) {
                assertThat(seed.add(meta, tmp.resolve("seed")).awaitCompletion(Duration.ofSeconds(30))).isTrue();
            }
            TorrentHandle middle = hub.add(meta, Files.createDirectories(tmp.resolve("hub")));
            middle.connect(local(s1.listenPort()));
            middle.connect(local(s2.listenPort()));
            awaitPeers(middle, 2);

            TorrentHandle leech = session.add(meta, Files.createDirectories(tmp.resolve("leech")));
            leech.connect(local(hub.listenPort()));
            Set<InetSocketAddress> sources = downloadCountingSources(leech);
            // Either side may dial: the hub tells the seeds of the leecher too, and seeds dial the
            // leechers they hear of, so a seed may come in before the leecher's dial (then refused
            // as a duplicate). Either way both seeds deliver, and only PEX made them meet.
            sources.remove(local(hub.listenPort()));
            assertThat(sources).as("peers besides the hub that delivered blocks; events %s", connections(events))
                    .hasSizeGreaterThanOrEqualTo(2);
            assertThat(events).as("no peer was dropped over PEX")
                    .noneMatch(e -> e instanceof Event.PeerDisconnected d && d.reason().contains("pex"));
            assertThat(leech.status().hashFailures()).isZero();
        }
        Payload.assertSameTree(content, tmp.resolve("leech/pex.bin"));
    }

    /**
     * Two libtorrent seeds and a libtorrent leecher (PEX on, downloading slowly) that dialled
     * them; Spate, told of the leecher only, takes a seed from libtorrent's PEX and downloads from it.
     * (libtorrent 2.0.8's first message named one of its two seeds, and Spate's own address: it
     * sends every peer one message for the torrent; Spate does not dial itself.)
     */
    @Test
    @Timeout(value = 150, unit = TimeUnit.SECONDS)
    void aSpateLeecherTakesPeersFromLibtorrentsPex() throws Exception {
        Path content = Payload.file(tmp.resolve("seed/pex.bin"), 4L << 20, 34);
        Libtorrent.CreatedTorrent torrent = Libtorrent.createTorrent(content, tmp.resolve("pex.torrent"), PIECE, List.of());
        Metainfo meta = MetainfoParser.read(torrent.file());
        List<Event> events = new CopyOnWriteArrayList<>();
        try (Libtorrent s1 = Libtorrent.seed(torrent.file(), tmp.resolve("seed"),
                     new Libtorrent.Options().noTrackers().uploadLimit(256_000));
             Libtorrent s2 = Libtorrent.seed(torrent.file(), tmp.resolve("seed"),
                     new Libtorrent.Options().noTrackers().uploadLimit(256_000))) {
            s1.awaitSeeding(Duration.ofSeconds(20));
            s2.awaitSeeding(Duration.ofSeconds(20));
            try (Libtorrent hub = Libtorrent.download(torrent.file(), Files.createDirectories(tmp.resolve("hub")),
                         new Libtorrent.Options().noTrackers().pex().peersLog().downloadLimit(4_000)
                                 .peer("127.0.0.1", s1.port()).peer("127.0.0.1", s2.port()));
                 Session session = Session.open(loopback(tmp.resolve("state")).build());
                 Subscription sub = session.subscribe(events::add)) {
                hub.awaitPeer(s1.port(), Duration.ofSeconds(20));
                hub.awaitPeer(s2.port(), Duration.ofSeconds(20));

                TorrentHandle leech = session.add(meta, Files.createDirectories(tmp.resolve("leech")));
                leech.connect(local(hub.port()));
                Set<InetSocketAddress> sources = downloadCountingSources(leech);
                assertThat(sources).as("peers that delivered blocks; events %s", connections(events))
                        .containsAnyOf(local(s1.port()), local(s2.port()));
                assertThat(events).as("libtorrent's PEX is no offence; Spate never dials itself")
                        .noneMatch(e -> e instanceof Event.PeerDisconnected d
                                && (d.reason().contains("pex") || d.reason().contains("ourselves")));
                assertThat(leech.status().hashFailures()).isZero();
            }
        }
        Payload.assertSameTree(content, tmp.resolve("leech/pex.bin"));
    }

    /** Waits for the download to complete, noting every peer that delivered payload meanwhile. */
    private static Set<InetSocketAddress> downloadCountingSources(TorrentHandle leech) throws InterruptedException {
        Set<InetSocketAddress> sources = new HashSet<>();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (!leech.completion().isDone() && System.nanoTime() < deadline) {
            for (PeerStats p : leech.peers()) {
                if (p.downloaded() > 0) {
                    sources.add(p.address());
                }
            }
            Thread.sleep(200);
        }
        assertThat(leech.awaitCompletion(Duration.ofSeconds(1))).as("download completes; %s", leech.status()).isTrue();
        return sources;
    }

    private static List<Event> connections(List<Event> events) {
        return events.stream().filter(e -> e instanceof Event.PeerConnected || e instanceof Event.PeerDisconnected).toList();
    }

    /**
     * A Spate seed with a Spate leecher connected (downloading slowly); libtorrent (PEX on), told
     * of the seed only, hears of the leecher from the seed's PEX, at its listening port, and dials it.
     */
    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void libtorrentToldOfASpateSeedOnlyTakesTheOtherPeerFromItsPexAndConnects() throws Exception {
        Path content = Payload.file(tmp.resolve("seed/lt.bin"), 2L << 20, 32);
        Path torrentFile = Files.write(tmp.resolve("lt.torrent"),
                TorrentCreator.builder(content).pieceLength(PIECE).build().create());
        Metainfo meta = MetainfoParser.read(torrentFile);
        List<Event> seedEvents = new CopyOnWriteArrayList<>();
        try (Session seed = Session.open(loopback(tmp.resolve("state")).uploadRateLimit(128 << 10).build());
             Subscription sub = seed.subscribe(seedEvents::add);
             Session slow = Session.open(loopback(tmp.resolve("state")).downloadRateLimit(8 << 10).build())) {
            TorrentHandle seeding = seed.add(meta, tmp.resolve("seed"));
            assertThat(seeding.awaitCompletion(Duration.ofSeconds(30))).isTrue();
            TorrentHandle leeching = slow.add(meta, Files.createDirectories(tmp.resolve("slow")));
            leeching.connect(local(seed.listenPort()));
            awaitPeers(seeding, 1);

            try (Libtorrent lt = Libtorrent.download(torrentFile, Files.createDirectories(tmp.resolve("lt")),
                    new Libtorrent.Options().noTrackers().pex().peersLog().stayAfterComplete()
                            .peer("127.0.0.1", seed.listenPort()))) {
                int source = lt.awaitPeer(slow.listenPort(), Duration.ofSeconds(60));
                assertThat(source & Libtorrent.SOURCE_PEX).as("libtorrent learned of it by PEX (source bits %s)", source)
                        .isNotZero();
                assertThat(seeding.peers()).as("libtorrent is still connected to the seed: our PEX was no offence")
                        .anyMatch(p -> p.client().contains("libtorrent"));
                assertThat(seedEvents).noneMatch(e -> e instanceof Event.PeerDisconnected d && d.reason().contains("pex"));
            }
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aPublicTorrentTellsARawPeerOfItsOtherPeerAtItsListenPort() throws Exception {
        RawView view = rawPeerWatches(false);
        assertThat(view.extensions()).containsEntry(ExtensionIds.UT_PEX, ExtensionIds.OUR_UT_PEX);
        assertThat(view.pex()).singleElement().satisfies(m -> {
            // Spate dials Spate with MSE by default, so the seed says the leecher prefers encryption.
            assertThat(m.added()).as("the slow leecher dialled the seed: not marked reachable")
                    .containsExactly(new PexMessage.Peer(local(view.otherPort()), PexMessage.PREFERS_ENCRYPTION));
            assertThat(m.dropped()).isEmpty();
        });
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aPrivateTorrentSendsARawPeerNoPex() throws Exception {
        RawView view = rawPeerWatches(true);
        assertThat(view.extensions()).doesNotContainKey(ExtensionIds.UT_PEX);
        assertThat(view.pex()).isEmpty();
    }

    /**
     * A magnet link's only peer announces ut_metadata but never answers, and names a Spate seed by
     * PEX: the metadata phase dials the seed, gets the info dictionary from it, and the torrent
     * proper downloads from it.
     */
    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aMagnetLinksPeerWithoutTheMetadataLeadsToASeedByPex() throws Exception {
        Path content = Payload.file(tmp.resolve("seed/magnet.bin"), 1L << 20, 35);
        Metainfo meta = TorrentCreator.builder(content).pieceLength(PIECE).build().createMetainfo();
        try (Session seed = Session.open(loopback(tmp.resolve("state")).build());
             Session session = Session.open(loopback(tmp.resolve("state")).build());
             java.net.ServerSocket listener = new java.net.ServerSocket(0, 5, LOOPBACK)) {
            assertThat(seed.add(meta, tmp.resolve("seed")).awaitCompletion(Duration.ofSeconds(30))).isTrue();
            Thread scripted = Thread.ofVirtual().start(() -> pointTo(listener, meta.infoHash(), seed.listenPort()));
            try {
                TorrentHandle t = session.add(dev.spate.metainfo.Magnet.parse("magnet:?xt=urn:btih:"
                        + dev.spate.core.Hex.encode(meta.infoHash()) + "&x.pe=127.0.0.1:" + listener.getLocalPort()),
                        Files.createDirectories(tmp.resolve("leech")));
                assertThat(t.awaitCompletion(Duration.ofSeconds(40))).as("download completes; %s", t.status()).isTrue();
            } finally {
                scripted.interrupt();
            }
        }
        Payload.assertSameTree(content, tmp.resolve("leech/magnet.bin"));
    }

    /** The scripted peer: handshakes, announces ut_metadata and ut_pex, names the seed, then only reads. */
    private static void pointTo(java.net.ServerSocket listener, byte[] infoHash, int seedPort) {
        try (java.net.Socket s = acceptBitTorrent(listener)) {
            java.io.InputStream in = s.getInputStream();
            java.io.OutputStream out = s.getOutputStream();
            out.write(RawPeer.handshake(infoHash));
            out.write(frame(20, 0, ExtendedHandshake.of(Map.of(ExtensionIds.UT_METADATA, 3, ExtensionIds.UT_PEX, 4))
                    .encode()));
            out.write(frame(20, ExtensionIds.OUR_UT_PEX,
                    new PexMessage(List.of(new PexMessage.Peer(local(seedPort), PexMessage.SEED)), List.of()).encode()));
            out.flush();
            byte[] sink = new byte[4096];
            while (in.read(sink) >= 0) {
                // requests for the metadata go unanswered
            }
        } catch (java.io.IOException e) {
            // the leecher hung up, or the test is over
        }
    }

    /**
     * The first connection that opens with a plaintext BitTorrent handshake (read); others (MSE
     * attempts) are closed, as a plaintext-only client closes them.
     */
    private static java.net.Socket acceptBitTorrent(java.net.ServerSocket listener) throws java.io.IOException {
        while (true) {
            java.net.Socket s = listener.accept();
            s.setSoTimeout(30_000);
            if (RawPeer.startsAsBitTorrent(s.getInputStream().readNBytes(68))) {
                return s;
            }
            s.close();
        }
    }

    /** What a raw peer saw of a Spate seed: its extensions, the ut_pex messages, the other peer's port. */
    record RawView(Map<String, Integer> extensions, List<PexMessage> pex, int otherPort) {
    }

    /**
     * A Spate seed with a slow Spate leecher connected; a raw peer announcing {@code ut_pex} as id 1
     * connects to the seed and listens for 9 s, past the 5 s after which the first PEX message is due.
     */
    private RawView rawPeerWatches(boolean privateTorrent) throws Exception {
        Path content = Payload.file(tmp.resolve("seed/raw.bin"), 1L << 20, 33);
        Metainfo meta = TorrentCreator.builder(content).pieceLength(PIECE).privateFlag(privateTorrent).build()
                .createMetainfo();
        try (Session seed = Session.open(loopback(tmp.resolve("state")).build());
             Session slow = Session.open(loopback(tmp.resolve("state")).downloadRateLimit(8 << 10).build())) {
            TorrentHandle seeding = seed.add(meta, tmp.resolve("seed"));
            assertThat(seeding.awaitCompletion(Duration.ofSeconds(30))).isTrue();
            slow.add(meta, Files.createDirectories(tmp.resolve("slow"))).connect(local(seed.listenPort()));
            awaitPeers(seeding, 1);
            try (RawPeer raw = RawPeer.connect(seed.listenPort())) {
                raw.send(RawPeer.handshake(meta.infoHash()));
                byte[] hs = ExtendedHandshake.of(Map.of(ExtensionIds.UT_PEX, 1)).encode();
                raw.send(frame(20, 0, hs));
                assertThat(raw.readHandshake(Duration.ofSeconds(5))).isNotNull();
                Map<String, Integer> extensions = null;
                List<PexMessage> pex = new ArrayList<>();
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(9);
                while (System.nanoTime() < deadline) {
                    byte[] m = raw.readMessage(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
                    if (m == null) {
                        break;
                    }
                    if (m.length >= 2 && m[0] == 20) {
                        byte[] payload = java.util.Arrays.copyOfRange(m, 2, m.length);
                        if (m[1] == 0) {
                            extensions = ExtendedHandshake.parse(payload).extensions();
                        } else if (m[1] == 1) {
                            pex.add(PexMessage.decode(payload));
                        }
                    }
                }
                assertThat(extensions).as("the seed's extended handshake").isNotNull();
                return new RawView(extensions, pex, slow.listenPort());
            }
        }
    }

    private static byte[] frame(int id, int extendedId, byte[] payload) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(ByteBuffer.allocate(4).putInt(payload.length + 2).array());
        out.write(id);
        out.write(extendedId);
        out.writeBytes(payload);
        return out.toByteArray();
    }

    private static void awaitPeers(TorrentHandle t, int n) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (t.peers().size() < n) {
            assertThat(System.nanoTime()).as("%d peers connected", n).isLessThan(deadline);
            Thread.sleep(100);
        }
    }
}
