package dev.spate.engine;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * A torrent in a {@link Session}. Methods may be called from any thread; they hand the work to the
 * torrent's own thread.
 */
public interface TorrentHandle {
    /** The info-hash in hex. */
    String infoHash();

    /** The torrent's name. */
    String name();

    /** A snapshot of the torrent, taken on its own thread. */
    TorrentStatus status();

    /** A snapshot of every connected peer. */
    List<PeerStats> peers();

    /** Adds a peer to dial (ignored when it is banned, already known, or the torrent is paused). */
    void connect(InetSocketAddress peer);

    /**
     * Limits this torrent to {@code downloadBytesPerSecond} and {@code uploadBytesPerSecond} of
     * payload (0 for no limit), within the session's own limits.
     */
    void setRateLimits(long downloadBytesPerSecond, long uploadBytesPerSecond);

    /** Adds a tracker, as a tier of its own after the torrent's, and announces to it. */
    void addTracker(String url);

    /** Completes when every piece is verified on disk (at once if it already is). */
    CompletableFuture<Void> completion();

    /** Waits for {@link #completion()} up to {@code timeout}; returns whether it completed. */
    default boolean awaitCompletion(Duration timeout) throws InterruptedException {
        try {
            completion().get(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
            return true;
        } catch (java.util.concurrent.TimeoutException e) {
            return false;
        } catch (java.util.concurrent.ExecutionException e) {
            return false;
        }
    }

    /** Disconnects every peer and stops; the data and what is verified stay. */
    void pause();

    /** Starts again after {@link #pause()}. */
    void resume();

    /** Stops the torrent and takes it out of its session; the files stay on disk. */
    void remove();
}
