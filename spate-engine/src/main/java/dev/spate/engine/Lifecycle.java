package dev.spate.engine;

import dev.spate.core.InfoHash;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Where a torrent is in its life, and which way it may go from there:
 *
 * <pre>
 *   CHECKING ──► DOWNLOADING ◄──► SEEDING
 *      │              │              │
 *      └──────► PAUSED ◄─────────────┘   (and back to CHECKING, DOWNLOADING or SEEDING)
 *   DOWNLOADING, SEEDING ──► CHECKING   (a recheck asked for; see Torrent#recheck)
 *   any of these ──► ERROR ──► REMOVED
 *   any state ─────────────► REMOVED (terminal)
 * </pre>
 *
 * ERROR is terminal but for removal: a torrent that hit the disk's end, say, keeps its verified
 * pieces and waits to be removed (or re-added). Every change is published as a
 * {@link Event.StateChanged}; a change the table does not allow is refused, so a late task (a disk
 * verdict after removal) cannot bring a torrent back to life.
 *
 * <p>Not thread-safe: owned by the torrent's loop.
 */
final class Lifecycle {
    private static final Map<TorrentState, Set<TorrentState>> NEXT = Map.of(
            TorrentState.CHECKING, EnumSet.of(TorrentState.DOWNLOADING, TorrentState.SEEDING, TorrentState.PAUSED,
                    TorrentState.ERROR, TorrentState.REMOVED),
            TorrentState.DOWNLOADING, EnumSet.of(TorrentState.SEEDING, TorrentState.PAUSED, TorrentState.CHECKING,
                    TorrentState.ERROR, TorrentState.REMOVED),
            TorrentState.SEEDING, EnumSet.of(TorrentState.DOWNLOADING, TorrentState.PAUSED, TorrentState.CHECKING,
                    TorrentState.ERROR, TorrentState.REMOVED),
            TorrentState.PAUSED, EnumSet.of(TorrentState.CHECKING, TorrentState.DOWNLOADING, TorrentState.SEEDING,
                    TorrentState.ERROR, TorrentState.REMOVED),
            TorrentState.ERROR, EnumSet.of(TorrentState.REMOVED),
            TorrentState.REMOVED, EnumSet.noneOf(TorrentState.class));

    private final InfoHash hash;
    private final Consumer<Event> events;
    private TorrentState state = TorrentState.CHECKING;

    Lifecycle(InfoHash hash, Consumer<Event> events) {
        this.hash = hash;
        this.events = events;
    }

    TorrentState state() {
        return state;
    }

    /** Connected to peers: downloading or seeding. */
    boolean isActive() {
        return state == TorrentState.DOWNLOADING || state == TorrentState.SEEDING;
    }

    /** Removed or failed: nothing will run again. */
    boolean isOver() {
        return state == TorrentState.REMOVED || state == TorrentState.ERROR;
    }

    /** Whether the table allows going from the current state to {@code to}. */
    boolean canGo(TorrentState to) {
        return NEXT.get(state).contains(to);
    }

    /** Goes to {@code to} and publishes the change; false, and nothing changes, when not allowed. */
    boolean go(TorrentState to) {
        if (to == state) {
            return true;
        }
        if (!canGo(to)) {
            return false;
        }
        TorrentState from = state;
        state = to;
        events.accept(new Event.StateChanged(hash, from, to));
        return true;
    }

    /** The first event of a torrent: it starts checking. */
    void announceStart() {
        events.accept(new Event.StateChanged(hash, null, TorrentState.CHECKING));
    }
}
