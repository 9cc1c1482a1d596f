package dev.spate.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.spate.engine.Event;
import dev.spate.engine.PeerEncryption;
import dev.spate.engine.Session;
import dev.spate.engine.TorrentHandle;
import dev.spate.engine.TorrentStatus;
import dev.spate.metainfo.Metainfo;
import dev.spate.metainfo.MetainfoParser;
import dev.spate.metainfo.TorrentCreator;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Spate, with its default settings (no encryption option: protocol encryption preferred), exchanges a
 * small multi-piece payload byte-exact both ways with reference clients that require protocol
 * encryption (MSE/PE, Message Stream Encryption, which no BEP describes): libtorrent with RC4 forced,
 * qBittorrent with encryption required, rtorrent with {@code require,require_RC4}, and Transmission
 * with encryption required (in a network namespace, as it ignores 127.0.0.0/8 peers). When Spate
 * downloads, it dials the seed. When it seeds, libtorrent and qBittorrent dial it, Transmission and
 * Spate find each other through a tracker, and Spate dials rtorrent (which takes peers only from
 * trackers and from whoever dials it).
 *
 * <p>The controls, which need no encryption in Spate, show that the clients really refuse plaintext: a
 * plaintext BitTorrent handshake (BEP 3) for the torrent they have gets no handshake back and the
 * connection closed, while the same probe is answered once the client's encryption is relaxed (at run
 * time, or by a second libtorrent without the option); and libtorrent forcing RC4 seeds to libtorrent
 * forcing RC4, so those settings still let encrypted peers through. A Spate test passing is then proof
 * that its connection was encrypted.
 */
class EncryptedPeersIT {
    /** 32 KiB pieces: the payload below is about 48 of them. */
    static final int PIECE = 32 * 1024;
    static final Duration TRANSFER = Duration.ofSeconds(45);
    /** How long a probe waits for a handshake back: the clients answer on loopback within milliseconds. */
    static final Duration PROBE = Duration.ofSeconds(5);

    @TempDir
    Path tmp;

    /**
     * Four files of uneven sizes, about 1.5 MiB, file boundaries inside pieces. No empty file, unlike
     * {@link Payload#tree}: Transmission 3.00 does not create zero-length files.
     */
    private Path content(long seed) {
        Path root = tmp.resolve("seed/tree");
        Payload.file(root.resolve("alpha.bin"), 300_001, seed);
        Payload.file(root.resolve("sub/beta.bin"), 70_000, seed + 1);
        Payload.file(root.resolve("sub/gamma.bin"), 1, seed + 2);
        Payload.file(root.resolve("sub/more.bin"), 1024 * 1024 + 3, seed + 3);
        return root;
    }

    private Path torrent(Path content, List<String> trackers) throws Exception {
        TorrentCreator.Builder b = TorrentCreator.builder(content).pieceLength(PIECE);
        for (String t : trackers) {
            b.tracker(t);
        }
        Path torrent = Files.write(tmp.resolve("tree.torrent"), b.build().create());
        assertThat(MetainfoParser.read(torrent).info().pieceCount()).isGreaterThan(10);
        return torrent;
    }

    private Session spate(String name) throws Exception {
        // Default settings but for the test's isolation: no encryption option given.
        return Session.open(DownloadFromReferenceSeedsIT.loopback(tmp.resolve(name + "-state")));
    }

    /** Spate dials {@code port} on 127.0.0.1 and downloads the whole torrent into tmp/leech. */
    private void spateDownloadsFrom(Metainfo meta, int port, String client) throws Exception {
        Path leech = Files.createDirectories(tmp.resolve("leech"));
        try (Session session = spate("leech")) {
            java.util.List<Event.PeerConnected> connected = new java.util.concurrent.CopyOnWriteArrayList<>();
            session.subscribe(e -> {
                if (e instanceof Event.PeerConnected c) {
                    connected.add(c);
                }
            });
            TorrentHandle t = session.add(meta, leech);
            t.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            assertThat(t.awaitCompletion(TRANSFER)).as("Spate's download from %s completes; status %s", client,
                    t.status()).isTrue();
            // The client requires RC4: that is how every connection to it was made.
            assertThat(connected).as("connections to %s", client).isNotEmpty()
                    .allSatisfy(c -> assertThat(c.encryption()).isEqualTo(PeerEncryption.RC4));
            TorrentStatus s = t.status();
            assertThat(s.piecesVerified()).isEqualTo(s.pieceCount());
            assertThat(s.hashFailures()).isZero();
        }
    }

