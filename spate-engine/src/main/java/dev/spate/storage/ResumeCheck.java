package dev.spate.storage;

import dev.spate.core.Bitfield;
import dev.spate.metainfo.FileEntry;
import dev.spate.metainfo.FileLayout;
import dev.spate.metainfo.FileSpan;
import dev.spate.metainfo.TorrentInfo;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * What a torrent has on disk when it starts, from its resume file ({@link ResumeStore}) and as
 * little hashing ({@link Recheck}) as that allows:
 * <ul>
 * <li>every file still has the size and modification time recorded: the saved bitfield, as it is;
 * <li>some file changed, and the file was written by a save while the torrent ran
 *     ({@link ResumeFile.State#clean()} false): the process ended without stopping the torrent (a
 *     crash, a kill, a power cut), and the changes are most likely its own writes of the pieces
 *     verified after that save. The saved pieces are kept, except those whose bytes no longer lie
 *     within the files (one shrank or vanished), and only the others are hashed, to find the pieces
 *     completed after the save rather than fetch them again;
 * <li>some file changed, and the file was written when the torrent stopped (or was complete):
 *     something else changed the files while we did not run: every piece is hashed.
 * </ul>
 * The middle case is safe because the engine never rewrites a verified piece with other bytes
 * ({@link Storage}: only verified pieces are written, each whole; a piece fetched again after a
 * recheck found it damaged is written with the same verified bytes), and a save forces the data to
 * the device before it writes the resume file ({@link #save}): every piece a resume file lists was
 * durable when it was written, and nothing the engine did afterwards can have changed those bytes.
 * What it cannot see is someone else changing a saved piece's bytes in place after a crash; that
 * is the price of not hashing everything after every crash, and a recheck finds it.
 *
 * <p>Any write after a save changes a modification time, so a wrong bitfield is never trusted in
 * the first case either; and the resume data only ever lists pieces whose writes completed and
 * were flushed. The part file of unwanted files' bytes ({@link PartFile}) is not among the files
 * compared: the pieces it should hold are hashed again ({@link Storage#keptPiecesLost}) in every
 * case, so one deleted or damaged while stopped costs those pieces, fetched again, never a wrong
 * bitfield.
 */
public final class ResumeCheck {
    /**
     * @param have the pieces on disk
     * @param trusted whether they came from the resume file as it is (true), or from hashing or
     *     the resume file less the pieces the part file lost (false: the resume file is to be saved again)
     * @param clean whether the resume file on disk says a stop wrote it ({@link ResumeFile.State#clean()});
     *     false when there is none
     */
    public record Outcome(Bitfield have, boolean trusted, boolean clean) {
    }

    /** What the resume file lets the check skip: {@code kept} is had without hashing, {@code toHash} is hashed. */
    record Plan(Bitfield kept, Bitfield toHash, boolean trusted, boolean clean) {
        static Plan hashAll(TorrentInfo info, boolean clean) {
            Bitfield all = new Bitfield(info.pieceCount());
            all.setAll();
            return new Plan(new Bitfield(info.pieceCount()), all, false, clean);
        }
    }

    private ResumeCheck() {
    }

    /**
     * Works out what {@code storage} holds, on {@code io}'s pool. The progress callback is called
     * only when hashing, for the pieces hashed ({@code total} is their number).
     */
    public static CompletableFuture<Outcome> load(DiskIo io, Storage storage, ResumeStore.Entry resume,
                                                  Recheck.Progress progress) {
        return CompletableFuture.supplyAsync(() -> plan(storage, resume), io.pool())
                .thenCompose(plan -> plan.toHash().isEmpty()
                        ? CompletableFuture.completedFuture(new Outcome(plan.kept(), plan.trusted(), plan.clean()))
                        : io.recheck(storage, plan.toHash(), progress).thenApply(found -> {
                            Bitfield have = plan.kept();
                            for (int p = found.nextSet(0); p >= 0; p = found.nextSet(p + 1)) {
                                have.set(p);
                            }
                            return new Outcome(have, false, plan.clean());
                        }));
    }

    /** Decides, from the resume file and the files as they are now, what to hash. Reads no piece. */
    static Plan plan(Storage storage, ResumeStore.Entry resume) {
        TorrentInfo info = storage.info();
        Optional<ResumeFile.State> read = resume.load(info);
        if (read.isEmpty()) {
            return Plan.hashAll(info, false);
        }
        ResumeFile.State saved = read.get();
        try {
            List<FileStat> now = storage.stat();
            Bitfield kept;
            if (now.equals(saved.files())) {
                kept = saved.have();
            } else if (!saved.clean()) {
                kept = stillInFiles(info, saved.have(), saved.files(), now);
            } else {
                return Plan.hashAll(info, true);
            }
            // The part file is not among the files compared: what it held and lost is missing.
            List<Integer> lost = storage.keptPiecesLost(kept);
            lost.forEach(kept::clear);
            boolean trusted = lost.isEmpty() && now.equals(saved.files());
            Bitfield toHash = new Bitfield(info.pieceCount());
            if (!now.equals(saved.files())) {
                // Not the kept ones: the pieces verified after the save, and those just dropped
                // (hashing a piece whose file is too short costs no read; see Storage#readPiece).
                for (int p = kept.nextClear(0); p >= 0; p = kept.nextClear(p + 1)) {
                    toHash.set(p);
                }
            }
            return new Plan(kept, toHash, trusted, saved.clean());
        } catch (IOException e) {
            return Plan.hashAll(info, saved.clean()); // cannot tell; hashing will say
        }
    }

    /**
     * Of {@code have}, saved with the files as {@code then}, the pieces whose bytes can still be
     * where they were written: every part of the piece lies in a file that was on disk at the save
     * and is still at least as long as the part needs. A part in a file that was missing at the save
     * (its bytes were kept in the part file, or the file is a BEP 47 pad file) counts only while the
     * file is still missing: bytes moved into it from the part file since may not have reached the
     * device, so such a piece is hashed rather than trusted.
     */
    static Bitfield stillInFiles(TorrentInfo info, Bitfield have, List<FileStat> then, List<FileStat> now) {
        FileLayout layout = info.layout();
        Bitfield kept = new Bitfield(info.pieceCount());
        for (int p = have.nextSet(0); p >= 0; p = have.nextSet(p + 1)) {
            boolean there = true;
            for (FileSpan span : layout.spans(p, 0, info.pieceSize(p))) {
                int f = span.fileIndex();
                FileEntry file = info.files().get(f);
                boolean fits = then.get(f).exists()
                        ? now.get(f).exists() && now.get(f).size() >= span.fileOffset() + span.length()
                        : file.isPad() || !now.get(f).exists();
                if (!fits) {
                    there = false;
                    break;
                }
            }
            if (there) {
                kept.set(p);
            }
        }
        return kept;
    }

    /**
     * Records {@code have}, pieces whose writes have completed, with the files' current sizes and
     * modification times, and whether the torrent is stopped ({@code clean}: no write of it follows
     * until it starts again) or still running: first {@link Storage#flush} forces the files written
     * since the last save to the device, and only then is the resume file written, so it never
     * lists a piece a power cut could still take away. When the flush fails nothing is written.
     * Call on a disk thread or at shutdown; a write in flight meanwhile makes the record stale at
     * once (harmless: the piece is hashed or fetched again).
     *
     * @throws IOException naming the file that could not be flushed or written
     */
    public static void save(Storage storage, ResumeStore.Entry resume, Bitfield have, boolean clean) throws IOException {
        storage.flush();
        resume.save(have, storage.stat(), clean);
    }

    /** {@link #save} on {@code io}'s pool. */
    public static CompletableFuture<Void> saveAsync(DiskIo io, Storage storage, ResumeStore.Entry resume, Bitfield have,
                                                    boolean clean) {
        Bitfield snapshot = have.copy();
        return CompletableFuture.runAsync(() -> {
            try {
                save(storage, resume, snapshot, clean);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }, io.pool());
    }
}
