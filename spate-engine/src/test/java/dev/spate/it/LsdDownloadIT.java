package dev.spate.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.spate.metainfo.MetainfoParser;
import dev.spate.metainfo.TorrentCreator;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Local Service Discovery (BEP 14) end to end: {@code spate} processes with LSD on, as users have it,
 * find their peers with no tracker and no {@code --peer}, only by the announces they multicast. Every
 * process runs inside a network namespace the test makes, whose loopback has multicast switched on
 * ({@link LsdIT#lsdNamespace}) and holds 198.18.0.1, .2 (and .3): nothing reaches any real network. Each
 * {@code spate} binds one of those addresses, so it announces on that interface, from that address.
 *
 * <p>Who can find whom follows from BEP 14's timing, which the engine keeps (an announce when a torrent
 * starts, then every 5 minutes): the process that starts second is heard by the one already running,
 * which then dials it (a seed dials too). So a seed first, then its leech; and for a magnet link, whose
 * metadata phase accepts no connection (it has no torrent to answer for yet) and so must dial, the
 * magnet first, then the libtorrent seed it hears.
 */
class LsdDownloadIT {
    static final Duration HEAR = Duration.ofSeconds(30);
    static final Duration DOWNLOAD = Duration.ofSeconds(60);

    @TempDir
    Path tmp;

    @BeforeEach
    void needsNamespaces() {
        assumeTrue(NetNamespace.isSupported(), "needs root and ip netns");
        SpateCli.jar();
    }

    /** {@code spate seed} with LSD on in {@code ns}, on {@code address}; returns once it seeds. */
    ExternalProcess seed(NetNamespace ns, Path torrent, Path data, String address, int port) {
        ExternalProcess p = ExternalProcess.start("spate-lsd-seed", SpateCli.commandWithLsd(ns, List.of("seed",
                torrent.toString(), "-d", data.toString(), "--bind", address, "--port", Integer.toString(port),
                "--state", tmp.resolve("seed-state").toString())), null);
        try {
            p.waitForLine("^seeding .* on port " + port, HEAR);
            return p;
        } catch (RuntimeException | AssertionError e) {
            p.close();
            throw e;
        }
    }

    /** {@code spate download} with LSD on in {@code ns}, on {@code address}: no tracker, no peer. */
    ExternalProcess download(NetNamespace ns, String torrentOrMagnet, Path out, String address, int port) {
        return ExternalProcess.start("spate-lsd-download", SpateCli.commandWithLsd(ns, List.of("download",
                torrentOrMagnet, "-o", out.toString(), "--bind", address, "--port", Integer.toString(port),
                "--state", tmp.resolve("download-state").toString())), null);
    }

    @Test
    @Timeout(value = 150, unit = TimeUnit.SECONDS)
    void twoSpateProcessesThatKnowNothingOfEachOtherFindEachOtherOnTheLocalNetworkAndOneDownloadsFromTheOther()
            throws Exception {
        Path content = Payload.tree(tmp.resolve("seed/tree"), 61);
        Libtorrent.CreatedTorrent torrent = Libtorrent.createTorrent(content, tmp.resolve("tree.torrent"), 32 * 1024,
                List.of());
        Path out = tmp.resolve("out");
        try (NetNamespace ns = LsdIT.lsdNamespace(2);
             ExternalProcess seed = seed(ns, torrent.file(), content.getParent(), ns.address(1), 7001);
             ExternalProcess leech = download(ns, torrent.file().toString(), out, ns.address(2), 7002)) {
            assertThat(leech.waitForExit(DOWNLOAD)).as("exit; log:%n%s%nseed:%n%s", leech.logTail(30), seed.logTail(20))
                    .isZero();
            assertThat(SpateCli.summary(leech).group("state")).isEqualTo("complete");
            assertThat(seed.isAlive()).as("the seed still seeds").isTrue();
        }
        Payload.assertSameTree(content, out.resolve("tree"));
    }

    /**
     * What users get: no {@code --bind}, so both groups on every interface that is up, can multicast and
     * is not a loopback, here a veth pair with both ends in the namespace (as in LsdIT), IPv4 and IPv6
     * addresses on one end (the other has only a link-local IPv6 address, which cannot send to the
     * site-local group, and is left out); the multicast loop brings each process's announces to the other.
     */
    @Test
    @Timeout(value = 150, unit = TimeUnit.SECONDS)
    void withoutBindTheyAnnounceOnEveryInterfaceAndFindEachOther() throws Exception {
        Path content = Payload.file(tmp.resolve("seed/wild.bin"), 700_001, 65);
        Libtorrent.CreatedTorrent torrent = Libtorrent.createTorrent(content, tmp.resolve("wild.torrent"), 32 * 1024,
                List.of());
        Path out = tmp.resolve("out");
        try (NetNamespace ns = LsdIT.lsdNamespace(1)) {
            ns.runChecked(List.of("ip", "link", "add", "lsd0", "type", "veth", "peer", "name", "lsd1"));
            for (String dev : List.of("lsd0", "lsd1")) {
                ns.runChecked(List.of("ip", "link", "set", dev, "up"));
            }
            ns.runChecked(List.of("ip", "addr", "add", "198.18.1.1/24", "dev", "lsd0"));
            ns.runChecked(List.of("ip", "-6", "addr", "add", "fd00:5a7e::1/64", "dev", "lsd0", "nodad"));
            try (ExternalProcess seed = ExternalProcess.start("spate-lsd-seed", SpateCli.commandWithLsd(ns, List.of(
                    "seed", torrent.file().toString(), "-d", content.getParent().toString(), "--port", "7001",
                    "--state", tmp.resolve("seed-state").toString(), "--verbose")), null)) {
                seed.waitForLine("^seeding .* on port 7001", HEAR);
                try (ExternalProcess leech = ExternalProcess.start("spate-lsd-download", SpateCli.commandWithLsd(ns,
                        List.of("download", torrent.file().toString(), "-o", out.toString(), "--port", "7002",
                                "--state", tmp.resolve("download-state").toString(), "--verbose")), null)) {
                    assertThat(leech.waitForExit(DOWNLOAD)).as("exit; log:%n%s%nseed:%n%s", leech.logTail(30),
                            seed.logTail(30)).isZero();
                    assertThat(SpateCli.summary(leech).group("state")).isEqualTo("complete");
                    assertThat(leech.logText()).as("lsd1 (link-local IPv6 only) is left out, quietly")
                            .doesNotContain("warning").contains("local service discovery on lsd0");
                }
                assertThat(seed.logText()).as("the seed heard the leech in both groups and dialled both addresses")
                        .contains("198.18.1.1:7002").contains("[fd00:5a7e::1]:7002").doesNotContain("warning");
            }
        }
        Payload.assertSameTree(content, out.resolve("wild.bin"));
    }

    @Test
    @Timeout(value = 150, unit = TimeUnit.SECONDS)
    void libtorrentWithLsdOnHearsASpateLeechAndServesIt() throws Exception {
        Path content = Payload.file(tmp.resolve("seed/lt.bin"), 2 * 1024 * 1024 + 4321, 62);
        Libtorrent.CreatedTorrent torrent = Libtorrent.createTorrent(content, tmp.resolve("lt.torrent"), 64 * 1024,
                List.of());
        Path out = tmp.resolve("out");
        try (NetNamespace ns = LsdIT.lsdNamespace(2);
             ExternalProcess lt = libtorrentSeed(ns, torrent.file(), content.getParent(), ns.address(1))) {
            lt.waitForLine("^LISTENING (\\d+)$", HEAR);
            try (ExternalProcess leech = download(ns, torrent.file().toString(), out, ns.address(2), 7002)) {
                lt.waitForLine("^LSD_PEER 198\\.18\\.0\\.2:7002$", HEAR);
                assertThat(leech.waitForExit(DOWNLOAD)).as("exit; log:%n%s%nlibtorrent:%n%s", leech.logTail(30),
                        lt.logTail(20)).isZero();
                assertThat(SpateCli.summary(leech).group("state")).isEqualTo("complete");
            }
        }
        Payload.assertSameTree(content, out.resolve("lt.bin"));
    }

    @Test
    @Timeout(value = 150, unit = TimeUnit.SECONDS)
    void aMagnetLinkWithNoPeerAndNoTrackerGetsItsMetadataAndDataFromALibtorrentSeedItHears() throws Exception {
        Path content = Payload.file(tmp.resolve("seed/magnet.bin"), 1024 * 1024 + 77, 63);
        Libtorrent.CreatedTorrent torrent = Libtorrent.createTorrent(content, tmp.resolve("magnet.torrent"), 32 * 1024,
                List.of());
        Path out = tmp.resolve("out");
        try (NetNamespace ns = LsdIT.lsdNamespace(2);
             ExternalProcess leech = download(ns, "magnet:?xt=urn:btih:" + torrent.infoHashHex(), out, ns.address(2),
                     7002)) {
            leech.waitForLine("listening on port 7002", HEAR);
            try (ExternalProcess lt = libtorrentSeed(ns, torrent.file(), content.getParent(), ns.address(1))) {
                lt.waitForLine("^LISTENING (\\d+)$", HEAR);
                assertThat(leech.waitForExit(DOWNLOAD)).as("exit; log:%n%s%nlibtorrent:%n%s", leech.logTail(30),
                        lt.logTail(20)).isZero();
                assertThat(SpateCli.summary(leech).group("state")).isEqualTo("complete");
                assertThat(lt.logText()).as("the magnet dialled libtorrent (from a port of its own)")
                        .containsPattern("PEER_CONNECTED 198\\.18\\.0\\.2:(?!7002\\b)\\d+");
            }
        }
        Payload.assertSameTree(content, out.resolve("magnet.bin"));
    }

    @Test
    @Timeout(value = 150, unit = TimeUnit.SECONDS)
    void aPrivateTorrentIsNeverAnnouncedWhileAPublicOneIsAtOnce() throws Exception {
        Path source = Payload.file(tmp.resolve("data/both.bin"), 200_000, 64);
        Path privateTorrent = tmp.resolve("private.torrent");
        Files.write(privateTorrent, TorrentCreator.builder(source).pieceLength(32 * 1024).privateFlag(true).build()
                .create());
        Path publicTorrent = tmp.resolve("public.torrent");
        Files.write(publicTorrent, TorrentCreator.builder(source).pieceLength(32 * 1024).build().create());
        String privateHash = MetainfoParser.read(privateTorrent).infoHashHex();
        String publicHash = MetainfoParser.read(publicTorrent).infoHashHex();
        assertThat(privateHash).isNotEqualTo(publicHash);
        try (NetNamespace ns = LsdIT.lsdNamespace(3);
             // Listens for both torrents, so that an announce of either is reported.
             ExternalProcess probe = LsdIT.probe(tmp, ns, "listener", "lo", "4", 7003,
                     List.of("--source4", ns.address(3)), privateHash, publicHash);
             ExternalProcess privateLeech = download(ns, privateTorrent.toString(), tmp.resolve("out-private"),
                     ns.address(2), 7002)) {
            // Active, so a public torrent would have been announced already (BEP 14: when it starts).
            privateLeech.waitForLine("^downloading ", HEAR);
            try (ExternalProcess publicLeech = download(ns, publicTorrent.toString(), tmp.resolve("out-public"),
                    ns.address(1), 7001)) {
                probe.waitForLine("^PEER " + publicHash + " 198\\.18\\.0\\.1 7001$", HEAR);
            }
            Map<String, Long> stats = LsdIT.stop(tmp, probe);
            assertThat(LsdIT.peerLines(probe)).as("BEP 27: the private torrent's leech announced nothing")
                    .noneMatch(l -> l.contains(privateHash)).noneMatch(l -> l.contains(" 198.18.0.2 "));
            assertThat(stats.get("unknownTorrents")).as("nor any other torrent").isZero();
        }
    }

    /** LsdIT's libtorrent seed with LSD on ({@code it/lt_lsd.py}) in {@code ns}, listening on {@code address}. */
    ExternalProcess libtorrentSeed(NetNamespace ns, Path torrent, Path data, String address) throws IOException {
        Path script = tmp.resolve("lt_lsd.py");
        try (InputStream in = LsdDownloadIT.class.getResourceAsStream("/it/lt_lsd.py")) {
            assertThat(in).as("test resource it/lt_lsd.py").isNotNull();
            Files.copy(in, script, StandardCopyOption.REPLACE_EXISTING);
        }
        return ExternalProcess.start("libtorrent-lsd-seed", ns.exec(List.of(Libtorrent.PYTHON, "-u", script.toString(),
                "--torrent", torrent.toString(), "--dir", data.toString(), "--listen", address + ":0",
                "--timeout", "140")), null);
    }
}
