package dev.spate.daemon;

import static dev.spate.daemon.TransmissionRemoteIT.REMOTE;
import static dev.spate.daemon.TransmissionRemoteIT.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.spate.engine.Session;
import dev.spate.engine.TorrentState;
import dev.spate.engine.TorrentStatus;
import dev.spate.metainfo.FileEntry;
import dev.spate.metainfo.MetainfoException;
import dev.spate.metainfo.MetainfoParser;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real clients on both sides of the daemon, all on 127.0.0.1: Debian's {@code transmission-remote}
 * (3.00) drives an in-process daemon (a session, {@link Torrents} and the {@link RpcServer}), whose
 * peers are python3-libtorrent processes ({@link LibtorrentPeer}). Each step is checked on what
 * transmission-remote prints, on the facade, and on disk: a magnet link whose only source is a
 * libtorrent seed, the daemon then seeding to a libtorrent leech; files left out before the
 * download; a verify that finds corrupt bytes and a start that repairs them; and a
 * remove-and-delete that deletes the torrent's own data and nothing a link in it points to.
 */
@Timeout(180)
class DaemonWithLibtorrentIT {
    private static final Duration TRANSFER = Duration.ofSeconds(90);

    @TempDir
    Path tmp;

    /** What the test started, closed in reverse order after it, pass or fail. */
    private final List<AutoCloseable> started = new ArrayList<>();

    @BeforeEach
    void clientsAreInstalled() {
        assumeTrue(Files.isExecutable(REMOTE), "transmission-remote (package transmission-cli) is not installed");
        assumeTrue(LibtorrentPeer.available(), "python3 with libtorrent (package python3-libtorrent) is not installed");
    }

    @AfterEach
    void stopEverything() throws Exception {
        Exception first = null;
        for (AutoCloseable c : started.reversed()) {
            try {
                c.close();
            } catch (Exception e) {
                first = first == null ? e : first;
            }
        }
        if (first != null) {
            throw first;
        }
    }

    private <T extends AutoCloseable> T started(T resource) {
        started.add(resource);
        return resource;
    }

    /** The daemon of a test: its session on 127.0.0.1 without DHT or local discovery, the facade, the RPC. */
    private record Daemon(Session session, Torrents torrents, RpcServer rpc, Path downloads, Path state) {
        TransmissionRemoteIT.Run remote(String... args) throws IOException, InterruptedException {
            TransmissionRemoteIT.Run run = TransmissionRemoteIT.remote(rpc.address(), args);
            assertThat(run.exitCode()).as("transmission-remote %s: %s", String.join(" ", args), run.out()).isZero();
            return run;
        }

        TorrentStatus status(int id) {
            return torrents.get(id).orElseThrow().status();
        }
    }

    private Daemon daemon() throws IOException {
        Path downloads = Files.createDirectories(tmp.resolve("downloads"));
        Path state = tmp.resolve("daemon-state");
        Session session = started(Session.open(TransmissionRemoteIT.config(state)));
        Torrents torrents = new Torrents(session, downloads);
        RpcServer rpc = started(RpcServer.start(torrents, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                Optional.empty()));
        return new Daemon(session, torrents, rpc, downloads, state);
    }

    /** Writes files of random bytes (a path relative to {@code root}, and its size) and returns their SHA-256s. */
    private static Map<String, String> content(Path root, long seed, Object... pathsAndSizes) throws IOException {
        Random random = new Random(seed);
        Map<String, String> sums = new LinkedHashMap<>();
        for (int i = 0; i < pathsAndSizes.length; i += 2) {
            Path file = root.resolve((String) pathsAndSizes[i]);
            byte[] data = new byte[(Integer) pathsAndSizes[i + 1]];
            random.nextBytes(data);
            Files.createDirectories(file.getParent());
            Files.write(file, data);
            sums.put((String) pathsAndSizes[i], sha256(file));
        }
        return sums;
    }

    /** The SHA-256 of each of {@code files}' paths under {@code root}, for those that exist. */
    private static Map<String, String> sums(Path root, Iterable<String> files) throws IOException {
        Map<String, String> sums = new LinkedHashMap<>();
        for (String f : files) {
            if (Files.exists(root.resolve(f), LinkOption.NOFOLLOW_LINKS)) {
                sums.put(f, sha256(root.resolve(f)));
            }
        }
        return sums;
    }

