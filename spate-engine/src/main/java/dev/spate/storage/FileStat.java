package dev.spate.storage;

/**
 * What the resume file remembers of one file: its size and last modification time.
 *
 * @param size bytes, or -1 when the file does not exist
 * @param modifiedNanos last modification time in nanoseconds since the epoch (0 when missing);
 *     compared only for equality, never as a clock
 */
public record FileStat(long size, long modifiedNanos) {
    /** A file that does not exist. */
    public static final FileStat MISSING = new FileStat(-1, 0);

    public boolean exists() {
        return size >= 0;
    }
}
