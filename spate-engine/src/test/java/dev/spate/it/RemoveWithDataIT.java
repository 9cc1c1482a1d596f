package dev.spate.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spate.engine.Event;
import dev.spate.engine.Session;
import dev.spate.engine.TorrentHandle;
import dev.spate.metainfo.Metainfo;
import dev.spate.metainfo.TorrentCreator;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link TorrentHandle#remove(boolean)} with its data, in an in-JVM session: nothing of the torrent
 * is left (files, directories, part file, resume data), what the user put beside it and inside its
 * directory stays, and a symbolic link put at one of its directories is not followed: what it
 * points to survives, and the link is reported. Without data, everything stays.
 */
class RemoveWithDataIT {
    static final int PIECE = 16 * 1024;

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void nothingOfTheTorrentIsLeftAndWhatIsNotItsStays(@TempDir Path tmp) throws Exception {
        Path source = Payload.tree(tmp.resolve("src/tree"), 91);
        Metainfo meta = TorrentCreator.builder(source).pieceLength(PIECE).build().createMetainfo();
        Path down = tmp.resolve("down");
        RecheckIT.copyTree(source, down.resolve("tree"));
        Files.writeString(down.resolve("beside.txt"), "not the torrent's");
        Files.writeString(down.resolve("tree/sub/notes.txt"), "not the torrent's either");
        Path state = tmp.resolve("state");
        List<Event> events = new CopyOnWriteArrayList<>();
        try (Session s = Session.open(DownloadFromReferenceSeedsIT.loopback(state))) {
            s.subscribe(events::add);
            TorrentHandle t = s.add(meta, down);
            assertThat(t.awaitCompletion(Duration.ofSeconds(20))).isTrue();
            t.pause(); // a save of the resume data on pause: there is something to delete in the state directory
            awaitFile(state.resolve("resume"), ".resume");

            t.remove(true);

            assertThat(s.torrents()).isEmpty();
            Thread.sleep(200); // let the last events reach the subscriber
        }
        assertThat(tree(down)).containsExactly("beside.txt", "tree/", "tree/sub/", "tree/sub/notes.txt");
        assertThat(Files.readString(down.resolve("beside.txt"))).isEqualTo("not the torrent's");
        assertThat(Files.readString(down.resolve("tree/sub/notes.txt"))).isEqualTo("not the torrent's either");
        assertThat(tree(state.resolve("resume"))).as("the torrent's resume data").isEmpty();
        assertThat(events).filteredOn(e -> e instanceof Event.DataLeft).extracting(e -> ((Event.DataLeft) e).path())
                .containsExactlyInAnyOrder(down.toRealPath().resolve("tree/sub"), down.toRealPath().resolve("tree"));
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aSymbolicLinkAtOneOfItsDirectoriesIsNotFollowed(@TempDir Path tmp) throws Exception {
        Path source = Payload.tree(tmp.resolve("src/tree"), 92);
        Metainfo meta = TorrentCreator.builder(source).pieceLength(PIECE).build().createMetainfo();
        Path down = tmp.resolve("down");
        RecheckIT.copyTree(source, down.resolve("tree"));
        // Elsewhere, files at the names the torrent has below tree/sub/deeper, which a link will stand for.
        Path elsewhere = Files.createDirectories(tmp.resolve("elsewhere"));
        Files.writeString(elsewhere.resolve("delta.bin"), "the target's own content");
        List<Event> events = new CopyOnWriteArrayList<>();
        try (Session s = Session.open(DownloadFromReferenceSeedsIT.loopback(tmp.resolve("state")))) {
            s.subscribe(events::add);
            TorrentHandle t = s.add(meta, down);
            assertThat(t.awaitCompletion(Duration.ofSeconds(20))).isTrue();
            // After the check, the torrent's directory swapped for a link to the other one.
            Path deeper = down.resolve("tree/sub/deeper");
            Files.delete(deeper.resolve("delta.bin"));
            Files.delete(deeper);
            Files.createSymbolicLink(deeper, elsewhere);

            t.remove(true);
            Thread.sleep(200); // let the last events reach the subscriber
        }
        assertThat(Files.readString(elsewhere.resolve("delta.bin"))).isEqualTo("the target's own content");
        assertThat(tree(elsewhere)).containsExactly("delta.bin");
        Path deeper = down.resolve("tree/sub/deeper");
        assertThat(Files.isSymbolicLink(deeper)).as("the link is left as it was").isTrue();
        assertThat(Files.readSymbolicLink(deeper)).isEqualTo(elsewhere);
        assertThat(tree(down)).as("everything else of the torrent's is gone")
                .containsExactly("tree/", "tree/sub/", "tree/sub/deeper@");
        Path real = down.toRealPath();
        assertThat(events).filteredOn(e -> e instanceof Event.DataLeft).map(e -> (Event.DataLeft) e)
                .anySatisfy(l -> {
                    assertThat(l.path()).isEqualTo(real.resolve("tree/sub/deeper"));
                    assertThat(l.reason()).contains("symbolic link");
                });
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void removedWithoutItsDataEverythingStays(@TempDir Path tmp) throws Exception {
        Path source = Payload.tree(tmp.resolve("src/tree"), 93);
        Metainfo meta = TorrentCreator.builder(source).pieceLength(PIECE).build().createMetainfo();
        Path down = tmp.resolve("down");
        RecheckIT.copyTree(source, down.resolve("tree"));
        try (Session s = Session.open(DownloadFromReferenceSeedsIT.loopback(tmp.resolve("state")))) {
            TorrentHandle t = s.add(meta, down);
            assertThat(t.awaitCompletion(Duration.ofSeconds(20))).isTrue();
            t.remove();
        }
        Payload.assertSameTree(source, down.resolve("tree"));
    }

    /** Waits until {@code dir} holds a file whose name ends with {@code suffix}. */
    private static void awaitFile(Path dir, String suffix) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!(Files.isDirectory(dir) && tree(dir).stream().anyMatch(n -> n.endsWith(suffix)))) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no " + suffix + " file in " + dir);
            }
            Thread.sleep(20);
        }
    }

    /** Every regular file, directory and link below {@code dir}, relative to it, sorted ({@code /}: a directory, {@code @}: a link). */
    static List<String> tree(Path dir) throws IOException {
        List<String> out = new ArrayList<>();
        try (Stream<Path> all = Files.walk(dir)) {
            all.filter(p -> !p.equals(dir)).forEach(p -> out.add(dir.relativize(p).toString()
                    + (Files.isSymbolicLink(p) ? "@" : Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS) ? "/" : "")));
        }
        out.sort(null);
        return out;
    }
}
