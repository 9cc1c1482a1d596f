package dev.spate.engine;

/** Where a torrent is in its life. */
public enum TorrentState {
    /**
     * A magnet link's torrent fetching its info dictionary from peers (BEP 9); the status's pieces
     * and bytes count the metadata's.
     */
    METADATA,
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
