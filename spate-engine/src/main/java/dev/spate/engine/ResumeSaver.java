package dev.spate.engine;

import dev.spate.core.Bitfield;
import dev.spate.core.Clock;
import dev.spate.storage.DiskIo;
import dev.spate.storage.ResumeCheck;
import dev.spate.storage.ResumeStore;
import dev.spate.storage.Storage;
import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * When a torrent's resume data is written: after new pieces, at most every 30 s while
 * downloading, and at once on completion and pause. A save runs on the disk pool (the loop never
 * waits on the disk) and its outcome comes back to the loop; one at a time. The last save, once
 * the loop is over, runs on the caller's thread.
 *
 * <p>Not thread-safe: owned by the torrent's loop, until {@link #saveNow} after it ended.
 */
final class ResumeSaver {
    private static final System.Logger LOG = System.getLogger(ResumeSaver.class.getName());
    static final long INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(30);

    private final DiskIo disk;
    private final Storage storage;
    private ResumeStore.Entry entry;
    private final Clock clock;
    private final Supplier<Bitfield> have;
    private final Predicate<Runnable> post;
    private boolean dirty;
    private boolean saving;
    private long lastSave;
    private boolean warned;
    /** Written on the loop, read by whoever stops the torrent once the loop is over. */
    private volatile CompletableFuture<Void> inFlight = CompletableFuture.completedFuture(null);

    ResumeSaver(DiskIo disk, Storage storage, ResumeStore.Entry entry, Clock clock, Supplier<Bitfield> have,
                Predicate<Runnable> post) {
        this.disk = disk;
        this.storage = storage;
        this.entry = entry;
        this.clock = clock;
        this.have = have;
        this.post = post;
        this.lastSave = clock.nanoTime();
    }

    /** The last save started on the pool (done when none is). Any thread. */
    CompletableFuture<Void> inFlight() {
        return inFlight;
    }

    ResumeStore.Entry entry() {
        return entry;
    }

    /** The torrent's files moved: its resume data is the new directory's from now on. */
    void moveTo(ResumeStore.Entry moved) {
        entry = moved;
    }

    /** Something to save: a verified piece, or resume data that did not match the files. */
    void changed() {
        dirty = true;
    }

    /** Once a second: saves when there is something and the last save is old enough. */
    void tick() {
        if (dirty && clock.nanoTime() - lastSave > INTERVAL_NANOS) {
            save();
        }
    }

    /** Saves now on the disk pool, unless nothing changed or a save is under way. */
    void save() {
        if (!dirty || saving) {
            return;
        }
        dirty = false;
        saving = true;
        lastSave = clock.nanoTime();
        CompletableFuture<Void> save = ResumeCheck.saveAsync(disk, storage, entry, have.get());
        inFlight = save;
        save.whenComplete((ok, failure) -> post.test(() -> {
                    saving = false;
                    if (failure != null) {
                        dirty = true;
                        // Once, not every 30 s: a read-only download directory stays read-only.
                        LOG.log(warned ? System.Logger.Level.DEBUG : System.Logger.Level.WARNING,
                                "saving resume data {0}: {1}", entry.location(), Messages.message(failure));
                        warned = true;
                    }
                }));
    }

    /**
     * Saves on the calling thread, once the loop is over, if anything changed or a save was still
     * running on the pool (it may have missed the last pieces announced as verified). Never for a
     * torrent whose check did not finish: an empty record would be trusted next time.
     */
    void saveNow() {
        if (!dirty && !saving) {
            return;
        }
        try {
            ResumeCheck.save(storage, entry, have.get());
            dirty = false;
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "saving resume data {0}: {1}", entry.location(), e.getMessage());
        }
    }
}
