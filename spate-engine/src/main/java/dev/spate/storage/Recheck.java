package dev.spate.storage;

import dev.spate.core.Bitfield;
import dev.spate.metainfo.TorrentInfo;

import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Finds which pieces are on disk by hashing them: the fallback when there is no trustworthy resume
 * file. Runs on {@link DiskIo}'s pool, one worker per pool thread, each with one piece buffer of
 * its own (so memory is threads x piece length; kept on the thread for the next check when the
 * piece is at most 1 MiB). A piece whose files are missing or too short is
 * absent at once, without reading ({@link Storage#readPiece}).
 *
 * <p>Cancelling the returned future stops the workers after their current piece.
 */
public final class Recheck {
    /** Progress of a recheck; called from pool threads, so it must be quick and thread-safe. */
    @FunctionalInterface
    public interface Progress {
        /** {@code checked} of {@code total} pieces are done (not necessarily in order). */
        void checked(int checked, int total);

        Progress NONE = (checked, total) -> {
        };
    }

    private Recheck() {
    }

    static CompletableFuture<Bitfield> run(DiskIo io, Storage storage, Progress progress) {
        Bitfield every = new Bitfield(storage.info().pieceCount());
        every.setAll();
        return run(io, storage, every, progress);
    }

    /**
     * The largest piece whose check buffer a disk thread keeps for the next check: a thousand
     * torrents added at once would otherwise make two buffers each for the collector to take back
     * (bench/many), while a buffer of a larger piece is not worth keeping once its check is over.
     */
    static final int KEPT_BUFFER = 1 << 20;
    /** Each disk thread's buffer for pieces up to {@link #KEPT_BUFFER}; used on that thread only. */
    private static final ThreadLocal<ByteBuffer> KEPT = new ThreadLocal<>();

    /** A heap buffer of at least {@code pieceLength} bytes for the calling thread's check. */
    static ByteBuffer buffer(int pieceLength) {
        if (pieceLength > KEPT_BUFFER) {
            return ByteBuffer.allocate(pieceLength);
        }
        ByteBuffer b = KEPT.get();
        if (b == null || b.capacity() < pieceLength) {
            b = ByteBuffer.allocate(pieceLength);
            KEPT.set(b);
        }
        return b;
    }

    /**
     * Hashes the pieces {@code which} lists, and only those; the result lists those found. The
     * progress counts them ({@code total} is their number).
     */
    static CompletableFuture<Bitfield> run(DiskIo io, Storage storage, Bitfield which, Progress progress) {
        TorrentInfo info = storage.info();
        int[] pieces = new int[which.cardinality()];
        for (int p = which.nextSet(0), i = 0; p >= 0; p = which.nextSet(p + 1)) {
            pieces[i++] = p;
        }
        int total = pieces.length;
        CompletableFuture<Bitfield> result = new CompletableFuture<>();
        Bitfield have = new Bitfield(info.pieceCount());
        if (total == 0) {
            result.complete(have);
            return result;
        }
        ReentrantLock haveLock = new ReentrantLock(); // guards have
        AtomicInteger next = new AtomicInteger();
        AtomicInteger checked = new AtomicInteger();
        int workers = Math.min(io.threads(), total);
        AtomicInteger running = new AtomicInteger(workers);
        Runnable worker = () -> {
            try {
                ByteBuffer buffer = buffer(info.pieceLength());
                for (int n = next.getAndIncrement(); n < total && !result.isDone(); n = next.getAndIncrement()) {
                    int piece = pieces[n];
                    buffer.clear().limit(info.pieceSize(piece));
                    if (storage.readPiece(piece, buffer) && DiskIo.verify(info, piece, buffer.flip())) {
                        haveLock.lock();
                        try {
                            have.set(piece);
                        } finally {
                            haveLock.unlock();
                        }
                    }
                    progress.checked(checked.incrementAndGet(), total);
                }
            } catch (Throwable t) {
                result.completeExceptionally(t);
            } finally {
                if (running.decrementAndGet() == 0) {
                    haveLock.lock();
                    try {
                        result.complete(have.copy());
                    } finally {
                        haveLock.unlock();
                    }
                }
            }
        };
        try {
            for (int i = 0; i < workers; i++) {
                io.pool().execute(worker);
            }
        } catch (RejectedExecutionException e) {
            result.completeExceptionally(e);
        }
        return result;
    }
}
