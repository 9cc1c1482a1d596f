package dev.spate.core;

import java.util.HexFormat;

/** Lower-case hexadecimal, the form clients print info-hashes in. */
public final class Hex {
    private static final HexFormat FORMAT = HexFormat.of();

    private Hex() {
    }

    /** {@code bytes} as lower-case hexadecimal, two digits a byte. */
    public static String encode(byte[] bytes) {
        return FORMAT.formatHex(bytes);
    }

    /** Decodes hex of either case; throws IllegalArgumentException naming the problem. */
    public static byte[] decode(CharSequence hex) {
        if (hex.length() % 2 != 0) {
            throw new IllegalArgumentException("odd number of hex digits: " + hex.length());
        }
        return FORMAT.parseHex(hex);
    }
}
