package dev.spate.metainfo;

import static dev.spate.metainfo.Torrents.file;
import static dev.spate.metainfo.Torrents.multiInfo;
import static dev.spate.metainfo.Torrents.singleInfo;
import static dev.spate.metainfo.Torrents.str;
import static dev.spate.metainfo.Torrents.torrent;
import static org.assertj.core.api.Assertions.assertThat;

import dev.spate.bencode.BDictionary;
import dev.spate.bencode.BList;
import dev.spate.bencode.BString;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Unsafe file paths are sanitized, never refused, and each change is a warning. The expected
 * results are what python3-libtorrent 2.0.8's {@code torrent_info} made of the same paths (run by
 * hand, see torrents/README.md; {@code it/MetainfoInteropIT} checks the same table against
 * libtorrent itself), so a torrent gets the same files in Spate as in libtorrent's clients.
 */
class PathSanitizingTest {

    /** The one file's path and the warnings of a multi-file torrent holding a file at {@code raw}. */
    static Metainfo parseOne(String... raw) throws MetainfoException {
        return MetainfoParser.parse(torrent(multiInfo(file(10, raw))));
    }

    static List<String> pathOf(String... raw) throws MetainfoException {
        return parseOne(raw).info().files().get(0).path();
    }

    /** Components separated by '|' (so '/' can be inside one); "\0" and "\1" stand for NUL and U+0001. */
    static String[] components(String spec) {
        return Arrays.stream(spec.split("\\|", -1)).map(c -> c.replace("\\0", "\0").replace("\\1", "\u0001")).toArray(String[]::new);
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = ';', value = {
        // raw components ; sanitized, '/'-joined
        "..|..|etc|passwd ; etc/passwd",
        ".|a ; a",
        "a|.|b ; a/b",
        "|a ; _/a",
        "a||b ; a/_/b",
        ".. ; _",
        "/ ; _",
        "a/b|c ; ab/c",
        "a\\b ; ab",
        "a\\0b ; ab",
        "a\\1b ; a_b",
        "/etc|passwd ; etc/passwd",
        "... ; ...",
        "a. ; a.",
        "C:|x ; C:/x",
        "./ ; _",
        "../..|x ; ..../x",
    })
    void sanitizesEachUnsafePathAsLibtorrentDoes(String raw, String expected) throws Exception {
        assertThat(String.join("/", pathOf(components(raw)))).isEqualTo(expected.strip());
    }

    @Test
    void aSanitizedPathIsReportedWithItsOriginalAndItsNewForm() throws Exception {
        Metainfo m = parseOne("a", "..", "..", "etc", "passwd");

        assertThat(m.warnings()).containsExactly("unsafe file path \"a/../../etc/passwd\" sanitized to \"a/etc/passwd\"");
    }

    @Test
    void anOrdinaryTorrentHasNoWarnings() throws Exception {
        assertThat(MetainfoParser.parse(torrent(multiInfo(file(10, "a", "b.txt"), file(5, ".hidden")))).warnings()).isEmpty();
    }

    @Test
    void controlCharactersInAWarningAreEscapedSoItStaysOneLine() throws Exception {
        Metainfo m = parseOne("a\nb\u001b[31m");

        assertThat(m.info().files().get(0).path()).containsExactly("a_b_[31m");
        assertThat(m.warnings()).singleElement().satisfies(w -> assertThat(w).doesNotContain("\n", "\u001b").contains("\\x0a", "\\x1b"));
    }

    @Test
    void removesUnicodeDirectionMarksThatDisguiseAnExtension() throws Exception {
        // U+202E reverses what follows: "a\u202Egnp.exe" displays as "aexe.png".
        assertThat(pathOf("a\u202egnp.exe")).containsExactly("agnp.exe");
        assertThat(pathOf("x\u200e\u200f\u202a\u202b\u202c\u202dy")).containsExactly("xy");
        // The isolates too, which libtorrent keeps: they reorder text just the same.
        assertThat(pathOf("x\u2066\u2067\u2068\u2069y")).containsExactly("xy");
    }

    @Test
    void replacesMalformedUtf8WithAnUnderscore() throws Exception {
        BDictionary f = BDictionary.builder().put("length", 10).put("path", BList.of(BString.of(new byte[] {'a', (byte) 0xff, 'b'}))).build();
        Metainfo m = MetainfoParser.parse(torrent(multiInfo(f)));

        assertThat(m.info().files().get(0).path()).containsExactly("a_b");
    }