    private static byte[] infoHash(Metainfo meta) {
        return HexFormat.of().parseHex(meta.infoHashHex());
    }

    // ---- libtorrent, RC4 forced ----

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void spateDownloadsFromALibtorrentSeedForcingRc4() throws Exception {
        Path content = content(1);
        Path torrent = torrent(content, List.of());
        try (Libtorrent seed = Libtorrent.seed(torrent, tmp.resolve("seed"), new Libtorrent.Options().noTrackers()
                .requireRc4())) {
            seed.awaitSeeding(Duration.ofSeconds(20));
            spateDownloadsFrom(MetainfoParser.read(torrent), seed.port(), "libtorrent");
        }
        Payload.assertSameTree(content, tmp.resolve("leech/tree"));
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void libtorrentForcingRc4DownloadsFromASpateSeedByDiallingIt() throws Exception {
        Path content = content(2);
        Path torrent = torrent(content, List.of());
        Metainfo meta = MetainfoParser.read(torrent);
        Path download = Files.createDirectories(tmp.resolve("libtorrent"));
        try (Session seed = spate("seed")) {
            TorrentHandle seeding = seed.add(meta, tmp.resolve("seed"));
            assertThat(seeding.awaitCompletion(Duration.ofSeconds(20))).isTrue();
            try (Libtorrent leech = Libtorrent.download(torrent, download, new Libtorrent.Options().noTrackers()
                    .requireRc4().peer("127.0.0.1", seed.listenPort()))) {
                leech.awaitCompleteAndExit(TRANSFER);
            }
            assertThat(seeding.status().uploaded()).isGreaterThanOrEqualTo(meta.info().totalLength());
        }
        Payload.assertSameTree(content, download.resolve("tree"));
    }

    /** Control: the option is what makes libtorrent refuse plaintext, and the probe can see an answer. */
    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aLibtorrentSeedForcingRc4ClosesAPlaintextHandshakeThatADefaultOneAnswers() throws Exception {
        Path torrent = torrent(content(3), List.of());
        byte[] hash = infoHash(MetainfoParser.read(torrent));
        try (Libtorrent forced = Libtorrent.seed(torrent, tmp.resolve("seed"), new Libtorrent.Options().noTrackers()
                .requireRc4());
             Libtorrent plain = Libtorrent.seed(torrent, tmp.resolve("seed"), new Libtorrent.Options().noTrackers())) {
            forced.awaitSeeding(Duration.ofSeconds(20));
            plain.awaitSeeding(Duration.ofSeconds(20));
            assertRefused(RawPeer.plaintextHandshake(forced.port(), hash, PROBE), "libtorrent forcing RC4");
            assertAnswered(RawPeer.plaintextHandshake(plain.port(), hash, PROBE), hash, "libtorrent by default");
        }
    }

    /** Control: libtorrent forcing RC4 on both ends still transfers, so the settings let MSE through. */
    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void libtorrentForcingRc4SeedsToLibtorrentForcingRc4() throws Exception {
        Path content = content(4);
        Path torrent = torrent(content, List.of());
        Path download = Files.createDirectories(tmp.resolve("libtorrent"));
        try (Libtorrent seed = Libtorrent.seed(torrent, tmp.resolve("seed"), new Libtorrent.Options().noTrackers()
                .requireRc4());
             Libtorrent leech = Libtorrent.download(torrent, download, new Libtorrent.Options().noTrackers()
                     .requireRc4().peer("127.0.0.1", seed.port()))) {
            seed.awaitSeeding(Duration.ofSeconds(20));
            leech.awaitCompleteAndExit(TRANSFER);
        }
        Payload.assertSameTree(content, download.resolve("tree"));
    }

    // ---- qBittorrent, by default (it prefers encryption, RC4 above all) and requiring encryption ----

    @ParameterizedTest(name = "qBittorrent encryption {0}")
    @EnumSource(Qbittorrent.Encryption.class)
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void spateDownloadsFromAQbittorrentSeed(Qbittorrent.Encryption mode) throws Exception {
        Path content = content(11);
        Path torrent = torrent(content, List.of());
        Metainfo meta = MetainfoParser.read(torrent);
        try (Qbittorrent qbt = Qbittorrent.start(tmp, mode)) {
            qbt.addTorrentFile(torrent, tmp.resolve("seed"));
            qbt.awaitComplete(meta.infoHashHex(), Duration.ofSeconds(20));
            spateDownloadsFrom(meta, qbt.peerPort(), "qBittorrent");
        }
        Payload.assertSameTree(content, tmp.resolve("leech/tree"));
    }

    @ParameterizedTest(name = "qBittorrent encryption {0}")
    @EnumSource(Qbittorrent.Encryption.class)
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void qbittorrentDownloadsFromASpateSeedByDiallingIt(Qbittorrent.Encryption mode) throws Exception {
        Path content = content(12);
        Path torrent = torrent(content, List.of());
        Metainfo meta = MetainfoParser.read(torrent);
        Path download = Files.createDirectories(tmp.resolve("qbittorrent"));
        try (Session seed = spate("seed");
             Qbittorrent qbt = Qbittorrent.start(tmp, mode)) {
            TorrentHandle seeding = seed.add(meta, tmp.resolve("seed"));
            assertThat(seeding.awaitCompletion(Duration.ofSeconds(20))).isTrue();
            qbt.addTorrentFile(torrent, download);
            qbt.awaitLoaded(meta.infoHashHex(), Duration.ofSeconds(10));
            qbt.addPeer(meta.infoHashHex(), "127.0.0.1", seed.listenPort());
            qbt.awaitComplete(meta.infoHashHex(), TRANSFER);
            assertThat(seeding.status().uploaded()).isGreaterThanOrEqualTo(meta.info().totalLength());
        }
        Payload.assertSameTree(content, download.resolve("tree"));
    }

    /** Control: qBittorrent requiring encryption refuses plaintext; relaxed to its default, it answers. */
    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aQbittorrentSeedRequiringEncryptionClosesAPlaintextHandshakeItAnswersWhenItPrefersEncryption()
            throws Exception {
        Path torrent = torrent(content(13), List.of());
        Metainfo meta = MetainfoParser.read(torrent);
        byte[] hash = infoHash(meta);
        try (Qbittorrent qbt = Qbittorrent.start(tmp, Qbittorrent.Encryption.REQUIRE)) {
            qbt.addTorrentFile(torrent, tmp.resolve("seed"));
            qbt.awaitComplete(meta.infoHashHex(), Duration.ofSeconds(20));
            assertRefused(RawPeer.plaintextHandshake(qbt.peerPort(), hash, PROBE), "qBittorrent requiring encryption");
            qbt.setEncryption(Qbittorrent.Encryption.PREFER);
            assertAnswered(answeredWithin(() -> RawPeer.plaintextHandshake(qbt.peerPort(), hash, PROBE), hash),
                    hash, "qBittorrent preferring encryption");
        }
    }

    // ---- rtorrent, require,require_RC4 ----

    /**
     * rtorrent will not load a torrent without a tracker ("Could not find any trackers"): these have
     * an opentracker of their own on 127.0.0.1. rtorrent keys peers by address alone, so what it hears
     * from it (itself and Spate, all on 127.0.0.1) is no help: in every case Spate dials rtorrent.
     */
    private Path rtorrentTorrent(Path content, Opentracker tracker) throws Exception {
        Path torrent = torrent(content, List.of(tracker.httpAnnounce()));
        tracker.allow(MetainfoParser.read(torrent).infoHashHex());
        return torrent;
    }

    private Rtorrent rtorrentRequiringRc4() {
        return Rtorrent.start(tmp, new Rtorrent.Options().encryption(Rtorrent.Encryption.REQUIRE_RC4)
                .lifetime(Duration.ofSeconds(90)));
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void spateDownloadsFromAnRtorrentSeedRequiringRc4() throws Exception {
        Path content = content(21);
        try (Opentracker tracker = Opentracker.start(Files.createDirectories(tmp.resolve("tracker")));
             Rtorrent rt = rtorrentRequiringRc4()) {
            Path torrent = rtorrentTorrent(content, tracker);
            String id = rt.add(torrent, tmp.resolve("seed"));
            rt.awaitComplete(id, Duration.ofSeconds(20));
            spateDownloadsFrom(MetainfoParser.read(torrent), rt.port(), "rtorrent");
        }
        Payload.assertSameTree(content, tmp.resolve("leech/tree"));
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void rtorrentRequiringRc4DownloadsFromASpateSeedThatDialsIt() throws Exception {
        Path content = content(22);
        Path download = Files.createDirectories(tmp.resolve("rtorrent-data"));
        try (Opentracker tracker = Opentracker.start(Files.createDirectories(tmp.resolve("tracker")));
             Session seed = spate("seed");
             Rtorrent rt = rtorrentRequiringRc4()) {
            Path torrent = rtorrentTorrent(content, tracker);
            Metainfo meta = MetainfoParser.read(torrent);
            TorrentHandle seeding = seed.add(meta, tmp.resolve("seed"));
            assertThat(seeding.awaitCompletion(Duration.ofSeconds(20))).isTrue();
            String id = rt.add(torrent, download);
            seeding.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), rt.port()));
            rt.awaitComplete(id, TRANSFER);
            assertThat(seeding.status().uploaded()).isGreaterThanOrEqualTo(meta.info().totalLength());
        }
        Payload.assertSameTree(content, download.resolve("tree"));
    }

