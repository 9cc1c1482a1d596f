package dev.spate.metainfo;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns the path components of a .torrent file, which anyone may write, into components that are
 * safe below the download directory, following the rules libtorrent 2.0 applies (so a torrent gets
 * the same files in Spate as in libtorrent's clients):
 *
 * <ul>
 *   <li>a component {@code .}, {@code ..}, or one that is nothing but one or two dots once its
 *       separators are removed, is dropped, so no path can climb out of its directory;</li>
 *   <li>an empty component becomes {@code _};</li>
 *   <li>{@code /}, {@code \} and NUL inside a component are removed, so one component never
 *       smuggles in several (and an absolute path, {@code "/etc"}, becomes relative, {@code "etc"});
 *       so are the Unicode direction marks (U+200E, U+200F, U+202A to U+202E, and, beyond
 *       libtorrent's list, the isolates U+2066 to U+2069) that can make {@code "exe.txt"}
 *       display as {@code "txt.exe"};</li>
 *   <li>other control characters (below U+0020), and bytes that are not UTF-8, become {@code _};</li>
 *   <li>a component longer than 240 bytes is cut there, keeping a short extension (up to nine
 *       characters after its last dot), so it fits the 255 bytes file systems allow;</li>
 *   <li>a path whose components are all dropped becomes {@code _}.</li>
 * </ul>
 *
 * <p>Stateless and thread-safe.
 */
final class PathSanitizer {
    /** Bytes of a component kept before it is cut (libtorrent's limit too). */
    static final int MAX_COMPONENT_BYTES = 240;
    /** How far from the end of a cut component its extension's dot may be, in characters. */
    private static final int MAX_EXTENSION = 10;

    private PathSanitizer() {
    }

    /** {@code raw} as UTF-8, each malformed sequence replaced by {@code _} (as libtorrent does). */
    static String decode(byte[] raw) {
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPLACE)
                .onUnmappableCharacter(CodingErrorAction.REPLACE)
                .replaceWith("_");
        try {
            CharBuffer chars = decoder.decode(ByteBuffer.wrap(raw));
            return chars.toString();
        } catch (CharacterCodingException e) {
            throw new IllegalStateException("a replacing decoder does not throw", e);
        }
    }

    /** The safe form of {@code raw}: never empty, never {@code .} or {@code ..}, no separators. */
    static List<String> path(List<String> raw) {
        List<String> out = new ArrayList<>(raw.size());
        for (String c : raw) {
            String safe = component(c);
            if (safe != null) {
                out.add(safe);
            }
        }
        if (out.isEmpty()) {
            out.add("_");
        }
        return out;
    }

    /**
     * The safe form of one component, or null when it is dropped ({@code .}, {@code ..}, or
     * nothing left once separators are removed).
     */
    static String component(String raw) {
        if (raw.isEmpty()) {
            return "_";
        }
        StringBuilder out = new StringBuilder(Math.min(raw.length(), MAX_COMPONENT_BYTES + 16));
        int bytes = 0;
        boolean cut = false;
        for (int i = 0; i < raw.length(); ) {
            int cp = raw.codePointAt(i);
            int next = i + Character.charCount(cp);
            if (!removed(cp)) {
                int kept = cp < 0x20 ? '_' : cp;
                out.appendCodePoint(kept);
                bytes += utf8Length(kept);
                if (bytes >= MAX_COMPONENT_BYTES && !cut && next < raw.length()) {
                    // Cut here; carry on from a short extension, if there is one, else stop.
                    cut = true;
                    int dot = raw.lastIndexOf('.');
                    if (dot < next || raw.codePointCount(dot, raw.length()) > MAX_EXTENSION - 1) {
                        break;
                    }
                    next = dot;
                }
            }
            i = next;
        }
        String s = out.toString();
        if (s.isEmpty() || s.equals(".") || s.equals("..")) {
            return null;
        }
        return s;
    }

    /** Characters removed from a component: separators, NUL, and the direction marks. */
    private static boolean removed(int cp) {
        return cp == '/' || cp == '\\' || cp == 0
                || cp == 0x200e || cp == 0x200f || (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
    }

    private static int utf8Length(int cp) {
        return cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    }
}
