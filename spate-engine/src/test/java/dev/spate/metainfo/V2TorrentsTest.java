package dev.spate.metainfo;

import static dev.spate.metainfo.Torrents.pieces;
import static dev.spate.metainfo.Torrents.str;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.groups.Tuple.tuple;

import dev.spate.bencode.BDictionary;
import dev.spate.bencode.BList;
import dev.spate.bencode.BString;
import dev.spate.bencode.BValue;
import dev.spate.bencode.Bencode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * BEP 52, with hand-made torrents: a v2-only torrent is read and validated (and marked so it is not
 * downloaded), a hybrid opens through its v1 half only when both halves describe the same files.
 */
class V2TorrentsTest {
    static final int PIECE = 16384;

    /** A file node of a file tree: {@code {"": {length, pieces root}}}. */
    static BDictionary leaf(long length) {
        BDictionary.Builder f = BDictionary.builder().put("length", length);
        if (length > 0) {
            byte[] root = new byte[32];
            Arrays.fill(root, (byte) (length % 251 + 1));
            f.put("pieces root", root);
        }
        return BDictionary.builder().put("", f.build()).build();
    }

    /** A directory node from name, node pairs. */
    static BDictionary dir(Object... nameAndNode) {
        BDictionary.Builder b = BDictionary.builder();
        for (int i = 0; i < nameAndNode.length; i += 2) {
            b.put((String) nameAndNode[i], (BValue) nameAndNode[i + 1]);
        }
        return b.build();
    }

    static BDictionary.Builder v2Info(BDictionary tree) {
        return BDictionary.builder().put("name", "t").put("piece length", PIECE).put("meta version", 2).put("file tree", tree);
    }

    static byte[] torrent(BDictionary.Builder info) {
        return Bencode.encode(BDictionary.builder().put("info", info.build()).build());
    }

    static Metainfo parse(BDictionary.Builder info) throws MetainfoException {
        return MetainfoParser.parse(torrent(info));
    }

    static void refused(BDictionary.Builder info, String message) {
        assertThatThrownBy(() -> parse(info)).isInstanceOf(MetainfoException.class).hasMessage(message);
    }

    /** A v1 file entry. */
    static BDictionary v1File(long length, String attr, String... path) {
        BDictionary.Builder b = BDictionary.builder().put("length", length)
                .put("path", BList.of(Arrays.stream(path).map(BString::of).toList()));
        if (attr != null) {
            b.put("attr", attr);
        }
        return b.build();
    }

    static BDictionary pad(long length) {
        return v1File(length, "p", ".pad", Long.toString(length));
    }

    /** The v1 half for {@code files}: their list and enough piece hashes. */
    static BDictionary.Builder withV1(BDictionary.Builder info, BDictionary... files) {
        long total = 0;
        for (BDictionary f : files) {
            total += ((dev.spate.bencode.BInteger) f.get("length")).value();
        }
        return info.put("files", BList.of(List.of(files))).put("pieces", pieces((int) ((total + PIECE - 1) / PIECE)));
    }

    static final BDictionary TREE = dir("a.bin", leaf(100), "sub", dir("b.bin", leaf(20_000), "c.bin", leaf(5)));

    @Test
    void aV2OnlyTorrentIsReadWithItsFilesAlignedToPiecesAndMarkedV2Only() throws Exception {
        Metainfo m = parse(v2Info(TREE));

        assertThat(m.v2Only()).isTrue();
        assertThat(m.info().name()).isEqualTo("t");
        assertThat(m.info().multiFile()).isTrue();
        assertThat(m.info().files()).extracting(FileEntry::displayPath, FileEntry::length, FileEntry::offset, FileEntry::isPad)
                .containsExactly(
                        tuple("a.bin", 100L, 0L, false),
                        tuple(".pad/16284", 16284L, 100L, true),
                        tuple("sub/b.bin", 20_000L, 16384L, false),
                        tuple(".pad/12768", 12768L, 36384L, true),
                        tuple("sub/c.bin", 5L, 49152L, false));
        assertThat(m.info().dataLength()).isEqualTo(20_105);
        assertThat(m.info().pieceCount()).isEqualTo(4);
        assertThat(m.infoHashV2()).isEqualTo(MetainfoParser.sha256(m.infoBytes()));
        assertThat(m.infoHash()).isEqualTo(Arrays.copyOf(m.infoHashV2(), 20));
    }

    @Test
    void aV2FileTreeWithOneFileAtItsRootIsASingleFileTorrent() throws Exception {
        Metainfo m = parse(v2Info(dir("only.bin", leaf(7))));

        assertThat(m.info().multiFile()).isFalse();
        assertThat(m.info().files()).containsExactly(new FileEntry(List.of("only.bin"), 7, 0));
    }

    @Test
    void aV2FileTreesKeysAreSanitizedLikeV1Paths() throws Exception {
        Metainfo m = parse(v2Info(dir("..", dir("x", leaf(5)), "y", leaf(5))));

        assertThat(m.info().dataFiles()).extracting(FileEntry::displayPath).containsExactly("x", "y");
        assertThat(m.warnings()).containsExactly("unsafe file path \"../x\" sanitized to \"x\"");
    }

