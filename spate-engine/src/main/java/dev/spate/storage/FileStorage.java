package dev.spate.storage;

import dev.spate.core.Bitfield;
import dev.spate.metainfo.FileEntry;
import dev.spate.metainfo.FileLayout;
import dev.spate.metainfo.FileSpan;
import dev.spate.metainfo.TorrentInfo;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.OpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;
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
 * download directory. The download directory itself is resolved once, there (it may be a symbolic
 * link, as {@code ~/Downloads} often is); below it no symbolic link is ever followed, to write or
 * to read: whoever can write in the download directory could otherwise point a file, or a
 * directory on its way, anywhere the user may write (see {@link #openFile}).
 *
 * <p>Zero-length files are created at open so the layout exists; other files are created lazily,
 * sparse, on their first write. BEP 47 attributes: a pad file is never created, its bytes are
 * zeros to every read (and a verified piece whose pad bytes are not zeros is refused, since it
 * could never be read back as it was verified); an executable file is created with the execute
 * bits (as the umask allows); a symbolic link is created at open, pointing to the file or
 * directory of the torrent the parser checked it names, and is never read or written through. A file is opened read-only until something must be written to it,
 * so a complete torrent is checked and seeded from files we may not write (another user's, a
 * read-only disk) and nothing in its directory is modified. IO is positional only, through a
 * bounded cache of open {@link FileChannel}s (least recently used closed first), one per file:
 * read-only, or read-write once written. Every failure is a {@link StorageException} naming the
 * path and the system's reason.
 *
 * <p>Files not wanted ({@link #setWantedFiles}) are not created: the bytes a verified piece holds
 * of such a file, when the file is not on disk, go to the torrent's {@link PartFile} in the state
 * directory (the piece whole), and reads of them come from there, so that a piece a wanted file
 * shares with an unwanted one verifies and is served like any other. When the file becomes wanted,
 * those bytes are written into it and the part file forgets the piece once no unwanted file needs
 * it. An unwanted file that is on disk already (wanted before, or the user's) is read and written
 * as usual.
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
    /** Mode of a new executable file (BEP 47 {@code x}): all execute bits, less what the umask takes. */
    private static final FileAttribute<?> EXECUTABLE =
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxrwxrwx"));
    private static final Set<OpenOption> WRITE_OPTIONS = Set.of(StandardOpenOption.CREATE, StandardOpenOption.READ,
            StandardOpenOption.WRITE, StandardOpenOption.SPARSE, LinkOption.NOFOLLOW_LINKS);

    private final TorrentInfo info;
    private final FileLayout layout;
    /**
     * The download directory as it was resolved at open, or, when it did not exist yet, its
     * deepest ancestor that did: the one directory whose symbolic links were followed. Every
     * directory below it is checked (and created) one component at a time.
     */
    private final Path base;
    /** Where each file lives; null for a pad file, which never does. */
    private final Path[] paths;
    /** Whether each file is a BEP 47 pad file. */
    private final boolean[] pad;
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
    /** Where the bytes of unwanted files go; null: every file is written as if wanted. */
    private final PartFile parts;
    /** Whether each file is wanted; replaced whole under the write lock of {@link #choice}. */
    private volatile boolean[] wanted;
    /**
     * What {@link #willWant} said last (null: nothing): a file off here is written as unwanted
     * already, before {@link #setWantedFiles} applies the choice. Replaced whole.
     */
    private volatile boolean[] ahead;
    /**
     * Reads and writes hold the read lock, {@link #setWantedFiles} the write lock while it moves
     * bytes between the part file and the files, so no piece is read or written half moved.
     */
    private final java.util.concurrent.locks.ReentrantReadWriteLock choice =
            new java.util.concurrent.locks.ReentrantReadWriteLock();

    private FileStorage(TorrentInfo info, Path base, Path[] paths, int maxOpen, boolean direct, PartFile parts,
                        boolean[] wanted) {
        this.info = info;
        this.parts = parts;
        this.wanted = wanted.clone();
        this.layout = info.layout();
        this.base = base;
        this.paths = paths;
        this.pad = new boolean[paths.length];
        for (int i = 0; i < pad.length; i++) {
            pad[i] = info.files().get(i).isPad();
        }
        this.maxOpen = maxOpen;
        this.direct = direct;
    }

    /** Opens the torrent's files under {@code root}, keeping up to 64 open at once. */
    public static FileStorage open(Path root, TorrentInfo info) throws IOException {
        return open(root, info, DEFAULT_OPEN_FILES);
    }

    /**
     * Opens the torrent's files under {@code root}, keeping up to {@code maxOpenFiles} channels
     * open. Creates the missing zero-length files and symbolic links (and their directories);
     * creates nothing else, and opens no other file. A zero-length file or link that cannot be
     * created (a directory we may not write) is left out with a warning: nothing is ever read from
     * or written to it.
     *
     * @throws IOException when a file's path would leave {@code root}, two files share a path,
     *     {@code root} is not a directory, or a symbolic link (or a file where a directory should
     *     be) stands where a zero-length file or its directories go; the message names the file
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
        return open(root, info, maxOpenFiles, directWrites, null, null);
    }

    /**
     * As {@link #open(Path, TorrentInfo, int, boolean)}, with only the files {@code wantedFiles}
     * marks (one per file of {@code info}; null for all) created, and the bytes of the others that
     * pieces shared with wanted files hold kept in {@code partFile} (see the class comment; null
     * for no part file, when every file is written as if wanted). What an earlier run kept in the
     * part file for files wanted now is moved into them.
     */
    public static FileStorage open(Path root, TorrentInfo info, int maxOpenFiles, boolean directWrites,
                                   Path partFile, boolean[] wantedFiles) throws IOException {
        if (maxOpenFiles < 1) {
            throw new IllegalArgumentException("maxOpenFiles " + maxOpenFiles + " < 1");
        }
        boolean[] wanted = wantedFiles;
        if (wanted == null) {
            wanted = new boolean[info.files().size()];
            java.util.Arrays.fill(wanted, true);
        } else if (wanted.length != info.files().size()) {
            throw new IllegalArgumentException(wanted.length + " wanted flags for " + info.files().size() + " files");
        }
        RealDirectory real = RealDirectory.of(root);
        PartFile parts = partFile == null ? null : PartFile.open(partFile, info.pieceLength(), info.pieceCount());
        boolean[] all = new boolean[wanted.length];
        java.util.Arrays.fill(all, true);
        // With pieces kept from an earlier run, every file starts as unwanted, so that setWantedFiles
        // below moves what is kept for the files wanted now into them.
        boolean keptBefore = parts != null && !parts.pieces().isEmpty();
        FileStorage storage = new FileStorage(info, real.base(), resolve(real.root(), info), maxOpenFiles, directWrites,
                parts, parts == null ? all : keptBefore ? new boolean[wanted.length] : wanted);
        List<FileEntry> files = info.files();
        for (int i = 0; i < files.size(); i++) {
            FileEntry f = files.get(i);
            if (f.isPad()) {
                continue;
            }
            if (f.isSymlink()) {
                storage.createLink(i, real.root());
            } else if (f.length() == 0 && wanted[i]) {
                storage.createEmpty(i);
            }
        }
        if (keptBefore) {
            // A wanted file on disk already has its bytes (written in place, or moved in when it
            // became wanted): left as it is, so that its modification time still matches the resume
            // file's. Only a file wanted now and not there gets what is kept for it.
            boolean[] before = new boolean[wanted.length];
            for (int i = 0; i < before.length; i++) {
                before[i] = wanted[i] && !files.get(i).isPad() && storage.onDisk(i);
            }
            storage.wanted = before;
            storage.setWantedFiles(wanted); // what is kept for files wanted now goes into them
        }
        return storage;
    }

    /**
     * The download directory with its symbolic links resolved, once.
     *
     * @param base its deepest existing ancestor (itself when it exists), resolved
     * @param root base plus the names not created yet
     */
    private record RealDirectory(Path base, Path root) {
        static RealDirectory of(Path root) throws IOException {
            Path wanted = root.toAbsolutePath().normalize();
            Path existing = wanted;
            while (existing.getParent() != null && !Files.exists(existing)) {
                existing = existing.getParent();
            }
            Path base;
            try {
                base = existing.toRealPath();
            } catch (IOException e) {
                throw new StorageException("resolving the download directory " + existing + ": " + reason(e), e);
            }
            if (!Files.isDirectory(base)) {
                throw new StorageException("the download directory " + wanted + ": " + base + " is not a directory", null);
            }
            Path rest = existing.relativize(wanted);
            return new RealDirectory(base, rest.toString().isEmpty() ? base : base.resolve(rest));
        }
    }

    /** Creates zero-length file {@code fileIndex} if it is missing; see {@link #open(Path, TorrentInfo, int)}. */
    private void createEmpty(int fileIndex) throws IOException {
        Path p = paths[fileIndex];
        try {
            if (checkDirectories(p, Access.READ) && checkFile(p, Access.WRITE) != null) {
                return; // there already: nothing to write
            }
            checkDirectories(p, Access.WRITE);
            try {
                // O_CREAT | O_EXCL: a link put there meanwhile is not followed
                if (info.files().get(fileIndex).isExecutable()) {
                    Files.createFile(p, EXECUTABLE);
                } else {
                    Files.createFile(p);
                }
            } catch (FileAlreadyExistsException e) {
                checkFile(p, Access.WRITE); // something appeared meanwhile: fine, unless a link
            } catch (IOException e) {
                throw new StorageException("creating empty file " + p + ": " + reason(e), e);
            }
        } catch (StorageException e) {
            if (e.getCause() == null) {
                throw e; // refused: a link, or something else in the way
            }
            LOG.log(System.Logger.Level.WARNING, "{0} (left out: nothing is ever read from or written to it)",
                    e.getMessage());
        }
    }

    /**
     * Creates symbolic link {@code fileIndex} if nothing is at its path: relative, to the file or
     * directory of the torrent it names, which the parser checked is one (and {@link #resolve}
     * that it stays below the torrent's directory). Something already there is left as it is: a
     * link of an earlier run, or a file of the user's. Nothing is ever read or written through it.
     */
    private void createLink(int fileIndex, Path root) throws IOException {
        Path p = paths[fileIndex];
        Path target = resolveTarget(root, info, fileIndex);
        try {
            checkDirectories(p, Access.WRITE);
            Path relative = p.getParent().relativize(target);
            Files.createSymbolicLink(p, relative.toString().isEmpty() ? Path.of(".") : relative);
        } catch (FileAlreadyExistsException e) {
            // there already
        } catch (IOException e) {
            if (e instanceof StorageException refused && refused.getCause() == null) {
                throw refused; // a link, or something else in the way, among its directories
            }
            LOG.log(System.Logger.Level.WARNING, "creating symbolic link {0}: {1} (left out)", p, reason(e));
        }
    }

    /** Whether writes still try direct IO: asked for at open, and not refused by the file system since. */
    boolean writesDirect() {
        return direct;
    }

    /** Where file {@code fileIndex} lives; null for a pad file, which is never on disk. */
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
            if (files.get(i).isPad()) {
                continue; // never on disk
            }
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

    /**
     * Where symbolic link {@code fileIndex} points: its target's components below the torrent's
     * directory, checked as every path is and kept strictly below that directory.
     */
    private static Path resolveTarget(Path root, TorrentInfo info, int fileIndex) throws IOException {
        FileEntry link = info.files().get(fileIndex);
        Path top = root.toAbsolutePath().normalize().resolve(info.name());
        Path p = top;
        try {
            for (String c : link.symlinkTarget()) {
                checkComponent(c, link);
                p = p.resolve(c);
            }
        } catch (InvalidPathException e) {
            throw new IOException("unsafe target of symbolic link " + link.displayPath() + ": " + e.getMessage(), e);
        }
        Path normal = p.normalize();
        if (!normal.startsWith(top) || normal.equals(top)) {
            throw new IOException("symbolic link " + link.displayPath() + " points to " + normal + ", outside " + top);
        }
        return normal;
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
        choice.readLock().lock();
        try {
            writeSpans(piece, size, data);
        } finally {
            choice.readLock().unlock();
        }
    }

    private void writeSpans(int piece, int size, ByteBuffer data) throws IOException {
        boolean keep = false;
        for (FileSpan span : layout.spans(piece, 0, size)) {
            if (pad[span.fileIndex()]) {
                checkZeros(piece, span, data);
                continue;
            }
            if (toPart(span.fileIndex())) {
                keep = true; // the whole piece goes to the part file, below
                continue;
            }
            Handle h = null;
            try {
                h = acquire(span.fileIndex(), Access.WRITE);
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
                throw failure("writing piece " + piece, "to", span.fileIndex(), e);
            } finally {
                release(h);
            }
        }
        if (keep) {
            parts.write(piece, data);
        }
    }

    /** Whether the bytes of file {@code fileIndex} go to the part file: it is unwanted and not on disk. */
    private boolean toPart(int fileIndex) throws StorageException {
        if (parts == null || wantedNow(fileIndex)) {
            return false;
        }
        return !onDisk(fileIndex);
    }

    /** Wanted, and not about to be unwanted ({@link #willWant}). */
    private boolean wantedNow(int fileIndex) {
        boolean[] next = ahead;
        return wanted[fileIndex] && (next == null || next[fileIndex]);
    }

    /**
     * See {@link Storage#willWant}. A file turned off here gets no more bytes if it is not on
     * disk; one turned on is written as wanted once {@link #setWantedFiles} has moved into it
     * what is kept for it.
     */
    @Override
    public void willWant(boolean[] wantedFiles) {
        if (wantedFiles.length != paths.length) {
            throw new IllegalArgumentException(wantedFiles.length + " wanted flags for " + paths.length + " files");
        }
        ahead = wantedFiles.clone();
    }

    private boolean onDisk(int fileIndex) throws StorageException {
        Path p = paths[fileIndex];
        return checkDirectories(p, Access.READ) && checkFile(p, Access.READ) != null;
    }

    /** Whether the span of {@code piece} in file {@code fileIndex} is to be read from the part file. */
    private boolean inPart(int piece, int fileIndex) {
        return parts != null && !wantedNow(fileIndex) && parts.has(piece);
    }

    /**
     * Of the pieces {@code have} lists (a resume file's, trusted because no file changed), those
     * held in part by the part file that it no longer holds intact: deleted, cut short or damaged
     * while the torrent was stopped. Each kept piece of an unwanted file not on disk is hashed
     * again (they are few: mostly the boundary pieces of unwanted files); a damaged one is freed.
     * The caller fetches them again.
     */
    @Override
    public List<Integer> keptPiecesLost(Bitfield have) throws IOException {
        if (parts == null) {
            return List.of();
        }
        choice.readLock().lock();
        try {
            java.util.BitSet seen = new java.util.BitSet();
            List<Integer> lost = new ArrayList<>();
            for (int i = 0; i < paths.length; i++) {
                FileEntry f = info.files().get(i);
                if (pad[i] || f.isSymlink() || f.length() == 0 || !toPart(i)) {
                    continue;
                }
                int[] range = layout.pieceRange(i);
                for (int p = range[0]; p <= range[1]; p++) {
                    if (seen.get(p) || !have.get(p)) {
                        continue;
                    }
                    seen.set(p);
                    ByteBuffer data = ByteBuffer.allocate(info.pieceSize(p));
                    boolean intact;
                    try {
                        intact = parts.has(p) && readPiece(p, data) && DiskIo.verify(info, p, data.flip());
                    } catch (IOException e) {
                        intact = false; // unreadable is as good as gone: fetched again
                    }
                    if (!intact) {
                        lost.add(p);
                        parts.free(p);
                    }
                }
            }
            if (!lost.isEmpty()) {
                LOG.log(System.Logger.Level.WARNING, "part file {0} no longer holds {1} verified piece(s) {2}"
                        + " (deleted or damaged while stopped): they will be downloaded again", parts.path(),
                        lost.size(), lost);
            }
            return lost;
        } finally {
            choice.readLock().unlock();
        }
    }

    /**
     * Which files are wanted; see the class comment. Bytes kept in the part file for a file wanted
     * now are written into it (creating it), and a piece no unwanted file needs any more is
     * dropped from the part file; a zero-length file wanted now is created. Waits for reads and
     * writes in flight, and holds new ones until done.
     */
    @Override
    public void setWantedFiles(boolean[] wantedFiles) throws IOException {
        if (wantedFiles.length != paths.length) {
            throw new IllegalArgumentException(wantedFiles.length + " wanted flags for " + paths.length + " files");
        }
        if (parts == null) {
            return;
        }
        boolean[] now = wantedFiles.clone();
        choice.writeLock().lock();
        try {
            for (int piece : parts.pieces()) {
                int size = info.pieceSize(piece);
                ByteBuffer data = null;
                boolean stillNeeded = false;
                for (FileSpan span : layout.spans(piece, 0, size)) {
                    int f = span.fileIndex();
                    if (pad[f]) {
                        continue;
                    }
                    if (now[f] && !wanted[f]) {
                        if (data == null) {
                            data = ByteBuffer.allocate(size);
                            parts.read(piece, 0, data);
                            data.flip();
                        }
                        moveIn(piece, span, data);
                    } else if (!now[f] && !onDisk(f)) {
                        stillNeeded = true; // an unwanted file that is not there: its bytes stay here
                    }
                }
                if (!stillNeeded) {
                    parts.free(piece);
                }
            }
            for (int i = 0; i < now.length; i++) {
                FileEntry f = info.files().get(i);
                if (now[i] && !wanted[i] && !f.isPad() && !f.isSymlink() && f.length() == 0) {
                    createEmpty(i);
                }
            }
            wanted = now;
        } finally {
            choice.writeLock().unlock();
        }
    }

    /** Writes the part of {@code piece} (all of it in {@code data}) that belongs to {@code span}'s file. */
    private void moveIn(int piece, FileSpan span, ByteBuffer data) throws IOException {
        Handle h = null;
        try {
            h = acquire(span.fileIndex(), Access.WRITE);
            ByteBuffer part = data.slice(span.rangeOffset(), span.length());
            long pos = span.fileOffset();
            h.writing.lock();
            try {
                while (part.hasRemaining()) {
                    pos += h.channel.write(part, pos);
                }
            } finally {
                h.writing.unlock();
            }
            markDirty(span.fileIndex());
        } catch (IOException e) {
            throw failure("moving piece " + piece + " from the part file", "to", span.fileIndex(), e);
        } finally {
            release(h);
        }
    }

    /**
     * BEP 47: pad bytes are zeros. A piece that verified with other bytes there could never be
     * read back as it was verified (reads give zeros), so the torrent cannot be completed; say
     * so rather than store it.
     */
    private void checkZeros(int piece, FileSpan span, ByteBuffer data) throws StorageException {
        int from = data.position() + span.rangeOffset();
        for (int i = from; i < from + span.length(); i++) {
            if (data.get(i) != 0) {
                throw new StorageException("piece " + piece + " has a byte other than zero at " + (i - data.position())
                        + ", in pad file " + info.files().get(span.fileIndex()).displayPath()
                        + ": the torrent is inconsistent (BEP 47 pad files are zeros)", null);
            }
        }
    }

    /** Puts {@code length} zeros at {@code at} in {@code dst} (absolute, position unchanged). */
    private static void zeros(ByteBuffer dst, int at, int length) {
        for (int i = at; i < at + length; i++) {
            dst.put(i, (byte) 0);
        }
    }

    /**
     * Writes the aligned prefix of {@code part} with direct IO, if direct writes are on and it
     * starts aligned in memory and in the file; returns the file position after what it wrote and
     * leaves the rest in {@code part}. A refusal (a write fails) turns direct writes off for this
     * storage and leaves the bytes for the page-cache write, whose own error, if any (a full disk),
     * is the one reported. Caller holds {@code h.writing}.
     */
    private long writeDirect(Handle h, int fileIndex, ByteBuffer part, long pos) {
        if (!direct || h.direct == null || !part.isDirect() || pos % PieceBuffers.ALIGNMENT != 0
                || part.alignmentOffset(part.position(), PieceBuffers.ALIGNMENT) != 0
                || part.remaining() < PieceBuffers.ALIGNMENT) {
            return pos;
        }
        int limit = part.limit();
        try {
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
            LOG.log(System.Logger.Level.DEBUG, "direct writes off for {0}: {1}", paths[fileIndex], reason(e));
        } finally {
            part.limit(limit);
        }
        return pos;
    }

    @Override
    public void read(int piece, int begin, ByteBuffer dst) throws IOException {
        choice.readLock().lock();
        try {
            readSpans(piece, begin, dst);
        } finally {
            choice.readLock().unlock();
        }
    }

    private void readSpans(int piece, int begin, ByteBuffer dst) throws IOException {
        int start = dst.position();
        int length = dst.remaining();
        for (FileSpan span : layout.spans(piece, begin, length)) {
            if (pad[span.fileIndex()]) {
                zeros(dst, start + span.rangeOffset(), span.length());
                continue;
            }
            if (inPart(piece, span.fileIndex())
                    && parts.read(piece, begin + span.rangeOffset(), dst.slice(start + span.rangeOffset(), span.length()))) {
                continue;
            }
            Handle h = null;
            try {
                h = acquire(span.fileIndex(), Access.READ);
                if (h == null) {
                    throw new NoSuchFileException(paths[span.fileIndex()].toString(), null, "not written yet");
                }
                readFully(h.channel, dst.slice(start + span.rangeOffset(), span.length()), span.fileOffset());
            } catch (IOException e) {
                throw failure("reading piece " + piece, "from", span.fileIndex(), e);
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
     * which sends nothing either, from a full socket). The file is open read-only for this.
     */
    @Override
    public void transferTo(int piece, int begin, int length, WritableByteChannel target) throws IOException {
        choice.readLock().lock();
        try {
            transferSpans(piece, begin, length, target);
        } finally {
            choice.readLock().unlock();
        }
    }

    private void transferSpans(int piece, int begin, int length, WritableByteChannel target) throws IOException {
        for (FileSpan span : layout.spans(piece, begin, length)) {
            if (inPart(piece, span.fileIndex())) {
                ByteBuffer kept = ByteBuffer.allocate(span.length());
                if (parts.read(piece, begin + span.rangeOffset(), kept)) {
                    kept.flip();
                    while (kept.hasRemaining()) {
                        target.write(kept);
                    }
                    continue;
                }
            }
            if (pad[span.fileIndex()]) {
                // BEP 47: a peer that asks for pad bytes is served them, zeros.
                ByteBuffer z = ByteBuffer.allocate(span.length());
                while (z.hasRemaining()) {
                    target.write(z);
                }
                continue;
            }
            Handle h = null;
            try {
                try {
                    h = acquire(span.fileIndex(), Access.READ);
                } catch (IOException e) {
                    throw failure("reading piece " + piece, "from", span.fileIndex(), e);
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
                        throw unreadable(piece, span.fileIndex(), reason(e), e);
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
        choice.readLock().lock();
        try {
            return readWholePiece(piece, size, dst);
        } finally {
            choice.readLock().unlock();
        }
    }

    private boolean readWholePiece(int piece, int size, ByteBuffer dst) throws IOException {
        List<FileSpan> spans = layout.spans(piece, 0, size);
        List<Handle> handles = new ArrayList<>(spans.size());
        boolean[] kept = new boolean[spans.size()];
        int start = dst.position();
        try {
            // First make sure every part can be there, so a missing file costs no reading.
            for (int i = 0; i < spans.size(); i++) {
                FileSpan span = spans.get(i);
                if (pad[span.fileIndex()] || inPart(piece, span.fileIndex())) {
                    kept[i] = !pad[span.fileIndex()];
                    handles.add(null);
                    continue;
                }
                Handle h;
                try {
                    h = acquire(span.fileIndex(), Access.READ);
                    if (h == null) {
                        return false;
                    }
                    handles.add(h);
                    if (h.channel.size() < span.fileOffset() + span.length()) {
                        return false;
                    }
                } catch (IOException e) {
                    throw failure("checking piece " + piece, "in", span.fileIndex(), e);
                }
            }
            for (int i = 0; i < spans.size(); i++) {
                FileSpan span = spans.get(i);
                if (kept[i] && parts.read(piece, span.rangeOffset(), dst.slice(start + span.rangeOffset(), span.length()))) {
                    continue;
                }
                if (kept[i]) {
                    return false; // dropped from the part file meanwhile
                }
                if (handles.get(i) == null) {
                    zeros(dst, start + span.rangeOffset(), span.length());
                    continue;
                }
                try {
                    readFully(handles.get(i).channel, dst.slice(start + span.rangeOffset(), span.length()), span.fileOffset());
                } catch (IOException e) {
                    throw failure("reading piece " + piece, "from", span.fileIndex(), e);
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

    /**
     * {@code what} failed on file {@code fileIndex}: "writing piece 3 to /x/f: No space left on
     * device". A failure of our own (a refused link, a failed open) already names its path and
     * reason, and gets only the context: "writing piece 3: opening /x/f for writing: Permission denied".
     */
    private StorageException failure(String what, String preposition, int fileIndex, IOException cause) {
        if (cause instanceof StorageException ours) {
            return new StorageException(what + ": " + ours.getMessage(), cause);
        }
        String where = preposition.isEmpty() ? " " : " " + preposition + " ";
        return new StorageException(what + where + paths[fileIndex] + ": " + reason(cause), cause);
    }

    /**
     * Sizes and modification times, without following links: a file below a symbolic link is
     * refused here as everywhere (so the resume check falls back to hashing, which refuses it too).
     */
    @Override
    public List<FileStat> stat() throws IOException {
        List<FileStat> out = new ArrayList<>(paths.length);
        for (int i = 0; i < paths.length; i++) {
            Path p = paths[i];
            BasicFileAttributes a;
            if (pad[i]) {
                a = null; // never on disk
            } else if (info.files().get(i).isSymlink()) {
                a = checkDirectories(p, Access.READ) ? linkAttributes(p) : null;
            } else {
                a = checkDirectories(p, Access.READ) ? checkFile(p, Access.READ) : null;
            }
            out.add(a == null ? FileStat.MISSING : new FileStat(a.size(), a.lastModifiedTime().to(TimeUnit.NANOSECONDS)));
        }
        return out;
    }

    /**
     * Every cached channel is taken out of the cache (closed now if idle, else by its last user);
     * files written since the last flush stay marked, and {@link #flush} forces them through a
     * new descriptor, which writes the file's dirty pages all the same.
     */
    @Override
    public void forgetOpenFiles() {
        lock.lock();
        try {
            for (Handle h : open.values()) {
                retire(h);
            }
            open.clear();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void flush() throws IOException {
        if (parts != null) {
            parts.flush();
        }
        BitSet toFlush;
        lock.lock();
        try {
            toFlush = (BitSet) dirty.clone();
            dirty.clear();
        } finally {
            lock.unlock();
        }
        // fsync outside the lock: it can take long, and other threads keep reading and writing.
        // A file evicted since its write may come back read-only: fsync of any descriptor of the
        // file writes its dirty pages.
        for (int i = toFlush.nextSetBit(0); i >= 0; i = toFlush.nextSetBit(i + 1)) {
            Handle h = null;
            try {
                h = acquire(i, Access.READ);
                if (h != null) {
                    h.channel.force(false);
                }
            } catch (IOException e) {
                markDirty(toFlush, i);
                throw failure("flushing", "", i, e);
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
        if (parts != null) {
            try {
                parts.close();
            } catch (IOException e) {
                if (failure == null) {
                    failure = e;
                }
            }
        }
        lock.lock();
        try {
            closed = true;
            for (Map.Entry<Integer, Handle> e : open.entrySet()) {
                try {
                    e.getValue().close();
                } catch (IOException ex) {
                    if (failure == null) {
                        failure = failure("closing", "", e.getKey(), ex);
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

    /** What a file is opened for. */
    private enum Access {
        READ("read", "reading"),
        WRITE("write", "writing");

        final String verb;
        final String gerund;

        Access(String verb, String gerund) {
            this.verb = verb;
            this.gerund = gerund;
        }
    }

    /** An open channel and how many threads are using it. Guarded by {@link #lock}. */
    private static final class Handle {
        final FileChannel channel;
        /** Whether {@link #channel} may write; a read-only one gives way to a read-write one on the first write. */
        final boolean writable;
        /**
         * Serializes writes to the file. The kernel takes the inode's lock for every buffered write
         * anyway, and two threads writing one file spin on it in the kernel: measured, a 4 GiB file
         * written in 1 MiB pieces by two threads cost 3.9 to 9.1 s of system time, 2.6 to 3.3 s with
         * this lock. The waiting thread parks instead, and another file's writes are not held up.
         */
        final ReentrantLock writing = new ReentrantLock();
        /** The same file opened for direct IO, beside {@link #channel} when direct writes are on; else null. */
        final FileChannel direct;
        int users;
        boolean evicted;

        Handle(FileChannel channel, boolean writable, FileChannel direct) {
            this.channel = channel;
            this.writable = writable;
            this.direct = direct;
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

    /**
     * The open channel of a file, opening it if need be: any channel to read, a read-write one to
     * write (a read-only one in the cache is then replaced, and closed by its last user). Null when
     * reading a file that does not exist. Opening happens under the lock, so one file is never
     * opened twice at once.
     */
    private Handle acquire(int fileIndex, Access access) throws IOException {
        lock.lock();
        try {
            if (closed) {
                throw new IOException("storage closed");
            }
            Handle h = open.get(fileIndex);
            if (h == null || (access == Access.WRITE && !h.writable)) {
                Handle fresh = openHandle(fileIndex, access);
                if (fresh == null) {
                    return null;
                }
                if (h != null) {
                    retire(h);
                }
                open.put(fileIndex, fresh);
                evictBeyondLimit();
                h = fresh;
            }
            if (access == Access.WRITE) {
                dirty.set(fileIndex);
            }
            h.users++;
            return h;
        } finally {
            lock.unlock();
        }
    }

    private Handle openHandle(int fileIndex, Access access) throws StorageException {
        FileChannel channel = openFile(fileIndex, access);
        if (channel == null) {
            return null;
        }
        FileChannel directChannel = null;
        if (access == Access.WRITE && direct) {
            // Opened now, right after the other, rather than at the first aligned write: a second
            // open later would go through the directories again, long after they were checked.
            try {
                directChannel = FileChannel.open(paths[fileIndex], StandardOpenOption.WRITE,
                        LinkOption.NOFOLLOW_LINKS, ExtendedOpenOption.DIRECT);
            } catch (IOException | UnsupportedOperationException e) {
                direct = false;
                LOG.log(System.Logger.Level.DEBUG, "direct writes off for {0}: {1}", paths[fileIndex], reason(e));
            }
        }
        return new Handle(channel, access == Access.WRITE, directChannel);
    }

    /**
     * Opens file {@code fileIndex} for {@code access} without following a symbolic link anywhere
     * below {@link #base}: every directory on the way is checked, or created, one component at a
     * time ({@link #checkDirectories}), and the file itself is opened with O_NOFOLLOW
     * ({@link LinkOption#NOFOLLOW_LINKS}), so a link there is refused by the kernel even if it
     * appeared after our check. Returns null when reading a file that does not exist.
     *
     * <p>What is left of the race: a directory component swapped for a link between its check
     * and the open of the file below it is followed by that open (Java has no openat with
     * O_NOFOLLOW for each component, nor O_PATH). Swapping it takes write access to the directory
     * above it, inside the download directory, and the window is a few system calls long; every
     * later open checks again. A file already open stays the file it was: renaming a link over
     * its name changes nothing we write to.
     */
    private FileChannel openFile(int fileIndex, Access access) throws StorageException {
        Path p = paths[fileIndex];
        if (!checkDirectories(p, access)) {
            return null;
        }
        if (checkFile(p, access) == null && access == Access.READ) {
            return null;
        }
        try {
            if (access == Access.READ) {
                return FileChannel.open(p, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
            }
            // The mode applies only when the file is created; an existing file keeps its own.
            return info.files().get(fileIndex).isExecutable()
                    ? FileChannel.open(p, WRITE_OPTIONS, EXECUTABLE)
                    : FileChannel.open(p, WRITE_OPTIONS);
        } catch (NoSuchFileException e) {
            if (access == Access.READ) {
                return null; // removed since the check
            }
            throw new StorageException("opening " + p + " for writing: " + reason(e), e);
        } catch (IOException e) {
            if (Files.isSymbolicLink(p)) {
                throw refusedLink(p, access); // put there since the check: O_NOFOLLOW refused it (ELOOP)
            }
            throw new StorageException("opening " + p + " for " + access.gerund + ": " + reason(e), e);
        }
    }

    /**
     * Checks, and when writing creates, each directory from {@link #base} down to {@code file}'s,
     * never following a symbolic link. Returns false when one is missing and {@code access} is
     * READ (so the file cannot be there). A refusal (a link, a file in the way) is a
     * StorageException without a cause; a failure of the system's has its exception as cause.
     */
    private boolean checkDirectories(Path file, Access access) throws StorageException {
        Path parent = file.getParent();
        if (parent.equals(base)) {
            return true;
        }
        Path dir = base;
        for (Path name : base.relativize(parent)) {
            dir = dir.resolve(name);
            if (!checkDirectory(dir, access)) {
                return false;
            }
        }
        return true;
    }

    private boolean checkDirectory(Path dir, Access access) throws StorageException {
        for (int attempt = 0; attempt < 3; attempt++) {
            BasicFileAttributes a;
            try {
                a = Files.readAttributes(dir, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            } catch (NoSuchFileException e) {
                if (access == Access.READ) {
                    return false;
                }
                try {
                    Files.createDirectory(dir); // mkdir never follows a link at its last component
                    return true;
                } catch (FileAlreadyExistsException raced) {
                    continue; // something appeared since: look at what
                } catch (IOException c) {
                    throw new StorageException("creating directory " + dir + ": " + reason(c), c);
                }
            } catch (IOException e) {
                throw new StorageException("checking directory " + dir + ": " + reason(e), e);
            }
            if (a.isSymbolicLink()) {
                throw refusedLink(dir, access);
            }
            if (!a.isDirectory()) {
                throw new StorageException(dir + " is not a directory", null);
            }
            return true;
        }
        throw new StorageException(dir + " keeps changing while it is created", null);
    }

    /**
     * The attributes of {@code file} itself, null when it does not exist; refuses a link and
     * anything but a regular file (a FIFO would block the open forever).
     */
    private static BasicFileAttributes checkFile(Path file, Access access) throws StorageException {
        BasicFileAttributes a;
        try {
            a = Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            throw new StorageException("reading attributes of " + file + ": " + reason(e), e);
        }
        if (a.isSymbolicLink()) {
            throw refusedLink(file, access);
        }
        if (!a.isRegularFile()) {
            throw new StorageException(file + " is not a regular file", null);
        }
        return a;
    }

    /** The attributes of a symbolic link of the torrent itself (never of its target); null when absent. */
    private static BasicFileAttributes linkAttributes(Path link) throws StorageException {
        try {
            return Files.readAttributes(link, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            throw new StorageException("reading attributes of " + link + ": " + reason(e), e);
        }
    }

    private static StorageException refusedLink(Path link, Access access) {
        String target;
        try {
            target = Files.readSymbolicLink(link).toString();
        } catch (IOException | UnsupportedOperationException e) {
            target = "?";
        }
        return new StorageException("refusing to " + access.verb + " through symbolic link " + link + " -> " + target, null);
    }

    /** Takes {@code h} out of use: closed now if idle, else by its last user. Caller holds the lock. */
    private static void retire(Handle h) {
        if (h.users == 0) {
            closeQuietly(h);
        } else {
            h.evicted = true;
        }
    }

    private void evictBeyondLimit() {
        Iterator<Handle> it = open.values().iterator();
        while (open.size() > maxOpen && it.hasNext()) {
            Handle eldest = it.next();
            it.remove();
            retire(eldest);
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

    private static String reason(Throwable e) {
        return StorageException.reason(e);
    }
}
