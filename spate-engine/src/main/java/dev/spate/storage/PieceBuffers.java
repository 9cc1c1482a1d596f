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
 * <p>Heap or direct buffers. Direct ones start on a {@value #ALIGNMENT}-byte boundary, so that
 * {@link FileStorage} can hand them to the disk with direct IO (which needs aligned memory) and no
 * copy at all.
 *
 * <p>Bounded: at most {@code maxIdle} released buffers are kept; {@link #acquire()} never blocks and
 * allocates when none is idle (the bytes in flight are bounded by {@link DiskIo}'s budget, not
 * here). Thread-safe and lock-free. A buffer must be released at most once and not used after.
 */
public final class PieceBuffers {
    /** Where direct buffers start: a multiple of the page size, and of every usual disk block size. */
    public static final int ALIGNMENT = 4096;

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
        return direct ? alignedDirect(bufferSize) : ByteBuffer.allocate(bufferSize);
    }

    /** A direct buffer of {@code size} bytes whose first byte is on an {@link #ALIGNMENT} boundary. */
    static ByteBuffer alignedDirect(int size) {
        // The slice keeps the whole allocation reachable, so its memory lives as long as the slice.
        ByteBuffer raw = ByteBuffer.allocateDirect(size + ALIGNMENT - 1);
        int skip = raw.alignmentOffset(0, ALIGNMENT) == 0 ? 0 : ALIGNMENT - raw.alignmentOffset(0, ALIGNMENT);
        return raw.slice(skip, size);
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
