package dev.spate.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spate.peer.ScriptedLink;
import dev.spate.storage.DiskIo;
import dev.spate.wire.Message;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Piece deadlines, piece priorities and the verified pieces of the status, seen in the order of
 * {@link Event.PieceVerified} when scripted seeds answer the torrent's requests in turns, one
 * block each, in the order each was asked. Time is the harness's fake clock: nothing sleeps.
 */
class PieceDeadlineLoopTest extends TorrentLoopHarness {
    private final Set<Long> delivered = new HashSet<>();
    private TorrentHandle handle;

    private ScriptedLink seed(int port) throws InterruptedException {
        ScriptedLink seed = attach(ScriptedLink.fast(port));
        deliver(seed, Message.HAVE_ALL);
        deliver(seed, Message.UNCHOKE);
        return seed;
    }

    private TorrentHandle handle() {
        if (handle == null) {
            handle = new Handle(torrent);
        }
        return handle;
    }

    private List<Integer> verified() {
        return events.stream().filter(e -> e instanceof Event.PieceVerified).map(e -> ((Event.PieceVerified) e).piece())
                .toList();
    }

    /**
     * The seeds take turns, in the order given, each answering the oldest request it has not
     * answered yet, as a peer working through its queue would; a block another seed delivered
     * already (a cancel crossed it) is not sent again. A piece's verdict is awaited when its last
     * block arrives, so the order of verdicts is the order pieces were completed.
     */
    private void serveInTurns(ScriptedLink... seeds) throws InterruptedException {
        boolean any = true;
        while (any) {
            any = false;
            for (ScriptedLink seed : seeds) {
                int answered = answeredSoFar.getOrDefault(seed, 0);
                List<Message.Request> asked = requests(seed);
                while (answered < asked.size()) {
                    Message.Request r = asked.get(answered++);
                    answeredSoFar.put(seed, answered);
                    if (!delivered.add(((long) r.piece() << 32) | r.begin())) {
                        continue; // another seed's copy came first
                    }
                    deliver(seed, block(r.piece(), r.begin(), r.length()));
                    any = true;
                    int piece = r.piece();
                    if (delivered.contains((long) piece << 32) && delivered.contains(((long) piece << 32) | BLOCK)) {
                        assertThat(loop.runUntil(() -> verified().contains(piece), WAIT)).as("piece %d verified", piece)
                                .isTrue();
                    }
                    break; // the next seed's turn
                }
            }
        }
    }

    @Test
    void inATwoPeerSwarmAnUrgentDeadlinePieceIsAskedOfBothAndCompletesBeforeAnyOther() throws Exception {
        handle().setPieceDeadline(5, Duration.ZERO);
        loop.runPending();
        ScriptedLink a = seed(1);
        ScriptedLink b = seed(2);

        assertThat(requests(a).subList(0, 2)).extracting(Message.Request::piece).containsExactly(5, 5);
        assertThat(requests(b).subList(0, 2)).as("urgent: the same blocks of the second seed")
                .extracting(Message.Request::piece).containsExactly(5, 5);
        serveInTurns(b, a); // the seed that came second answers first: its other pieces would win otherwise

        assertThat(verified()).hasSize(PIECES).doesNotHaveDuplicates();
        assertThat(verified().getFirst()).isEqualTo(5);
        assertThat(a.sent(Message.Cancel.class)).as("the copies b brought first, cancelled at a")
                .extracting(Message.Cancel::piece).contains(5);
        assertThat(lastState()).isEqualTo(TorrentState.SEEDING);
    }

    @Test
    void deadlinesAreServedEarliestFirstAheadOfPiecesWithout() throws Exception {
        handle().setPieceDeadline(2, Duration.ofSeconds(20));
        handle().setPieceDeadline(6, Duration.ofSeconds(10));
        handle().setPieceDeadline(4, Duration.ofSeconds(30));
        handle().setPieceDeadline(4, Duration.ofSeconds(15)); // replaces the first
        loop.runPending();

        serveInTurns(seed(1));

        assertThat(verified().subList(0, 3)).containsExactly(6, 4, 2);
        assertThat(verified()).hasSize(PIECES);
    }

