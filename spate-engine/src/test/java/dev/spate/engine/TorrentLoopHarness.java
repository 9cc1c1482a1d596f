package dev.spate.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spate.bencode.BDictionary;
import dev.spate.bencode.Bencode;
import dev.spate.core.Clock;
import dev.spate.core.InfoHash;
import dev.spate.core.PeerId;
import dev.spate.metainfo.Metainfo;
import dev.spate.metainfo.MetainfoParser;
import dev.spate.peer.ScriptedLink;
import dev.spate.peer.TokenBucket;
import dev.spate.storage.DiskIo;
import dev.spate.storage.MemoryStorage;
import dev.spate.storage.PieceBuffers;
import dev.spate.tracker.TrackerConfig;
import dev.spate.wire.Message;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
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
 * A torrent driven by scripted peers (and web seeds that are functions of the payload), on
 * {@link MemoryStorage}, a fake clock and a mailbox the test drains itself: no sockets, no sleeps,
 * and every step is the test's. The tests extend it.
 */
@Timeout(30)
abstract class TorrentLoopHarness {
    static final int PIECE = 32 * 1024;
    static final int PIECES = 8;
    static final int BLOCK = 16 * 1024;
    static final long SECOND = TimeUnit.SECONDS.toNanos(1);
    static final Duration WAIT = Duration.ofSeconds(10);

    @TempDir
    Path dir;

    final AtomicLong now = new AtomicLong(1_000 * SECOND);
    final Clock clock = now::get;
    final List<Event> events = new CopyOnWriteArrayList<>();
    final AtomicInteger slotsInUse = new AtomicInteger();
    final ScriptedConnector connector = new ScriptedConnector();
    final Map<InetSocketAddress, ScriptedLink> reachable = connector.reachable;
    final List<InetSocketAddress> dialled = connector.dialled;
    final List<Throwable> fatal = new CopyOnWriteArrayList<>();
    /** What the torrents asked of local service discovery, in order: "join HEX", "leave HEX". */
    final List<String> discovery = new CopyOnWriteArrayList<>();
    final TorrentContext.LocalDiscovery recordingDiscovery = new TorrentContext.LocalDiscovery() {
        @Override
        public void join(InfoHash hash) {
            discovery.add("join " + hash.hex());
        }

        @Override
        public void leave(InfoHash hash) {
            discovery.add("leave " + hash.hex());
        }
    };
    /** What the torrents asked of the DHT, in order: "join HEX announce CONTACTS", "leave HEX", "reannounce HEX", "node ADDR". */
    final List<String> dhtCalls = new CopyOnWriteArrayList<>();
    /** The DHT port the torrents see; 0 is no DHT. */
    volatile int dhtPort = 0;
    final TorrentContext.Dht dht = new TorrentContext.Dht() {
        @Override
        public void join(InfoHash hash, boolean announce, List<InetSocketAddress> contacts) {
            dhtCalls.add("join " + hash.hex() + (announce ? " announce" : " lookup") + " " + contacts);
        }

        @Override
        public void leave(InfoHash hash) {
            dhtCalls.add("leave " + hash.hex());
        }

        @Override
        public void reannounce(InfoHash hash) {
            dhtCalls.add("reannounce " + hash.hex());
        }

        @Override
        public void nodeSeen(InetSocketAddress node) {
            dhtCalls.add("node " + node);
        }

        @Override
        public int port() {
            return dhtPort;
        }
    };
    final PeerId ourId = PeerId.random();
    byte[] payload;
    Metainfo metainfo;
    DiskIo disk;
    MemoryStorage storage;
    Torrent torrent;
    Mailbox loop;
    /** The web seeds the next torrent made gets, and the url-lists it was made with. */
    List<WebSeeds.Fetcher> webSeedFetchers = List.of();
    final List<List<String>> webSeedUrls = new CopyOnWriteArrayList<>();
    boolean removed;

    @BeforeEach
    void torrent() throws Exception {
        payload = new byte[PIECE * PIECES];
        new SplittableRandom(7).nextBytes(payload);
        metainfo = metainfo(payload, List.of());
        disk = new DiskIo(2, 4 << 20);
        torrent = newTorrent(SessionConfig.builder().localDiscovery(false).dht(false).listenPort(0).build());
        torrent.start();
        awaitState(TorrentState.DOWNLOADING);
        // The resume record written as it began downloading: its outcome comes back to the loop
        // now, not in the middle of a test that counts what the loop has queued.
        torrent.resumeSaver().inFlight().handle((ok, failure) -> null).get(10, TimeUnit.SECONDS);
        loop.runPending();
    }

