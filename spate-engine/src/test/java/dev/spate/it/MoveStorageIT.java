package dev.spate.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spate.engine.MoveStorageChild;
import dev.spate.engine.Session;
import dev.spate.engine.TorrentHandle;
import dev.spate.engine.TorrentState;
import dev.spate.metainfo.Metainfo;
import dev.spate.metainfo.MetainfoParser;
import dev.spate.metainfo.TorrentCreator;
import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link TorrentHandle#moveStorage}: a complete torrent moves to another directory and seeds from
 * there byte-exact, is found there when added again with the old directory, and a move killed
 * (-9) midway is finished when the torrent is added again.
 */
class MoveStorageIT {
    /** The files of {@link Payload#tree}, relative to the torrent's directory. */
    private static final List<String> FILES = List.of("alpha.bin", "empty.txt", "sub/beta.bin", "sub/gamma.bin",
            "sub/deeper/delta.bin");

    @TempDir
    Path tmp;

    private Path expected;
    private Metainfo meta;

    /** The torrent "payload" at {@code old/payload}, and a copy of its files to compare with. */
    private Path prepare() throws IOException {
        Path old = tmp.resolve("old");
        Payload.tree(old.resolve("payload"), 77);
        expected = Payload.tree(tmp.resolve("expected/payload"), 77);
        meta = TorrentCreator.builder(old.resolve("payload")).pieceLength(32 * 1024).build().createMetainfo();
        return old;
    }

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void aCompleteTorrentMovesAndSeedsFromTheNewPlace() throws Exception {
        Path old = prepare();
        Path moved = tmp.resolve("new");
        try (Session seed = Session.open(DownloadFromReferenceSeedsIT.loopback(tmp.resolve("state")))) {
            TorrentHandle t = seed.add(meta, old);
            assertThat(t.awaitCompletion(Duration.ofSeconds(20))).isTrue();

            // Refused, and nothing changes: inside its own files; onto a file of its with other bytes.
            Path inside = old.resolve("payload/sub");
            assertThatThrownBy(() -> t.moveStorage(inside).get(20, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class).cause().isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining(inside.toString());
            Path clash = Payload.file(tmp.resolve("clash/payload/sub/beta.bin"), 70_000, 1);
            assertThatThrownBy(() -> t.moveStorage(tmp.resolve("clash")).get(20, TimeUnit.SECONDS))
                    .cause().isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining(clash + " already exists with other content");
            awaitState(t, TorrentState.SEEDING);
            Payload.assertSameTree(expected, old.resolve("payload"));

            t.moveStorage(moved).get(30, TimeUnit.SECONDS);
            Payload.assertSameTree(expected, moved.resolve("payload"));
            assertThat(old.resolve("payload")).as("the old layout, emptied, is removed").doesNotExist();
            assertThat(old).isDirectory();
            awaitState(t, TorrentState.SEEDING);

            try (Session leech = Session.open(DownloadFromReferenceSeedsIT.loopback(tmp.resolve("leech-state")))) {
                TorrentHandle l = leech.add(meta, tmp.resolve("leech"));
                l.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), seed.listenPort()));
                assertThat(l.awaitCompletion(Duration.ofSeconds(30))).as("leech completes: %s", l.status()).isTrue();
            }
            Payload.assertSameTree(expected, tmp.resolve("leech/payload"));
        }

        // A new session, the torrent added with the directory it was added with first: it is found moved.
        try (Session again = Session.open(DownloadFromReferenceSeedsIT.loopback(tmp.resolve("state")))) {
            TorrentHandle t = again.add(meta, old);
            assertThat(t.awaitCompletion(Duration.ofSeconds(20))).isTrue();
            assertThat(t.status().piecesVerified()).isEqualTo(meta.info().pieceCount());
            assertThat(old.resolve("payload")).as("nothing made at the old place").doesNotExist();

            // A paused torrent moves back and stays paused.
            t.pause();
            awaitState(t, TorrentState.PAUSED);
            t.moveStorage(old).get(30, TimeUnit.SECONDS);
            Payload.assertSameTree(expected, old.resolve("payload"));
            assertThat(moved.resolve("payload")).doesNotExist();
            Thread.sleep(200);
            assertThat(t.status().state()).isEqualTo(TorrentState.PAUSED);
        }
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void aMoveKilledMidwayIsFinishedWhenTheTorrentIsAddedAgain() throws Exception {
        Path old = prepare();
        Path moved = tmp.resolve("new");
        Path torrentFile = tmp.resolve("payload.torrent");
        Files.write(torrentFile, TorrentCreator.builder(old.resolve("payload")).pieceLength(32 * 1024).build().create());
        meta = MetainfoParser.read(torrentFile);
        // Killed after the third file (sub/beta.bin) is at the new place.
        try (ExternalProcess child = ExternalProcess.start("move-child", java(tmp.resolve("state").toString(),
                torrentFile.toString(), old.toString(), moved.toString(), "moved 2"), tmp)) {
            child.waitForLine("STOPPED AT moved 2", Duration.ofSeconds(60));
            ExternalProcess.runChecked(Duration.ofSeconds(5), List.of("kill", "-KILL", Long.toString(child.pid())));
            child.waitForExit(Duration.ofSeconds(10));
        }
        int atOld = 0;
        int atNew = 0;
        for (String f : FILES) {
            Path before = old.resolve("payload").resolve(f);
            Path after = moved.resolve("payload").resolve(f);
            assertThat(Files.exists(before) || Files.exists(after)).as("%s is somewhere", f).isTrue();
            if (Files.exists(before)) {
                assertThat(before).as("%s whole at the old place", f).hasSameBinaryContentAs(expected.resolve(f));
                atOld++;
            }
            if (Files.exists(after)) {
                assertThat(after).as("%s whole at the new place", f).hasSameBinaryContentAs(expected.resolve(f));
                atNew++;
            }
        }
        assertThat(atOld).as("files still at the old place").isEqualTo(2);
        assertThat(atNew).as("files at the new place").isEqualTo(3);
        assertThat(noTemporaries(moved)).isTrue();

        try (Session again = Session.open(DownloadFromReferenceSeedsIT.loopback(tmp.resolve("state")))) {
            TorrentHandle t = again.add(meta, old);
            assertThat(t.awaitCompletion(Duration.ofSeconds(20))).as("%s", t.status()).isTrue();
            assertThat(t.status().piecesVerified()).isEqualTo(meta.info().pieceCount());
        }
        Payload.assertSameTree(expected, moved.resolve("payload"));
        assertThat(old.resolve("payload")).doesNotExist();
    }

    private static boolean noTemporaries(Path root) throws IOException {
        try (Stream<Path> all = Files.walk(root)) {
            return all.noneMatch(p -> p.getFileName().toString().endsWith(".spate-move"));
        }
    }

    private static void awaitState(TorrentHandle t, TorrentState state) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (t.status().state() != state) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not " + state + ": " + t.status());
            }
            Thread.sleep(20);
        }
    }

    /** The child's JVM: this JVM's java, the engine's classes and the test classes. */
    private static List<String> java(String... args) {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx64m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-cp",
                location(Session.class) + File.pathSeparator + location(MoveStorageChild.class),
                MoveStorageChild.class.getName()));
        cmd.addAll(List.of(args));
        return cmd;
    }

    private static String location(Class<?> c) {
        try {
            return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
