package dev.spate.metainfo;

import static dev.spate.metainfo.Torrents.file;
import static dev.spate.metainfo.Torrents.multiInfo;
import static dev.spate.metainfo.Torrents.pieces;
import static dev.spate.metainfo.Torrents.singleInfo;
import static dev.spate.metainfo.Torrents.str;
import static dev.spate.metainfo.Torrents.torrent;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.groups.Tuple.tuple;

import dev.spate.bencode.BDictionary;
import dev.spate.bencode.BList;
import dev.spate.bencode.BString;
import dev.spate.metainfo.FileEntry.Attribute;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** BEP 47: pad files (marked, legacy and BitComet), and the {@code x}, {@code h} and {@code l} attributes. */
class AttributesTest {

    static BDictionary attributed(long length, String attr, String... path) {
        return BDictionary.builder().put("length", length).put("attr", attr)
                .put("path", BList.of(Arrays.stream(path).map(BString::of).toList())).build();
    }

    static BDictionary link(String attr, List<String> target, String... path) {
        BDictionary.Builder b = BDictionary.builder().put("length", 0).put("attr", attr)
                .put("path", BList.of(Arrays.stream(path).map(BString::of).toList()));
        if (target != null) {
            b.put("symlink path", BList.of(target.stream().map(BString::of).toList()));
        }
        return b.build();
    }

    static Metainfo parse(BDictionary... files) throws MetainfoException {
        return MetainfoParser.parse(torrent(multiInfo(files)));
    }

    @Test
    void aPadFileIsPartOfTheByteStreamAndMarked() throws Exception {
        Metainfo m = parse(file(10, "x"), attributed(16374, "p", ".pad", "16374"), file(10, "y"));
        TorrentInfo info = m.info();

        assertThat(info.files()).extracting(FileEntry::displayPath, FileEntry::offset, FileEntry::isPad).containsExactly(
                tuple("x", 0L, false), tuple(".pad/16374", 10L, true), tuple("y", 16384L, false));
        assertThat(info.totalLength()).isEqualTo(16394);
        assertThat(info.dataLength()).isEqualTo(20);
        assertThat(info.dataFiles()).extracting(FileEntry::displayPath).containsExactly("x", "y");
        assertThat(info.layout().isPadding(0, 10, 16374)).isTrue();
        assertThat(info.layout().isPadding(0, 9, 2)).isFalse();
        assertThat(info.layout().isPadding(1, 0, 10)).isFalse();
    }

    @Test
    void aPadFileMayLeaveOutItsPathAndIsThenCalledPadN() throws Exception {
        BDictionary pad = BDictionary.builder().put("length", 16374).put("attr", "p").build();
        Metainfo m = parse(file(10, "x"), pad, file(10, "y"));

        assertThat(m.info().files().get(1).path()).containsExactly(".pad", "16374");
        assertThat(m.info().files().get(1).isPad()).isTrue();
    }

    @Test
    void legacyPadPathsWithoutAttrArePadFilesToo() throws Exception {
        Metainfo m = parse(file(10, "x"), file(16374, ".pad", "16374"), file(10, "y"),
                file(16374, "_____padding_file_1_if you see this file, please update to BitComet 0.85 or above____"), file(1, "z"));

        assertThat(m.info().files()).extracting(FileEntry::isPad).containsExactly(false, true, false, true, false);
        assertThat(m.info().dataLength()).isEqualTo(21);
    }

    @Test
    void aFileMerelyInADirectoryCalledPadIsNoPadFile() throws Exception {
        Metainfo m = parse(file(10, ".pad", "notes.txt"), file(10, ".pad", "12", "x"));

        assertThat(m.info().files()).extracting(FileEntry::isPad).containsExactly(false, false);
    }

    @Test
    void aPadFileIsNeverRenamedNorWarnedAboutEvenWithAnUnsafePath() throws Exception {
        Metainfo m = parse(file(10, "x"), attributed(16374, "p", "..", "..", "pad"), file(10, "y"));

        assertThat(m.info().files().get(1).isPad()).isTrue();
        assertThat(m.info().files().get(1).path()).containsExactly("pad");
        assertThat(m.warnings()).isEmpty();
    }

