package dev.spate.engine;

import dev.spate.core.Clock;
import dev.spate.core.InfoHash;
import dev.spate.core.PeerId;
import dev.spate.metainfo.TorrentInfo;
import dev.spate.peer.PeerConnection;
import dev.spate.peer.PeerLink;
import dev.spate.peer.TokenBucket;
import dev.spate.storage.DiskIo;
import dev.spate.storage.PieceBuffers;
import dev.spate.storage.ResumeStore;
import dev.spate.storage.Storage;
import dev.spate.tracker.TrackerConfig;
import dev.spate.wire.TorrentGeometry;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.function.Consumer;
import java.util.function.IntSupplier;

/**
 * What a torrent may use of its session, and no more: the clock, the disk pool, where its files
 * live, where its events go, the session's connection slots, and how to reach peers. A torrent
 * never sees the {@link Session}, so unit tests give it {@code MemoryStorage}, a fake clock,
 * scripted peers and a manual {@link Mailbox}.
 *
 * @param clock the one clock of the engine (no {@code System.nanoTime()} elsewhere)
 * @param disk hashing and file IO
 * @param storage opens a torrent's files in its download directory
 * @param events where the torrent's events go
 * @param slots the session's connection budget
 * @param connector dials peers and wraps accepted connections
 * @param loops makes the torrent's mailbox
 * @param fatal told of an {@link Error} in one of the torrent's threads: the session ends
 * @param resumes where resume data lives (the session's state directory)
 * @param webSeeds makes the fetchers of a torrent's web seeds (HTTP in a session)
 * @param localDiscovery where a torrent announces itself on the local network (BEP 14)
 * @param dht where a torrent looks itself up and announces itself in the DHT (BEP 5)
 */
record TorrentContext(Clock clock, DiskIo disk, StorageFactory storage, Consumer<Event> events,
                      ConnectionSlots slots, Connector connector, LoopFactory loops, Consumer<Throwable> fatal,
                      PeerId peerId, SessionConfig config, IntSupplier listenPort, PieceBuffers blockBuffers,
                      TokenBucket downloadLimit, TokenBucket uploadLimit, TrackerConfig trackerConfig,
                      ResumeStore resumes, WebSeedFactory webSeeds, LocalDiscovery localDiscovery,
                      Dht dht) {

    /** Makes the web seeds of a torrent from its url-list (or a magnet's {@code ws}). */
    @FunctionalInterface
    interface WebSeedFactory {
        java.util.List<WebSeeds.Fetcher> open(java.util.List<String> urls, TorrentInfo info);
    }

    /**
     * Opens a torrent's storage in {@code directory}, with {@code partFile} (in the state
     * directory) for the bytes of unwanted files that pieces shared with wanted ones hold, and
     * {@code wantedFiles} for each of {@link TorrentInfo#files()}.
     */
    @FunctionalInterface
    interface StorageFactory {
        Storage open(TorrentInfo info, Path directory, Path partFile, boolean[] wantedFiles) throws IOException;
    }

    /** The session's budget of connections, shared by its torrents. Thread-safe. */
    interface ConnectionSlots {
        /** Takes a slot; false when the session is full. */
        boolean reserve();

        /** Gives a slot back; once for each successful {@link #reserve}. */
        void release();
    }

    /**
     * Local Service Discovery (BEP 14) as a torrent sees it: it joins while it takes part in its swarm
     * and may be announced, and leaves when it stops. Whether it may (BEP 27: never when private) is
     * the torrent's decision; the peers heard come back through the session. Thread-safe; both are
     * no-ops when repeated.
     */
    interface LocalDiscovery {
        /** Nothing announced, nothing heard: LSD switched off. */
        LocalDiscovery OFF = new LocalDiscovery() {
            @Override
            public void join(InfoHash hash) {
            }

            @Override
            public void leave(InfoHash hash) {
            }
        };

        /** Announce {@code hash} on the local network and pass on the peers heard for it. */
        void join(InfoHash hash);

        /** Stop announcing {@code hash} and passing on its peers. */
        void leave(InfoHash hash);
    }

    /**
     * The session's DHT node (BEP 5) as a torrent sees it: while it takes part in its swarm it is
     * looked up (and announced, once it can serve), at once and every 15 minutes; the peers found
     * come back through the session. Whether it may (BEP 27: never when private) is the torrent's
     * decision. Thread-safe; join and leave are no-ops when repeated.
     */
    interface Dht {
        /** No DHT: nothing looked up, no port message sent. */
        Dht OFF = new Dht() {
            @Override
            public void join(InfoHash hash, boolean announce, java.util.List<InetSocketAddress> contacts) {
            }

            @Override
            public void leave(InfoHash hash) {
            }

            @Override
            public void nodeSeen(InetSocketAddress node) {
            }

            @Override
            public int port() {
                return 0;
            }
        };

        /**
         * Look {@code hash} up, announcing our listening port too when {@code announce}; {@code
         * contacts} (a .torrent's {@code nodes}, host names unresolved) are asked to join the table.
         * Joining again with {@code announce} set starts announcing.
         */
        void join(InfoHash hash, boolean announce, java.util.List<InetSocketAddress> contacts);

        /** Stop looking {@code hash} up. */
        void leave(InfoHash hash);

        /**
         * Look {@code hash} up (and announce) now rather than at its turn, if it has joined and the
         * schedule allows ({@link DhtSchedule#reannounce}). This default does nothing.
         */
        default void reannounce(InfoHash hash) {
        }

        /** A peer told us its DHT node's address (BEP 5's port message): it is pinged, and kept if it answers. */
        void nodeSeen(InetSocketAddress node);

        /** The UDP port of our DHT node, for our port messages; 0 when there is no DHT. */
        int port();
    }

    /** How the torrent's mailbox is made: a threaded one in a session, a manual one in tests. */
    @FunctionalInterface
    interface LoopFactory {
        Mailbox create(String name, Consumer<RuntimeException> onFailure, Consumer<Error> onFatal);
    }

    /**
     * Makes links to peers. Both methods return links not yet started: the torrent registers a
     * link before its first message can arrive.
     */
    interface Connector {
        /**
         * Dials {@code address} and exchanges handshakes; blocking (the torrent calls it on a
         * virtual thread of its own).
         */
        PeerLink dial(InetSocketAddress address, InfoHash hash, TorrentGeometry geometry,
                      PeerConnection.Listener listener, PeerConnection.Limits limits) throws Exception;

        /** Answers the handshake of an incoming connection that named this torrent; may block briefly. */
        PeerLink accept(PeerConnection.Handshaken incoming, TorrentGeometry geometry,
                        PeerConnection.Listener listener, PeerConnection.Limits limits) throws IOException;

        /**
         * The peer at {@code address} said it prefers protocol encryption (BEP 10's {@code e}, or
         * BEP 11's flag 0x01): dial it with MSE from now on. Any thread; never blocks.
         */
        void prefersEncryption(InetSocketAddress address);
    }
}
