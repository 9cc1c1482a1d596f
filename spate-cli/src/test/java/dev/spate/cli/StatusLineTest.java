package dev.spate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spate.engine.Event;
import dev.spate.engine.PeerEncryption;
import dev.spate.engine.TorrentState;
import dev.spate.engine.TorrentStatus;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

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
    void theSessionsDhtIsTheLastFieldAndTheFirstToGo() {
        Optional<dev.spate.engine.DhtStatus> dht = Optional.of(new dev.spate.engine.DhtStatus(6881, 200, 12, true, 1, 0));
        assertThat(StatusLine.format(downloading(), dht)).endsWith("  dht 212 nodes");
        assertThat(StatusLine.format(downloading(), Optional.of(new dev.spate.engine.DhtStatus(6881, 0, 0, false, 1, 0))))
                .endsWith("  dht joining");
        assertThat(StatusLine.format(downloading(), Optional.empty())).doesNotContain("dht");
        String full = StatusLine.format(downloading(), dht);
        assertThat(StatusLine.fit(downloading(), dht, full.length() + 1)).isEqualTo(full);
        assertThat(StatusLine.fit(downloading(), dht, full.length())).doesNotContain("dht")
                .isEqualTo(StatusLine.format(downloading()));
    }

    @Test
    void theDhtBeingReadyIsShownAndItsRepliesOnlyWhenVerbose() {
        assertThat(StatusLine.eventLine(new Event.DhtReady(H, 212))).isEqualTo("dht: ready, 212 nodes");
        assertThat(StatusLine.eventLine(new Event.DhtReply(H, 3, 8))).isNull();
        assertThat(StatusLine.verboseLine(new Event.DhtReply(H, 3, 8))).isEqualTo("dht: 3 peers from the 8 closest nodes");
    }

    @Test
    void trackerErrorsAndBansAreShownAndOtherEventsAreNot() {
        assertThat(StatusLine.eventLine(new Event.TrackerError(H, "no tracker answered"))).isEqualTo("tracker error: no tracker answered");
        assertThat(StatusLine.eventLine(new Event.PeerBanned(H, new InetSocketAddress("127.0.0.1", 7), "sent corrupt data")))
                .isEqualTo("banned 127.0.0.1:7: sent corrupt data");
        assertThat(StatusLine.eventLine(new Event.PieceVerified(H, 3))).isNull();
    }

    @Test
    void whatATrackerOrAPeerWroteIsEscapedInTheEventLines() {
        assertThat(StatusLine.eventLine(new Event.TrackerReply(H, "http://t/\u001b[2J", 1, Optional.of("\u001b]8;;x\u0007hi"),
                Duration.ofSeconds(60)))).isEqualTo("tracker http://t/\\x1b[2J: working, 1 peer, next announce in 1m00s"
                        + " (warning: \\x1b]8;;x\\x07hi)");
        assertThat(StatusLine.eventLine(new Event.TrackerError(H, "tracker failure: \u001b[31mgo away\r\u202e")))
                .isEqualTo("tracker error: tracker failure: \\x1b[31mgo away\\r\\u202e");
        assertThat(StatusLine.eventLine(new Event.PeerBanned(H, new InetSocketAddress("127.0.0.1", 7), "client \u009b2J\u0008")))
                .isEqualTo("banned 127.0.0.1:7: client \\x9b2J\\x08");
    }

    static TorrentStatus downloading() {
        return TorrentStatus.builder().name("x").infoHash(H).state(TorrentState.DOWNLOADING).pieces(120, 240)
                .bytes(27L << 20, 60L << 20).rates(1_258_291, 0).transferred(27L << 20, 0, 0).peers(3).build();
    }

    @Test
    void webSeedsInUseAreCountedBesideThePeersAndADroppedOneIsSaidSo() {
        TorrentStatus s = TorrentStatus.builder().name("x").infoHash(H).state(TorrentState.DOWNLOADING).pieces(120, 240)
                .bytes(27L << 20, 60L << 20).rates(1_258_291, 0).transferred(27L << 20, 0, 0).peers(3)
                .webSeeds(List.of(new dev.spate.engine.WebSeedStats("http://m/", 0, 0, 0, 1, false, Optional.empty()),
                        new dev.spate.engine.WebSeedStats("http://n/", 0, 0, 0, 0, true, Optional.of("bad"))))
                .build();
        assertThat(StatusLine.format(s)).contains("  3 peers + 1 web seed  ");
        assertThat(StatusLine.eventLine(new Event.WebSeedDropped(H, "http://m/\u001b[2J", "piece 3 from it failed its hash check")))
                .isEqualTo("web seed http://m/\\x1b[2J dropped: piece 3 from it failed its hash check");
    }

    @Test
    void thePlainLineShowsEveryFigureBytesDoneOfTheTotalFirst() {
        assertThat(StatusLine.format(downloading())).isEqualTo(
                "downloading  45.0%  27 MiB/60 MiB  down 1.20 MiB/s  up 0 B/s (0 B)  ETA 27s  3 peers  pieces 120/240");
    }

    @ParameterizedTest
    @ValueSource(ints = {60, 80, 120})
    void atEachWidthTheLiveLineLeavesTheLastColumnFreeAndKeepsStateBytesRateEtaAndPeers(int columns) {
        for (TorrentStatus s : List.of(downloading(), TorrentStatus.builder().name("x").infoHash(H)
                .state(TorrentState.DOWNLOADING).pieces(99_999, 100_000).bytes(1023L << 30, 1024L << 30)
                .rates(1023L << 20, 1023L << 20).transferred(1023L << 30, 999L << 30, 0).peers(200).build())) {
            String line = StatusLine.fit(s, columns);

            assertThat(line.length()).as(line).isLessThan(columns);
            assertThat(line).startsWith("downloading").contains(Units.bytes(s.bytesVerified()) + "/" + Units.bytes(s.totalBytes()))
                    .contains("down " + Units.rate(s.downloadRate())).contains("ETA ");
            if (columns >= 80) {
                assertThat(line).contains(s.peers() + " peers");
            }
        }
    }

    @Test
    void peersShowConnectedOfKnownWhenMoreAreKnown() {
        TorrentStatus s = TorrentStatus.builder().name("data.bin").infoHash(H).state(TorrentState.DOWNLOADING)
                .pieces(10, 240).bytes(27L << 20, 60L << 20).rates(1_258_291, 0).peers(3).knownPeers(40).build();
        assertThat(StatusLine.format(s)).contains("  3/40 peers");
        TorrentStatus one = TorrentStatus.builder().name("data.bin").infoHash(H).state(TorrentState.DOWNLOADING)
                .pieces(10, 240).bytes(27L << 20, 60L << 20).peers(1).knownPeers(0).build();
        assertThat(one.knownPeers()).as("never fewer than connected").isEqualTo(1);
        assertThat(StatusLine.format(one)).contains("  1 peer");
    }

    @Test
    void asTheTerminalNarrowsTheLeastUsefulFieldsGoFirst() {
        TorrentStatus s = downloading();

        assertThat(StatusLine.fit(s, 120)).isEqualTo(StatusLine.format(s));
        assertThat(StatusLine.fit(s, 90)).isEqualTo("downloading  45.0%  27 MiB/60 MiB  down 1.20 MiB/s  up 0 B/s (0 B)  ETA 27s  3 peers");
        assertThat(StatusLine.fit(s, 80)).isEqualTo("downloading  45.0%  27 MiB/60 MiB  down 1.20 MiB/s  ETA 27s  3 peers");
        assertThat(StatusLine.fit(s, 60)).isEqualTo("downloading 27 MiB/60 MiB down 1.20 MiB/s ETA 27s 3 peers");
        assertThat(StatusLine.fit(s, 50)).isEqualTo("downloading 27 MiB/60 MiB down 1.20 MiB/s ETA 27s");
        assertThat(StatusLine.fit(s, 20)).isEqualTo("downloading");
        assertThat(StatusLine.fit(s, 8)).isEqualTo("downloa");
    }

    @Test
    void theSeedingLineShowsTheUploadAndTheShareRatioAndNoDownloadRateOrEta() {
        TorrentStatus s = TorrentStatus.builder().name("x").infoHash(H).state(TorrentState.SEEDING).pieces(240, 240)
                .bytes(60L << 20, 60L << 20).rates(0, 512 << 10).transferred(0, 30L << 20, 0).peers(1).build();

        assertThat(StatusLine.format(s)).isEqualTo("seeding  60 MiB  up 512 KiB/s  uploaded 30 MiB  ratio 0.50  1 peer");
        assertThat(StatusLine.fit(s, 40)).isEqualTo("seeding  up 512 KiB/s  uploaded 30 MiB");
    }

    @Test
    void onATerminalTheLineIsRedrawnInPlaceAndOtherLinesGoAboveIt() {
        StringWriter text = new StringWriter();
        StatusLine line = new StatusLine(new PrintWriter(text), true, () -> 60);

        line.show(downloading());
        line.println("tracker error: none answered");
        line.show(downloading());
        line.clear();

        String live = StatusLine.fit(downloading(), 60);
        assertThat(text.toString()).isEqualTo("\r\u001b[K" + live + "\r\u001b[Ktracker error: none answered\n" + live
                + "\r\u001b[K" + live + "\r\u001b[K");
    }

    @Test
    void offATerminalNoControlCharacterIsWrittenAndThePlainLineComesEveryFiveSeconds() {
        StringWriter text = new StringWriter();
        StatusLine line = new StatusLine(new PrintWriter(text), false, () -> 60);

        line.show(downloading());
        line.show(downloading());
        line.println("tracker error: none answered");
        line.clear();

        assertThat(line.keep()).isFalse();
        assertThat(text.toString()).isEqualTo(StatusLine.format(downloading()) + "\ntracker error: none answered\n");
    }

    @Test
    void afterCtrlCTheLiveLineStaysAndTheNextLineStartsBelowIt() {
        StringWriter text = new StringWriter();
        StatusLine line = new StatusLine(new PrintWriter(text), true, () -> 80);

        line.show(downloading());

        assertThat(line.keep()).isTrue();
        assertThat(text.toString()).endsWith(StatusLine.fit(downloading(), 80) + "\n");
        assertThat(line.keep()).as("nothing left to keep").isFalse();
    }

    @Test
    void verboseLinesShowEachConnectionAndEachFailedAttempt() {
        InetSocketAddress a = new InetSocketAddress("127.0.0.1", 1);
        assertThat(StatusLine.verboseLine(new Event.PeerDisconnected(H, a, "connect failed: Connection refused")))
                .isEqualTo("peer 127.0.0.1:1: connect failed: Connection refused");
        assertThat(StatusLine.verboseLine(new Event.PeerConnected(H, a, "Transmission 4.0\u001b[2J", true,
                PeerEncryption.PLAINTEXT)))
                .isEqualTo("peer 127.0.0.1:1: connected (we dialled), client Transmission 4.0\\x1b[2J");
        assertThat(StatusLine.verboseLine(new Event.PeerConnected(H, a, "qBittorrent", false, PeerEncryption.RC4)))
                .isEqualTo("peer 127.0.0.1:1: connected (it dialled), client qBittorrent, encrypted (RC4)");
        assertThat(StatusLine.verboseLine(new Event.PeerConnected(H, a, "", true, PeerEncryption.OBFUSCATED)))
                .isEqualTo("peer 127.0.0.1:1: connected (we dialled), encrypted handshake");
        assertThat(StatusLine.verboseLine(new Event.PeerDisconnected(H, new InetSocketAddress("::1", 7), "choked too often")))
                .isEqualTo("peer [::1]:7: disconnected: choked too often");
        assertThat(StatusLine.verboseLine(new Event.PieceVerified(H, 1))).isNull();
    }

    @Test
    void ipv6PeersArePrintedCompressedInBracketsAndMappedOnesAsIpv4() throws Exception {
        InetSocketAddress v6 = new InetSocketAddress(java.net.InetAddress.getByName("fd00:0:0:0:0:0:0:2"), 6881);
        byte[] mapped = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xff, (byte) 0xff, (byte) 198, 18, 0, 3};
        InetSocketAddress v4Mapped = new InetSocketAddress(java.net.Inet6Address.getByAddress(null, mapped, -1), 6881);

        assertThat(StatusLine.verboseLine(new Event.PeerConnected(H, v6, "x", false, PeerEncryption.PLAINTEXT)))
                .startsWith("peer [fd00::2]:6881: connected");
        assertThat(StatusLine.eventLine(new Event.PeerBanned(H, v4Mapped, "bad data")))
                .isEqualTo("banned 198.18.0.3:6881: bad data");
    }
}
