package dev.spate.tracker;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * A tracker's successful answer to an announce (BEP 3, with BEP 7 {@code peers6} and BEP 23 compact
 * peers merged into {@code peers}). Seeders and leechers are the tracker's {@code complete} and
 * {@code incomplete}, when it sent them. Immutable.
 */
public record AnnounceResponse(
        Duration interval,
        Optional<Duration> minInterval,
        List<InetSocketAddress> peers,
        OptionalInt seeders,
        OptionalInt leechers,
        Optional<String> trackerId,
        Optional<String> warning) {

    public AnnounceResponse {
        Objects.requireNonNull(interval, "interval");
        Objects.requireNonNull(minInterval, "minInterval");
        peers = List.copyOf(peers);
        Objects.requireNonNull(seeders, "seeders");
        Objects.requireNonNull(leechers, "leechers");
        Objects.requireNonNull(trackerId, "trackerId");
        Objects.requireNonNull(warning, "warning");
    }
}
