package dev.spate.storage;

import dev.spate.core.Bitfield;
import dev.spate.core.InfoHash;
import dev.spate.metainfo.TorrentInfo;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
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
 * that was true. Lives at {@code <state dir>/<info-hash hex>.resume} ({@link #pathFor}), in a
 * directory of the session's own (not in the download directory, which belongs to the user).
 *
 * <p>Format, version 1, all integers big-endian:
 * <pre>
 *   magic      8 bytes  "SPATERES"
 *   version    u16      1
 *   info-hash  20 bytes
 *   pieces     u32      piece count
 *   files      u32      file count
 *   per file   i64 size (-1: missing), i64 modification time in ns since the epoch
 *   bitfield   ceil(pieces/8) bytes, BEP 3 order, spare bits zero
 *   crc32      u32      of every byte before it
 * </pre>
 * Reading is strict: any deviation (length, magic, version, another torrent, counts, spare bits,
 * checksum) makes the file ignored, never a crash.
 *
 * <p>Written atomically: a temporary file beside it, fsync, rename over, fsync of the directory.
 * Stateless and thread-safe; concurrent writers of one torrent's file are the caller's to avoid.
 */
public final class ResumeFile {
    private static final byte[] MAGIC = {'S', 'P', 'A', 'T', 'E', 'R', 'E', 'S'};
    private static final int VERSION = 1;
    private static final int HEADER = 8 + 2 + 20 + 4 + 4;

    /** What a resume file says. */
    public record State(InfoHash infoHash, Bitfield have, List<FileStat> files) {
        public State {
            have = have.copy();
            files = List.copyOf(files);
        }

        @Override
        public Bitfield have() {
            return have.copy();
        }
    }

    private ResumeFile() {
    }

    /** Where the resume file of {@code infoHash} lives in {@code stateDir}. */
    public static Path pathFor(Path stateDir, InfoHash infoHash) {
        return stateDir.resolve(infoHash.hex() + ".resume");
    }

    /**
     * Writes {@code state} to {@code file} atomically, creating its directory if need be.
     *
     * @throws IOException naming the file and the system's reason ("writing resume file /s/x.resume:
     *     creating directory /s: Permission denied"); the caller decides whether that matters
     */
    public static void write(Path file, State state) throws IOException {
        byte[] bytes = encode(state);
        Path dir = file.toAbsolutePath().getParent();
        Path temp;
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            // The exception names the first directory that could not be made, not always dir.
            String failed = e instanceof FileSystemException f && f.getFile() != null ? f.getFile() : dir.toString();
            throw new IOException("writing resume file " + file + ": creating directory " + failed + ": "
                    + StorageException.reason(e), e);
        }
        try {
            temp = Files.createTempFile(dir, file.getFileName().toString(), ".tmp");
        } catch (IOException e) {
            throw new IOException("writing resume file " + file + ": creating a temporary file in " + dir + ": "
                    + StorageException.reason(e), e);
        }
        try {
            try (FileChannel ch = FileChannel.open(temp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
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
            Files.deleteIfExists(temp);
            throw new IOException("writing resume file " + file + ": " + StorageException.reason(e), e);
        }
        syncDirectory(dir);
    }

    /** Makes the rename durable where the platform allows opening a directory (Linux, macOS). */
    private static void syncDirectory(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException ignored) {
            // Not supported here (Windows); the rename is still atomic, only maybe not yet durable.
        }
    }

    /**
     * Reads the resume file of {@code infoHash} for {@code info}; empty when it is missing,
     * unreadable, corrupt, or describes another torrent or layout.
     */
    public static Optional<State> read(Path file, InfoHash infoHash, TorrentInfo info) {
        int expected = length(info.pieceCount(), info.files().size());
        try {
            if (Files.size(file) != expected) {
                return Optional.empty(); // checked first so a huge file is never read
            }
            return decode(Files.readAllBytes(file), infoHash, info);
        } catch (IOException e) {
            return Optional.empty(); // missing or unreadable: hash instead
        }
    }

    static int length(int pieces, int files) {
        return HEADER + files * 16 + Bitfield.byteLength(pieces) + 4;
    }

    static byte[] encode(State state) {
        Bitfield have = state.have();
        List<FileStat> files = state.files();
        ByteBuffer b = ByteBuffer.allocate(length(have.size(), files.size()));
        b.put(MAGIC).putShort((short) VERSION).put(state.infoHash().bytes()).putInt(have.size()).putInt(files.size());
        for (FileStat f : files) {
            b.putLong(f.size()).putLong(f.modifiedNanos());
        }
        b.put(have.toBytes());
        CRC32 crc = new CRC32();
        crc.update(b.array(), 0, b.position());
        b.putInt((int) crc.getValue());
        return b.array();
    }

    static Optional<State> decode(byte[] bytes, InfoHash infoHash, TorrentInfo info) {
        int pieces = info.pieceCount();
        int fileCount = info.files().size();
        if (bytes.length != length(pieces, fileCount)) {
            return Optional.empty();
        }
        ByteBuffer b = ByteBuffer.wrap(bytes);
        CRC32 crc = new CRC32();
        crc.update(bytes, 0, bytes.length - 4);
        if ((int) crc.getValue() != b.getInt(bytes.length - 4)) {
            return Optional.empty();
        }
        byte[] magic = new byte[MAGIC.length];
        b.get(magic);
        int version = b.getShort();
        byte[] hash = new byte[InfoHash.LENGTH];
        b.get(hash);
        if (!Arrays.equals(magic, MAGIC) || version != VERSION || !infoHash.matches(hash, 0)
                || b.getInt() != pieces || b.getInt() != fileCount) {
            return Optional.empty();
        }
        List<FileStat> files = new ArrayList<>(fileCount);
        for (int i = 0; i < fileCount; i++) {
            long size = b.getLong();
            long modified = b.getLong();
            if (size < -1 || (size == -1 && modified != 0)) {
                return Optional.empty();
            }
            files.add(size == -1 ? FileStat.MISSING : new FileStat(size, modified));
        }
        try {
            Bitfield have = Bitfield.fromBytes(bytes, b.position(), Bitfield.byteLength(pieces), pieces);
            return Optional.of(new State(infoHash, have, files));
        } catch (IllegalArgumentException e) {
            return Optional.empty(); // a spare bit set
        }
    }
}
