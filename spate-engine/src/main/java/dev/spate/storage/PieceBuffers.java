package dev.spate.storage;

import java.nio.ByteBuffer;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A pool of piece-sized buffers, so a steady download makes no garbage per block: blocks are
 * copied into a pooled buffer, the full piece goes to {@link DiskIo#verifyAndWrite}, and the
 * buffer comes back here once that future completes.
 *
 * <p>Heap buffers, by choice: the SHA-1 intrinsic works on the backing array directly, nothing
 * leaks or lingers off-heap when a buffer is dropped, and the one copy the JDK makes into its
 * temporary direct buffer for a file write is a memcpy well above the disk's 3.3 GB/s (DESIGN.md,
 * Facts measured). {@code direct} is there for benchmarks to compare.
 *
 * <p>Bounded: at most {@code maxIdle} released buffers are kept; {@link #acquire()} never blocks and
 * allocates when none is idle (the bytes in flight are bounded by {@link DiskIo}'s budget, not
 * here). Thread-safe and lock-free. A buffer must be released at most once and not used after.
 */
public final class PieceBuffers {
    private final int bufferSize;
    private final int maxIdle;
    private final boolean direct;
    private final ConcurrentLinkedDeque<ByteBuffer> idle = new ConcurrentLinkedDeque<>();
    private final AtomicInteger idleCount = new AtomicInteger();
    private final AtomicLong allocated = new AtomicLong();

    /** Heap buffers of {@code bufferSize} bytes (the torrent's piece length), keeping up to {@code maxIdle}. */
    public PieceBuffers(int bufferSize, int maxIdle) {
        this(bufferSize, maxIdle, false);
    }

    public PieceBuffers(int bufferSize, int maxIdle, boolean direct) {
        if (bufferSize <= 0 || maxIdle < 0) {
            throw new IllegalArgumentException("buffer size " + bufferSize + ", max idle " + maxIdle);
        }
        this.bufferSize = bufferSize;
        this.maxIdle = maxIdle;
        this.direct = direct;
    }

    /** A cleared buffer of {@link #bufferSize()} bytes; set its limit for a short last piece. */
    public ByteBuffer acquire() {
        ByteBuffer b = idle.pollFirst();
        if (b != null) {
            idleCount.decrementAndGet();
            return b.clear();
        }
        allocated.incrementAndGet();
        return direct ? ByteBuffer.allocateDirect(bufferSize) : ByteBuffer.allocate(bufferSize);
    }

    /** Gives a buffer back; kept for reuse unless the pool is full. */
    public void release(ByteBuffer buffer) {
        if (buffer.capacity() != bufferSize || buffer.isDirect() != direct || buffer.isReadOnly()) {
            throw new IllegalArgumentException("not a buffer of this pool: " + buffer);
        }
        if (idleCount.incrementAndGet() > maxIdle) {
            idleCount.decrementAndGet();
            return; // dropped; the garbage collector has it
        }
        // LIFO: the most recently used buffer is the likeliest to be in cache.
        idle.addFirst(buffer);
    }

    /**
     * Lets go of every idle buffer (the collector frees them): for a torrent that no longer
     * downloads, whose pool would otherwise keep a disk queue's worth of memory for nothing.
     * Buffers in use come back as usual and may be pooled again.
     */
    public void trim() {
        ByteBuffer b;
        while ((b = idle.pollFirst()) != null) {
            idleCount.decrementAndGet();
        }
    }

    public int bufferSize() {
        return bufferSize;
    }

    /** Buffers waiting for reuse. */
    public int idle() {
        return idleCount.get();
    }

    /** Buffers allocated since the pool was made. */
    public long allocated() {
        return allocated.get();
    }
}
