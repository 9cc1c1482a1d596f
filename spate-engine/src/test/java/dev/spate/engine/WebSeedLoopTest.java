package dev.spate.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spate.peer.ScriptedLink;
import dev.spate.webseed.WebSeedException;
import dev.spate.wire.Message;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The web seed role in the torrent loop: which pieces a web seed takes beside peers, verdicts on
 * what it brings, back-off on its errors, pause. The web seeds here give the payload (or bytes
 * that are not the payload) from memory, or throw the errors a server causes; HTTP itself is
 * {@code WebSeedTest}'s and {@code WebSeedIT}'s.
 */
class WebSeedLoopTest extends TorrentLoopHarness {

    /** A web seed in memory: serves {@code data}, after its gate opens, unless a failure is queued. */
    final class MemorySeed implements WebSeeds.Fetcher {
        final byte[] data;
        volatile CountDownLatch gate = new CountDownLatch(0);
        final List<Integer> asked = new CopyOnWriteArrayList<>();
        final ConcurrentLinkedDeque<WebSeedException> failures = new ConcurrentLinkedDeque<>();
        final AtomicInteger interrupted = new AtomicInteger();
        final AtomicInteger inFlight = new AtomicInteger();
        final AtomicInteger maxInFlight = new AtomicInteger();

        MemorySeed(byte[] data) {
            this.data = data;
        }

        @Override
        public String url() {
            return "http://127.0.0.1:1/loop.bin";
        }

        @Override
        public int maxConcurrentRequests() {
            return 2;
        }

        @Override
        public void fetchPiece(int piece, ByteBuffer into) throws WebSeedException, InterruptedException {
            asked.add(piece);
            maxInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
            try {
                gate.await();
            } catch (InterruptedException e) {
                interrupted.incrementAndGet();
                throw e;
            } finally {
                inFlight.decrementAndGet();
            }
            WebSeedException f = failures.poll();
            if (f != null) {
                throw f;
            }
            into.put(data, piece * PIECE, PIECE);
        }
    }

    MemorySeed seed;

    /** A torrent with one web seed, {@code served} its bytes, and a url-list naming it. */
    void torrentWithWebSeed(byte[] served, boolean gated) throws Exception {
        seed = new MemorySeed(served);
        if (gated) {
            seed.gate = new CountDownLatch(1);
        }
        webSeedFetchers = List.of(seed);
        events.clear();
        torrent = newTorrent(SessionConfig.builder().localDiscovery(false).dht(false).listenPort(0).build());
        torrent.start();
        awaitState(TorrentState.DOWNLOADING);
    }

    WebSeedStats stats() {
        return torrent.snapshot().webSeeds().get(0);
    }

    @Test
    void aWebSeedAloneBringsEveryPieceVerifiedAndTwoAtATime() throws Exception {
        torrentWithWebSeed(payload, false);

        assertThat(loop.runUntil(this::complete, WAIT)).as("complete: %s", torrent.snapshot()).isTrue();
        assertThat(storage.fileBytes(0)).isEqualTo(payload);
        assertThat(events).filteredOn(e -> e instanceof Event.PieceVerified).hasSize(PIECES);
        assertThat(new HashSet<>(seed.asked)).hasSize(PIECES).hasSameSizeAs(seed.asked); // each piece once
        assertThat(seed.maxInFlight.get()).isBetween(1, 2);
        TorrentStatus s = torrent.snapshot();
        assertThat(s.webSeeds()).singleElement().satisfies(w -> {
            assertThat(w.downloaded()).isEqualTo(payload.length);
            assertThat(w.piecesFetched()).isEqualTo(PIECES);
            assertThat(w.dropped()).isFalse();
        });
        assertThat(s.downloaded()).as("web seed bytes count as received").isEqualTo(payload.length);
        assertThat(s.webSeedsInUse()).isEqualTo(1);
    }

    @Test
    void aWebSeedTakesOnlyPiecesNoPeerIsAskedForAndBothContribute() throws Exception {
        torrentWithWebSeed(payload, true);
        assertThat(loop.runUntil(() -> seed.asked.size() == 2, WAIT)).isTrue();
        Set<Integer> webPieces = Set.copyOf(seed.asked);

        ScriptedLink peer = attach(ScriptedLink.fast(1));
        deliver(peer, Message.HAVE_ALL);
        deliver(peer, Message.UNCHOKE);
        assertThat(requests(peer)).isNotEmpty();
        assertThat(requests(peer)).extracting(Message.Request::piece).doesNotContainAnyElementsOf(webPieces);

        // The peer serves everything else, endgame included: still never a web seed's piece.
        for (int round = 0; round < 100 && events.stream().filter(e -> e instanceof Event.PieceVerified).count()
                < PIECES - webPieces.size(); round++) {
            serveAll(peer);
            loop.runUntil(() -> requests(peer).size() > answeredSoFar.getOrDefault(peer, 0), Duration.ofMillis(100));
        }
        assertThat(requests(peer)).extracting(Message.Request::piece).doesNotContainAnyElementsOf(webPieces);
        assertThat(complete()).isFalse();

        seed.gate.countDown();
        assertThat(loop.runUntil(this::complete, WAIT)).isTrue();
        assertThat(storage.fileBytes(0)).isEqualTo(payload);
        assertThat(stats().piecesFetched()).isEqualTo(2);
        assertThat(seed.asked).hasSize(2);
        for (int p : webPieces) {
            assertThat(peer.sent).as("Have of the web seed's piece to the peer").contains(new Message.Have(p));
        }
    }

