package dev.spate.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spate.metainfo.Magnet;
import dev.spate.metainfo.Metainfo;
import dev.spate.metainfo.MetainfoParser;
import dev.spate.metainfo.TorrentCreator;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link TorrentOptions#paused()} through a session: a torrent (or a magnet link) added paused is
 * PAUSED without its tracker on 127.0.0.1 hearing of it, and {@link TorrentHandle#resume()} sends
 * {@code started}.
 */
@Timeout(30)
class SessionPausedAddTest {
    private static SessionConfig config(Path state) {
        return SessionConfig.builder().localDiscovery(false).dht(false).bindAddress(InetAddress.getLoopbackAddress())
                .listenPort(0).stateDirectory(state).build();
    }

    /** Counted down when a torrent of the session goes to PAUSED. */
    static CountDownLatch pausedIn(Session session) {
        CountDownLatch paused = new CountDownLatch(1);
        session.subscribe(e -> {
            if (e instanceof Event.StateChanged c && c.to() == TorrentState.PAUSED) {
                paused.countDown();
            }
        });
        return paused;
    }

    @Test
    void aTorrentAddedPausedShowsItsDataAndTellsTheTrackerOnlyWhenResumed(@TempDir Path tmp) throws Exception {
        byte[] data = new byte[200_000];
        new SplittableRandom(3).nextBytes(data);
        Path file = Files.createDirectories(tmp.resolve("data")).resolve("paused.bin");
        Files.write(file, data);
        try (AnnouncerTest.HoldingTracker tracker = new AnnouncerTest.HoldingTracker(false);
             Session session = Session.open(config(tmp.resolve("state")))) {
            Metainfo meta = MetainfoParser.parse(TorrentCreator.builder(file).pieceLength(16 * 1024)
                    .tracker(tracker.url()).build().create());
            CountDownLatch paused = pausedIn(session);
            TorrentHandle t = session.add(meta, tmp.resolve("data"), TorrentOptions.defaults().withPaused(true));
            assertThat(paused.await(10, TimeUnit.SECONDS)).isTrue();
            TorrentStatus s = t.status();
            assertThat(s.state()).isEqualTo(TorrentState.PAUSED);
            assertThat(s.piecesVerified()).isEqualTo(meta.info().pieceCount());
            assertThat(tracker.events).isEmpty();
            assertThat(s.trackers()).singleElement().satisfies(ts -> assertThat(ts.status()).isEqualTo("not contacted"));

            t.resume();
            assertThat(tracker.arrivals.poll(5, TimeUnit.SECONDS)).isEqualTo("started");
            assertThat(tracker.events).containsExactly("started");
            assertThat(t.status().state()).isEqualTo(TorrentState.SEEDING);
        }
    }

    @Test
    void aMagnetLinkAddedPausedFetchesNothingUntilResumed(@TempDir Path tmp) throws Exception {
        try (AnnouncerTest.HoldingTracker tracker = new AnnouncerTest.HoldingTracker(false);
             Session session = Session.open(config(tmp.resolve("state")))) {
            Magnet magnet = Magnet.parse("magnet:?xt=urn:btih:" + "ab".repeat(20) + "&tr=" + tracker.url());
            CountDownLatch paused = pausedIn(session);
            TorrentHandle t = session.add(magnet, tmp.resolve("data"), TorrentOptions.defaults().withPaused(true));
            assertThat(paused.await(10, TimeUnit.SECONDS)).isTrue();
            assertThat(t.status().state()).isEqualTo(TorrentState.PAUSED);
            assertThat(tracker.events).isEmpty();

            t.resume();
            assertThat(tracker.arrivals.poll(5, TimeUnit.SECONDS)).isEqualTo("started");
            assertThat(t.status().state()).isEqualTo(TorrentState.METADATA);
        }
    }
}
