package dev.spate.metainfo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/**
 * .torrent files that are not canonical bencoding, as some creators write them and libtorrent opens
 * them: keys out of order or repeated, leading zeros, bytes after the end. The info-hash is the
 * SHA-1 of the info dictionary's bytes exactly as they are in the file.
 */
class LenientTorrentTest {
    private static final byte[] PIECE = new byte[20];

    /** {@code parts} concatenated: strings as ISO-8859-1, byte arrays as they are. */
    static byte[] bytes(Object... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Object p : parts) {
            byte[] b = p instanceof byte[] raw ? raw : ((String) p).getBytes(StandardCharsets.ISO_8859_1);
            out.write(b, 0, b.length);
        }
        return out.toByteArray();
    }

    /** An info dictionary with its keys out of order: name, then length, then piece length, then pieces. */
    static byte[] unsortedInfo(String name) {
        return bytes("d4:name", name.length() + ":" + name, "6:lengthi10e12:piece lengthi16384e6:pieces20:", PIECE, "e");
    }

    @Test
    void acceptsKeysOutOfOrderAndHashesTheInfoBytesAsTheyAre() throws Exception {
        byte[] info = unsortedInfo("ooo");
        Metainfo m = MetainfoParser.parse(bytes("d4:info", info, "8:announce9:http://t/e"));

        assertThat(m.info().name()).isEqualTo("ooo");
        assertThat(m.info().totalLength()).isEqualTo(10);
        assertThat(m.trackers()).containsExactly("http://t/");
        assertThat(m.infoBytes()).isEqualTo(info);
        assertThat(m.infoHash()).isEqualTo(MetainfoParser.sha1(info));
        assertThat(m.warnings()).isEmpty();
    }

    @Test
    void theInfoHashIsTheOneLibtorrentReportsForTheSameBytes() throws Exception {
        // Made by hand and loaded with python3-libtorrent 2.0.8: torrent_info(...).info_hashes().v1.
        byte[] info = bytes("d12:piece lengthi16384e4:name3:ooo6:pieces20:", filled(20, 1), "6:lengthi10ee");
        Metainfo m = MetainfoParser.parse(bytes("d4:info", info, "e"));

        assertThat(m.infoHashHex()).isEqualTo("e5617220a632f2fb16f338849a042d589400a6eb");
    }

    @Test
    void theFirstOfARepeatedKeyCountsAsInLibtorrent() throws Exception {
        byte[] info = bytes("d6:lengthi10e4:name5:first4:name6:second12:piece lengthi16384e6:pieces20:", PIECE, "e");
        Metainfo m = MetainfoParser.parse(bytes("d4:info", info, "e"));

        assertThat(m.info().name()).isEqualTo("first");
        assertThat(m.infoHash()).isEqualTo(MetainfoParser.sha1(info));
    }

    @Test
    void acceptsKeysOutOfOrderInsideFileEntries() throws Exception {
        byte[] info = bytes("d5:filesld4:pathl1:ae6:lengthi3eed4:pathl1:be6:lengthi4eee",
                "4:name3:dir12:piece lengthi16384e6:pieces20:", PIECE, "e");
        Metainfo m = MetainfoParser.parse(bytes("d4:info", info, "e"));

        assertThat(m.info().files()).extracting(FileEntry::displayPath).containsExactly("a", "b");
    }

    @Test
    void acceptsLeadingZerosInLengthsAndIntegers() throws Exception {
        byte[] info = bytes("d6:lengthi010e4:name1:a12:piece lengthi16384e06:pieces20:", PIECE, "7:privatei-0ee");
        Metainfo m = MetainfoParser.parse(bytes("d4:info", info, "e"));

        assertThat(m.info().totalLength()).isEqualTo(10);
        assertThat(m.info().isPrivate()).isFalse();
    }

    @Test
    void ignoresBytesAfterTheTorrentsDictionaryWithAWarning() throws Exception {
        Metainfo m = MetainfoParser.parse(bytes("d4:info", unsortedInfo("t"), "eXYZ"));

        assertThat(m.info().name()).isEqualTo("t");
        assertThat(m.warnings()).containsExactly("3 bytes after the torrent file's dictionary ignored");
    }

    @Test
    void stillRefusesWhatIsNotBencoding() {
        assertThatThrownBy(() -> MetainfoParser.parse(bytes("d4:info", unsortedInfo("t"))))
                .isInstanceOf(MetainfoException.class).hasMessageStartingWith("not a bencoded torrent file: ");
    }

    @Test
    void refusesAV2InfoDictionaryThatIsNotCanonicalAsLibtorrentDoes() {
        byte[] root = filled(32, 7);
        byte[] info = bytes("d4:name1:a9:file treed1:ad0:d6:lengthi5e11:pieces root32:", root, "eee",
                "12:meta versioni2e12:piece lengthi16384ee");

        assertThatThrownBy(() -> MetainfoParser.parse(bytes("d4:info", info, "e")))
                .isInstanceOf(MetainfoException.class)
                .hasMessageStartingWith("the v2 info dictionary is not canonical bencoding: ");
    }

    static byte[] filled(int n, int value) {
        byte[] b = new byte[n];
        java.util.Arrays.fill(b, (byte) value);
        return b;
    }

    static String hex(byte[] b) {
        return HexFormat.of().formatHex(b);
    }
}
