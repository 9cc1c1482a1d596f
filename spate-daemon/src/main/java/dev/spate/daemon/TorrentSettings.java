package dev.spate.daemon;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * One torrent's own settings as Transmission's torrent-set and torrent-get name them: speed limits
 * in kB/s (1000 bytes) and whether each is on, labels, and the seeding limits with their modes
 * ({@link #GLOBAL} follow the session's, {@link #SINGLE} this torrent's, {@link #UNLIMITED} none).
 *
 * <p>What applies: the speed limits go to the engine ({@code TorrentHandle.setRateLimits}); the
 * seeding limits to {@link Queue}. {@code honorsSessionLimits}, {@code bandwidthPriority} and
 * {@code peerLimit} are kept and reported only: the engine's session limits hold for every
 * torrent, it has no bandwidth priorities, and no per-torrent peer cap (its one cap is the
 * session's peers per torrent).
 *
 * @param seedIdleLimit minutes without bytes moving before a seed stops
 * @param sequentialDownload pieces fetched in order rather than rarest first (Transmission 4.1's
 *     torrent-set key; {@code TorrentHandle.setSequential}), for a file to play while it comes
 */
public record TorrentSettings(long downloadLimit, boolean downloadLimited, long uploadLimit, boolean uploadLimited,
                              boolean honorsSessionLimits, int bandwidthPriority, List<String> labels,
                              double seedRatioLimit, int seedRatioMode, int seedIdleLimit, int seedIdleMode,
                              int peerLimit, boolean sequentialDownload) {
    /** Follow the session's limit (Transmission's TR_RATIOLIMIT_GLOBAL / TR_IDLELIMIT_GLOBAL). */
    public static final int GLOBAL = 0;
    /** This torrent's own limit. */
    public static final int SINGLE = 1;
    /** No limit. */
    public static final int UNLIMITED = 2;

    /** Checks the ranges; keeps an unmodifiable copy of the labels. */
    public TorrentSettings {
        labels = List.copyOf(labels);
        if (downloadLimit < 0 || uploadLimit < 0 || seedIdleLimit < 0 || peerLimit < 0) {
            throw new IllegalArgumentException("a negative limit");
        }
        if (bandwidthPriority < -1 || bandwidthPriority > 1) {
            throw new IllegalArgumentException("bandwidthPriority is -1, 0 or 1: " + bandwidthPriority);
        }
        if (seedRatioMode < GLOBAL || seedRatioMode > UNLIMITED || seedIdleMode < GLOBAL || seedIdleMode > UNLIMITED) {
            throw new IllegalArgumentException("a seeding limit mode is 0, 1 or 2");
        }
        if (!(seedRatioLimit >= 0) || Double.isInfinite(seedRatioLimit)) {
            throw new IllegalArgumentException("seedRatioLimit not a ratio: " + seedRatioLimit);
        }
    }

    /**
     * A new torrent's settings, as Transmission gives them: limits of 100 kB/s not on, the session's
     * seeding limits (followed, mode {@link #GLOBAL}), the session's peers per torrent.
     */
    static TorrentSettings defaults(SessionSettings session, int peersPerTorrent) {
        return new TorrentSettings(100, false, 100, false, true, 0, List.of(), session.seedRatioLimit(), GLOBAL,
                session.idleSeedingLimit(), GLOBAL, peersPerTorrent, false);
    }

    /** The torrent's download limit for the engine, bytes per second; 0: none. */
    long downBytes() {
        return downloadLimited ? downloadLimit * 1000 : 0;
    }

    /** The torrent's upload limit for the engine, bytes per second; 0: none. */
    long upBytes() {
        return uploadLimited ? uploadLimit * 1000 : 0;
    }

    /** These settings with {@code labels}. */
    TorrentSettings withLabels(List<String> labels) {
        return new TorrentSettings(downloadLimit, downloadLimited, uploadLimit, uploadLimited, honorsSessionLimits,
                bandwidthPriority, labels, seedRatioLimit, seedRatioMode, seedIdleLimit, seedIdleMode, peerLimit,
                sequentialDownload);
    }

    /** These settings with ratio mode {@code mode}. */
    TorrentSettings withSeedRatioMode(int mode) {
        return new TorrentSettings(downloadLimit, downloadLimited, uploadLimit, uploadLimited, honorsSessionLimits,
                bandwidthPriority, labels, seedRatioLimit, mode, seedIdleLimit, seedIdleMode, peerLimit, sequentialDownload);
    }

    /** The keys of {@link #toJson}, as torrent-get and torrent-set name them. */
    static final Set<String> KEYS = Set.of("downloadLimit", "downloadLimited", "uploadLimit", "uploadLimited",
            "honorsSessionLimits", "bandwidthPriority", "labels", "seedRatioLimit", "seedRatioMode", "seedIdleLimit",
            "seedIdleMode", "peer-limit", "sequentialDownload");

    /** Puts these settings into {@code o} under Transmission's names and types. */
    void toJson(ObjectNode o) {
        o.put("downloadLimit", downloadLimit).put("downloadLimited", downloadLimited).put("uploadLimit", uploadLimit)
                .put("uploadLimited", uploadLimited).put("honorsSessionLimits", honorsSessionLimits)
                .put("bandwidthPriority", bandwidthPriority);
        ArrayNode a = o.putArray("labels");
        labels.forEach(a::add);
        o.put("seedRatioLimit", seedRatioLimit).put("seedRatioMode", seedRatioMode).put("seedIdleLimit", seedIdleLimit)
                .put("seedIdleMode", seedIdleMode).put("peer-limit", peerLimit).put("sequentialDownload", sequentialDownload);
    }

    /** Refused labels: Transmission 4's rules, its words. */
    static final class LabelException extends IllegalArgumentException {
        LabelException(String message) {
            super(message);
        }
    }

    /**
     * Transmission 4's labels from a JSON array: each string trimmed, none empty, none with a comma,
     * duplicates dropped (the first kept); elements that are not strings are passed over, as it does.
     *
     * @throws LabelException for an empty label or one with a comma
     */
    static List<String> labels(JsonNode array) {
        Set<String> out = new LinkedHashSet<>();
        for (JsonNode n : array.values()) {
            if (!n.isString()) {
                continue;
            }
            String label = n.stringValue().strip();
            if (label.isEmpty()) {
                throw new LabelException("labels cannot be empty");
            }
            if (label.contains(",")) {
                throw new LabelException("labels cannot contain comma (,) character");
            }
            out.add(label);
        }
        return new ArrayList<>(out);
    }

    /**
     * {@code base} with the values {@code changes} names under {@link #KEYS}; a value of the wrong
     * type or out of range is left out and its key added to {@code problems}.
     *
     * @throws LabelException when the labels are refused (a request's error, not a skipped value)
     */
    static TorrentSettings read(JsonNode changes, TorrentSettings base, List<String> problems) {
        ObjectNode merged = JsonValues.MAPPER.createObjectNode();
        base.toJson(merged);
        Set<String> plain = new LinkedHashSet<>(KEYS);
        plain.removeAll(Set.of("labels", "bandwidthPriority", "seedRatioMode", "seedIdleMode"));
        JsonValues.overlay(merged, changes, plain, "seedRatioLimit", problems);
        List<String> labels = base.labels;
        if (changes.has("labels")) {
            if (changes.get("labels").isArray()) {
                labels = labels(changes.get("labels"));
            } else {
                problems.add("labels");
            }
        }
        int priority = ranged(changes, "bandwidthPriority", -1, 1, base.bandwidthPriority, problems);
        int ratioMode = ranged(changes, "seedRatioMode", GLOBAL, UNLIMITED, base.seedRatioMode, problems);
        int idleMode = ranged(changes, "seedIdleMode", GLOBAL, UNLIMITED, base.seedIdleMode, problems);
        return new TorrentSettings(merged.get("downloadLimit").asLong(), merged.get("downloadLimited").asBoolean(),
                merged.get("uploadLimit").asLong(), merged.get("uploadLimited").asBoolean(),
                merged.get("honorsSessionLimits").asBoolean(), priority, labels, merged.get("seedRatioLimit").asDouble(),
                ratioMode, merged.get("seedIdleLimit").asInt(), idleMode, merged.get("peer-limit").asInt(),
                merged.get("sequentialDownload").asBoolean());
    }

    private static int ranged(JsonNode changes, String key, int min, int max, int base, List<String> problems) {
        JsonNode v = changes.get(key);
        if (v == null) {
            return base;
        }
        if (v.isIntegralNumber() && v.canConvertToInt() && v.asInt() >= min && v.asInt() <= max) {
            return v.asInt();
        }
        problems.add(key);
        return base;
    }
}
