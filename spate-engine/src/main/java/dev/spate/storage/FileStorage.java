package dev.spate.storage;

import dev.spate.metainfo.FileEntry;
import dev.spate.metainfo.FileLayout;
import dev.spate.metainfo.FileSpan;
import dev.spate.metainfo.TorrentInfo;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

import com.sun.nio.file.ExtendedOpenOption;

/**
 * A torrent's files on disk: {@code root/name} for a single-file torrent, {@code root/name/path...}
 * for a multi-file one.
 *
 * <p>Every path is resolved and checked at {@link #open} (each component must be a plain name,
 * and the normalized result must stay under the root), so nothing later can write outside the
 * download directory. Zero-length files are created at open so the layout exists; other files are
 * created lazily, sparse, on their first write. IO is positional only, through a bounded cache of
 * open {@link FileChannel}s (least recently used closed first).
 *
 * <p>Thread-safe: the channel cache and the set of files to flush are guarded by one
 * {@link ReentrantLock} held only for bookkeeping and opening, never across reads or writes.
 * Positional IO on one channel from several threads is safe; writes to one file take turns (see
 * {@code Handle.writing}), reads never wait.
 */
public final class FileStorage implements Storage {
    private static final System.Logger LOG = System.getLogger(FileStorage.class.getName());
    /** Open channels kept by default. */
    public static final int DEFAULT_OPEN_FILES = 64;

    private final TorrentInfo info;
    private final FileLayout layout;
    private final Path[] paths;
    private final int maxOpen;
    /**
     * Whether writes try direct IO; cleared for good when the file system refuses it. Written by
     * any disk thread, read by all: a stale true costs one more refused attempt, nothing else.
     */
    private volatile boolean direct;
    private final ReentrantLock lock = new ReentrantLock();
    /** Open channels by file index, least recently used first. Guarded by {@link #lock}. */
    private final LinkedHashMap<Integer, Handle> open = new LinkedHashMap<>(16, 0.75f, true);
    /** Files written since the last flush. Guarded by {@link #lock}. */
    private final BitSet dirty = new BitSet();
    private boolean closed;

    private FileStorage(TorrentInfo info, Path[] paths, int maxOpen, boolean direct) {
        this.info = info;
        this.layout = info.layout();
        this.paths = paths;
        this.maxOpen = maxOpen;
        this.direct = direct;
    }

    /** Opens the torrent's files under {@code root}, keeping up to 64 open at once. */
    public static FileStorage open(Path root, TorrentInfo info) throws IOException {
        return open(root, info, DEFAULT_OPEN_FILES);
    }

    /**
     * Opens the torrent's files under {@code root}, keeping up to {@code maxOpenFiles} channels
     * open. Creates the zero-length files (and their directories); creates nothing else.
     *
     * @throws IOException when a file's path would leave {@code root}, two files share a path, or a
     *     zero-length file cannot be created; the message names the file
     */
    public static FileStorage open(Path root, TorrentInfo info, int maxOpenFiles) throws IOException {
        return open(root, info, maxOpenFiles, false);
    }

    /**
     * As {@link #open(Path, TorrentInfo, int)}; with {@code directWrites}, verified pieces go to the
     * disk with direct IO (O_DIRECT) wherever their memory, file offset and length are aligned to
     * {@link PieceBuffers#ALIGNMENT}, bypassing the page cache: the kernel's copy into the page
     * cache was the largest cost of a fast download (1.3 s of CPU per GB, against 0.1 s direct).
     * The unaligned rest (the end of a file, spans of a multi-file torrent that start off a
     * boundary) is written through the page cache as usual. Where the file system refuses direct
     * IO (tmpfs on older kernels, some network file systems), every write goes through the page
     * cache. Reads always do, and see the direct writes: the kernel drops cached pages they cover.
     */
    public static FileStorage open(Path root, TorrentInfo info, int maxOpenFiles, boolean directWrites)
            throws IOException {
        if (maxOpenFiles < 1) {
            throw new IllegalArgumentException("maxOpenFiles " + maxOpenFiles + " < 1");
        }
        Path[] paths = resolve(root, info);
        List<FileEntry> files = info.files();
        for (int i = 0; i < files.size(); i++) {
            if (files.get(i).length() == 0) {
                Path p = paths[i];
                try {
                    Files.createDirectories(p.getParent());
                    if (!Files.exists(p)) {
                        Files.createFile(p);
                    }
                } catch (IOException e) {
                    throw new IOException("creating empty file " + p + ": " + describe(e), e);
                }
            }
        }
        return new FileStorage(info, paths, maxOpenFiles, directWrites);
    }

    /** Whether writes still try direct IO: asked for at open, and not refused by the file system since. */
    boolean writesDirect() {
        return direct;
    }

