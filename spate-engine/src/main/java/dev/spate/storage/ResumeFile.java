package dev.spate.storage;

import dev.spate.core.Bitfield;
import dev.spate.core.InfoHash;
import dev.spate.metainfo.TorrentInfo;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.zip.CRC32;

/**
 * The resume file: which pieces a torrent had, and each file's size and modification time when
 * that was true. {@link ResumeStore} says where it lives: in the session's state directory, never in
 * the download directory, which belongs to the user.
 *
 * <p>Format, version 2, all integers big-endian:
 * <pre>
 *   magic      8 bytes  "SPATERES"
 *   version    u16      2
 *   info-hash  20 bytes
 *   pieces     u32      piece count
 *   files      u32      file count
 *   flags      u8       bit 0: written while the torrent ran (a periodic save), not by its stop
 *   per file   i64 size (-1: missing), i64 modification time in ns since the epoch
 *   bitfield   ceil(pieces/8) bytes, BEP 3 order, spare bits zero
 *   crc32      u32      of every byte before it
 * </pre>
 * Version 1, written by earlier versions, has no flags byte and is read as a clean stop's: that is
 * what it was trusted as, and treating it so never trusts more than before (see {@link ResumeCheck}).
 * Version 2 is always written. Reading is strict: any deviation (length, magic, version, another
 * torrent, counts, unknown flags, spare bits, checksum) is reported as a {@link Corrupt} naming the
 * problem, for the caller to ignore the file.
 *
 * <p>Written atomically: a temporary file beside it with a name of its own
 * ({@code <name>.<random>.tmp}), fsync, rename over, fsync of the directory. A crash leaves either
 * the old file or the new one, and at worst a temporary file that readers never look at. Stateless
 * and thread-safe; concurrent writers of one file (two processes) each rename a whole file, and the
 * last one wins.
 */
public final class ResumeFile {
    private static final byte[] MAGIC = {'S', 'P', 'A', 'T', 'E', 'R', 'E', 'S'};
    private static final int VERSION = 2;
    /** Without the flags byte; read as a clean stop's. */
    private static final int VERSION_WITHOUT_FLAGS = 1;
    private static final int HEADER_V1 = 8 + 2 + 20 + 4 + 4;
    private static final int FLAG_RUNNING = 1;

    /**
     * What a resume file says.
     *
     * @param clean whether it was written when the torrent stopped (paused, removed, the session
     *     closed) or was complete: true; or by a save while it was still downloading, after which
     *     more pieces may have been written: false. A crash leaves the last one written.
     */
    public record State(InfoHash infoHash, Bitfield have, List<FileStat> files, boolean clean) {
        public State {
            have = have.copy();
            files = List.copyOf(files);
        }

        /** A clean stop's record. */
        public State(InfoHash infoHash, Bitfield have, List<FileStat> files) {
            this(infoHash, have, files, true);
        }

        @Override
        public Bitfield have() {
            return have.copy();
        }
    }

    private static final String TEMP_SUFFIX = ".tmp";

    private ResumeFile() {
    }

    /** A resume file that cannot be trusted; the message says why, without the file's name. */
    public static final class Corrupt extends IOException {
        Corrupt(String problem) {
            super(problem);
        }
    }

    /** Whether {@code name} is that of a temporary file of some resume file. */
    static boolean isTemporary(String name) {
        return name.endsWith(TEMP_SUFFIX);
    }

    /** Whether {@code name} is that of a temporary file {@link #write} made for {@code file}. */
    static boolean isTemporaryOf(Path file, String name) {
        String prefix = file.getFileName() + ".";
        return name.length() > prefix.length() + TEMP_SUFFIX.length() && name.startsWith(prefix)
                && name.endsWith(TEMP_SUFFIX);
    }

    /**
     * Writes {@code state} to {@code file} atomically; its directory must exist.
     *
     * @throws IOException naming the file and the system's reason
     */
    public static void write(Path file, State state) throws IOException {
        writeAtomically(file, encode(state), "resume file");
    }

    /**
     * Writes {@code bytes} to {@code file} as this class writes a resume file (temporary file,
     * fsync, rename over, fsync of the directory); its directory must exist. Failures name
     * {@code what} and the file.
     */
    static void writeAtomically(Path file, byte[] bytes, String what) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Path temp;
        try {
            temp = Files.createTempFile(dir, file.getFileName() + ".", TEMP_SUFFIX);
        } catch (IOException e) {
            throw new IOException("writing " + what + " " + file + ": " + describe(e), e);
        }
        try {
            try (FileChannel ch = FileChannel.open(temp, StandardOpenOption.WRITE)) {
                ByteBuffer b = ByteBuffer.wrap(bytes);
                while (b.hasRemaining()) {
                    ch.write(b);
                }
                ch.force(true);
            }
            try {
                Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            try {
                Files.deleteIfExists(temp);
            } catch (IOException cleanup) {
                e.addSuppressed(cleanup); // left for ResumeStore's sweep of stale temporary files
            }
            throw new IOException("writing " + what + " " + file + ": " + describe(e), e);
        }
        syncDirectory(dir);
    }

