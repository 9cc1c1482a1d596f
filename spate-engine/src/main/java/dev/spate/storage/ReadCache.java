package dev.spate.storage;

import java.nio.ByteBuffer;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Recently read whole pieces, least recently used out first, bounded in bytes. Thread-safe: one
 * {@link ReentrantLock} held only for map bookkeeping. The buffers are never written after being
 * put, and are handed out as read-only slices.
 */
final class ReadCache {
    private record Key(Storage storage, int piece) {
    }

    private final long capacity;
    private final ReentrantLock lock = new ReentrantLock();
    private final LinkedHashMap<Key, ByteBuffer> pieces = new LinkedHashMap<>(16, 0.75f, true);
    private long bytes;

    ReadCache(long capacity) {
        this.capacity = capacity;
    }

    long capacity() {
        return capacity;
    }

    /** The whole piece (position 0, limit its size), or null. */
    ByteBuffer get(Storage storage, int piece) {
        lock.lock();
        try {
            ByteBuffer b = pieces.get(new Key(storage, piece));
            return b == null ? null : b.duplicate();
        } finally {
            lock.unlock();
        }
    }

    void put(Storage storage, int piece, ByteBuffer whole) {
        lock.lock();
        try {
            ByteBuffer old = pieces.put(new Key(storage, piece), whole);
            if (old != null) {
                bytes -= old.remaining();
            }
            bytes += whole.remaining();
            Iterator<ByteBuffer> it = pieces.values().iterator();
            while (bytes > capacity && it.hasNext()) {
                bytes -= it.next().remaining();
                it.remove();
            }
        } finally {
            lock.unlock();
        }
    }

    void forget(Storage storage) {
        lock.lock();
        try {
            Iterator<Map.Entry<Key, ByteBuffer>> it = pieces.entrySet().iterator();
            while (it.hasNext()) {
                Map.Entry<Key, ByteBuffer> e = it.next();
                if (e.getKey().storage() == storage) {
                    bytes -= e.getValue().remaining();
                    it.remove();
                }
            }
        } finally {
            lock.unlock();
        }
    }
}
