package dev.spate.cli;

import java.nio.charset.StandardCharsets;
import tools.jackson.core.SerializableString;
import tools.jackson.core.io.CharacterEscapes;
import tools.jackson.core.io.SerializedString;
import tools.jackson.core.json.JsonWriteFeature;
import tools.jackson.core.util.DefaultIndenter;
import tools.jackson.core.util.DefaultPrettyPrinter;
import tools.jackson.core.util.Separators;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectWriter;
import tools.jackson.databind.json.JsonMapper;

/**
 * The text of {@code --json} output: a Jackson tree written as people read it (two-space indents,
 * {@code "key": value}, one member or element a line, {@code {}} and {@code []} when empty) and as
 * safe on a terminal as {@link TerminalText}'s, since the strings come from whoever made the torrent.
 *
 * <p>JSON requires only C0 controls to be escaped; here everything {@link TerminalText#isUnsafe}
 * names is: C0 (as {@code \n}, {@code \r}, {@code \t} or <code>&#92;u00hh</code>), DEL, C1, the bidi
 * overrides and isolates, U+2028/2029 (which end a JavaScript line) and unpaired surrogates, all as
 * lower-case <code>&#92;uhhhh</code>. Letters of every script and whole surrogate pairs are written as
 * themselves. Immutable, so any thread may call it.
 */
final class JsonOutput {
    private static final ObjectWriter WRITER = JsonMapper.builder()
            .disable(JsonWriteFeature.WRITE_HEX_UPPER_CASE)
            .build()
            .writer(new TerminalSafeEscapes())
            .with(new DefaultPrettyPrinter(Separators.createDefaultInstance()
                    .withObjectNameValueSpacing(Separators.Spacing.AFTER)
                    .withObjectEmptySeparator("")
                    .withArrayEmptySeparator(""))
                    .withObjectIndenter(new DefaultIndenter("  ", "\n"))
                    .withArrayIndenter(new DefaultIndenter("  ", "\n")));

    private JsonOutput() {
    }

    /** {@code value} as JSON text, without a final newline. */
    static String write(JsonNode value) {
        // Through UTF-8 bytes, not a Writer: Jackson's UTF-8 generator writes an unpaired surrogate
        // as an escape and a pair as the one character it encodes, while the Writer-based one would
        // pass an unpaired surrogate on raw (and the escapes below see one UTF-16 unit at a time, so
        // they cannot tell a pair's half from a lone one).
        return new String(WRITER.writeValueAsBytes(value), StandardCharsets.UTF_8);
    }

    /** {@link TerminalText}'s set of unsafe characters, as JSON escapes; surrogates are left to the generator. */
    private static final class TerminalSafeEscapes extends CharacterEscapes {
        private static final int[] ASCII = ascii();

        private static int[] ascii() {
            int[] codes = standardAsciiEscapesForJSON();
            for (int c = 0; c < codes.length; c++) {
                // Jackson writes \b and \f short; as before, only \n, \r and \t are, the rest of C0 and DEL as \\u00hh.
                if (c < 0x20 && c != '\n' && c != '\r' && c != '\t' || c == 0x7f) {
                    codes[c] = ESCAPE_STANDARD;
                }
            }
            return codes;
        }

        @Override
        public int[] getEscapeCodesForAscii() {
            return ASCII;
        }

        @Override
        public SerializableString getEscapeSequence(int ch) {
            char c = (char) ch;
            if (Character.isSurrogate(c) || !TerminalText.isUnsafe(c)) {
                return null;
            }
            return new SerializedString(String.format("\\u%04x", ch));
        }
    }
}
