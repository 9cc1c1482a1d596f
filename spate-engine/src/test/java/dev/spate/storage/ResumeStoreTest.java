package dev.spate.storage;

import dev.spate.core.Bitfield;
import dev.spate.core.Hex;
import dev.spate.core.InfoHash;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@Timeout(20)
class ResumeStoreTest {
    private static final InfoHash HASH = InfoHash.fromHex("0123456789abcdef0123456789abcdef01234567");
    private static final InfoHash OTHER = InfoHash.fromHex("fedcba9876543210fedcba9876543210fedcba98");

    @TempDir
    Path tmp;

    private final TestTorrent t = TestTorrent.multi("res", 16, 1, 30, 0, 50);
    private final List<String> warnings = new ArrayList<>();

    private Path state() {
        return tmp.resolve("state");
    }

    private ResumeStore store() {
        return ResumeStore.open(state(), warnings::add);
    }

    private ResumeFile.State stateWith(InfoHash hash, int... pieces) {
        Bitfield have = new Bitfield(t.info.pieceCount());
        for (int p : pieces) {
            have.set(p);
        }
        return new ResumeFile.State(hash, have, List.of(new FileStat(30, 7), new FileStat(0, 8), FileStat.MISSING));
    }

    private static String sha1Hex(String text) throws Exception {
        return Hex.encode(MessageDigest.getInstance("SHA-1").digest(text.getBytes(StandardCharsets.UTF_8)));
    }

    private List<String> resumeDirectory() throws IOException {
        try (Stream<Path> files = Files.list(state().resolve("resume"))) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void theFileIsNamedByInfoHashAndByTheSha1OfTheAbsoluteNormalizedDownloadDirectory() throws Exception {
        Path downloads = tmp.resolve("downloads");
        String key = sha1Hex(downloads.toAbsolutePath().normalize().toString()).substring(0, 16);

        assertThat(store().location(HASH, downloads))
                .isEqualTo(state().resolve("resume").resolve(HASH.hex() + "-" + key + ".resume"));
        assertThat(store().location(HASH, tmp.resolve("x/../downloads/."))).isEqualTo(store().location(HASH, downloads));
        assertThat(store().location(OTHER, downloads).getFileName().toString())
                .isEqualTo(OTHER.hex() + "-" + key + ".resume");
    }

    @Test
    void aRelativeDownloadDirectoryIsKeyedAsItsAbsolutePath() {
        Path relative = Path.of("some/downloads");

        assertThat(store().location(HASH, relative)).isEqualTo(store().location(HASH, relative.toAbsolutePath()));
        assertThat(store().location(HASH, relative)).isNotEqualTo(store().location(HASH, tmp.resolve("some/downloads")));
    }

    @Test
    void twoDownloadDirectoriesOfOneTorrentKeepTwoRecords() throws Exception {
        Path a = tmp.resolve("a");
        Path b = tmp.resolve("b");
        store().save(a, stateWith(HASH, 0));
        store().save(b, stateWith(HASH, 1, 2));

        assertThat(store().location(HASH, a)).isNotEqualTo(store().location(HASH, b));
        assertThat(store().load(HASH, a, t.info).orElseThrow().have()).isEqualTo(stateWith(HASH, 0).have());
        assertThat(store().load(HASH, b, t.info).orElseThrow().have()).isEqualTo(stateWith(HASH, 1, 2).have());
        assertThat(resumeDirectory()).hasSize(2);
        assertThat(warnings).isEmpty();
    }

    @Test
    void storesOpenedOnOneStateDirectorySeeEachOthersTorrents() throws Exception {
        Path downloads = tmp.resolve("downloads");
        ResumeStore first = store();
        ResumeStore second = store();
        first.save(downloads, stateWith(HASH, 3));
        second.save(downloads, stateWith(OTHER, 4));

        assertThat(second.load(HASH, downloads, t.info).orElseThrow().have().get(3)).isTrue();
        assertThat(first.load(OTHER, downloads, t.info).orElseThrow().have().get(4)).isTrue();
    }

    @Test
    void nothingIsCreatedUntilTheFirstSaveWhichMakesPrivateDirectories() throws Exception {
        Path deep = tmp.resolve("home/.local/state/spate");
        ResumeStore store = ResumeStore.open(deep, warnings::add);

        assertThat(store.load(HASH, tmp.resolve("downloads"), t.info)).isEmpty();
        assertThat(tmp.resolve("home")).doesNotExist();

        store.save(tmp.resolve("downloads"), stateWith(HASH, 1));

        assertThat(store.location(HASH, tmp.resolve("downloads"))).isRegularFile();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(deep))).isEqualTo("rwx------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(deep.resolve("resume"))))
                .isEqualTo("rwx------");
        assertThat(warnings).isEmpty();
    }

