package dev.spate.bencode;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A bencoded byte string. The bytes are copied in and out, so the value is immutable.
 *
 * @param bytes the raw bytes, which need not be text
 * @param span where it was decoded from
 */
public record BString(byte[] bytes, Span span) implements BValue {
    /** Keeps a copy of the bytes. */
    public BString {
        bytes = bytes.clone();
    }

    /** A byte string built in code. */
    public static BString of(byte[] bytes) {
        return new BString(bytes, Span.NONE);
    }

    /** The UTF-8 bytes of {@code text}. */
    public static BString of(String text) {
        return new BString(text.getBytes(StandardCharsets.UTF_8), Span.NONE);
    }

    /** A copy of the raw bytes. */
    @Override
    public byte[] bytes() {
        return bytes.clone();
    }

    /** Number of bytes. */
    public int length() {
        return bytes.length;
    }

    /** The bytes as UTF-8, with malformed sequences replaced. */
    public String text() {
        return new String(bytes, StandardCharsets.UTF_8);
    }

    /** Whether the bytes are well-formed UTF-8. */
    public boolean isUtf8() {
        try {
            StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(bytes));
            return true;
        } catch (java.nio.charset.CharacterCodingException e) {
            return false;
        }
    }

    /** Package access without a copy, for the encoder. */
    byte[] raw() {
        return bytes;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof BString other && Arrays.equals(bytes, other.bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
        return isUtf8() && bytes.length <= 200 ? '"' + text() + '"' : "<" + bytes.length + " bytes>";
    }
}
