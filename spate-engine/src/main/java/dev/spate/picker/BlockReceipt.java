package dev.spate.picker;

import java.util.List;
import java.util.Objects;

/**
 * What {@link PiecePicker#blockReceived} made of a block that arrived.
 *
 * @param accepted the block was missing and its piece is in progress, so its data should be kept;
 *     false for a duplicate (an endgame copy that lost the race, a block of a piece we have) or a
 *     block of a piece not started
 * @param requested this peer had an outstanding request for the block
 * @param cancel the other peers that had requested the same block: send each a Cancel. Their
 *     requests are already forgotten by the picker
 * @param pieceComplete this block was the piece's last missing one: hash the piece, then call
 *     {@link PiecePicker#pieceVerified} or {@link PiecePicker#pieceFailed}
 * @param <P> the engine's peer key
 */
public record BlockReceipt<P>(boolean accepted, boolean requested, List<P> cancel, boolean pieceComplete) {
    public BlockReceipt {
        cancel = List.copyOf(Objects.requireNonNull(cancel, "cancel"));
    }
}
