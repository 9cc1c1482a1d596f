package dev.spate.daemon;

import dev.spate.engine.FilePriority;
import dev.spate.engine.TorrentHandle;
import dev.spate.engine.TorrentState;
import dev.spate.engine.TorrentStatus;
import dev.spate.metainfo.Metainfo;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * One torrent of the daemon, as {@link Table} holds it: what the engine does not keep of it.
 *
 * <p>Its mutable parts are guarded by {@link Table#lock}: every method here is called under it.
 */
final class Entry {
    final int id;
    /** Replaced when the torrent is added again at another place (a set-location without moving). */
    TorrentHandle handle;
    /** Changed when its data moved (or is found) at another place. */
    Path directory;
    final Instant added;
    final Optional<Metainfo> metainfo;
    /** The link it was added from, when from a magnet link (kept to add it again at the next start). */
    final Optional<String> magnet;
    /** Stopped by the user (added paused or stopped since), so stopped again at the next start. */
    boolean paused;
    /** The priority of each file as set, wanted or not; null until the file count is known. */
    FilePriority[] priorities;
    boolean[] wanted;
    /** Settings, queue place and counters. */
    final Ledger ledger;

    Entry(int id, TorrentHandle handle, Path directory, Instant added, Optional<Metainfo> metainfo,
          Optional<String> magnet, boolean paused, Ledger ledger) {
        this.id = id;
        this.ledger = ledger;
        this.handle = handle;
        this.directory = directory;
        this.added = added;
        this.metainfo = metainfo;
        this.magnet = magnet;
        this.paused = paused;
    }

    /**
     * Fills in the file table from the engine once the files are known (at once for a .torrent,
     * after the metadata for a magnet link), from {@code status} or else a snapshot taken now.
     */
    boolean knowFiles(TorrentStatus status) {
        if (priorities != null) {
            return true;
        }
        TorrentStatus s = status != null ? status : handle.status();
        if (s.state() == TorrentState.METADATA || s.files().isEmpty()) {
            return false;
        }
        int n = s.files().size();
        priorities = new FilePriority[n];
        wanted = new boolean[n];
        for (int i = 0; i < n; i++) {
            FilePriority p = s.files().get(i).priority();
            wanted[i] = p != FilePriority.SKIP;
            priorities[i] = p == FilePriority.SKIP ? FilePriority.NORMAL : p;
        }
        return true;
    }

    /** Per file, whether it is wanted (empty while the files are not known). */
    List<Boolean> wantedList() {
        List<Boolean> out = new ArrayList<>();
        if (priorities != null) {
            for (int i = 0; i < priorities.length; i++) {
                out.add(wanted[i]);
            }
        }
        return out;
    }

    /** Per file, its priority when wanted (empty while the files are not known). */
    List<FilePriority> prioritiesList() {
        List<FilePriority> out = new ArrayList<>();
        if (priorities != null) {
            for (FilePriority p : priorities) {
                out.add(p);
            }
        }
        return out;
    }

    /**
     * The priorities as the engine takes them: {@link FilePriority#SKIP} for a file not wanted
     * (the engine has no "unwanted" apart from it).
     */
    static List<FilePriority> engine(boolean[] wanted, FilePriority[] priorities) {
        List<FilePriority> engine = new ArrayList<>(priorities.length);
        for (int i = 0; i < priorities.length; i++) {
            engine.add(wanted[i] ? priorities[i] : FilePriority.SKIP);
        }
        return engine;
    }

    /** Tells the engine what of the torrent's settings it applies: its speed limits and sequential order. */
    void applyRates() {
        TorrentSettings t = ledger.settings;
        handle.setRateLimits(t.downBytes(), t.upBytes());
        handle.setSequential(t.sequentialDownload());
    }
}