    /** Control: rtorrent with {@code require,require_RC4} refuses plaintext; allowing it again, it answers. */
    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void anRtorrentSeedRequiringRc4ClosesAPlaintextHandshakeItAnswersWhenItAllowsPlaintext() throws Exception {
        try (Opentracker tracker = Opentracker.start(Files.createDirectories(tmp.resolve("tracker")));
             Rtorrent rt = rtorrentRequiringRc4()) {
            Path torrent = rtorrentTorrent(content(23), tracker);
            byte[] hash = infoHash(MetainfoParser.read(torrent));
            String id = rt.add(torrent, tmp.resolve("seed"));
            rt.awaitComplete(id, Duration.ofSeconds(20));
            assertRefused(RawPeer.plaintextHandshake(rt.port(), hash, PROBE), "rtorrent requiring RC4");
            rt.setEncryption(Rtorrent.Encryption.ALLOW);
            assertAnswered(answeredWithin(() -> RawPeer.plaintextHandshake(rt.port(), hash, PROBE), hash), hash,
                    "rtorrent allowing plaintext");
        }
    }

    // ---- Transmission, encryption required, in a namespace: it .1, Spate .2, the tracker .3 ----

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void theSpateCliDownloadsFromATransmissionSeedRequiringEncryption() throws Exception {
        assumeTrue(NetNamespace.isSupported(), "needs root and ip netns");
        SpateCli.jar();
        Path content = content(31);
        Path torrent = torrent(content, List.of());
        Path leech = Files.createDirectories(tmp.resolve("leech"));
        try (NetNamespace ns = NetNamespace.create(2);
             Transmission tr = Transmission.seed(Files.createDirectories(tmp.resolve("transmission")),
                     new Transmission.Options().in(ns).bindAddress(ns.address(1))
                             .encryption(Transmission.Encryption.REQUIRED), torrent, tmp.resolve("seed"),
                     Duration.ofSeconds(20))) {
            // No encryption option: the CLI's default.
            try (ExternalProcess cli = SpateCli.download(torrent, leech, tmp.resolve("state"),
                    List.of(ns.address(1) + ":" + tr.peerPort()), List.of("--bind", ns.address(2)), ns)) {
                int code = cli.waitForExit(TRANSFER);
                assertThat(code).as("exit code; log:\n%s", cli.logTail(30)).isZero();
                Matcher summary = SpateCli.summary(cli);
                assertThat(summary.group("state")).isEqualTo("complete");
                assertThat(summary.group("hashFailures")).isEqualTo("0");
            }
            assertThat(tr.info(1)).as("Transmission uploaded").containsPattern("Uploaded: [1-9]");
        }
        Payload.assertSameTree(content, leech.resolve("tree"));
    }

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void transmissionRequiringEncryptionDownloadsFromTheSpateCliSeedThroughATracker() throws Exception {
        assumeTrue(NetNamespace.isSupported(), "needs root and ip netns");
        SpateCli.jar();
        Path content = content(32);
        Path download = Files.createDirectories(tmp.resolve("transmission-data"));
        try (NetNamespace ns = NetNamespace.create(3);
             Opentracker tracker = Opentracker.start(Files.createDirectories(tmp.resolve("tracker")), ns,
                     ns.address(3))) {
            Path torrent = torrent(content, List.of(tracker.httpAnnounce()));
            String hex = MetainfoParser.read(torrent).infoHashHex();
            tracker.allow(hex);
            List<String> args = new ArrayList<>(List.of("seed", torrent.toString(), "-d", tmp.resolve("seed").toString(),
                    "--port", "0", "--bind", ns.address(2), "--state", tmp.resolve("seed-state").toString()));
            try (ExternalProcess seed = ExternalProcess.start("spate-seed", ns.exec(SpateCli.command(args)), tmp)) {
                seed.waitForLine("^seeding ", Duration.ofSeconds(20));
                SeedDialsLeechersIT.awaitSwarm(tracker, hex, new Opentracker.Swarm(1, 0), seed);
                try (Transmission leech = Transmission.start(Files.createDirectories(tmp.resolve("transmission")),
                        new Transmission.Options().in(ns).bindAddress(ns.address(1))
                                .encryption(Transmission.Encryption.REQUIRED))) {
                    int id = leech.addTorrent(torrent, download);
                    leech.awaitVerifiedComplete(id, TRANSFER);
                } catch (AssertionError e) {
                    throw new AssertionError(e.getMessage() + "\n" + seed.failure("(the seed)").getMessage(), e);
                }
            }
        }
        Payload.assertSameTree(content, download.resolve("tree"));
    }

