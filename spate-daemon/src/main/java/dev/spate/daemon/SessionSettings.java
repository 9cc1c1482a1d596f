package dev.spate.daemon;

import java.util.List;
import java.util.Set;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The session settings a Transmission client reads with session-get and changes with session-set,
 * with Transmission's defaults: speeds in kB/s (1000 bytes), minutes for the idle and stalled
 * times. The daemon keeps them over restarts ({@link TorrentStore}).
 *
 * <p>What applies where: the speed limits (or the alternative ones while {@code altSpeedEnabled})
 * go to the engine's session; the queues and seeding limits to {@link Queue}. The alternative
 * speeds' schedule ({@code altSpeedTime*}) is kept and reported but not acted on.
 *
 * @param altSpeedTimeDay Transmission's day mask (1 Sunday, 2 Monday, ... 64 Saturday; 127 every day)
 */
public record SessionSettings(long speedLimitDown, boolean speedLimitDownEnabled, long speedLimitUp,
                              boolean speedLimitUpEnabled, long altSpeedDown, long altSpeedUp, boolean altSpeedEnabled,
                              int altSpeedTimeBegin, int altSpeedTimeEnd, boolean altSpeedTimeEnabled, int altSpeedTimeDay,
                              boolean downloadQueueEnabled, int downloadQueueSize, boolean seedQueueEnabled,
                              int seedQueueSize, boolean queueStalledEnabled, int queueStalledMinutes,
                              double seedRatioLimit, boolean seedRatioLimited, int idleSeedingLimit,
                              boolean idleSeedingLimitEnabled, boolean startAddedTorrents) {
    /** Rejects negative sizes, limits and times, and a ratio that is not a number. */
    public SessionSettings {
        for (long v : new long[] {speedLimitDown, speedLimitUp, altSpeedDown, altSpeedUp, altSpeedTimeBegin,
                altSpeedTimeEnd, altSpeedTimeDay, downloadQueueSize, seedQueueSize, queueStalledMinutes,
                idleSeedingLimit}) {
            if (v < 0) {
                throw new IllegalArgumentException("a negative setting: " + v);
            }
        }
        if (!(seedRatioLimit >= 0) || Double.isInfinite(seedRatioLimit)) {
            throw new IllegalArgumentException("seedRatioLimit not a ratio: " + seedRatioLimit);
        }
    }

    /** Transmission 4.0's defaults (its libtransmission/session.cc): queue of 5 downloads, ratio 2 not enforced. */
    public static SessionSettings defaults() {
        return new SessionSettings(100, false, 100, false, 50, 50, false, 540, 1020, false, 127,
                true, 5, false, 10, true, 30, 2.0, false, 30, false, true);
    }

    /** The download limit in force, in bytes per second; 0: none. */
    long effectiveDownBytes() {
        return altSpeedEnabled ? altSpeedDown * 1000 : speedLimitDownEnabled ? speedLimitDown * 1000 : 0;
    }

    /** The upload limit in force, in bytes per second; 0: none. */
    long effectiveUpBytes() {
        return altSpeedEnabled ? altSpeedUp * 1000 : speedLimitUpEnabled ? speedLimitUp * 1000 : 0;
    }

    /** These settings with the command line's rate limits (bytes per second, 0: not given) over the kept ones. */
    SessionSettings withCommandLineRates(long downBytes, long upBytes) {
        SessionSettings s = this;
        if (downBytes > 0) {
            s = new SessionSettings(Math.max(1, downBytes / 1000), true, s.speedLimitUp, s.speedLimitUpEnabled,
                    s.altSpeedDown, s.altSpeedUp, s.altSpeedEnabled, s.altSpeedTimeBegin, s.altSpeedTimeEnd,
                    s.altSpeedTimeEnabled, s.altSpeedTimeDay, s.downloadQueueEnabled, s.downloadQueueSize,
                    s.seedQueueEnabled, s.seedQueueSize, s.queueStalledEnabled, s.queueStalledMinutes,
                    s.seedRatioLimit, s.seedRatioLimited, s.idleSeedingLimit, s.idleSeedingLimitEnabled,
                    s.startAddedTorrents);
        }
        if (upBytes > 0) {
            s = new SessionSettings(s.speedLimitDown, s.speedLimitDownEnabled, Math.max(1, upBytes / 1000), true,
                    s.altSpeedDown, s.altSpeedUp, s.altSpeedEnabled, s.altSpeedTimeBegin, s.altSpeedTimeEnd,
                    s.altSpeedTimeEnabled, s.altSpeedTimeDay, s.downloadQueueEnabled, s.downloadQueueSize,
                    s.seedQueueEnabled, s.seedQueueSize, s.queueStalledEnabled, s.queueStalledMinutes,
                    s.seedRatioLimit, s.seedRatioLimited, s.idleSeedingLimit, s.idleSeedingLimitEnabled,
                    s.startAddedTorrents);
        }
        return s;
    }

    /** The keys of {@link #toJson}, as Transmission's session-get names them. */
    static final Set<String> KEYS = Set.of("speed-limit-down", "speed-limit-down-enabled", "speed-limit-up",
            "speed-limit-up-enabled", "alt-speed-down", "alt-speed-up", "alt-speed-enabled", "alt-speed-time-begin",
            "alt-speed-time-end", "alt-speed-time-enabled", "alt-speed-time-day", "download-queue-enabled",
            "download-queue-size", "seed-queue-enabled", "seed-queue-size", "queue-stalled-enabled",
            "queue-stalled-minutes", "seedRatioLimit", "seedRatioLimited", "idle-seeding-limit",
            "idle-seeding-limit-enabled", "start-added-torrents");

    /** Puts these settings into {@code o} under Transmission's names, with its types (numbers, booleans). */
    void toJson(ObjectNode o) {
        o.put("speed-limit-down", speedLimitDown).put("speed-limit-down-enabled", speedLimitDownEnabled)
                .put("speed-limit-up", speedLimitUp).put("speed-limit-up-enabled", speedLimitUpEnabled)
                .put("alt-speed-down", altSpeedDown).put("alt-speed-up", altSpeedUp)
                .put("alt-speed-enabled", altSpeedEnabled).put("alt-speed-time-begin", altSpeedTimeBegin)
                .put("alt-speed-time-end", altSpeedTimeEnd).put("alt-speed-time-enabled", altSpeedTimeEnabled)
                .put("alt-speed-time-day", altSpeedTimeDay).put("download-queue-enabled", downloadQueueEnabled)
                .put("download-queue-size", downloadQueueSize).put("seed-queue-enabled", seedQueueEnabled)
                .put("seed-queue-size", seedQueueSize).put("queue-stalled-enabled", queueStalledEnabled)
                .put("queue-stalled-minutes", queueStalledMinutes).put("seedRatioLimit", seedRatioLimit)
                .put("seedRatioLimited", seedRatioLimited).put("idle-seeding-limit", idleSeedingLimit)
                .put("idle-seeding-limit-enabled", idleSeedingLimitEnabled)
                .put("start-added-torrents", startAddedTorrents);
    }

    /**
     * {@code base} with the values {@code changes} names under {@link #KEYS} (other keys are not
     * looked at). A value of the wrong type or out of range is left out and its key added to
     * {@code problems}.
     */
    static SessionSettings read(JsonNode changes, SessionSettings base, List<String> problems) {
        ObjectNode merged = JsonValues.MAPPER.createObjectNode();
        base.toJson(merged);
        JsonValues.overlay(merged, changes, KEYS, "seedRatioLimit", problems);
        JsonValues.atMost(merged, base, "alt-speed-time-begin", 24 * 60 - 1, problems);
        JsonValues.atMost(merged, base, "alt-speed-time-end", 24 * 60 - 1, problems);
        JsonValues.atMost(merged, base, "alt-speed-time-day", 127, problems);
        return new SessionSettings(merged.get("speed-limit-down").asLong(),
                merged.get("speed-limit-down-enabled").asBoolean(), merged.get("speed-limit-up").asLong(),
                merged.get("speed-limit-up-enabled").asBoolean(), merged.get("alt-speed-down").asLong(),
                merged.get("alt-speed-up").asLong(), merged.get("alt-speed-enabled").asBoolean(),
                merged.get("alt-speed-time-begin").asInt(), merged.get("alt-speed-time-end").asInt(),
                merged.get("alt-speed-time-enabled").asBoolean(), merged.get("alt-speed-time-day").asInt(),
                merged.get("download-queue-enabled").asBoolean(), merged.get("download-queue-size").asInt(),
                merged.get("seed-queue-enabled").asBoolean(), merged.get("seed-queue-size").asInt(),
                merged.get("queue-stalled-enabled").asBoolean(), merged.get("queue-stalled-minutes").asInt(),
                merged.get("seedRatioLimit").asDouble(), merged.get("seedRatioLimited").asBoolean(),
                merged.get("idle-seeding-limit").asInt(), merged.get("idle-seeding-limit-enabled").asBoolean(),
                merged.get("start-added-torrents").asBoolean());
    }
}
