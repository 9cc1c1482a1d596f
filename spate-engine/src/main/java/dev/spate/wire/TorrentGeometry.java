package dev.spate.wire;

/**
 * The sizes a decoder checks messages against: how many pieces, how long each is, and the total,
 * from which the short last piece follows. Immutable.
 *
 * @param pieceCount number of pieces, {@code ceil(totalLength / pieceLength)}
 * @param pieceLength length of every piece but the last
 * @param totalLength bytes in the torrent, at least one
 */
public record TorrentGeometry(int pieceCount, int pieceLength, long totalLength) {
    public TorrentGeometry {
        if (pieceLength <= 0) {
            throw new IllegalArgumentException("piece length " + pieceLength + " is not positive");
        }
        if (totalLength <= 0) {
            throw new IllegalArgumentException("total length " + totalLength + " is not positive");
        }
        long expected = (totalLength + pieceLength - 1) / pieceLength;
        if (pieceCount != expected) {
            throw new IllegalArgumentException(pieceCount + " pieces of " + pieceLength + " bytes for "
                    + totalLength + " bytes, expected " + expected);
        }
    }

    /** The geometry of {@code totalLength} bytes cut into pieces of {@code pieceLength}. */
    public static TorrentGeometry of(long totalLength, int pieceLength) {
        if (pieceLength <= 0) {
            throw new IllegalArgumentException("piece length " + pieceLength + " is not positive");
        }
        long count = (totalLength + pieceLength - 1) / pieceLength;
        if (count > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(count + " pieces do not fit an int");
        }
        return new TorrentGeometry((int) count, pieceLength, totalLength);
    }

    /** Bytes in piece {@code index}: the piece length, or less for the last piece. */
    public int pieceSize(int index) {
        if (index < 0 || index >= pieceCount) {
            throw new IndexOutOfBoundsException("piece " + index + " outside [0, " + pieceCount + ")");
        }
        if (index < pieceCount - 1) {
            return pieceLength;
        }
        return (int) (totalLength - (long) pieceLength * (pieceCount - 1));
    }
}
