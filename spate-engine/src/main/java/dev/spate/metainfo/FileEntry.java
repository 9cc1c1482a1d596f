package dev.spate.metainfo;

import java.util.List;

/**
 * One file of a torrent.
 *
 * @param path the path components below the torrent's directory (for a single-file torrent, just
 *     the torrent's name); each component validated so it cannot leave the download directory
 * @param length the file's length in bytes, zero or more
 * @param offset where the file starts in the torrent's concatenated byte stream
 */
public record FileEntry(List<String> path, long length, long offset) {
    public FileEntry {
        path = List.copyOf(path);
        if (path.isEmpty()) {
            throw new IllegalArgumentException("file with an empty path");
        }
        if (length < 0 || offset < 0) {
            throw new IllegalArgumentException("negative length or offset in file " + path);
        }
    }

    /** The components joined with '/', as the file is shown to users. */
    public String displayPath() {
        return String.join("/", path);
    }

    /** Index just past the file's last byte in the torrent's byte stream. */
    public long end() {
        return offset + length;
    }
}
