package dev.spate.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spate.engine.EncryptionPolicy;
import dev.spate.engine.Event;
import dev.spate.engine.FilePriority;
import dev.spate.engine.PeerEncryption;
import dev.spate.engine.PeerStats;
import dev.spate.engine.Session;
import dev.spate.engine.SessionConfig;
import dev.spate.engine.Subscription;
import dev.spate.engine.TorrentHandle;
import dev.spate.engine.TorrentOptions;
import dev.spate.engine.TorrentStatus;
import dev.spate.metainfo.Metainfo;
import dev.spate.metainfo.TorrentCreator;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Every pair of encryption policies (MSE/PE, which no BEP describes), Spate against Spate on
 * 127.0.0.1: a downloader dials a seed and both report the connection's protection, then the
 * download completes byte-exact; the one refused pair (a plaintext dial to a seed that requires
 * encryption) says why.
 *
 * <p>Two seeds drop each other ("both of us are seeds"), so a download that completes at once would
 * leave no connection to look at. The downloader therefore first skips the torrent's second file:
 * with only the first wanted, it stays connected to the seed (it is not a seed itself) while both
 * sides are read; then it wants everything and completes.
 */
class EncryptionPoliciesIT {
    /** 16 KiB pieces: the payload below is a few dozen of them, in two files. */
    static final int PIECE = 16 * 1024;
    static final Duration CONNECT = Duration.ofSeconds(10);
    static final Duration TRANSFER = Duration.ofSeconds(20);

    @TempDir
    Path tmp;

    /** Under TOLERATE and PREFER a responder selects the plaintext payload whenever it is offered. */
    @ParameterizedTest(name = "downloader {0} dials seed {1}: {2}")
    @CsvSource({
            "TOLERATE, TOLERATE, PLAINTEXT",
            "TOLERATE, PREFER,   PLAINTEXT",
            "TOLERATE, REQUIRE,  ",
            "PREFER,   TOLERATE, OBFUSCATED",
            "PREFER,   PREFER,   OBFUSCATED",
            "PREFER,   REQUIRE,  RC4",
            "REQUIRE,  TOLERATE, RC4",
            "REQUIRE,  PREFER,   RC4",
            "REQUIRE,  REQUIRE,  RC4",
    })
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void aDownloaderDiallingASeedConnectsInTheModeTheirPoliciesAgreeOn(EncryptionPolicy downloader,
            EncryptionPolicy seed, PeerEncryption expected) throws Exception {
        Path content = content(tmp.resolve("seed/pair"), 200_000, 300_001, downloader.ordinal() * 3L + seed.ordinal());
        if (expected == null) {
            refused(content, downloader, seed);
        } else {
            transfer(content, downloader, seed, expected);
        }
    }

    /**
     * An RC4 connection carries a larger payload byte-exact: requests one way and thousands of
     * blocks the other through both ciphers of the block path, with more than one key-stream
     * buffer's worth each way.
     */
    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void anRc4ConnectionCarriesEightMibByteExact() throws Exception {
        Path content = content(tmp.resolve("seed/big"), 64 * 1024, 8L * 1024 * 1024 + 5, 99);
        transfer(content, EncryptionPolicy.REQUIRE, EncryptionPolicy.REQUIRE, PeerEncryption.RC4);
    }

    /** Two files under {@code root}: the first a whole number of pieces, so skipping the second leaves a piece wanted. */
    private static Path content(Path root, long first, long second, long seed) {
        long firstLength = (first + PIECE - 1) / PIECE * PIECE;
        Payload.file(root.resolve("a.bin"), firstLength, seed);
        Payload.file(root.resolve("b.bin"), second, seed + 100);
        return root;
    }

    private SessionConfig config(String name, EncryptionPolicy policy) {
        return SessionConfig.builder().localDiscovery(false).dht(false).bindAddress(InetAddress.getLoopbackAddress())
                .listenPort(0).stateDirectory(tmp.resolve(name + "-state")).connectTimeout(Duration.ofSeconds(5))
                .encryption(policy).build();
    }

    private static Metainfo metainfo(Path content) throws Exception {
        Metainfo meta = TorrentCreator.builder(content).pieceLength(PIECE).build().createMetainfo();
        assertThat(meta.info().pieceCount()).isGreaterThan(10);
        return meta;
    }

