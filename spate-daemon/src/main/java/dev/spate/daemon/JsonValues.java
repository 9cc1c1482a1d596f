package dev.spate.daemon;

import java.util.List;
import java.util.Set;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Settings kept as JSON under Transmission's names: one object holds every value of a settings
 * record ({@link SessionSettings}, {@link TorrentSettings}), and a change (a session-set, a
 * torrent-set, the file read back) is laid over it value by value, each checked against the type
 * already there. The same code then reads requests and the store, with the same checks.
 *
 * <p>Stateless.
 */
final class JsonValues {
    static final JsonMapper MAPPER = JsonMapper.builder().build();

    private JsonValues() {
    }

    /**
     * Lays the values of {@code changes} named in {@code keys} over {@code merged}: a boolean over a
     * boolean, a whole number of at least 0 over a number, any number of at least 0 over
     * {@code fractional} (a double). Anything else is left out and its key added to {@code problems}.
     */
    static void overlay(ObjectNode merged, JsonNode changes, Set<String> keys, String fractional, List<String> problems) {
        if (changes == null || !changes.isObject()) {
            return;
        }
        for (String key : keys) {
            JsonNode v = changes.get(key);
            JsonNode was = merged.get(key);
            if (v == null || was == null) {
                continue;
            }
            boolean fits;
            if (was.isBoolean()) {
                fits = v.isBoolean();
            } else if (key.equals(fractional)) {
                fits = v.isNumber() && v.asDouble() >= 0 && Double.isFinite(v.asDouble());
            } else if (was.isNumber()) {
                fits = v.isIntegralNumber() && v.canConvertToInt() && v.asInt() >= 0;
            } else {
                fits = false;
            }
            if (fits) {
                merged.set(key, v);
            } else {
                problems.add(key);
            }
        }
    }

    /** Puts back {@code base}'s value of {@code key} when the merged one is above {@code max}. */
    static void atMost(ObjectNode merged, SessionSettings base, String key, int max, List<String> problems) {
        if (merged.get(key).asLong() > max) {
            ObjectNode was = MAPPER.createObjectNode();
            base.toJson(was);
            merged.set(key, was.get(key));
            problems.add(key);
        }
    }
}
