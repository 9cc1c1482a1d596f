package dev.spate.daemon;

import dev.spate.engine.TorrentState;
import dev.spate.engine.TorrentStatus;
import java.time.Duration;
import java.time.Instant;

/**
 * The daemon's book of one torrent beside the engine's: its settings, its place in the queue, what
 * the queue let it do, and its counters over its whole life. The engine's byte counters start at 0
 * each run, so the book adds up what each sample moved on from the last one (a counter that went
 * back, as after a restart, counts from 0 again).
 *
 * <p>Mutable; guarded by the lock of the {@link Torrents} that owns it.
 */
final class Ledger {
    TorrentSettings settings;
    int position;
    /** Started with torrent-start-now: bypasses the queue until stopped. */
    boolean forced;
    /** Let run by the queue (or forced); false while waiting, stopped or in error. */
    boolean admitted;
    /** Stopped by its ratio or idle limit. */
    boolean finished;
    /** What the engine was last told: running (resume) or not (pause). */
    boolean engineRunning = true;
    /** When the queue last let it run this time; null when not running. */
    Instant startDate;

    private long uploadedEver;
    private long downloadedEver;
    /** This run's bytes, as of the last sample (for session-stats). */
    long runUploaded;
    long runDownloaded;
    private long downloadingMillis;
    private long seedingMillis;
    private long activityDate;
    private long doneDate;
    long editDate;
    /** The engine's counters at the last sample. */
    private long lastUploaded;
    private long lastDownloaded;
    private Instant lastSample;

    Ledger(TorrentSettings settings, int position, TorrentStore.Counters kept, Instant now) {
        this.settings = settings;
        this.position = position;
        this.uploadedEver = kept.uploadedEver();
        this.downloadedEver = kept.downloadedEver();
        this.downloadingMillis = kept.secondsDownloading() * 1000;
        this.seedingMillis = kept.secondsSeeding() * 1000;
        this.activityDate = kept.activityDate();
        this.doneDate = kept.doneDate();
        this.editDate = kept.editDate();
        this.lastSample = now;
    }

    /**
     * Takes in a snapshot of the engine at {@code now}: the bytes moved since the last one, the time
     * spent downloading or seeding since then, and the moment the download was done.
     */
    void sample(TorrentStatus s, Instant now) {
        long up = moved(s.uploaded(), lastUploaded);
        long down = moved(s.downloaded(), lastDownloaded);
        // Saturating: counters near the store's bound never wrap to negative.
        uploadedEver = saturated(uploadedEver, up);
        downloadedEver = saturated(downloadedEver, down);
        runUploaded = saturated(runUploaded, up);
        runDownloaded = saturated(runDownloaded, down);
        lastUploaded = s.uploaded();
        lastDownloaded = s.downloaded();
        if (up > 0 || down > 0) {
            activityDate = now.getEpochSecond();
        }
        long elapsed = Math.max(0, Duration.between(lastSample, now).toMillis());
        lastSample = now;
        if (admitted && (s.state() == TorrentState.DOWNLOADING || s.state() == TorrentState.METADATA
                || s.state() == TorrentState.SEEDING)) {
            if (s.isFinished()) {
                seedingMillis += elapsed;
            } else {
                downloadingMillis += elapsed;
            }
        }
        if (s.isFinished() && doneDate == 0) {
            doneDate = now.getEpochSecond();
        }
    }

    /** The torrent's engine handle was replaced: the next one's counters start from nothing. */
    void newHandle() {
        lastUploaded = 0;
        lastDownloaded = 0;
    }

    private static long saturated(long a, long b) {
        long sum = a + b;
        return sum < 0 || sum > TorrentStore.MAX_COUNT ? TorrentStore.MAX_COUNT : sum;
    }

    private static long moved(long now, long last) {
        return now >= last ? now - last : now;
    }

    /** Bytes uploaded over its life, up to {@code s}. */
    long uploadedEver(TorrentStatus s) {
        return uploadedEver + (s.uploaded() >= lastUploaded ? s.uploaded() - lastUploaded : 0);
    }

    /** Bytes downloaded over its life, up to {@code s}. */
    long downloadedEver(TorrentStatus s) {
        return downloadedEver + (s.downloaded() >= lastDownloaded ? s.downloaded() - lastDownloaded : 0);
    }

    /** Seconds since bytes last moved, or since it was let run if later; -1 when not running. */
    long idleSeconds(Instant now) {
        if (startDate == null) {
            return -1;
        }
        long since = Math.max(startDate.getEpochSecond(), activityDate);
        return Math.max(0, now.getEpochSecond() - since);
    }

    /** What the store keeps, as of the last sample. */
    TorrentStore.Counters counters() {
        return new TorrentStore.Counters(uploadedEver, downloadedEver, downloadingMillis / 1000, seedingMillis / 1000,
                activityDate, doneDate, editDate);
    }

    /** What the store keeps, up to {@code s}. */
    TorrentStore.Counters counters(TorrentStatus s) {
        return new TorrentStore.Counters(uploadedEver(s), downloadedEver(s), downloadingMillis / 1000,
                seedingMillis / 1000, activityDate, doneDate, editDate);
    }

    /** A copy for answers, up to {@code s} at {@code now}. */
    TorrentBook view(TorrentStatus s, Instant now, boolean queued, boolean stalled, boolean ratioReached) {
        return new TorrentBook(settings, position, queued, finished || s.isFinished() && ratioReached, stalled,
                counters(s), startDate == null ? 0 : startDate.getEpochSecond(), forced);
    }
}
