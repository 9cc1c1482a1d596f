package dev.spate.storage;

import dev.spate.core.InfoHash;
import dev.spate.metainfo.FileEntry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Moves of real files in a temporary directory: whole, by rename and by copy, refused before
 * anything is touched, and cut off after every step (as a kill would) then finished by
 * {@link StorageMove#settle}.
 */
@Timeout(60)
class StorageMoveTest {
    private static final InfoHash HASH = InfoHash.fromHex("0123456789abcdef0123456789abcdef01234567");
    private static final List<List<String>> PATHS = List.of(List.of("a"), List.of("sub", "b"),
            List.of("sub", "deep", "c"), List.of("empty"), List.of("never", "fetched"));
    private static final int[] LENGTHS = {40, 33, 70, 0, 20};

    @TempDir
    Path tmp;

    private final TestTorrent t = TestTorrent.build("t", 16, 7, true, PATHS, LENGTHS);

    private Path old() {
        return tmp.resolve("old");
    }

    private Path fresh() {
        return tmp.resolve("new");
    }

    private ResumeStore store() {
        return ResumeStore.open(tmp.resolve("state"), w -> { throw new AssertionError(w); });
    }

    /** Files 0 to 3 on disk at the old place (4 never fetched), and resume and part files in the state directory. */
    private void layOut() throws IOException {
        for (int i = 0; i < 4; i++) {
            Path p = file(old(), i);
            Files.createDirectories(p.getParent());
            Files.write(p, bytes(i));
        }
        ResumeStore store = store();
        store.createDirectories();
        Files.write(store.location(HASH, old()), new byte[] {1, 2, 3});
        Files.write(store.partsLocation(HASH, old()), new byte[] {4, 5});
    }

    private Path file(Path root, int i) {
        Path p = root.resolve("t");
        for (String c : PATHS.get(i)) {
            p = p.resolve(c);
        }
        return p;
    }

    private byte[] bytes(int i) {
        FileEntry f = t.info.files().get(i);
        return Arrays.copyOfRange(t.content, (int) f.offset(), (int) f.end());
    }

    private StorageMove plan(Path to) throws IOException {
        return StorageMove.plan(store(), HASH, t.info, old(), to);
    }

    private void assertAllAtTheNewPlace() throws IOException {
        for (int i = 0; i < 4; i++) {
            assertThat(file(fresh(), i)).as("file %d", i).hasBinaryContent(bytes(i));
            assertThat(file(old(), i)).doesNotExist();
        }
        assertThat(file(fresh(), 4)).doesNotExist();
        assertThat(old().resolve("t")).as("the layout's emptied directories").doesNotExist();
        assertThat(old()).isDirectory();
        ResumeStore store = store();
        assertThat(store.location(HASH, fresh())).hasBinaryContent(new byte[] {1, 2, 3});
        assertThat(store.partsLocation(HASH, fresh())).hasBinaryContent(new byte[] {4, 5});
        assertThat(store.location(HASH, old())).doesNotExist();
        assertThat(MoveJournal.read(store.moveLocation(HASH, old()), HASH)).contains(new MoveJournal.Entry(
                MoveJournal.Phase.MOVED, HASH, old(), fresh()));
        try (Stream<Path> all = Files.walk(fresh())) {
            assertThat(all.filter(p -> p.toString().endsWith(StorageMove.TEMPORARY_SUFFIX))).isEmpty();
        }
    }

    @ParameterizedTest(name = "renames {0}")
    @ValueSource(booleans = {true, false})
    void everyFileMovesWholeAndTheOldLayoutIsRemoved(boolean renames) throws IOException {
        layOut();
        StorageMove move = plan(fresh());
        move.renames = renames;
        List<String> steps = new ArrayList<>();
        move.run(steps::add);
        assertAllAtTheNewPlace();
        assertThat(steps).containsExactly("journal", "placed 0", "moved 0", "placed 1", "moved 1", "placed 2",
                "moved 2", "placed 3", "moved 3", "moved 4", "directories", "state files", "recorded");
        assertThat(StorageMove.settle(store(), HASH, t.info, old(), StorageMove.Steps.NONE))
                .as("added again with the old directory, the torrent is found at the new").isEqualTo(fresh());
        assertThat(StorageMove.settle(store(), HASH, t.info, fresh(), StorageMove.Steps.NONE)).isEqualTo(fresh());
    }

    private static final class Killed extends RuntimeException {
    }

    /** Cut off after each step in turn; each file is wholly at one place (or both), and the restart finishes. */
    @ParameterizedTest(name = "renames {0}")
    @ValueSource(booleans = {true, false})
    void aMoveCutOffAfterAnyStepIsFinishedByTheNextStart(boolean renames) throws IOException {
        for (int cut = 1; ; cut++) {
            Path root = tmp;
            deleteTree(old());
            deleteTree(fresh());
            deleteTree(root.resolve("state"));
            layOut();
            StorageMove move = plan(fresh());
            move.renames = renames;
            int[] count = {0};
            int at = cut;
            try {
                move.run(step -> {
                    if (++count[0] == at) {
                        throw new Killed();
                    }
                });
                assertAllAtTheNewPlace();
                assertThat(cut).as("every step was cut off once").isGreaterThan(10);
                return; // past the last step
            } catch (Killed expected) {
                // as a kill -9 right after step `cut`
            }
            for (int i = 0; i < 4; i++) {
                boolean atOld = Files.exists(file(old(), i));
                boolean atNew = Files.exists(file(fresh(), i));
                assertThat(atOld || atNew).as("file %d after step %d is somewhere", i, cut).isTrue();
                if (atOld) {
                    assertThat(file(old(), i)).as("file %d at the old place after step %d", i, cut).hasBinaryContent(bytes(i));
                }
                if (atNew) {
                    assertThat(file(fresh(), i)).as("file %d at the new place after step %d", i, cut).hasBinaryContent(bytes(i));
                }
            }
            assertThat(StorageMove.settle(store(), HASH, t.info, old(), StorageMove.Steps.NONE)).isEqualTo(fresh());
            assertAllAtTheNewPlace();
        }
    }

    @Test
    void aCopyKilledHalfWayLeavesATemporaryFileTheRestartReplaces() throws IOException {
        layOut();
        store().createDirectories();
        MoveJournal.write(store().moveLocation(HASH, old()), new MoveJournal.Entry(MoveJournal.Phase.MOVING, HASH,
                old(), fresh()));
        Path half = StorageMove.temporary(file(fresh(), 1));
        Files.createDirectories(half.getParent());
        Files.write(half, Arrays.copyOf(bytes(1), 10)); // a third of the copy, never renamed into place
        assertThat(StorageMove.settle(store(), HASH, t.info, old(), StorageMove.Steps.NONE)).isEqualTo(fresh());
        assertAllAtTheNewPlace();
    }

    @Test
    void aMoveCutOffIsFinishedAlsoWhenTheTorrentIsAddedWithItsTarget() throws IOException {
        layOut();
        try {
            plan(fresh()).run(step -> {
                if (step.equals("moved 1")) {
                    throw new Killed();
                }
            });
        } catch (Killed expected) {
            // cut off with files at both places
        }
        assertThat(file(old(), 2)).exists();
        assertThat(StorageMove.settle(store(), HASH, t.info, fresh(), StorageMove.Steps.NONE)).isEqualTo(fresh());
        assertAllAtTheNewPlace();
    }

    @Test
    void aSymbolicLinkOnTheWayAtTheTargetIsRefused() throws IOException {
        layOut();
        Path elsewhere = Files.createDirectories(tmp.resolve("elsewhere"));
        Files.createDirectories(fresh().resolve("t"));
        Path link = fresh().resolve("t").resolve("sub");
        Files.createSymbolicLink(link, elsewhere);
        assertThatThrownBy(() -> plan(fresh())).isInstanceOf(StorageException.class)
                .hasMessage("cannot move t to " + fresh() + ": " + link + " is in the way: a symbolic link");
        assertUntouched();
        try (Stream<Path> in = Files.list(elsewhere)) {
            assertThat(in).isEmpty();
        }
    }

    /** Where the temporary directory and /dev/shm are two file systems, a real rename fails and the copy runs. */
    @Test
    void betweenTwoFileSystemsTheFilesAreCopied() throws IOException {
        Path shm = Path.of("/dev/shm");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isDirectory(shm) && Files.isWritable(shm)
                && !Files.getFileStore(shm).equals(Files.getFileStore(tmp)), "no second file system at /dev/shm");
        layOut();
        Path target = Files.createTempDirectory(shm, "spate-move-test");
        try {
            StorageMove.plan(store(), HASH, t.info, old(), target).run(StorageMove.Steps.NONE);
            for (int i = 0; i < 4; i++) {
                assertThat(file(target, i)).hasBinaryContent(bytes(i));
                assertThat(file(old(), i)).doesNotExist();
            }
            assertThat(old().resolve("t")).doesNotExist();
        } finally {
            deleteTree(target);
        }
    }

    @Test
    void aTargetInsideTheTorrentsFilesIsRefusedAndNothingIsTouched() throws IOException {
        layOut();
        Path inside = old().resolve("t").resolve("sub");
        assertThatThrownBy(() -> plan(inside)).isInstanceOf(StorageException.class)
                .hasMessage("cannot move t: the target " + inside + " is inside the torrent's own " + old().resolve("t"));
        assertThatThrownBy(() -> plan(old().resolve("t"))).isInstanceOf(StorageException.class);
        assertUntouched();
    }

    @Test
    void aTargetHoldingOneOfTheFilesWithOtherContentIsRefusedNamingIt() throws IOException {
        layOut();
        Path clash = file(fresh(), 2);
        Files.createDirectories(clash.getParent());
        byte[] other = bytes(2).clone();
        other[5] ^= 1; // same size, one bit off
        Files.write(clash, other);
        assertThatThrownBy(() -> plan(fresh())).isInstanceOf(StorageException.class)
                .hasMessage("cannot move t to " + fresh() + ": " + clash + " already exists with other content");
        assertUntouched();
        assertThat(clash).hasBinaryContent(other);
    }

    @Test
    void aTargetHoldingTheSameBytesAlreadyIsTakenAsMoved() throws IOException {
        layOut();
        Path same = file(fresh(), 0);
        Files.createDirectories(same.getParent());
        Files.write(same, bytes(0));
        plan(fresh()).run(StorageMove.Steps.NONE);
        assertAllAtTheNewPlace();
    }

    @Test
    void theUsersOwnFilesKeepTheirDirectoriesAtTheOldPlace() throws IOException {
        layOut();
        Path mine = old().resolve("t").resolve("sub").resolve("notes.txt");
        Files.writeString(mine, "mine");
        plan(fresh()).run(StorageMove.Steps.NONE);
        assertThat(mine).hasContent("mine");
        assertThat(old().resolve("t").resolve("sub").resolve("deep")).doesNotExist();
        assertThat(fresh().resolve("t").resolve("sub").resolve("notes.txt")).doesNotExist();
    }

    @Test
    void movedThereAndBackTheTorrentIsWhereItWasFirst() throws IOException {
        layOut();
        plan(fresh()).run(StorageMove.Steps.NONE);
        StorageMove.plan(store(), HASH, t.info, fresh(), old()).run(StorageMove.Steps.NONE);
        for (int i = 0; i < 4; i++) {
            assertThat(file(old(), i)).hasBinaryContent(bytes(i));
        }
        assertThat(StorageMove.settle(store(), HASH, t.info, old(), StorageMove.Steps.NONE)).isEqualTo(old());
        assertThat(StorageMove.settle(store(), HASH, t.info, fresh(), StorageMove.Steps.NONE)).isEqualTo(old());
        assertThat(store().location(HASH, old())).hasBinaryContent(new byte[] {1, 2, 3});
    }

    @Test
    void theSameDirectoryIsNothingToMove() throws IOException {
        layOut();
        StorageMove move = plan(old().resolve("x").resolve(".."));
        assertThat(move.isNothing()).isTrue();
        move.run(step -> { throw new AssertionError("no step: " + step); });
        assertUntouched();
    }

    private void assertUntouched() throws IOException {
        for (int i = 0; i < 4; i++) {
            assertThat(file(old(), i)).hasBinaryContent(bytes(i));
        }
        assertThat(store().moveLocation(HASH, old())).doesNotExist();
        assertThat(file(fresh(), 0)).doesNotExist();
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> all = Files.walk(root)) {
            for (Path p : all.sorted((a, b) -> b.getNameCount() - a.getNameCount()).toList()) {
                Files.delete(p);
            }
        }
    }
}