    @Test
    void aStateDirectoryThatCannotBeCreatedFailsTheSaveNamingIt() throws Exception {
        Path file = Files.writeString(tmp.resolve("a-file"), "x");
        ResumeStore store = ResumeStore.open(file.resolve("state"), warnings::add);

        assertThatThrownBy(() -> store.save(tmp.resolve("downloads"), stateWith(HASH, 1)))
                .isInstanceOf(IOException.class)
                .hasMessageStartingWith("creating state directory " + file.resolve("state") + ": ");
    }

    @Test
    void aTemporaryFileLeftByACrashIsNeverReadAndOnceStaleIsDeleted() throws Exception {
        Path downloads = tmp.resolve("downloads");
        store().save(downloads, stateWith(HASH, 2));
        Path file = store().location(HASH, downloads);
        // What a crash between create and rename leaves: a partial file with a name of its own.
        Path crashed = Files.write(file.resolveSibling(file.getFileName() + ".123456.tmp"), new byte[] {'S', 'P'});
        Files.setLastModifiedTime(crashed, FileTime.from(Instant.now().minus(Duration.ofHours(1))));
        // One being written right now, by another process sharing the state directory.
        Path inFlight = Files.write(file.resolveSibling(file.getFileName() + ".654321.tmp"), new byte[] {'S'});
        Path othersCrash = store().location(OTHER, downloads).resolveSibling(
                store().location(OTHER, downloads).getFileName() + ".1.tmp");
        Files.write(othersCrash, new byte[1]);
        Files.setLastModifiedTime(othersCrash, FileTime.from(Instant.now().minus(Duration.ofHours(1))));

        assertThat(store().load(HASH, downloads, t.info).orElseThrow().have()).isEqualTo(stateWith(HASH, 2).have());

        assertThat(crashed).doesNotExist();
        assertThat(inFlight).exists();
        assertThat(othersCrash).as("another torrent's, cleaned when that torrent loads").exists();
        assertThat(warnings).isEmpty();
    }

    @Test
    void aStoreLooksForTemporaryFilesOnceSoOneACrashLeftAfterThatIsCleanedByTheNextStore() throws Exception {
        Path downloads = tmp.resolve("downloads");
        store().save(downloads, stateWith(HASH, 2));
        store().save(downloads, stateWith(OTHER, 1));
        ResumeStore first = store();
        first.load(HASH, downloads, t.info);
        Path other = first.location(OTHER, downloads);
        Path crashed = Files.write(other.resolveSibling(other.getFileName() + ".42.tmp"), new byte[1]);
        Files.setLastModifiedTime(crashed, FileTime.from(Instant.now().minus(Duration.ofHours(1))));

        first.load(OTHER, downloads, t.info);
        assertThat(crashed).as("not there when the store listed the directory").exists();
        store().load(OTHER, downloads, t.info);
        assertThat(crashed).doesNotExist();
    }

