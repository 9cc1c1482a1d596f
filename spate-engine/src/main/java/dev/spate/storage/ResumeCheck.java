package dev.spate.storage;

import dev.spate.core.Bitfield;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * What a torrent has on disk when it starts: the resume file's bitfield ({@link ResumeStore}) when
 * every file still has the size and modification time it recorded, otherwise the pieces found by
 * hashing ({@link Recheck}). Any write after the resume file was saved changes a modification time,
 * so a crash mid-download costs a recheck, never a wrong bitfield; and a save forces the data to the
 * device before it writes the resume file, so the resume data only ever lists pieces whose writes
 * completed and were flushed. The part file of unwanted files' bytes ({@link PartFile}) is not among
 * the files compared: the pieces it should hold are hashed again ({@link Storage#keptPiecesLost}),
 * so one deleted or damaged while stopped costs those pieces, fetched again, never a wrong bitfield.
 */
public final class ResumeCheck {
    /**
     * @param have the pieces on disk
     * @param trusted whether they came from the resume file as it is (true), or from hashing or
     *     the resume file less the pieces the part file lost (false: the resume file is to be saved again)
     */
    public record Outcome(Bitfield have, boolean trusted) {
    }

    private ResumeCheck() {
    }

    /**
     * Works out what {@code storage} holds, on {@code io}'s pool. The progress callback is called
     * only when hashing.
     */
    public static CompletableFuture<Outcome> load(DiskIo io, Storage storage, ResumeStore.Entry resume,
                                                  Recheck.Progress progress) {
        return CompletableFuture.supplyAsync(() -> {
            Optional<ResumeFile.State> saved = resume.load(storage.info());
            if (saved.isEmpty()) {
                return null;
            }
            try {
                List<FileStat> now = storage.stat();
                if (!now.equals(saved.get().files())) {
                    return null;
                }
                // The part file is not among the files checked: what it held and lost is missing.
                Bitfield have = saved.get().have();
                List<Integer> lost = storage.keptPiecesLost(have);
                lost.forEach(have::clear);
                return new Outcome(have, lost.isEmpty());
            } catch (IOException e) {
                return null; // cannot tell; hashing will say
            }
        }, io.pool()).thenCompose(trusted -> trusted != null
                ? CompletableFuture.completedFuture(trusted)
                : io.recheck(storage, progress).thenApply(have -> new Outcome(have, false)));
    }

    /**
     * Records {@code have}, pieces whose writes have completed, with the files' current sizes and
     * modification times: first {@link Storage#flush} forces the files written since the last save
     * to the device, and only then is the resume file written, so it never lists a piece a power
     * cut could still take away. When the flush fails nothing is written. Call on a disk thread or
     * at shutdown; a write in flight meanwhile makes the record stale at once (harmless: a recheck).
     *
     * @throws IOException naming the file that could not be flushed or written
     */
    public static void save(Storage storage, ResumeStore.Entry resume, Bitfield have) throws IOException {
        storage.flush();
        resume.save(have, storage.stat());
    }

    /** {@link #save} on {@code io}'s pool. */
    public static CompletableFuture<Void> saveAsync(DiskIo io, Storage storage, ResumeStore.Entry resume, Bitfield have) {
        Bitfield snapshot = have.copy();
        return CompletableFuture.runAsync(() -> {
            try {
                save(storage, resume, snapshot);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }, io.pool());
    }
}