    @Test
    void sanitizesAValidPathUtf8Too() throws Exception {
        BDictionary f = BDictionary.builder().put("length", 5).put("path", BList.of(str("ok")))
                .put("path.utf-8", BList.of(str(".."), str("x"))).build();

        assertThat(MetainfoParser.parse(torrent(multiInfo(f))).info().files().get(0).path()).containsExactly("x");
    }

    @Test
    void cutsAComponentLongerThan240BytesKeepingItsExtension() throws Exception {
        String longName = "a".repeat(300) + ".txt";

        List<String> path = pathOf(longName);

        assertThat(path).containsExactly("a".repeat(240) + ".txt");
        assertThat(pathOf("b".repeat(300))).containsExactly("b".repeat(240));
        // Multi-byte characters are not split: 3 bytes each, the one crossing 240 is kept whole.
        assertThat(pathOf("\u20ac".repeat(100)).get(0)).isEqualTo("\u20ac".repeat(80));
    }

    @Test
    void keepsALongExtensionOutOfACutName() throws Exception {
        assertThat(pathOf("c".repeat(300) + ".verylongextension")).containsExactly("c".repeat(240));
    }

    @ParameterizedTest(name = "name {0} -> {1}")
    @CsvSource(delimiter = ';', value = {
        "a/b ; ab",
        "/abs ; abs",
        "a\\0b ; ab",
        "'' ; _",
    })
    void sanitizesTheNameLikeAComponent(String raw, String expected) throws Exception {
        String name = components(raw)[0];
        Metainfo single = MetainfoParser.parse(torrent(singleInfo().put("name", name)));
        Metainfo multi = MetainfoParser.parse(torrent(multiInfo(file(5, "f")).put("name", name)));

        assertThat(single.info().name()).isEqualTo(expected);
        assertThat(single.info().files().get(0).path()).containsExactly(expected);
        assertThat(multi.info().name()).isEqualTo(expected);
        assertThat(single.warnings()).singleElement().asString().startsWith("unsafe name ");
    }

    @ParameterizedTest
    @CsvSource({"..", "."})
    void aNameOfDotsBecomesTheInfoHashAsInLibtorrent(String name) throws Exception {
        Metainfo m = MetainfoParser.parse(torrent(multiInfo(file(5, "f")).put("name", name)));

        assertThat(m.info().name()).isEqualTo(m.infoHashHex());
        assertThat(m.warnings()).containsExactly("unsafe name \"" + name + "\" in info dictionary sanitized to \"" + m.infoHashHex() + "\"");
    }

    @Test
    void theInfoHashIsOverTheRawBytesWhateverWasSanitized() throws Exception {
        byte[] t = torrent(multiInfo(file(10, "..", "x")).put("name", "../up"));
        Metainfo m = MetainfoParser.parse(t);

        assertThat(m.info().name()).isEqualTo("..up");
        assertThat(MetainfoParser.sha1(m.infoBytes())).isEqualTo(m.infoHash());
        assertThat(new String(m.infoBytes(), java.nio.charset.StandardCharsets.ISO_8859_1)).contains("5:../up");
    }

    @Test
    void keepsTheNumberOfWarningsBounded() throws Exception {
        BDictionary[] files = new BDictionary[250];
        for (int i = 0; i < files.length; i++) {
            files[i] = file(1, "..", "f" + i);
        }
        Metainfo m = MetainfoParser.parse(torrent(multiInfo(files)));

        assertThat(m.info().files()).hasSize(250);
        assertThat(m.warnings()).hasSize(Warnings.MAX + 1).last().isEqualTo("150 more warnings like these");
    }

    @Test
    void everySanitizedPathIsAPlainRelativePath() throws Exception {
        String[][] hostile = {{"..", "..", ".."}, {"/", "/"}, {"", ""}, {"\0"}, {"a/../../b"}, {"..\\..\\x"}, {". ."}, {"~", "x"}};
        for (String[] raw : hostile) {
            for (String c : pathOf(raw)) {
                assertThat(MetainfoParser.componentProblem(c)).as("component %s of %s", c, Arrays.toString(raw)).isNull();
            }
        }
    }
}
