package dev.spate.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spate.bencode.BDictionary;
import dev.spate.bencode.Bencode;
import dev.spate.core.Clock;
import dev.spate.core.InfoHash;
import dev.spate.core.PeerId;
import dev.spate.metainfo.Metainfo;
import dev.spate.metainfo.MetainfoParser;
import dev.spate.peer.PeerConnection;
import dev.spate.peer.PeerLink;
import dev.spate.peer.ScriptedLink;
import dev.spate.peer.TokenBucket;
import dev.spate.storage.DiskIo;
import dev.spate.storage.MemoryStorage;
import dev.spate.storage.PieceBuffers;
import dev.spate.tracker.TrackerConfig;
import dev.spate.wire.ExtensionIds;
import dev.spate.wire.Message;
import dev.spate.wire.PexMessage;
import dev.spate.wire.TorrentGeometry;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The torrent loop driven by scripted peers, on {@link MemoryStorage}, a fake clock and a mailbox
 * the test drains itself: no sockets, no sleeps, and every step is the test's.
 */
class TorrentLoopTest extends TorrentLoopHarness {
    // ---- the tests ----

    @Test
    void aSeedsBlocksBecomeVerifiedPiecesOnStorage() throws Exception {
        ScriptedLink seed = attach(ScriptedLink.fast(1));
        deliver(seed, Message.HAVE_ALL);
        assertThat(seed.sent).contains(Message.INTERESTED);
        assertThat(requests(seed)).as("nothing asked while choked").isEmpty();
        deliver(seed, Message.UNCHOKE);
        downloadAllFrom(seed);
        assertThat(storage.fileBytes(0)).isEqualTo(payload);
        assertThat(lastState()).isEqualTo(TorrentState.SEEDING);
        assertThat(torrent.completion()).isCompleted();
        assertThat(seed.closed).as("both of us are seeds").isEqualTo("both of us are seeds");
        assertThat(events).filteredOn(e -> e instanceof Event.PieceVerified).hasSize(PIECES);
    }


    private int answeredCount(ScriptedLink link) {
        return (int) events.stream().filter(e -> e instanceof Event.PieceVerified).count() * (PIECE / BLOCK);
    }

    @Test
    void aChokeWithoutTheFastExtensionDropsOurRequestsAndTheNextUnchokeAsksAgain() throws Exception {
        ScriptedLink peer = attach(ScriptedLink.plain(1));
        Message.BitfieldMessage all = Message.BitfieldMessage.of(fullBitfield());
        deliver(peer, all);
        deliver(peer, Message.UNCHOKE);
        List<Message.Request> first = List.copyOf(requests(peer));
        assertThat(first).isNotEmpty();
        deliver(peer, Message.CHOKE);
        peer.sent.clear();
        deliver(peer, Message.UNCHOKE);
        assertThat(requests(peer)).as("the dropped blocks are asked again").containsAll(first);
    }

    @Test
    void aRequestThatTimesOutIsCancelledAndAskedAgain() throws Exception {
        ScriptedLink peer = attach(ScriptedLink.fast(1));
        deliver(peer, Message.HAVE_ALL);
        deliver(peer, Message.UNCHOKE);
        List<Message.Request> asked = List.copyOf(requests(peer));
        peer.sent.clear();
        tick(19);
        assertThat(peer.sent(Message.Cancel.class)).as("not yet").isEmpty();
        tick(2);
        List<Message.Cancel> cancels = peer.sent(Message.Cancel.class);
        assertThat(cancels).hasSize(asked.size());
        for (Message.Request r : asked) {
            assertThat(cancels).contains(new Message.Cancel(r.piece(), r.begin(), r.length()));
        }
        assertThat(requests(peer)).as("asked again, of the only peer there is").isNotEmpty();
    }