    @Test
    void aDeadlineNotYetNearIsAskedOfOnePeerAndOfTheOtherOnceTheClockBringsItNear() throws Exception {
        handle().setPieceDeadline(3, Duration.ofSeconds(30));
        loop.runPending();
        ScriptedLink a = seed(1);
        ScriptedLink b = seed(2);
        assertThat(requests(a)).extracting(Message.Request::piece).contains(3);
        assertThat(requests(b)).extracting(Message.Request::piece).doesNotContain(3);

        tick(29); // within a second of the deadline now; a has not answered
        assertThat(requests(b)).extracting(Message.Request::piece).as("near: asked of b too").contains(3);
    }

    @Test
    void aDeadlineFetchesAPieceOfASkippedFileAndTheVerifiedPiecesShowIt() throws Exception {
        metainfo = FileChoiceLoopTest.threeFiles(payload);
        disk.close();
        disk = new DiskIo(1, 4 << 20);
        events.clear();
        torrent = newTorrent(SessionConfig.builder().localDiscovery(false).dht(false).listenPort(0).build(),
                TorrentOptions.defaults().withFilePriorities(List.of(FilePriority.SKIP, FilePriority.NORMAL, FilePriority.SKIP)));
        torrent.start();
        awaitState(TorrentState.DOWNLOADING);
        ScriptedLink seed = seed(1);
        serveInTurns(seed);
        assertThat(lastState()).isEqualTo(TorrentState.SEEDING);
        TorrentStatus before = torrent.snapshot();
        assertThat(before.verifiedPieces().toBitSet()).isEqualTo(bits(2, 3, 4));
        assertThat(torrent.snapshot().verifiedPieces()).as("nothing new: the same copy").isSameAs(before.verifiedPieces());

        handle().setPieceDeadline(6, Duration.ofSeconds(5)); // of c, skipped
        loop.runPending();
        assertThat(lastState()).as("wants a piece again").isEqualTo(TorrentState.DOWNLOADING);
        serveInTurns(seed);

        assertThat(verified()).as("b's pieces in any order, then 6 and nothing else of the skipped files").hasSize(4)
                .endsWith(6).containsExactlyInAnyOrder(2, 3, 4, 6);
        assertThat(lastState()).isEqualTo(TorrentState.SEEDING);
        TorrentStatus after = torrent.snapshot();
        assertThat(after.verifiedPieces().toBitSet()).isEqualTo(bits(2, 3, 4, 6));
        assertThat(after.verifiedPieces().count()).isEqualTo(after.piecesVerified());
        assertThat(before.verifiedPieces().contains(6)).as("an earlier snapshot does not change").isFalse();
        assertThat(storage.readPiece(6, java.nio.ByteBuffer.allocate(PIECE))).isTrue();
    }

    @Test
    void piecePrioritiesReplaceTheirFilesAndSkipWithholdsAPiece() throws Exception {
        torrent.choose(c -> c.setSequential(true));
        handle().setPiecePriority(6, FilePriority.HIGH);
        handle().setPiecePriority(1, FilePriority.SKIP);
        loop.runPending();
        ScriptedLink seed = seed(1);
        serveInTurns(seed);

        assertThat(verified()).containsExactly(6, 0, 2, 3, 4, 5, 7);
        assertThat(requests(seed)).extracting(Message.Request::piece).doesNotContain(1);
        assertThat(lastState()).isEqualTo(TorrentState.SEEDING);
        assertThat(torrent.snapshot().verifiedPieces().nextMissing(0)).isEqualTo(1);
    }

