package dev.spate.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spate.core.Clock;
import dev.spate.core.InfoHash;
import dev.spate.core.PeerId;
import dev.spate.metainfo.Magnet;
import dev.spate.metainfo.Metainfo;
import dev.spate.metainfo.MetainfoParser;
import dev.spate.peer.ScriptedLink;
import dev.spate.peer.TokenBucket;
import dev.spate.storage.DiskIo;
import dev.spate.storage.MemoryStorage;
import dev.spate.storage.PieceBuffers;
import dev.spate.tracker.TrackerConfig;
import dev.spate.wire.ExtendedHandshake;
import dev.spate.wire.ExtensionIds;
import dev.spate.wire.Message;
import dev.spate.wire.MetadataMessage;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.SplittableRandom;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A magnet's metadata phase hands its connections to the torrent proper: scripted peers, manual
 * mailboxes, a fake clock. What the peers said before the metadata is checked against the piece
 * count and fed to the picker; a peer whose kept pieces do not fit goes, naming why; nobody is
 * dialled twice; every slot comes back once.
 */
@Timeout(30)
class MetadataHandOverTest {
    static final int PIECE = TorrentLoopTest.PIECE;
    static final int PIECES = TorrentLoopTest.PIECES;
    static final int BLOCK = TorrentLoopTest.BLOCK;
    static final Duration WAIT = Duration.ofSeconds(10);
    /** The id the scripted peers give ut_metadata in their handshakes. */
    static final int THEIR_UT_METADATA = 3;

    @TempDir
    Path dir;

    final AtomicLong now = new AtomicLong(TimeUnit.SECONDS.toNanos(1_000));
    final Clock clock = now::get;
    final List<Event> events = new CopyOnWriteArrayList<>();
    final AtomicInteger slotsInUse = new AtomicInteger();
    final ScriptedConnector connector = new ScriptedConnector();
    final Map<InetSocketAddress, ScriptedLink> reachable = connector.reachable;
    final List<InetSocketAddress> dialled = connector.dialled;
    final List<Mailbox> loops = new CopyOnWriteArrayList<>();
    final List<MetadataResolver.Resolution> resolutions = new CopyOnWriteArrayList<>();
    byte[] payload;
    Metainfo metainfo;
    DiskIo disk;
    MemoryStorage storage;
    TorrentContext context;

    @BeforeEach
    void setUp() throws Exception {
        payload = new byte[PIECE * PIECES];
        new SplittableRandom(11).nextBytes(payload);
        metainfo = TorrentLoopTest.metainfo(payload, List.of());
        disk = new DiskIo(2, 4 << 20);
        TorrentContext.ConnectionSlots slots = new TorrentContext.ConnectionSlots() {
            @Override
            public boolean reserve() {
                slotsInUse.incrementAndGet();
                return true;
            }

            @Override
            public void release() {
                assertThat(slotsInUse.decrementAndGet()).as("a slot released more often than taken").isNotNegative();
            }
        };
        context = new TorrentContext(clock, disk, (info, d, parts, wanted) -> storage = new MemoryStorage(info), events::add, slots,
                connector, (name, onFailure, onFatal) -> {
                    Mailbox m = Mailbox.manual(onFailure, onFatal);
                    loops.add(m);
                    return m;
                }, e -> { throw new AssertionError(e); }, PeerId.random(),
                SessionConfig.builder().localDiscovery(false).dht(false).listenPort(0).build(), () -> 6881, new PieceBuffers(BLOCK, 64),
                TokenBucket.unlimited(), TokenBucket.unlimited(), TrackerConfig.defaults(),
                dev.spate.storage.ResumeStore.open(dir.resolve("state")), (urls, info) -> java.util.List.of(),
                TorrentContext.LocalDiscovery.OFF, TorrentContext.Dht.OFF);
    }

    @AfterEach
    void tearDown() throws Exception {
        disk.close();
    }

    // ---- the metadata phase, scripted ----

    ScriptedLink peer(int port) {
        ScriptedLink link = ScriptedLink.fast(port);
        reachable.put(link.remote(), link);
        return link;
    }

    /** Starts a resolver for a magnet naming {@code peers} and waits until each is attached. */
    MetadataResolver resolve(List<ScriptedLink> peers) throws Exception {
        StringBuilder uri = new StringBuilder("magnet:?xt=urn:btih:" + metainfo.infoHashHex());
        for (ScriptedLink p : peers) {
            uri.append("&x.pe=127.0.0.1:").append(p.remote().getPort());
        }
        MetadataResolver resolver = new MetadataResolver(context, Magnet.parse(uri.toString()),
                InfoHash.of(metainfo.infoHash()), resolutions::add);
        resolver.start();
        Mailbox loop = loops.get(0);
        assertThat(loop.runUntil(() -> peers.stream().allMatch(p -> p.started), WAIT)).as("all attached").isTrue();
        for (ScriptedLink p : peers) {
            say(resolver, p, new ExtendedHandshake(Map.of(ExtensionIds.UT_METADATA, THEIR_UT_METADATA),
                    OptionalInt.of(p.remote().getPort()), Optional.of("scripted/" + p.remote().getPort()),
                    OptionalInt.of(100), Optional.empty(), OptionalLong.of(metainfo.infoBytes().length)).toMessage());
        }
        return resolver;
    }