    @Test
    void refusesAMetaVersionNewerThanTwo() {
        refused(v2Info(TREE).put("meta version", 3), "meta version 3 of the info dictionary is newer than the 2 this version of Spate reads");
    }

    @Test
    void refusesAFileTreeWithoutMetaVersionTwoAndAV2InfoWithoutFileTree() {
        refused(v2Info(TREE).put("meta version", 1).put("length", 5).put("pieces", pieces(1)),
                "info dictionary has a 'file tree' but no 'meta version' 2 (BEP 52)");
        BDictionary.Builder noTree = BDictionary.builder().put("name", "t").put("piece length", PIECE).put("meta version", 2);
        refused(noTree, "missing 'file tree' in v2 info dictionary (BEP 52)");
        refused(v2Info(TREE).put("file tree", BList.of()), "'file tree' is a list, expected a dictionary");
    }

    @Test
    void refusesAV2PieceLengthThatIsNotAPowerOfTwoOfAtLeast16KiB() {
        refused(v2Info(TREE).put("piece length", 8192),
                "piece length 8192 of a v2 info dictionary is not a power of two of at least 16 KiB (BEP 52)");
        refused(v2Info(TREE).put("piece length", 3 * 16384),
                "piece length 49152 of a v2 info dictionary is not a power of two of at least 16 KiB (BEP 52)");
    }

    @Test
    void refusesMalformedFileTrees() {
        refused(v2Info(leaf(5)), "'file tree' of info dictionary is itself a file, expected a directory (BEP 52)");
        refused(v2Info(dir()), "'file tree' of info dictionary holds no file");
        refused(v2Info(dir("a", dir("", leaf(5).get(""), "b", leaf(1)))), "entry \"a\" of 'file tree' is a file with other entries beside it");
        refused(v2Info(dir("a", BString.of("x"))), "entry \"a\" of 'file tree' is a string, expected a dictionary");
        refused(v2Info(dir("a", dir("", BString.of("x")))), "file \"a\" of 'file tree' is a string, expected a dictionary");
        refused(v2Info(dir("a", dir("", dir()))), "missing 'length' in file \"a\" of 'file tree'");
        refused(v2Info(dir("a", dir("", BDictionary.builder().put("length", -1).build()))), "negative length -1 in file \"a\" of 'file tree'");
        refused(v2Info(dir("a", dir("", BDictionary.builder().put("length", 5).build()))), "missing 'pieces root' in file \"a\" of 'file tree'");
        refused(v2Info(dir("a", dir("", BDictionary.builder().put("length", 5).put("pieces root", new byte[31]).build()))),
                "'pieces root' of file \"a\" of 'file tree' is not a 32-byte string");
        refused(v2Info(dir("a", dir("", BDictionary.builder().put("length", 5).put("pieces root", new byte[32]).build()))),
                "'pieces root' of file \"a\" of 'file tree' is all zeros");
        BDictionary padLeaf = dir("", BDictionary.builder().put("length", 5).put("attr", "p").put("pieces root", leafRoot(5)).build());
        refused(v2Info(dir("a", padLeaf)), "file \"a\" of 'file tree' is marked as a pad file, which a v2 file tree cannot hold");
    }

    @Test
    void anEmptyFileNeedsNoPiecesRootAndALinkNoLength() throws Exception {
        BDictionary link = dir("", BDictionary.builder().put("attr", "l").put("symlink path", BList.of(str("a.bin"))).build());
        Metainfo m = parse(v2Info(dir("a.bin", leaf(100), "empty", leaf(0), "l", link)));

        assertThat(m.info().dataFiles()).extracting(FileEntry::displayPath, FileEntry::length, FileEntry::symlinkTarget)
                .containsExactly(tuple("a.bin", 100L, List.of()), tuple("empty", 0L, List.of()), tuple("l", 0L, List.of("a.bin")));
    }

    @Test
    void checksThePieceLayersAgainstTheFilesTheyHash() throws Exception {
        BDictionary tree = dir("big", leaf(40_000));
        byte[] root = ((BString) ((BDictionary) ((BDictionary) tree.get("big")).get("")).get("pieces root")).bytes();
        byte[] good = Bencode.encode(BDictionary.builder()
                .put("info", v2Info(tree).build())
                .put("piece layers", BDictionary.builder().put(BDictionary.key(root), new byte[3 * 32]).build()).build());
        byte[] bad = Bencode.encode(BDictionary.builder()
                .put("info", v2Info(tree).build())
                .put("piece layers", BDictionary.builder().put(BDictionary.key(root), new byte[2 * 32]).build()).build());

        assertThat(MetainfoParser.parse(good).v2Only()).isTrue();
        assertThatThrownBy(() -> MetainfoParser.parse(bad)).isInstanceOf(MetainfoException.class)
                .hasMessage("the piece layer of file \"big\" is 64 bytes, expected 96 bytes (BEP 52)");
    }

