package dev.spate.engine;

import dev.spate.core.Bitfield;
import dev.spate.core.Clock;
import dev.spate.storage.DiskIo;
import dev.spate.storage.ResumeCheck;
import dev.spate.storage.ResumeStore;
import dev.spate.storage.Storage;
import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * When a torrent's resume data is written: after new pieces, at most every 30 s while
 * downloading, and at once on completion, pause and start. A save runs on the disk pool (the loop
 * never waits on the disk) and its outcome comes back to the loop; one at a time, in the order
 * asked. The last save, once the loop is over, runs on the caller's thread.
 *
 * <p>Each save records whether the torrent may still write pieces after it (it is downloading:
 * the record is not {@link dev.spate.storage.ResumeFile.State#clean() clean}) or not (paused,
 * seeding, stopped: clean). A crash leaves the last record, and {@link ResumeCheck#load} trusts a
 * running one's pieces even though the files changed since. So the record must say clean whenever
 * the torrent stops, also when no piece came since the last save (a save is then made for the flag
 * alone), and it turns to running as soon as the torrent starts downloading, not 30 s later, so a
 * crash soon after a start does not cost a full recheck either.
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
    /** Whether the torrent may write pieces now: a record made now is not clean. */
    private final BooleanSupplier running;
    /** The check at start is over: before it there is nothing to record (an empty record would be trusted). */
    private boolean checked;
    private boolean dirty;
    private boolean saving;
    /** A save asked for while another ran: made when that one ends, so the last one asked is the last written. */
    private boolean again;
    /** Whether the resume file on disk, as read at start or last written, says clean. */
    private boolean fileClean;
    private long lastSave;
    private boolean warned;
    /** Written on the loop, read by whoever stops the torrent once the loop is over. */
    private volatile CompletableFuture<Void> inFlight = CompletableFuture.completedFuture(null);

    ResumeSaver(DiskIo disk, Storage storage, ResumeStore.Entry entry, Clock clock, Supplier<Bitfield> have,
                Predicate<Runnable> post, BooleanSupplier running) {
        this.running = running;
        this.disk = disk;
        this.storage = storage;
        this.entry = entry;
        this.clock = clock;
        this.have = have;
        this.post = post;
        this.lastSave = clock.nanoTime();
    }

    /** The last save started on the pool, done once its outcome is posted to the loop (done when none is). Any thread. */
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

    /** The check at start is over; {@code clean} is what the resume file on disk says (false: none). */
    void checked(boolean clean) {
        checked = true;
        fileClean = clean;
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

    /**
     * Saves now on the disk pool when pieces were verified since the last save, or the file's flag
     * is not what the torrent's state now says (it started downloading over a clean record, or
     * stopped over a running one); once the save under way, if any, is over. Never before the check.
     */
    void save() {
        if (!checked) {
            return;
        }
        if (saving) {
            again = true;
            return;
        }
        boolean clean = !running.getAsBoolean();
        if (!dirty && fileClean == clean) {
            return;
        }
        dirty = false;
        saving = true;
        lastSave = clock.nanoTime();
        // Done once its outcome is queued on the loop, so a test can wait for it and then drain the loop.
        CompletableFuture<Void> save = ResumeCheck.saveAsync(disk, storage, entry, have.get(), clean);
        inFlight = save.whenComplete((ok, failure) -> post.test(() -> {
                    saving = false;
                    if (failure != null) {
                        dirty = true;
                        // Once, not every 30 s: a read-only download directory stays read-only.
                        LOG.log(warned ? System.Logger.Level.DEBUG : System.Logger.Level.WARNING,
                                "saving resume data {0}: {1}", entry.location(), Messages.message(failure));
                        warned = true;
                    } else {
                        fileClean = clean;
                    }
                    if (again) {
                        again = false;
                        save();
                    }
                }));
    }

    /**
     * Saves a clean record on the calling thread, once the loop is over, if anything changed, a
     * save was still running on the pool (it may have missed the last pieces announced as
     * verified; it is waited for, so it cannot land after this one), or the file on disk is a
     * running one's. Never for a torrent whose check did not finish: an empty record would be
     * trusted next time.
     */
    void saveNow() {
        if (!checked || (!dirty && !saving && fileClean)) {
            return;
        }
        try {
            inFlight.get(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            // failed (this save tries again) or stuck on the disk (this one is renamed over it or under it)
        }
        try {
            ResumeCheck.save(storage, entry, have.get(), true);
            dirty = false;
            fileClean = true;
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "saving resume data {0}: {1}", entry.location(), e.getMessage());
        }
    }
}
