package dev.spate.metainfo;

import dev.spate.bencode.BInteger;
import dev.spate.bencode.BList;
import dev.spate.bencode.BString;
import dev.spate.bencode.BValue;
import dev.spate.bencode.Bencode;
import java.io.ByteArrayOutputStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A parsed .torrent file: the info dictionary and what surrounds it. Immutable.
 *
 * @param info the validated info dictionary (for a hybrid, its v1 half; for a v2-only torrent, see
 *     {@link #v2Only()})
 * @param infoHash the 20-byte info-hash peers, trackers and the DHT know the torrent by: SHA-1 of
 *     the info dictionary's bytes exactly as they appear in the file for a v1 or hybrid torrent
 *     (BEP 3); for a v2-only torrent, the SHA-256 of those bytes truncated to 20 bytes (BEP 52)
 * @param infoBytes those raw bytes (served to peers by BEP 9's metadata exchange)
 * @param trackerTiers BEP 12 tiers: {@code announce-list} when present, otherwise {@code announce}
 *     as a single tier; empty when neither is given
 * @param webSeeds BEP 19 {@code url-list}
 * @param creationDate {@code creation date}, when present
 * @param comment {@code comment}, when present
 * @param createdBy {@code created by}, when present
 * @param version which of BEP 3 and BEP 52 the info dictionary follows
 * @param infoHashV2 the SHA-256 of the info dictionary's bytes (BEP 52) for a hybrid or v2-only
 *     torrent, 32 bytes; empty for a v1 torrent
 * @param warnings what the parser changed so the torrent opens safely (an unsafe path sanitized, a
 *     duplicate path renamed, a symbolic link pointing outside the torrent written as a plain
 *     file), one line each, for the user to see; empty for an ordinary torrent
 * @param dhtNodes BEP 5 {@code nodes}: DHT nodes near the torrent that its creator knew, as
 *     unresolved {@code host:port} addresses, at most {@link #MAX_DHT_NODES}; empty when absent
 */
public record Metainfo(TorrentInfo info, byte[] infoHash, byte[] infoBytes, List<List<String>> trackerTiers,
                       List<String> webSeeds, Optional<Instant> creationDate, Optional<String> comment,
                       Optional<String> createdBy, Version version, byte[] infoHashV2, List<String> warnings,
                       List<java.net.InetSocketAddress> dhtNodes) {
    /** Most {@code nodes} taken from a .torrent; the rest are ignored. */
    public static final int MAX_DHT_NODES = 64;

    /** The metainfo versions. */
    public enum Version {
        /** BEP 3 only: SHA-1 piece hashes. */
        V1,
        /** BEP 52 with a BEP 3 half that describes the same files: opened and downloaded as v1. */
        HYBRID,
        /** BEP 52 only: no SHA-1 piece hashes, so it cannot be downloaded yet. */
        V2_ONLY
    }

    /** Checks the hashes' lengths against the version; arrays and lists are kept as copies. */
    public Metainfo {
        Objects.requireNonNull(info, "info");
        Objects.requireNonNull(version, "version");
        infoHash = infoHash.clone();
        infoBytes = infoBytes.clone();
        infoHashV2 = infoHashV2.clone();
        if (infoHash.length != 20) {
            throw new IllegalArgumentException("info-hash of " + infoHash.length + " bytes");
        }
        if (infoHashV2.length != (version == Version.V1 ? 0 : 32)) {
            throw new IllegalArgumentException("v2 info-hash of " + infoHashV2.length + " bytes for a " + version + " torrent");
        }
        trackerTiers = trackerTiers.stream().map(List::copyOf).toList();
        webSeeds = List.copyOf(webSeeds);
        warnings = List.copyOf(warnings);
        dhtNodes = List.copyOf(dhtNodes);
        if (dhtNodes.size() > MAX_DHT_NODES) {
            throw new IllegalArgumentException(dhtNodes.size() + " DHT nodes, more than " + MAX_DHT_NODES);
        }
    }

    /** A v1 torrent that needed no warnings. */
    public Metainfo(TorrentInfo info, byte[] infoHash, byte[] infoBytes, List<List<String>> trackerTiers,
                    List<String> webSeeds, Optional<Instant> creationDate, Optional<String> comment,
                    Optional<String> createdBy) {
        this(info, infoHash, infoBytes, trackerTiers, webSeeds, creationDate, comment, createdBy, Version.V1,
                new byte[0], List.of(), List.of());
    }

    /** A copy of the v1 info-hash: the SHA-1 of the info dictionary's bytes. */
    @Override
    public byte[] infoHash() {
        return infoHash.clone();
    }

    /** A copy of the info dictionary's bytes, exactly as they are in the torrent. */
    @Override
    public byte[] infoBytes() {
        return infoBytes.clone();
    }

    /** A copy of the BEP 52 info-hash (SHA-256, 32 bytes), empty for a v1-only torrent. */
    @Override
    public byte[] infoHashV2() {
        return infoHashV2.clone();
    }

    /** The info-hash as 40 lower-case hex digits. */
    public String infoHashHex() {
        return HexFormat.of().formatHex(infoHash);
    }

    /** The v2 info-hash as 64 lower-case hex digits, when there is one (hybrid and v2-only torrents). */
    public Optional<String> infoHashV2Hex() {
        return infoHashV2.length == 0 ? Optional.empty() : Optional.of(HexFormat.of().formatHex(infoHashV2));
    }

    /**
     * Whether this torrent has only a BEP 52 (v2) half, which Spate reads but cannot download yet:
     * {@link #info()} then lays out its files as BEP 52's piece space does (each non-empty file
     * starting on a piece boundary, pad files between), and its {@link TorrentInfo#pieceHashes()}
     * are zeros, because there are no SHA-1 piece hashes to give. Refuse to download such a
     * torrent ("v2-only torrents cannot be downloaded yet").
     */
    public boolean v2Only() {
        return version == Version.V2_ONLY;
    }

    /** Every tracker URL, tier by tier, each once. */
    public List<String> trackers() {
        return trackerTiers.stream().flatMap(List::stream).distinct().toList();
    }

    /**
     * This torrent as a .torrent file: the info dictionary's bytes exactly as they are (so the
     * file's info-hash is {@link #infoHash()}), {@code announce} (the first tracker) and BEP 12's
     * {@code announce-list} when there are trackers, BEP 19's {@code url-list} when there are web
     * seeds, and the comment, creator and creation date when known; keys in order (BEP 3). A
     * metainfo fetched from a magnet link's peers ({@code Session.fetchMetadata}) so becomes the
     * .torrent of the link.
     */
    public byte[] toTorrentFile() {
        ByteArrayOutputStream out = new ByteArrayOutputStream(infoBytes.length + 256);
        out.write('d');
        List<String> all = trackers();
        if (!all.isEmpty()) {
            entry(out, "announce", BString.of(all.get(0)));
            List<BValue> tiers = new ArrayList<>();
            for (List<String> tier : trackerTiers) {
                if (!tier.isEmpty()) {
                    tiers.add(BList.of(tier.stream().map(u -> (BValue) BString.of(u)).toList()));
                }
            }
            entry(out, "announce-list", BList.of(tiers));
        }
        comment.ifPresent(c -> entry(out, "comment", BString.of(c)));
        createdBy.ifPresent(c -> entry(out, "created by", BString.of(c)));
        creationDate.ifPresent(d -> entry(out, "creation date", BInteger.of(d.getEpochSecond())));
        out.writeBytes(Bencode.encode(BString.of("info")));
        out.writeBytes(infoBytes);
        if (!webSeeds.isEmpty()) {
            entry(out, "url-list", BList.of(webSeeds.stream().map(u -> (BValue) BString.of(u)).toList()));
        }
        out.write('e');
        return out.toByteArray();
    }

    private static void entry(ByteArrayOutputStream out, String key, BValue value) {
        out.writeBytes(Bencode.encode(BString.of(key)));
        out.writeBytes(Bencode.encode(value));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Metainfo other && info.equals(other.info) && Arrays.equals(infoHash, other.infoHash)
                && trackerTiers.equals(other.trackerTiers) && webSeeds.equals(other.webSeeds)
                && creationDate.equals(other.creationDate) && comment.equals(other.comment)
                && createdBy.equals(other.createdBy) && version == other.version
                && Arrays.equals(infoHashV2, other.infoHashV2) && warnings.equals(other.warnings);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(infoHash);
    }

    @Override
    public String toString() {
        return "Metainfo[" + info.name() + " " + infoHashHex() + (version == Version.V1 ? "" : " " + version) + "]";
    }
}
