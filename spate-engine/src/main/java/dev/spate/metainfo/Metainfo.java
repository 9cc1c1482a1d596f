package dev.spate.metainfo;

import java.time.Instant;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A parsed .torrent file: the info dictionary and what surrounds it. Immutable.
 *
 * @param info the validated info dictionary
 * @param infoHash SHA-1 of the info dictionary's bytes exactly as they appear in the file
 * @param infoBytes those raw bytes (served to peers by BEP 9's metadata exchange)
 * @param trackerTiers BEP 12 tiers: {@code announce-list} when present, otherwise {@code announce}
 *     as a single tier; empty when neither is given
 * @param webSeeds BEP 19 {@code url-list}
 * @param creationDate {@code creation date}, when present
 * @param comment {@code comment}, when present
 * @param createdBy {@code created by}, when present
 */
public record Metainfo(TorrentInfo info, byte[] infoHash, byte[] infoBytes, List<List<String>> trackerTiers,
                       List<String> webSeeds, Optional<Instant> creationDate, Optional<String> comment,
                       Optional<String> createdBy) {
    public Metainfo {
        Objects.requireNonNull(info, "info");
        infoHash = infoHash.clone();
        infoBytes = infoBytes.clone();
        if (infoHash.length != 20) {
            throw new IllegalArgumentException("info-hash of " + infoHash.length + " bytes");
        }
        trackerTiers = trackerTiers.stream().map(List::copyOf).toList();
        webSeeds = List.copyOf(webSeeds);
    }

    @Override
    public byte[] infoHash() {
        return infoHash.clone();
    }

    @Override
    public byte[] infoBytes() {
        return infoBytes.clone();
    }

    /** The info-hash as 40 lower-case hex digits. */
    public String infoHashHex() {
        return HexFormat.of().formatHex(infoHash);
    }

    /** Every tracker URL, tier by tier, each once. */
    public List<String> trackers() {
        return trackerTiers.stream().flatMap(List::stream).distinct().toList();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Metainfo other && info.equals(other.info) && Arrays.equals(infoHash, other.infoHash)
                && trackerTiers.equals(other.trackerTiers) && webSeeds.equals(other.webSeeds)
                && creationDate.equals(other.creationDate) && comment.equals(other.comment)
                && createdBy.equals(other.createdBy);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(infoHash);
    }

    @Override
    public String toString() {
        return "Metainfo[" + info.name() + " " + infoHashHex() + "]";
    }
}
