package dev.spate.engine;

import dev.spate.core.InfoHash;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The {@link TorrentHandle} of a torrent in a session: every call is handed to the torrent's loop.
 * A question (status, peers) waits at most {@link #ASK_TIMEOUT} for the loop's answer, then gives
 * the last snapshot, marked {@link TorrentStatus#stale()}.
 *
 * <p>Thread-safe: holds nothing of its own.
 */
final class Handle implements TorrentHandle {
    /** How long a question waits for the loop before the last snapshot answers it. */
    static final Duration ASK_TIMEOUT = Duration.ofSeconds(2);

    private final Torrent torrent;

    Handle(Torrent torrent) {
        this.torrent = torrent;
    }

    Torrent torrent() {
        return torrent;
    }

    @Override
    public InfoHash infoHash() {
        return torrent.hash();
    }

    @Override
    public String name() {
        return torrent.info().name();
    }

    @Override
    public TorrentStatus status() {
        TorrentStatus s = ask(torrent.loop().ask(torrent::snapshot));
        return s != null ? s : torrent.lastStatus();
    }

    @Override
    public List<PeerStats> peers() {
        List<PeerStats> p = ask(torrent.loop().ask(torrent::peerSnapshots));
        return p != null ? p : List.of();
    }

    /** The loop's answer, or null when it is gone or too slow; an interrupt stays set for the caller. */
    private static <T> T ask(CompletableFuture<T> answer) {
        try {
            return answer.get(ASK_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        } catch (ExecutionException | TimeoutException e) {
            return null;
        }
    }

    @Override
    public void connect(InetSocketAddress peer) {
        torrent.connect(peer);
    }

    @Override
    public void setRateLimits(long downloadBytesPerSecond, long uploadBytesPerSecond) {
        if (downloadBytesPerSecond < 0 || uploadBytesPerSecond < 0) {
            throw new IllegalArgumentException("rate limits " + downloadBytesPerSecond + ", " + uploadBytesPerSecond
                    + ": negative");
        }
        torrent.setRateLimits(downloadBytesPerSecond, uploadBytesPerSecond);
    }

    @Override
    public void addTracker(String url) {
        torrent.addTracker(url);
    }

    @Override
    public CompletableFuture<Void> completion() {
        return torrent.completion();
    }

    @Override
    public boolean awaitCompletion(Duration timeout) throws InterruptedException {
        try {
            torrent.completion().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r; // TorrentRemovedException or TorrentFailedException
            }
            throw new IllegalStateException(e.getCause());
        }
    }

    @Override
    public void pause() {
        torrent.pause();
    }

    @Override
    public void resume() {
        torrent.resume();
    }

    @Override
    public void remove() {
        torrent.remove();
    }

    @Override
    public String toString() {
        return "torrent " + name() + " " + infoHash();
    }
}
