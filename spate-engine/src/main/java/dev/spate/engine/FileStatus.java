package dev.spate.engine;

import java.util.Objects;

/**
 * One file of a torrent, as {@link TorrentStatus#files()} shows it.
 *
 * @param index the file's index among the torrent's files (BEP 47 pad files left out), from 0,
 *     as {@link TorrentHandle#setFilePriority} takes it
 * @param path the file's path within the torrent, its components joined by {@code /}
 * @param length the file's size in bytes
 * @param bytesVerified bytes of the file in verified pieces
 * @param priority how much it is wanted
 */
public record FileStatus(int index, String path, long length, long bytesVerified, FilePriority priority) {
    /** Requires the path and priority. */
    public FileStatus {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(priority, "priority");
    }

    /** Whether every byte of the file is verified. */
    public boolean isComplete() {
        return bytesVerified == length;
    }

    /** Fraction of the file verified, from 0 to 1. */
    public double progress() {
        return length == 0 ? 1.0 : (double) bytesVerified / length;
    }
}
