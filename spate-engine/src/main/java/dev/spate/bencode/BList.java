package dev.spate.bencode;

import java.util.List;

/**
 * A bencoded list.
 *
 * @param values the elements, unmodifiable
 * @param span where it was decoded from
 */
public record BList(List<BValue> values, Span span) implements BValue {
    /** Keeps an unmodifiable copy of the elements. */
    public BList {
        values = List.copyOf(values);
    }

    /** A list built in code. */
    public static BList of(BValue... values) {
        return new BList(List.of(values), Span.NONE);
    }

    /** A list built in code from a copy of {@code values}. */
    public static BList of(List<? extends BValue> values) {
        return new BList(List.copyOf(values), Span.NONE);
    }

    /** Number of elements. */
    public int size() {
        return values.size();
    }

    /** The element at {@code index}. */
    public BValue get(int index) {
        return values.get(index);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof BList other && values.equals(other.values);
    }

    @Override
    public int hashCode() {
        return values.hashCode();
    }

    @Override
    public String toString() {
        return values.toString();
    }
}
