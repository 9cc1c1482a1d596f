package dev.spate.metainfo;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * The validated info dictionary of a v1 torrent (BEP 3): what the info-hash covers.
 *
 * @param name suggested name of the file (single-file) or directory (multi-file)
 * @param pieceLength bytes per piece; every piece but the last has exactly this length
 * @param pieceHashes the SHA-1 of every piece, 20 bytes each, concatenated
 * @param files the files in torrent order, BEP 47 pad files included (they are part of the byte
 *     stream and its piece hashes, see {@link FileEntry#isPad()}); a single-file torrent has one,
 *     whose path is the name
 * @param multiFile whether the info dictionary had a {@code files} list (the data then lives in a
 *     directory called {@code name})
 * @param isPrivate BEP 27: peers only from the torrent's trackers
 */
public record TorrentInfo(String name, int pieceLength, byte[] pieceHashes, List<FileEntry> files,
                          boolean multiFile, boolean isPrivate) {
    /** The largest piece length accepted: 256 MiB, far above what any client creates. */
    public static final int MAX_PIECE_LENGTH = 256 << 20;

    /** Checks the piece length, that the files follow each other and that there is one hash per piece; keeps copies. */
    public TorrentInfo {
        Objects.requireNonNull(name, "name");
        pieceHashes = pieceHashes.clone();
        files = List.copyOf(files);
        if (pieceLength <= 0 || pieceLength > MAX_PIECE_LENGTH) {
            throw new IllegalArgumentException("invalid piece length " + pieceLength);
        }
        if (pieceHashes.length % 20 != 0) {
            throw new IllegalArgumentException("pieces is " + pieceHashes.length + " bytes, not a multiple of 20");
        }
        if (files.isEmpty()) {
            throw new IllegalArgumentException("torrent without files");
        }
        long expectedOffset = 0;
        for (FileEntry f : files) {
            if (f.offset() != expectedOffset) {
                throw new IllegalArgumentException("file " + f.displayPath() + " at offset " + f.offset() + ", expected " + expectedOffset);
            }
            expectedOffset = Math.addExact(expectedOffset, f.length());
        }
        long pieces = pieceHashes.length / 20;
        long needed = (expectedOffset + pieceLength - 1) / pieceLength;
        if (pieces != needed) {
            throw new IllegalArgumentException(pieces + " piece hashes for " + expectedOffset + " bytes in pieces of "
                    + pieceLength + ", expected " + needed);
        }
    }

    /** A copy of the concatenated piece hashes. */
    @Override
    public byte[] pieceHashes() {
        return pieceHashes.clone();
    }

    /** The 20-byte SHA-1 expected for {@code piece}. */
    public byte[] pieceHash(int piece) {
        checkPiece(piece);
        return Arrays.copyOfRange(pieceHashes, piece * 20, piece * 20 + 20);
    }

    /** Whether {@code digest} is the expected hash of {@code piece}. */
    public boolean hashMatches(int piece, byte[] digest) {
        checkPiece(piece);
        return digest.length == 20 && Arrays.equals(pieceHashes, piece * 20, piece * 20 + 20, digest, 0, 20);
    }

    /** Number of pieces: one per 20 bytes of {@code pieces}. */
    public int pieceCount() {
        return pieceHashes.length / 20;
    }

    /** Sum of the files' lengths, pad files included: the length of the byte stream. */
    public long totalLength() {
        FileEntry last = files.get(files.size() - 1);
        return last.end();
    }

    /** Bytes of the files themselves: {@link #totalLength()} without the pad files (BEP 47). */
    public long dataLength() {
        long n = 0;
        for (FileEntry f : files) {
            if (!f.isPad()) {
                n += f.length();
            }
        }
        return n;
    }

    /** The files but the pad files, in torrent order: what a user sees and what is written to disk. */
    public List<FileEntry> dataFiles() {
        return files.stream().filter(f -> !f.isPad()).toList();
    }

    /** Length of {@code piece}: the piece length, or less for the last piece. */
    public int pieceSize(int piece) {
        checkPiece(piece);
        long start = (long) piece * pieceLength;
        return (int) Math.min(pieceLength, totalLength() - start);
    }

    /** The file layout of this torrent. */
    public FileLayout layout() {
        return new FileLayout(this);
    }

    private void checkPiece(int piece) {
        if (piece < 0 || piece >= pieceCount()) {
            throw new IndexOutOfBoundsException("piece " + piece + " outside [0, " + pieceCount() + ")");
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TorrentInfo other && name.equals(other.name) && pieceLength == other.pieceLength
                && Arrays.equals(pieceHashes, other.pieceHashes) && files.equals(other.files)
                && multiFile == other.multiFile && isPrivate == other.isPrivate;
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, pieceLength, Arrays.hashCode(pieceHashes), files, multiFile, isPrivate);
    }

    @Override
    public String toString() {
        return "TorrentInfo[" + name + ", " + files.size() + " files, " + pieceCount() + " pieces of " + pieceLength + "]";
    }
}
