package dev.spate.picker;

/**
 * One block to ask a peer for: BEP 3's {@code request} payload (index, begin, length).
 *
 * @param piece the piece index
 * @param begin byte offset inside the piece, a multiple of {@link PieceGeometry#BLOCK_SIZE}
 * @param length bytes, {@link PieceGeometry#BLOCK_SIZE} except for the last block of the last piece
 *     (or of any piece whose length is not a multiple of the block size)
 */
public record BlockRequest(int piece, int begin, int length) {
    public BlockRequest {
        if (piece < 0 || begin < 0 || length <= 0) {
            throw new IllegalArgumentException("invalid block request " + piece + "/" + begin + "/" + length);
        }
    }
}
