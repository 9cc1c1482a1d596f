package dev.spate.engine;

import dev.spate.core.InfoHash;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * A torrent in a {@link Session}. Methods may be called from any thread; they hand the work to the
 * torrent's own thread and never wait on the network or the disk.
 */
public sealed interface TorrentHandle permits Handle {
    /** The torrent's info-hash. */
    InfoHash infoHash();

    /** The torrent's name. */
    String name();

    /**
     * A snapshot of the torrent, taken on its own thread; if that thread does not answer within two
     * seconds (or is gone), its last snapshot, with {@link TorrentStatus#stale()} set.
     */
    TorrentStatus status();

    /** A snapshot of every connected peer (empty if the torrent's thread does not answer in time). */
    List<PeerStats> peers();

    /**
     * Adds a peer to dial (ignored when it is banned, already connected, or ourselves); one that
     * refuses is tried again later, waiting longer each time.
     */
    void connect(InetSocketAddress peer);

    /**
     * Limits this torrent to {@code downloadBytesPerSecond} and {@code uploadBytesPerSecond} of
     * payload (0 for no limit), within the session's own limits.
     *
     * @throws IllegalArgumentException if either is negative
     */
    void setRateLimits(long downloadBytesPerSecond, long uploadBytesPerSecond);

    /** Adds a tracker, as a tier of its own after the torrent's, and announces to it. */
    void addTracker(String url);

    /**
     * Completes when every piece is verified on disk (at once if it already is); completes
     * exceptionally with {@link TorrentRemovedException} when the torrent is removed (or its
     * session closes) first, and with {@link TorrentFailedException} when an error stops it.
     */
    CompletableFuture<Void> completion();

    /**
     * Waits for {@link #completion()} up to {@code timeout}.
     *
     * @return true once complete, false when the time ran out first
     * @throws TorrentRemovedException if the torrent was removed first
     * @throws TorrentFailedException if an error stopped it first
     */
    boolean awaitCompletion(Duration timeout) throws InterruptedException;

    /** Disconnects every peer and stops; the data and what is verified stay. */
    void pause();

    /** Starts again after {@link #pause()}. */
    void resume();

    /** Stops the torrent and takes it out of its session; the files stay on disk. */
    void remove();
}
