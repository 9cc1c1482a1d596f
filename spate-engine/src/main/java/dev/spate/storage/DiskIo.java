package dev.spate.storage;

import dev.spate.core.Bitfield;
import dev.spate.metainfo.TorrentInfo;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The session's disk: a small pool of platform threads that hash pieces and do all file IO, so
 * no peer's virtual thread ever blocks in the file system (DESIGN.md, Threads).
 *
 * <p><b>Backpressure.</b> The bytes queued for disk are bounded per session.
 * {@link #verifyAndWrite} takes the piece's bytes from a budget before queueing it and blocks its
 * caller while the budget is spent; the bytes come back once the piece is hashed and written (or
 * rejected). The caller is a peer's virtual thread (or the torrent loop acting for it): while it
 * waits it does not read its socket, so TCP slows the peer down. The semaphore is fair, so a large
 * piece is not starved by small ones. A piece larger than the whole budget takes all of it.
 *
 * <p>Seeding does not come here: a peer's writer has the storage send each block straight from
 * the file ({@link Storage#transferTo}).
 *
 * <p>Thread-safe. One per session; torrents pass their own {@link Storage} to each call.
 */
public final class DiskIo implements AutoCloseable {
    /** Bytes queued for disk by default: 64 MiB. */
    public static final int DEFAULT_QUEUED_BYTES = 64 << 20;

    private static final ThreadLocal<MessageDigest> SHA1 = ThreadLocal.withInitial(() -> {
        try {
            return MessageDigest.getInstance("SHA-1");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-1", e);
        }
    });

    /** Where {@link #verify} copies a direct buffer's bytes for the digest, 64 KiB at a time. */
    private static final ThreadLocal<byte[]> CHUNK = ThreadLocal.withInitial(() -> new byte[64 * 1024]);

    private final ExecutorService pool;
    private final int threads;
    private final int budgetBytes;
    private final Semaphore budget;

    /**
     * @param threads platform threads for hashing and IO (about the number of cores)
     * @param queuedBytes the most bytes waiting for or in hashing and writing at once
     */
    public DiskIo(int threads, int queuedBytes) {
        if (threads < 1 || queuedBytes < 1) {
            throw new IllegalArgumentException("threads " + threads + ", queued bytes " + queuedBytes);
        }
        this.threads = threads;
        this.budgetBytes = queuedBytes;
        this.budget = new Semaphore(queuedBytes, true);
        AtomicInteger n = new AtomicInteger();
        ThreadFactory factory = r -> {
            Thread t = new Thread(r, "spate-disk-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
        this.pool = Executors.newFixedThreadPool(threads, factory);
    }

    /** A pool of one thread per core (at least 2), 64 MiB queued. */
    public static DiskIo withDefaults() {
        return new DiskIo(Math.max(2, Runtime.getRuntime().availableProcessors()), DEFAULT_QUEUED_BYTES);
    }

    /**
     * Queues a downloaded piece: hashes it (SHA-1, BEP 3) on the pool and, if it matches, writes it
     * with one positional write per file span. Completes with true once written, false when the
     * hash did not match (nothing is written), or exceptionally with the IOException of a failed
     * write. Unverified data therefore never reaches the disk.
     *
     * <p>Blocks the caller until the piece's bytes fit in the budget (see the class comment).
     * {@code data} (position to limit, exactly the piece) must not be touched until the future
     * completes; then its buffer may go back to {@link PieceBuffers}.
     *
     * @throws InterruptedException if interrupted while waiting for the budget; nothing is queued
     */
    public CompletableFuture<Boolean> verifyAndWrite(Storage storage, int piece, ByteBuffer data)
            throws InterruptedException {
        int size = storage.info().pieceSize(piece);
        if (data.remaining() != size) {
            throw new IllegalArgumentException("piece " + piece + " is " + size + " bytes, given " + data.remaining());
        }
        int permits = Math.min(size, budgetBytes);
        budget.acquire(permits);
        CompletableFuture<Boolean> result = new CompletableFuture<>();
        try {
            pool.execute(() -> {
                boolean passed = false;
                Throwable failure = null;
                try {
                    passed = verify(storage.info(), piece, data);
                    if (passed) {
                        storage.writePiece(piece, data);
                    }
                } catch (Throwable t) {
                    failure = t;
                } finally {
                    // Give the bytes back before completing, so whoever the completion wakes finds them.
                    budget.release(permits);
                }
                if (failure != null) {
                    result.completeExceptionally(failure);
                } else {
                    result.complete(passed);
                }
            });
        } catch (RejectedExecutionException e) {
            budget.release(permits);
            throw e;
        }
        return result;
    }

    /** Work on a torrent's files, run on the pool by {@link #execute}. */
    @FunctionalInterface
    public interface Task {
        void run() throws IOException;
    }

    /**
     * Runs {@code task} on the pool (file work that must not run on a torrent's loop, such as
     * moving the bytes of a file that became wanted into place); completes when it has, or
     * exceptionally with its failure.
     */
    public CompletableFuture<Void> execute(Task task) {
        CompletableFuture<Void> result = new CompletableFuture<>();
        try {
            pool.execute(() -> {
                try {
                    task.run();
                    result.complete(null);
                } catch (Throwable t) {
                    result.completeExceptionally(t);
                }
            });
        } catch (RejectedExecutionException e) {
            result.completeExceptionally(e);
        }
        return result;
    }

    /**
     * Waits until {@code bytes} (at most the whole budget) would fit in the disk queue, without
     * taking them. A peer's reader thread calls this before handing on a block, so that while the
     * disk is behind, peers are simply not read. The semaphore is fair: the wait queues behind
     * pieces already waiting to be written.
     */
    public void awaitRoom(int bytes) throws InterruptedException {
        int permits = Math.min(Math.max(bytes, 1), budgetBytes);
        budget.acquire(permits);
        budget.release(permits);
    }

    /**
     * Hashes every piece of {@code storage} that can be on disk, on this pool; see {@link Recheck}.
     */
    public CompletableFuture<Bitfield> recheck(Storage storage, Recheck.Progress progress) {
        return Recheck.run(this, storage, progress);
    }

    /** Hashes the pieces of {@code storage} that {@code which} lists, and no other, on this pool. */
    public CompletableFuture<Bitfield> recheck(Storage storage, Bitfield which, Recheck.Progress progress) {
        return Recheck.run(this, storage, which, progress);
    }

    /** Bytes now taken from the budget: queued for, or in, hashing and writing. */
    public long queuedBytes() {
        return (long) budgetBytes - budget.availablePermits();
    }

    /** Bytes of the budget not taken. */
    public int availableBytes() {
        return budget.availablePermits();
    }

    /** Callers blocked waiting for the budget (an estimate, for statistics and tests). */
    public int waitingCallers() {
        return budget.getQueueLength();
    }

    /** Stops the pool after the queued work; waits up to 10 s for it. */
    @Override
    public void close() throws InterruptedException {
        pool.shutdown();
        if (!pool.awaitTermination(10, TimeUnit.SECONDS)) {
            pool.shutdownNow();
        }
    }

    ExecutorService pool() {
        return pool;
    }

    int threads() {
        return threads;
    }

    /** Whether {@code data} (position to limit, left as they are) hashes to {@code piece}'s SHA-1. */
    static boolean verify(TorrentInfo info, int piece, ByteBuffer data) {
        MessageDigest sha1 = SHA1.get();
        sha1.reset();
        if (data.hasArray()) {
            sha1.update(data.array(), data.arrayOffset() + data.position(), data.remaining());
        } else {
            // A direct buffer goes through a chunk of heap of our own, not MessageDigest.update(ByteBuffer):
            // compiling that method (its copy loop with the SHA-1 intrinsic inlined) sometimes sent
            // JDK 25's C2 into seconds of a quadratic pass (Unique_Node_List::remove), 7 CPU-s and
            // 200 MB of compiler memory in one of four 256 MiB downloads. Larger chunks also mean
            // fewer calls than its 4 KiB ones.
            byte[] chunk = CHUNK.get();
            int at = data.position();
            int end = data.limit();
            while (at < end) {
                int n = Math.min(chunk.length, end - at);
                data.get(at, chunk, 0, n);
                sha1.update(chunk, 0, n);
                at += n;
            }
        }
        return info.hashMatches(piece, sha1.digest());
    }
}