    /** Where file {@code fileIndex} lives. */
    public Path path(int fileIndex) {
        return paths[fileIndex];
    }

    @Override
    public TorrentInfo info() {
        return info;
    }

    static Path[] resolve(Path root, TorrentInfo info) throws IOException {
        Path base = root.toAbsolutePath().normalize();
        List<FileEntry> files = info.files();
        Path[] out = new Path[files.size()];
        Set<Path> seen = new HashSet<>();
        for (int i = 0; i < out.length; i++) {
            List<String> components = info.multiFile()
                    ? prepend(info.name(), files.get(i).path())
                    : List.of(info.name());
            Path p = base;
            try {
                for (String c : components) {
                    checkComponent(c, files.get(i));
                    p = p.resolve(c);
                }
            } catch (InvalidPathException e) {
                throw new IOException("unsafe path for file " + files.get(i).displayPath() + ": " + e.getMessage(), e);
            }
            // Defence in depth: whatever the components, the result must stay strictly under root.
            Path normal = p.normalize();
            if (!normal.startsWith(base) || normal.equals(base)) {
                throw new IOException("file " + files.get(i).displayPath() + " resolves to " + normal + ", outside " + base);
            }
            if (!seen.add(normal)) {
                throw new IOException("two files at " + normal);
            }
            out[i] = normal;
        }
        return out;
    }

    private static List<String> prepend(String first, List<String> rest) {
        List<String> all = new ArrayList<>(rest.size() + 1);
        all.add(first);
        all.addAll(rest);
        return all;
    }

    private static void checkComponent(String c, FileEntry file) throws IOException {
        if (c.isEmpty() || c.equals(".") || c.equals("..") || c.indexOf('/') >= 0 || c.indexOf('\\') >= 0
                || c.indexOf('\0') >= 0) {
            throw new IOException("unsafe path component '" + c + "' in file " + file.displayPath());
        }
    }

    @Override
    public void writePiece(int piece, ByteBuffer data) throws IOException {
        int size = info.pieceSize(piece);
        if (data.remaining() != size) {
            throw new IllegalArgumentException("piece " + piece + " is " + size + " bytes, given " + data.remaining());
        }
        for (FileSpan span : layout.spans(piece, 0, size)) {
            Handle h = null;
            try {
                h = acquire(span.fileIndex(), true);
                ByteBuffer part = data.slice(data.position() + span.rangeOffset(), span.length());
                long pos = span.fileOffset();
                h.writing.lock();
                try {
                    pos = writeDirect(h, span.fileIndex(), part, pos);
                    while (part.hasRemaining()) {
                        pos += h.channel.write(part, pos);
                    }
                } finally {
                    h.writing.unlock();
                }
                // Again once written: a flush that began while this write was in flight took the
                // mark set at acquire and may have forced the file before these bytes reached it.
                markDirty(span.fileIndex());
            } catch (IOException e) {
                throw failure("writing piece " + piece + " to", span.fileIndex(), e);
            } finally {
                release(h);
            }
        }
    }

    /**
     * Writes the aligned prefix of {@code part} with direct IO, if direct writes are on and it
     * starts aligned in memory and in the file; returns the file position after what it wrote and
     * leaves the rest in {@code part}. A refusal (the channel cannot open, or a write fails) turns
     * direct writes off for this storage and leaves the bytes for the page-cache write, whose own
     * error, if any (a full disk), is the one reported. Caller holds {@code h.writing}.
     */
    private long writeDirect(Handle h, int fileIndex, ByteBuffer part, long pos) {
        if (!direct || !part.isDirect() || pos % PieceBuffers.ALIGNMENT != 0
                || part.alignmentOffset(part.position(), PieceBuffers.ALIGNMENT) != 0
                || part.remaining() < PieceBuffers.ALIGNMENT) {
            return pos;
        }
        int limit = part.limit();
        try {
            if (h.direct == null) {
                h.direct = FileChannel.open(paths[fileIndex], StandardOpenOption.WRITE, ExtendedOpenOption.DIRECT);
            }
            part.limit(part.position() + part.remaining() / PieceBuffers.ALIGNMENT * PieceBuffers.ALIGNMENT);
            while (part.hasRemaining()) {
                int n = h.direct.write(part, pos);
                pos += n;
                if (n % PieceBuffers.ALIGNMENT != 0) {
                    break; // a short write leaves the rest unaligned: the page cache takes it
                }
            }
        } catch (IOException | UnsupportedOperationException e) {
            direct = false;
            LOG.log(System.Logger.Level.DEBUG, "direct writes off for {0}: {1}", paths[fileIndex], describe(e));
        } finally {
            part.limit(limit);
        }
        return pos;
    }

