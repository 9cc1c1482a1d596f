package dev.spate.tracker;

/**
 * A tracker could not be reached, refused the request, or answered something we cannot use. The
 * message is precise enough to show a user, for example {@code tracker failure: unregistered
 * torrent}, {@code tracker sent a compact peer list of 13 bytes, not a multiple of 6} or {@code no
 * answer from udp://tracker.example:6969/announce after 9 attempts}.
 */
public final class TrackerException extends Exception {
    private static final long serialVersionUID = 1L;

    public TrackerException(String message) {
        super(message);
    }

    public TrackerException(String message, Throwable cause) {
        super(message, cause);
    }
}
