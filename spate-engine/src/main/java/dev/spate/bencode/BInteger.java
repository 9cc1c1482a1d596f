package dev.spate.bencode;

/**
 * A bencoded integer, within 64 bits.
 *
 * @param value the integer
 * @param span where it was decoded from
 */
public record BInteger(long value, Span span) implements BValue {
    /** An integer built in code. */
    public static BInteger of(long value) {
        return new BInteger(value, Span.NONE);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof BInteger other && other.value == value;
    }

    @Override
    public int hashCode() {
        return Long.hashCode(value);
    }

    @Override
    public String toString() {
        return Long.toString(value);
    }
}
