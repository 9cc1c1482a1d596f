package dev.spate.engine;

/**
 * How {@link TorrentHandle#completion()} ends for a torrent stopped by an error (its state is then
 * {@link TorrentState#ERROR}); the message is the torrent's error.
 */
public final class TorrentFailedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** With the torrent's error as the message. */
    public TorrentFailedException(String message) {
        super(message);
    }
}
