package dev.spate.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spate.engine.Event;
import dev.spate.engine.Session;
import dev.spate.engine.SessionConfig;
import dev.spate.engine.TorrentHandle;
import dev.spate.engine.TorrentStatus;
import dev.spate.metainfo.Metainfo;
import dev.spate.metainfo.TorrentCreator;
import dev.spate.metainfo.TorrentInfo;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The hostile suite against a Spate leech: while it downloads from an honest Spate seed, it is also
 * given a hostile "seed" ({@link RogueSeed}) that answers its handshake and then misbehaves, one
 * way per test: a flood of one cheap message, a huge length prefix, spare bitfield bits, a
 * handshake for another torrent, requests never answered, blocks nobody asked for. Each test
 * asserts that the leech drops the rogue with a reason (the one that never answers: that its
 * requests time out and go to the honest seed; the one sending unasked blocks: that they are
 * counted as wasted and never used), that the download completes byte-exact, and that the live
 * heap after a full GC, at the end of the attack with the leech still running, is at most
 * {@link #MAX_HEAP_GROWTH} above what it was before the leech started.
 *
 * <p>Everything runs in this JVM on 127.0.0.1; the honest seed is shared by the tests. Each test
 * prints what it measured (time to drop, heap, download time).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HostileSeedsIT {
    static final int PIECE = 32 * 1024;
    /** 129 pieces of 32 KiB, the last one short: a bitfield of 17 bytes with 7 spare bits. */
    static final long SIZE = 4L * 1024 * 1024 + 12_345;
    /** The honest seed's upload limit: the download takes about 3 s, overlapping each attack. */
    static final long UPLOAD_LIMIT = 1536 * 1024;
    /** How long a flood lasts unless the leech hangs up first. */
    static final Duration FLOOD = Duration.ofSeconds(3);
    /** Every drop is decided on the offending message itself; the rest is margin for a busy machine. */
    static final Duration DROP = Duration.ofSeconds(5);
    static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(3);
    static final Duration DOWNLOAD = Duration.ofSeconds(20);
    /** Live heap the leech may add: its own state is a few MiB; a queue of the rogue's messages is not. */
    static final long MAX_HEAP_GROWTH = 64L << 20;

    @TempDir
    static Path shared;
    static Path source;
    static Metainfo meta;
    static Session honest;
    static TorrentHandle seeding;

    @TempDir
    Path tmp;
    final List<Timed> events = new CopyOnWriteArrayList<>();
    RogueSeed rogue;
    Session leech;
    TorrentHandle torrent;
    long startedAt;
    long heapBefore;

    /** An event and when this JVM heard of it. */
    record Timed(long atNanos, Event event) {
    }

    @BeforeAll
    static void startHonestSeed() throws Exception {
        source = Payload.file(shared.resolve("seed/data.bin"), SIZE, 73);
        meta = TorrentCreator.builder(source).pieceLength(PIECE).build().createMetainfo();
        assertThat(meta.info().pieceCount() % 8).as("the torrent leaves spare bits").isNotZero();
        honest = Session.open(SessionConfig.builder().localDiscovery(false).dht(false).bindAddress(InetAddress.getLoopbackAddress()).listenPort(0)
                .uploadRateLimit(UPLOAD_LIMIT).stateDirectory(shared.resolve("honest-state")).build());
        seeding = honest.add(meta, source.getParent());
        assertThat(seeding.awaitCompletion(Duration.ofSeconds(20))).as("honest seed checks its data").isTrue();
    }

    @AfterAll
    static void stopHonestSeed() {
        if (honest != null) {
            honest.close();
        }
    }

    @AfterEach
    void stop() throws IOException {
        if (leech != null) {
            leech.close();
        }
        if (rogue != null) {
            rogue.close();
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(HostileFloodsIT.Flood.class)
    void aFloodOfOneCheapMessageGetsTheRogueDroppedWhileTheDownloadCompletes(HostileFloodsIT.Flood flood)
            throws Exception {
        // No bitfield first: the have flood announces every piece in turn, the others announce nothing.
        ByteBuffer frames = flood.buffer(meta.info().pieceCount());
        start(meta.infoHash(), c -> {
            c.misbehave();
            long end = System.nanoTime() + FLOOD.toNanos();
            while (System.nanoTime() < end && !c.hungUp()) {
                c.send(frames.duplicate());
            }
        }, leechConfig(), true);
        Timed drop = awaitDrop();
        long heapAfter = heapAfterGc();
        assertThat(reason(drop)).contains(flood == HostileFloodsIT.Flood.HAVE ? "have flood" : "message flood");
        finish("flood of " + flood, drop, heapAfter);
    }

    @Test
    void aHugeLengthPrefixAfterTheBitfieldGetsTheRogueDroppedForAProtocolViolation() throws Exception {
        start(meta.infoHash(), c -> {
            c.fullBitfield(false);
            c.misbehave();
            c.send(ByteBuffer.allocate(5).putInt(0x7FFF_FFFF).put((byte) 7).flip()); // a "piece" of 2 GiB
        }, leechConfig(), true);
        Timed drop = awaitDrop();
        long heapAfter = heapAfterGc();
        assertThat(reason(drop)).startsWith("protocol violation");
        finish("length prefix 0x7fffffff", drop, heapAfter);
    }

    @Test
    void aBitfieldWithItsSpareBitsSetGetsTheRogueDropped() throws Exception {
        start(meta.infoHash(), c -> {
            c.misbehave();
            c.fullBitfield(true); // BEP 3: spare bits "must be cleared"
        }, leechConfig(), true);
        Timed drop = awaitDrop();
        long heapAfter = heapAfterGc();
        assertThat(reason(drop)).startsWith("protocol violation").contains("spare bits");
        finish("spare bitfield bits", drop, heapAfter);
    }

    @Test
    void aHandshakeForAnotherTorrentGetsTheRogueDropped() throws Exception {
        byte[] otherHash = new byte[20];
        new SplittableRandom(9).nextBytes(otherHash);
        start(otherHash, c -> { }, leechConfig(), true);
        Timed drop = awaitDrop();
        long heapAfter = heapAfterGc();
        assertThat(reason(drop)).contains("handshake for another torrent");
        finish("handshake for another torrent", drop, heapAfter);
    }

    /**
     * The rogue unchokes the leech and never sends a block: its requests time out after
     * {@link #REQUEST_TIMEOUT} (the leech cancels them, BEP 3) and the blocks come from the honest
     * seed. Endgame is off, so that nothing but the timeout can take a block from the rogue.
     */
    @Test
    void requestsANeverAnsweringRogueTookTimeOutAndTheHonestSeedServesThem() throws Exception {
        start(meta.infoHash(), c -> {
            c.fullBitfield(false);
            c.message(1, new byte[0]); // unchoke
            c.misbehave();
        }, leechConfig().requestTimeout(REQUEST_TIMEOUT).endgame(false), false);
        assertThat(rogue.awaitRequest(Duration.ofSeconds(5))).as("the leech asks the rogue for blocks").isTrue();
        torrent.connect(honestAddress());
        long deadline = System.nanoTime() + REQUEST_TIMEOUT.plusSeconds(5).toNanos();
        while (rogue.cancels().isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        long heapAfter = heapAfterGc();
        boolean completed = torrent.awaitCompletion(DOWNLOAD);
        long downloadMillis = millisSince(startedAt);

        List<RogueSeed.Ask> requests = rogue.requests();
        List<RogueSeed.Ask> cancels = rogue.cancels();
        long shortest = Long.MAX_VALUE;
        long longest = 0;
        for (RogueSeed.Ask cancel : cancels) {
            RogueSeed.Ask asked = requests.stream()
                    .filter(r -> r.piece() == cancel.piece() && r.begin() == cancel.begin()
                            && r.atNanos() <= cancel.atNanos())
                    .reduce((a, b) -> b)
                    .orElseThrow(() -> new AssertionError("a cancel of a block not asked: " + cancel));
            long waited = (cancel.atNanos() - asked.atNanos()) / 1_000_000;
            shortest = Math.min(shortest, waited);
            longest = Math.max(longest, waited);
        }
        long again = requests.stream().filter(r -> cancels.stream().anyMatch(c -> c.piece() == r.piece()
                && c.begin() == r.begin() && c.atNanos() <= r.atNanos())).count();
        Optional<Timed> drop = firstDisconnectOfRogue();
        System.out.printf("HostileSeedsIT never-answering rogue: %d requests, %d cancelled after %d-%d ms "
                        + "(timeout %d ms), %d of blocks already timed out there; rogue %s; "
                        + "leech heap after GC %d KiB before, %d KiB after (%+d KiB); download %s in %d ms%n",
                requests.size(), cancels.size(), shortest, longest, REQUEST_TIMEOUT.toMillis(), again, drop.map(d -> "dropped: " + reason(d)).orElse("not dropped"),
                heapBefore >> 10, heapAfter >> 10, (heapAfter - heapBefore) >> 10,
                completed ? "completed" : "NOT completed", downloadMillis);
        assertThat(completed).as("download completes (%d requests of blocks whose request to the rogue had "
                + "already timed out went to the rogue again); %s", again, torrent.status()).isTrue();
        Payload.assertSameTree(source, tmp.resolve("leech/data.bin"));
        assertThat(cancels).as("requests the leech cancelled at the rogue").isNotEmpty();
        // The torrent's tick expires requests once a second: each waits the timeout and at most a tick more.
        assertThat(shortest).as("shortest wait before a cancel (ms)").isGreaterThanOrEqualTo(
                REQUEST_TIMEOUT.toMillis() - 100);
        assertThat(longest).as("longest wait before a cancel (ms)").isLessThanOrEqualTo(
                REQUEST_TIMEOUT.plusSeconds(3).toMillis());
        drop.ifPresent(d -> assertThat(reason(d)).as("the rogue is not dropped before the download completes")
                .startsWith("both of us are seeds"));
        assertThat(heapAfter - heapBefore).as("live heap growth (bytes)").isLessThanOrEqualTo(MAX_HEAP_GROWTH);
    }

    /**
     * The rogue never unchokes the leech, so the leech asks it for nothing, and it sends wrong
     * blocks of every piece in turn at full speed for {@link #FLOOD}: every byte the leech took from
     * it counts as wasted, none is used (no piece fails its hash), and the honest seed is not blamed.
     */
    @Test
    void blocksNobodyAskedForAreCountedAsWastedAndNeverUsed() throws Exception {
        long honestBefore = seeding.status().uploaded();
        byte[] garbage = new byte[16 * 1024];
        Arrays.fill(garbage, (byte) 0xEE);
        start(meta.infoHash(), c -> {
            c.fullBitfield(false);
            c.misbehave();
            TorrentInfo info = c.info();
            long end = System.nanoTime() + FLOOD.toNanos();
            int piece = 0;
            int begin = 0;
            while (System.nanoTime() < end && !c.hungUp()) {
                int length = Math.min(garbage.length, info.pieceSize(piece) - begin);
                c.message(7, ByteBuffer.allocate(8 + length).putInt(piece).putInt(begin).put(garbage, 0, length)
                        .array());
                begin += length;
                if (begin == info.pieceSize(piece)) {
                    begin = 0;
                    piece = (piece + 1) % info.pieceCount();
                }
            }
        }, leechConfig(), true);
        long floodEnd = System.nanoTime() + FLOOD.toNanos();
        while (System.nanoTime() < floodEnd && rogue.firstHangUp() == 0) {
            Thread.sleep(20);
        }
        long heapAfter = heapAfterGc();
        assertThat(torrent.awaitCompletion(DOWNLOAD)).as("download completes; %s", torrent.status()).isTrue();
        long downloadMillis = millisSince(startedAt);
        Payload.assertSameTree(source, tmp.resolve("leech/data.bin"));
        TorrentStatus s = torrent.status();
        long fromHonest = seeding.status().uploaded() - honestBefore;
        long fromRogue = s.downloaded() - fromHonest; // at least: the honest seed may have sent some unread at the end
        long honestBlamed = events.stream().filter(t -> t.event() instanceof Event.HashFailed f
                && f.peers().contains(honestAddress())).count();
        Optional<Timed> drop = firstDisconnectOfRogue();
        System.out.printf("HostileSeedsIT unasked blocks: rogue wrote %d MiB, leech took at least %d MiB of it; "
                        + "wasted %d MiB, hash failures %d (%d naming the honest seed); rogue %s; "
                        + "leech heap after GC %d KiB before, %d KiB after (%+d KiB); download completed in %d ms%n",
                rogue.bytesWritten() >> 20, fromRogue >> 20, s.wasted() >> 20, s.hashFailures(), honestBlamed,
                drop.map(d -> "dropped: " + reason(d)).orElse("not dropped"),
                heapBefore >> 10, heapAfter >> 10, (heapAfter - heapBefore) >> 10, downloadMillis);
        assertThat(fromRogue).as("bytes the leech took from the rogue").isPositive();
        assertThat(s.wasted()).as("wasted bytes, at least all the rogue's").isGreaterThanOrEqualTo(fromRogue);
        assertThat(s.hashFailures()).as("pieces that failed: an unasked block was used").isZero();
        assertThat(honestBlamed).as("failed pieces naming the honest seed").isZero();
        assertThat(events).extracting(Timed::event).as("the honest seed is not banned")
                .noneMatch(e -> e instanceof Event.PeerBanned b && b.address().equals(honestAddress()));
        assertThat(heapAfter - heapBefore).as("live heap growth (bytes)").isLessThanOrEqualTo(MAX_HEAP_GROWTH);
    }

    // ---- helpers ----

    private SessionConfig.Builder leechConfig() {
        return SessionConfig.builder().localDiscovery(false).dht(false).bindAddress(InetAddress.getLoopbackAddress()).listenPort(0)
                .stateDirectory(tmp.resolve("state"));
    }

    private static InetSocketAddress honestAddress() {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), honest.listenPort());
    }

    /**
     * Measures the heap, starts the rogue (answering with {@code answerHash}) and a leech that
     * dials it and, if {@code dialHonest}, the honest seed right after.
     */
    private void start(byte[] answerHash, RogueSeed.Script script, SessionConfig.Builder config, boolean dialHonest)
            throws IOException {
        heapBefore = heapAfterGc();
        rogue = new RogueSeed(meta, answerHash, script);
        leech = Session.open(config.build());
        leech.subscribe(e -> events.add(new Timed(System.nanoTime(), e)));
        startedAt = System.nanoTime();
        torrent = leech.add(meta, Files.createDirectories(tmp.resolve("leech")));
        torrent.connect(rogue.address());
        if (dialHonest) {
            torrent.connect(honestAddress());
        }
    }

    /** The leech's first disconnect of the rogue, within {@link #DROP} of its misbehaviour. */
    private Timed awaitDrop() throws InterruptedException {
        long deadline = System.nanoTime() + DROP.plusSeconds(5).toNanos(); // and 5 s for the dial
        while (System.nanoTime() < deadline) {
            Optional<Timed> d = firstDisconnectOfRogue();
            if (d.isPresent()) {
                assertThat(rogue.misbehavingSince()).as("the rogue misbehaved before it was dropped").isPositive();
                assertThat(d.get().atNanos() - rogue.misbehavingSince()).as("nanoseconds to drop the rogue")
                        .isLessThanOrEqualTo(DROP.toNanos());
                return d.get();
            }
            Thread.sleep(10);
        }
        throw new AssertionError("the rogue was not dropped; rogue connections " + rogue.connections()
                + ", misbehaving since " + rogue.misbehavingSince() + "; events "
                + events.stream().map(Timed::event).filter(e -> !(e instanceof Event.PieceVerified)).toList());
    }

    private Optional<Timed> firstDisconnectOfRogue() {
        return events.stream().filter(t -> t.event() instanceof Event.PeerDisconnected d
                && d.address().equals(rogue.address())).findFirst();
    }

    private static String reason(Timed t) {
        return ((Event.PeerDisconnected) t.event()).reason();
    }

    /** Asserts the download completes byte-exact and the heap bound; prints what the test measured. */
    private void finish(String attack, Timed drop, long heapAfter) throws InterruptedException {
        assertThat(torrent.awaitCompletion(DOWNLOAD)).as("download completes; %s", torrent.status()).isTrue();
        long downloadMillis = millisSince(startedAt);
        Payload.assertSameTree(source, tmp.resolve("leech/data.bin"));
        System.out.printf("HostileSeedsIT %s: rogue dropped %d ms after it began (it wrote %d KiB): %s; "
                        + "leech heap after GC %d KiB before, %d KiB after (%+d KiB); download completed in %d ms%n",
                attack, (drop.atNanos() - rogue.misbehavingSince()) / 1_000_000, rogue.bytesWritten() >> 10,
                reason(drop), heapBefore >> 10, heapAfter >> 10, (heapAfter - heapBefore) >> 10, downloadMillis);
        assertThat(heapAfter - heapBefore).as("live heap growth (bytes)").isLessThanOrEqualTo(MAX_HEAP_GROWTH);
    }

    /** This JVM's heap in use after a full GC. */
    private static long heapAfterGc() {
        System.gc();
        System.gc();
        Runtime r = Runtime.getRuntime();
        return r.totalMemory() - r.freeMemory();
    }

    private static long millisSince(long nanos) {
        return (System.nanoTime() - nanos) / 1_000_000;
    }
}
