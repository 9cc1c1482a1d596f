package dev.spate.engine;

import dev.spate.core.InfoHash;
import java.net.InetSocketAddress;
import java.util.List;

/**
 * Something that happened to a torrent. A closed set: switch over it. Every event names its
 * torrent by its info-hash.
 */
public sealed interface Event {
    /** The torrent's info-hash. */
    InfoHash infoHash();

    /**
     * The DHT (BEP 5) can look this torrent up: it has joined the network, now or before the
     * torrent was added, with {@code nodes} in its routing tables.
     */
    record DhtReady(InfoHash infoHash, int nodes) implements Event {
    }

    /** A DHT lookup of this torrent ended: {@code peers} found, {@code nodes} of the closest answered. */
    record DhtReply(InfoHash infoHash, int peers, int nodes) implements Event {
    }

    /** A piece passed its hash check and is on disk. */
    record PieceVerified(InfoHash infoHash, int piece) implements Event {
    }

    /**
     * A recheck ({@link TorrentHandle#recheck()}) did not find a piece that was verified before:
     * it is missing on disk or no longer matches its hash. It is fetched again.
     */
    record PieceLost(InfoHash infoHash, int piece) implements Event {
    }

    /**
     * A file or directory of a torrent removed with its data ({@link TorrentHandle#remove(boolean)})
     * was left on disk, for {@code reason}: a symbolic link where the torrent has a file or
     * directory (never followed), a directory holding something else, or a failure to delete.
     */
    record DataLeft(InfoHash infoHash, java.nio.file.Path path, String reason) implements Event {
    }

    /**
     * A piece failed its hash check and was thrown away; {@code peers} sent its blocks (none when a
     * web seed brought it whole: that web seed is dropped, see {@link WebSeedDropped}).
     */
    record HashFailed(InfoHash infoHash, int piece, List<InetSocketAddress> peers) implements Event {
        /** Keeps an unmodifiable copy of the peers. */
        public HashFailed {
            peers = List.copyOf(peers);
        }
    }

    /** A peer finished its handshake, plaintext or encrypted ({@code encryption}). */
    record PeerConnected(InfoHash infoHash, InetSocketAddress address, String client, boolean outgoing,
                         PeerEncryption encryption) implements Event {
    }

    /** A peer connection ended, for {@code reason}. */
    record PeerDisconnected(InfoHash infoHash, InetSocketAddress address, String reason) implements Event {
    }

    /** A peer was banned and will not be connected again this session. */
    record PeerBanned(InfoHash infoHash, InetSocketAddress address, String reason) implements Event {
    }

    /**
     * A tracker answered an announce with {@code peers} peers, perhaps with a warning.
     *
     * @param url the tracker, without its query string
     * @param interval how long until the next regular announce, as the tracker asked
     */
    record TrackerReply(InfoHash infoHash, String url, int peers, java.util.Optional<String> warning,
                        java.time.Duration interval) implements Event {
    }

    /** No tracker answered an announce; {@code message} says what each one did. The torrent goes on. */
    record TrackerError(InfoHash infoHash, String message) implements Event {
    }

    /**
     * A web seed was dropped for the rest of the session (BEP 19): a piece from it failed its hash
     * check, and none of its bytes were written.
     *
     * @param url the web seed's URL
     * @param reason why, for people
     */
    record WebSeedDropped(InfoHash infoHash, String url, String reason) implements Event {
    }

    /** The torrent's state changed. */
    record StateChanged(InfoHash infoHash, TorrentState from, TorrentState to) implements Event {
    }

    /** Every piece is verified on disk. Sent once, also when a torrent is added already complete. */
    record TorrentComplete(InfoHash infoHash) implements Event {
    }

    /** An error the torrent could not get past; its state is now {@link TorrentState#ERROR}. */
    record TorrentError(InfoHash infoHash, String message) implements Event {
    }
}
