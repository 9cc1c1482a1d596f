package dev.spate.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@link TorrentHandle#status()} of a removed torrent says REMOVED, whatever state it was removed in. */
@Timeout(30)
class RemovedStatusTest {
    @TempDir
    Path tmp;

    private Session open() throws Exception {
        return Session.open(SessionConfig.builder().localDiscovery(false).dht(false).listenPort(0)
                .bindAddress(InetAddress.getLoopbackAddress()).stateDirectory(tmp.resolve("state")).build());
    }

    private static byte[] payload() {
        byte[] payload = new byte[TorrentLoopTest.PIECE * TorrentLoopTest.PIECES];
        new SplittableRandom(5).nextBytes(payload);
        return payload;
    }

    @Test
    void removedWhileCheckingSaysRemoved() throws Exception {
        try (Session session = open()) {
            TorrentHandle t = session.add(TorrentLoopTest.metainfo(payload(), List.of()), tmp.resolve("data"));
            t.remove();
            TorrentStatus s = t.status();
            assertThat(s.state()).isEqualTo(TorrentState.REMOVED);
        }
    }

    @Test
    void removedWhileDownloadingSaysRemoved() throws Exception {
        try (Session session = open()) {
            TorrentHandle t = session.add(TorrentLoopTest.metainfo(payload(), List.of()), tmp.resolve("data"));
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (t.status().state() != TorrentState.DOWNLOADING && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertThat(t.status().state()).isEqualTo(TorrentState.DOWNLOADING);
            t.remove();
            assertThat(t.status().state()).isEqualTo(TorrentState.REMOVED);
            assertThat(t.status().stale()).as("the torrent's loop is gone: the last snapshot").isTrue();
        }
    }
}