    @Test
    void beforeItIsNearADeadlinePieceWaitsForTheFastPeerRatherThanGoToASlowOne() throws Exception {
        ScriptedLink fast = seed(1);
        ScriptedLink slow = seed(2);
        deliver(slow, Message.CHOKE); // BEP 6: it rejects what it was asked, and sends nothing
        for (Message.Request r : List.copyOf(requests(slow))) {
            deliver(slow, new Message.Reject(r.piece(), r.begin(), r.length()));
        }
        for (int i = 0; i < 2; i++) { // the fast one brings two blocks; its pipeline is full again after
            Message.Request r = requests(fast).get(i);
            answeredSoFar.put(fast, i + 1);
            delivered.add(((long) r.piece() << 32) | r.begin());
            deliver(fast, block(r.piece(), r.begin(), r.length()));
        }
        tick(1); // rates: the fast seed's above zero, the slow one's zero
        Set<Integer> asked = new HashSet<>();
        requests(fast).forEach(r -> asked.add(r.piece()));
        requests(slow).forEach(r -> asked.add(r.piece()));
        int piece = 0;
        while (asked.contains(piece)) {
            piece++;
        }
        assertThat(piece).as("a piece nobody was asked for yet").isLessThan(PIECES);
        int slowBefore = requests(slow).size();

        handle().setPieceDeadline(piece, Duration.ofSeconds(30));
        loop.runPending();
        deliver(slow, Message.UNCHOKE);

        assertThat(requests(slow).size()).as("the slow seed was asked for other pieces").isGreaterThan(slowBefore);
        assertThat(requests(slow).subList(slowBefore, requests(slow).size())).extracting(Message.Request::piece)
                .doesNotContain(piece);
        int fastBefore = requests(fast).size();
        Message.Request next = requests(fast).get(2);
        answeredSoFar.put(fast, 3);
        deliver(fast, block(next.piece(), next.begin(), next.length()));
        assertThat(requests(fast).subList(fastBefore, requests(fast).size())).extracting(Message.Request::piece)
                .as("the fast seed's first room goes to it").first().isEqualTo(piece);
    }