    // ---- hybrids ----

    static BDictionary.Builder consistentHybrid() {
        return withV1(v2Info(TREE), v1File(100, null, "a.bin"), pad(16284), v1File(20_000, null, "sub", "b.bin"), pad(12768),
                v1File(5, null, "sub", "c.bin"));
    }

    @Test
    void aHybridWhoseHalvesAgreeOpensThroughItsV1Half() throws Exception {
        Metainfo m = parse(consistentHybrid());

        assertThat(m.version()).isEqualTo(Metainfo.Version.HYBRID);
        assertThat(m.v2Only()).isFalse();
        assertThat(m.infoHash()).isEqualTo(MetainfoParser.sha1(m.infoBytes()));
        assertThat(m.infoHashV2()).isEqualTo(MetainfoParser.sha256(m.infoBytes()));
        assertThat(m.info().dataFiles()).extracting(FileEntry::displayPath).containsExactly("a.bin", "sub/b.bin", "sub/c.bin");
    }

    @Test
    void aHybridMayOrMayNotPadAfterItsLastFile() throws Exception {
        Metainfo tail = parse(withV1(v2Info(TREE), v1File(100, null, "a.bin"), pad(16284), v1File(20_000, null, "sub", "b.bin"),
                pad(12768), v1File(5, null, "sub", "c.bin"), pad(16379)));

        assertThat(tail.info().totalLength()).isEqualTo(4 * PIECE);
    }

    @Test
    void refusesAHybridWhoseHalvesListDifferentLengths() {
        refused(withV1(v2Info(TREE), v1File(100, null, "a.bin"), pad(16284), v1File(20_001, null, "sub", "b.bin"), pad(12767),
                v1File(5, null, "sub", "c.bin")),
                "the v1 and v2 halves of this hybrid torrent disagree: file 1 is \"sub/b.bin\" of 20001 bytes in the v1 half, "
                        + "\"sub/b.bin\" of 20000 bytes in the v2 half");
    }

    @Test
    void refusesAHybridWhoseHalvesListDifferentPaths() {
        refused(withV1(v2Info(TREE), v1File(100, null, "a.bin"), pad(16284), v1File(20_000, null, "sub", "x.bin"), pad(12768),
                v1File(5, null, "sub", "c.bin")),
                "the v1 and v2 halves of this hybrid torrent disagree: file 1 is \"sub/x.bin\" of 20000 bytes in the v1 half, "
                        + "\"sub/b.bin\" of 20000 bytes in the v2 half");
    }

    @Test
    void refusesAHybridWithAFileTheOtherHalfLacks() {
        refused(withV1(v2Info(TREE), v1File(100, null, "a.bin"), pad(16284), v1File(20_000, null, "sub", "b.bin"), pad(12768),
                v1File(5, null, "sub", "c.bin"), v1File(1, null, "extra")),
                "the v1 and v2 halves of this hybrid torrent disagree: the v1 half lists 4 files (pad files aside), the v2 half 3");
    }

    @Test
    void refusesAHybridWhoseV1FilesAreNotWhereTheV2PieceSpacePutsThem() {
        refused(withV1(v2Info(TREE), v1File(100, null, "a.bin"), v1File(20_000, null, "sub", "b.bin"), v1File(5, null, "sub", "c.bin")),
                "the v1 and v2 halves of this hybrid torrent disagree: file \"sub/b.bin\" starts at byte 100 in the v1 half, "
                        + "at byte 16384 (a piece boundary) in the v2 half");
    }

    @Test
    void refusesAHybridWithMorePaddingAtTheEndThanOnePiece() {
        refused(withV1(v2Info(TREE), v1File(100, null, "a.bin"), pad(16284), v1File(20_000, null, "sub", "b.bin"), pad(12768),
                v1File(5, null, "sub", "c.bin"), pad(16379 + PIECE)),
                "the v1 and v2 halves of this hybrid torrent disagree: the v1 half covers 81920 bytes, the v2 half 49157");
    }

    @Test
    void refusesAHybridWhoseInfoDictionaryIsNotCanonical() throws Exception {
        byte[] good = torrent(consistentHybrid());
        // Swap two keys of the info dictionary in place: "meta version" after "name" breaks the order, not the content.
        String text = new String(good, java.nio.charset.StandardCharsets.ISO_8859_1);
        String meta = "12:meta versioni2e";
        String name = "4:name1:t";
        assertThat(text).contains(meta + name);
        byte[] swapped = text.replace(meta + name, name + meta).getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);

        assertThatThrownBy(() -> MetainfoParser.parse(swapped)).isInstanceOf(MetainfoException.class)
                .hasMessageStartingWith("the v2 info dictionary is not canonical bencoding: ");
    }

    private static byte[] leafRoot(long length) {
        return ((BString) ((BDictionary) leaf(length).get("")).get("pieces root")).bytes();
    }

    static List<String> names(List<FileEntry> files) {
        List<String> out = new ArrayList<>();
        files.forEach(f -> out.add(f.displayPath()));
        return out;
    }
}
