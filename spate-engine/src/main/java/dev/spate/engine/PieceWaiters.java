package dev.spate.engine;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Futures waiting for pieces to be verified (a {@link FileStream} waiting for the bytes under its
 * position): each completes when its piece is verified, or exceptionally when the torrent stops
 * first. A waiter that gives up (the stream is closed) cancels its own future, which is dropped
 * at the next wait for that piece, or when the piece verifies.
 *
 * <p>Not thread-safe: owned by the torrent's loop, which completes the futures; the waiting threads
 * only wait on them (nothing runs on the loop when they complete).
 */
final class PieceWaiters {
    private final Map<Integer, List<CompletableFuture<Void>>> waiting = new HashMap<>();
    private RuntimeException stopped;

    /** A future for {@code piece}: completed already when {@code have}, failed when the torrent stopped. */
    CompletableFuture<Void> await(int piece, boolean have) {
        CompletableFuture<Void> f = new CompletableFuture<>();
        if (stopped != null) {
            f.completeExceptionally(stopped);
        } else if (have) {
            f.complete(null);
        } else {
            List<CompletableFuture<Void>> list = waiting.computeIfAbsent(piece, k -> new ArrayList<>(1));
            list.removeIf(CompletableFuture::isDone); // those that gave up
            list.add(f);
        }
        return f;
    }

    void verified(int piece) {
        List<CompletableFuture<Void>> list = waiting.remove(piece);
        if (list != null) {
            list.forEach(f -> f.complete(null));
        }
    }

    /** The torrent stopped: every waiter fails with {@code why}, and so will any later one. */
    void stop(RuntimeException why) {
        if (stopped == null) {
            stopped = why;
        }
        waiting.values().forEach(list -> list.forEach(f -> f.completeExceptionally(why)));
        waiting.clear();
    }
}
