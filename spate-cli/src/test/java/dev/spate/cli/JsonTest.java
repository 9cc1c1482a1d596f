package dev.spate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class JsonTest {
    @Test
    void controlCharactersOfEveryKindAndBidiOverridesAreWrittenAsUnicodeEscapes() {
        String text = "\u001b[31m\u0007\u007f\u009b\u0085\u202e\u2066\u2028\u2029";

        assertThat(Json.write(text))
                .isEqualTo("\"\\u001b[31m\\u0007\\u007f\\u009b\\u0085\\u202e\\u2066\\u2028\\u2029\"");
    }

    @Test
    void escapedTextReadsBackExactly() {
        Map<String, Object> value = Map.of("name", "a\u001b]8;;x\u0007b\u202e\u2028 Überall 日本 😀 \\ \"q\"\n\t",
                "list", List.of("\u009d", "\ud800"));

        assertThat(JsonReader.parse(Json.write(value))).isEqualTo(value);
    }

    @Test
    void lettersOfEveryScriptAndWholeSurrogatePairsAreWrittenAsThemselves() {
        assertThat(Json.write("Überall 日本語 😀")).isEqualTo("\"Überall 日本語 😀\"");
    }
}
