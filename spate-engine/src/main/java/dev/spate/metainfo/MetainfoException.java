package dev.spate.metainfo;

/**
 * A .torrent file that cannot be used: not bencoding, a missing or mistyped key, an inconsistent
 * info dictionary, or a file path that would leave the download directory. The message says which
 * key or path and why, for example {@code pieces is 30 bytes, not a multiple of 20}. Also a magnet
 * link that cannot be read ({@link Magnet#parse}), the message naming the parameter.
 */
public final class MetainfoException extends Exception {
    private static final long serialVersionUID = 1L;

    /** A problem described by {@code message}. */
    public MetainfoException(String message) {
        super(message);
    }

    /** A problem described by {@code message}, found while handling {@code cause}. */
    public MetainfoException(String message, Throwable cause) {
        super(message, cause);
    }
}
