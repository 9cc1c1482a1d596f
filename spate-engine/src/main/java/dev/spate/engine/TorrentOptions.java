package dev.spate.engine;

import java.util.List;
import java.util.Objects;

/**
 * What to download of a torrent and in which order, given when it is added
 * ({@link Session#add(dev.spate.metainfo.Metainfo, java.nio.file.Path, TorrentOptions)}) and
 * changed later through its {@link TorrentHandle}.
 *
 * @param filePriorities one per file (BEP 47 pad files left out), in the torrent's order; empty for
 *     every file {@link FilePriority#NORMAL}
 * @param sequential pieces asked for in order, lowest first (within a priority), instead of the
 *     rarest first
 * @param firstLastPiecesFirst the first and last piece of every wanted file before any other
 *     piece (what a media player needs to start)
 */
public record TorrentOptions(List<FilePriority> filePriorities, boolean sequential, boolean firstLastPiecesFirst) {
    /** Keeps an unmodifiable copy of the priorities. */
    public TorrentOptions {
        filePriorities = List.copyOf(Objects.requireNonNull(filePriorities, "filePriorities"));
    }

    /** Every file, rarest piece first. */
    public static TorrentOptions defaults() {
        return new TorrentOptions(List.of(), false, false);
    }

    /** These options with {@code priorities}, one per file. */
    public TorrentOptions withFilePriorities(List<FilePriority> priorities) {
        return new TorrentOptions(priorities, sequential, firstLastPiecesFirst);
    }

    /** These options in sequential mode, or not. */
    public TorrentOptions withSequential(boolean on) {
        return new TorrentOptions(filePriorities, on, firstLastPiecesFirst);
    }

    /** These options with the first and last pieces of files first, or not. */
    public TorrentOptions withFirstLastPiecesFirst(boolean on) {
        return new TorrentOptions(filePriorities, sequential, on);
    }
}
