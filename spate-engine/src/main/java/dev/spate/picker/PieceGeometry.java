package dev.spate.picker;

/**
 * How a torrent's bytes divide into pieces and blocks. Every piece but the last is
 * {@code pieceLength} long; the last holds what remains. Pieces are fetched in blocks of
 * {@link #BLOCK_SIZE} (BEP 3: "All current implementations use 2^14"); the last block of a piece may
 * be shorter. Immutable.
 *
 * @param pieceCount number of pieces, {@code ceil(totalLength / pieceLength)}
 * @param pieceLength bytes per piece, except the last
 * @param totalLength bytes in the torrent
 */
public record PieceGeometry(int pieceCount, int pieceLength, long totalLength) {
    /** Bytes per block requested from peers, 16 KiB. */
    public static final int BLOCK_SIZE = 1 << 14;

    public PieceGeometry {
        if (pieceLength <= 0) {
            throw new IllegalArgumentException("piece length " + pieceLength + " is not positive");
        }
        if (totalLength < 0) {
            throw new IllegalArgumentException("negative total length " + totalLength);
        }
        long expected = (totalLength + pieceLength - 1) / pieceLength;
        if (pieceCount != expected) {
            throw new IllegalArgumentException(pieceCount + " pieces for " + totalLength + " bytes in pieces of "
                    + pieceLength + ", expected " + expected);
        }
    }

    /** Bytes in {@code piece}: {@code pieceLength}, or less for the last piece. */
    public int pieceLength(int piece) {
        checkPiece(piece);
        if (piece < pieceCount - 1) {
            return pieceLength;
        }
        return (int) (totalLength - (long) piece * pieceLength);
    }

    /** Number of blocks in {@code piece}. */
    public int blockCount(int piece) {
        return (pieceLength(piece) + BLOCK_SIZE - 1) / BLOCK_SIZE;
    }

    /** Bytes in block {@code block} of {@code piece}: {@link #BLOCK_SIZE}, or less for a piece's last block. */
    public int blockLength(int piece, int block) {
        int length = pieceLength(piece);
        int begin = block * BLOCK_SIZE;
        if (block < 0 || begin >= length) {
            throw new IndexOutOfBoundsException("block " + block + " outside piece " + piece + " of " + length + " bytes");
        }
        return Math.min(BLOCK_SIZE, length - begin);
    }

    /** The request for block {@code block} of {@code piece}. */
    public BlockRequest request(int piece, int block) {
        return new BlockRequest(piece, block * BLOCK_SIZE, blockLength(piece, block));
    }

    /**
     * The index of the block starting at byte {@code begin} of {@code piece}.
     *
     * @throws IllegalArgumentException when {@code begin} is not a block boundary inside the piece
     */
    public int blockIndex(int piece, int begin) {
        int length = pieceLength(piece);
        if (begin < 0 || begin >= length || begin % BLOCK_SIZE != 0) {
            throw new IllegalArgumentException("offset " + begin + " is not a block boundary in piece " + piece
                    + " of " + length + " bytes");
        }
        return begin / BLOCK_SIZE;
    }

    void checkPiece(int piece) {
        if (piece < 0 || piece >= pieceCount) {
            throw new IndexOutOfBoundsException("piece " + piece + " outside [0, " + pieceCount + ")");
        }
    }

    /** Whether {@code begin} and {@code length} are exactly one block of {@code piece}. */
    public boolean isBlock(int piece, int begin, int length) {
        if (piece < 0 || piece >= pieceCount || begin < 0 || begin % BLOCK_SIZE != 0) {
            return false;
        }
        int block = begin / BLOCK_SIZE;
        return block < blockCount(piece) && blockLength(piece, block) == length;
    }
}