    @Test
    void inEndgameAPieceAWebSeedHasFetchedForTenSecondsGoesToAnUnchokingPeer() throws Exception {
        torrentWithWebSeed(payload, true);
        assertThat(loop.runUntil(() -> seed.asked.size() == 2, WAIT)).isTrue();
        Set<Integer> webPieces = Set.copyOf(seed.asked);
        ScriptedLink peer = attach(ScriptedLink.fast(1));
        deliver(peer, Message.HAVE_ALL);
        deliver(peer, Message.UNCHOKE);
        for (int round = 0; round < 100 && events.stream().filter(e -> e instanceof Event.PieceVerified).count()
                < PIECES - webPieces.size(); round++) {
            serveAll(peer);
            loop.runUntil(() -> requests(peer).size() > answeredSoFar.getOrDefault(peer, 0), Duration.ofMillis(100));
        }
        tick(8);
        assertThat(stats().fetching()).as("not yet: 10 s of patience").isEqualTo(2);
        assertThat(requests(peer)).extracting(Message.Request::piece).doesNotContainAnyElementsOf(webPieces);

        tick(2);
        assertThat(stats().fetching()).isZero();
        assertThat(loop.runUntil(() -> seed.interrupted.get() == 2, WAIT)).as("the web seed's fetches stopped").isTrue();
        assertThat(requests(peer)).extracting(Message.Request::piece).containsAll(webPieces);
        downloadAllFrom(peer);
        assertThat(storage.fileBytes(0)).isEqualTo(payload);
        assertThat(stats().piecesFetched()).isZero();
        assertThat(seed.asked).as("not asked again").hasSize(2);
    }

    @Test
    void inEndgameAChokingPeerTakesNothingOverFromAWebSeed() throws Exception {
        torrentWithWebSeed(payload, true);
        assertThat(loop.runUntil(() -> seed.asked.size() == 2, WAIT)).isTrue();
        ScriptedLink peer = attach(ScriptedLink.fast(1));
        deliver(peer, Message.HAVE_ALL);
        deliver(peer, Message.UNCHOKE);
        for (int round = 0; round < 100 && events.stream().filter(e -> e instanceof Event.PieceVerified).count()
                < PIECES - 2; round++) {
            serveAll(peer);
            loop.runUntil(() -> requests(peer).size() > answeredSoFar.getOrDefault(peer, 0), Duration.ofMillis(100));
        }
        deliver(peer, Message.CHOKE);
        tick(30);
        assertThat(stats().fetching()).isEqualTo(2);
        seed.gate.countDown();
        assertThat(loop.runUntil(this::complete, WAIT)).isTrue();
        assertThat(stats().piecesFetched()).isEqualTo(2);
    }

    @Test
    void aWebSeedWhosePieceFailsItsHashIsDroppedUnwrittenAndAPeerBringsThePiece() throws Exception {
        byte[] corrupt = payload.clone();
        for (int p = 0; p < PIECES; p++) {
            corrupt[p * PIECE + 100] ^= 1;
        }
        torrentWithWebSeed(corrupt, false);

        assertThat(loop.runUntil(() -> events.stream().anyMatch(e -> e instanceof Event.WebSeedDropped), WAIT)).isTrue();
        loop.runUntil(() -> false, Duration.ofMillis(200)); // the other fetch in flight ends, thrown away
        assertThat(events).filteredOn(e -> e instanceof Event.WebSeedDropped).singleElement()
                .satisfies(e -> assertThat(((Event.WebSeedDropped) e).reason()).contains("failed its hash check"));
        assertThat(events).anyMatch(e -> e instanceof Event.HashFailed);
        assertThat(events).noneMatch(e -> e instanceof Event.PieceVerified);
        assertThat(storage.piecesWritten()).as("none of its bytes written").isZero();
        assertThat(stats().dropped()).isTrue();
        assertThat(torrent.snapshot().webSeedsInUse()).isZero();
        int askedWhenDropped = seed.asked.size();
        tick(30);
        assertThat(seed.asked).as("never asked again").hasSize(askedWhenDropped);

        ScriptedLink peer = attach(ScriptedLink.fast(1));
        deliver(peer, Message.HAVE_ALL);
        deliver(peer, Message.UNCHOKE);
        downloadAllFrom(peer);
        assertThat(storage.fileBytes(0)).isEqualTo(payload);
        assertThat(seed.asked).hasSize(askedWhenDropped);
    }