    /** The system's words for a failure ("/x: permission denied"), not the exception's class. */
    static String describe(IOException e) {
        return switch (e) {
            case AccessDeniedException a when a.getReason() == null -> a.getFile() + ": permission denied";
            case NoSuchFileException n when n.getReason() == null -> n.getFile() + ": no such file or directory";
            case FileSystemException f when f.getReason() == null -> f.getFile() + ": " + f.getClass().getSimpleName();
            default -> e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
        };
    }

    /** Makes the rename durable where the platform allows opening a directory (Linux, macOS). */
    static void syncDirectory(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException ignored) {
            // Not supported here (Windows); the rename is still atomic, only maybe not yet durable.
        }
    }

    /**
     * Reads the resume file of {@code infoHash} for {@code info}; empty when there is none.
     *
     * @throws Corrupt when it is corrupt or describes another torrent or layout
     * @throws IOException when it cannot be read
     */
    public static Optional<State> read(Path file, InfoHash infoHash, TorrentInfo info) throws IOException {
        int expected = length(info.pieceCount(), info.files().size());
        byte[] bytes;
        try {
            long size = Files.size(file);
            if (size != expected && size != expected - 1) { // checked first so a huge file is never read
                throw new Corrupt(size + " bytes where " + info.pieceCount() + " pieces and " + info.files().size()
                        + " files take " + expected);
            }
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
        return Optional.of(decode(bytes, infoHash, info));
    }

    /** The length of a version 2 file (a version 1 file is one byte shorter: no flags). */
    static int length(int pieces, int files) {
        return HEADER_V1 + 1 + files * 16 + Bitfield.byteLength(pieces) + 4;
    }

    static byte[] encode(State state) {
        Bitfield have = state.have();
        List<FileStat> files = state.files();
        ByteBuffer b = ByteBuffer.allocate(length(have.size(), files.size()));
        b.put(MAGIC).putShort((short) VERSION).put(state.infoHash().bytes()).putInt(have.size()).putInt(files.size())
                .put((byte) (state.clean() ? 0 : FLAG_RUNNING));
        for (FileStat f : files) {
            b.putLong(f.size()).putLong(f.modifiedNanos());
        }
        b.put(have.toBytes());
        CRC32 crc = new CRC32();
        crc.update(b.array(), 0, b.position());
        b.putInt((int) crc.getValue());
        return b.array();
    }

    static State decode(byte[] bytes, InfoHash infoHash, TorrentInfo info) throws Corrupt {
        int pieces = info.pieceCount();
        int fileCount = info.files().size();
        int expected = length(pieces, fileCount);
        if (bytes.length != expected && bytes.length != expected - 1) {
            throw new Corrupt(bytes.length + " bytes where " + pieces + " pieces and " + fileCount + " files take "
                    + expected);
        }
        ByteBuffer b = ByteBuffer.wrap(bytes);
        CRC32 crc = new CRC32();
        crc.update(bytes, 0, bytes.length - 4);
        if ((int) crc.getValue() != b.getInt(bytes.length - 4)) {
            throw new Corrupt("checksum mismatch");
        }
        byte[] magic = new byte[MAGIC.length];
        b.get(magic);
        if (!Arrays.equals(magic, MAGIC)) {
            throw new Corrupt("not a resume file (no SPATERES magic)");
        }
        int version = Short.toUnsignedInt(b.getShort());
        if (version != VERSION && version != VERSION_WITHOUT_FLAGS) {
            throw new Corrupt("version " + version + ", only " + VERSION_WITHOUT_FLAGS + " and " + VERSION + " are known");
        }
        int versionLength = version == VERSION ? expected : expected - 1;
        if (bytes.length != versionLength) {
            throw new Corrupt(bytes.length + " bytes where version " + version + " of " + pieces + " pieces and "
                    + fileCount + " files takes " + versionLength);
        }
        byte[] hash = new byte[InfoHash.LENGTH];
        b.get(hash);
        if (!infoHash.matches(hash, 0)) {
            throw new Corrupt("records torrent " + InfoHash.of(hash).hex() + ", not " + infoHash.hex());
        }
        int recordedPieces = b.getInt();
        int recordedFiles = b.getInt();
        if (recordedPieces != pieces || recordedFiles != fileCount) {
            throw new Corrupt("records " + recordedPieces + " pieces and " + recordedFiles + " files, the torrent has "
                    + pieces + " and " + fileCount);
        }
        boolean clean = true;
        if (version == VERSION) {
            int flags = Byte.toUnsignedInt(b.get());
            if ((flags & ~FLAG_RUNNING) != 0) {
                throw new Corrupt("unknown flags " + flags);
            }
            clean = (flags & FLAG_RUNNING) == 0;
        }
        List<FileStat> files = new ArrayList<>(fileCount);
        for (int i = 0; i < fileCount; i++) {
            long size = b.getLong();
            long modified = b.getLong();
            if (size < -1 || (size == -1 && modified != 0)) {
                throw new Corrupt("file " + i + " has size " + size + " and time " + modified);
            }
            files.add(size == -1 ? FileStat.MISSING : new FileStat(size, modified));
        }
        try {
            Bitfield have = Bitfield.fromBytes(bytes, b.position(), Bitfield.byteLength(pieces), pieces);
            return new State(infoHash, have, files, clean);
        } catch (IllegalArgumentException e) {
            throw new Corrupt("a spare bit of the bitfield is set");
        }
    }
}
