package dev.spate.storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.BitSet;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Verified pieces kept apart from the torrent's files, in the session's state directory: the
 * pieces a wanted file shares with a file that is not wanted (and not on disk), so that they can be
 * verified, read back and served without creating the unwanted file (libtorrent keeps the same in
 * its {@code .parts} file). {@link FileStorage} decides what goes here and moves the bytes into a
 * file that becomes wanted.
 *
 * <p>Layout: a row of slots, each a 4-byte big-endian piece index (-1 for a free slot) followed by
 * a whole piece's bytes ({@code pieceLength}; the last piece's slot is as long as the others). The
 * index is written after the bytes, so a slot cut short by a crash names no piece, or names one
 * whose bytes fail its hash when the data is checked again. Read back at open, so what was kept
 * survives a restart. The file is created on the first piece and deleted when its last slot is
 * freed.
 *
 * <p>Thread-safe: the slot table is guarded by a lock held for bookkeeping only; reads and writes
 * are positional, on one channel.
 */
final class PartFile {
    private static final int HEADER = 4;

    private final Path path;
    private final int pieceLength;
    private final ReentrantLock lock = new ReentrantLock();
    /** Piece to slot; guarded by {@link #lock}. */
    private final Map<Integer, Integer> slots = new HashMap<>();
    /** Slots in use; guarded by {@link #lock}. */
    private final BitSet used = new BitSet();
    /** Null until a piece is kept; guarded by {@link #lock}. */
    private FileChannel channel;
    private boolean dirty;

    private PartFile(Path path, int pieceLength) {
        this.path = path;
        this.pieceLength = pieceLength;
    }

    /**
     * The part file at {@code path}, reading what an earlier run kept there. A slot naming no piece
     * of the torrent ({@code pieceCount} pieces; the file damaged or another torrent's) counts as
     * free, and a slot cut short at the end of the file as absent.
     */
    static PartFile open(Path path, int pieceLength, int pieceCount) throws IOException {
        PartFile parts = new PartFile(path, pieceLength);
        FileChannel ch;
        try {
            ch = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            return parts;
        } catch (IOException e) {
            throw new StorageException("opening part file " + path + ": " + StorageException.reason(e), e);
        }
        parts.channel = ch;
        long slotSize = parts.slotSize();
        long count = ch.size() / slotSize;
        ByteBuffer header = ByteBuffer.allocate(HEADER);
        for (int slot = 0; slot < count; slot++) {
            header.clear();
            readFully(ch, header, slot * slotSize);
            int piece = header.getInt(0);
            if (piece >= 0 && piece < pieceCount) {
                Integer before = parts.slots.put(piece, slot);
                if (before != null) {
                    parts.used.clear(before); // kept twice (a crash between two writes): the later slot wins
                }
                parts.used.set(slot);
            }
        }
        return parts;
    }

    private long slotSize() {
        return HEADER + (long) pieceLength;
    }

    Path path() {
        return path;
    }

    /** Whether {@code piece} is kept here. */
    boolean has(int piece) {
        lock.lock();
        try {
            return slots.containsKey(piece);
        } finally {
            lock.unlock();
        }
    }

    /** The pieces kept here. */
    Set<Integer> pieces() {
        lock.lock();
        try {
            return Set.copyOf(slots.keySet());
        } finally {
            lock.unlock();
        }
    }

    /** Keeps the verified {@code piece} ({@code data}, position to limit, left as it was). */
    void write(int piece, ByteBuffer data) throws IOException {
        long at;
        FileChannel ch;
        lock.lock();
        try {
            Integer slot = slots.get(piece);
            if (slot == null) {
                slot = used.nextClearBit(0);
                used.set(slot);
                slots.put(piece, slot);
            }
            at = slot * slotSize();
            ch = channel();
            dirty = true;
        } finally {
            lock.unlock();
        }
        try {
            ByteBuffer bytes = data.duplicate();
            long pos = at + HEADER;
            while (bytes.hasRemaining()) {
                pos += ch.write(bytes, pos);
            }
            ByteBuffer header = ByteBuffer.allocate(HEADER).putInt(0, piece);
            while (header.hasRemaining()) {
                ch.write(header, at + header.position());
            }
        } catch (IOException e) {
            throw new StorageException("writing piece " + piece + " to part file " + path + ": "
                    + StorageException.reason(e), e);
        }
    }

    /**
     * Reads {@code dst.remaining()} bytes at {@code begin} within {@code piece}; false, reading
     * nothing, when the piece is not kept here.
     */
    boolean read(int piece, int begin, ByteBuffer dst) throws IOException {
        long at;
        FileChannel ch;
        lock.lock();
        try {
            Integer slot = slots.get(piece);
            if (slot == null) {
                return false;
            }
            at = slot * slotSize() + HEADER + begin;
            ch = channel;
        } finally {
            lock.unlock();
        }
        try {
            readFully(ch, dst, at);
        } catch (IOException e) {
            throw new StorageException("reading piece " + piece + " from part file " + path + ": "
                    + StorageException.reason(e), e);
        }
        return true;
    }

    /** Forgets {@code piece}; the file goes when nothing is left in it. */
    void free(int piece) throws IOException {
        lock.lock();
        try {
            Integer slot = slots.remove(piece);
            if (slot == null) {
                return;
            }
            used.clear(slot);
            try {
                if (slots.isEmpty()) {
                    channel.close();
                    channel = null;
                    dirty = false;
                    Files.deleteIfExists(path);
                } else {
                    ByteBuffer header = ByteBuffer.allocate(HEADER).putInt(0, -1);
                    while (header.hasRemaining()) {
                        channel.write(header, slot * slotSize() + header.position());
                    }
                    dirty = true;
                }
            } catch (IOException e) {
                throw new StorageException("freeing piece " + piece + " in part file " + path + ": "
                        + StorageException.reason(e), e);
            }
        } finally {
            lock.unlock();
        }
    }

    /** Forces what was written to the device. */
    void flush() throws IOException {
        FileChannel ch;
        lock.lock();
        try {
            if (!dirty || channel == null) {
                return;
            }
            dirty = false;
            ch = channel;
        } finally {
            lock.unlock();
        }
        try {
            ch.force(false);
        } catch (IOException e) {
            throw new StorageException("flushing part file " + path + ": " + StorageException.reason(e), e);
        }
    }

    void close() throws IOException {
        flush();
        lock.lock();
        try {
            if (channel != null) {
                channel.close();
                channel = null;
            }
        } finally {
            lock.unlock();
        }
    }

    /** The channel, creating the file (and the directories to it) on first use. Caller holds the lock. */
    private FileChannel channel() throws IOException {
        if (channel == null) {
            try {
                Files.createDirectories(path.getParent());
                channel = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.READ,
                        StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
            } catch (IOException e) {
                throw new StorageException("creating part file " + path + ": " + StorageException.reason(e), e);
            }
        }
        return channel;
    }

    private static void readFully(FileChannel ch, ByteBuffer dst, long pos) throws IOException {
        while (dst.hasRemaining()) {
            int n = ch.read(dst, pos);
            if (n < 0) {
                throw new java.io.EOFException("file ends at " + pos + ", " + dst.remaining() + " bytes short");
            }
            pos += n;
        }
    }
}
