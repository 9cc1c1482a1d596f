package dev.spate.cli;

/**
 * Text that someone else wrote (a .torrent file, a tracker, a peer), made safe to print on a
 * terminal as one line. Unescaped, a tracker's failure reason could hold {@code ESC [ 2 J} and
 * clear the screen, an OSC 8 hyperlink, a carriage return that overwrites our own words, or a
 * right-to-left override that makes {@code exe.txt} read as {@code txt.exe}.
 *
 * <p>Escaped, as visible text: the C0 controls (U+0000-001F, tab and newline included, since the
 * result is one line), DEL (U+007F), the C1 controls (U+0080-009F, which some terminals obey as
 * 8-bit CSI/OSC), the bidi embeddings, overrides and isolates (U+202A-202E, U+2066-2069), the
 * line and paragraph separators (U+2028, U+2029) and unpaired surrogates. Tab, newline and
 * carriage return become {@code \t}, {@code \n}, {@code \r}; other code points up to U+00FF
 * {@code \xHH}, the rest <code>&#92;uHHHH</code>. Everything else, accented and CJK letters included, is
 * printed as it is.
 *
 * <p>A backslash is left as it is, so a literal {@code \x1b} in a name reads the same as an
 * escaped ESC. That ambiguity cannot reach the terminal (only we write control characters), and
 * doubling every backslash would garble the paths and regular expressions people do write; the
 * exact text is in {@code --json} output. Stateless, so any thread may call it.
 */
final class TerminalText {
    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private TerminalText() {
    }

    /** {@code text} with every character a terminal could act on shown as an escape; "null" for null. */
    static String escape(String text) {
        if (text == null) {
            return "null";
        }
        int first = firstUnsafe(text);
        if (first < 0) {
            return text;
        }
        StringBuilder sb = new StringBuilder(text.length() + 16).append(text, 0, first);
        for (int i = first; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                sb.append(c).append(text.charAt(++i)); // a whole supplementary character: an emoji, a rare CJK letter
            } else if (!isUnsafe(c)) {
                sb.append(c);
            } else {
                switch (c) {
                    case '\t' -> sb.append("\\t");
                    case '\n' -> sb.append("\\n");
                    case '\r' -> sb.append("\\r");
                    default -> hex(sb, c);
                }
            }
        }
        return sb.toString();
    }

    /**
     * Whether {@code c} is one the terminal could act on rather than show; a surrogate counts
     * (callers keep well-formed pairs). {@link JsonOutput} escapes the same set.
     */
    static boolean isUnsafe(char c) {
        return c < 0x20 || (c >= 0x7f && c <= 0x9f)
                || (c >= '\u202a' && c <= '\u202e') || (c >= '\u2066' && c <= '\u2069')
                || c == '\u2028' || c == '\u2029' || Character.isSurrogate(c);
    }

    private static int firstUnsafe(String text) {
        for (int i = 0; i < text.length(); i++) {
            if (isUnsafe(text.charAt(i))) {
                return i;
            }
        }
        return -1;
    }

    private static void hex(StringBuilder sb, char c) {
        if (c <= 0xff) {
            sb.append("\\x").append(HEX[c >> 4]).append(HEX[c & 0xf]);
        } else {
            sb.append("\\u").append(HEX[c >> 12]).append(HEX[(c >> 8) & 0xf]).append(HEX[(c >> 4) & 0xf])
                    .append(HEX[c & 0xf]);
        }
    }
}
