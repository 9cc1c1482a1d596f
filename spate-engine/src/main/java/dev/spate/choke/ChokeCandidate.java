package dev.spate.choke;

import java.util.Objects;

/**
 * What the choker needs to know about one connected peer at one call of {@link Choker#rechoke}.
 *
 * @param peer the engine's key for the connection; needs {@code equals} and {@code hashCode}
 * @param interested whether the peer is interested in us (would request if unchoked)
 * @param snubbed whether the peer has sent us nothing for a while although we asked; a snubbed peer
 *     gets no regular slot, only the optimistic one
 * @param downloadRateFromPeer bytes per second we receive from the peer; ranks peers while downloading
 * @param uploadRateToPeer bytes per second we send to the peer; ranks peers while seeding
 * @param connectedAtNanos when the connection was made, on the same clock as {@code nowNanos}
 * @param <P> the engine's key for a peer connection
 */
public record ChokeCandidate<P>(P peer, boolean interested, boolean snubbed, long downloadRateFromPeer,
                                long uploadRateToPeer, long connectedAtNanos) {
    public ChokeCandidate {
        Objects.requireNonNull(peer, "peer");
        if (downloadRateFromPeer < 0 || uploadRateToPeer < 0) {
            throw new IllegalArgumentException("negative rate for peer " + peer + ": download "
                    + downloadRateFromPeer + ", upload " + uploadRateToPeer);
        }
    }
}