    @Test
    void readsExecutableAndHiddenAndIgnoresUnknownAttributes() throws Exception {
        Metainfo m = parse(attributed(10, "xh", "run.sh"), attributed(10, "zq?", "plain"), attributed(10, "x", "tool"));

        assertThat(m.info().files()).extracting(FileEntry::attributes).containsExactly(
                Set.of(Attribute.EXECUTABLE, Attribute.HIDDEN), Set.of(), Set.of(Attribute.EXECUTABLE));
        assertThat(m.info().files().get(0).isExecutable()).isTrue();
        assertThat(m.info().files().get(0).isHidden()).isTrue();
    }

    @Test
    void readsTheAttributesOfASingleFileTorrentAtTheTop() throws Exception {
        Metainfo m = MetainfoParser.parse(torrent(singleInfo().put("attr", "x")));

        assertThat(m.info().files().get(0).isExecutable()).isTrue();
    }

    @Test
    void aSymlinkToAFileOfTheTorrentIsKeptAndHoldsNoBytes() throws Exception {
        Metainfo m = parse(file(10, "x"), link("l", List.of("x"), "l"), file(5, "y"));

        FileEntry l = m.info().files().get(1);
        assertThat(l.isSymlink()).isTrue();
        assertThat(l.symlinkTarget()).containsExactly("x");
        assertThat(l.length()).isZero();
        assertThat(m.info().files().get(2).offset()).isEqualTo(10);
        assertThat(m.warnings()).isEmpty();
    }

    @Test
    void aSymlinkMayPointToADirectoryOfTheTorrentOrRelativeToItsOwnDirectory() throws Exception {
        Metainfo toDir = parse(file(10, "d", "x"), link("l", List.of("d"), "l"));
        Metainfo relative = parse(file(10, "d", "x"), link("l", List.of("x"), "d", "l"));

        assertThat(toDir.info().files().get(1).symlinkTarget()).containsExactly("d");
        assertThat(relative.info().files().get(1).symlinkTarget()).containsExactly("d", "x");
    }

    @Test
    void aSymlinkLeavingTheTorrentBecomesAPlainEmptyFileWithAWarning() throws Exception {
        Metainfo m = parse(file(10, "x"), link("l", List.of("..", "..", "etc", "passwd"), "l"));

        FileEntry l = m.info().files().get(1);
        assertThat(l.isSymlink()).isFalse();
        assertThat(l.symlinkTarget()).isEmpty();
        assertThat(l.length()).isZero();
        assertThat(m.warnings()).containsExactly("symbolic link \"l\" -> \"etc/passwd\" does not point to a file or directory "
                + "of the torrent: written as an empty file instead");
    }

    @Test
    void aSymlinkToNothingOfTheTorrentOrToItselfIsAPlainFileToo() throws Exception {
        assertThat(parse(file(10, "x"), link("l", List.of("/etc"), "l")).info().files().get(1).isSymlink()).isFalse();
        assertThat(parse(file(10, "x"), link("l", List.of("nope"), "l")).info().files().get(1).isSymlink()).isFalse();
        assertThat(parse(file(10, "x"), link("l", List.of("l"), "l")).info().files().get(1).isSymlink()).isFalse();
    }

    @Test
    void aSymlinkWithoutATargetIsAPlainFileAsInLibtorrent() throws Exception {
        Metainfo m = parse(file(10, "x"), link("l", null, "l"));

        assertThat(m.info().files().get(1).isSymlink()).isFalse();
        assertThat(m.warnings()).isEmpty();
    }

    @Test
    void aSymlinksLengthIsIgnoredAsBep47SaysItIsZero() throws Exception {
        BDictionary l = BDictionary.builder().put("length", 5).put("attr", "l").put("path", BList.of(str("l")))
                .put("symlink path", BList.of(str("x"))).build();
        Metainfo m = MetainfoParser.parse(torrent(dev.spate.bencode.BDictionary.builder().put("announce", "http://t/a"),
                BDictionary.builder().put("name", "dir").put("piece length", 16384).put("pieces", pieces(1))
                        .put("files", BList.of(file(10, "x"), l))));

        assertThat(m.info().files().get(1).length()).isZero();
        assertThat(m.info().totalLength()).isEqualTo(10);
    }

    @Test
    void aSingleFileMarkedAsALinkIsAPlainFile() throws Exception {
        Metainfo m = MetainfoParser.parse(torrent(singleInfo().put("attr", "l").put("symlink path", BList.of(str("x")))));

        assertThat(m.info().files().get(0).isSymlink()).isFalse();
        assertThat(m.info().totalLength()).isEqualTo(40000);
        assertThat(m.warnings()).hasSize(1);
    }
}
