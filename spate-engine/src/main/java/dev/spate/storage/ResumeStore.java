package dev.spate.storage;

import dev.spate.core.Bitfield;
import dev.spate.core.Hex;
import dev.spate.core.InfoHash;
import dev.spate.metainfo.TorrentInfo;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The resume data of a session, in its state directory: one {@link ResumeFile} per torrent and
 * download directory, at {@code STATE/resume/<info-hash hex>-<dir key>.resume}, the key being the
 * first 16 hex digits of the SHA-1 of the download directory's absolute, normalized path. Keyed by
 * both, one torrent downloaded into two directories keeps two records, and several sessions or
 * processes share one state directory with no lock: each writes whole files atomically, and only
 * those of the torrents it runs.
 *
 * <p>Created on demand: nothing is made until the first {@link #save}, which creates the state
 * directory (with its parents) and its {@code resume} directory, both with mode 0700 where the file
 * system has POSIX permissions.
 *
 * <p>Read defensively: a corrupt or unreadable file is reported to the warning sink, naming the
 * file and the problem, and ignored, so that the caller hashes the data instead. Earlier versions
 * kept the file in the download directory ({@code DIR/.spate/<info-hash hex>.resume}); {@link #load}
 * reads such a file once and moves it here (written here, then deleted there, and {@code .spate}
 * removed if that leaves it empty). A temporary file a crash left behind is never read, and
 * {@code load} deletes those of its torrent once they are old enough that no writer, in this
 * process or another, can still be renaming them. It looks for them among the temporary files
 * the directory held when this store first listed it, and for move journals among those it held
 * then and those written through it since: listing a directory of a thousand resume files for
 * each of a thousand torrents added would cost more than what is found (what a crash of another
 * process leaves while this store is open is found by the next one, after a restart).
 *
 * <p>Thread-safe; apart from its settings, its one state is that listing, guarded by the store. Called from the disk pool and torrent loops.
 */
public final class ResumeStore {
    private static final System.Logger LOG = System.getLogger(ResumeStore.class.getName());
    /** The subdirectory of the state directory that holds resume files. */
    static final String RESUME_DIRECTORY = "resume";
    /** Where earlier versions kept resume data: inside the download directory. */
    static final String LEGACY_DIRECTORY = ".spate";
    /** A write takes milliseconds (an fsync on a busy disk, seconds); older temporary files are debris. */
    static final Duration STALE_TEMPORARY = Duration.ofMinutes(10);
    private static final int DIRECTORY_KEY_HEX = 16;
    private static final String MOVE_SUFFIX = ".move";

    private final Path stateDirectory;
    private final Path resumeDirectory;
    private final Consumer<String> warnings;
    /** The temporary files in the resume directory at its first listing, less those deleted since; null before. Guarded by {@code this}. */
    private Set<String> temporaries;
    /** The move journals in the resume directory at its first listing, and those written since. Guarded by {@code this}. */
    private Set<String> moveJournals;

    private ResumeStore(Path stateDirectory, Consumer<String> warnings) {
        this.stateDirectory = stateDirectory.toAbsolutePath().normalize();
        this.resumeDirectory = this.stateDirectory.resolve(RESUME_DIRECTORY);
        this.warnings = warnings;
    }

    /** The store in {@code stateDirectory}, warnings going to the log. Touches no file. */
    public static ResumeStore open(Path stateDirectory) {
        return open(stateDirectory, message -> LOG.log(System.Logger.Level.WARNING, message));
    }

    /** The store in {@code stateDirectory}, warnings (one line each) going to {@code warnings}. */
    static ResumeStore open(Path stateDirectory, Consumer<String> warnings) {
        return new ResumeStore(Objects.requireNonNull(stateDirectory, "stateDirectory"),
                Objects.requireNonNull(warnings, "warnings"));
    }

    /** The state directory, absolute. */
    public Path stateDirectory() {
        return stateDirectory;
    }

    /** One torrent's resume data in one download directory, for {@link ResumeCheck}. */
    public Entry entry(InfoHash infoHash, Path downloadDirectory) {
        return new Entry(this, infoHash, downloadDirectory);
    }

    /** Where the resume file of {@code infoHash} downloaded into {@code downloadDirectory} lives. */
    public Path location(InfoHash infoHash, Path downloadDirectory) {
        return resumeDirectory.resolve(infoHash.hex() + "-" + directoryKey(downloadDirectory) + ".resume");
    }

    /**
     * Where the part file of {@code infoHash} downloaded into {@code downloadDirectory} lives: the
     * bytes of unwanted files that pieces shared with wanted files hold (see {@link FileStorage}).
     */
    public Path partsLocation(InfoHash infoHash, Path downloadDirectory) {
        return resumeDirectory.resolve(infoHash.hex() + "-" + directoryKey(downloadDirectory) + ".parts");
    }

    /**
     * Where the {@link MoveJournal} of a move of {@code infoHash} away from {@code downloadDirectory}
     * lives (see {@link StorageMove}).
     */
    public Path moveLocation(InfoHash infoHash, Path downloadDirectory) {
        return resumeDirectory.resolve(infoHash.hex() + "-" + directoryKey(downloadDirectory) + MOVE_SUFFIX);
    }

    /** The first 16 hex digits of the SHA-1 of the directory's absolute, normalized path (UTF-8). */
    static String directoryKey(Path downloadDirectory) {
        byte[] path = downloadDirectory.toAbsolutePath().normalize().toString().getBytes(StandardCharsets.UTF_8);
        try {
            return Hex.encode(MessageDigest.getInstance("SHA-1").digest(path)).substring(0, DIRECTORY_KEY_HEX);
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError("every JDK has SHA-1", e);
        }
    }

    /** Where earlier versions kept it. */
    static Path legacyLocation(InfoHash infoHash, Path downloadDirectory) {
        return downloadDirectory.resolve(LEGACY_DIRECTORY).resolve(infoHash.hex() + ".resume");
    }

    /**
     * What the resume file of {@code infoHash} in {@code downloadDirectory} says, for {@code info};
     * empty when there is none or it cannot be trusted (reported). Moves a file of an earlier
     * version here first. Never throws for what is on disk.
     */
    public Optional<ResumeFile.State> load(InfoHash infoHash, Path downloadDirectory, TorrentInfo info) {
        Path file = location(infoHash, downloadDirectory);
        deleteStaleTemporaries(file);
        boolean present = Files.exists(file, LinkOption.NOFOLLOW_LINKS);
        Optional<ResumeFile.State> current = present ? readReporting(file, infoHash, info) : Optional.empty();
        Path legacy = legacyLocation(infoHash, downloadDirectory);
        if (!Files.exists(legacy, LinkOption.NOFOLLOW_LINKS)) {
            return current;
        }
        if (present) {
            removeLegacy(legacy); // moved before, or saved here since: the old file is stale
            return current;
        }
        Optional<ResumeFile.State> old;
        try {
            old = ResumeFile.read(legacy, infoHash, info);
        } catch (ResumeFile.Corrupt e) {
            warnings.accept(ignoring(legacy, e.getMessage()));
            removeLegacy(legacy); // the hashing that follows makes a new one here
            return Optional.empty();
        } catch (IOException e) {
            warnings.accept(ignoring(legacy, "cannot be read: " + ResumeFile.describe(e)));
            return Optional.empty();
        }
        if (old.isEmpty()) {
            return old; // deleted meanwhile
        }
        try {
            save(downloadDirectory, old.get());
        } catch (IOException e) {
            warnings.accept("cannot move resume file " + legacy + " to " + file + ": " + e.getMessage()
                    + "; it stays where it is");
            return old;
        }
        removeLegacy(legacy);
        return old;
    }

    /**
     * Writes {@code state}, the record of {@code state.infoHash()} in {@code downloadDirectory},
     * atomically, creating the directories on the first save. The caller makes sure that the pieces
     * it lists are durable first ({@link ResumeCheck#save}).
     *
     * @throws IOException naming the file or directory that failed
     */
    public void save(Path downloadDirectory, ResumeFile.State state) throws IOException {
        createDirectories();
        ResumeFile.write(location(state.infoHash(), downloadDirectory), state);
    }

    private Optional<ResumeFile.State> readReporting(Path file, InfoHash infoHash, TorrentInfo info) {
        try {
            return ResumeFile.read(file, infoHash, info);
        } catch (ResumeFile.Corrupt e) {
            warnings.accept(ignoring(file, e.getMessage()));
        } catch (IOException e) {
            warnings.accept(ignoring(file, "cannot be read: " + ResumeFile.describe(e)));
        }
        return Optional.empty();
    }

    private static String ignoring(Path file, String problem) {
        return "ignoring resume file " + file + ": " + problem + "; the data on disk will be hashed instead";
    }

    private void removeLegacy(Path legacy) {
        try {
            Files.deleteIfExists(legacy);
        } catch (IOException e) {
            warnings.accept("cannot remove old resume file " + legacy + ": " + ResumeFile.describe(e));
            return;
        }
        try {
            Files.delete(legacy.getParent());
        } catch (DirectoryNotEmptyException | NoSuchFileException e) {
            // other torrents' files still there, or removed by someone else meanwhile
        } catch (IOException e) {
            warnings.accept("cannot remove old resume directory " + legacy.getParent() + ": " + ResumeFile.describe(e));
        }
    }

    /** Temporary files of {@code file} left by a crash; young ones may be another process's write. */
    private void deleteStaleTemporaries(Path file) {
        Instant before = Instant.now().minus(STALE_TEMPORARY);
        for (String name : temporariesOf(file)) {
            Path temp = resumeDirectory.resolve(name);
            try {
                if (Files.getLastModifiedTime(temp, LinkOption.NOFOLLOW_LINKS).toInstant().isBefore(before)) {
                    Files.deleteIfExists(temp);
                    forget(name);
                }
            } catch (NoSuchFileException e) {
                forget(name); // renamed or deleted by its writer meanwhile
            } catch (IOException e) {
                LOG.log(System.Logger.Level.DEBUG, "leaving temporary file {0}: {1}", temp, ResumeFile.describe(e));
            }
        }
    }

    /** Lists the resume directory's temporary files and move journals, the first time. Under the lock. */
    private void listOnce() {
        if (temporaries != null) {
            return;
        }
        temporaries = new HashSet<>();
        moveJournals = new HashSet<>();
        try (DirectoryStream<Path> names = Files.newDirectoryStream(resumeDirectory)) {
            for (Path p : names) {
                String name = p.getFileName().toString();
                if (ResumeFile.isTemporary(name)) {
                    temporaries.add(name);
                } else if (name.endsWith(MOVE_SUFFIX)) {
                    moveJournals.add(name);
                }
            }
        } catch (NoSuchFileException e) {
            // nothing saved yet
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, "cannot list {0}: {1}", resumeDirectory, ResumeFile.describe(e));
        }
    }

    /**
     * The move journals of {@code infoHash}, whatever directory each is keyed by: those the
     * resume directory held at this store's first listing and those written through it since
     * ({@link #moveJournalWritten}); some may be gone.
     */
    public synchronized List<Path> moveJournalsOf(InfoHash infoHash) {
        listOnce();
        String prefix = infoHash.hex() + "-";
        List<Path> out = new ArrayList<>();
        for (String name : moveJournals) {
            if (name.startsWith(prefix)) {
                out.add(resumeDirectory.resolve(name));
            }
        }
        return out;
    }

    /** A move journal ({@link #moveLocation}) was written through this store. */
    public synchronized void moveJournalWritten(Path journal) {
        listOnce();
        moveJournals.add(journal.getFileName().toString());
    }

    /** The temporary files of {@code file} among those of the first listing. */
    private synchronized List<String> temporariesOf(Path file) {
        listOnce();
        List<String> out = new ArrayList<>();
        for (String name : temporaries) {
            if (ResumeFile.isTemporaryOf(file, name)) {
                out.add(name);
            }
        }
        return out;
    }

    private synchronized void forget(String temporary) {
        temporaries.remove(temporary);
    }

    void createDirectories() throws IOException {
        if (!Files.isDirectory(resumeDirectory)) {
            createPrivate(stateDirectory);
            createPrivate(resumeDirectory);
        }
    }

    /** Creates {@code dir} with mode 0700 where the file system allows, its parents as usual. */
    private static void createPrivate(Path dir) throws IOException {
        if (Files.isDirectory(dir)) {
            return;
        }
        try {
            if (dir.getParent() != null) {
                Files.createDirectories(dir.getParent());
            }
            try {
                Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(EnumSet.of(
                        PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_EXECUTE)));
            } catch (UnsupportedOperationException e) {
                Files.createDirectory(dir); // no POSIX permissions on this file system
            }
        } catch (FileAlreadyExistsException e) {
            if (!Files.isDirectory(dir)) {
                throw new IOException("creating state directory " + dir + ": " + e.getFile() + " exists and is not a directory", e);
            }
            // made by another process meanwhile
        } catch (IOException e) {
            throw new IOException("creating state directory " + dir + ": " + ResumeFile.describe(e), e);
        }
    }

    @Override
    public String toString() {
        return "ResumeStore[" + stateDirectory + "]";
    }

    /**
     * One torrent's resume data in one download directory: what {@link ResumeCheck} reads at start
     * and writes as pieces are verified.
     */
    public record Entry(ResumeStore store, InfoHash infoHash, Path downloadDirectory) {
        public Entry {
            Objects.requireNonNull(store, "store");
            Objects.requireNonNull(infoHash, "infoHash");
            Objects.requireNonNull(downloadDirectory, "downloadDirectory");
        }

        /** Where its file lives. */
        public Path location() {
            return store.location(infoHash, downloadDirectory);
        }

        /** {@link ResumeStore#load} of this entry. */
        public Optional<ResumeFile.State> load(TorrentInfo info) {
            return store.load(infoHash, downloadDirectory, info);
        }

        /**
         * {@link ResumeStore#save} of {@code have} with the files' sizes and times; {@code clean}
         * as {@link ResumeFile.State#clean()} says.
         */
        public void save(Bitfield have, List<FileStat> files, boolean clean) throws IOException {
            store.save(downloadDirectory, new ResumeFile.State(infoHash, have, files, clean));
        }
    }
}
