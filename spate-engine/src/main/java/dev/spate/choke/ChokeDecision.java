package dev.spate.choke;

import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Who we upload to after one call of {@link Choker#rechoke}. Every connected peer not in
 * {@code unchoke} is to be choked; the engine diffs this with what it last sent each peer.
 *
 * @param unchoke every peer to unchoke, the optimistic one included; immutable
 * @param optimistic the optimistically unchoked peer, if any; always a member of {@code unchoke}
 * @param <P> the engine's key for a peer connection
 */
public record ChokeDecision<P>(Set<P> unchoke, Optional<P> optimistic) {
    public ChokeDecision {
        unchoke = Set.copyOf(unchoke);
        Objects.requireNonNull(optimistic, "optimistic");
        if (optimistic.isPresent() && !unchoke.contains(optimistic.get())) {
            throw new IllegalArgumentException("optimistic peer " + optimistic.get() + " is not unchoked");
        }
    }

    /** Nobody unchoked. */
    public static <P> ChokeDecision<P> none() {
        return new ChokeDecision<>(Set.of(), Optional.empty());
    }

    /** Whether {@code peer} is to be unchoked. */
    public boolean isUnchoked(P peer) {
        return unchoke.contains(peer);
    }
}
