package dev.spate.tracker;

import static dev.spate.tracker.TestUdpTracker.action;
import static dev.spate.tracker.TestUdpTracker.announceReply;
import static dev.spate.tracker.TestUdpTracker.connectReply;
import static dev.spate.tracker.TestUdpTracker.transactionId;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spate.core.InfoHash;
import dev.spate.core.PeerId;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class UdpTrackerTest {
    static final InfoHash HASH = InfoHash.fromHex("00112233445566778899aabbccddeeff00112233");
    static final PeerId PEER = PeerId.random();
    static final long CONNECTION_ID = 0x1122334455667788L;
    final AtomicLong now = new AtomicLong();
    final TrackerConfig config = TrackerConfig.defaults().withUdpRetransmission(Duration.ofMillis(200), 3)
            .withClock(now::get);

    static AnnounceRequest request() {
        return new AnnounceRequest(HASH, PEER, 6881, 100, 200, 300, AnnounceRequest.Event.STARTED, -1, 0x0badf00d,
                Optional.empty(), true);
    }

    static byte[] peer(int a, int b, int c, int d, int port) {
        return HttpTrackerTest.compact(a, b, c, d, port);
    }

    /** Answers connects with CONNECTION_ID and announces with one peer. */
    static List<byte[]> wellBehaved(ByteBuffer r, int index) {
        return switch (action(r)) {
            case 0 -> List.of(connectReply(transactionId(r), CONNECTION_ID));
            case 1 -> List.of(announceReply(transactionId(r), 1800, 4, 2, peer(10, 0, 0, 1, 6881)));
            default -> List.of();
        };
    }

    @Test
    void anAnnounceConnectsThenSendsTheBep15AnnouncePacket() throws Exception {
        try (TestUdpTracker tracker = new TestUdpTracker(UdpTrackerTest::wellBehaved)) {
            AnnounceResponse r = Trackers.forUrl(tracker.url(), config).announce(request());
            assertThat(r.interval()).isEqualTo(Duration.ofSeconds(1800));
            assertThat(r.leechers()).isEqualTo(OptionalInt.of(4));
            assertThat(r.seeders()).isEqualTo(OptionalInt.of(2));
            assertThat(r.peers()).containsExactly(new InetSocketAddress("10.0.0.1", 6881));

            ByteBuffer connect = ByteBuffer.wrap(tracker.received().get(0));
            assertThat(connect.remaining()).isEqualTo(16);
            assertThat(connect.getLong(0)).isEqualTo(0x41727101980L);
            assertThat(connect.getInt(8)).isZero();

            ByteBuffer a = ByteBuffer.wrap(tracker.received().get(1));
            assertThat(a.remaining()).isEqualTo(98);
            assertThat(a.getLong()).isEqualTo(CONNECTION_ID);
            assertThat(a.getInt()).isEqualTo(1);
            a.getInt();
            byte[] hash = new byte[20];
            a.get(hash);
            assertThat(hash).isEqualTo(HASH.bytes());
            byte[] id = new byte[20];
            a.get(id);
            assertThat(id).isEqualTo(PEER.bytes());
            assertThat(a.getLong()).as("downloaded").isEqualTo(200);
            assertThat(a.getLong()).as("left").isEqualTo(300);
            assertThat(a.getLong()).as("uploaded").isEqualTo(100);
            assertThat(a.getInt()).as("event started").isEqualTo(2);
            assertThat(a.getInt()).as("ip").isZero();
            assertThat(a.getInt()).as("key").isEqualTo(0x0badf00d);
            assertThat(a.getInt()).as("num_want").isEqualTo(-1);
            assertThat(a.getShort() & 0xffff).as("port").isEqualTo(6881);
        }
    }

    @Test
    void transactionIdsAreFreshForEachPacket() throws Exception {
        try (TestUdpTracker tracker = new TestUdpTracker(UdpTrackerTest::wellBehaved)) {
            Tracker t = Trackers.forUrl(tracker.url(), config);
            t.announce(request());
            t.announce(request());
            List<Integer> tids = tracker.received().stream().map(d -> ByteBuffer.wrap(d).getInt(12)).toList();
            assertThat(tids).hasSize(3).doesNotHaveDuplicates();
        }
    }

    @Test
    void datagramsWithAnotherTransactionIdOrTooShortAreIgnoredUntilTheRightOneArrives() throws Exception {
        try (TestUdpTracker tracker = new TestUdpTracker((r, i) -> switch (action(r)) {
            case 0 -> List.of(connectReply(transactionId(r) + 1, 99), new byte[] {0, 0, 0, 0},
                    connectReply(transactionId(r), CONNECTION_ID));
            case 1 -> List.of(announceReply(transactionId(r) ^ 0x5555, 60, 0, 0, peer(6, 6, 6, 6, 666)),
                    Arrays.copyOf(announceReply(transactionId(r), 60, 0, 0), 12),
                    announceReply(transactionId(r), 1800, 1, 1, peer(10, 0, 0, 2, 7000)));
            default -> List.of();
        })) {
            AnnounceResponse r = Trackers.forUrl(tracker.url(), config).announce(request());
            assertThat(r.peers()).containsExactly(new InetSocketAddress("10.0.0.2", 7000));
            assertThat(ByteBuffer.wrap(tracker.received().get(1)).getLong(0)).isEqualTo(CONNECTION_ID);
        }
    }

    @Test
    void anErrorActionBecomesATrackerFailure() throws Exception {
        try (TestUdpTracker tracker = new TestUdpTracker((r, i) -> switch (action(r)) {
            case 0 -> List.of(connectReply(transactionId(r), CONNECTION_ID));
            default -> List.of(TestUdpTracker.error(transactionId(r), "torrent not registered"));
        })) {
            assertThatThrownBy(() -> Trackers.forUrl(tracker.url(), config).announce(request()))
                    .isInstanceOf(TrackerException.class).hasMessage("tracker failure: torrent not registered");
        }
    }

    @Test
    void aSilentTrackerGetsRetransmissionsWithDoublingWaitsThenAnError() throws Exception {
        try (TestUdpTracker tracker = new TestUdpTracker((r, i) -> List.of())) {
            long start = System.nanoTime();
            assertThatThrownBy(() -> Trackers.forUrl(tracker.url(), config).announce(request()))
                    .hasMessage("no answer from " + tracker.url().replace("/announce", "") + " after 3 attempts");
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            assertThat(tracker.actions()).containsExactly(0, 0, 0);
            assertThat(took).as("200 + 400 + 800 ms").isBetween(Duration.ofMillis(1350), Duration.ofSeconds(5));
        }
    }

    @Test
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void anInterruptEndsACallAtOnce() throws Exception {
        TrackerConfig slow = TrackerConfig.defaults().withUdpRetransmission(Duration.ofSeconds(5), 2);
        try (TestUdpTracker tracker = new TestUdpTracker((r, i) -> List.of())) {
            CompletableFuture<Throwable> failure = new CompletableFuture<>();
            Thread caller = Thread.ofVirtual().start(() -> {
                try {
                    Trackers.forUrl(tracker.url(), slow).announce(request());
                    failure.complete(null);
                } catch (TrackerException e) {
                    failure.complete(e);
                }
            });
            while (tracker.received().isEmpty()) {
                Thread.onSpinWait();
            }
            long start = System.nanoTime();
            caller.interrupt();
            assertThat(failure.get(5, TimeUnit.SECONDS))
                    .hasMessage("interrupted while asking " + tracker.url().replace("/announce", ""));
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(1));
        }
    }

    @Test
    void aLostAnnounceIsRetransmittedOnTheSameConnection() throws Exception {
        try (TestUdpTracker tracker = new TestUdpTracker((r, i) -> i == 1 ? List.of() : wellBehaved(r, i))) {
            AnnounceResponse r = Trackers.forUrl(tracker.url(), config).announce(request());
            assertThat(r.peers()).hasSize(1);
            assertThat(tracker.actions()).containsExactly(0, 1, 1);
        }
    }

    @Test
    void theConnectionIdIsReusedForSixtySecondsThenRenewed() throws Exception {
        try (TestUdpTracker tracker = new TestUdpTracker(UdpTrackerTest::wellBehaved)) {
            Tracker t = Trackers.forUrl(tracker.url(), config);
            t.announce(request());
            now.addAndGet(Duration.ofSeconds(59).toNanos());
            t.announce(request());
            assertThat(tracker.actions()).containsExactly(0, 1, 1);
            now.addAndGet(Duration.ofSeconds(1).toNanos());
            t.announce(request());
            assertThat(tracker.actions()).containsExactly(0, 1, 1, 0, 1);
        }
    }

    @Test
    void aScrapeSendsTheHashesAndReadsThreeCountsForEach() throws Exception {
        InfoHash other = InfoHash.fromHex("ffffffffffffffffffffffffffffffffffffffff");
        try (TestUdpTracker tracker = new TestUdpTracker((r, i) -> switch (action(r)) {
            case 0 -> List.of(connectReply(transactionId(r), CONNECTION_ID));
            case 2 -> List.of(ByteBuffer.allocate(32).putInt(2).putInt(transactionId(r))
                    .putInt(5).putInt(50).putInt(7).putInt(0).putInt(1).putInt(2).array());
            default -> List.of();
        })) {
            Map<InfoHash, ScrapeResult> result = Trackers.forUrl(tracker.url(), config).scrape(List.of(HASH, other));
            assertThat(result).containsExactly(Map.entry(HASH, new ScrapeResult(5, 50, 7)),
                    Map.entry(other, new ScrapeResult(0, 1, 2)));
            ByteBuffer s = ByteBuffer.wrap(tracker.received().get(1));
            assertThat(s.remaining()).isEqualTo(16 + 40);
            assertThat(s.getInt(8)).isEqualTo(2);
            assertThat(Arrays.copyOfRange(tracker.received().get(1), 36, 56)).isEqualTo(other.bytes());
        }
    }

    @Test
    void aTruncatedPeerListIsRejected() throws Exception {
        try (TestUdpTracker tracker = new TestUdpTracker((r, i) -> switch (action(r)) {
            case 0 -> List.of(connectReply(transactionId(r), CONNECTION_ID));
            default -> List.of(Arrays.copyOf(announceReply(transactionId(r), 60, 0, 0, peer(1, 2, 3, 4, 5)), 25));
        })) {
            assertThatThrownBy(() -> Trackers.forUrl(tracker.url(), config).announce(request()))
                    .hasMessage("tracker sent a compact peer list of 5 bytes, not a multiple of 6");
        }
    }
}
