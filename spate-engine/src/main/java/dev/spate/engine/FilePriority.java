package dev.spate.engine;

/**
 * How much a file of a torrent is wanted. Pieces of higher-priority files are asked for first
 * (rarest-first among those of one priority); a {@link #SKIP}ped file is not downloaded: its
 * pieces are never asked for, except those it shares with a wanted file, and it is not created on
 * disk (the bytes of it that such a shared piece holds are kept in the session's state directory
 * until the file is wanted).
 */
public enum FilePriority {
    /** Not downloaded, not created. */
    SKIP,
    /** After every other wanted file's pieces. */
    LOW,
    /** The default. */
    NORMAL,
    /** Before the others. */
    HIGH;

    /** Whether the file is to be downloaded at all. */
    public boolean wanted() {
        return this != SKIP;
    }
}
