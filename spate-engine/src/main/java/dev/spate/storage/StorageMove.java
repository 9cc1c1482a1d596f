package dev.spate.storage;

import dev.spate.core.InfoHash;
import dev.spate.metainfo.TorrentInfo;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Moves a torrent's files from one download directory to another, so that a kill at any moment
 * leaves each file wholly at its old place or wholly at its new one (now and then at both, the
 * same bytes), and the next start finishes the move ({@link #settle}).
 *
 * <p>The steps, in order: a {@link MoveJournal} is written ({@link MoveJournal.Phase#MOVING}),
 * naming both directories; each file of the torrent's metainfo that is at the old place goes to
 * the new one, by a rename where the file system allows, else by a copy to a temporary name
 * beside the target, fsync, a rename into place and only then the deletion of the source; the
 * directories the torrent's layout left empty at the old place are removed; the resume file and
 * the part file (which stay in the state directory) are renamed to the new directory's key; the
 * journal is rewritten {@link MoveJournal.Phase#MOVED}, so that the torrent added again with the
 * old directory is found at the new one. Every step can be done again: what a file needs is
 * decided afresh from what is on disk ({@link MovePlan#step}).
 *
 * <p>Refused before anything is touched ({@link #plan}): a target inside the torrent's own files at
 * the old place, and a target where one of the torrent's files already is with other content.
 *
 * <p>Not thread-safe; the caller makes sure nothing reads or writes the files meanwhile.
 */
public final class StorageMove {
    /** Suffix of the temporary name a copied file has in the target until it is whole. */
    static final String TEMPORARY_SUFFIX = ".spate-move";
    /** More moves than this in a row, recorded one after another, are taken for a loop. */
    private static final int MAX_HOPS = 32;

    /** Told of each step once it is done: where tests cut a move off, as a kill would. */
    @FunctionalInterface
    public interface Steps {
        Steps NONE = step -> { };

        void done(String step) throws IOException;
    }

    private final ResumeStore store;
    private final InfoHash hash;
    private final TorrentInfo info;
    private final Path from;
    private final Path to;
    private final Path[] sources;
    private final Path[] targets;
    /** Whether a rename is tried first; off in tests of the copy. */
    boolean renames = true;

    private StorageMove(ResumeStore store, InfoHash hash, TorrentInfo info, Path from, Path to) throws IOException {
        this.store = store;
        this.hash = hash;
        this.info = info;
        this.from = from.toAbsolutePath().normalize();
        this.to = to.toAbsolutePath().normalize();
        this.sources = FileStorage.resolve(this.from, info);
        this.targets = FileStorage.resolve(this.to, info);
    }

    /**
     * A move of the torrent from {@code from} to {@code to}, checked: nothing on disk is changed.
     *
     * @throws StorageException when the target is refused; the message names the path
     */
    public static StorageMove plan(ResumeStore store, InfoHash hash, TorrentInfo info, Path from, Path to)
            throws IOException {
        StorageMove move = new StorageMove(store, hash, info, from, to);
        if (move.isNothing()) {
            return move;
        }
        List<Path> tops = List.of(move.from.resolve(info.name()));
        Optional<String> refused = MovePlan.refuseTarget(move.to, tops);
        if (refused.isEmpty()) {
            refused = MovePlan.refuseTarget(real(move.to), tops.stream().map(StorageMove::real).toList());
        }
        if (refused.isPresent()) {
            throw new StorageException("cannot move " + info.name() + ": " + refused.get(), null);
        }
        for (int i = 0; i < move.sources.length; i++) {
            if (move.sources[i] != null && move.decide(i) instanceof MovePlan.Refuse r) {
                throw new StorageException("cannot move " + info.name() + " to " + move.to + ": " + r.reason(), null);
            }
        }
        return move;
    }

    /** Whether source and target are one directory: there is nothing to move. */
    public boolean isNothing() {
        return from.equals(to) || real(from).equals(real(to));
    }

    /** The directory the torrent goes to. */
    public Path target() {
        return to;
    }

    /** Does the move, telling {@code steps} of each step. */
    public void run(Steps steps) throws IOException {
        if (isNothing()) {
            return;
        }
        store.createDirectories();
        MoveJournal.write(journal(from), new MoveJournal.Entry(MoveJournal.Phase.MOVING, hash, from, to));
        store.moveJournalWritten(journal(from));
        steps.done("journal");
        finish(steps);
    }

    /**
     * Where the torrent {@code hash} added with {@code directory} lives, once any move recorded for
     * it is finished: {@code directory} when none is, else the last target.
     *
     * @throws IOException when a recorded move cannot be finished, or its journal is corrupt
     *     (naming it)
     */
    public static Path settle(ResumeStore store, InfoHash hash, TorrentInfo info, Path directory, Steps steps)
            throws IOException {
        Path dir = directory.toAbsolutePath().normalize();
        Set<Path> seen = new HashSet<>();
        for (int hop = 0; hop < MAX_HOPS && seen.add(dir); hop++) {
            Path file = store.moveLocation(hash, dir);
            Optional<MoveJournal.Entry> entry;
            try {
                entry = MoveJournal.read(file, hash);
            } catch (ResumeFile.Corrupt e) {
                throw new IOException("the move journal " + file + " is corrupt (" + e.getMessage() + "); delete it"
                        + " to use the torrent's files where they are", e);
            }
            if (entry.isEmpty() || !entry.get().from().equals(dir)) {
                finishMovesInto(store, hash, info, dir, steps);
                return dir;
            }
            if (entry.get().phase() == MoveJournal.Phase.MOVING) {
                new StorageMove(store, hash, info, dir, entry.get().to()).finish(steps);
            }
            dir = entry.get().to();
        }
        throw new IOException("the moves recorded for " + info.name() + " in " + store.stateDirectory()
                + " go round in a loop from " + directory);
    }

    /**
     * Finishes the moves still under way into {@code dir}: the torrent added again with the
     * directory it was being moved to, whose journal is keyed by the one it left.
     */
    private static void finishMovesInto(ResumeStore store, InfoHash hash, TorrentInfo info, Path dir, Steps steps)
            throws IOException {
        // The store's listing, not the directory's: a thousand torrents added would list it a thousand times.
        for (Path file : store.moveJournalsOf(hash)) {
            Optional<MoveJournal.Entry> entry;
            try {
                entry = MoveJournal.read(file, hash);
            } catch (ResumeFile.Corrupt e) {
                continue; // another directory's; its own add reports it
            }
            if (entry.isPresent() && entry.get().phase() == MoveJournal.Phase.MOVING && entry.get().to().equals(dir)
                    && file.equals(store.moveLocation(hash, entry.get().from()))) {
                new StorageMove(store, hash, info, entry.get().from(), dir).finish(steps);
            }
        }
    }

    /** Every step after the journal; each may have been done before, by a run a kill cut off. */
    private void finish(Steps steps) throws IOException {
        for (int i = 0; i < sources.length; i++) {
            if (sources[i] == null) {
                continue; // a pad file, never on disk
            }
            Files.deleteIfExists(temporary(targets[i])); // a copy a kill cut off
            switch (decide(i)) {
                case MovePlan.Nothing n -> { }
                case MovePlan.Move m -> {
                    place(sources[i], targets[i]);
                    steps.done("placed " + i);
                    delete(sources[i]);
                }
                case MovePlan.DropSource d -> delete(sources[i]);
                case MovePlan.Refuse r -> throw new StorageException("cannot finish moving " + info.name() + " to " + to
                        + ": " + r.reason(), null);
            }
            steps.done("moved " + i);
        }
        removeEmptyDirectories();
        steps.done("directories");
        for (Path[] pair : List.of(new Path[] {store.location(hash, from), store.location(hash, to)},
                new Path[] {store.partsLocation(hash, from), store.partsLocation(hash, to)})) {
            if (Files.exists(pair[0], LinkOption.NOFOLLOW_LINKS)) {
                Files.move(pair[0], pair[1], StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            }
        }
        steps.done("state files");
        // A record of an earlier move away from the target would send the torrent back: gone first.
        Files.deleteIfExists(journal(to));
        MoveJournal.write(journal(from), new MoveJournal.Entry(MoveJournal.Phase.MOVED, hash, from, to));
        store.moveJournalWritten(journal(from));
        steps.done("recorded");
    }

    private Path journal(Path directory) {
        return store.moveLocation(hash, directory);
    }

    /** What file {@code i} needs now, from what is at both its places. */
    private MovePlan.Step decide(int i) throws IOException {
        // As FileStorage, which never follows a link below the download directory: none on the way.
        for (Path d = to.resolve(info.name()); !d.equals(targets[i]); d = d.resolve(targets[i].getName(d.getNameCount()))) {
            MovePlan.Kind k = kind(d);
            if (k == MovePlan.Kind.MISSING) {
                break;
            }
            if (k != MovePlan.Kind.OTHER || !Files.isDirectory(d, LinkOption.NOFOLLOW_LINKS)) {
                return new MovePlan.Refuse(d + " is in the way: " + (k == MovePlan.Kind.LINK ? "a symbolic link"
                        : "not a directory"));
            }
        }
        MovePlan.Kind source = kind(sources[i]);
        MovePlan.Kind target = kind(targets[i]);
        boolean same = source == target && source != MovePlan.Kind.MISSING && same(sources[i], targets[i], source);
        return MovePlan.step(sources[i], source, targets[i], target, same);
    }

    private static MovePlan.Kind kind(Path p) throws IOException {
        BasicFileAttributes a;
        try {
            a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            return MovePlan.Kind.MISSING;
        } catch (java.nio.file.FileSystemException e) {
            if (e.getReason() != null && e.getReason().contains("Not a directory")) {
                return MovePlan.Kind.MISSING; // a file stands where a directory on its way would be
            }
            throw e;
        }
        return a.isRegularFile() ? MovePlan.Kind.FILE : a.isSymbolicLink() ? MovePlan.Kind.LINK : MovePlan.Kind.OTHER;
    }

    private static boolean same(Path a, Path b, MovePlan.Kind kind) throws IOException {
        if (kind == MovePlan.Kind.LINK) {
            return Files.readSymbolicLink(a).equals(Files.readSymbolicLink(b));
        }
        return kind == MovePlan.Kind.FILE && Files.size(a) == Files.size(b) && Files.mismatch(a, b) == -1;
    }

    /** Puts {@code source} at {@code target} whole: a rename, or a copy synced and renamed into place. */
    private void place(Path source, Path target) throws IOException {
        Files.createDirectories(target.getParent());
        if (renames) {
            try {
                Files.move(source, target, StandardCopyOption.ATOMIC_MOVE);
                ResumeFile.syncDirectory(target.getParent());
                return;
            } catch (AtomicMoveNotSupportedException e) {
                // another file system: copied below
            }
        }
        Path temp = temporary(target);
        if (Files.isSymbolicLink(source)) {
            Files.createSymbolicLink(temp, Files.readSymbolicLink(source));
        } else {
            Files.copy(source, temp, StandardCopyOption.COPY_ATTRIBUTES, LinkOption.NOFOLLOW_LINKS);
            try (FileChannel ch = FileChannel.open(temp, StandardOpenOption.WRITE)) {
                ch.force(true);
            }
        }
        Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
        ResumeFile.syncDirectory(target.getParent());
    }

    private static void delete(Path source) throws IOException {
        Files.deleteIfExists(source);
        ResumeFile.syncDirectory(source.getParent());
    }

    static Path temporary(Path target) {
        return target.resolveSibling("." + target.getFileName() + TEMPORARY_SUFFIX);
    }

    /** The directories of the torrent's layout at the old place, deepest first, where empty. */
    private void removeEmptyDirectories() throws IOException {
        Set<Path> dirs = new HashSet<>();
        for (Path p : sources) {
            for (Path d = p == null ? null : p.getParent(); d != null && d.startsWith(from) && !d.equals(from);
                    d = d.getParent()) {
                dirs.add(d);
            }
        }
        List<Path> deepestFirst = new ArrayList<>(dirs);
        deepestFirst.sort(Comparator.comparingInt(Path::getNameCount).reversed());
        for (Path d : deepestFirst) {
            try {
                if (Files.isDirectory(d, LinkOption.NOFOLLOW_LINKS)) {
                    Files.delete(d);
                }
            } catch (DirectoryNotEmptyException | NoSuchFileException e) {
                // the user's files are in it, or it is gone already
            }
        }
    }

    /** {@code p} with the symbolic links of its deepest existing ancestor resolved. */
    private static Path real(Path p) {
        Path existing = p;
        while (existing.getParent() != null && !Files.exists(existing)) {
            existing = existing.getParent();
        }
        try {
            return existing.toRealPath().resolve(existing.relativize(p)).normalize();
        } catch (IOException e) {
            return p;
        }
    }

    @Override
    public String toString() {
        return "move of " + info.name() + " from " + from + " to " + to;
    }
}
