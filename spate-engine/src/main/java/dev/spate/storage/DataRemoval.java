package dev.spate.storage;

import dev.spate.metainfo.FileEntry;
import dev.spate.metainfo.TorrentInfo;

import java.io.IOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Deletes a torrent's own data once it is stopped: the files its metainfo names under its download
 * directory, laid out as {@link FileStorage} lays them out, then the directories that layout made
 * (a multi-file torrent's {@code DIR/name} and those below it) where they are empty, deepest first,
 * then files of the torrent's kept elsewhere (its part file and resume file in the state
 * directory). Nothing else is touched: never the download directory itself, never a directory
 * that still holds something, never a path the torrent does not name.
 *
 * <p>Symbolic links. The download directory is resolved once, as {@link FileStorage} does (it may
 * be a link, as {@code ~/Downloads} often is); below it no link is followed. A link standing where
 * the torrent has a file, or on the way to one (a directory of the torrent's replaced by a link),
 * is left alone with what it points to, and reported; so is whatever is below it. A BEP 47
 * symbolic link of the torrent's own is deleted as the link it is (deleting a link never touches
 * its target). What is left remains: a directory swapped for a link between the check and the
 * delete below it is followed by that delete (Java has no unlinkat relative to a directory opened
 * with O_NOFOLLOW on every file system), a window of a few system calls that takes write access to
 * the torrent's directory to use, the same as {@link FileStorage}'s.
 *
 * <p>{@link #plan} is pure (no file system); {@link #delete} carries a plan out.
 */
public final class DataRemoval {
    private DataRemoval() {
    }

    /** A file of the torrent: where it is, and whether it is a BEP 47 symbolic link of the torrent's own. */
    public record Target(Path path, boolean link) {
        public Target {
            Objects.requireNonNull(path, "path");
        }
    }

    /**
     * What to delete under {@code base}: {@code files} in torrent order (pad files, never on disk,
     * left out), then {@code directories}, deepest first, never {@code base} itself.
     */
    public record Plan(Path base, List<Target> files, List<Path> directories) {
        public Plan {
            files = List.copyOf(files);
            directories = List.copyOf(directories);
        }
    }

    /** Something of the torrent's left on disk, and why. */
    public record Left(Path path, String reason) {
    }

    /** What {@link #delete} did. */
    public record Report(List<Path> deleted, List<Left> left) {
        public Report {
            deleted = List.copyOf(deleted);
            left = List.copyOf(left);
        }
    }

    /**
     * The plan for {@code info} downloaded into {@code base} (the download directory, resolved).
     *
     * @throws IOException when a file's path would leave {@code base} (a torrent that could not
     *     have been opened there)
     */
    public static Plan plan(Path base, TorrentInfo info) throws IOException {
        Path root = base.toAbsolutePath().normalize();
        Path[] paths = FileStorage.resolve(root, info);
        List<Target> files = new ArrayList<>();
        Set<Path> directories = new LinkedHashSet<>();
        List<FileEntry> entries = info.files();
        for (int i = 0; i < paths.length; i++) {
            if (paths[i] == null) {
                continue; // a pad file
            }
            files.add(new Target(paths[i], entries.get(i).isSymlink()));
            for (Path dir = paths[i].getParent(); !dir.equals(root); dir = dir.getParent()) {
                directories.add(dir);
            }
        }
        List<Path> deepestFirst = new ArrayList<>(directories);
        deepestFirst.sort(Comparator.comparingInt(Path::getNameCount).reversed().thenComparing(Comparator.naturalOrder()));
        return new Plan(root, files, deepestFirst);
    }

    /**
     * Deletes the data of {@code info} in {@code downloadDirectory} (see the class comment), then
     * each of {@code elsewhere} (files of the torrent's outside it, such as the part file and the
     * resume file). Never throws for what is on disk: what could not be deleted is in the report.
     */
    public static Report delete(Path downloadDirectory, TorrentInfo info, List<Path> elsewhere) {
        Run run = new Run();
        Path base = null;
        try {
            base = downloadDirectory.toRealPath();
        } catch (NoSuchFileException e) {
            // nothing downloaded there
        } catch (IOException e) {
            run.leave(downloadDirectory, "cannot resolve the download directory: " + StorageException.reason(e));
        }
        if (base != null) {
            try {
                run.carryOut(plan(base, info));
            } catch (IOException e) {
                run.leave(downloadDirectory, e.getMessage());
            }
        }
        for (Path p : elsewhere) {
            try {
                if (Files.deleteIfExists(p)) { // removes a link itself, never its target
                    run.deleted.add(p);
                }
            } catch (IOException e) {
                run.leave(p, "cannot delete: " + StorageException.reason(e));
            }
        }
        return new Report(run.deleted, run.left);
    }

    /** One deletion's bookkeeping. */
    private static final class Run {
        final List<Path> deleted = new ArrayList<>();
        final List<Left> left = new ArrayList<>();
        /** Paths already reported, so a link on the way to many files is named once. */
        final Set<Path> reported = new HashSet<>();

        void leave(Path p, String reason) {
            if (reported.add(p)) {
                left.add(new Left(p, reason));
            }
        }

        void carryOut(Plan plan) {
            for (Target f : plan.files()) {
                if (clearWay(plan.base(), f.path())) {
                    deleteFile(f);
                }
            }
            for (Path d : plan.directories()) {
                if (clearWay(plan.base(), d)) {
                    deleteDirectory(d);
                }
            }
        }

        /**
         * Whether every directory from {@code base} down to {@code p}'s parent is a real directory,
         * no link followed; false (reporting the first that is not) otherwise, or when one is
         * missing (then {@code p} cannot be there).
         */
        boolean clearWay(Path base, Path p) {
            Path dir = base;
            for (Path name : base.relativize(p.getParent())) {
                dir = dir.resolve(name);
                BasicFileAttributes a = attributes(dir);
                if (a == null) {
                    return false;
                }
                if (a.isSymbolicLink()) {
                    leave(dir, "a symbolic link, not followed");
                    return false;
                }
                if (!a.isDirectory()) {
                    leave(dir, "not a directory");
                    return false;
                }
            }
            return true;
        }

        void deleteFile(Target f) {
            Path p = f.path();
            BasicFileAttributes a = attributes(p);
            if (a == null) {
                return;
            }
            if (f.link() != a.isSymbolicLink()) {
                leave(p, f.link() ? "not the torrent's symbolic link" : "a symbolic link, not followed");
                return;
            }
            if (!f.link() && !a.isRegularFile()) {
                leave(p, "not a regular file");
                return;
            }
            delete(p);
        }

        void deleteDirectory(Path d) {
            BasicFileAttributes a = attributes(d);
            if (a == null) {
                return;
            }
            if (a.isSymbolicLink()) {
                leave(d, "a symbolic link, not followed");
                return;
            }
            if (!a.isDirectory()) {
                leave(d, "not a directory");
                return;
            }
            delete(d);
        }

        void delete(Path p) {
            try {
                Files.delete(p);
                deleted.add(p);
            } catch (NoSuchFileException e) {
                // gone meanwhile
            } catch (DirectoryNotEmptyException e) {
                leave(p, "not empty: it holds what is not the torrent's");
            } catch (IOException e) {
                leave(p, "cannot delete: " + StorageException.reason(e));
            }
        }

        /** The attributes of {@code p} itself (a link's, not its target's); null when it is missing or unreadable. */
        BasicFileAttributes attributes(Path p) {
            try {
                return Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            } catch (NoSuchFileException e) {
                return null;
            } catch (IOException e) {
                leave(p, "cannot be read: " + StorageException.reason(e));
                return null;
            }
        }
    }
}
