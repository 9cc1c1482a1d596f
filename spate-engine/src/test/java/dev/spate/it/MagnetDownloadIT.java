package dev.spate.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.spate.core.InfoHash;
import dev.spate.engine.Event;
import dev.spate.engine.Session;
import dev.spate.engine.TorrentHandle;
import dev.spate.engine.TorrentState;
import dev.spate.metainfo.Magnet;
import dev.spate.metainfo.Metainfo;
import dev.spate.metainfo.MetainfoParser;
import java.net.InetSocketAddress;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A magnet link with only {@code x.pe}, or only {@code tr}: Spate fetches the info dictionary from a
 * libtorrent seed (BEP 9, libtorrent's default plugins), found directly or through opentracker, then
 * downloads the data from it byte-exact over the same connection (carried over from the metadata
 * phase, not redialled); the metadata is kept, so the same link added again in a new session needs no
 * peer to know its torrent.
 */
class MagnetDownloadIT {
    static final int PIECE = 64 * 1024;

    @TempDir
    Path tmp;

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void aMagnetWithOnlyAPeerFetchesTheMetadataFromLibtorrentAndDownloadsByteExact() throws Exception {
        Path content = DownloadFromReferenceSeedsIT.multiFile(tmp.resolve("seed/tree"), 31);
        Libtorrent.CreatedTorrent torrent = Libtorrent.createTorrent(content, tmp.resolve("tree.torrent"), PIECE,
                List.of());
        Metainfo meta = MetainfoParser.read(torrent.file());
        Path leech = Files.createDirectories(tmp.resolve("leech"));
        Path state = tmp.resolve("state");
        try (Libtorrent seed = Libtorrent.seed(torrent.file(), tmp.resolve("seed"), new Libtorrent.Options()
                .noTrackers());
             Session session = Session.open(DownloadFromReferenceSeedsIT.loopback(state))) {
            seed.awaitSeeding(Duration.ofSeconds(20));
            List<Event> events = new CopyOnWriteArrayList<>();
            session.subscribe(events::add);
            Magnet magnet = Magnet.parse("magnet:?xt=urn:btih:" + meta.infoHashHex() + "&dn=from+a+magnet"
                    + "&x.pe=127.0.0.1:" + seed.port());
            TorrentHandle t = session.add(magnet, leech);
            assertThat(t.infoHash()).isEqualTo(InfoHash.of(meta.infoHash()));
            assertThat(t.awaitCompletion(Duration.ofSeconds(60))).as("download completes; status %s; events %s",
                    t.status(), events).isTrue();
            assertThat(t.name()).as("the info dictionary's name, not the link's").isEqualTo("tree");
            assertThat(events).anyMatch(e -> e instanceof Event.StateChanged c && c.to() == TorrentState.METADATA);
            assertThat(t.status().state()).isEqualTo(TorrentState.SEEDING);
            assertOneConnectionThroughout(events, new InetSocketAddress("127.0.0.1", seed.port()));
        }
        Payload.assertSameTree(content, leech.resolve("tree"));
        assertThat(state.resolve("metadata").resolve(meta.infoHashHex() + ".torrent")).exists();

        // A new session, no peer at all: the kept metadata knows the torrent, and the data is there.
        try (Session again = Session.open(DownloadFromReferenceSeedsIT.loopback(state))) {
            TorrentHandle t = again.add(Magnet.parse("magnet:?xt=urn:btih:" + meta.infoHashHex()), leech);
            assertThat(t.awaitCompletion(Duration.ofSeconds(30))).as("complete from disk; %s", t.status()).isTrue();
            assertThat(t.name()).isEqualTo("tree");
        }
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void aMagnetWithOnlyATrackerFindsALibtorrentSeedThroughOpentrackerAndDownloadsByteExact() throws Exception {
        Path content = DownloadFromReferenceSeedsIT.singleFile(tmp.resolve("seed/tracked.bin"), 33);
        try (Opentracker tracker = Opentracker.start(Files.createDirectories(tmp.resolve("tracker")))) {
            Libtorrent.CreatedTorrent torrent = Libtorrent.createTorrent(content, tmp.resolve("tracked.torrent"), PIECE,
                    List.of(tracker.httpAnnounce()));
            Metainfo meta = MetainfoParser.read(torrent.file());
            tracker.allow(meta.infoHashHex());
            Path leech = Files.createDirectories(tmp.resolve("leech"));
            try (Libtorrent seed = Libtorrent.seed(torrent.file(), tmp.resolve("seed"), new Libtorrent.Options());
                 Session session = Session.open(DownloadFromReferenceSeedsIT.loopback(tmp.resolve("state")))) {
                seed.awaitSeeding(Duration.ofSeconds(20));
                seed.awaitTrackerOk(Duration.ofSeconds(20));
                List<Event> events = new CopyOnWriteArrayList<>();
                session.subscribe(events::add);
                Magnet magnet = Magnet.parse("magnet:?xt=urn:btih:" + meta.infoHashHex() + "&tr="
                        + URLEncoder.encode(tracker.httpAnnounce(), StandardCharsets.UTF_8));
                assertThat(magnet.peers()).as("no peer in the link").isEmpty();
                TorrentHandle t = session.add(magnet, leech);
                assertThat(t.awaitCompletion(Duration.ofSeconds(60))).as("download completes; status %s; events %s",
                        t.status(), events).isTrue();
                assertThat(t.name()).isEqualTo("tracked.bin");
                assertThat(events).anyMatch(e -> e instanceof Event.StateChanged c && c.to() == TorrentState.METADATA);
                assertOneConnectionThroughout(events, new InetSocketAddress("127.0.0.1", seed.port()));
            }
            Payload.assertSameTree(content, leech.resolve("tracked.bin"));
        }
    }

    /**
     * The seed was connected once, and that connection lasted from the metadata phase to the end of
     * the download: carried over to the torrent proper, not closed and redialled.
     */
    static void assertOneConnectionThroughout(List<Event> live, InetSocketAddress seed) {
        // A copy: the live list goes on filling, and a view of it would then fail.
        List<Event> events = List.copyOf(live);
        int complete = -1;
        for (int i = 0; i < events.size(); i++) {
            if (events.get(i) instanceof Event.TorrentComplete) {
                complete = i;
                break;
            }
        }
        assertThat(complete).as("completed; events %s", events).isNotNegative();
        List<Event> untilComplete = events.subList(0, complete);
        assertThat(untilComplete).filteredOn(e -> e instanceof Event.PeerConnected c && c.address().equals(seed))
                .as("connected to the seed once; events %s", events).hasSize(1);
        assertThat(untilComplete).filteredOn(e -> e instanceof Event.PeerDisconnected d && d.address().equals(seed))
                .as("never disconnected from the seed before completion; events %s", events).isEmpty();
    }

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void theCliDownloadsAMagnetLinkWithAPeerFromLibtorrent() throws Exception {
        SpateCli.jar();
        Path content = DownloadFromReferenceSeedsIT.singleFile(tmp.resolve("seed/single.bin"), 32);
        Libtorrent.CreatedTorrent torrent = Libtorrent.createTorrent(content, tmp.resolve("single.torrent"), PIECE,
                List.of());
        Metainfo meta = MetainfoParser.read(torrent.file());
        try (Libtorrent seed = Libtorrent.seed(torrent.file(), tmp.resolve("seed"), new Libtorrent.Options()
                .noTrackers())) {
            seed.awaitSeeding(Duration.ofSeconds(20));
            String magnet = "magnet:?xt=urn:btih:" + meta.infoHashHex() + "&x.pe=127.0.0.1:" + seed.port();
            try (ExternalProcess p = ExternalProcess.start("spate-magnet", SpateCli.command(List.of("download", magnet,
                    "-o", tmp.resolve("out").toString(), "--state", tmp.resolve("state").toString(), "--port", "0",
                    "--bind", "127.0.0.1")), null)) {
                assertThat(p.waitForExit(Duration.ofSeconds(60))).as("exit; log:%n%s", p.logTail(30)).isZero();
                assertThat(SpateCli.summary(p).group("state")).isEqualTo("complete");
            }
        }
        Payload.assertSameTree(content, tmp.resolve("out/single.bin"));
    }

    /**
     * Transmission takes our pieces (have-none) after the metadata exchange on the same connection,
     * late by BEP 3's letter but as libtorrent does it for its own magnets: the download goes on over
     * the carried connection, the only one made. Transmission ignores peers on 127.0.0.1, hence the
     * namespace and the CLI.
     */
    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void theCliDownloadsAMagnetLinkFromTransmission() throws Exception {
        assumeTrue(NetNamespace.isSupported(), "needs root and ip netns");
        SpateCli.jar();
        Path content = DownloadFromReferenceSeedsIT.singleFile(tmp.resolve("seed/from-tr.bin"), 34);
        Libtorrent.CreatedTorrent torrent = Libtorrent.createTorrent(content, tmp.resolve("from-tr.torrent"), PIECE,
                List.of());
        Metainfo meta = MetainfoParser.read(torrent.file());
        try (NetNamespace ns = NetNamespace.create(2);
             Transmission tr = Transmission.seed(Files.createDirectories(tmp.resolve("transmission")),
                     new Transmission.Options().in(ns).bindAddress(ns.address(1)).peerPort(51413),
                     torrent.file(), tmp.resolve("seed"), Duration.ofSeconds(30))) {
            String magnet = "magnet:?xt=urn:btih:" + meta.infoHashHex() + "&x.pe=" + ns.address(1) + ":"
                    + tr.peerPort();
            try (ExternalProcess p = ExternalProcess.start("spate-magnet-tr", ns.exec(SpateCli.command(List.of(
                    "download", magnet, "-o", tmp.resolve("out").toString(), "--state", tmp.resolve("state").toString(),
                    "--port", "0", "--bind", ns.address(2), "--verbose"))), null)) {
                assertThat(p.waitForExit(Duration.ofSeconds(90))).as("exit; log:%n%s", p.logTail(30)).isZero();
                assertThat(SpateCli.summary(p).group("state")).isEqualTo("complete");
                // --verbose lists each connection and disconnection: one connection, from the metadata to the end.
                String seedLine = "peer " + ns.address(1) + ":" + tr.peerPort() + ": ";
                List<String> lines = p.logTail(1000).lines().filter(l -> l.startsWith(seedLine)).toList();
                // At the end, once complete, the seed may be let go: both are seeds then, nothing else.
                List<String> beforeTheEnd = lines.stream()
                        .filter(l -> !l.equals(seedLine + "disconnected: both of us are seeds")).toList();
                // Transmission prefers encryption, so the line goes on to say how (RC4, as it selects).
                assertThat(beforeTheEnd).as("log:%n%s", p.logTail(60)).singleElement().asString()
                        .startsWith(seedLine + "connected (we dialled)");
                assertThat(lines.size() - beforeTheEnd.size()).isLessThanOrEqualTo(1);
            }
            assertThat(tr.info(1)).as("Transmission uploaded").containsPattern("Uploaded: [1-9]");
        }
        Payload.assertSameTree(content, tmp.resolve("out/from-tr.bin"));
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void aBadMagnetLinkIsOneLineNamingTheField() throws Exception {
        SpateCli.jar();
        try (ExternalProcess p = ExternalProcess.start("spate-bad-magnet", SpateCli.command(List.of("download",
                "magnet:?xt=urn:btih:zz", "-o", tmp.resolve("out").toString(), "--state", tmp.resolve("state").toString())),
                null)) {
            assertThat(p.waitForExit(Duration.ofSeconds(20))).isEqualTo(1);
            assertThat(p.logTail(5)).contains("invalid magnet link").contains("xt");
        }
    }
}
