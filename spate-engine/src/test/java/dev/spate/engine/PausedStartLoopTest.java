package dev.spate.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@link TorrentOptions#paused()}: a torrent added stopped checks its data (its status shows what is
 * verified) and goes to PAUSED without a tracker, peer, DHT or local network hearing of it; only
 * {@link Torrent#resume()} starts it, with {@code started}.
 */
class PausedStartLoopTest extends TorrentLoopHarness {
    private static final SessionConfig CONFIG = SessionConfig.builder().localDiscovery(false).dht(false).listenPort(0)
            .build();

    @Test
    void aTorrentAddedPausedIsCheckedButTellsNobodyUntilResumed() throws Exception {
        byte[] data = new byte[PIECE * PIECES]; // another torrent than the harness's: its own resume file
        new SplittableRandom(11).nextBytes(data);
        Files.write(dir.resolve("loop.bin"), data); // complete on disk
        try (AnnouncerTest.HoldingTracker tracker = new AnnouncerTest.HoldingTracker(false)) {
            metainfo = metainfo(data, List.of(tracker.url()));
            onDisk = true;
            events.clear();
            discovery.clear();
            dhtCalls.clear();
            int dialledBefore = dialled.size();

            torrent = newTorrent(CONFIG, TorrentOptions.defaults().withPaused(true));
            torrent.connect(new java.net.InetSocketAddress("127.0.0.1", 6999)); // a peer to dial, were it active
            torrent.start();
            awaitState(TorrentState.PAUSED);
            tick(5);

            TorrentStatus paused = torrent.snapshot();
            assertThat(paused.state()).isEqualTo(TorrentState.PAUSED);
            assertThat(paused.piecesVerified()).as("verified at the check").isEqualTo(PIECES);
            assertThat(events).filteredOn(e -> e instanceof Event.StateChanged).extracting(e -> ((Event.StateChanged) e).to())
                    .containsExactly(TorrentState.CHECKING, TorrentState.PAUSED);
            assertThat(tracker.events).as("announces while paused").isEmpty();
            assertThat(paused.trackers()).singleElement().satisfies(t -> assertThat(t.status()).isEqualTo("not contacted"));
            assertThat(dialled.size()).as("peers dialled").isEqualTo(dialledBefore);
            assertThat(discovery).as("local service discovery").isEmpty();
            assertThat(dhtCalls).as("DHT").noneMatch(c -> c.startsWith("join"));
            torrent.reannounce();
            loop.runPending();
            assertThat(dhtCalls).as("a paused torrent ignores a reannounce").isEmpty();

            torrent.resume();
            awaitState(TorrentState.SEEDING);
            assertThat(tracker.arrivals.poll(5, TimeUnit.SECONDS)).isEqualTo("started");
            assertThat(tracker.events).containsExactly("started");
            torrent.reannounce();
            loop.runPending();
            assertThat(dhtCalls).as("an active one looks itself up again").contains("reannounce " + torrent.hash().hex());
        }
    }

    @Test
    void aTorrentAddedPausedAndResumedDuringItsCheckStartsWhenTheCheckEnds() throws Exception {
        byte[] data = new byte[PIECE * PIECES];
        new SplittableRandom(12).nextBytes(data);
        try (AnnouncerTest.HoldingTracker tracker = new AnnouncerTest.HoldingTracker(false)) {
            metainfo = metainfo(data, List.of(tracker.url()));
            events.clear();
            checkGate = new java.util.concurrent.CountDownLatch(1); // the check hashes, held here
            torrent = newTorrent(CONFIG, TorrentOptions.defaults().withPaused(true));
            torrent.start();
            torrent.resume(); // before the check's outcome
            loop.runPending();
            assertThat(lastState()).isEqualTo(TorrentState.CHECKING);
            checkGate.countDown();
            awaitState(TorrentState.DOWNLOADING);
            assertThat(events).filteredOn(e -> e instanceof Event.StateChanged).extracting(e -> ((Event.StateChanged) e).to())
                    .containsExactly(TorrentState.CHECKING, TorrentState.DOWNLOADING);
            assertThat(tracker.arrivals.poll(5, TimeUnit.SECONDS)).isEqualTo("started");
        }
    }
}
