package dev.spate.daemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which paths are inside the download roots, lexically and on the disk (symbolic links resolved). */
class DownloadRootsTest {
    @TempDir
    Path tmp;

    Path root;
    Path outside;
    DownloadRoots roots;

    @BeforeEach
    void layout() throws IOException {
        root = Files.createDirectories(tmp.resolve("root"));
        outside = Files.createDirectories(tmp.resolve("etc"));
        roots = DownloadRoots.of(List.of(root));
    }

    @Test
    void theRootItselfAndADirectoryBelowItAreInsideAndComeBackNormalized() throws Exception {
        Files.createDirectories(root.resolve("movies"));
        assertThat(roots.check(root)).isEqualTo(root);
        assertThat(roots.check(root.resolve("movies"))).isEqualTo(root.resolve("movies"));
        assertThat(roots.check(root.resolve("movies/./x/../y"))).isEqualTo(root.resolve("movies/y"));
    }

    @Test
    void aSubdirectoryThatDoesNotExistYetIsInside() throws Exception {
        assertThat(roots.check(root.resolve("new/deeper/still"))).isEqualTo(root.resolve("new/deeper/still"));
    }

    @Test
    void dotDotOutOfTheRootIsRefusedNamingThePathAndTheRoots() {
        assertThatThrownBy(() -> roots.check(root.resolve("../etc")))
                .isInstanceOf(DownloadRoots.OutsideRootsException.class)
                .hasMessageContaining(outside.toString()).hasMessageContaining("(" + root + ")");
        assertThatThrownBy(() -> roots.check(root.resolve("a/../../etc/x")))
                .isInstanceOf(DownloadRoots.OutsideRootsException.class);
        assertThatThrownBy(() -> roots.check(Path.of("/"))).isInstanceOf(DownloadRoots.OutsideRootsException.class);
    }

    @Test
    void aSiblingWhoseNameStartsWithTheRootsIsOutside() throws Exception {
        Path sibling = Files.createDirectories(tmp.resolve("root2"));
        assertThatThrownBy(() -> roots.check(sibling)).isInstanceOf(DownloadRoots.OutsideRootsException.class);
    }

    @Test
    void aRelativePathIsRefused() {
        assertThatThrownBy(() -> roots.check(Path.of("root/x")))
                .isInstanceOf(DownloadRoots.OutsideRootsException.class).hasMessageContaining("not an absolute path");
    }

    @Test
    void aSymbolicLinkInsideTheRootThatPointsOutIsRefusedAlsoForWhatIsBelowIt() throws Exception {
        Path link = Files.createSymbolicLink(root.resolve("link-to-etc"), outside);
        assertThatThrownBy(() -> roots.check(link)).isInstanceOf(DownloadRoots.OutsideRootsException.class)
                .hasMessageContaining("leads to " + outside.toRealPath());
        assertThatThrownBy(() -> roots.check(link.resolve("x/y")))
                .isInstanceOf(DownloadRoots.OutsideRootsException.class);
        Files.createDirectories(outside.resolve("sub"));
        assertThatThrownBy(() -> roots.check(link.resolve("sub")))
                .isInstanceOf(DownloadRoots.OutsideRootsException.class);
    }

    @Test
    void aSymbolicLinkThatStaysInsideTheRootIsFine() throws Exception {
        Path target = Files.createDirectories(root.resolve("disk/shows"));
        Path link = Files.createSymbolicLink(root.resolve("shows"), target);
        assertThat(roots.check(link.resolve("new"))).isEqualTo(link.resolve("new"));
    }

    @Test
    void aBrokenSymbolicLinkIsRefusedWhereverItPoints() throws Exception {
        Path dangling = Files.createSymbolicLink(root.resolve("dangling"), outside.resolve("not-yet"));
        assertThatThrownBy(() -> roots.check(dangling.resolve("x")))
                .isInstanceOf(DownloadRoots.OutsideRootsException.class).hasMessageContaining("broken symbolic link");
        Path inward = Files.createSymbolicLink(root.resolve("inward"), root.resolve("not-yet"));
        assertThatThrownBy(() -> roots.check(inward)).isInstanceOf(DownloadRoots.OutsideRootsException.class);
    }

    @Test
    void aRootThatIsItselfASymbolicLinkTakesPathsByEitherName() throws Exception {
        Path real = Files.createDirectories(tmp.resolve("mnt/disk/dl"));
        Path alias = Files.createSymbolicLink(tmp.resolve("dl"), real);
        DownloadRoots linked = DownloadRoots.of(List.of(alias));
        assertThat(linked.check(alias.resolve("x"))).isEqualTo(alias.resolve("x"));
        assertThat(linked.check(real.resolve("x"))).isEqualTo(real.resolve("x"));
        assertThatThrownBy(() -> linked.check(tmp.resolve("mnt/disk/other")))
                .isInstanceOf(DownloadRoots.OutsideRootsException.class);
        // A link out from inside the linked root is still refused.
        Files.createSymbolicLink(real.resolve("out"), outside);
        assertThatThrownBy(() -> linked.check(alias.resolve("out/x")))
                .isInstanceOf(DownloadRoots.OutsideRootsException.class);
    }

    @Test
    void aPathIsInsideWhenItIsInsideAnyOfSeveralRoots() throws Exception {
        Path second = Files.createDirectories(tmp.resolve("second"));
        DownloadRoots two = DownloadRoots.of(List.of(root, second, root));
        assertThat(two.roots()).containsExactly(root, second);
        assertThat(two.check(second.resolve("a"))).isEqualTo(second.resolve("a"));
        assertThat(two.check(root.resolve("a"))).isEqualTo(root.resolve("a"));
        assertThatThrownBy(() -> two.check(outside)).hasMessageContaining(root + ", " + second);
    }

    @Test
    void aRootGivenRelativeIsTakenFromTheWorkingDirectory() {
        DownloadRoots relative = DownloadRoots.of(List.of(Path.of("x/../y")));
        assertThat(relative.roots()).containsExactly(Path.of("y").toAbsolutePath());
        assertThatThrownBy(() -> DownloadRoots.of(List.of())).isInstanceOf(IllegalArgumentException.class);
    }
}
