package dev.spate.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spate.metainfo.FileEntry;
import dev.spate.metainfo.FileEntry.Attribute;
import dev.spate.metainfo.TorrentInfo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Removing a torrent's data: the plan (its files, pad files left out; the directories of its
 * layout, deepest first, never the download directory), and carrying it out on a real file system:
 * only the torrent's own files go, directories only when empty, and no symbolic link on the way is
 * followed.
 */
@Timeout(30)
class DataRemovalTest {
    static final int PIECE = 16384;

    @TempDir
    Path tmp;

    static FileEntry file(long offset, long length, String... path) {
        return new FileEntry(List.of(path), length, offset);
    }

    /** tree/{a, sub/b, sub/deep/c, .pad/..., sub/deep/empty}: a pad file, an empty file, three levels. */
    static TorrentInfo tree() {
        return TestTorrent.build("tree", PIECE, 3, true, List.of(
                file(0, 100, "a"),
                new FileEntry(List.of(".pad", "16284"), 16284, 100, Set.of(Attribute.PAD), List.of()),
                file(16384, 20_000, "sub", "b"),
                file(36384, 5_000, "sub", "deep", "c"),
                file(41384, 0, "sub", "deep", "empty"),
                file(41384, 10, "other", "d"))).info;
    }

    @Test
    void thePlanNamesTheTorrentsFilesAndItsDirectoriesDeepestFirst() throws IOException {
        Path base = tmp.resolve("down");
        DataRemoval.Plan plan = DataRemoval.plan(base, tree());
        assertThat(plan.files()).extracting(DataRemoval.Target::path).containsExactly(
                base.resolve("tree/a"), base.resolve("tree/sub/b"), base.resolve("tree/sub/deep/c"),
                base.resolve("tree/sub/deep/empty"), base.resolve("tree/other/d"));
        assertThat(plan.files()).noneMatch(DataRemoval.Target::link);
        assertThat(plan.directories()).containsExactly(
                base.resolve("tree/sub/deep"), base.resolve("tree/other"), base.resolve("tree/sub"), base.resolve("tree"));
        assertThat(plan.directories()).doesNotContain(base);
    }

    @Test
    void aSingleFileTorrentHasOneFileAndNoDirectory() throws IOException {
        Path base = tmp.resolve("down");
        DataRemoval.Plan plan = DataRemoval.plan(base, TestTorrent.single("one.bin", PIECE, 1, 40_000).info);
        assertThat(plan.files()).containsExactly(new DataRemoval.Target(base.resolve("one.bin"), false));
        assertThat(plan.directories()).isEmpty();
    }

    @Test
    void aTorrentsOwnSymbolicLinkIsPlannedAsALink() throws IOException {
        TorrentInfo info = TestTorrent.build("links", PIECE, 5, true, List.of(
                file(0, 10, "d", "x"),
                new FileEntry(List.of("to-x"), 0, 10, Set.of(Attribute.SYMLINK), List.of("d", "x")))).info;
        DataRemoval.Plan plan = DataRemoval.plan(tmp, info);
        assertThat(plan.files()).containsExactly(new DataRemoval.Target(tmp.toAbsolutePath().resolve("links/d/x"), false),
                new DataRemoval.Target(tmp.toAbsolutePath().resolve("links/to-x"), true));
    }

    @Test
    void aPathLeavingTheDirectoryIsRefused() {
        TorrentInfo evil = TestTorrent.build("evil", PIECE, 2, true, List.of(file(0, 10, "..", "x"))).info;
        assertThatThrownBy(() -> DataRemoval.plan(tmp, evil)).isInstanceOf(IOException.class).hasMessageContaining("..");
    }

    @ParameterizedTest(name = "secure directory stream: {0}")
    @ValueSource(booleans = {true, false})
    void onlyTheTorrentsFilesGoAndDirectoriesHoldingOthersStay(boolean secure) throws IOException {
        TorrentInfo info = tree();
        Path down = Files.createDirectories(tmp.resolve("down"));
        layOut(down, info);
        Files.writeString(down.resolve("beside.txt"), "the user's");
        Files.writeString(down.resolve("tree/sub/mine.txt"), "the user's too");
        Path state = Files.createDirectories(tmp.resolve("state"));
        Path resume = Files.writeString(state.resolve("x.resume"), "r");
        Path parts = state.resolve("x.parts"); // never made: fine

        DataRemoval.Report report = DataRemoval.delete(down, info, List.of(parts, resume), secure);

        assertThat(tree(down)).containsExactly("beside.txt", "tree/", "tree/sub/", "tree/sub/mine.txt");
        assertThat(Files.readString(down.resolve("tree/sub/mine.txt"))).isEqualTo("the user's too");
        assertThat(resume).doesNotExist();
        assertThat(state).isDirectory();
        assertThat(report.left()).extracting(DataRemoval.Left::path)
                .containsExactlyInAnyOrder(down.toRealPath().resolve("tree/sub"), down.toRealPath().resolve("tree"));
        assertThat(report.left()).allMatch(l -> l.reason().startsWith("not empty"));
    }