    @Test
    void aTorrentsMoveJournalsAreThoseOfTheFirstListingAndThoseWrittenThroughTheStoreSince() throws Exception {
        Path downloads = tmp.resolve("downloads");
        store().save(downloads, stateWith(HASH, 2));
        Path before = store().moveLocation(HASH, tmp.resolve("a"));
        Files.write(before, new byte[1]);
        ResumeStore s = store();
        assertThat(s.moveJournalsOf(HASH)).containsExactly(before);
        assertThat(s.moveJournalsOf(OTHER)).isEmpty();
        Path written = s.moveLocation(HASH, tmp.resolve("b"));
        Files.write(written, new byte[1]);
        s.moveJournalWritten(written);
        Path othersProcess = s.moveLocation(HASH, tmp.resolve("c"));
        Files.write(othersProcess, new byte[1]);
        assertThat(s.moveJournalsOf(HASH)).containsExactlyInAnyOrder(before, written);
        assertThat(store().moveJournalsOf(HASH)).containsExactlyInAnyOrder(before, written, othersProcess);
    }

    @Test
    void aSaveInterruptedMidWriteLeavesThePreviousFileWholeAndNoPartialOne() throws Exception {
        Path downloads = tmp.resolve("downloads");
        store().save(downloads, stateWith(HASH, 1));
        List<String> before = resumeDirectory();

        Thread.currentThread().interrupt(); // the channel's write gives up, as when a thread is stopped
        try {
            assertThatThrownBy(() -> store().save(downloads, stateWith(HASH, 1, 2, 3)))
                    .isInstanceOf(IOException.class)
                    .hasMessageStartingWith("writing resume file " + store().location(HASH, downloads) + ": ");
        } finally {
            Thread.interrupted();
        }

        assertThat(resumeDirectory()).isEqualTo(before);
        assertThat(store().load(HASH, downloads, t.info).orElseThrow().have()).isEqualTo(stateWith(HASH, 1).have());
    }

    @Test
    void aFileInTheDownloadDirectoryFromAnEarlierVersionIsMovedOnce() throws Exception {
        Path downloads = Files.createDirectories(tmp.resolve("downloads"));
        Path legacy = Files.createDirectories(downloads.resolve(".spate")).resolve(HASH.hex() + ".resume");
        ResumeFile.write(legacy, stateWith(HASH, 0, 4));
        byte[] legacyBytes = Files.readAllBytes(legacy);

        assertThat(store().load(HASH, downloads, t.info).orElseThrow().have()).isEqualTo(stateWith(HASH, 0, 4).have());

        assertThat(store().location(HASH, downloads)).hasBinaryContent(legacyBytes);
        assertThat(legacy).doesNotExist();
        assertThat(downloads.resolve(".spate")).as("left empty, so removed").doesNotExist();
        assertThat(store().load(HASH, downloads, t.info).orElseThrow().have()).isEqualTo(stateWith(HASH, 0, 4).have());
        assertThat(warnings).isEmpty();
    }

    @Test
    void theOldDirectoryStaysWhileOtherTorrentsFilesAreInIt() throws Exception {
        Path downloads = Files.createDirectories(tmp.resolve("downloads"));
        Path old = Files.createDirectories(downloads.resolve(".spate"));
        ResumeFile.write(old.resolve(HASH.hex() + ".resume"), stateWith(HASH, 1));
        ResumeFile.write(old.resolve(OTHER.hex() + ".resume"), stateWith(OTHER, 2));

        assertThat(store().load(HASH, downloads, t.info)).isPresent();

        try (Stream<Path> left = Files.list(old)) {
            assertThat(left).containsExactly(old.resolve(OTHER.hex() + ".resume"));
        }
        assertThat(store().load(OTHER, downloads, t.info).orElseThrow().have().get(2)).isTrue();
        assertThat(old).doesNotExist();
    }

