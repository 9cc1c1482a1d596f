package dev.spate.engine;

import dev.spate.metainfo.TorrentInfo;
import dev.spate.storage.FileStat;
import dev.spate.storage.Storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;
import java.util.List;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * A torrent's {@link Storage} that can be closed, moved and opened again elsewhere while the
 * torrent lives ({@link TorrentHandle#moveStorage}): every call goes to the storage open now,
 * under the read lock of a lock whose write lock {@link #replace} holds while the files move, so
 * no read or write sees them half moved; one that comes meanwhile waits, then goes to the new
 * place.
 *
 * <p>Thread-safe, as {@link Storage} is.
 */
final class MovableStorage implements Storage {
    /** Closes the storage given, moves its files, and opens them at their new place. */
    @FunctionalInterface
    interface Move {
        Storage apply(Storage old, boolean[] wantedFiles) throws IOException;
    }

    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private final TorrentInfo info;
    /** Written under the write lock of {@link #lock}; read under its read lock, or by {@link #willWant}. */
    private volatile Storage current;
    /** What {@link #setWantedFiles} said last (null: every file), for the storage opened next. */
    private boolean[] wanted;
    /** What {@link #willWant} said last (null: nothing yet); guarded by this. */
    private boolean[] ahead;
    /** Closed: a move that comes later moves nothing. Written under the read lock, read under the write lock. */
    private volatile boolean closed;

    MovableStorage(Storage first, boolean[] wantedFiles) {
        this.current = first;
        this.info = first.info();
        this.wanted = wantedFiles == null ? null : wantedFiles.clone();
    }

    /**
     * Runs {@code move} with every other call held off, and uses what it opens from then on. When
     * it fails, it must still return, or throw having left the old storage usable (when nothing
     * was touched); see {@link TorrentHandle#moveStorage}.
     */
    void replace(Move move) throws IOException {
        lock.writeLock().lock();
        try {
            if (closed) {
                throw new IOException("the torrent's files are closed");
            }
            current = move.apply(current, wantedNext());
        } finally {
            lock.writeLock().unlock();
        }
    }

    @Override
    public TorrentInfo info() {
        return info;
    }

    @Override
    public void writePiece(int piece, ByteBuffer data) throws IOException {
        lock.readLock().lock();
        try {
            current.writePiece(piece, data);
        } finally {
            lock.readLock().unlock();
        }
    }

    @Override
    public void read(int piece, int begin, ByteBuffer dst) throws IOException {
        lock.readLock().lock();
        try {
            current.read(piece, begin, dst);
        } finally {
            lock.readLock().unlock();
        }
    }

    @Override
    public void transferTo(int piece, int begin, int length, WritableByteChannel target) throws IOException {
        lock.readLock().lock();
        try {
            current.transferTo(piece, begin, length, target);
        } finally {
            lock.readLock().unlock();
        }
    }

    @Override
    public boolean readPiece(int piece, ByteBuffer dst) throws IOException {
        lock.readLock().lock();
        try {
            return current.readPiece(piece, dst);
        } finally {
            lock.readLock().unlock();
        }
    }

    @Override
    public void setWantedFiles(boolean[] wantedFiles) throws IOException {
        lock.readLock().lock();
        try {
            current.setWantedFiles(wantedFiles);
            synchronized (this) {
                wanted = wantedFiles.clone();
            }
        } finally {
            lock.readLock().unlock();
        }
    }

    /**
     * Without the lock: the loop calls it and must not wait for a move. A move opens the next
     * storage with these flags too ({@link #wantedNext}).
     */
    @Override
    public void willWant(boolean[] wantedFiles) {
        synchronized (this) {
            ahead = wantedFiles.clone();
        }
        current.willWant(wantedFiles);
    }

    /** What the next storage is opened with: what setWantedFiles said, less what willWant turned off since. */
    private synchronized boolean[] wantedNext() {
        if (wanted == null && ahead == null) {
            return null;
        }
        boolean[] out = wanted == null ? new boolean[info.files().size()] : wanted.clone();
        if (wanted == null) {
            java.util.Arrays.fill(out, true);
        }
        for (int i = 0; ahead != null && i < out.length; i++) {
            out[i] &= ahead[i];
        }
        return out;
    }

    @Override
    public List<Integer> keptPiecesLost(dev.spate.core.Bitfield have) throws IOException {
        lock.readLock().lock();
        try {
            return current.keptPiecesLost(have);
        } finally {
            lock.readLock().unlock();
        }
    }

    @Override
    public void forgetOpenFiles() {
        lock.readLock().lock();
        try {
            current.forgetOpenFiles();
        } finally {
            lock.readLock().unlock();
        }
    }

    @Override
    public List<FileStat> stat() throws IOException {
        lock.readLock().lock();
        try {
            return current.stat();
        } finally {
            lock.readLock().unlock();
        }
    }

    @Override
    public void flush() throws IOException {
        lock.readLock().lock();
        try {
            current.flush();
        } finally {
            lock.readLock().unlock();
        }
    }

    /**
     * Closes the storage open now; after a move under way, not during it. Under the read lock only,
     * as the storage's own close: reads still running (a check) end on their own.
     */
    @Override
    public void close() throws IOException {
        lock.readLock().lock();
        try {
            closed = true;
            current.close();
        } finally {
            lock.readLock().unlock();
        }
    }

    @Override
    public String toString() {
        lock.readLock().lock();
        try {
            return current.toString();
        } finally {
            lock.readLock().unlock();
        }
    }
}