    @ParameterizedTest(name = "secure directory stream: {0}")
    @ValueSource(booleans = {true, false})
    void everythingOfTheTorrentGoesButTheDownloadDirectory(boolean secure) throws IOException {
        TorrentInfo info = tree();
        Path down = Files.createDirectories(tmp.resolve("down"));
        layOut(down, info);
        DataRemoval.Report report = DataRemoval.delete(down, info, List.of(), secure);
        assertThat(down).isEmptyDirectory();
        assertThat(report.left()).isEmpty();
        assertThat(report.deleted()).hasSize(5 + 4);
    }

    @ParameterizedTest(name = "secure directory stream: {0}")
    @ValueSource(booleans = {true, false})
    void aSymbolicLinkAtADirectoryOfTheTorrentIsNotFollowed(boolean secure) throws IOException {
        TorrentInfo info = tree();
        Path down = Files.createDirectories(tmp.resolve("down"));
        layOut(down, info);
        // Elsewhere, files at the very names the torrent has below tree/sub, and tree/sub a link to them.
        Path elsewhere = Files.createDirectories(tmp.resolve("elsewhere"));
        Files.createDirectories(elsewhere.resolve("deep/"));
        Files.writeString(elsewhere.resolve("b"), "keep b");
        Files.writeString(elsewhere.resolve("deep/c"), "keep c");
        Files.createFile(elsewhere.resolve("deep/empty"));
        deleteTree(down.resolve("tree/sub"));
        Files.createSymbolicLink(down.resolve("tree/sub"), elsewhere);

        DataRemoval.Report report = DataRemoval.delete(down, info, List.of(), secure);

        assertThat(Files.readString(elsewhere.resolve("b"))).isEqualTo("keep b");
        assertThat(Files.readString(elsewhere.resolve("deep/c"))).isEqualTo("keep c");
        assertThat(elsewhere.resolve("deep/empty")).exists();
        assertThat(Files.isSymbolicLink(down.resolve("tree/sub"))).as("the link itself is left too").isTrue();
        assertThat(down.resolve("tree/a")).doesNotExist();
        assertThat(down.resolve("tree/other")).doesNotExist();
        Path real = down.toRealPath();
        assertThat(report.left()).extracting(DataRemoval.Left::path)
                .containsExactlyInAnyOrder(real.resolve("tree/sub"), real.resolve("tree"));
        assertThat(report.left()).filteredOn(l -> l.path().equals(real.resolve("tree/sub")))
                .singleElement().extracting(DataRemoval.Left::reason).asString().contains("symbolic link");
    }

    @ParameterizedTest(name = "secure directory stream: {0}")
    @ValueSource(booleans = {true, false})
    void aSymbolicLinkAtAFileOfTheTorrentIsLeftAndItsTargetKept(boolean secure) throws IOException {
        TorrentInfo info = TestTorrent.single("one.bin", PIECE, 1, 40_000).info;
        Path down = Files.createDirectories(tmp.resolve("down"));
        Path target = Files.writeString(tmp.resolve("precious"), "precious");
        Files.createSymbolicLink(down.resolve("one.bin"), target);

        DataRemoval.Report report = DataRemoval.delete(down, info, List.of(), secure);

        assertThat(Files.readString(target)).isEqualTo("precious");
        assertThat(Files.isSymbolicLink(down.resolve("one.bin"))).isTrue();
        assertThat(report.left()).singleElement().satisfies(l -> {
            assertThat(l.path()).isEqualTo(down.toRealPath().resolve("one.bin"));
            assertThat(l.reason()).contains("symbolic link");
        });
    }

    @ParameterizedTest(name = "secure directory stream: {0}")
    @ValueSource(booleans = {true, false})
    void aDownloadDirectoryThatIsALinkIsFollowedOnceAsStorageDoes(boolean secure) throws IOException {
        TorrentInfo info = TestTorrent.single("one.bin", PIECE, 1, 40_000).info;
        Path real = Files.createDirectories(tmp.resolve("real"));
        Files.write(real.resolve("one.bin"), new byte[40_000]);
        Path link = Files.createSymbolicLink(tmp.resolve("Downloads"), real);

        DataRemoval.Report report = DataRemoval.delete(link, info, List.of(), secure);

        assertThat(real.resolve("one.bin")).doesNotExist();
        assertThat(real).isEmptyDirectory();
        assertThat(Files.isSymbolicLink(link)).isTrue();
        assertThat(report.left()).isEmpty();
    }

