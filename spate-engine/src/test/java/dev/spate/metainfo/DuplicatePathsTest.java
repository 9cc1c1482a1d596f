package dev.spate.metainfo;

import static dev.spate.metainfo.Torrents.file;
import static dev.spate.metainfo.Torrents.multiInfo;
import static dev.spate.metainfo.Torrents.torrent;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spate.bencode.BDictionary;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Files that would land on one path are renamed {@code name.N.ext}, as libtorrent 2.0.8 renames them
 * (the expected names are what its {@code torrent_info} made of the same lists), and a torrent
 * needing more than {@value FilePaths#MAX_RENAMES} renames is refused.
 */
class DuplicatePathsTest {

    static List<String> paths(BDictionary... files) throws MetainfoException {
        return MetainfoParser.parse(torrent(multiInfo(files))).info().files().stream().map(FileEntry::displayPath).toList();
    }

    @Test
    void numbersCopiesOfOnePathBeforeTheExtension() throws Exception {
        assertThat(paths(file(10, "a.txt"), file(10, "a.txt"), file(10, "a.txt")))
                .containsExactly("a.txt", "a.1.txt", "a.2.txt");
    }

    @Test
    void numbersANameWithoutExtensionAtItsEnd() throws Exception {
        assertThat(paths(file(10, "a"), file(10, "a"))).containsExactly("a", "a.1");
    }

    @Test
    void comparesPathsWithoutRegardToAsciiCase() throws Exception {
        assertThat(paths(file(10, "A.txt"), file(10, "a.txt"))).containsExactly("A.txt", "a.1.txt");
    }

    @Test
    void renamesAFileThatAnotherFileNeedsAsItsDirectoryWhicheverComesFirst() throws Exception {
        assertThat(paths(file(10, "a"), file(10, "a", "b"))).containsExactly("a.1", "a/b");
        assertThat(paths(file(10, "a", "b"), file(10, "a"))).containsExactly("a/b", "a.1");
    }

    @Test
    void renamesInTheSameDirectory() throws Exception {
        assertThat(paths(file(10, "a", "b.txt"), file(10, "a", "b.txt"))).containsExactly("a/b.txt", "a/b.1.txt");
    }

    @Test
    void aNewNameNeverTakesAPathThatIsAlreadyThere() throws Exception {
        assertThat(paths(file(10, "a.txt"), file(10, "a.1.txt"), file(10, "a.txt")))
                .containsExactly("a.txt", "a.1.txt", "a.2.txt");
        assertThat(paths(file(10, "a.txt"), file(10, "a.txt"), file(10, "a.1.txt")))
                .containsExactly("a.txt", "a.1.txt", "a.1.1.txt");
    }

    @Test
    void pathsThatCollideOnlyOnceSanitizedAreRenamedToo() throws Exception {
        assertThat(paths(file(10, "x", "..", "a"), file(10, "x", "a"))).containsExactly("x/a", "x/a.1");
    }

    @Test
    void eachRenameIsAWarning() throws Exception {
        Metainfo m = MetainfoParser.parse(torrent(multiInfo(file(10, "a.txt"), file(10, "a.txt"))));

        assertThat(m.warnings()).containsExactly(
                "file path \"a.txt\" is taken by another file or directory of the torrent: renamed \"a.1.txt\"");
    }

    @Test
    void padFilesMayShareAPath() throws Exception {
        BDictionary pad = BDictionary.builder().put("length", 16374).put("attr", "p")
                .put("path", dev.spate.bencode.BList.of(Torrents.str(".pad"), Torrents.str("16374"))).build();
        Metainfo m = MetainfoParser.parse(torrent(multiInfo(file(10, "x"), pad, file(10, "y"), pad, file(16384, "z"))));

        assertThat(m.info().files()).extracting(FileEntry::displayPath).containsExactly("x", ".pad/16374", "y", ".pad/16374", "z");
        assertThat(m.warnings()).isEmpty();
    }

    @Test
    void renamesUpToTheBoundAndRefusesBeyondIt() throws Exception {
        BDictionary[] many = new BDictionary[FilePaths.MAX_RENAMES + 1];
        for (int i = 0; i < many.length; i++) {
            many[i] = file(1, "same.bin");
        }
        List<String> renamed = paths(many);
        assertThat(renamed).hasSize(FilePaths.MAX_RENAMES + 1).doesNotHaveDuplicates()
                .endsWith("same." + FilePaths.MAX_RENAMES + ".bin");

        BDictionary[] tooMany = new BDictionary[FilePaths.MAX_RENAMES + 2];
        java.util.Arrays.fill(tooMany, file(1, "same.bin"));
        assertThatThrownBy(() -> MetainfoParser.parse(torrent(multiInfo(tooMany))))
                .isInstanceOf(MetainfoException.class)
                .hasMessage("more than 1000 file paths in the info dictionary collide (one is \"same.bin\"); refusing to invent so many names");
    }

    @Test
    void namesTakenInAdvanceCountTowardsTheBound() {
        // Every candidate name of the duplicate is already taken: each try counts.
        BDictionary[] files = new BDictionary[FilePaths.MAX_RENAMES + 2];
        files[0] = file(1, "x");
        for (int i = 1; i <= FilePaths.MAX_RENAMES; i++) {
            files[i] = file(1, "x." + i);
        }
        files[FilePaths.MAX_RENAMES + 1] = file(1, "x");

        assertThatThrownBy(() -> MetainfoParser.parse(torrent(multiInfo(files)))).hasMessageContaining("collide");
    }
}
