package dev.spate.lsd;

import dev.spate.core.InfoHash;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A decoded BEP 14 announce: the TCP port the sender accepts peers on, the torrents it takes part in
 * (distinct, in the order they came, at least one), and its cookie if it sent one. The sender's IP
 * address is not in the datagram: it is the UDP source address. Immutable.
 */
record Announce(int port, List<InfoHash> infoHashes, Optional<String> cookie) {
    Announce {
        if (port < 1 || port > 65_535) {
            throw new IllegalArgumentException("announce port out of range: " + port);
        }
        infoHashes = List.copyOf(infoHashes);
        if (infoHashes.isEmpty()) {
            throw new IllegalArgumentException("an announce names at least one info-hash");
        }
        Objects.requireNonNull(cookie, "cookie");
    }
}
