package dev.spate.bencode;

/**
 * Where a decoded value lies in its input: {@code length} bytes from {@code offset}. Values built
 * in code have {@link #NONE}.
 *
 * @param offset index of the value's first byte, or -1 for {@link #NONE}
 * @param length number of bytes of its encoding, or 0 for {@link #NONE}
 */
public record Span(int offset, int length) {
    /** The span of a value that was not decoded. */
    public static final Span NONE = new Span(-1, 0);

    /** Index just past the value's last byte. */
    public int end() {
        return offset + length;
    }

    /** Whether this value came from a decoder. */
    public boolean isPresent() {
        return offset >= 0;
    }
}
