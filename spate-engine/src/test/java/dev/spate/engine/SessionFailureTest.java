package dev.spate.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** An Error in an engine thread ends the session with a message: no half-alive zombie. */
@Timeout(30)
class SessionFailureTest {
    @Test
    void anErrorInAnEngineThreadFailsEveryTorrentAndClosesTheSession(@TempDir Path tmp) throws Exception {
        byte[] payload = new byte[TorrentLoopTest.PIECE * TorrentLoopTest.PIECES];
        new SplittableRandom(3).nextBytes(payload);
        Session session = Session.open(SessionConfig.builder().localDiscovery(false).dht(false).listenPort(0)
                .bindAddress(InetAddress.getLoopbackAddress()).stateDirectory(tmp.resolve("state")).build());
        TorrentHandle t = session.add(TorrentLoopTest.metainfo(payload, List.of()), tmp.resolve("data"));
        session.fatal(new OutOfMemoryError("Java heap space"));
        ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
                () -> t.completion().get(10, TimeUnit.SECONDS));
        assertThat(e.getCause()).isInstanceOf(TorrentFailedException.class)
                .hasMessage("internal error, session stopped: java.lang.OutOfMemoryError: Java heap space");
        assertThat(session.failure()).hasValue(e.getCause().getMessage());
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!session.torrents().isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(session.torrents()).as("the session closed itself").isEmpty();
    }
}