    @Override
    public void read(int piece, int begin, ByteBuffer dst) throws IOException {
        int start = dst.position();
        int length = dst.remaining();
        for (FileSpan span : layout.spans(piece, begin, length)) {
            Handle h = null;
            try {
                h = acquire(span.fileIndex(), false);
                if (h == null) {
                    throw new NoSuchFileException(paths[span.fileIndex()].toString(), null, "not written yet");
                }
                readFully(h.channel, dst.slice(start + span.rangeOffset(), span.length()), span.fileOffset());
            } catch (IOException e) {
                throw failure("reading piece " + piece + " from", span.fileIndex(), e);
            } finally {
                release(h);
            }
        }
        dst.position(start + length);
    }

    /**
     * Sends the block with the kernel's sendfile: no copy into our memory, none back out of it.
     * A socket of a virtual thread never blocks in sendfile, it sends nothing when full; then one
     * byte goes by an ordinary write, which does wait for room (and tells a file that ends early,
     * which sends nothing either, from a full socket).
     */
    @Override
    public void transferTo(int piece, int begin, int length, WritableByteChannel target) throws IOException {
        for (FileSpan span : layout.spans(piece, begin, length)) {
            Handle h = null;
            try {
                try {
                    h = acquire(span.fileIndex(), false);
                } catch (IOException e) {
                    throw unreadable(piece, span.fileIndex(), describe(e), e);
                }
                if (h == null) {
                    throw unreadable(piece, span.fileIndex(), "the file is missing", null);
                }
                long pos = span.fileOffset();
                long end = pos + span.length();
                ByteBuffer one = null;
                while (pos < end) {
                    long n = h.channel.transferTo(pos, end - pos, target);
                    if (n > 0) {
                        pos += n;
                        continue;
                    }
                    one = one == null ? ByteBuffer.allocate(1) : one.clear();
                    int r;
                    try {
                        r = h.channel.read(one, pos);
                    } catch (IOException e) {
                        throw unreadable(piece, span.fileIndex(), describe(e), e);
                    }
                    if (r <= 0) {
                        throw unreadable(piece, span.fileIndex(), "the file ends at " + pos + ", before the block", null);
                    }
                    one.flip();
                    while (one.hasRemaining()) {
                        target.write(one);
                    }
                    pos++;
                }
            } finally {
                release(h);
            }
        }
    }

    private StorageException unreadable(int piece, int fileIndex, String reason, IOException cause) {
        return new StorageException("reading piece " + piece + " from " + paths[fileIndex] + ": " + reason, cause);
    }

    @Override
    public boolean readPiece(int piece, ByteBuffer dst) throws IOException {
        int size = info.pieceSize(piece);
        if (dst.remaining() < size) {
            throw new IllegalArgumentException("piece " + piece + " is " + size + " bytes, room for " + dst.remaining());
        }
        List<FileSpan> spans = layout.spans(piece, 0, size);
        List<Handle> handles = new ArrayList<>(spans.size());
        int start = dst.position();
        try {
            // First make sure every part can be there, so a missing file costs no reading.
            for (FileSpan span : spans) {
                Handle h;
                try {
                    h = acquire(span.fileIndex(), false);
                    if (h == null) {
                        return false;
                    }
                    handles.add(h);
                    if (h.channel.size() < span.fileOffset() + span.length()) {
                        return false;
                    }
                } catch (IOException e) {
                    throw failure("checking piece " + piece + " in", span.fileIndex(), e);
                }
            }
            for (int i = 0; i < spans.size(); i++) {
                FileSpan span = spans.get(i);
                try {
                    readFully(handles.get(i).channel, dst.slice(start + span.rangeOffset(), span.length()), span.fileOffset());
                } catch (IOException e) {
                    throw failure("reading piece " + piece + " from", span.fileIndex(), e);
                }
            }
            dst.position(start + size);
            return true;
        } finally {
            for (Handle h : handles) {
                release(h);
            }
        }
    }

    private static void readFully(FileChannel channel, ByteBuffer part, long pos) throws IOException {
        while (part.hasRemaining()) {
            int n = channel.read(part, pos);
            if (n < 0) {
                throw new EOFException("file ends at " + pos + ", " + part.remaining() + " bytes short");
            }
            pos += n;
        }
    }

    private IOException failure(String what, int fileIndex, IOException cause) {
        return new IOException(what + " " + paths[fileIndex] + ": " + describe(cause), cause);
    }