    @Test
    void inEndgameTheLastBlockIsAlsoAskedOfAnotherPeerAndCancelledWhereItArrivesTwice() throws Exception {
        ScriptedLink slow = attach(ScriptedLink.fast(1));
        deliver(slow, Message.HAVE_ALL);
        deliver(slow, Message.UNCHOKE);
        Message.Request held = requests(slow).get(0);
        // Answer everything but the first request, until nothing is free.
        int answered = 1;
        while (true) {
            while (answered < requests(slow).size()) {
                Message.Request r = requests(slow).get(answered++);
                deliver(slow, block(r.piece(), r.begin(), r.length()));
            }
            loop.runUntil(() -> false, Duration.ofMillis(50)); // verdicts
            if (answered == requests(slow).size()) {
                break;
            }
        }
        assertThat(answered).as("every block but the held one was asked").isEqualTo(PIECES * PIECE / BLOCK);
        ScriptedLink fast = attach(ScriptedLink.fast(2));
        deliver(fast, Message.HAVE_ALL);
        deliver(fast, Message.UNCHOKE);
        assertThat(requests(fast)).as("the held block, asked twice").containsExactly(held);
        deliver(fast, block(held.piece(), held.begin(), held.length()));
        assertThat(slow.sent(Message.Cancel.class))
                .containsExactly(new Message.Cancel(held.piece(), held.begin(), held.length()));
        assertThat(loop.runUntil(this::complete, WAIT)).isTrue();
        assertThat(storage.fileBytes(0)).isEqualTo(payload);
    }

    @Test
    void aPeerThatAloneSentAPieceThatFailsItsHashIsBanned() throws Exception {
        ScriptedLink liar = attach(ScriptedLink.fast(1));
        deliver(liar, Message.HAVE_ALL);
        deliver(liar, Message.UNCHOKE);
        for (Message.Request r : List.copyOf(requests(liar))) {
            deliver(liar, Message.Piece.of(r.piece(), r.begin(), new byte[r.length()]));
        }
        assertThat(loop.runUntil(() -> liar.closed != null, WAIT)).isTrue();
        assertThat(events).anyMatch(e -> e instanceof Event.HashFailed);
        assertThat(events).anyMatch(e -> e instanceof Event.PeerBanned b && b.address().equals(liar.remote()));
        assertThat(liar.closed).startsWith("banned: ");
        close(liar, liar.closed);
        torrent.connect(liar.remote());
        loop.runPending();
        assertThat(dialled).as("a banned peer is never dialled").doesNotContain(liar.remote());
    }

    @Test
    void aRefusedPeerIsTriedAgainWithBackOffUntilItListens() throws Exception {
        InetSocketAddress late = new InetSocketAddress("127.0.0.1", 7000);
        torrent.connect(late);
        loop.runUntil(() -> events.stream().anyMatch(e -> e instanceof Event.PeerDisconnected), WAIT);
        assertThat(dialled).containsExactly(late);
        tick(4);
        assertThat(dialled).as("not before the back-off").hasSize(1);
        tick(2);
        loop.runUntil(() -> dialled.size() == 2, WAIT);
        assertThat(dialled).hasSize(2);
        loop.runUntil(() -> events.stream().filter(e -> e instanceof Event.PeerDisconnected).count() == 2, WAIT);
        ScriptedLink listening = ScriptedLink.fast(7000);
        reachable.put(late, listening);
        tick(11); // the second back-off is 10 s
        assertThat(loop.runUntil(() -> listening.started, WAIT)).as("reached at last").isTrue();
        assertThat(slotsInUse).hasValue(1);
    }

    @Test
    void aSeedDialsTheLeechersItHearsOf() throws Exception {
        ScriptedLink seed = attach(ScriptedLink.fast(1));
        deliver(seed, Message.HAVE_ALL);
        deliver(seed, Message.UNCHOKE);
        downloadAllFrom(seed);
        InetSocketAddress leecher = new InetSocketAddress("127.0.0.1", 7001);
        ScriptedLink leech = ScriptedLink.fast(7001);
        reachable.put(leecher, leech);
        torrent.connect(leecher);
        assertThat(loop.runUntil(() -> leech.started, WAIT)).isTrue();
        assertThat(leech.sent.get(0)).as("we announce we have everything").isEqualTo(Message.HAVE_ALL);
    }

    @Test
    void aSeedLeftWithoutPeersGoesDormantOnceItsRatesFallAndWhatIsPostedWakesIt()
            throws Exception {
        ScriptedLink seed = attach(ScriptedLink.fast(1));
        deliver(seed, Message.HAVE_ALL);
        deliver(seed, Message.UNCHOKE);
        downloadAllFrom(seed);
        tick(1);
        assertThat(torrent.dormant()).as("a peer is still connected").isFalse();
        close(seed, "gone");
        int ticks = 0;
        while (!torrent.dormant() && ticks < 60) {
            tick(1);
            ticks++;
        }
        assertThat(torrent.dormant()).as("dormant within a minute of the last byte: %s", torrent.snapshot()).isTrue();
        assertThat(torrent.latestStatus().downloadRate()).isZero();
        assertThat(torrent.latestStatus().state()).isEqualTo(TorrentState.SEEDING);

        torrent.connect(new InetSocketAddress("127.0.0.1", 7003));
        assertThat(torrent.dormant()).as("woken by what was posted, before its loop runs").isFalse();
    }

