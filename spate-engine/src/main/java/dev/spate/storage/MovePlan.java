package dev.spate.storage;

import java.nio.file.Path;
import java.util.Collection;
import java.util.Optional;

/**
 * The decisions of a {@link StorageMove}, apart from the disk: what one file of the torrent needs,
 * given what is at its old place and at its new one, and whether a target directory may be used
 * at all. Stateless; every input is an observation the caller made.
 */
final class MovePlan {
    private MovePlan() {
    }

    /** What stands at a file's path (never following a symbolic link). */
    enum Kind {
        MISSING,
        /** A regular file. */
        FILE,
        /** A symbolic link. */
        LINK,
        /** A directory or anything else that is no file. */
        OTHER
    }

    /** What to do for one file. */
    sealed interface Step {
    }

    /** Nothing of the torrent's is at the old place (never downloaded, or moved already). */
    record Nothing() implements Step {
    }

    /** Move it: rename, or copy, sync and rename into place, then delete the source. */
    record Move() implements Step {
    }

    /** The target holds the same already (a move cut off after its copy): delete the source. */
    record DropSource() implements Step {
    }

    /** Refuse the move, for the reason given (which names the path). */
    record Refuse(String reason) implements Step {
    }

    /**
     * The step for one file whose old place holds {@code source} and new place {@code target};
     * {@code same} says whether both hold the same (bytes of a file, target of a link; only
     * asked when both are the same kind).
     */
    static Step step(Path sourcePath, Kind source, Path targetPath, Kind target, boolean same) {
        return switch (source) {
            case MISSING -> new Nothing();
            case OTHER -> new Refuse(sourcePath + " is not a file");
            case FILE, LINK -> {
                if (target == Kind.MISSING) {
                    yield new Move();
                }
                if (target != source) {
                    yield new Refuse(targetPath + " already exists and is " + describe(target) + ", not "
                            + describe(source));
                }
                yield same ? new DropSource() : new Refuse(targetPath + " already exists with other content");
            }
        };
    }

    private static String describe(Kind k) {
        return switch (k) {
            case MISSING -> "missing";
            case FILE -> "a file";
            case LINK -> "a symbolic link";
            case OTHER -> "a directory or special file";
        };
    }

    /**
     * Why the torrent may not go to {@code to}, if it may not: inside one of its own files or
     * directories at the old place ({@code tops}, each {@code from/<name>}), where the move would
     * put files into what it is moving. Paths absolute and normalized; the caller asks again with
     * symbolic links resolved.
     */
    static Optional<String> refuseTarget(Path to, Collection<Path> tops) {
        for (Path top : tops) {
            if (to.startsWith(top)) {
                return Optional.of("the target " + to + " is inside the torrent's own " + top);
            }
        }
        return Optional.empty();
    }
}
