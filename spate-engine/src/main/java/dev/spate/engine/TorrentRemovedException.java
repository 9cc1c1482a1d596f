package dev.spate.engine;

/**
 * How {@link TorrentHandle#completion()} ends for a torrent removed (or whose session closed)
 * before it completed.
 */
public final class TorrentRemovedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** With a message naming the torrent. */
    public TorrentRemovedException(String message) {
        super(message);
    }
}