    /** Control: Transmission requiring encryption refuses plaintext; preferring it, it answers. */
    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aTransmissionSeedRequiringEncryptionClosesAPlaintextHandshakeItAnswersWhenItPrefersEncryption()
            throws Exception {
        assumeTrue(NetNamespace.isSupported(), "needs root and ip netns");
        Path torrent = torrent(content(33), List.of());
        byte[] hash = infoHash(MetainfoParser.read(torrent));
        try (NetNamespace ns = NetNamespace.create(2);
             Transmission tr = Transmission.seed(Files.createDirectories(tmp.resolve("transmission")),
                     new Transmission.Options().in(ns).bindAddress(ns.address(1))
                             .encryption(Transmission.Encryption.REQUIRED), torrent, tmp.resolve("seed"),
                     Duration.ofSeconds(20))) {
            assertRefused(RawPeer.plaintextHandshakeInNamespace(ns, ns.address(2), ns.address(1), tr.peerPort(), hash,
                    PROBE), "Transmission requiring encryption");
            tr.setEncryption(Transmission.Encryption.PREFERRED);
            assertAnswered(answeredWithin(() -> RawPeer.plaintextHandshakeInNamespace(ns, ns.address(2),
                    ns.address(1), tr.peerPort(), hash, PROBE), hash), hash, "Transmission preferring encryption");
        }
    }

    // ---- helpers ----

    private static void assertRefused(RawPeer.Answer answer, String who) {
        assertThat(answer.received()).as("what %s sent back to a plaintext handshake: %s", who, answer).isEmpty();
        assertThat(answer.closed()).as("%s closed the plaintext connection: %s", who, answer).isTrue();
    }

    private static void assertAnswered(RawPeer.Answer answer, byte[] hash, String who) {
        assertThat(answer.isHandshakeFor(hash)).as("%s answered the plaintext handshake: %s", who, answer).isTrue();
    }

    interface Probe {
        RawPeer.Answer run() throws Exception;
    }

    /**
     * Probes until a handshake comes back, for 10 s at most: a setting changed at run time may reach
     * the client's network thread a moment later. Returns the last answer.
     */
    private static RawPeer.Answer answeredWithin(Probe probe, byte[] hash) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        RawPeer.Answer last = probe.run();
        while (!last.isHandshakeFor(hash) && System.nanoTime() < deadline) {
            Thread.sleep(300);
            last = probe.run();
        }
        return last;
    }
}
