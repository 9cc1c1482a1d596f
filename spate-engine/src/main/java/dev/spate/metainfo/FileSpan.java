package dev.spate.metainfo;

/**
 * The part of one file that a range of the torrent's byte stream covers.
 *
 * @param fileIndex index into {@link TorrentInfo#files()}
 * @param fileOffset where the part starts within that file
 * @param length bytes in the part, at least 1
 * @param rangeOffset where the part starts within the requested range
 */
public record FileSpan(int fileIndex, long fileOffset, int length, int rangeOffset) {
}