    @AfterEach
    void close() throws Exception {
        disk.close();
    }

    Torrent newTorrent(SessionConfig config) throws Exception {
        return newTorrent(config, TorrentOptions.defaults());
    }

    Torrent newTorrent(SessionConfig config, TorrentOptions options) throws Exception {
        TorrentContext.ConnectionSlots slots = new TorrentContext.ConnectionSlots() {
            @Override
            public boolean reserve() {
                slotsInUse.incrementAndGet();
                return true;
            }

            @Override
            public void release() {
                slotsInUse.decrementAndGet();
            }
        };
        TorrentContext context = new TorrentContext(clock, disk, (info, d, parts, wanted) -> onDisk
                        ? heldWrites(dev.spate.storage.FileStorage.open(d, info, 8, false, parts, wanted))
                        : gated(storage = new MemoryStorage(info)),
                events::add, slots, connector, (name, onFailure, onFatal) -> loop = Mailbox.manual(onFailure, onFatal),
                fatal::add, ourId, config, () -> 6881, new PieceBuffers(BLOCK, 64),
                TokenBucket.unlimited(), TokenBucket.unlimited(), TrackerConfig.defaults(),
                dev.spate.storage.ResumeStore.open(dir.resolve("state")), (urls, info) -> {
                    webSeedUrls.add(urls);
                    return webSeedFetchers;
                }, recordingDiscovery, dht);
        return new Torrent(context, metainfo, dir, options, t -> removed = true);
    }

    /**
     * Deletes the resume data the torrents wrote so far (the harness's torrent writes a record as it
     * starts downloading): the next torrent made of the same metainfo then hashes what it has.
     */
    void forgetResumeData() throws java.io.IOException {
        Path resumes = dir.resolve("state").resolve("resume");
        if (java.nio.file.Files.isDirectory(resumes)) {
            try (var files = java.nio.file.Files.list(resumes)) {
                for (Path f : files.toList()) {
                    java.nio.file.Files.delete(f);
                }
            }
        }
    }

    /** Whether the next torrent made writes real files (a FileStorage in {@link #dir}) rather than memory. */
    boolean onDisk;
    /** With {@link #onDisk}: every piece write waits until this is counted down. */
    volatile java.util.concurrent.CountDownLatch writeGate = new java.util.concurrent.CountDownLatch(0);