    static Map<String, Integer> ourExtensions(ScriptedLink link) throws Exception {
        Message.Extended hs = link.sent(Message.Extended.class).getFirst();
        return dev.spate.wire.ExtendedHandshake.parse(hs).extensions();
    }

    @Test
    void aPeerNamedByPexIsDialledButNeverOurselvesAndTheOneWhoToldUsHearsOfItInTurn() throws Exception {
        ScriptedLink hub = attach(ScriptedLink.fast(1));
        assertThat(ourExtensions(hub)).containsEntry(ExtensionIds.UT_PEX, ExtensionIds.OUR_UT_PEX);
        deliver(hub, dev.spate.wire.ExtendedHandshake.of(Map.of(ExtensionIds.UT_PEX, 9)).toMessage());
        InetSocketAddress other = new InetSocketAddress("127.0.0.1", 7001);
        ScriptedLink otherLink = ScriptedLink.fast(7001);
        reachable.put(other, otherLink);
        InetSocketAddress ourselves = new InetSocketAddress("127.0.0.1", 6881);
        deliver(hub, new Message.Extended(ExtensionIds.OUR_UT_PEX, new PexMessage(
                List.of(PexMessage.Peer.of(ourselves), PexMessage.Peer.of(other)), List.of()).encode()));
        assertThat(loop.runUntil(() -> otherLink.started, WAIT)).as("dialled what PEX named").isTrue();
        assertThat(dialled).containsExactly(other);
        hub.sent.clear();
        tick(Pex.FIRST_DELAY_NANOS / SECOND);
        List<PexMessage> told = new ArrayList<>();
        for (Message.Extended e : hub.sent(Message.Extended.class)) {
            assertThat(e.extendedId()).isEqualTo(9);
            told.add(PexMessage.decode(e.payload()));
        }
        assertThat(told).singleElement().extracting(PexMessage::added).asList()
                .containsExactly(new PexMessage.Peer(other, PexMessage.REACHABLE));
        assertThat(hub.closed).isNull();
    }

    @Test
    void ourHandshakeSaysWePreferEncryptionAndAPeerWhoseHandshakeSaysSoIsDialledWithMseAtItsListenPort()
            throws Exception {
        ScriptedLink peer = attach(ScriptedLink.fast(50123));
        Message.Extended ours = peer.sent(Message.Extended.class).getFirst();
        assertThat(dev.spate.wire.ExtendedHandshake.parse(ours).prefersEncryption())
                .as("e = 1 under the default policy, prefer").isTrue();
        deliver(peer, new dev.spate.wire.ExtendedHandshake(Map.of(), java.util.OptionalInt.of(7002),
                java.util.Optional.empty(), java.util.OptionalInt.empty(), java.util.Optional.empty(),
                java.util.OptionalLong.empty(), true).toMessage());
        assertThat(loop.runUntil(() -> !connector.prefersEncryption.isEmpty(), WAIT)).isTrue();
        assertThat(connector.prefersEncryption).containsExactly(new InetSocketAddress("127.0.0.1", 7002));
    }

    @Test
    void aPrivateTorrentAnnouncesNoPexAndTellsNoOneOfItsPeers() throws Exception {
        metainfo = metainfo(payload, List.of(), true);
        events.clear(); // the state to wait for is the new torrent's
        torrent = newTorrent(SessionConfig.builder().localDiscovery(false).dht(false).listenPort(0).build());
        torrent.start();
        awaitState(TorrentState.DOWNLOADING);
        ScriptedLink a = attach(ScriptedLink.fast(11));
        ScriptedLink b = attach(ScriptedLink.fast(12));
        assertThat(ourExtensions(a)).doesNotContainKey(ExtensionIds.UT_PEX);
        deliver(a, dev.spate.wire.ExtendedHandshake.of(Map.of(ExtensionIds.UT_PEX, 9)).toMessage());
        a.sent.clear();
        tick(70);
        assertThat(a.sent(Message.Extended.class)).isEmpty();
        assertThat(b.closed).isNull();
    }

