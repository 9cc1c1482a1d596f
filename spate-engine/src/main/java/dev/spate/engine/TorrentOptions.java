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
 * @param paused added stopped: what is on disk is checked (its status then says
 *     {@link TorrentState#PAUSED} and shows the pieces verified), but no tracker, peer, DHT or local
 *     network hears of it until {@link TorrentHandle#resume()}; a magnet link's metadata is not
 *     fetched until then either. Only read when the torrent is added.
 */
public record TorrentOptions(List<FilePriority> filePriorities, boolean sequential, boolean firstLastPiecesFirst,
                             boolean paused) {
    /** Keeps an unmodifiable copy of the priorities. */
    public TorrentOptions {
        filePriorities = List.copyOf(Objects.requireNonNull(filePriorities, "filePriorities"));
    }

    /** Options of a torrent that starts when added (not {@link #paused()}). */
    public TorrentOptions(List<FilePriority> filePriorities, boolean sequential, boolean firstLastPiecesFirst) {
        this(filePriorities, sequential, firstLastPiecesFirst, false);
    }

    /** Every file, rarest piece first, started when added. */
    public static TorrentOptions defaults() {
        return new TorrentOptions(List.of(), false, false, false);
    }

    /** These options with {@code priorities}, one per file. */
    public TorrentOptions withFilePriorities(List<FilePriority> priorities) {
        return new TorrentOptions(priorities, sequential, firstLastPiecesFirst, paused);
    }

    /** These options in sequential mode, or not. */
    public TorrentOptions withSequential(boolean on) {
        return new TorrentOptions(filePriorities, on, firstLastPiecesFirst, paused);
    }

    /** These options with the first and last pieces of files first, or not. */
    public TorrentOptions withFirstLastPiecesFirst(boolean on) {
        return new TorrentOptions(filePriorities, sequential, on, paused);
    }

    /** These options for a torrent added stopped ({@link #paused()}), or started. */
    public TorrentOptions withPaused(boolean on) {
        return new TorrentOptions(filePriorities, sequential, firstLastPiecesFirst, on);
    }
}