    @Test
    void anOldFileIsDroppedWhenTheStateDirectoryAlreadyHasANewerOne() throws Exception {
        Path downloads = Files.createDirectories(tmp.resolve("downloads"));
        store().save(downloads, stateWith(HASH, 3));
        Path legacy = Files.createDirectories(downloads.resolve(".spate")).resolve(HASH.hex() + ".resume");
        ResumeFile.write(legacy, stateWith(HASH, 0));

        assertThat(store().load(HASH, downloads, t.info).orElseThrow().have()).isEqualTo(stateWith(HASH, 3).have());
        assertThat(legacy).doesNotExist();
    }

    @Test
    void anOldFileThatCannotBeMovedIsStillUsedAndKept() throws Exception {
        Path downloads = Files.createDirectories(tmp.resolve("downloads"));
        Path legacy = Files.createDirectories(downloads.resolve(".spate")).resolve(HASH.hex() + ".resume");
        ResumeFile.write(legacy, stateWith(HASH, 1));
        Path file = Files.writeString(tmp.resolve("a-file"), "x");
        ResumeStore store = ResumeStore.open(file.resolve("state"), warnings::add);

        assertThat(store.load(HASH, downloads, t.info).orElseThrow().have()).isEqualTo(stateWith(HASH, 1).have());

        assertThat(legacy).exists();
        assertThat(warnings).singleElement().asString()
                .startsWith("cannot move resume file " + legacy + " to " + store.location(HASH, downloads)
                        + ": creating state directory " + file.resolve("state"))
                .endsWith("; it stays where it is");
    }

    @Test
    void aCorruptFileIsIgnoredWithAWarningNamingTheFileAndTheProblem() throws Exception {
        Path downloads = tmp.resolve("downloads");
        store().save(downloads, stateWith(HASH, 1));
        Path file = store().location(HASH, downloads);
        byte[] bytes = Files.readAllBytes(file);
        bytes[bytes.length - 5] ^= 0x10; // a bit of the bitfield
        Files.write(file, bytes);

        assertThat(store().load(HASH, downloads, t.info)).isEmpty();

        assertThat(warnings).containsExactly("ignoring resume file " + file
                + ": checksum mismatch; the data on disk will be hashed instead");
    }

    @Test
    void aFileOfTheWrongLengthIsIgnoredWithAWarningGivingBothLengths() throws Exception {
        Path downloads = tmp.resolve("downloads");
        store().save(downloads, stateWith(HASH, 1));
        Path file = store().location(HASH, downloads);
        Files.write(file, new byte[3]);

        assertThat(store().load(HASH, downloads, t.info)).isEmpty();

        assertThat(warnings).containsExactly("ignoring resume file " + file + ": 3 bytes where 5 pieces and 3 files take "
                + ResumeFile.length(5, 3) + "; the data on disk will be hashed instead");
    }

    @Test
    void anUnreadableFileIsIgnoredWithAWarning() throws Exception {
        Path downloads = tmp.resolve("downloads");
        Path file = store().location(HASH, downloads);
        Files.createDirectories(file.getParent());
        Files.createSymbolicLink(file, file); // reading it loops: ELOOP

        assertThat(store().load(HASH, downloads, t.info)).isEmpty();

        assertThat(warnings).singleElement().asString()
                .startsWith("ignoring resume file " + file + ": cannot be read: ")
                .endsWith("; the data on disk will be hashed instead");
    }

    @Test
    void aCorruptOldFileIsReportedAndRemoved() throws Exception {
        Path downloads = Files.createDirectories(tmp.resolve("downloads"));
        Path legacy = Files.createDirectories(downloads.resolve(".spate")).resolve(HASH.hex() + ".resume");
        Files.write(legacy, new byte[ResumeFile.length(5, 3)]);

        assertThat(store().load(HASH, downloads, t.info)).isEmpty();

        assertThat(warnings).containsExactly("ignoring resume file " + legacy
                + ": checksum mismatch; the data on disk will be hashed instead");
        assertThat(legacy).doesNotExist();
        assertThat(store().location(HASH, downloads)).doesNotExist();
    }
}
