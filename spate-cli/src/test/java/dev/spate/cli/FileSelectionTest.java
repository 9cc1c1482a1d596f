package dev.spate.cli;

import static dev.spate.engine.FilePriority.NORMAL;
import static dev.spate.engine.FilePriority.SKIP;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class FileSelectionTest {
    @Test
    void onlyTakesNumbersAndRangesFromOne() {
        assertThat(FileSelection.priorities("1,3-5", null, 6)).containsExactly(NORMAL, SKIP, NORMAL, NORMAL, NORMAL, SKIP);
        assertThat(FileSelection.priorities(" 2 , 2-2", null, 3)).containsExactly(SKIP, NORMAL, SKIP);
    }

    @Test
    void excludeSkipsFromEveryFileOrFromTheOnlyOnes() {
        assertThat(FileSelection.priorities(null, "2", 3)).containsExactly(NORMAL, SKIP, NORMAL);
        assertThat(FileSelection.priorities("1-3", "2", 4)).containsExactly(NORMAL, SKIP, NORMAL, SKIP);
    }

    @Test
    void mistakesNameTheOptionAndThePart() {
        assertThatThrownBy(() -> FileSelection.priorities("0", null, 3))
                .hasMessage("--only: no file 0 (the torrent has 3 files, numbered from 1 as 'spate info' lists them)");
        assertThatThrownBy(() -> FileSelection.priorities(null, "4", 3))
                .hasMessage("--exclude: no file 4 (the torrent has 3 files, numbered from 1 as 'spate info' lists them)");
        assertThatThrownBy(() -> FileSelection.priorities("1,x", null, 3))
                .hasMessage("--only: 'x' is not a file number or a range (expected e.g. 1,3-5)");
        assertThatThrownBy(() -> FileSelection.priorities("3-1", null, 3)).hasMessage("--only: range 3-1 runs backwards");
        assertThatThrownBy(() -> FileSelection.priorities("1,", null, 3))
                .hasMessage("--only: '' is not a file number or a range (expected e.g. 1,3-5)");
        assertThatThrownBy(() -> FileSelection.priorities("2", "2", 3)).hasMessage("--only and --exclude leave no file to download");
        assertThatThrownBy(() -> FileSelection.priorities(null, "1-3", 3)).hasMessage("--exclude leaves no file to download");
    }
}
