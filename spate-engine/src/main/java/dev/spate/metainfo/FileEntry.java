package dev.spate.metainfo;

import java.util.Collection;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * One file of a torrent.
 *
 * @param path the path components below the torrent's directory (for a single-file torrent, just
 *     the torrent's name); each component sanitized by the parser so it cannot leave the download
 *     directory, and unique among the torrent's files
 * @param length the file's length in bytes, zero or more (always zero for a symbolic link)
 * @param offset where the file starts in the torrent's concatenated byte stream
 * @param attributes BEP 47 attributes, unmodifiable
 * @param symlinkTarget for a {@link Attribute#SYMLINK}, the path of its target below the torrent's
 *     directory (a file or directory of the same torrent, checked by the parser); otherwise empty
 */
public record FileEntry(List<String> path, long length, long offset, Set<Attribute> attributes,
                        List<String> symlinkTarget) {
    /** BEP 47 file attributes, the characters of {@code attr}. */
    public enum Attribute {
        /**
         * {@code p}: padding, zeros that align the next file to a piece boundary. Part of the byte
         * stream and of the piece hashes, never a file on disk.
         */
        PAD,
        /** {@code x}: the file is executable. */
        EXECUTABLE,
        /** {@code h}: the file is hidden (a dot file already is, on the systems we run on). */
        HIDDEN,
        /** {@code l}: a symbolic link to {@link FileEntry#symlinkTarget}, with no bytes of its own. */
        SYMLINK
    }

    /** Keeps unmodifiable copies of the path and the attributes. */
    public FileEntry {
        path = List.copyOf(path);
        attributes = attributes.isEmpty() ? Set.of() : Collections.unmodifiableSet(EnumSet.copyOf((Collection<Attribute>) attributes));
        symlinkTarget = List.copyOf(symlinkTarget);
        if (path.isEmpty()) {
            throw new IllegalArgumentException("file with an empty path");
        }
        if (length < 0 || offset < 0) {
            throw new IllegalArgumentException("negative length or offset in file " + path);
        }
        if (attributes.contains(Attribute.SYMLINK) == symlinkTarget.isEmpty()) {
            throw new IllegalArgumentException("file " + path + ": a symbolic link needs a target, and only a link has one");
        }
        if (attributes.contains(Attribute.SYMLINK) && length != 0) {
            throw new IllegalArgumentException("symbolic link " + path + " with " + length + " bytes");
        }
    }

    /** A plain file without attributes. */
    public FileEntry(List<String> path, long length, long offset) {
        this(path, length, offset, Set.of(), List.of());
    }

    /** The components joined with '/', as the file is shown to users. */
    public String displayPath() {
        return String.join("/", path);
    }

    /** Index just past the file's last byte in the torrent's byte stream. */
    public long end() {
        return offset + length;
    }

    /** Whether this is a BEP 47 pad file: zeros in the byte stream, never written to disk. */
    public boolean isPad() {
        return attributes.contains(Attribute.PAD);
    }

    /** Whether the file should be created executable. */
    public boolean isExecutable() {
        return attributes.contains(Attribute.EXECUTABLE);
    }

    /** Whether the file is marked hidden. */
    public boolean isHidden() {
        return attributes.contains(Attribute.HIDDEN);
    }

    /** Whether this is a symbolic link to {@link #symlinkTarget}. */
    public boolean isSymlink() {
        return attributes.contains(Attribute.SYMLINK);
    }
}
