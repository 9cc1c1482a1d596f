package dev.spate.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Spate with libtorrent over unique-local IPv6 addresses (fd00::/8, RFC 4193) in a namespace of the test's
 * own, both ways: given the other's {@code [fd00::i]:port} directly, and found through an HTTP tracker in
 * the namespace whose answer carries the other in {@code peers6} (BEP 7). libtorrent is on fd00::1, Spate on
 * fd00::2, the tracker on fd00::3; each binds to its own address, so the addresses each side logs are the
 * ones it really used. Loopback ::1 is covered by {@link Ipv6IT}; here the addresses are not loopback ones,
 * as a user's would be.
 */
class Ipv6NamespaceIT {
    private static final Duration READY = Duration.ofSeconds(20);
    private static final Duration DOWNLOAD = Duration.ofSeconds(35);
    private static final Pattern SEEDING = Pattern.compile("^seeding .* on port (\\d+)$");
    private static final String LT = "fd00::1";
    private static final String SPATE = "fd00::2";
    private static final String TRACKER = "fd00::3";

    @TempDir
    Path tmp;

    @BeforeEach
    void needsNamespaces() {
        assumeTrue(NetNamespace.isSupported(), "needs root and ip netns");
        SpateCli.jar();
    }

    /** {@code spate seed} bound to fd00::2 inside {@code ns}, on an ephemeral port. */
    private ExternalProcess spateSeed(Libtorrent.CreatedTorrent torrent, Path dir, NetNamespace ns) {
        List<String> args = new ArrayList<>(List.of("seed", torrent.file().toString(), "-d", dir.toString(),
                "--state", tmp.resolve("seed-state").toString(), "--bind", SPATE, "--port", "0", "--verbose"));
        return ExternalProcess.start("spate-seed6", ns.exec(SpateCli.command(args)), null);
    }

    private static ExternalProcess spateDownload(Libtorrent.CreatedTorrent torrent, Path out, Path state,
            List<String> peers, NetNamespace ns) {
        return SpateCli.download(torrent.file(), out, state, peers, List.of("--bind", SPATE, "--verbose"), ns);
    }