    /** {@code files} with each piece write held at {@link #writeGate}; every other call passed on. */
    private dev.spate.storage.Storage heldWrites(dev.spate.storage.FileStorage files) {
        return new dev.spate.storage.Storage() {
            @Override
            public dev.spate.metainfo.TorrentInfo info() {
                return files.info();
            }

            @Override
            public void writePiece(int piece, ByteBuffer data) throws java.io.IOException {
                try {
                    writeGate.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                files.writePiece(piece, data);
            }

            @Override
            public void read(int piece, int begin, ByteBuffer dst) throws java.io.IOException {
                files.read(piece, begin, dst);
            }

            @Override
            public boolean readPiece(int piece, ByteBuffer dst) throws java.io.IOException {
                return files.readPiece(piece, dst);
            }

            @Override
            public void setWantedFiles(boolean[] wanted) throws java.io.IOException {
                files.setWantedFiles(wanted);
            }

            @Override
            public void willWant(boolean[] wanted) {
                files.willWant(wanted);
            }

            @Override
            public List<Integer> keptPiecesLost(dev.spate.core.Bitfield have) throws java.io.IOException {
                return files.keptPiecesLost(have);
            }

            @Override
            public List<dev.spate.storage.FileStat> stat() throws java.io.IOException {
                return files.stat();
            }

            @Override
            public void flush() throws java.io.IOException {
                files.flush();
            }

            @Override
            public void close() throws java.io.IOException {
                files.close();
            }
        };
    }

    /** Opened while checking is to be held; the check reads nothing until it is counted down. */
    volatile java.util.concurrent.CountDownLatch checkGate = new java.util.concurrent.CountDownLatch(0);

    private dev.spate.storage.Storage gated(MemoryStorage memory) {
        java.util.concurrent.CountDownLatch gate = checkGate;
        return new dev.spate.storage.Storage() {
            @Override
            public dev.spate.metainfo.TorrentInfo info() {
                return memory.info();
            }

            @Override
            public void writePiece(int piece, ByteBuffer data) throws java.io.IOException {
                memory.writePiece(piece, data);
            }

            @Override
            public void read(int piece, int begin, ByteBuffer dst) throws java.io.IOException {
                memory.read(piece, begin, dst);
            }

            @Override
            public boolean readPiece(int piece, ByteBuffer dst) throws java.io.IOException {
                try {
                    gate.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return memory.readPiece(piece, dst);
            }

            @Override
            public List<dev.spate.storage.FileStat> stat() {
                return memory.stat();
            }

            @Override
            public void flush() {
                memory.flush();
            }

            @Override
            public void close() {
                memory.close();
            }
        };
    }

    static Metainfo metainfo(byte[] payload, List<String> trackers) throws Exception {
        return metainfo(payload, trackers, false);
    }

    static Metainfo metainfo(byte[] payload, List<String> trackers, boolean privateTorrent) throws Exception {
        MessageDigest sha1 = MessageDigest.getInstance("SHA-1");
        ByteBuffer hashes = ByteBuffer.allocate(payload.length / PIECE * 20);
        for (int p = 0; p < payload.length / PIECE; p++) {
            sha1.update(payload, p * PIECE, PIECE);
            hashes.put(sha1.digest());
        }
        BDictionary info = BDictionary.builder().put("name", "loop.bin").put("length", payload.length)
                .put("piece length", PIECE).put("pieces", hashes.array()).put("private", privateTorrent ? 1 : 0).build();
        BDictionary.Builder top = BDictionary.builder().put("info", info);
        if (!trackers.isEmpty()) {
            top.put("announce", trackers.get(0));
        }
        return MetainfoParser.parse(Bencode.encode(top.build()));
    }

    // ---- driving the loop ----

    void awaitState(TorrentState state) throws InterruptedException {
        assertThat(loop.runUntil(() -> lastState() == state, WAIT)).as("state %s, now %s", state, lastState()).isTrue();
    }

    TorrentState lastState() {
        TorrentState s = null;
        for (Event e : events) {
            if (e instanceof Event.StateChanged c) {
                s = c.to();
            }
        }
        return s;
    }

    ScriptedLink attach(ScriptedLink link) {
        assertThat(torrent.attach(link)).isTrue();
        loop.runPending();
        assertThat(link.started).as("attached").isTrue();
        return link;
    }

    void deliver(ScriptedLink link, Message m) throws InterruptedException {
        torrent.inbox().onMessage(link, m);
        loop.runPending();
    }

    void close(ScriptedLink link, String reason) {
        link.close(reason);
        torrent.inbox().onClosed(link, reason);
        loop.runPending();
    }

    Message.Piece block(int piece, int begin, int length) {
        byte[] bytes = new byte[length];
        System.arraycopy(payload, piece * PIECE + begin, bytes, 0, length);
        return Message.Piece.of(piece, begin, bytes);
    }

    /** Requests sent to the link that it has not been answered for, in order. */
    static List<Message.Request> requests(ScriptedLink link) {
        return link.sent(Message.Request.class);
    }

    /** Requests answered so far, per link: a block is sent once, as a real peer would. */
    final Map<ScriptedLink, Integer> answeredSoFar = new java.util.HashMap<>();

    /** Answers every request the link got that it has not answered yet, until none is new. */
    void serveAll(ScriptedLink link) throws InterruptedException {
        int answered = answeredSoFar.getOrDefault(link, 0);
        while (answered < requests(link).size()) {
            Message.Request r = requests(link).get(answered++);
            answeredSoFar.put(link, answered);
            deliver(link, block(r.piece(), r.begin(), r.length()));
        }
    }

    void tick(long seconds) {
        for (long i = 0; i < seconds; i++) {
            now.addAndGet(SECOND);
            torrent.postTick();
            loop.runPending();
        }
    }

    boolean complete() {
        return events.stream().anyMatch(e -> e instanceof Event.TorrentComplete);
    }

    /** Serves the seed's requests until the torrent completes; fails, saying why, if it does not. */
    void downloadAllFrom(ScriptedLink seed) throws InterruptedException {
        for (int round = 0; round < 1000 && !complete(); round++) {
            serveAll(seed);
            loop.runUntil(() -> complete() || requests(seed).size() > answeredSoFar.getOrDefault(seed, 0),
                    Duration.ofMillis(200));
        }
        assertThat(complete()).as("complete; seed closed: %s; %s", seed.closed, torrent.snapshot()).isTrue();
    }
}