    @ParameterizedTest(name = "secure directory stream: {0}")
    @ValueSource(booleans = {true, false})
    void theTorrentsOwnLinkIsDeletedAsALinkButAUsersFileInItsPlaceStays(boolean secure) throws IOException {
        TorrentInfo info = TestTorrent.build("links", PIECE, 5, true, List.of(
                file(0, 10, "d", "x"),
                new FileEntry(List.of("to-x"), 0, 10, Set.of(Attribute.SYMLINK), List.of("d", "x")),
                new FileEntry(List.of("to-d"), 0, 10, Set.of(Attribute.SYMLINK), List.of("d")))).info;
        Path down = Files.createDirectories(tmp.resolve("down"));
        Files.createDirectories(down.resolve("links/d"));
        Files.write(down.resolve("links/d/x"), new byte[10]);
        Files.createSymbolicLink(down.resolve("links/to-x"), Path.of("d/x"));
        Files.writeString(down.resolve("links/to-d"), "a file of the user's where the torrent has a link");

        DataRemoval.Report report = DataRemoval.delete(down, info, List.of(), secure);

        assertThat(tree(down)).containsExactly("links/", "links/to-d");
        assertThat(report.left()).extracting(DataRemoval.Left::reason)
                .containsExactlyInAnyOrder("not the torrent's symbolic link", "not empty: it holds what is not the torrent's");
    }

    @ParameterizedTest(name = "secure directory stream: {0}")
    @ValueSource(booleans = {true, false})
    void aMissingDownloadDirectoryStillRemovesWhatIsElsewhere(boolean secure) throws IOException {
        Path resume = Files.writeString(tmp.resolve("t.resume"), "r");
        DataRemoval.Report report = DataRemoval.delete(tmp.resolve("never"), tree(), List.of(resume), secure);
        assertThat(resume).doesNotExist();
        assertThat(report.deleted()).containsExactly(resume);
        assertThat(report.left()).isEmpty();
    }

    @Test
    void goingDownIntoALinkIsRefusedByTheOpenItselfWhereTheDirectoryStreamIsSecure() throws IOException {
        // What closes the window between looking at a directory and entering it: the open does not follow.
        Path down = Files.createDirectories(tmp.resolve("down"));
        Path elsewhere = Files.createDirectories(tmp.resolve("elsewhere"));
        Files.writeString(elsewhere.resolve("x"), "keep");
        Files.createSymbolicLink(down.resolve("sub"), elsewhere);
        try (DataRemoval.Directory top = DataRemoval.Directory.open(down, true)) {
            org.junit.jupiter.api.Assumptions.assumeTrue(top.getClass().getSimpleName().equals("Secure"),
                    "this file system has no SecureDirectoryStream");
            assertThatThrownBy(() -> top.enter(Path.of("sub"))).isInstanceOf(IOException.class);
            assertThatThrownBy(() -> top.deleteDirectory(Path.of("sub"))).isInstanceOf(IOException.class);
        }
        assertThat(Files.readString(elsewhere.resolve("x"))).isEqualTo("keep");
    }

    /** Every file of {@code info} written (pad files left out), as a complete download leaves them. */
    private static void layOut(Path down, TorrentInfo info) throws IOException {
        for (FileEntry f : info.files()) {
            if (f.isPad()) {
                continue;
            }
            Path p = down.resolve(info.name());
            for (String c : f.path()) {
                p = p.resolve(c);
            }
            Files.createDirectories(p.getParent());
            Files.write(p, new byte[(int) f.length()]);
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.sorted((a, b) -> b.getNameCount() - a.getNameCount()).toList()) {
                Files.delete(p);
            }
        }
    }

    /** Every regular file, directory and link below {@code dir}, relative to it, sorted. */
    private static List<String> tree(Path dir) throws IOException {
        List<String> out = new ArrayList<>();
        try (Stream<Path> all = Files.walk(dir)) {
            all.filter(p -> !p.equals(dir)).forEach(p -> out.add(dir.relativize(p).toString()
                    + (Files.isSymbolicLink(p) ? "@" : Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS) ? "/" : "")));
        }
        out.sort(null);
        return out;
    }
}
