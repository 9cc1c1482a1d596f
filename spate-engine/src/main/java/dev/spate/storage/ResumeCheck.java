package dev.spate.storage;

import dev.spate.core.Bitfield;
import dev.spate.core.InfoHash;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * What a torrent has on disk when it starts: the resume file's bitfield when every file still has
 * the size and modification time it recorded, otherwise the pieces found by hashing
 * ({@link Recheck}). Any write after the resume file was saved changes a modification time, so a
 * crash mid-download costs a recheck, never a wrong bitfield.
 */
public final class ResumeCheck {
    /**
     * @param have the pieces on disk
     * @param trusted whether they came from the resume file (true) or from hashing (false)
     */
    public record Outcome(Bitfield have, boolean trusted) {
    }

    private ResumeCheck() {
    }

    /**
     * Works out what {@code storage} holds, on {@code io}'s pool. The progress callback is called
     * only when hashing.
     */
    public static CompletableFuture<Outcome> load(DiskIo io, Storage storage, Path resumeFile, InfoHash infoHash,
                                                  Recheck.Progress progress) {
        return CompletableFuture.supplyAsync(() -> {
            Optional<ResumeFile.State> saved = ResumeFile.read(resumeFile, infoHash, storage.info());
            if (saved.isEmpty()) {
                return null;
            }
            try {
                List<FileStat> now = storage.stat();
                return now.equals(saved.get().files()) ? saved.get().have() : null;
            } catch (IOException e) {
                return null; // cannot tell; hashing will say
            }
        }, io.pool()).thenCompose(trusted -> trusted != null
                ? CompletableFuture.completedFuture(new Outcome(trusted, true))
                : io.recheck(storage, progress).thenApply(have -> new Outcome(have, false)));
    }

    /**
     * Flushes {@code storage} (so every piece claimed is durable) and records {@code have} with the
     * files' current sizes and modification times. Call on a disk thread or at shutdown, with no
     * write in flight for this torrent, or the record goes stale at once (harmless: a recheck).
     */
    public static void save(Storage storage, Path resumeFile, InfoHash infoHash, Bitfield have) throws IOException {
        storage.flush();
        ResumeFile.write(resumeFile, new ResumeFile.State(infoHash, have, storage.stat()));
    }

    /** {@link #save} on {@code io}'s pool. */
    public static CompletableFuture<Void> saveAsync(DiskIo io, Storage storage, Path resumeFile, InfoHash infoHash,
                                                    Bitfield have) {
        Bitfield snapshot = have.copy();
        return CompletableFuture.runAsync(() -> {
            try {
                save(storage, resumeFile, infoHash, snapshot);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }, io.pool());
    }
}
