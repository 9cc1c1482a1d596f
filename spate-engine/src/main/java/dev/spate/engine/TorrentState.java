package dev.spate.engine;

/** Where a torrent is in its life. */
public enum TorrentState {
    /** Hashing the data already on disk to learn which pieces are there. */
    CHECKING,
    /** Fetching missing pieces. */
    DOWNLOADING,
    /** Every piece is verified on disk; serving others. */
    SEEDING,
    /** Stopped by the user; no connections. */
    PAUSED,
    /** Stopped by an error it cannot get past (e.g. the disk); see {@link TorrentStatus#error()}. */
    ERROR,
    /** Removed from its session. */
    REMOVED
}
