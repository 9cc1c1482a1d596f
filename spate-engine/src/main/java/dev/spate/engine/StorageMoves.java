package dev.spate.engine;

import dev.spate.core.InfoHash;
import dev.spate.metainfo.TorrentInfo;
import dev.spate.storage.Storage;
import dev.spate.storage.StorageException;
import dev.spate.storage.StorageMove;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;

/**
 * Runs a torrent's {@link StorageMove} off its loop, on a thread of its own (a copy between file
 * systems takes as long as the data is large, and must not hold up the disk pool), with the
 * torrent's {@link MovableStorage} held while the files move. Stateless.
 */
final class StorageMoves {
    /**
     * The steps of every move in this JVM are told here. Only for tests: a child process stops a
     * move at a step and is killed there, to show that the next start finishes it.
     */
    static volatile StorageMove.Steps steps = StorageMove.Steps.NONE;

    private StorageMoves() {
    }

    /** A move that failed after its first file was touched: the torrent's files may be at both places. */
    static final class Broken extends IOException {
        Broken(String message, IOException cause) {
            super(message, cause);
        }
    }

    /**
     * Moves the files of {@code info} in {@code storage} from {@code from} to {@code to}; the future
     * gives the new directory, or fails with an {@link IllegalArgumentException} when the target
     * is refused (nothing changed), an {@link IOException} when the files could not be looked at
     * (nothing changed), or a {@link Broken} when the move failed midway.
     */
    static CompletableFuture<Path> start(TorrentContext context, InfoHash hash, TorrentInfo info, Path from, Path to,
                                         MovableStorage storage) {
        CompletableFuture<Path> done = new CompletableFuture<>();
        Thread.ofPlatform().daemon().name("move " + info.name()).start(() -> {
            Path[] where = {to.toAbsolutePath().normalize()};
            try {
                storage.replace((old, wanted) -> {
                    StorageMove move;
                    try {
                        // Planned with the files held: nothing can appear at either place meanwhile.
                        move = StorageMove.plan(context.resumes(), hash, info, from, to);
                    } catch (StorageException e) {
                        throw new IllegalArgumentException(e.getMessage(), e);
                    }
                    if (move.isNothing()) {
                        where[0] = from; // the same directory by another name: it stays as it is
                        return old;
                    }
                    old.close();
                    try {
                        move.run(steps);
                    } catch (IOException | RuntimeException e) {
                        String why = "moving " + info.name() + " from " + from + " to " + to + " failed: "
                                + Messages.message(e) + "; adding the torrent again finishes the move";
                        // What is left at the old place, opened again, so the torrent can still close it.
                        Storage reopened = reopen(context, hash, info, from, wanted);
                        done.completeExceptionally(new Broken(why, e instanceof IOException io ? io : new IOException(e)));
                        return reopened != null ? reopened : old;
                    }
                    return context.storage().open(info, move.target(),
                            context.resumes().partsLocation(hash, move.target()), wanted);
                });
                done.complete(where[0]);
            } catch (IOException | RuntimeException e) {
                done.completeExceptionally(e);
            }
        });
        return done;
    }

    private static Storage reopen(TorrentContext context, InfoHash hash, TorrentInfo info, Path dir,
                                                    boolean[] wanted) {
        try {
            return context.storage().open(info, dir, context.resumes().partsLocation(hash, dir), wanted);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }
}
