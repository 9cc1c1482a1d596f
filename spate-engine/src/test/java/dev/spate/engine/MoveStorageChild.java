package dev.spate.engine;

import dev.spate.metainfo.Metainfo;
import dev.spate.metainfo.MetainfoParser;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A child process for {@code MoveStorageIT}: seeds a torrent from a directory, moves it to
 * another, and stops the move at a step (through {@link StorageMoves#steps}, the engine's test
 * hook) to wait there for its kill -9. Prints {@code STOPPED AT <step>} once it waits.
 *
 * <p>Arguments: state directory, .torrent file, old directory, new directory, the step to stop
 * after (such as {@code "moved 1"}).
 */
public final class MoveStorageChild {
    private MoveStorageChild() {
    }

    public static void main(String[] args) throws Exception {
        Path state = Path.of(args[0]);
        Metainfo meta = MetainfoParser.read(Path.of(args[1]));
        Path from = Path.of(args[2]);
        Path to = Path.of(args[3]);
        String stopAfter = args[4];
        StorageMoves.steps = step -> {
            System.out.println("STEP " + step);
            if (step.equals(stopAfter)) {
                System.out.println("STOPPED AT " + step);
                System.out.flush();
                try {
                    Thread.sleep(Duration.ofMinutes(5)); // until the kill; the test's timeout is far shorter
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                throw new IllegalStateException("not killed at " + step);
            }
        };
        try (Session session = Session.open(SessionConfig.builder().localDiscovery(false).dht(false)
                .bindAddress(InetAddress.getLoopbackAddress()).listenPort(0).stateDirectory(state).build())) {
            TorrentHandle t = session.add(meta, from);
            if (!t.awaitCompletion(Duration.ofSeconds(30))) {
                throw new IllegalStateException("not complete: " + t.status());
            }
            System.out.println("SEEDING");
            t.moveStorage(to).get();
            System.out.println("MOVED"); // only when the step never came
        }
    }
}
