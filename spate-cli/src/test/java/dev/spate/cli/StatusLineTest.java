package dev.spate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spate.engine.Event;
import dev.spate.engine.TorrentState;
import dev.spate.engine.TorrentStatus;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class StatusLineTest {
    static final dev.spate.core.InfoHash H = dev.spate.core.InfoHash.of(new byte[20]);

    @Test
    void aTrackerAnswerShowsItsPeersAndTheNextAnnounce() {
        assertThat(StatusLine.eventLine(new Event.TrackerReply(H, "http://t/announce", 12, Optional.empty(),
                Duration.ofMinutes(30)))).isEqualTo("tracker http://t/announce: working, 12 peers, next announce in 30m00s");
        assertThat(StatusLine.eventLine(new Event.TrackerReply(H, "udp://t:1/announce", 0, Optional.of("slow down"),
                Duration.ofSeconds(90)))).isEqualTo("tracker udp://t:1/announce: working, 0 peers, next announce in 1m30s (warning: slow down)");
    }

    @Test
    void trackerErrorsAndBansAreShownAndOtherEventsAreNot() {
        assertThat(StatusLine.eventLine(new Event.TrackerError(H, "no tracker answered"))).isEqualTo("tracker error: no tracker answered");
        assertThat(StatusLine.eventLine(new Event.PeerBanned(H, new InetSocketAddress("127.0.0.1", 7), "sent corrupt data")))
                .isEqualTo("banned /127.0.0.1:7: sent corrupt data");
        assertThat(StatusLine.eventLine(new Event.PieceVerified(H, 3))).isNull();
    }

    @Test
    void whatATrackerOrAPeerWroteIsEscapedInTheEventLines() {
        assertThat(StatusLine.eventLine(new Event.TrackerReply(H, "http://t/\u001b[2J", 1, Optional.of("\u001b]8;;x\u0007hi"),
                Duration.ofSeconds(60)))).isEqualTo("tracker http://t/\\x1b[2J: working, 1 peers, next announce in 1m00s"
                        + " (warning: \\x1b]8;;x\\x07hi)");
        assertThat(StatusLine.eventLine(new Event.TrackerError(H, "tracker failure: \u001b[31mgo away\r\u202e")))
                .isEqualTo("tracker error: tracker failure: \\x1b[31mgo away\\r\\u202e");
        assertThat(StatusLine.eventLine(new Event.PeerBanned(H, new InetSocketAddress("127.0.0.1", 7), "client \u009b2J\u0008")))
                .isEqualTo("banned /127.0.0.1:7: client \\x9b2J\\x08");
    }

    @Test
    void theStatusLineShowsStateProgressRatesEtaPeersAndPieces() {
        TorrentStatus s = TorrentStatus.builder().name("x").infoHash(H).state(TorrentState.DOWNLOADING).pieces(50, 100)
                .bytes(50L << 20, 100L << 20).rates(1L << 20, 0).transferred(50L << 20, 0, 0).peers(3).build();
        assertThat(StatusLine.format(s)).isEqualTo(
                "downloading  50.0%  down 1 MiB/s  up 0 B/s (0 B)  ETA 50s  peers 3  pieces 50/100");
    }
}