    void say(MetadataResolver resolver, ScriptedLink link, Message m) throws InterruptedException {
        resolver.onMessage(link, m);
        loops.get(0).runPending();
    }

    /** Answers every ut_metadata request the peers got, honestly, until the metadata is resolved. */
    void serveMetadata(MetadataResolver resolver, List<ScriptedLink> peers) throws Exception {
        byte[] info = metainfo.infoBytes();
        for (ScriptedLink p : peers) {
            for (Message.Extended e : new ArrayList<>(p.sent(Message.Extended.class))) {
                if (e.extendedId() != THEIR_UT_METADATA) {
                    continue;
                }
                MetadataMessage.Request r = (MetadataMessage.Request) MetadataMessage.decode(e.payload()).orElseThrow();
                int from = r.piece() * MetadataMessage.PIECE_LENGTH;
                byte[] bytes = Arrays.copyOfRange(info, from, Math.min(info.length, from + MetadataMessage.PIECE_LENGTH));
                say(resolver, p, new MetadataMessage.Data(r.piece(), info.length, bytes)
                        .toMessage(ExtensionIds.OUR_UT_METADATA));
            }
        }
        assertThat(loops.get(0).runUntil(() -> !resolutions.isEmpty(), WAIT)).as("resolved").isTrue();
    }

    /** Removes the resolver as the session does, off its loop, which the test drains meanwhile. */
    void end(MetadataResolver resolver) throws InterruptedException {
        Thread remover = Thread.ofVirtual().start(resolver::remove);
        loops.get(0).runUntil(() -> !remover.isAlive(), WAIT); // returns at the loop's end
        remover.join(WAIT.toMillis());
        assertThat(remover.isAlive()).as("resolver ended").isFalse();
    }

    Torrent torrent(MetadataResolver.Resolution r) throws Exception {
        Metainfo meta = MetainfoParser.fromInfo(r.info(), List.of(), List.of());
        return new Torrent(context, meta, dir, t -> { });
    }

    Mailbox torrentLoop() {
        return loops.get(loops.size() - 1);
    }

