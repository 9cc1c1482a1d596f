package dev.spate.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

@Timeout(10)
class JsonTest {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private static String write(String text) {
        return JsonOutput.write(NODES.stringNode(text));
    }

    @Test
    void controlCharactersOfEveryKindAndBidiOverridesAreWrittenAsUnicodeEscapes() {
        String text = "\u001b[31m\u0007\u007f\u009b\u0085\u202e\u2066\u2028\u2029";

        assertThat(write(text))
                .isEqualTo("\"\\u001b[31m\\u0007\\u007f\\u009b\\u0085\\u202e\\u2066\\u2028\\u2029\"");
    }

    @Test
    void onlyNewlineCarriageReturnAndTabHaveShortEscapes() {
        assertThat(write("\n\r\t\b\f\u0000\"\\/")).isEqualTo("\"\\n\\r\\t\\u0008\\u000c\\u0000\\\"\\\\/\"");
    }

    @Test
    void escapedTextReadsBackExactly() {
        String name = "a\u001b]8;;x\u0007b\u202e\u2028 Überall 日本 😀 \\ \"q\"\n\t";
        ObjectNode value = NODES.objectNode().put("name", name);
        value.putArray("list").add("\u009d").add("\ud800");

        assertThat(JsonReader.parse(JsonOutput.write(value)))
                .isEqualTo(Map.of("name", name, "list", List.of("\u009d", "\ud800")));
    }

    @Test
    void lettersOfEveryScriptAndWholeSurrogatePairsAreWrittenAsThemselves() {
        assertThat(write("Überall 日本語 😀")).isEqualTo("\"Überall 日本語 😀\"");
    }

    @Test
    void unpairedSurrogatesAreEscapedWhereverTheyStandAndAPairBesideOneStaysWhole() {
        assertThat(write("\ud800x\udc00|\ude00\ud83d\ude00|\ud83d"))
                .isEqualTo("\"\\ud800x\\udc00|\\ude00😀|\\ud83d\"");
    }

    @Test
    void anObjectIsWrittenOneMemberALineIndentedByTwoWithEmptyContainersShort() {
        ObjectNode value = NODES.objectNode().put("name", "x").put("length", 5_000_000_000L).put("count", 3)
                .put("private", false).putNull("comment");
        value.putArray("files").addObject().put("path", "a").put("length", 1);
        value.putArray("tiers").addArray().add("u");
        value.putArray("none");
        value.putObject("empty");

        assertThat(JsonOutput.write(value)).isEqualTo("""
                {
                  "name": "x",
                  "length": 5000000000,
                  "count": 3,
                  "private": false,
                  "comment": null,
                  "files": [
                    {
                      "path": "a",
                      "length": 1
                    }
                  ],
                  "tiers": [
                    [
                      "u"
                    ]
                  ],
                  "none": [],
                  "empty": {}
                }""");
    }

    /**
     * Random text of the characters that matter (quotes, backslashes, every kind of control, bidi
     * controls, both halves of surrogates in any order, letters), long enough to cross Jackson's
     * buffers: each reads back exactly, as well-formed UTF-8, with nothing unsafe raw in it.
     */
    @Test
    void randomHostileTextReadsBackExactlyAndHasNothingUnsafeRaw() throws CharacterCodingException {
        char[] alphabet = {'a', '"', '\\', '/', '\n', '\r', '\t', '\b', '\f', 0, 0x1b, 0x7f, 0x80, 0x85, 0x9f, 0xa0, 'Ü',
                '\u202a', '\u202e', '\u2066', '\u2069', '\u2028', '\u2029', '\u2030', '\ud800', '\udbff', '\udc00',
                '\udfff', '\ud83d', '\ude00', '\ufeff', '\uffff', '日'};
        Random random = new Random(1);
        for (int i = 0; i < 2_000; i++) {
            StringBuilder sb = new StringBuilder();
            int length = random.nextInt(i % 100 == 0 ? 20_000 : 40);
            for (int k = 0; k < length; k++) {
                sb.append(alphabet[random.nextInt(alphabet.length)]);
            }
            String text = sb.toString();
            ArrayNode value = NODES.arrayNode().add(text);

            String json = JsonOutput.write(value);

            assertThat(JsonReader.parse(json)).isEqualTo(List.of(text));
            StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(json.getBytes(StandardCharsets.UTF_8)));
            for (int k = 0; k < json.length(); k++) {
                char c = json.charAt(k);
                boolean wholePair = Character.isHighSurrogate(c) && k + 1 < json.length()
                        && Character.isLowSurrogate(json.charAt(k + 1));
                if (wholePair) {
                    k++;
                } else if (c != '\n') {
                    assertThat(TerminalText.isUnsafe(c)).as("U+%04X at %d", (int) c, k).isFalse();
                }
            }
        }
    }

    @Test
    void theTestReaderRefusesDuplicateKeysTrailingTextAndRawControls() {
        assertThatThrownBy(() -> JsonReader.parse("{\"a\": 1, \"a\": 2}")).isInstanceOf(JacksonException.class);
        assertThatThrownBy(() -> JsonReader.parse("{} x")).isInstanceOf(JacksonException.class);
        assertThatThrownBy(() -> JsonReader.parse("\"a\u0007\"")).isInstanceOf(JacksonException.class);
        assertThat(JsonReader.parse("[1]")).isEqualTo(List.of(1L));
    }
}