    private void transfer(Path content, EncryptionPolicy downloader, EncryptionPolicy seed, PeerEncryption expected)
            throws Exception {
        Metainfo meta = metainfo(content);
        String name = content.getFileName().toString();
        List<Event> events = new CopyOnWriteArrayList<>();
        try (Session seedSession = Session.open(config("seed", seed));
             Session leechSession = Session.open(config("leech", downloader));
             Subscription sub = leechSession.subscribe(events::add)) {
            TorrentHandle seeding = seedSession.add(meta, tmp.resolve("seed"));
            assertThat(seeding.awaitCompletion(TRANSFER)).as("the seed checks its data").isTrue();
            TorrentHandle leech = leechSession.add(meta, tmp.resolve("leech"), TorrentOptions.defaults()
                    .withFilePriorities(List.of(FilePriority.NORMAL, FilePriority.SKIP)));
            InetSocketAddress seedAddress = new InetSocketAddress(InetAddress.getLoopbackAddress(),
                    seedSession.listenPort());
            leech.connect(seedAddress);

            PeerStats dialled = awaitOnePeer(leech, "the downloader", events);
            PeerStats dialling = awaitOnePeer(seeding, "the seed", events);
            assertThat(dialled.address()).isEqualTo(seedAddress);
            assertThat(dialled.outgoing()).isTrue();
            assertThat(dialling.outgoing()).isFalse();
            assertThat(dialled.encryption()).as("the downloader's view of its connection").isEqualTo(expected);
            assertThat(dialling.encryption()).as("the seed's view of the same connection").isEqualTo(expected);

            leech.setFilePriorities(Collections.nCopies(2, FilePriority.NORMAL));
            TorrentStatus s = awaitEveryPieceVerified(leech, meta);
            assertThat(s.hashFailures()).isZero();
            assertThat(seeding.status().uploaded()).isGreaterThanOrEqualTo(meta.info().totalLength());
            assertThat(events).as("the only connection was the first").filteredOn(Event.PeerConnected.class::isInstance)
                    .hasSize(1);
        }
        Payload.assertSameTree(content, tmp.resolve("leech").resolve(name));
    }

    /**
     * Polls the status: {@link TorrentHandle#completion()} may already have completed with the first
     * file alone, before the second was wanted, and does not complete again.
     */
    private static TorrentStatus awaitEveryPieceVerified(TorrentHandle torrent, Metainfo meta)
            throws InterruptedException {
        long deadline = System.nanoTime() + TRANSFER.toNanos();
        TorrentStatus s = torrent.status();
        while (s.piecesVerified() < meta.info().pieceCount() && System.nanoTime() < deadline) {
            Thread.sleep(20);
            s = torrent.status();
        }
        assertThat(s.piecesVerified()).as("pieces verified; status %s", s).isEqualTo(meta.info().pieceCount());
        return s;
    }

    /** The only peer of {@code torrent}, once it is connected; fails after {@link #CONNECT}. */
    private static PeerStats awaitOnePeer(TorrentHandle torrent, String who, List<Event> events)
            throws InterruptedException {
        long deadline = System.nanoTime() + CONNECT.toNanos();
        List<PeerStats> peers = torrent.peers();
        while (peers.isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(20);
            peers = torrent.peers();
        }
        assertThat(peers).as("%s's peers; the downloader's events %s", who, events).hasSize(1);
        return peers.getFirst();
    }

    private void refused(Path content, EncryptionPolicy downloader, EncryptionPolicy seed) throws Exception {
        Metainfo meta = metainfo(content);
        List<Event> leechEvents = new CopyOnWriteArrayList<>();
        List<Event> seedEvents = new CopyOnWriteArrayList<>();
        try (Session seedSession = Session.open(config("seed", seed));
             Subscription seedSub = seedSession.subscribe(seedEvents::add);
             Session leechSession = Session.open(config("leech", downloader));
             Subscription leechSub = leechSession.subscribe(leechEvents::add)) {
            TorrentHandle seeding = seedSession.add(meta, tmp.resolve("seed"));
            assertThat(seeding.awaitCompletion(TRANSFER)).as("the seed checks its data").isTrue();
            TorrentHandle leech = leechSession.add(meta, tmp.resolve("leech"));
            InetSocketAddress seedAddress = new InetSocketAddress(InetAddress.getLoopbackAddress(),
                    seedSession.listenPort());
            leech.connect(seedAddress);

            Event.PeerDisconnected failed = awaitDisconnected(leechEvents, seedAddress);
            // The seed closes on a plaintext handshake without a word: the reason names the
            // handshake that failed and what that likely means.
            assertThat(failed.reason()).as("why the downloader could not connect")
                    .startsWith("connect failed: plaintext handshake: ")
                    .contains("closed")
                    .endsWith("(the peer may require encryption; this session's policy is tolerate)");
            assertThat(leechEvents).noneMatch(Event.PeerConnected.class::isInstance);
            assertThat(seedEvents).noneMatch(Event.PeerConnected.class::isInstance);
            assertThat(leech.peers()).isEmpty();
            assertThat(seeding.peers()).isEmpty();
            assertThat(leech.status().piecesVerified()).isZero();
        }
    }

    private static Event.PeerDisconnected awaitDisconnected(List<Event> events, InetSocketAddress peer)
            throws InterruptedException {
        long deadline = System.nanoTime() + CONNECT.toNanos();
        while (System.nanoTime() < deadline) {
            for (Event e : events) {
                if (e instanceof Event.PeerDisconnected d && d.address().equals(peer)) {
                    return d;
                }
            }
            Thread.sleep(20);
        }
        throw new AssertionError("no PeerDisconnected for " + peer + " within " + CONNECT + "; events " + events);
    }
}