    void awaitState(TorrentState state) throws InterruptedException {
        assertThat(torrentLoop().runUntil(() -> lastState() == state, WAIT)).as("state %s", state).isTrue();
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

    Optional<String> disconnectReason(ScriptedLink link) {
        return events.stream().filter(e -> e instanceof Event.PeerDisconnected d && d.address().equals(link.remote()))
                .map(e -> ((Event.PeerDisconnected) e).reason()).findFirst();
    }

    static Message.BitfieldMessage bits(int... bytes) {
        byte[] b = new byte[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            b[i] = (byte) bytes[i];
        }
        return new Message.BitfieldMessage(b);
    }

    // ---- the tests ----

    @Test
    void theConnectionsCarryOverWithWhatTheirPeersSaidAndALiarAboutItsPiecesIsDroppedNamingWhy() throws Exception {
        ScriptedLink seed = peer(1);
        ScriptedLink wrongLength = peer(2);
        ScriptedLink haveBeyond = peer(3);
        ScriptedLink leaves = peer(4);
        List<ScriptedLink> all = List.of(seed, wrongLength, haveBeyond, leaves);
        MetadataResolver resolver = resolve(all);
        // Before the metadata: nobody can check these yet.
        say(resolver, seed, bits(0xff));
        say(resolver, seed, Message.UNCHOKE);
        say(resolver, wrongLength, bits(0xff, 0xff, 0xff));
        say(resolver, haveBeyond, Message.HAVE_NONE);
        say(resolver, haveBeyond, new Message.Have(PIECES));
        say(resolver, leaves, Message.HAVE_ALL);
        serveMetadata(resolver, all);

        MetadataResolver.Resolution r = resolutions.get(0);
        assertThat(r.info()).isEqualTo(metainfo.infoBytes());
        assertThat(r.peers()).extracting(CarriedPeer::link).containsExactlyInAnyOrderElementsOf(all);
        assertThat(r.others()).as("everyone known is connected: nobody to dial").isEmpty();
        assertThat(all).allMatch(p -> p.held && p.closed == null);
        assertThat(slotsInUse).as("the slots travel with the links").hasValue(4);
        end(resolver);

        Torrent torrent = torrent(r);
        torrent.start();
        leaves.close("peer closed the connection"); // while held: its old listener hears of it, not the torrent
        torrent.adopt(r.peers());
        awaitState(TorrentState.DOWNLOADING);
        torrentLoop().runPending();

        assertThat(seed.handedOverTo).isSameAs(torrent.inbox());
        assertThat(seed.handedOverWith.pieceCount()).isEqualTo(PIECES);
        assertThat(seed.handedOverLimits.download()).as("the torrent's rate limits and the session's")
                .hasSize(2).contains(context.downloadLimit());
        assertThat(disconnectReason(wrongLength)).contains(
                "protocol violation before the metadata: bitfield of 3 bytes for 8 pieces, expected 1");
        assertThat(wrongLength.closed).startsWith("protocol violation before the metadata");
        assertThat(disconnectReason(haveBeyond)).contains("protocol violation before the metadata: have for piece 8 of 8");
        assertThat(disconnectReason(leaves)).hasValueSatisfying(reason -> assertThat(reason).contains("carried over"));
        assertThat(List.of(wrongLength, haveBeyond, leaves)).allMatch(p -> p.handedOverTo == null);
        assertThat(slotsInUse).as("one slot per connection still up").hasValue(1);
        assertThat(dialled).as("no one dialled twice").containsExactlyInAnyOrderElementsOf(
                all.stream().map(ScriptedLink::remote).toList());

        // Its bitfield and its unchoke from before the metadata: interest and requests at once.
        assertThat(seed.sent).contains(Message.INTERESTED);
        assertThat(seed.sent(Message.Request.class)).isNotEmpty();
        ExtendedHandshake ours = seed.sent(Message.Extended.class).stream().filter(e -> e.extendedId() == 0)
                .map(e -> {
                    try {
                        return ExtendedHandshake.parse(e);
                    } catch (Exception bad) {
                        throw new AssertionError(bad);
                    }
                }).reduce((a, b) -> b).orElseThrow();
        assertThat(ours.extensions()).as("a public torrent serves its metadata on; and its metadata size")
                .containsEntry(ExtensionIds.UT_METADATA, ExtensionIds.OUR_UT_METADATA);
        assertThat(ours.metadataSize()).isPresent();
        assertThat(torrent.peerSnapshots()).singleElement().satisfies(p ->
                assertThat(p.client()).isEqualTo("scripted/1"));

        int answered = 0;
        for (int round = 0; round < 200 && events.stream().noneMatch(e -> e instanceof Event.TorrentComplete); round++) {
            List<Message.Request> asked = seed.sent(Message.Request.class);
            while (answered < asked.size()) {
                Message.Request q = asked.get(answered++);
                byte[] bytes = Arrays.copyOfRange(payload, q.piece() * PIECE + q.begin(),
                        q.piece() * PIECE + q.begin() + q.length());
                torrent.inbox().onMessage(seed, Message.Piece.of(q.piece(), q.begin(), bytes));
            }
            torrentLoop().runUntil(() -> seed.sent(Message.Request.class).size() > asked.size()
                    || events.stream().anyMatch(e -> e instanceof Event.TorrentComplete), Duration.ofMillis(200));
        }
        assertThat(events).anyMatch(e -> e instanceof Event.TorrentComplete);
        assertThat(storage.fileBytes(0)).isEqualTo(payload);

        torrent.inbox().onClosed(seed, "test over");
        torrentLoop().runPending();
        assertThat(slotsInUse).as("every slot back, once").hasValue(0);
    }

    @Test
    void connectionsCarriedToATorrentPausedMeanwhileAreDroppedAndTheirPeersDialledOnResume() throws Exception {
        ScriptedLink seed = peer(7);
        MetadataResolver resolver = resolve(List.of(seed));
        say(resolver, seed, Message.HAVE_ALL);
        serveMetadata(resolver, List.of(seed));
        MetadataResolver.Resolution r = resolutions.get(0);
        end(resolver);

        Torrent torrent = torrent(r);
        torrent.start();
        torrent.pause();
        torrent.adopt(r.peers());
        awaitState(TorrentState.PAUSED);
        torrentLoop().runPending();
        assertThat(seed.closed).isEqualTo("torrent is not active");
        assertThat(disconnectReason(seed)).contains("torrent is not active");
        assertThat(slotsInUse).hasValue(0);
        assertThat(dialled).hasSize(1);

        ScriptedLink again = ScriptedLink.fast(7);
        reachable.put(again.remote(), again);
        torrent.resume();
        assertThat(torrentLoop().runUntil(() -> again.started, WAIT)).as("dialled again on resume").isTrue();
        assertThat(dialled).hasSize(2);
        assertThat(slotsInUse).hasValue(1);
        torrent.inbox().onClosed(again, "test over");
        torrentLoop().runPending();
        assertThat(slotsInUse).hasValue(0);
    }
}
