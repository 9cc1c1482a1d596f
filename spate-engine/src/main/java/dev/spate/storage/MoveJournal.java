package dev.spate.storage;

import dev.spate.core.InfoHash;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;
import java.util.zip.CRC32;

/**
 * The record of a torrent's move from one download directory to another ({@link StorageMove}), in
 * the state directory beside the resume file of the directory it leaves:
 * {@code STATE/resume/<info-hash hex>-<dir key>.move} ({@link ResumeStore#moveLocation}). Written
 * before the first file is touched ({@link Phase#MOVING}), so a restart that adds the torrent with
 * the old directory finishes the move; rewritten {@link Phase#MOVED} once every file is at the
 * target, so a later restart with the old directory uses the new one.
 *
 * <p>Format, version 1, integers big-endian:
 * <pre>
 *   magic      8 bytes  "SPATEMOV"
 *   version    u16      1
 *   phase      u8       1 moving, 2 moved
 *   info-hash  20 bytes
 *   from       u16 length, UTF-8 absolute path
 *   to         u16 length, UTF-8 absolute path
 *   crc32      u32      of every byte before it
 * </pre>
 * Read strictly, as {@link ResumeFile} is: any deviation is a {@link ResumeFile.Corrupt}. Written
 * atomically in the same way (temporary file, fsync, rename, fsync of the directory). Stateless.
 */
public final class MoveJournal {
    private static final byte[] MAGIC = {'S', 'P', 'A', 'T', 'E', 'M', 'O', 'V'};
    private static final int VERSION = 1;
    /** A path longer than this (in UTF-8) is no path any file system here takes. */
    static final int MAX_PATH_BYTES = 16 * 1024;

    /** Where a move is. */
    public enum Phase {
        /** Files are being moved: some may be at either place. */
        MOVING,
        /** Every file is at {@code to}; the torrent lives there now. */
        MOVED
    }

    /** What a journal says: the torrent {@code infoHash} goes (or went) from {@code from} to {@code to}. */
    public record Entry(Phase phase, InfoHash infoHash, Path from, Path to) {
        public Entry {
            Objects.requireNonNull(phase, "phase");
            Objects.requireNonNull(infoHash, "infoHash");
            from = from.toAbsolutePath().normalize();
            to = to.toAbsolutePath().normalize();
        }

        /** The same move in phase {@code next}. */
        public Entry in(Phase next) {
            return new Entry(next, infoHash, from, to);
        }
    }

    private MoveJournal() {
    }

    static byte[] encode(Entry e) {
        byte[] from = e.from().toString().getBytes(StandardCharsets.UTF_8);
        byte[] to = e.to().toString().getBytes(StandardCharsets.UTF_8);
        if (from.length > MAX_PATH_BYTES || to.length > MAX_PATH_BYTES) {
            throw new IllegalArgumentException("a path of more than " + MAX_PATH_BYTES + " bytes");
        }
        ByteBuffer b = ByteBuffer.allocate(8 + 2 + 1 + InfoHash.LENGTH + 2 + from.length + 2 + to.length + 4);
        b.put(MAGIC).putShort((short) VERSION).put((byte) (e.phase().ordinal() + 1)).put(e.infoHash().bytes());
        b.putShort((short) from.length).put(from).putShort((short) to.length).put(to);
        CRC32 crc = new CRC32();
        crc.update(b.array(), 0, b.position());
        b.putInt((int) crc.getValue());
        return b.array();
    }

    static Entry decode(byte[] bytes, InfoHash expected) throws ResumeFile.Corrupt {
        int fixed = 8 + 2 + 1 + InfoHash.LENGTH + 2 + 2 + 4;
        if (bytes.length < fixed || bytes.length > fixed + 2 * MAX_PATH_BYTES) {
            throw new ResumeFile.Corrupt(bytes.length + " bytes: no move journal is that long");
        }
        CRC32 crc = new CRC32();
        crc.update(bytes, 0, bytes.length - 4);
        ByteBuffer b = ByteBuffer.wrap(bytes);
        if ((int) crc.getValue() != b.getInt(bytes.length - 4)) {
            throw new ResumeFile.Corrupt("checksum mismatch");
        }
        byte[] magic = new byte[MAGIC.length];
        b.get(magic);
        if (!java.util.Arrays.equals(magic, MAGIC)) {
            throw new ResumeFile.Corrupt("not a move journal (no SPATEMOV magic)");
        }
        int version = Short.toUnsignedInt(b.getShort());
        if (version != VERSION) {
            throw new ResumeFile.Corrupt("version " + version + ", only " + VERSION + " is known");
        }
        int phase = Byte.toUnsignedInt(b.get());
        if (phase < 1 || phase > Phase.values().length) {
            throw new ResumeFile.Corrupt("phase " + phase);
        }
        byte[] hash = new byte[InfoHash.LENGTH];
        b.get(hash);
        if (!expected.matches(hash, 0)) {
            throw new ResumeFile.Corrupt("records torrent " + InfoHash.of(hash).hex() + ", not " + expected.hex());
        }
        Path from = path(b, bytes.length - 4, "from");
        Path to = path(b, bytes.length - 4, "to");
        if (b.position() != bytes.length - 4) {
            throw new ResumeFile.Corrupt((bytes.length - 4 - b.position()) + " bytes after the paths");
        }
        return new Entry(Phase.values()[phase - 1], expected, from, to);
    }

    private static Path path(ByteBuffer b, int end, String which) throws ResumeFile.Corrupt {
        if (end - b.position() < 2) {
            throw new ResumeFile.Corrupt("cut off before the " + which + " path");
        }
        int length = Short.toUnsignedInt(b.getShort());
        if (length == 0 || length > end - b.position()) {
            throw new ResumeFile.Corrupt("the " + which + " path's length " + length + " does not fit");
        }
        ByteBuffer slice = b.slice(b.position(), length);
        b.position(b.position() + length);
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(slice).toString();
        } catch (CharacterCodingException e) {
            throw new ResumeFile.Corrupt("the " + which + " path is not UTF-8");
        }
        try {
            Path p = Path.of(text);
            if (!p.isAbsolute()) {
                throw new ResumeFile.Corrupt("the " + which + " path " + text + " is not absolute");
            }
            return p;
        } catch (InvalidPathException e) {
            throw new ResumeFile.Corrupt("the " + which + " path is no path here: " + e.getMessage());
        }
    }

    /** Writes {@code entry} to {@code file} atomically; creates its directory. */
    public static void write(Path file, Entry entry) throws IOException {
        ResumeFile.writeAtomically(file, encode(entry), "move journal");
    }

    /** What the journal at {@code file} says; empty when there is none. */
    public static Optional<Entry> read(Path file, InfoHash infoHash) throws IOException {
        byte[] bytes;
        try {
            if (Files.size(file) > 8 + 2 + 1 + InfoHash.LENGTH + 4 + 4 + 2 * MAX_PATH_BYTES) {
                throw new ResumeFile.Corrupt("too long for a move journal");
            }
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
        return Optional.of(decode(bytes, infoHash));
    }
}
