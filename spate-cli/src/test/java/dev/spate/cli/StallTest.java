package dev.spate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spate.engine.Event;
import dev.spate.engine.TorrentState;
import dev.spate.engine.TorrentStatus;
import dev.spate.engine.WebSeedStats;
import dev.spate.engine.TrackerState;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class StallTest {
    static final long S = 1_000_000_000L;
    static final InetSocketAddress REFUSING = new InetSocketAddress("127.0.0.1", 1);
    static final InetSocketAddress SILENT = new InetSocketAddress("192.0.2.7", 6881);

    static TorrentStatus status(int peers, List<TrackerState> trackers) {
        return TorrentStatus.builder().name("x").infoHash(StatusLineTest.H).state(TorrentState.DOWNLOADING).pieces(0, 10)
                .bytes(0, 10 << 14).peers(peers).trackers(trackers).build();
    }

    @Test
    void afterFiveQuietSecondsEachFailedSourceGetsALineThenNothingForThirtySeconds() {
        Stall stall = new Stall(0);
        stall.onEvent(new Event.PeerDisconnected(StatusLineTest.H, REFUSING, "connect failed: Connection refused"));
        stall.onEvent(new Event.PeerDisconnected(StatusLineTest.H, SILENT, "connect failed: connect timed out"));
        stall.onEvent(new Event.PeerDisconnected(StatusLineTest.H, REFUSING, "connect failed: Connection refused"));
        TorrentStatus s = status(0, List.of(
                new TrackerState("http://t/announce", 0, "error", 0, Optional.of("tracker failure: \u001b[2Jgo away"), 60),
                new TrackerState("udp://u:1/announce", 1, "working", 0, Optional.empty(), 1800),
                new TrackerState("udp://w:1/announce", 1, "working", 5, Optional.empty(), 1800)));

        assertThat(stall.due(s, 4 * S)).as("before 5 s").isEmpty();
        assertThat(stall.due(s, 5 * S)).containsExactly(
                "no peer connected yet: 127.0.0.1:1: connect failed: Connection refused (2 attempts); still trying",
                "no peer connected yet: 192.0.2.7:6881: connect failed: connect timed out (1 attempt); still trying",
                "no peer connected yet: tracker http://t/announce: error: tracker failure: \\x1b[2Jgo away; still trying",
                "no peer connected yet: tracker udp://u:1/announce: working, no peers in its last answer; still trying");
        assertThat(stall.due(s, 34 * S)).as("within 30 s of the last report").isEmpty();
        assertThat(stall.due(s, 35 * S)).hasSize(4);
    }

    @Test
    void aWebSeedBringingPiecesIsNoStallAndAFailingOneIsNamed() {
        Stall stall = new Stall(0);
        WebSeedStats working = new WebSeedStats("http://m/a/", 300_000, 1 << 20, 4, 2, false, Optional.empty());
        WebSeedStats failing = new WebSeedStats("http://m/\u001b[2J/", 0, 0, 0, 0, false,
                Optional.of("web seed http://m/x: HTTP 404 for bytes 0-16383"));
        WebSeedStats dropped = new WebSeedStats("http://m/c/", 0, 16384, 0, 0, true,
                Optional.of("piece 0 from it failed its hash check"));
        TorrentStatus fetching = TorrentStatus.builder().name("x").infoHash(StatusLineTest.H)
                .state(TorrentState.DOWNLOADING).pieces(0, 10).webSeeds(List.of(working, failing)).build();
        TorrentStatus failed = TorrentStatus.builder().name("x").infoHash(StatusLineTest.H)
                .state(TorrentState.DOWNLOADING).pieces(0, 10).webSeeds(List.of(failing, dropped)).build();

        assertThat(stall.due(fetching, 6 * S)).isEmpty();
        assertThat(stall.due(failed, 10 * S)).as("quiet for 5 s only from 6 s").isEmpty();
        assertThat(stall.due(failed, 11 * S)).containsExactly(
                "no peer connected yet: web seed http://m/\\x1b[2J/: web seed http://m/x: HTTP 404 for bytes 0-16383;"
                        + " still trying",
                "no peer connected yet: web seed http://m/c/: dropped: piece 0 from it failed its hash check; still trying");
    }

    @Test
    void aConnectedPeerRestartsTheQuietAndIsNoLongerNamed() {
        Stall stall = new Stall(0);
        stall.onEvent(new Event.PeerDisconnected(StatusLineTest.H, REFUSING, "connect failed: Connection refused"));
        stall.onEvent(new Event.PeerDisconnected(StatusLineTest.H, SILENT, "connect failed: connect timed out"));
        stall.onEvent(new Event.PeerConnected(StatusLineTest.H, SILENT, "", true,
                dev.spate.engine.PeerEncryption.PLAINTEXT));

        assertThat(stall.due(status(1, List.of()), 6 * S)).isEmpty();
        assertThat(stall.due(status(0, List.of()), 10 * S)).as("5 s after the peer left, not 10").isEmpty();
        assertThat(stall.due(status(0, List.of()), 11 * S)).containsExactly(
                "no peer connected yet: 127.0.0.1:1: connect failed: Connection refused (1 attempt); still trying");
    }

    @Test
    void aDisconnectionThatWasNotAFailedDialIsNotAFailedSourceAndWithNoneFailedItSaysSo() {
        Stall stall = new Stall(0);
        stall.onEvent(new Event.PeerDisconnected(StatusLineTest.H, SILENT, "peer closed the connection"));

        assertThat(stall.due(status(0, List.of()), 5 * S)).containsExactly(
                "no peer connected yet: waiting for the peers we know of to answer; still trying");
    }

    @Test
    void aTorrentThatIsCheckingOrSeedingIsNotStalled() {
        Stall stall = new Stall(0);
        TorrentStatus checking = TorrentStatus.builder().name("x").infoHash(StatusLineTest.H).state(TorrentState.CHECKING)
                .pieces(0, 10).build();

        assertThat(stall.due(checking, 20 * S)).isEmpty();
        assertThat(stall.due(status(0, List.of()), 24 * S)).as("the quiet counts from the end of the check").isEmpty();
        assertThat(stall.due(status(0, List.of()), 25 * S)).hasSize(1);
    }
}
