package dev.spate.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spate.metainfo.Metainfo;
import dev.spate.metainfo.TorrentCreator;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A move that fails midway stops its torrent with an error that says so, and the torrent added
 * again finishes the move; a paused torrent's move leaves it paused, a resume asked for meanwhile
 * waits for the move.
 */
@Timeout(60)
class MoveStorageFailureTest {
    private static final List<String> FILES = List.of("a.bin", "b.bin", "sub/c.bin");

    @TempDir
    Path tmp;

    @AfterEach
    void noHook() {
        StorageMoves.steps = dev.spate.storage.StorageMove.Steps.NONE;
    }

    private Metainfo payload(Path dir) throws IOException {
        Random random = new Random(3);
        for (String f : FILES) {
            Path p = dir.resolve("p").resolve(f);
            Files.createDirectories(p.getParent());
            byte[] bytes = new byte[50_000 + random.nextInt(1000)];
            random.nextBytes(bytes);
            Files.write(p, bytes);
        }
        return TorrentCreator.builder(dir.resolve("p")).pieceLength(16 * 1024).build().createMetainfo();
    }

    private SessionConfig config() {
        return SessionConfig.builder().localDiscovery(false).dht(false).bindAddress(InetAddress.getLoopbackAddress())
                .listenPort(0).stateDirectory(tmp.resolve("state")).build();
    }

    @Test
    void aMoveFailingMidwayStopsTheTorrentAndTheNextAddFinishesIt() throws Exception {
        Path old = tmp.resolve("old");
        Metainfo meta = payload(old);
        Path moved = tmp.resolve("new");
        try (Session session = Session.open(config())) {
            TorrentHandle t = session.add(meta, old);
            assertThat(t.awaitCompletion(Duration.ofSeconds(20))).isTrue();
            StorageMoves.steps = step -> {
                if (step.equals("moved 1")) {
                    throw new IOException("disk unplugged");
                }
            };
            assertThatThrownBy(() -> t.moveStorage(moved).get(20, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class).cause().isInstanceOf(TorrentFailedException.class)
                    .hasMessageContaining("disk unplugged").hasMessageContaining("adding the torrent again finishes the move");
            assertThat(t.status().state()).isEqualTo(TorrentState.ERROR);
        }
        StorageMoves.steps = dev.spate.storage.StorageMove.Steps.NONE;
        assertThat(old.resolve("p").resolve(FILES.get(2))).exists();
        try (Session session = Session.open(config())) {
            TorrentHandle t = session.add(meta, old);
            assertThat(t.awaitCompletion(Duration.ofSeconds(20))).isTrue();
            assertThat(t.status().piecesVerified()).isEqualTo(meta.info().pieceCount());
        }
        for (String f : FILES) {
            assertThat(moved.resolve("p").resolve(f)).isRegularFile();
        }
        assertThat(old.resolve("p")).doesNotExist();
    }

    @Test
    void aResumeAskedForDuringTheMoveWaitsForItAndAPausedTorrentStaysPaused() throws Exception {
        Path old = tmp.resolve("old");
        Metainfo meta = payload(old);
        try (Session session = Session.open(config())) {
            TorrentHandle t = session.add(meta, old);
            assertThat(t.awaitCompletion(Duration.ofSeconds(20))).isTrue();
            java.util.concurrent.CountDownLatch inMove = new java.util.concurrent.CountDownLatch(1);
            java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
            StorageMoves.steps = step -> {
                if (step.equals("journal")) {
                    inMove.countDown();
                    try {
                        go.await(10, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
            };
            var done = t.moveStorage(tmp.resolve("new"));
            assertThat(inMove.await(10, TimeUnit.SECONDS)).isTrue();
            assertThat(t.status().state()).as("paused for the move").isEqualTo(TorrentState.PAUSED);
            assertThatThrownBy(() -> t.moveStorage(tmp.resolve("other")).get(5, TimeUnit.SECONDS))
                    .cause().isInstanceOf(IllegalStateException.class).hasMessageContaining("under way");
            t.resume();
            Thread.sleep(100);
            assertThat(t.status().state()).as("a resume waits for the move").isEqualTo(TorrentState.PAUSED);
            go.countDown();
            done.get(20, TimeUnit.SECONDS);
            awaitState(t, TorrentState.SEEDING);

            StorageMoves.steps = dev.spate.storage.StorageMove.Steps.NONE;
            t.pause();
            awaitState(t, TorrentState.PAUSED);
            t.moveStorage(old).get(20, TimeUnit.SECONDS);
            Thread.sleep(100);
            assertThat(t.status().state()).as("paused before the move, paused after").isEqualTo(TorrentState.PAUSED);
            assertThat(old.resolve("p").resolve(FILES.get(0))).isRegularFile();
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
}
