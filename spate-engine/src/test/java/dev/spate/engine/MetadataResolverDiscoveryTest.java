package dev.spate.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spate.core.Clock;
import dev.spate.core.InfoHash;
import dev.spate.core.PeerId;
import dev.spate.metainfo.Magnet;
import dev.spate.peer.TokenBucket;
import dev.spate.storage.DiskIo;
import dev.spate.storage.PieceBuffers;
import dev.spate.tracker.TrackerConfig;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A magnet link's metadata phase and local service discovery (BEP 14), on a mailbox the test drains
 * and a connector that refuses every dial: it joins while it fetches, dials the peers heard, and leaves
 * when paused, removed or done.
 */
@Timeout(30)
class MetadataResolverDiscoveryTest {
    static final Duration WAIT = Duration.ofSeconds(10);
    static final InfoHash HASH = InfoHash.of(HexFormat.of().parseHex("0d418ef2e2437ff3583615bc993670c9e2eb0951"));

    @TempDir
    Path dir;

    final List<String> discovery = new CopyOnWriteArrayList<>();
    final ScriptedConnector connector = new ScriptedConnector();
    final List<InetSocketAddress> dialled = connector.dialled;
    final List<Event> events = new CopyOnWriteArrayList<>();
    DiskIo disk;
    Mailbox loop;
    MetadataResolver resolver;

    @BeforeEach
    void resolver() throws Exception {
        disk = new DiskIo(1, 1 << 20);
        TorrentContext.LocalDiscovery recording = new TorrentContext.LocalDiscovery() {
            @Override
            public void join(InfoHash hash) {
                discovery.add("join");
            }

            @Override
            public void leave(InfoHash hash) {
                discovery.add("leave");
            }
        };
        TorrentContext.ConnectionSlots unlimited = new TorrentContext.ConnectionSlots() {
            @Override
            public boolean reserve() {
                return true;
            }

            @Override
            public void release() {
            }
        };
        Clock clock = () -> 1_000_000_000_000L;
        TorrentContext context = new TorrentContext(clock, disk, (info, d, parts, wanted) -> {
            throw new AssertionError("no storage in the metadata phase");
        }, events::add, unlimited, connector, (name, onFailure, onFatal) -> loop = Mailbox.manual(onFailure, onFatal),
                e -> { }, PeerId.random(), SessionConfig.builder().localDiscovery(false).dht(false).listenPort(0)
                        .stateDirectory(dir.resolve("state")).build(), () -> 6881, new PieceBuffers(16 * 1024, 4),
                TokenBucket.unlimited(), TokenBucket.unlimited(), TrackerConfig.defaults(),
                dev.spate.storage.ResumeStore.open(dir.resolve("state")), (urls, info) -> java.util.List.of(), recording, TorrentContext.Dht.OFF);
        resolver = new MetadataResolver(context, Magnet.of(HASH), HASH, info -> { });
        resolver.start();
        loop.runPending();
    }

    @AfterEach
    void close() throws Exception {
        disk.close();
    }

    @Test
    void itJoinsWhileFetchingAndDialsThePeersHeard() throws Exception {
        assertThat(discovery).containsExactly("join");
        InetSocketAddress heard = new InetSocketAddress("198.18.0.9", 7020);
        resolver.discovered(heard);
        assertThat(loop.runUntil(() -> dialled.contains(heard), WAIT)).as("dialled").isTrue();
    }

    @Test
    void pausedItLeavesAndDialsNobodyHeardThenResumedItJoinsAgain() throws Exception {
        resolver.pause();
        loop.runPending();
        assertThat(discovery).containsExactly("join", "leave");
        InetSocketAddress heard = new InetSocketAddress("198.18.0.9", 7021);
        resolver.discovered(heard);
        loop.runPending();
        loop.runUntil(() -> false, Duration.ofMillis(100));
        assertThat(dialled).isEmpty();
        resolver.resume();
        loop.runPending();
        assertThat(discovery).containsExactly("join", "leave", "join");
    }

    @Test
    void removedItLeaves() throws Exception {
        Thread remover = Thread.ofVirtual().start(resolver::remove);
        assertThat(loop.runUntil(() -> loop.ended().isDone(), WAIT)).isTrue();
        remover.join(WAIT.toMillis());
        assertThat(discovery).containsExactly("join", "leave");
        resolver.discovered(new InetSocketAddress("198.18.0.9", 7022));
        assertThat(loop.runPending()).as("the loop is gone: nothing posted").isZero();
        assertThat(dialled).isEmpty();
    }
}
