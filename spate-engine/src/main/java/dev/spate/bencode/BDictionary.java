package dev.spate.bencode;

import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * A bencoded dictionary: byte-string keys in ascending raw-byte order, each once.
 *
 * <p>Keys are held as ISO-8859-1 strings, one character per byte: ASCII keys such as
 * {@code "piece length"} read naturally, any other key still round-trips exactly, and
 * {@link String#compareTo} on them is the raw-byte order BEP 3 sorts by.
 *
 * @param entries the entries in key order, unmodifiable
 * @param span where it was decoded from
 */
public record BDictionary(Map<String, BValue> entries, Span span) implements BValue {
    /** Keeps the entries sorted by key, unmodifiable. */
    public BDictionary {
        Map<String, BValue> sorted = new TreeMap<>(entries);
        sorted.forEach((k, v) -> {
            Objects.requireNonNull(v, "value of key " + k);
            for (int i = 0; i < k.length(); i++) {
                if (k.charAt(i) > 0xff) {
                    throw new IllegalArgumentException("dictionary key is not one char per byte: " + k);
                }
            }
        });
        entries = Collections.unmodifiableMap(new LinkedHashMap<>(sorted));
    }

    /** The value under {@code key}, or null. */
    public BValue get(String key) {
        return entries.get(key);
    }

    /** Whether {@code key} has a value. */
    public boolean containsKey(String key) {
        return entries.containsKey(key);
    }

    /** Number of entries. */
    public int size() {
        return entries.size();
    }

    /** The raw bytes of a key as held here. */
    public static byte[] keyBytes(String key) {
        return key.getBytes(StandardCharsets.ISO_8859_1);
    }

    /** The key for raw bytes. */
    public static String key(byte[] raw) {
        return new String(raw, StandardCharsets.ISO_8859_1);
    }

    /** A builder for a dictionary made in code. */
    public static Builder builder() {
        return new Builder();
    }

    /** Collects entries in any order; {@link #build()} sorts them. Keys given as text are ASCII. */
    public static final class Builder {
        private final Map<String, BValue> entries = new TreeMap<>();

        private Builder() {
        }

        /** Sets {@code key} to {@code value}, replacing any value it had. */
        public Builder put(String key, BValue value) {
            entries.put(key, Objects.requireNonNull(value));
            return this;
        }

        /** Sets {@code key} to the UTF-8 bytes of {@code utf8}. */
        public Builder put(String key, String utf8) {
            return put(key, BString.of(utf8));
        }

        /** Sets {@code key} to a copy of {@code bytes}. */
        public Builder put(String key, byte[] bytes) {
            return put(key, BString.of(bytes));
        }

        /** Sets {@code key} to the integer {@code value}. */
        public Builder put(String key, long value) {
            return put(key, BInteger.of(value));
        }

        /** The dictionary, its keys in raw-byte order. */
        public BDictionary build() {
            return new BDictionary(entries, Span.NONE);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof BDictionary other && entries.equals(other.entries);
    }

    @Override
    public int hashCode() {
        return entries.hashCode();
    }

    @Override
    public String toString() {
        return entries.toString();
    }
}
