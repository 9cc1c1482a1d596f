package dev.spate.storage;

import dev.spate.storage.MovePlan.Kind;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The decisions of a move, from observations only: no disk. */
@Timeout(5)
class MovePlanTest {
    private static final Path SOURCE = Path.of("/old/t/a");
    private static final Path TARGET = Path.of("/new/t/a");

    private static MovePlan.Step step(Kind source, Kind target, boolean same) {
        return MovePlan.step(SOURCE, source, TARGET, target, same);
    }

    @Test
    void aFileAtTheOldPlaceOnlyMoves() {
        assertThat(step(Kind.FILE, Kind.MISSING, false)).isInstanceOf(MovePlan.Move.class);
        assertThat(step(Kind.LINK, Kind.MISSING, false)).isInstanceOf(MovePlan.Move.class);
    }

    @Test
    void nothingAtTheOldPlaceIsNothingToDoWhateverIsAtTheNew() {
        for (Kind target : Kind.values()) {
            assertThat(step(Kind.MISSING, target, false)).isInstanceOf(MovePlan.Nothing.class);
        }
    }

    @Test
    void theSameAtBothPlacesIsACopyCutOffBeforeTheSourceWasDeleted() {
        assertThat(step(Kind.FILE, Kind.FILE, true)).isInstanceOf(MovePlan.DropSource.class);
        assertThat(step(Kind.LINK, Kind.LINK, true)).isInstanceOf(MovePlan.DropSource.class);
    }

    @Test
    void otherContentAtTheTargetIsRefusedNamingIt() {
        assertThat(step(Kind.FILE, Kind.FILE, false)).isEqualTo(
                new MovePlan.Refuse("/new/t/a already exists with other content"));
        assertThat(step(Kind.LINK, Kind.LINK, false)).isInstanceOf(MovePlan.Refuse.class);
    }

    @Test
    void somethingElseInTheWayIsRefusedNamingIt() {
        assertThat(step(Kind.FILE, Kind.OTHER, false)).isEqualTo(
                new MovePlan.Refuse("/new/t/a already exists and is a directory or special file, not a file"));
        assertThat(step(Kind.FILE, Kind.LINK, false)).isEqualTo(
                new MovePlan.Refuse("/new/t/a already exists and is a symbolic link, not a file"));
        assertThat(step(Kind.LINK, Kind.FILE, true)).isInstanceOf(MovePlan.Refuse.class);
        assertThat(step(Kind.OTHER, Kind.MISSING, false)).isEqualTo(new MovePlan.Refuse("/old/t/a is not a file"));
    }

    @Test
    void aTargetInsideTheTorrentsOwnFilesIsRefused() {
        List<Path> tops = List.of(Path.of("/old/t"));
        assertThat(MovePlan.refuseTarget(Path.of("/old/t"), tops)).contains(
                "the target /old/t is inside the torrent's own /old/t");
        assertThat(MovePlan.refuseTarget(Path.of("/old/t/sub/deeper"), tops)).isPresent();
    }

    @Test
    void aTargetBesideOrAboveTheTorrentIsAllowed() {
        List<Path> tops = List.of(Path.of("/old/t"));
        assertThat(MovePlan.refuseTarget(Path.of("/old/t2"), tops)).isEmpty(); // a prefix of the name, not a parent
        assertThat(MovePlan.refuseTarget(Path.of("/old/other"), tops)).isEmpty();
        assertThat(MovePlan.refuseTarget(Path.of("/"), tops)).isEmpty();
        assertThat(MovePlan.refuseTarget(Path.of("/old/sub"), tops)).isEmpty();
    }
}
