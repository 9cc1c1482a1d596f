package dev.spate.cli;

import tools.jackson.core.StreamReadFeature;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * A strict reader of JSON (RFC 8259) for tests, on Jackson: objects become {@link java.util.LinkedHashMap}s,
 * arrays {@link java.util.List}s, numbers {@link Long}s (the {@code --json} output has only integers);
 * a duplicate key, trailing text, a raw control character in a string or anything else that is not
 * JSON throws a {@link tools.jackson.core.JacksonException}.
 */
final class JsonReader {
    private static final JsonMapper STRICT = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.USE_LONG_FOR_INTS)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    private JsonReader() {
    }

    static Object parse(String text) {
        return STRICT.readValue(text, Object.class);
    }
}