    @Override
    public List<FileStat> stat() throws IOException {
        List<FileStat> out = new ArrayList<>(paths.length);
        for (Path p : paths) {
            try {
                BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class);
                out.add(new FileStat(a.size(), a.lastModifiedTime().to(TimeUnit.NANOSECONDS)));
            } catch (NoSuchFileException e) {
                out.add(FileStat.MISSING);
            } catch (IOException e) {
                throw new IOException("reading attributes of " + p + ": " + describe(e), e);
            }
        }
        return out;
    }

    @Override
    public void flush() throws IOException {
        BitSet toFlush;
        lock.lock();
        try {
            toFlush = (BitSet) dirty.clone();
            dirty.clear();
        } finally {
            lock.unlock();
        }
        // fsync outside the lock: it can take long, and other threads keep reading and writing.
        for (int i = toFlush.nextSetBit(0); i >= 0; i = toFlush.nextSetBit(i + 1)) {
            Handle h = null;
            try {
                h = acquire(i, false);
                if (h != null) {
                    h.channel.force(false);
                }
            } catch (IOException e) {
                markDirty(toFlush, i);
                throw failure("flushing", i, e);
            } finally {
                release(h);
            }
        }
    }

    private void markDirty(int fileIndex) {
        lock.lock();
        try {
            dirty.set(fileIndex);
        } finally {
            lock.unlock();
        }
    }

    private void markDirty(BitSet files, int from) {
        lock.lock();
        try {
            for (int i = files.nextSetBit(from); i >= 0; i = files.nextSetBit(i + 1)) {
                dirty.set(i);
            }
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void close() throws IOException {
        IOException failure = null;
        try {
            flush();
        } catch (IOException e) {
            failure = e;
        }
        lock.lock();
        try {
            closed = true;
            for (Map.Entry<Integer, Handle> e : open.entrySet()) {
                try {
                    e.getValue().close();
                } catch (IOException ex) {
                    if (failure == null) {
                        failure = failure("closing", e.getKey(), ex);
                    }
                }
            }
            open.clear();
        } finally {
            lock.unlock();
        }
        if (failure != null) {
            throw failure;
        }
    }

    /** An open channel and how many threads are using it. Guarded by {@link #lock}. */
    private static final class Handle {
        final FileChannel channel;
        /**
         * Serializes writes to the file. The kernel takes the inode's lock for every buffered write
         * anyway, and two threads writing one file spin on it in the kernel: measured, a 4 GiB file
         * written in 1 MiB pieces by two threads cost 3.9 to 9.1 s of system time, 2.6 to 3.3 s with
         * this lock. The waiting thread parks instead, and another file's writes are not held up.
         */
        final ReentrantLock writing = new ReentrantLock();
        /** The same file opened for direct IO, on its first direct write; guarded by {@link #writing}. */
        FileChannel direct;
        int users;
        boolean evicted;

        Handle(FileChannel channel) {
            this.channel = channel;
        }

        void close() throws IOException {
            try {
                if (direct != null) {
                    direct.close();
                }
            } finally {
                channel.close();
            }
        }
    }

    /** The open channel of a file, opening it if need be; null if it does not exist and {@code create} is false. */
    private Handle acquire(int fileIndex, boolean create) throws IOException {
        lock.lock();
        try {
            if (closed) {
                throw new IOException("storage closed");
            }
            Handle h = open.get(fileIndex);
            if (h == null) {
                Path p = paths[fileIndex];
                FileChannel channel;
                if (create) {
                    Files.createDirectories(p.getParent());
                    channel = FileChannel.open(p, StandardOpenOption.CREATE, StandardOpenOption.READ,
                            StandardOpenOption.WRITE, StandardOpenOption.SPARSE);
                } else {
                    try {
                        channel = FileChannel.open(p, StandardOpenOption.READ, StandardOpenOption.WRITE);
                    } catch (NoSuchFileException e) {
                        return null;
                    }
                }
                h = new Handle(channel);
                open.put(fileIndex, h);
                evictBeyondLimit();
            }
            if (create) {
                dirty.set(fileIndex);
            }
            h.users++;
            return h;
        } finally {
            lock.unlock();
        }
    }

    private void evictBeyondLimit() {
        Iterator<Handle> it = open.values().iterator();
        while (open.size() > maxOpen && it.hasNext()) {
            Handle eldest = it.next();
            it.remove();
            if (eldest.users == 0) {
                closeQuietly(eldest);
            } else {
                eldest.evicted = true; // the last user closes it
            }
        }
    }

    private void release(Handle h) {
        if (h == null) {
            return;
        }
        lock.lock();
        try {
            h.users--;
            if (h.evicted && h.users == 0) {
                closeQuietly(h);
            } else if (!h.channel.isOpen()) {
                // Closed under us (an interrupted thread closes an interruptible channel): forget it
                // so the next use reopens the file.
                open.values().remove(h);
            }
        } finally {
            lock.unlock();
        }
    }

    private static void closeQuietly(Handle h) {
        try {
            h.close();
        } catch (IOException ignored) {
            // Nothing buffered at this level; the data is already with the OS.
        }
    }

    @Override
    public String toString() {
        return "FileStorage[" + info.name() + ", " + paths.length + " files]";
    }

    /** The system's words for an IO failure ("No space left on device"), not the exception's class. */
    private static String describe(Throwable e) {
        return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
    }
}
