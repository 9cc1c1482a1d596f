package dev.spate.storage;

import dev.spate.metainfo.FileLayout;
import dev.spate.metainfo.FileSpan;
import dev.spate.metainfo.TorrentInfo;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.NoSuchFileException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A torrent's files in memory, for tests: the same contract as {@link FileStorage} (files exist
 * once written, zero-length ones from the start; a file's size is the end of its furthest write).
 * Modification times are a counter bumped on every write, so a changed file never looks unchanged.
 * Counts pieces written and read, so tests can see what reached it.
 *
 * <p>Thread-safe: one {@link ReentrantLock} guards everything.
 */
public final class MemoryStorage implements Storage {
    private final TorrentInfo info;
    private final FileLayout layout;
    private final ReentrantLock lock = new ReentrantLock();
    private final byte[][] files;
    private final long[] sizes;
    private final long[] modified;
    private long clock;
    private int piecesWritten;
    private int reads;

    public MemoryStorage(TorrentInfo info) {
        this.info = info;
        this.layout = info.layout();
        int n = info.files().size();
        this.files = new byte[n][];
        this.sizes = new long[n];
        this.modified = new long[n];
        for (int i = 0; i < n; i++) {
            long length = info.files().get(i).length();
            if (length > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("file " + i + " too large for memory: " + length);
            }
            sizes[i] = -1;
            if (length == 0) {
                files[i] = new byte[0];
                sizes[i] = 0;
            }
        }
    }

    @Override
    public TorrentInfo info() {
        return info;
    }

    @Override
    public void writePiece(int piece, ByteBuffer data) throws IOException {
        int size = info.pieceSize(piece);
        if (data.remaining() != size) {
            throw new IllegalArgumentException("piece " + piece + " is " + size + " bytes, given " + data.remaining());
        }
        lock.lock();
        try {
            for (FileSpan span : layout.spans(piece, 0, size)) {
                int f = span.fileIndex();
                if (files[f] == null) {
                    files[f] = new byte[(int) info.files().get(f).length()];
                }
                data.get(data.position() + span.rangeOffset(), files[f], (int) span.fileOffset(), span.length());
                sizes[f] = Math.max(sizes[f], span.fileOffset() + span.length());
                modified[f] = ++clock;
            }
            piecesWritten++;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void read(int piece, int begin, ByteBuffer dst) throws IOException {
        int start = dst.position();
        int length = dst.remaining();
        lock.lock();
        try {
            for (FileSpan span : layout.spans(piece, begin, length)) {
                int f = span.fileIndex();
                if (sizes[f] < 0) {
                    throw new NoSuchFileException(info.files().get(f).displayPath());
                }
                if (sizes[f] < span.fileOffset() + span.length()) {
                    throw new EOFException(info.files().get(f).displayPath() + " ends at " + sizes[f]);
                }
                dst.put(start + span.rangeOffset(), files[f], (int) span.fileOffset(), span.length());
            }
            reads++;
        } finally {
            lock.unlock();
        }
        dst.position(start + length);
    }

    @Override
    public boolean readPiece(int piece, ByteBuffer dst) throws IOException {
        int size = info.pieceSize(piece);
        if (dst.remaining() < size) {
            throw new IllegalArgumentException("piece " + piece + " is " + size + " bytes, room for " + dst.remaining());
        }
        lock.lock();
        try {
            for (FileSpan span : layout.spans(piece, 0, size)) {
                if (sizes[span.fileIndex()] < span.fileOffset() + span.length()) {
                    return false;
                }
            }
            read(piece, 0, dst.slice(dst.position(), size));
            dst.position(dst.position() + size);
            return true;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public List<FileStat> stat() {
        lock.lock();
        try {
            List<FileStat> out = new ArrayList<>(files.length);
            for (int i = 0; i < files.length; i++) {
                out.add(sizes[i] < 0 ? FileStat.MISSING : new FileStat(sizes[i], modified[i]));
            }
            return out;
        } finally {
            lock.unlock();
        }
    }

    /** Flips one byte of file {@code fileIndex} as a disk fault would, without touching its modification time. */
    public void corrupt(int fileIndex, long offset) {
        lock.lock();
        try {
            if (sizes[fileIndex] <= offset) {
                throw new IllegalArgumentException("file " + fileIndex + " has no byte " + offset);
            }
            files[fileIndex][(int) offset] ^= (byte) 0xff;
        } finally {
            lock.unlock();
        }
    }

    /** A copy of file {@code fileIndex}'s bytes as far as written, or null while it does not exist. */
    public byte[] fileBytes(int fileIndex) {
        lock.lock();
        try {
            return sizes[fileIndex] < 0 ? null : Arrays.copyOf(files[fileIndex], (int) sizes[fileIndex]);
        } finally {
            lock.unlock();
        }
    }

    /** Calls to {@link #writePiece} so far. */
    public int piecesWritten() {
        lock.lock();
        try {
            return piecesWritten;
        } finally {
            lock.unlock();
        }
    }

    /** Successful calls to {@link #read} (and {@link #readPiece} that found the piece) so far. */
    public int reads() {
        lock.lock();
        try {
            return reads;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void flush() {
    }

    @Override
    public void close() {
    }

    @Override
    public String toString() {
        return "MemoryStorage[" + info.name() + "]";
    }
}