    private static void assertComplete(ExternalProcess leech, Libtorrent.CreatedTorrent torrent, ExternalProcess other) {
        assertThat(leech.waitForExit(DOWNLOAD)).as("exit; log:%n%s%nother side:%n%s", leech.logTail(30),
                other.logTail(20)).isZero();
        var summary = SpateCli.summary(leech);
        assertThat(summary.group("state")).isEqualTo("complete");
        assertThat(summary.group("verified")).isEqualTo(Integer.toString(torrent.pieces()));
        assertThat(summary.group("hashFailures")).isEqualTo("0");
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void spateDownloadsFromLibtorrentGivenAsAUniqueLocalIpv6Peer() throws Exception {
        Path content = Payload.file(tmp.resolve("seed/ula-lt.bin"), 1024 * 1024 + 37, 97);
        Libtorrent.CreatedTorrent torrent = Libtorrent.createTorrent(content, tmp.resolve("ula-lt.torrent"),
                64 * 1024, List.of());
        Path out = tmp.resolve("out");
        try (NetNamespace ns = NetNamespace.create(2);
             Libtorrent lt = Libtorrent.seed(torrent.file(), content.getParent(), new Libtorrent.Options().in(ns)
                     .listen(LT, 0).noTrackers().lifetime(Duration.ofSeconds(60)))) {
            lt.awaitSeeding(READY);
            try (ExternalProcess leech = spateDownload(torrent, out, tmp.resolve("state"),
                    List.of("[" + LT + "]:" + lt.port()), ns)) {
                assertComplete(leech, torrent, lt.process());
                assertThat(leech.logText()).contains("peer [" + LT + "]:" + lt.port() + ": connected");
            }
            lt.process().waitForLine("^PROGRESS .* up=[1-9]", Duration.ofSeconds(5));
        }
        Payload.assertSameTree(content, out.resolve("ula-lt.bin"));
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void libtorrentDownloadsFromSpateGivenAsAUniqueLocalIpv6Peer() throws Exception {
        Path content = Payload.file(tmp.resolve("seed/ula-up.bin"), 1024 * 1024 + 41, 98);
        Libtorrent.CreatedTorrent torrent = Libtorrent.createTorrent(content, tmp.resolve("ula-up.torrent"),
                64 * 1024, List.of());
        Path out = tmp.resolve("lt-out");
        try (NetNamespace ns = NetNamespace.create(2);
             ExternalProcess seed = spateSeed(torrent, content.getParent(), ns)) {
            int port = Integer.parseInt(seed.waitForLine(SEEDING, READY).group(1));
            try (Libtorrent lt = Libtorrent.download(torrent.file(), out, new Libtorrent.Options().in(ns)
                    .listen(LT, 0).noTrackers().peer(SPATE, port).lifetime(Duration.ofSeconds(50)))) {
                lt.awaitCompleteAndExit(DOWNLOAD);
            }
            assertThat(seed.logText()).as("libtorrent dialled from its own address")
                    .containsPattern("peer \\[" + Pattern.quote(LT) + "\\]:\\d+: connected");
        }
        Payload.assertSameTree(content, out.resolve("ula-up.bin"));
    }

    /**
     * libtorrent seeds and announces first; Spate's first announce is answered with it in {@code peers6}
     * and nothing in {@code peers}, the only way it can learn of the seed.
     */
    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void spateFindsLibtorrentInATrackersPeers6() throws Exception {
        Path content = Payload.file(tmp.resolve("seed/t-lt.bin"), 768 * 1024 + 13, 99);
        Path out = tmp.resolve("out");
        try (NetNamespace ns = NetNamespace.create(3);
             NamespaceTracker tracker = NamespaceTracker.start(ns, TRACKER, 2, Duration.ofSeconds(60))) {
            Libtorrent.CreatedTorrent torrent = Libtorrent.createTorrent(content, tmp.resolve("t-lt.torrent"),
                    32 * 1024, List.of(tracker.announceUrl()));
            try (Libtorrent lt = Libtorrent.seed(torrent.file(), content.getParent(), new Libtorrent.Options().in(ns)
                    .listen(LT, 0).lifetime(Duration.ofSeconds(60)))) {
                lt.awaitSeeding(READY);
                assertThat(tracker.awaitAnnounce(torrent.infoHashHex(), LT, READY).group("port"))
                        .isEqualTo(Integer.toString(lt.port()));
                try (ExternalProcess leech = spateDownload(torrent, out, tmp.resolve("state"), List.of(), ns)) {
                    assertComplete(leech, torrent, lt.process());
                    assertThat(leech.logText()).contains("peer [" + LT + "]:" + lt.port() + ": connected");
                }
            }
            assertThat(tracker.answers()).as("Spate was given libtorrent in peers6")
                    .anyMatch(a -> a.startsWith("ANSWER " + torrent.infoHashHex() + " to " + SPATE
                            + " peers=0 peers6=1 [" + LT + "]:"));
        }
        Payload.assertSameTree(content, out.resolve("t-lt.bin"));
    }

    /** Spate seeds and announces first; libtorrent finds it in its first answer's {@code peers6}. */
    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void libtorrentFindsSpateInATrackersPeers6() throws Exception {
        Path content = Payload.file(tmp.resolve("seed/t-up.bin"), 768 * 1024 + 19, 100);
        Path out = tmp.resolve("lt-out");
        try (NetNamespace ns = NetNamespace.create(3);
             NamespaceTracker tracker = NamespaceTracker.start(ns, TRACKER, 2, Duration.ofSeconds(60))) {
            Libtorrent.CreatedTorrent torrent = Libtorrent.createTorrent(content, tmp.resolve("t-up.torrent"),
                    32 * 1024, List.of(tracker.announceUrl()));
            try (ExternalProcess seed = spateSeed(torrent, content.getParent(), ns)) {
                int port = Integer.parseInt(seed.waitForLine(SEEDING, READY).group(1));
                var announce = tracker.awaitAnnounce(torrent.infoHashHex(), SPATE, READY);
                assertThat(announce.group("port")).isEqualTo(Integer.toString(port));
                assertThat(announce.group("left")).as("a seed has nothing left").isEqualTo("0");
                try (Libtorrent lt = Libtorrent.download(torrent.file(), out, new Libtorrent.Options().in(ns)
                        .listen(LT, 0).lifetime(Duration.ofSeconds(50)))) {
                    lt.awaitCompleteAndExit(DOWNLOAD);
                }
                assertThat(seed.logText()).containsPattern("peer \\[" + Pattern.quote(LT) + "\\]:\\d+: connected");
            }
            assertThat(tracker.answers()).as("libtorrent was given Spate in peers6")
                    .anyMatch(a -> a.startsWith("ANSWER " + torrent.infoHashHex() + " to " + LT
                            + " peers=0 peers6=1 [" + SPATE + "]:"));
        }
        Payload.assertSameTree(content, out.resolve("t-up.bin"));
    }
}
