package dev.spate.tracker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spate.core.InfoHash;
import dev.spate.core.PeerId;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class HttpTrackerTest {
    static final InfoHash HASH = InfoHash.of(new byte[] {
            0x00, 'A', 'z', '0', '9', '-', '.', '_', '~', ' ', '%', '&', '=', '+', '/', (byte) 0x7f, (byte) 0x80,
            (byte) 0xff, 0x12, (byte) 0xab});
    static final PeerId PEER = PeerId.of("-SP0100-abc def%g~.Z".getBytes(StandardCharsets.US_ASCII));
    static final TrackerConfig FAST = TrackerConfig.defaults()
            .withTimeouts(Duration.ofSeconds(2), Duration.ofMillis(300));

    static AnnounceRequest request(AnnounceRequest.Event event) {
        return new AnnounceRequest(HASH, PEER, 6881, 1000, 2000, 3000, event, 50, 0xCAFE, Optional.empty(), true);
    }

    static Tracker tracker(TestHttpServer server) throws TrackerException {
        return Trackers.forUrl(server.url("/announce"), FAST);
    }

    static byte[] compact(int a, int b, int c, int d, int port) {
        return new byte[] {(byte) a, (byte) b, (byte) c, (byte) d, (byte) (port >> 8), (byte) port};
    }

    static byte[] bencodedPeers(String prefix, byte[] peers, String suffix) {
        return TestHttpServer.concat(TestHttpServer.concat(
                (prefix + peers.length + ":").getBytes(StandardCharsets.ISO_8859_1), peers),
                suffix.getBytes(StandardCharsets.ISO_8859_1));
    }

    @Test
    void theQueryCarriesEveryBinaryByteThatIsNotUnreservedAsPercentXX() throws Exception {
        try (TestHttpServer server = new TestHttpServer(t -> TestHttpServer.ok("d8:intervali900e5:peers0:e"))) {
            tracker(server).announce(request(AnnounceRequest.Event.STARTED));
            assertThat(server.targets()).containsExactly("/announce"
                    + "?info_hash=%00Az09-._~%20%25%26%3D%2B%2F%7F%80%FF%12%AB"
                    + "&peer_id=-SP0100-abc%20def%25g~.Z"
                    + "&port=6881&uploaded=1000&downloaded=2000&left=3000&compact=1&event=started"
                    + "&numwant=50&key=0000CAFE");
        }
    }

    @Test
    void anAnnounceOverIpv4PublishesOurGlobalIpv6AddressCompressed() throws Exception {
        java.net.Inet6Address ours = (java.net.Inet6Address) java.net.InetAddress.getByName("2001:db8:0:0:0:0:0:1");
        try (TestHttpServer server = new TestHttpServer(t -> TestHttpServer.ok("d8:intervali900e5:peers0:e"))) {
            Trackers.forUrl(server.url("/announce"), FAST.withPublishedIpv6(Optional.of(ours)))
                    .announce(request(AnnounceRequest.Event.STARTED));

            assertThat(server.targets().get(0)).endsWith("&key=0000CAFE&ipv6=2001%3Adb8%3A%3A1");
        }
    }

    @Test
    void withoutAnIpv6AddressToPublishNoIpv6ParameterIsSent() throws Exception {
        try (TestHttpServer server = new TestHttpServer(t -> TestHttpServer.ok("d8:intervali900e5:peers0:e"))) {
            tracker(server).announce(request(AnnounceRequest.Event.STARTED));

            assertThat(server.targets().get(0)).doesNotContain("ipv6");
        }
    }

    @Test
    void onlyAnAnnounceThatGoesOverIpv4NeedsTheIpv6Parameter() throws Exception {
        // Over IPv6 the tracker sees our IPv6 source address itself (BEP 7 "Announcing").
        Optional<java.net.InetAddress> system = Optional.empty();
        assertThat(HttpTracker.overIpv4(URI.create("http://127.0.0.1:6969/announce"), system)).isTrue();
        assertThat(HttpTracker.overIpv4(URI.create("http://[::1]:6969/announce"), system)).isFalse();
        assertThat(HttpTracker.overIpv4(URI.create("http://[fd00::1]/announce"),
                Optional.of(java.net.InetAddress.getByName("127.0.0.1")))).isTrue();
        assertThat(HttpTracker.overIpv4(URI.create("http://127.0.0.1/announce"),
                Optional.of(java.net.InetAddress.getByName("::1")))).isFalse();
        assertThat(HttpTracker.announceQuery(request(AnnounceRequest.Event.NONE), Optional.empty()))
                .isEqualTo(HttpTracker.announceQuery(request(AnnounceRequest.Event.NONE)));
    }

    @Test
    void aRegularAnnounceSendsNoEventAndEchoesTheTrackerIdAfterAnExistingQuery() throws Exception {
        try (TestHttpServer server = new TestHttpServer(t -> TestHttpServer.ok("d8:intervali900e5:peers0:e"))) {
            AnnounceRequest r = new AnnounceRequest(HASH, PEER, 1, 0, 0, 0, AnnounceRequest.Event.NONE, -1, -1,
                    Optional.of("id 7"), false);
            Trackers.forUrl(server.url("/a/announce?passkey=s3cret"), FAST).announce(r);
            String target = server.targets().get(0);
            assertThat(target).startsWith("/a/announce?passkey=s3cret&info_hash=")
                    .endsWith("&port=1&uploaded=0&downloaded=0&left=0&compact=0&key=FFFFFFFF&trackerid=id%207")
                    .doesNotContain("event=").doesNotContain("numwant");
        }
    }

    @Test
    void eachEventHasItsBep3Name() throws Exception {
        try (TestHttpServer server = new TestHttpServer(t -> TestHttpServer.ok("d8:intervali900e5:peers0:e"))) {
            Tracker t = tracker(server);
            t.announce(request(AnnounceRequest.Event.COMPLETED));
            t.announce(request(AnnounceRequest.Event.STOPPED));
            assertThat(server.targets().get(0)).contains("&event=completed&");
            assertThat(server.targets().get(1)).contains("&event=stopped&");
        }
    }

    @Test
    void aCompactAnswerGivesPeersCountsIntervalsTrackerIdAndWarning() throws Exception {
        byte[] peers = TestHttpServer.concat(TestHttpServer.concat(compact(10, 0, 0, 1, 6881), compact(1, 2, 3, 4, 0)),
                compact(192, 168, 1, 200, 65535));
        byte[] body = bencodedPeers("d8:completei5e10:incompletei7e8:intervali1800e12:min intervali60e5:peers",
                peers, "10:tracker id3:xyz15:warning message4:slowe");
        try (TestHttpServer server = new TestHttpServer(t -> TestHttpServer.ok(body))) {
            AnnounceResponse r = tracker(server).announce(request(AnnounceRequest.Event.NONE));
            assertThat(r.interval()).isEqualTo(Duration.ofSeconds(1800));
            assertThat(r.minInterval()).contains(Duration.ofSeconds(60));
            assertThat(r.seeders()).isEqualTo(OptionalInt.of(5));
            assertThat(r.leechers()).isEqualTo(OptionalInt.of(7));
            assertThat(r.trackerId()).contains("xyz");
            assertThat(r.warning()).contains("slow");
            assertThat(r.peers()).as("the port-0 peer is skipped").containsExactly(
                    new InetSocketAddress("10.0.0.1", 6881), new InetSocketAddress("192.168.1.200", 65535));
        }
    }

    @Test
    void aFailureReasonBecomesTheExceptionMessage() throws Exception {
        try (TestHttpServer server = new TestHttpServer(t -> TestHttpServer.ok("d14:failure reason17:torrent not founde"))) {
            assertThatThrownBy(() -> tracker(server).announce(request(AnnounceRequest.Event.STARTED)))
                    .isInstanceOf(TrackerException.class).hasMessage("tracker failure: torrent not found");
        }
    }

    @Test
    void aFailureReasonInAnHttpErrorIsStillQuoted() throws Exception {
        byte[] body = "d14:failure reason6:bannede".getBytes(StandardCharsets.US_ASCII);
        byte[] answer = TestHttpServer.concat(("HTTP/1.1 403 Forbidden\r\nContent-Length: " + body.length
                + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII), body);
        try (TestHttpServer server = new TestHttpServer(t -> answer)) {
            assertThatThrownBy(() -> tracker(server).announce(request(AnnounceRequest.Event.NONE)))
                    .hasMessage("tracker failure: banned");
        }
        try (TestHttpServer server = new TestHttpServer(t -> "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"
                .getBytes(StandardCharsets.US_ASCII))) {
            assertThatThrownBy(() -> tracker(server).announce(request(AnnounceRequest.Event.NONE)))
                    .hasMessage("tracker " + server.url("/announce") + " answered HTTP 404");
        }
    }

    @Test
    void aGarbageBodyIsRejectedWithItsFirstBytes() throws Exception {
        try (TestHttpServer server = new TestHttpServer(t -> TestHttpServer.ok("<html>502 Bad Gateway</html>"))) {
            assertThatThrownBy(() -> tracker(server).announce(request(AnnounceRequest.Event.NONE)))
                    .isInstanceOf(TrackerException.class)
                    .hasMessageStartingWith("tracker response is not bencode (at byte 0")
                    .hasMessageEndingWith("'<html>502 Bad Gateway</html>'");
        }
    }

    @Test
    void anAnswerWithoutIntervalIsRejected() throws Exception {
        try (TestHttpServer server = new TestHttpServer(t -> TestHttpServer.ok("d5:peers0:e"))) {
            assertThatThrownBy(() -> tracker(server).announce(request(AnnounceRequest.Event.NONE)))
                    .hasMessageStartingWith("tracker response has no 'interval'");
        }
    }

    @Test
    void aTruncatedCompactPeerListIsRejected() throws Exception {
        byte[] body = bencodedPeers("d8:intervali900e5:peers", new byte[13], "e");
        try (TestHttpServer server = new TestHttpServer(t -> TestHttpServer.ok(body))) {
            assertThatThrownBy(() -> tracker(server).announce(request(AnnounceRequest.Event.NONE)))
                    .hasMessage("tracker sent a compact peer list of 13 bytes, not a multiple of 6");
        }
    }

    @Test
    void peers6AddsIpv6PeersAndMustBeAMultipleOf18() throws Exception {
        byte[] v6 = new byte[18];
        v6[15] = 1;
        v6[16] = 0x1a;
        v6[17] = (byte) 0xe1;
        byte[] body = bencodedPeers("d8:intervali900e5:peers6:" + new String(compact(127, 0, 0, 1, 80),
                StandardCharsets.ISO_8859_1) + "6:peers6", v6, "e");
        try (TestHttpServer server = new TestHttpServer(t -> TestHttpServer.ok(body))) {
            assertThat(tracker(server).announce(request(AnnounceRequest.Event.NONE)).peers()).containsExactly(
                    new InetSocketAddress("127.0.0.1", 80), new InetSocketAddress(InetAddress.getByName("::1"), 6881));
        }
        byte[] bad = bencodedPeers("d8:intervali900e5:peers0:6:peers6", new byte[17], "e");
        try (TestHttpServer server = new TestHttpServer(t -> TestHttpServer.ok(bad))) {
            assertThatThrownBy(() -> tracker(server).announce(request(AnnounceRequest.Event.NONE)))
                    .hasMessage("tracker sent a compact peers6 list of 17 bytes, not a multiple of 18");
        }
    }

    @Test
    void aDictionaryPeerListTakesIpLiteralsAndSkipsNamesAndBadPorts() throws Exception {
        String body = "d8:intervali900e5:peersl"
                + "d2:ip8:10.1.2.37:peer id20:AAAAAAAAAAAAAAAAAAAA4:porti6881ee"
                + "d2:ip10:2001:db8::4:porti51413ee"
                + "d2:ip6:::ffff4:porti1ee"
                + "d2:ip11:example.com4:porti6881ee"
                + "d2:ip7:1.2.3.44:porti0ee"
                + "d2:ip9:300.1.1.14:porti9ee"
                + "ee";
        try (TestHttpServer server = new TestHttpServer(t -> TestHttpServer.ok(body))) {
            assertThat(tracker(server).announce(request(AnnounceRequest.Event.NONE)).peers()).containsExactly(
                    new InetSocketAddress("10.1.2.3", 6881),
                    new InetSocketAddress(InetAddress.getByName("2001:db8::"), 51413),
                    new InetSocketAddress(InetAddress.getByName("::ffff"), 1));
        }
    }

    @Test
    void aTrackerThatNeverAnswersTimesOut() throws Exception {
        try (TestHttpServer server = new TestHttpServer(t -> null)) {
            long start = System.nanoTime();
            assertThatThrownBy(() -> tracker(server).announce(request(AnnounceRequest.Event.NONE)))
                    .hasMessage("no answer from " + server.url("/announce") + " within 300 ms");
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
        }
    }

    @Test
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void aTrackerThatAcceptsAndNeverAnswersIsGivenUpAfterTheReadTimeoutNotConnectPlusRead() throws Exception {
        TrackerConfig config = TrackerConfig.defaults().withTimeouts(Duration.ofSeconds(5), Duration.ofMillis(300));
        try (TestHttpServer server = new TestHttpServer(t -> null)) {
            long start = System.nanoTime();
            assertThatThrownBy(() -> Trackers.forUrl(server.url("/announce"), config)
                    .announce(request(AnnounceRequest.Event.NONE)))
                    .hasMessage("no answer from " + server.url("/announce") + " within 300 ms");
            assertThat(Duration.ofNanos(System.nanoTime() - start))
                    .isBetween(Duration.ofMillis(250), Duration.ofSeconds(2));
        }
    }

    @Test
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void aBodyThatNeverEndsIsGivenUpWithinConnectPlusRead() throws Exception {
        TrackerConfig config = TrackerConfig.defaults().withTimeouts(Duration.ofMillis(300), Duration.ofMillis(300));
        byte[] headAndSomeBody = "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nd8:interval"
                .getBytes(StandardCharsets.US_ASCII);
        try (TestHttpServer server = new TestHttpServer(t -> headAndSomeBody, true)) {
            long start = System.nanoTime();
            assertThatThrownBy(() -> Trackers.forUrl(server.url("/announce"), config)
                    .announce(request(AnnounceRequest.Event.NONE)))
                    .isInstanceOf(TrackerException.class).hasMessageContaining(server.url("/announce"));
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofMillis(600 + 500));
        }
    }

    @Test
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void slowRedirectsDoNotStretchTheCallPastConnectPlusRead() throws Exception {
        TrackerConfig config = TrackerConfig.defaults().withTimeouts(Duration.ofMillis(300), Duration.ofMillis(300));
        try (TestHttpServer server = new TestHttpServer(t -> {
            Thread.sleep(200); // each hop answers in time; five of them do not
            int n = t.startsWith("/r") ? Integer.parseInt(t.substring(2, t.indexOf('/', 1))) : 0;
            return n < 5 ? TestHttpServer.redirect("/r" + (n + 1) + "/announce" + t.substring(t.indexOf('?')))
                    : TestHttpServer.ok("d8:intervali900e5:peers0:e");
        })) {
            long start = System.nanoTime();
            assertThatThrownBy(() -> Trackers.forUrl(server.url("/announce"), config)
                    .announce(request(AnnounceRequest.Event.NONE)))
                    .hasMessage("no complete answer from " + server.url("/announce") + " within 600 ms");
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofMillis(600 + 500));
            assertThat(server.targets()).as("given up during the third or fourth hop").hasSizeBetween(3, 4);
        }
    }

    @Test
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void anInterruptEndsACallAtOnce() throws Exception {
        TrackerConfig config = TrackerConfig.defaults().withTimeouts(Duration.ofSeconds(5), Duration.ofSeconds(5));
        try (TestHttpServer server = new TestHttpServer(t -> null)) {
            CompletableFuture<Throwable> failure = new CompletableFuture<>();
            Thread caller = Thread.ofVirtual().start(() -> {
                try {
                    Trackers.forUrl(server.url("/announce"), config).announce(request(AnnounceRequest.Event.NONE));
                    failure.complete(null);
                } catch (TrackerException e) {
                    failure.complete(e);
                }
            });
            while (server.targets().isEmpty()) {
                Thread.onSpinWait();
            }
            long start = System.nanoTime();
            caller.interrupt();
            assertThat(failure.get(5, TimeUnit.SECONDS))
                    .hasMessage("interrupted while asking " + server.url("/announce"));
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(1));
        }
    }

    @Test
    void aResponseOverOneMebibyteIsRefused() throws Exception {
        byte[] huge = new byte[(1 << 20) + 1];
        try (TestHttpServer server = new TestHttpServer(t -> TestHttpServer.ok(huge))) {
            assertThatThrownBy(() -> tracker(server).announce(request(AnnounceRequest.Event.NONE)))
                    .hasMessage("tracker response larger than 1 MiB");
        }
        // The same without Content-Length: the body ends when the connection closes.
        byte[] unannounced = TestHttpServer.concat("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n"
                .getBytes(StandardCharsets.US_ASCII), huge);
        try (TestHttpServer server = new TestHttpServer(t -> unannounced)) {
            assertThatThrownBy(() -> tracker(server).announce(request(AnnounceRequest.Event.NONE)))
                    .hasMessage("tracker response larger than 1 MiB");
        }
    }

    @Test
    void fiveRedirectsAreFollowedButASixthIsNot() throws Exception {
        for (int hops : new int[] {5, 6}) {
            try (TestHttpServer server = new TestHttpServer(t -> {
                int n = t.startsWith("/r") ? Integer.parseInt(t.substring(2, t.indexOf('/', 1))) : 0;
                return n < hops ? TestHttpServer.redirect("/r" + (n + 1) + "/announce" + t.substring(t.indexOf('?')))
                        : TestHttpServer.ok("d8:intervali900e5:peers0:e");
            })) {
                if (hops == 5) {
                    assertThat(tracker(server).announce(request(AnnounceRequest.Event.NONE)).interval())
                            .isEqualTo(Duration.ofSeconds(900));
                    assertThat(server.targets()).hasSize(6);
                    assertThat(server.targets().get(5)).startsWith("/r5/announce?info_hash=%00Az09");
                } else {
                    assertThatThrownBy(() -> tracker(server).announce(request(AnnounceRequest.Event.NONE)))
                            .hasMessage("too many redirects (5) from " + server.url("/announce"));
                }
            }
        }
    }

    @Test
    void aRedirectLoopIsDetectedBeforeTheRedirectLimit() throws Exception {
        try (TestHttpServer server = new TestHttpServer(t -> {
            String query = t.substring(t.indexOf('?'));
            return TestHttpServer.redirect((t.startsWith("/announce") ? "/elsewhere" : "/announce") + query);
        })) {
            assertThatThrownBy(() -> tracker(server).announce(request(AnnounceRequest.Event.NONE)))
                    .hasMessage("redirect loop: " + server.url("/announce") + " leads back to " + server.url("/announce"));
            assertThat(server.targets()).as("announce, elsewhere, then the loop is seen").hasSize(2);
        }
    }

    @Test
    void theScrapeUrlReplacesAnnounceInTheLastPathSegment() {
        assertThat(HttpTracker.scrapeUri(URI.create("http://t.example:80/announce")))
                .contains(URI.create("http://t.example:80/scrape"));
        assertThat(HttpTracker.scrapeUri(URI.create("https://t.example/x/announce.php?passkey=1")))
                .contains(URI.create("https://t.example/x/scrape.php?passkey=1"));
        assertThat(HttpTracker.scrapeUri(URI.create("http://t.example/announce/x"))).isEmpty();
        assertThat(HttpTracker.scrapeUri(URI.create("http://t.example/a"))).isEmpty();
    }

    @Test
    void aScrapeAsksForEveryHashAndReadsFilesKeyedByRawHash() throws Exception {
        InfoHash other = InfoHash.fromHex("0123456789abcdef0123456789abcdef01234567");
        byte[] body = TestHttpServer.concat(TestHttpServer.concat(
                "d5:filesd20:".getBytes(StandardCharsets.ISO_8859_1), other.bytes()),
                "d8:completei3e10:downloadedi10e10:incompletei4eeee".getBytes(StandardCharsets.ISO_8859_1));
        try (TestHttpServer server = new TestHttpServer(t -> TestHttpServer.ok(body))) {
            Map<InfoHash, ScrapeResult> result = tracker(server).scrape(List.of(HASH, other));
            assertThat(result).containsExactly(Map.entry(other, new ScrapeResult(3, 10, 4)));
            assertThat(server.targets()).containsExactly("/scrape?info_hash=%00Az09-._~%20%25%26%3D%2B%2F%7F%80%FF%12%AB"
                    + "&info_hash=%01%23Eg%89%AB%CD%EF%01%23Eg%89%AB%CD%EF%01%23Eg");
        }
    }

    @Test
    void aTrackerWithoutTheAnnounceConventionCannotBeScraped() throws Exception {
        Tracker t = Trackers.forUrl("http://127.0.0.1:9/tracker", FAST);
        assertThatThrownBy(() -> t.scrape(List.of(HASH)))
                .hasMessage("tracker http://127.0.0.1:9/tracker does not support scrape: its path does not end in 'announce'");
    }

    @Test
    void onlyHttpHttpsAndUdpUrlsMakeTrackers() throws Exception {
        assertThat(Trackers.forUrl("https://t.example/announce", FAST)).isInstanceOf(HttpTracker.class);
        assertThat(Trackers.forUrl("udp://t.example:6969/announce", FAST)).isInstanceOf(UdpTracker.class);
        assertThatThrownBy(() -> Trackers.forUrl("wss://t.example/announce", FAST))
                .hasMessage("unsupported tracker scheme 'wss' in wss://t.example/announce");
        assertThatThrownBy(() -> Trackers.forUrl("udp://t.example/announce", FAST))
                .hasMessage("udp tracker URL udp://t.example/announce has no port");
    }
}
