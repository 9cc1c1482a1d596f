package dev.spate.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spate.engine.Session;
import dev.spate.engine.TorrentHandle;
import dev.spate.metainfo.Metainfo;
import dev.spate.metainfo.MetainfoParser;
import dev.spate.metainfo.TorrentCreator;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Data the seeding user may only read (files owned by root, mode 0444, in directories 0555) is
 * seeded by {@code spate seed} run as nobody, and a Spate leecher gets it byte-exact from
 * 127.0.0.1; the seed changes nothing in the download directory (no byte, no modification time,
 * no new entry); its resume data goes to its own state directory.
 */
class ReadOnlySeedIT {
    private static final int NOBODY = 65534;

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void nobodySeedsRootOwnedReadOnlyFilesByteExactAndChangesNothing(@TempDir Path tmp) throws Exception {
        // nobody must reach the torrent, the data and its own home; @TempDir makes the directory 0700.
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path data = Files.createDirectories(tmp.resolve("data"));
        Path tree = Payload.tree(data.resolve("tree"), 71);
        Payload.file(tree.resolve("sub/big.bin"), 2 * 1024 * 1024 + 5, 72);
        Path torrent = Files.write(tmp.resolve("ro.torrent"),
                TorrentCreator.builder(tree).pieceLength(32 * 1024).build().create());
        Metainfo meta = MetainfoParser.read(torrent);
        makeReadOnly(data);
        Path home = Files.createDirectories(tmp.resolve("home"));
        Files.setAttribute(home, "unix:uid", NOBODY);
        Files.setAttribute(home, "unix:gid", NOBODY);
        Map<String, String> before = snapshot(data);

        List<String> command = new ArrayList<>(List.of("setpriv", "--reuid=" + NOBODY, "--regid=" + NOBODY,
                "--clear-groups", "env", "HOME=" + home, "XDG_STATE_HOME=" + home.resolve("state")));
        command.addAll(SpateCli.command(List.of("seed", torrent.toString(), "-d", data.toString(),
                "--port", "0", "--bind", "127.0.0.1")));
        try (ExternalProcess seed = ExternalProcess.start("spate-seed-nobody", command, home)) {
            Matcher seeding = seed.waitForLine("^seeding .* on port (\\d+)$", Duration.ofSeconds(45));
            assertThat(Files.readAllLines(Path.of("/proc", Long.toString(seed.pid()), "status")))
                    .as("the seed runs as nobody").anyMatch(l -> l.matches("Uid:\\s+65534\\s+65534\\s+65534\\s+65534"));
            int port = Integer.parseInt(seeding.group(1));

            try (Session leech = Session.open(DownloadFromReferenceSeedsIT.loopback(tmp.resolve("leech-state")))) {
                TorrentHandle t = leech.add(meta, Files.createDirectories(tmp.resolve("leech")));
                t.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
                assertThat(t.awaitCompletion(Duration.ofSeconds(60))).as("download from the read-only seed; %s\n%s",
                        t.status(), seed.logTail(30)).isTrue();
                assertThat(t.status().hashFailures()).isZero();
            }
            SpateCli.interrupt(seed);
            assertThat(seed.waitForExit(Duration.ofSeconds(20))).as("the seed's exit code\n%s", seed.logTail(30)).isZero();
            System.out.println("read-only seed's log:\n" + seed.logTail(30));
            assertThat(seed.logText().lines()).as("the seed reported no error").noneMatch(l -> l.startsWith("spate: "));
        }
        Payload.assertSameTree(tree, tmp.resolve("leech/tree"));
        assertThat(snapshot(data)).as("the download directory after seeding").isEqualTo(before);
    }

    /** Files 0444 and directories 0555, all owned by root (the test's user), under and including {@code dir}. */
    private static void makeReadOnly(Path dir) throws IOException {
        List<Path> all;
        try (Stream<Path> walk = Files.walk(dir)) {
            all = walk.toList();
        }
        for (Path p : all.reversed()) { // children before the directory that holds them
            Files.setAttribute(p, "unix:uid", 0, LinkOption.NOFOLLOW_LINKS);
            Files.setAttribute(p, "unix:gid", 0, LinkOption.NOFOLLOW_LINKS);
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(Files.isDirectory(p) ? "r-xr-xr-x" : "r--r--r--"));
        }
    }

    /** Every entry under {@code dir} with its kind, size, mode, modification time and content hash. */
    private static Map<String, String> snapshot(Path dir) throws Exception {
        Map<String, String> out = new TreeMap<>();
        MessageDigest sha1 = MessageDigest.getInstance("SHA-1");
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) walk::iterator) {
                BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                String what = (a.isDirectory() ? "dir" : a.size() + " bytes sha1 "
                        + HexFormat.of().formatHex(sha1.digest(Files.readAllBytes(p))))
                        + " " + PosixFilePermissions.toString(Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS))
                        + " mtime " + a.lastModifiedTime().to(TimeUnit.NANOSECONDS);
                out.put(dir.relativize(p).toString(), what);
            }
        }
        return out;
    }
}