    /** A peer id just above or below ours: the same but for the last byte (ours is alphanumeric). */
    PeerId beside(boolean above) {
        byte[] id = ourId.bytes();
        id[19] = (byte) (above ? 0xff : 0x00);
        return PeerId.of(id);
    }

    @Test
    void twoConnectionsToOnePeerOneEachWayKeepTheOneTheLowerPeerIdOpenedOnBothSides() throws Exception {
        for (boolean theyAreLower : List.of(true, false)) {
            PeerId theirs = beside(!theyAreLower);
            ScriptedLink ours = attach(new ScriptedLink(new InetSocketAddress("127.0.0.1", 21), theirs, true, true));
            ScriptedLink theirsIn = new ScriptedLink(new InetSocketAddress("127.0.0.1", 40000), theirs, true, false);
            assertThat(torrent.attach(theirsIn)).isTrue();
            loop.runPending();
            ScriptedLink kept = theyAreLower ? theirsIn : ours;
            ScriptedLink gone = theyAreLower ? ours : theirsIn;
            assertThat(kept.closed).as("they are lower: %s", theyAreLower).isNull();
            assertThat(gone.closed).startsWith("duplicate connection");
            close(gone, gone.closed);
            assertThat(torrent.peerSnapshots()).singleElement().extracting(PeerStats::address).isEqualTo(kept.remote());
            assertThat(slotsInUse).as("one slot, the kept one's").hasValue(1);
            close(kept, "test over");
        }
    }

    @Test
    void ourselvesAndADuplicatePeerAreRefused() throws Exception {
        ScriptedLink first = attach(ScriptedLink.fast(1));
        ScriptedLink twin = new ScriptedLink(new InetSocketAddress("127.0.0.1", 2), first.peerId(), true, true);
        assertThat(torrent.attach(twin)).isTrue();
        loop.runPending();
        assertThat(twin.closed).startsWith("duplicate connection");
        assertThat(slotsInUse).as("the refused one gave its slot back").hasValue(1);
    }

    @Test
    void pausingDisconnectsAndResumingDialsAgain() throws Exception {
        InetSocketAddress address = new InetSocketAddress("127.0.0.1", 7002);
        ScriptedLink peer = ScriptedLink.fast(7002);
        reachable.put(address, peer);
        torrent.connect(address);
        loop.runUntil(() -> peer.started, WAIT);
        torrent.pause();
        loop.runPending();
        assertThat(lastState()).isEqualTo(TorrentState.PAUSED);
        assertThat(peer.closed).isEqualTo("paused");
        torrent.inbox().onClosed(peer, "paused");
        loop.runPending();
        assertThat(slotsInUse).hasValue(0);
        ScriptedLink again = ScriptedLink.fast(7002);
        reachable.put(address, again);
        torrent.resume();
        loop.runPending();
        assertThat(lastState()).isEqualTo(TorrentState.DOWNLOADING);
        tick(6); // the address waits its first back-off after a disconnect
        assertThat(loop.runUntil(() -> again.started, WAIT)).isTrue();
    }

    @Test
    void pausedWhileCheckingItStaysPausedOnceTheCheckIsDoneAndResumesFromThere() throws Exception {
        events.clear();
        checkGate = new java.util.concurrent.CountDownLatch(1);
        Torrent second = newTorrent(SessionConfig.builder().localDiscovery(false).dht(false).listenPort(0).build());
        second.start();
        second.pause(); // before the check's verdict: the check is held
        loop.runPending();
        assertThat(lastState()).isEqualTo(TorrentState.PAUSED);
        checkGate.countDown();
        loop.runUntil(() -> false, Duration.ofMillis(200)); // the check ends meanwhile
        assertThat(lastState()).isEqualTo(TorrentState.PAUSED);
        second.resume();
        loop.runPending();
        assertThat(lastState()).isEqualTo(TorrentState.DOWNLOADING);
    }