    @Test
    void aBusyWebSeedIsAskedAgainNoSoonerThanItsRetryAfterAndThenBringsThePieces() throws Exception {
        WebSeedException busy = new WebSeedException("http://127.0.0.1:1/loop.bin", WebSeedException.Kind.HTTP_STATUS,
                "HTTP 503 for bytes 0-32767, retry after 30 s", 503, Duration.ofSeconds(30), null);
        torrentWithWebSeed(payload, true);
        seed.failures.add(busy);
        seed.failures.add(busy);
        seed.gate.countDown();
        assertThat(loop.runUntil(() -> seed.failures.isEmpty() && stats().fetching() == 0, WAIT)).isTrue();
        assertThat(stats().problem()).hasValueSatisfying(p -> assertThat(p).contains("HTTP 503"));
        int asked = seed.asked.size();

        tick(29);
        // Started on the loop, a fetch would be running now or would have brought its piece.
        assertThat(stats().fetching()).as("waiting out Retry-After").isZero();
        assertThat(stats().piecesFetched()).isZero();
        assertThat(seed.asked).hasSize(asked);
        tick(2);
        assertThat(loop.runUntil(this::complete, WAIT)).isTrue();
        assertThat(seed.asked).hasSize(asked + PIECES);
        assertThat(storage.fileBytes(0)).isEqualTo(payload);
        assertThat(stats().problem()).isEmpty();
    }

    @Test
    void aFailedFetchGivesItsPieceToAPeer() throws Exception {
        torrentWithWebSeed(payload, true);
        seed.failures.add(new WebSeedException("http://127.0.0.1:1/loop.bin", WebSeedException.Kind.HTTP_STATUS,
                "HTTP 404 for bytes 0-32767", 404, null, null));
        seed.failures.add(new WebSeedException("http://127.0.0.1:1/loop.bin", WebSeedException.Kind.HTTP_STATUS,
                "HTTP 404 for bytes 0-32767", 404, null, null));
        assertThat(loop.runUntil(() -> seed.asked.size() == 2, WAIT)).isTrue();
        ScriptedLink peer = attach(ScriptedLink.fast(1));
        deliver(peer, Message.HAVE_ALL);
        deliver(peer, Message.UNCHOKE);
        seed.gate.countDown();
        // The web seed waits 10 s and more after its failures: the peer gets every piece meanwhile.
        downloadAllFrom(peer);
        assertThat(storage.fileBytes(0)).isEqualTo(payload);
        assertThat(requests(peer)).extracting(Message.Request::piece).containsAll(Set.copyOf(seed.asked));
    }

    @Test
    void pausingInterruptsTheFetchesAndResumingStartsThemAgain() throws Exception {
        torrentWithWebSeed(payload, true);
        assertThat(loop.runUntil(() -> seed.inFlight.get() == 2, WAIT)).isTrue();
        assertThat(stats().fetching()).isEqualTo(2);

        torrent.pause();
        loop.runPending();
        assertThat(stats().fetching()).isZero();
        assertThat(loop.runUntil(() -> seed.interrupted.get() == 2, WAIT)).as("both fetches interrupted").isTrue();
        tick(5);
        assertThat(seed.asked).as("nothing asked while paused").hasSize(2);

        seed.gate.countDown();
        torrent.resume();
        loop.runPending();
        assertThat(loop.runUntil(this::complete, WAIT)).isTrue();
        assertThat(storage.fileBytes(0)).isEqualTo(payload);
    }

    @Test
    void removingTheTorrentEndsItsFetchesAtOnce() throws Exception {
        torrentWithWebSeed(payload, true);
        assertThat(loop.runUntil(() -> seed.inFlight.get() == 2, WAIT)).isTrue();
        Thread remover = Thread.ofVirtual().start(torrent::remove);
        assertThat(loop.runUntil(() -> loop.ended().isDone(), WAIT)).isTrue();
        remover.join(WAIT.toMillis());
        assertThat(remover.isAlive()).isFalse();
        assertThat(loop.runUntil(() -> seed.inFlight.get() == 0, WAIT)).isTrue();
        assertThat(seed.interrupted).hasValue(2);
    }

    @Test
    void theTorrentsUrlListIsWhatItsWebSeedsAreMadeOf() throws Exception {
        metainfo = dev.spate.metainfo.MetainfoParser.fromInfo(metainfo.infoBytes(), List.of(),
                List.of("http://127.0.0.1:1/a/", "http://127.0.0.1:1/b/"));
        torrentWithWebSeed(payload, false);
        assertThat(webSeedUrls).last().isEqualTo(List.of("http://127.0.0.1:1/a/", "http://127.0.0.1:1/b/"));
    }
}
