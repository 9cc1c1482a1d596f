package dev.spate.bencode;

/**
 * Input that is not canonical bencoding. The message names the byte offset and what was expected
 * there, for example {@code at byte 7: leading zero in integer}.
 */
public final class BencodeException extends Exception {
    private static final long serialVersionUID = 1L;
    private final int offset;

    /** A problem found at byte {@code offset} of the input. */
    public BencodeException(int offset, String problem) {
        super("at byte " + offset + ": " + problem);
        this.offset = offset;
    }

    /** Offset in the input where the problem was found. */
    public int offset() {
        return offset;
    }
}