    @Test
    void aFailedTorrentCanOnlyBeRemoved() throws Exception {
        ScriptedLink peer = attach(ScriptedLink.fast(1));
        torrent.post(() -> torrent.fail("disk on fire"));
        loop.runPending();
        assertThat(lastState()).isEqualTo(TorrentState.ERROR);
        assertThat(peer.closed).isEqualTo("torrent error");
        torrent.resume();
        torrent.pause();
        loop.runPending();
        assertThat(lastState()).isEqualTo(TorrentState.ERROR);
        assertThat(torrent.completion()).isCompletedExceptionally();
        ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
                () -> torrent.completion().get());
        assertThat(e.getCause()).isInstanceOf(TorrentFailedException.class).hasMessage("disk on fire");
        removeAndDrain();
        assertThat(lastState()).isEqualTo(TorrentState.REMOVED);
    }

    @Test
    void removingGivesBackEverySlotAndEndsCompletionAsRemoved() throws Exception {
        attach(ScriptedLink.fast(1));
        attach(ScriptedLink.fast(2));
        assertThat(slotsInUse).hasValue(2);
        removeAndDrain();
        assertThat(removed).isTrue();
        assertThat(slotsInUse).as("no slot leaks when the torrent goes").hasValue(0);
        ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
                () -> torrent.completion().get());
        assertThat(e.getCause()).isInstanceOf(TorrentRemovedException.class);
    }

    @Test
    void removingWhileAVerdictIsOnItsWayLosesNothingAndLeaksNothing() throws Exception {
        ScriptedLink seed = attach(ScriptedLink.fast(1));
        deliver(seed, Message.HAVE_ALL);
        deliver(seed, Message.UNCHOKE);
        serveAll(seed); // completes a piece or two: their verdicts are on the disk pool now
        removeAndDrain();
        loop.runUntil(() -> false, Duration.ofMillis(200)); // late verdicts find the loop gone
        assertThat(slotsInUse).hasValue(0);
        assertThat(fatal).isEmpty();
        List<TorrentState> states = new ArrayList<>();
        events.stream().filter(e -> e instanceof Event.StateChanged).forEach(e -> states.add(((Event.StateChanged) e).to()));
        assertThat(states).endsWith(TorrentState.REMOVED);
    }

    @Test
    void aFloodingPeerStopsBeingReadOnceItsShareOfTheMailboxIsFull() throws Exception {
        ScriptedLink flooder = attach(ScriptedLink.fast(1));
        Thread reader = Thread.ofVirtual().start(() -> {
            try {
                for (int i = 0; i < Connections.CREDITS + 100; i++) {
                    torrent.inbox().onMessage(flooder, i % 2 == 0 ? Message.INTERESTED : Message.NOT_INTERESTED);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (loop.pending() < Connections.CREDITS && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        reader.join(300);
        assertThat(reader.isAlive()).as("the reader waits for credit").isTrue();
        assertThat(loop.pending()).isEqualTo(Connections.CREDITS);
        assertThat(loop.runUntil(() -> !reader.isAlive() && loop.pending() == 0, WAIT)).isTrue();
    }

    @Test
    void aPeerFlippingItsInterestIsDroppedForFloodingAndTheHonestPeerIsStillUnchoked() throws Exception {
        ScriptedLink flooder = attach(ScriptedLink.fast(1));
        ScriptedLink honest = attach(ScriptedLink.fast(2));
        for (int i = 0; i < 10_000; i++) {
            torrent.inbox().onMessage(flooder, i % 2 == 0 ? Message.INTERESTED : Message.NOT_INTERESTED);
            if (i % 100 == 99) {
                loop.runPending();
            }
        }
        loop.runPending();
        assertThat(flooder.sent(Message.Unchoke.class).size()).as("unchoked at most once per batch, not per flip")
                .isLessThanOrEqualTo(100);
        assertThat(flooder.closed).startsWith("message flood");
        deliver(honest, Message.INTERESTED);
        assertThat(honest.sent).as("the honest peer is unchoked").contains(Message.UNCHOKE);
    }

    @Test
    void aPeerThatTurnsInterestedWhileAnotherTaskWaitsOnTheLoopIsUnchokedWhenTheTaskIsThroughWithoutATick()
            throws Exception {
        ScriptedLink peer = attach(ScriptedLink.fast(1));
        torrent.inbox().onMessage(peer, Message.INTERESTED);
        loop.post(() -> { }); // queued behind the message: a disk's verdict, say, or a tracker's answer
        loop.runPending();
        assertThat(peer.sent).as("unchoked once the batch is through, not at the next tick").contains(Message.UNCHOKE);
        assertThat(loop.pending()).isZero();
    }

    @Test
    void aTrackerThatNeverAnswersHoldsUpNothing() throws Exception {
        try (java.net.ServerSocket silent = new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
            List<java.net.Socket> held = new CopyOnWriteArrayList<>();
            Thread acceptor = Thread.ofVirtual().start(() -> {
                try {
                    while (true) {
                        held.add(silent.accept()); // and never a byte back
                    }
                } catch (java.io.IOException closed) {
                    // the test is over
                }
            });
            metainfo = metainfo(payload, List.of("http://127.0.0.1:" + silent.getLocalPort() + "/announce"));
            events.clear();
            torrent = newTorrent(SessionConfig.builder().localDiscovery(false).dht(false).listenPort(0).trackerTimeout(Duration.ofSeconds(30)).build());
            torrent.start();
            awaitState(TorrentState.DOWNLOADING);
            assertThat(loop.runUntil(() -> !held.isEmpty(), WAIT)).as("the announce is under way").isTrue();
            ScriptedLink seed = attach(ScriptedLink.fast(1));
            deliver(seed, Message.HAVE_ALL);
            deliver(seed, Message.UNCHOKE);
            long slowest = 0;
            while (!complete()) {
                long t0 = System.nanoTime();
                tick(1);
                serveAll(seed);
                slowest = Math.max(slowest, System.nanoTime() - t0);
                loop.runUntil(() -> complete() || requests(seed).size() > answeredCount(seed), WAIT);
            }
            assertThat(storage.fileBytes(0)).isEqualTo(payload);
            assertThat(TimeUnit.NANOSECONDS.toMillis(slowest)).as("a tick and a round of blocks, ms").isLessThan(500);
            assertThat(torrent.snapshot().trackers()).hasSize(1);
            for (java.net.Socket s : held) {
                s.close();
            }
            acceptor.interrupt();
        }
    }

    @Test
    void aLoopThatDoesNotAnswerGetsTheLastSnapshotMarkedStaleAndAnInterruptIsKept() throws Exception {
        // Nobody drains the manual loop here: to the handle it is a loop that is stuck.
        TorrentHandle handle = new Handle(torrent);
        long t0 = System.nanoTime();
        TorrentStatus s = handle.status();
        long waited = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertThat(s.stale()).isTrue();
        assertThat(s.infoHash()).isEqualTo(InfoHash.of(metainfo.infoHash()));
        assertThat(waited).isBetween(Handle.ASK_TIMEOUT.toMillis() - 100, Handle.ASK_TIMEOUT.toMillis() + 2000);
        Thread.currentThread().interrupt();
        t0 = System.nanoTime();
        assertThat(handle.status().stale()).isTrue();
        assertThat(Thread.interrupted()).as("the interrupt is still set").isTrue();
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).isLessThan(500);
        loop.runPending();
        assertThat(loop.runUntil(() -> !torrent.snapshot().stale(), WAIT)).isTrue();
    }

    @Test
    void aSeedPausesAndResumesToSeeding() throws Exception {
        ScriptedLink seed = attach(ScriptedLink.fast(1));
        deliver(seed, Message.HAVE_ALL);
        deliver(seed, Message.UNCHOKE);
        downloadAllFrom(seed);
        torrent.pause();
        loop.runPending();
        assertThat(lastState()).isEqualTo(TorrentState.PAUSED);
        torrent.resume();
        loop.runPending();
        assertThat(lastState()).isEqualTo(TorrentState.SEEDING);
        assertThat(torrent.completion()).isCompleted();
        assertThat(events).as("completed once, not again on resume")
                .filteredOn(e -> e instanceof Event.TorrentComplete).hasSize(1);
    }

    @Test
    void aPausedTorrentIsRemovedLeavingNoSlotBehind() throws Exception {
        attach(ScriptedLink.fast(1));
        torrent.pause();
        loop.runPending();
        removeAndDrain();
        assertThat(lastState()).isEqualTo(TorrentState.REMOVED);
        assertThat(slotsInUse).hasValue(0);
    }

    @Test
    void aTorrentRemovedWhileCheckingNeverStartsAfterwards() throws Exception {
        events.clear();
        forgetResumeData(); // so that the check hashes, and waits at the gate
        checkGate = new java.util.concurrent.CountDownLatch(1);
        Torrent second = newTorrent(SessionConfig.builder().localDiscovery(false).dht(false).listenPort(0).build());
        torrent = second;
        second.start();
        removeAndDrain();
        checkGate.countDown();
        loop.runUntil(() -> false, Duration.ofMillis(300)); // the check's verdict finds the loop gone
        assertThat(lastState()).isEqualTo(TorrentState.REMOVED);
        assertThat(events).noneMatch(e -> e instanceof Event.StateChanged c && c.to() == TorrentState.DOWNLOADING);
    }

    @Test
    void aRejectOfSomethingThatIsNoBlockCostsNothing() throws Exception {
        ScriptedLink odd = attach(ScriptedLink.fast(1));
        deliver(odd, Message.HAVE_ALL);
        deliver(odd, Message.UNCHOKE);
        deliver(odd, new Message.Reject(0, 1, 1));
        assertThat(lastState()).isEqualTo(TorrentState.DOWNLOADING);
        assertThat(odd.closed).isNull();
    }

    @Test
    void aBlockNobodyAskedOfAFastPeerGetsItDroppedAndTakesNothingFromTheOneAsked() throws Exception {
        ScriptedLink honest = attach(ScriptedLink.fast(1));
        deliver(honest, Message.HAVE_ALL);
        deliver(honest, Message.UNCHOKE);
        Message.Request asked = requests(honest).get(0);
        ScriptedLink stranger = attach(ScriptedLink.fast(2));
        deliver(stranger, Message.HAVE_ALL);
        deliver(stranger, Message.Piece.of(asked.piece(), asked.begin(), new byte[asked.length()]));
        assertThat(stranger.closed).contains("never requested");
        assertThat(honest.sent(Message.Cancel.class)).as("the honest peer's request stands").isEmpty();
        deliver(honest, block(asked.piece(), asked.begin(), asked.length()));
        assertThat(events).noneMatch(e -> e instanceof Event.HashFailed);
    }

    @Test
    void aBlockThatCrossesOurCancelIsWelcomeAndNoOffence() throws Exception {
        ScriptedLink slow = attach(ScriptedLink.fast(1));
        deliver(slow, Message.HAVE_ALL);
        deliver(slow, Message.UNCHOKE);
        Message.Request r = requests(slow).get(0);
        tick(21); // expired: cancelled
        assertThat(slow.sent(Message.Cancel.class)).contains(new Message.Cancel(r.piece(), r.begin(), r.length()));
        deliver(slow, block(r.piece(), r.begin(), r.length()));
        assertThat(slow.closed).isNull();
    }

    @Test
    void aVerdictAfterAPauseCompletesTheTorrentButLeavesItPaused() throws Exception {
        ScriptedLink seed = attach(ScriptedLink.fast(1));
        deliver(seed, Message.HAVE_ALL);
        deliver(seed, Message.UNCHOKE);
        // Everything but the verdicts: serve each request as it comes without draining the disk's answers.
        int answered = 0;
        while (answered < PIECES * PIECE / BLOCK) {
            List<Message.Request> rs = requests(seed);
            if (answered < rs.size()) {
                Message.Request r = rs.get(answered++);
                torrent.inbox().onMessage(seed, block(r.piece(), r.begin(), r.length()));
                loop.runPending();
            } else {
                loop.runUntil(() -> requests(seed).size() > answeredCount(seed) || complete(), WAIT);
                if (complete()) {
                    break;
                }
            }
        }
        torrent.pause();
        assertThat(loop.runUntil(this::complete, WAIT)).isTrue();
        tick(2);
        assertThat(lastState()).isEqualTo(TorrentState.PAUSED);
        assertThat(torrent.completion()).isCompleted();
    }

    @Test
    void removingFromTwoThreadsAtOnceStopsTheTorrentOnce() throws Exception {
        attach(ScriptedLink.fast(1));
        Thread other = Thread.ofVirtual().start(torrent::remove);
        removeAndDrain();
        other.join(WAIT.toMillis());
        assertThat(other.isAlive()).isFalse();
        assertThat(events).filteredOn(e -> e instanceof Event.StateChanged c && c.to() == TorrentState.REMOVED)
                .hasSize(1);
        assertThat(slotsInUse).hasValue(0);
    }

    // ---- local service discovery (BEP 14) ----

    String join() {
        return "join " + torrent.hash().hex();
    }

    String leave() {
        return "leave " + torrent.hash().hex();
    }

    @Test
    void anActiveTorrentJoinsLocalDiscoveryAndLeavesItWhenPausedAndWhenRemoved() throws Exception {
        assertThat(discovery).as("joined once it was downloading").containsExactly(join());
        torrent.pause();
        loop.runPending();
        assertThat(discovery).containsExactly(join(), leave());
        torrent.resume();
        loop.runPending();
        assertThat(discovery).containsExactly(join(), leave(), join());
        removeAndDrain();
        assertThat(discovery).containsExactly(join(), leave(), join(), leave());
    }

    @Test
    void aTorrentJoinsOnlyOnceItsCheckIsDoneAndNotAtAllWhenRemovedWhileChecking() throws Exception {
        discovery.clear();
        forgetResumeData(); // so that the check hashes, and waits at the gate
        checkGate = new java.util.concurrent.CountDownLatch(1);
        torrent = newTorrent(SessionConfig.builder().localDiscovery(false).dht(false).listenPort(0).build());
        torrent.start();
        loop.runPending();
        assertThat(discovery).as("still checking").isEmpty();
        removeAndDrain();
        checkGate.countDown();
        loop.runUntil(() -> false, Duration.ofMillis(300));
        assertThat(discovery).as("never announced").doesNotContain(join());
    }

    @Test
    void aFailedTorrentLeavesLocalDiscovery() throws Exception {
        torrent.post(() -> torrent.fail("disk on fire"));
        loop.runPending();
        assertThat(discovery).containsExactly(join(), leave());
        InetSocketAddress heard = new InetSocketAddress("198.18.0.9", 7010);
        torrent.discovered(heard);
        loop.runPending();
        assertThat(dialled).as("a failed torrent dials nobody it hears of").isEmpty();
    }

    @Test
    void aPrivateTorrentNeverJoinsLocalDiscoveryNorDialsAPeerHeardThere() throws Exception {
        discovery.clear();
        events.clear();
        metainfo = metainfo(payload, List.of(), true);
        torrent = newTorrent(SessionConfig.builder().localDiscovery(false).dht(false).listenPort(0).build());
        torrent.start();
        awaitState(TorrentState.DOWNLOADING);
        InetSocketAddress heard = new InetSocketAddress("198.18.0.9", 7010);
        reachable.put(heard, new ScriptedLink(heard, PeerId.random(), true, true));
        torrent.discovered(heard);
        loop.runPending();
        torrent.pause();
        torrent.resume();
        loop.runPending();
        tick(10);
        assertThat(discovery).as("BEP 27: never announced").noneMatch(s -> s.startsWith("join"));
        assertThat(dialled).as("BEP 27: peers only from its trackers").isEmpty();
    }

    @Test
    void peersHeardByLocalDiscoveryAreDialledWithinTheTorrentsConnectionLimit() throws Exception {
        events.clear();
        torrent = newTorrent(SessionConfig.builder().localDiscovery(false).dht(false).listenPort(0).maxPeersPerTorrent(2).build());
        torrent.start();
        awaitState(TorrentState.DOWNLOADING);
        List<ScriptedLink> links = new ArrayList<>();
        for (int port = 7011; port <= 7013; port++) {
            InetSocketAddress heard = new InetSocketAddress("198.18.0.9", port);
            ScriptedLink link = new ScriptedLink(heard, PeerId.random(), true, true);
            links.add(link);
            reachable.put(heard, link);
            torrent.discovered(heard);
        }
        assertThat(loop.runUntil(() -> links.stream().filter(l -> l.started).count() == 2, WAIT)).isTrue();
        loop.runUntil(() -> false, Duration.ofMillis(200));
        tick(3);
        assertThat(dialled).as("two slots, two dials").hasSize(2);
        assertThat(links.get(2).started).as("the third waits for a free slot").isFalse();
        close(links.get(0), "gone");
        tick(1);
        assertThat(loop.runUntil(() -> links.get(2).started, WAIT)).as("and is dialled when one is free").isTrue();
    }

    @Test
    void aPausedTorrentDialsNoPeerHeardByLocalDiscovery() throws Exception {
        torrent.pause();
        loop.runPending();
        InetSocketAddress heard = new InetSocketAddress("198.18.0.9", 7014);
        reachable.put(heard, new ScriptedLink(heard, PeerId.random(), true, true));
        torrent.discovered(heard);
        loop.runPending();
        loop.runUntil(() -> false, Duration.ofMillis(100));
        assertThat(dialled).isEmpty();
    }

    private void removeAndDrain() throws InterruptedException {
        Thread remover = Thread.ofVirtual().start(torrent::remove);
        assertThat(loop.runUntil(() -> loop.ended().isDone(), WAIT)).isTrue();
        remover.join(WAIT.toMillis());
        assertThat(remover.isAlive()).isFalse();
    }

    private static dev.spate.core.Bitfield fullBitfield() {
        dev.spate.core.Bitfield b = new dev.spate.core.Bitfield(PIECES);
        b.setAll();
        return b;
    }

}
