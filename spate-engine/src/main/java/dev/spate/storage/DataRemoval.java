package dev.spate.storage;

import dev.spate.metainfo.FileEntry;
import dev.spate.metainfo.TorrentInfo;

import java.io.IOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.attribute.BasicFileAttributeView;
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
 * its target). Where the platform offers a {@link SecureDirectoryStream} (Linux, macOS, the BSDs),
 * every step is taken relative to an open directory, each opened with O_NOFOLLOW, so a directory
 * swapped for a link after it was looked at is refused, never followed. Elsewhere each path is
 * looked at (without following) just before its use, and what is left is a window of a few system
 * calls, as in {@link FileStorage}, for a directory to be swapped for a link by whoever can write
 * in the torrent's directory.
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
        return delete(downloadDirectory, info, elsewhere, true);
    }

    /** {@link #delete}; {@code secure} false goes by paths even where a {@link SecureDirectoryStream} is there (for tests). */
    static Report delete(Path downloadDirectory, TorrentInfo info, List<Path> elsewhere, boolean secure) {
        Run run = new Run(secure);
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
        final boolean secure;

        Run(boolean secure) {
            this.secure = secure;
        }

        void leave(Path p, String reason) {
            if (reported.add(p)) {
                left.add(new Left(p, reason));
            }
        }

        void carryOut(Plan plan) {
            Path base = plan.base();
            try (Directory top = Directory.open(base, secure)) {
                for (Target f : plan.files()) {
                    remove(top, base, f.path(), f.link() ? Kind.LINK : Kind.FILE);
                }
                for (Path d : plan.directories()) {
                    remove(top, base, d, Kind.DIRECTORY);
                }
            } catch (IOException e) {
                leave(base, "cannot open the download directory: " + StorageException.reason(e));
            }
        }

        /**
         * Goes from {@code top} down to {@code p}'s directory, one real directory at a time (no link
         * followed), and deletes {@code p} there if it is of {@code kind}; reports what stands in
         * the way or is not of that kind.
         */
        void remove(Directory top, Path base, Path p, Kind kind) {
            List<Directory> opened = new ArrayList<>();
            try {
                Directory dir = top;
                Path at = base;
                // (relativize of base to itself is the empty path, whose one name is "": no step)
                Iterable<Path> way = p.getParent().equals(base) ? List.of() : base.relativize(p.getParent());
                for (Path name : way) {
                    at = at.resolve(name);
                    BasicFileAttributes a = attributes(dir, name, at);
                    if (a == null) {
                        return; // missing: nothing of the torrent's below it
                    }
                    if (a.isSymbolicLink()) {
                        leave(at, "a symbolic link, not followed");
                        return;
                    }
                    if (!a.isDirectory()) {
                        leave(at, "not a directory");
                        return;
                    }
                    try {
                        dir = dir.enter(name);
                    } catch (IOException e) {
                        // Swapped for a link since the look: the open refuses to follow it.
                        leave(at, "cannot be entered without following a link: " + StorageException.reason(e));
                        return;
                    }
                    opened.add(dir);
                }
                Path name = p.getFileName();
                BasicFileAttributes a = attributes(dir, name, p);
                if (a == null) {
                    return;
                }
                String refusal = kind.refusal(a);
                if (refusal != null) {
                    leave(p, refusal);
                    return;
                }
                try {
                    if (kind == Kind.DIRECTORY) {
                        dir.deleteDirectory(name);
                    } else {
                        dir.deleteFile(name); // unlink: a link goes, never its target
                    }
                    deleted.add(p);
                } catch (NoSuchFileException e) {
                    // gone meanwhile
                } catch (DirectoryNotEmptyException e) {
                    leave(p, "not empty: it holds what is not the torrent's");
                } catch (IOException e) {
                    leave(p, "cannot delete: " + StorageException.reason(e));
                }
            } finally {
                for (int i = opened.size() - 1; i >= 0; i--) {
                    opened.get(i).close();
                }
            }
        }

        /** The attributes of {@code name} in {@code dir} itself (a link's, not its target's); null when missing or unreadable. */
        BasicFileAttributes attributes(Directory dir, Path name, Path full) {
            try {
                return dir.attributes(name);
            } catch (NoSuchFileException e) {
                return null;
            } catch (IOException e) {
                leave(full, "cannot be read: " + StorageException.reason(e));
                return null;
            }
        }
    }

    /** What a path of the plan is to be, to be deleted. */
    private enum Kind {
        FILE, LINK, DIRECTORY;

        /** Why something with attributes {@code a} is not deleted as this kind; null when it is. */
        String refusal(BasicFileAttributes a) {
            return switch (this) {
                case FILE -> a.isSymbolicLink() ? "a symbolic link, not followed"
                        : a.isRegularFile() ? null : "not a regular file";
                case LINK -> a.isSymbolicLink() ? null : "not the torrent's symbolic link";
                case DIRECTORY -> a.isSymbolicLink() ? "a symbolic link, not followed"
                        : a.isDirectory() ? null : "not a directory";
            };
        }
    }

    /**
     * A directory to look into, go down from, and delete in. Where the platform has it (Linux, the
     * BSDs, macOS), a {@link SecureDirectoryStream}: every step is relative to the directory's open
     * descriptor (openat with O_NOFOLLOW, fstatat, unlinkat), so a directory swapped for a link after
     * it was looked at is refused rather than followed. Elsewhere, plain paths, each looked at without
     * following links just before it is used (the race the class comment describes).
     */
    interface Directory extends AutoCloseable {
        BasicFileAttributes attributes(Path name) throws IOException;

        Directory enter(Path name) throws IOException;

        void deleteFile(Path name) throws IOException;

        void deleteDirectory(Path name) throws IOException;

        @Override
        void close();

        static Directory open(Path dir, boolean secureIfAny) throws IOException {
            if (secureIfAny) {
                DirectoryStream<Path> stream = Files.newDirectoryStream(dir);
                if (stream instanceof SecureDirectoryStream<Path> secure) {
                    return new Secure(secure);
                }
                stream.close();
            }
            if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
                throw new IOException(dir + " is not a directory");
            }
            return new ByPath(dir);
        }
    }

    private record Secure(SecureDirectoryStream<Path> stream) implements Directory {
        @Override
        public BasicFileAttributes attributes(Path name) throws IOException {
            return stream.getFileAttributeView(name, BasicFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
                    .readAttributes();
        }

        @Override
        public Directory enter(Path name) throws IOException {
            return new Secure(stream.newDirectoryStream(name, LinkOption.NOFOLLOW_LINKS));
        }

        @Override
        public void deleteFile(Path name) throws IOException {
            stream.deleteFile(name);
        }

        @Override
        public void deleteDirectory(Path name) throws IOException {
            stream.deleteDirectory(name);
        }

        @Override
        public void close() {
            try {
                stream.close();
            } catch (IOException ignored) {
                // a read-only descriptor: nothing to lose
            }
        }
    }

    private record ByPath(Path dir) implements Directory {
        @Override
        public BasicFileAttributes attributes(Path name) throws IOException {
            return Files.readAttributes(dir.resolve(name), BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        }

        @Override
        public Directory enter(Path name) throws IOException {
            Path next = dir.resolve(name);
            if (!Files.readAttributes(next, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).isDirectory()) {
                throw new IOException(next + " is no longer a directory");
            }
            return new ByPath(next);
        }

        @Override
        public void deleteFile(Path name) throws IOException {
            Files.delete(dir.resolve(name));
        }

        @Override
        public void deleteDirectory(Path name) throws IOException {
            Files.delete(dir.resolve(name));
        }

        @Override
        public void close() {
        }
    }
}