    private static String sha256(Path file) throws IOException {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    /** The number after {@code label:} in {@code -i} output, e.g. "Percent Done: 99.5%" gives 99.5. */
    private static double infoNumber(String info, String label) {
        Matcher m = Pattern.compile("(?m)^\\s*" + Pattern.quote(label) + ": ([0-9.]+)").matcher(info);
        assertThat(m.find()).as("%s in:%n%s", label, info).isTrue();
        return Double.parseDouble(m.group(1));
    }

    /** The {@code -l} line of the torrent named {@code name}. */
    private static String listLine(String list, String name) {
        List<String> lines = list.lines().filter(l -> l.endsWith(" " + name)).toList();
        assertThat(lines).as(list).hasSize(1);
        return lines.getFirst();
    }

    /** The {@code -f} line of the file whose name ends with {@code name}, its columns split. */
    private static List<String> fileLine(String files, String name) {
        List<String> lines = files.lines().filter(l -> l.endsWith("/" + name)).toList();
        assertThat(lines).as(files).hasSize(1);
        return List.of(lines.getFirst().strip().split("\\s+"));
    }

    @Test
    void aMagnetLinkWhoseOnlySourceIsALibtorrentSeedDownloadsByteExactAndIsThenSeededToALibtorrentLeech()
            throws Exception {
        Path seedDir = tmp.resolve("seed");
        Map<String, String> sums = content(seedDir.resolve("linked"), 1, "one.bin", 2_500_001, "deeper/two.bin", 700_000);
        Path torrent = tmp.resolve("linked.torrent");
        String hash = LibtorrentPeer.createTorrent(seedDir.resolve("linked"), torrent, 65_536);
        LibtorrentPeer seed = started(LibtorrentPeer.seed(torrent, seedDir, "--no-trackers"));
        seed.awaitLine("^SEEDING$", Duration.ofSeconds(20));
        Daemon daemon = daemon();

        // Only the hash and the seed's address: the daemon fetches the info dictionary from the seed (BEP 9).
        String magnet = "magnet:?xt=urn:btih:" + hash + "&x.pe=127.0.0.1:" + seed.port();
        assertThat(daemon.remote("-a", magnet).out()).contains("success");
        assertThat(daemon.torrents.list()).hasSize(1);
        assertThat(daemon.status(1).infoHash().hex()).isEqualToIgnoringCase(hash);

        await("the metadata from the seed", () -> daemon.status(1).name().equals("linked"));
        await("the download", () -> daemon.status(1).isFinished());
        Path downloaded = daemon.downloads.resolve("linked");
        assertThat(sums(downloaded, sums.keySet())).isEqualTo(sums);
        String info = daemon.remote("-t", "1", "-i").out();
        assertThat(info).contains("Name: linked").contains("Hash: " + hash).contains("Location: " + daemon.downloads);
        assertThat(infoNumber(info, "Percent Done")).isEqualTo(100.0);
        assertThat(listLine(daemon.remote("-l").out(), "linked")).contains("100%");
        String files = daemon.remote("-t", "1", "-f").out();
        assertThat(files).contains("linked (2 files)");
        assertThat(fileLine(files, "one.bin")).contains("100%", "Yes");
        assertThat(fileLine(files, "deeper/two.bin")).contains("100%", "Yes");

        // The seed goes: the leech's one source is the daemon.
        seed.close();
        await("the seed gone", () -> daemon.status(1).peers() == 0);
        Path leechDir = tmp.resolve("leech");
        LibtorrentPeer leech = started(LibtorrentPeer.download(torrent, leechDir, "--no-trackers",
                "--peer", "127.0.0.1:" + daemon.session.listenPort()));
        leech.awaitCompleteAndExit(TRANSFER);
        assertThat(sums(leechDir.resolve("linked"), sums.keySet())).isEqualTo(sums);
        assertThat(daemon.status(1).uploaded()).isGreaterThanOrEqualTo(3_200_001L);
        assertThat(daemon.remote("-t", "1", "-i").out()).containsPattern("Uploaded: 3\\.[0-9]+ MB");
    }

    @Test
    void filesLeftOutWhenAddedAreNeverWrittenAndTheWantedOnesFinishByteExact() throws Exception {
        Path seedDir = tmp.resolve("seed");
        // Sizes that are no multiple of the piece: beta shares its first or last piece with a neighbour.
        Map<String, String> sums = content(seedDir.resolve("picked"), 2, "alpha.bin", 1_000_000, "beta.bin", 300_001,
                "gamma.bin", 500_000);
        Path torrent = tmp.resolve("picked.torrent");
        LoopbackTracker tracker = started(new LoopbackTracker());
        LibtorrentPeer.createTorrent(seedDir.resolve("picked"), torrent, 32_768, tracker.url());
        Daemon daemon = daemon();

        // No source yet. transmission-remote sends -G with the add (torrent-add's files-unwanted),
        // then -g as a torrent-set. Its numbers are indices in the torrent's order (libtorrent's,
        // from the directory listing), from 0.
        String alpha = number(torrent, "alpha.bin");
        String beta = number(torrent, "beta.bin");
        String gamma = number(torrent, "gamma.bin");
        String added = daemon.remote("-a", torrent.toString(), "-G", beta + "," + gamma).out();
        assertThat(added).contains("success");
        daemon.remote("-t", "1", "-g", gamma);
        String before = daemon.remote("-t", "1", "-f").out();
        assertThat(fileLine(before, "alpha.bin")).startsWith(alpha + ":").contains("0%", "Yes").doesNotContain("No");
        assertThat(fileLine(before, "beta.bin")).startsWith(beta + ":").contains("0%", "No").doesNotContain("Yes");
        assertThat(fileLine(before, "gamma.bin")).startsWith(gamma + ":").contains("0%", "Yes").doesNotContain("No");
        List<Boolean> wanted = new ArrayList<>(List.of(true, true, true));
        wanted.set(Integer.parseInt(beta), false);
        assertThat(daemon.torrents.get(1).orElseThrow().wanted()).isEqualTo(wanted);

        // The seed dials the daemon, and both find each other through the tracker too.
        LibtorrentPeer seed = started(LibtorrentPeer.seed(torrent, seedDir,
                "--peer", "127.0.0.1:" + daemon.session.listenPort()));
        Path picked = daemon.downloads.resolve("picked");
        await("the wanted files", () -> {
            assertThat(picked.resolve("beta.bin")).as("never created, not even meanwhile").doesNotExist();
            return daemon.status(1).isFinished();
        });
        assertThat(sums(picked, sums.keySet())).containsOnlyKeys("alpha.bin", "gamma.bin")
                .containsEntry("alpha.bin", sums.get("alpha.bin")).containsEntry("gamma.bin", sums.get("gamma.bin"));
        assertThat(picked.resolve("beta.bin")).doesNotExist();
        assertThat(daemon.status(1).isComplete()).as("beta's own pieces are not fetched").isFalse();
        // The pieces beta shares with its neighbours are kept apart, in the daemon's state directory.
        assertThat(partFiles(daemon.state)).hasSize(1);
        String after = daemon.remote("-t", "1", "-f").out();
        assertThat(fileLine(after, "alpha.bin")).contains("100%", "Yes");
        assertThat(fileLine(after, "gamma.bin")).contains("100%", "Yes");
        assertThat(fileLine(after, "beta.bin")).contains("No");
        assertThat(infoNumber(daemon.remote("-t", "1", "-i").out(), "Percent Done")).isEqualTo(100.0);
        seed.close();

        // -rad: the torrent's files and its directory go, with its part file; a stranger beside them stays.
        Path stranger = Files.writeString(daemon.downloads.resolve("not-of-the-torrent.txt"), "mine");
        assertThat(daemon.remote("-t", "1", "--remove-and-delete").out()).contains("success");
        assertThat(daemon.torrents.list()).isEmpty();
        assertThat(daemon.remote("-l").out()).doesNotContain("picked");
        assertThat(picked).doesNotExist();
        assertThat(partFiles(daemon.state)).isEmpty();
        assertThat(stranger).hasContent("mine");
    }

    @Test
    void verifyFindsBytesCorruptedOnDiskAStartRepairsThemAndRemoveAndDeleteFollowsNoLink() throws Exception {
        Path seedDir = tmp.resolve("seed");
        Map<String, String> sums = content(seedDir.resolve("checked"), 3, "a.bin", 1_000_000, "sub/b.bin", 300_000);
        Path torrent = tmp.resolve("checked.torrent");
        LoopbackTracker tracker = started(new LoopbackTracker());
        LibtorrentPeer.createTorrent(seedDir.resolve("checked"), torrent, 32_768, tracker.url());
        LibtorrentPeer seed = started(LibtorrentPeer.seed(torrent, seedDir));
        seed.awaitLine("^TRACKER_OK ", Duration.ofSeconds(20));
        Daemon daemon = daemon();
        daemon.remote("-a", torrent.toString());
        await("the download", () -> daemon.status(1).isFinished());
        Path checked = daemon.downloads.resolve("checked");
        assertThat(sums(checked, sums.keySet())).isEqualTo(sums);

        // Stopped, 1000 bytes of a.bin are flipped, all within one piece.
        daemon.remote("-t", "1", "-S");
        await("stopped", () -> daemon.status(1).state() == TorrentState.PAUSED);
        long at = file(torrent, "a.bin").offset() + 100_000;
        int broken = (int) (at / 32_768);
        assertThat((at + 999) / 32_768).isEqualTo(broken);
        try (RandomAccessFile f = new RandomAccessFile(checked.resolve("a.bin").toFile(), "rw")) {
            byte[] bytes = new byte[1000];
            f.seek(100_000);
            f.readFully(bytes);
            for (int i = 0; i < bytes.length; i++) {
                bytes[i] ^= (byte) 0xff;
            }
            f.seek(100_000);
            f.write(bytes);
        }
        int pieces = daemon.status(1).pieceCount();
        daemon.remote("-t", "1", "-v");
        await("the check", () -> daemon.status(1).state() != TorrentState.CHECKING
                && daemon.status(1).piecesVerified() == pieces - 1);
        assertThat(daemon.status(1).verifiedPieces().contains(broken)).isFalse();
        String info = daemon.remote("-t", "1", "-i").out();
        assertThat(infoNumber(info, "Percent Done")).isLessThan(100.0).isGreaterThan(95.0);
        assertThat(listLine(daemon.remote("-l").out(), "checked")).doesNotContain("100%");
        assertThat(sha256(checked.resolve("a.bin"))).isNotEqualTo(sums.get("a.bin"));

        // Started, it finds the seed through the tracker again and fetches the one piece.
        daemon.remote("-t", "1", "-s");
        await("the repair", () -> daemon.status(1).isFinished());
        assertThat(sums(checked, sums.keySet())).isEqualTo(sums);
        assertThat(infoNumber(daemon.remote("-t", "1", "-i").out(), "Percent Done")).isEqualTo(100.0);
        seed.close();

        // Links planted in the torrent's directory, stopped: its sub directory swapped for a link to a
        // directory elsewhere holding a b.bin, and a link to a file elsewhere.
        daemon.remote("-t", "1", "-S");
        await("stopped", () -> daemon.status(1).state() == TorrentState.PAUSED);
        Path elsewhere = Files.createDirectories(tmp.resolve("elsewhere"));
        Path victim = Files.writeString(elsewhere.resolve("b.bin"), "not the torrent's");
        Path kept = Files.writeString(elsewhere.resolve("keep.txt"), "keep");
        Files.delete(checked.resolve("sub/b.bin"));
        Files.delete(checked.resolve("sub"));
        Files.createSymbolicLink(checked.resolve("sub"), elsewhere);
        Files.createSymbolicLink(checked.resolve("keep-link"), kept);
        Path stranger = Files.writeString(daemon.downloads.resolve("not-of-the-torrent.txt"), "mine");

        assertThat(daemon.remote("-t", "1", "--remove-and-delete").out()).contains("success");
        assertThat(daemon.torrents.list()).isEmpty();
        assertThat(checked.resolve("a.bin")).doesNotExist();
        assertThat(victim).hasContent("not the torrent's");
        assertThat(kept).hasContent("keep");
        assertThat(elsewhere).isDirectory();
        // The links are not the torrent's to delete; its directory stays, holding them.
        assertThat(Files.isSymbolicLink(checked.resolve("sub"))).isTrue();
        assertThat(Files.isSymbolicLink(checked.resolve("keep-link"))).isTrue();
        assertThat(stranger).hasContent("mine");
    }

    /** The file of {@code torrent} at {@code path} (under its name), pad files left out as the daemon numbers them. */
    private static FileEntry file(Path torrent, String path) throws IOException, MetainfoException {
        List<FileEntry> files = MetainfoParser.read(torrent).info().dataFiles();
        return files.stream().filter(f -> f.displayPath().equals(path)).findFirst().orElseThrow();
    }

    /** transmission-remote's number for the file at {@code path}: its index among the data files. */
    private static String number(Path torrent, String path) throws IOException, MetainfoException {
        return Integer.toString(MetainfoParser.read(torrent).info().dataFiles().indexOf(file(torrent, path)));
    }

    /** The part files (pieces shared with files left out) in the daemon's state directory. */
    private static List<Path> partFiles(Path state) throws IOException {
        if (!Files.exists(state)) {
            return List.of();
        }
        try (Stream<Path> all = Files.walk(state)) {
            return all.filter(p -> p.getFileName().toString().endsWith(".parts")).toList();
        }
    }
}
