package dev.spate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class TerminalTextTest {
    @Test
    void anAnsiColourSequenceIsShownAsTextWithItsEscapeVisible() {
        assertThat(TerminalText.escape("\u001b[31mred\u001b[0m")).isEqualTo("\\x1b[31mred\\x1b[0m");
    }

    @Test
    void anOsc8HyperlinkAndItsBellTerminatorAreShownAsText() {
        assertThat(TerminalText.escape("\u001b]8;;http://evil.example/\u0007click\u001b]8;;\u0007"))
                .isEqualTo("\\x1b]8;;http://evil.example/\\x07click\\x1b]8;;\\x07");
    }

    @Test
    void tabNewlineAndCarriageReturnBecomeTheirFamiliarEscapesSoTheResultIsOneLine() {
        assertThat(TerminalText.escape("a\tb\nc\rd\r\ne")).isEqualTo("a\\tb\\nc\\rd\\r\\ne");
    }

    @Test
    void everyOtherC0ControlBecomesAHexEscape() {
        assertThat(TerminalText.escape("\u0000\u0001\u0008\u000b\u000c\u001f"))
                .isEqualTo("\\x00\\x01\\x08\\x0b\\x0c\\x1f");
    }

    @Test
    void deleteAndTheC1ControlsThatSomeTerminalsObeyAreEscaped() {
        // U+009B is the 8-bit CSI, U+009D the 8-bit OSC, U+0085 next line.
        assertThat(TerminalText.escape("\u007f\u0080\u0085\u009b31m\u009d\u009f"))
                .isEqualTo("\\x7f\\x80\\x85\\x9b31m\\x9d\\x9f");
    }

    @Test
    void bidiOverridesAndIsolatesAreEscapedSoANameCannotReadBackwards() {
        assertThat(TerminalText.escape("invoice\u202efdp.exe")).isEqualTo("invoice\\u202efdp.exe");
        assertThat(TerminalText.escape("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"))
                .isEqualTo("\\u202a\\u202b\\u202c\\u202d\\u202e\\u2066\\u2067\\u2068\\u2069");
    }

    @Test
    void lineAndParagraphSeparatorsAreEscaped() {
        assertThat(TerminalText.escape("one\u2028two\u2029three")).isEqualTo("one\\u2028two\\u2029three");
    }

    @Test
    void lettersOfEveryScriptAndEmojiArePrintedAsTheyAre() {
        String text = "Überall naïve café 日本語のファイル Ελληνικά עברית العربية ☃ 😀 𝄞";

        assertThat(TerminalText.escape(text)).isEqualTo(text);
    }

    @Test
    void aBackslashIsLeftAsItIs() {
        assertThat(TerminalText.escape("C:\\dir\\x1b [a-z]\\d+")).isEqualTo("C:\\dir\\x1b [a-z]\\d+");
    }

    @Test
    void anUnpairedSurrogateIsEscapedAndAWholePairIsKept() {
        assertThat(TerminalText.escape("a\ud800b\udc00c")).isEqualTo("a\\ud800b\\udc00c");
        assertThat(TerminalText.escape("\ud83d\ude00")).isEqualTo("\ud83d\ude00");
        assertThat(TerminalText.escape("end\ud83d")).isEqualTo("end\\ud83d");
    }

    @Test
    void nullIsShownAsTheWordNull() {
        assertThat(TerminalText.escape(null)).isEqualTo("null");
    }

    @Test
    void noCharacterOfTheBasicPlaneComesOutInAFormATerminalCouldActOn() {
        Pattern escape = Pattern.compile("\\\\(x[0-9a-f]{2}|u[0-9a-f]{4}|[tnr])");
        List<String> wrong = new ArrayList<>();
        for (int c = 0; c <= 0xffff; c++) {
            String in = String.valueOf((char) c);
            String out = TerminalText.escape(in);
            boolean dangerous = Character.isISOControl(c) || c == 0x2028 || c == 0x2029
                    || (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069) || Character.isSurrogate((char) c);
            if (dangerous ? !escape.matcher(out).matches() : !out.equals(in)) {
                wrong.add(String.format("U+%04X -> %s", c, out));
            }
        }
        assertThat(wrong).isEmpty();
    }
}