    @Test
    void theHandleChecksPiecesAndDurations() {
        assertThatThrownBy(() -> handle().setPieceDeadline(PIECES, Duration.ZERO)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("no piece 8 in a torrent of 8 pieces");
        assertThatThrownBy(() -> handle().setPieceDeadline(0, Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> handle().setPiecePriority(-1, FilePriority.HIGH)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> handle().openStream(1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("no file 1 in a torrent of 1 file");
    }

    @Test
    void clearedDeadlinesNoLongerGoFirst() throws Exception {
        torrent.choose(c -> c.setSequential(true));
        handle().setPieceDeadline(7, Duration.ZERO);
        handle().clearPieceDeadlines();
        loop.runPending();
        serveInTurns(seed(1));
        assertThat(verified()).containsExactly(0, 1, 2, 3, 4, 5, 6, 7);
    }

    @Test
    void aStreamReadsTheFileAsItsPiecesVerifyAskingForThemFirst() throws Exception {
        ScriptedLink seed = seed(1);
        java.io.InputStream in = handle().openStream(0);
        java.util.concurrent.CompletableFuture<byte[]> read = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            try (in) {
                return in.readAllBytes();
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        for (int round = 0; round < 1000 && !read.isDone(); round++) {
            serveInTurns(seed);
            loop.runUntil(() -> read.isDone() || requests(seed).size() > answeredSoFar.getOrDefault(seed, 0),
                    Duration.ofMillis(50));
        }
        assertThat(read.get(10, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo(payload);
    }

    @Test
    void aStreamBlockedOnAMissingPieceFailsWhenClosedOrWhenTheTorrentFails() throws Exception {
        java.io.InputStream closed = handle().openStream(0);
        java.util.concurrent.CompletableFuture<Integer> first = readOneAsync(closed);
        loop.runUntil(() -> false, Duration.ofMillis(300)); // the read registers, finds nothing, waits
        assertThat(first).isNotDone();
        closed.close();
        assertThat(causeOf(first)).isInstanceOf(java.io.IOException.class).hasMessage("stream closed");

        java.io.InputStream failed = handle().openStream(0);
        java.util.concurrent.CompletableFuture<Integer> second = readOneAsync(failed);
        loop.runUntil(() -> false, Duration.ofMillis(300));
        torrent.post(() -> torrent.fail("the disk is gone"));
        loop.runPending();
        assertThat(causeOf(second)).isInstanceOf(java.io.IOException.class).hasMessageContaining("the disk is gone");
    }

    @Test
    void aStreamSkipsWithoutWaitingAndReadsFromThere() throws Exception {
        java.io.InputStream in = handle().openStream(0);
        assertThat(in.skip(5L * PIECE + 7)).isEqualTo(5L * PIECE + 7);
        java.util.concurrent.CompletableFuture<Integer> one = readOneAsync(in);
        loop.runUntil(() -> false, Duration.ofMillis(300)); // the read sets its deadlines, then waits
        ScriptedLink seed = seed(1);
        for (int round = 0; round < 200 && !one.isDone(); round++) {
            serveInTurns(seed);
            loop.runUntil(one::isDone, Duration.ofMillis(50));
        }
        assertThat(one.get(10, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo(payload[5 * PIECE + 7] & 0xff);
        assertThat(verified().getFirst()).as("the piece under the position first").isEqualTo(5);
        assertThat(in.skip(Long.MAX_VALUE)).isEqualTo(payload.length - 5L * PIECE - 8);
        assertThat(in.read()).isEqualTo(-1);
        in.close();
    }

    @Test
    void twoStreamsOfOneTorrentEachGetTheirPiecesFirstAndClosingOneLeavesTheOthers() throws Exception {
        // The first reader is at piece 5, so its window (5, 6, 7) comes ahead of the second's start:
        // without claims the second window, set last, would push piece 5 to 5 s from now.
        java.io.InputStream late = handle().openStream(0);
        late.skip(5L * PIECE);
        java.util.concurrent.CompletableFuture<Integer> lateRead = readOneAsync(late);
        assertThat(loop.runUntil(() -> torrent.deadlineOwners(5) == 1, WAIT)).as("the first reader's claims").isTrue();
        java.io.InputStream early = handle().openStream(0);
        java.util.concurrent.CompletableFuture<Integer> earlyRead = readOneAsync(early);
        assertThat(loop.runUntil(() -> torrent.deadlineOwners(5) == 2, WAIT)).as("both readers' claims").isTrue();
        ScriptedLink seed = seed(1);
        for (int round = 0; round < 200 && !(lateRead.isDone() && earlyRead.isDone()); round++) {
            serveInTurns(seed);
            loop.runUntil(() -> lateRead.isDone() && earlyRead.isDone(), Duration.ofMillis(50));
        }
        assertThat(lateRead.get(10, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo(payload[5 * PIECE] & 0xff);
        assertThat(earlyRead.get(10, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo(payload[0] & 0xff);
        assertThat(verified().subList(0, 2)).as("both pieces under a reader first: %s", verified())
                .containsExactlyInAnyOrder(0, 5);

        // Closing the second reader lets go of its claims only: the first still has piece 6 near.
        early.close();
        loop.runPending();
        assertThat(torrent.deadlineOwners(6)).isEqualTo(1);
        assertThat(torrent.deadlineOwners(1)).isZero();
        late.close();
        loop.runPending();
        assertThat(torrent.deadlineOwners(6)).isZero();
    }

    @Test
    void aDeadlineSetThroughTheHandleOutlivesAStreamThatLetsGoOfTheSamePiece() throws Exception {
        handle().setPieceDeadline(1, Duration.ofSeconds(30));
        loop.runPending();
        java.io.InputStream in = handle().openStream(0);
        java.util.concurrent.CompletableFuture<Integer> read = readOneAsync(in);
        assertThat(loop.runUntil(() -> torrent.deadlineOwners(1) == 2, WAIT)).isTrue();
        in.close();
        assertThat(loop.runUntil(() -> torrent.deadlineOwners(1) == 1, WAIT)).as("the handle's stays").isTrue();
        assertThat(causeOf(read)).isInstanceOf(java.io.IOException.class);
        handle().clearPieceDeadlines();
        loop.runPending();
        assertThat(torrent.deadlineOwners(1)).isZero();
    }

    @Test
    void aStreamClosedBeforeItsClaimIsHandledClaimsNothing() throws Exception {
        java.io.InputStream in = handle().openStream(0);
        in.close();
        // A claim the reader's thread had queued just before the close lands after the release.
        torrent.claimPieceDeadlines(in, java.util.Map.of(3, Duration.ZERO));
        loop.runPending();
        assertThat(torrent.deadlineOwners(3)).isZero();
    }

    private static java.util.concurrent.CompletableFuture<Integer> readOneAsync(java.io.InputStream in) {
        return java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            try {
                return in.read();
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
    }

    private static Throwable causeOf(java.util.concurrent.CompletableFuture<?> f) throws InterruptedException {
        try {
            f.get(10, java.util.concurrent.TimeUnit.SECONDS);
            throw new AssertionError("the read returned");
        } catch (java.util.concurrent.ExecutionException e) {
            return e.getCause() instanceof java.io.UncheckedIOException u ? u.getCause() : e.getCause();
        } catch (java.util.concurrent.TimeoutException e) {
            throw new AssertionError("the read still waits", e);
        }
    }

    private static java.util.BitSet bits(int... pieces) {
        java.util.BitSet b = new java.util.BitSet();
        for (int p : pieces) {
            b.set(p);
        }
        return b;
    }
}
