package dev.spate.engine;

import dev.spate.core.InfoHash;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * A torrent in a {@link Session}. Methods may be called from any thread; they hand the work to the
 * torrent's own thread and never wait on the network or the disk.
 */
public sealed interface TorrentHandle permits Handle {
    /** The torrent's info-hash. */
    InfoHash infoHash();

    /** The torrent's name. */
    String name();

    /**
     * A snapshot of the torrent, taken on its own thread; if that thread does not answer within two
     * seconds (or is gone), its last snapshot, with {@link TorrentStatus#stale()} set.
     */
    TorrentStatus status();

    /**
     * The snapshot the torrent's own thread took last, at once, without asking that thread: taken at
     * every change of state and at the torrent's ticks (every second while it has peers or is
     * downloading; every few seconds while it seeds or is stopped with no peer, when nothing in it
     * changes). For a caller that looks at many torrents often, to whom a second-old figure will do;
     * {@link #status()} for the torrent as it is now.
     */
    TorrentStatus latestStatus();

    /** A snapshot of every connected peer (empty if the torrent's thread does not answer in time). */
    List<PeerStats> peers();

    /**
     * Adds a peer to dial (ignored when it is banned, already connected, or ourselves); one that
     * refuses is tried again later, waiting longer each time.
     */
    void connect(InetSocketAddress peer);

    /**
     * Limits this torrent to {@code downloadBytesPerSecond} and {@code uploadBytesPerSecond} of
     * payload (0 for no limit), within the session's own limits.
     *
     * @throws IllegalArgumentException if either is negative
     */
    void setRateLimits(long downloadBytesPerSecond, long uploadBytesPerSecond);

    /** Adds a tracker, as a tier of its own after the torrent's, and announces to it. */
    void addTracker(String url);

    /**
     * Sets the priority of every file (one per file, BEP 47 pad files left out, in the torrent's
     * order, as {@link TorrentStatus#files()} lists them): higher ones are fetched first,
     * {@link FilePriority#SKIP}ped ones not at all (and not created on disk). May be changed at
     * any time: a file wanted later gets the bytes already verified of it, a finished torrent that
     * wants more downloads again. Before a magnet link's metadata is here, the priorities are kept
     * and checked against its files when it comes (a list that does not fit stops the torrent).
     *
     * @throws IllegalArgumentException when the list does not have one priority per file
     */
    void setFilePriorities(List<FilePriority> priorities);

    /**
     * Sets the priority of file {@code index} (from 0, as {@link FileStatus#index()}).
     *
     * @throws IllegalArgumentException when there is no such file
     * @throws IllegalStateException before a magnet link's metadata is here
     */
    void setFilePriority(int index, FilePriority priority);

    /** Sequential mode: pieces asked for lowest first within a priority, instead of the rarest first. */
    void setSequential(boolean on);

    /** The first and last piece of every wanted file before any other (what a media player needs to start). */
    void setFirstLastPiecesFirst(boolean on);

    /**
     * Piece {@code piece} is wanted within {@code within} from now (what a player needs under its
     * read position): pieces with a deadline are asked for before any other, the earliest deadline
     * first, of the fastest peers; once a deadline is near (a second) or past, its missing blocks
     * are asked of several peers at once, the copies that come second cancelled. A piece with a
     * deadline is fetched even when its files are {@linkplain FilePriority#SKIP skipped} (its bytes
     * kept in the state directory, as a shared piece's are). The deadline ends when the piece is
     * verified, and replaces any earlier one of the piece; nothing for a piece already verified.
     * Deadlines count on the session's clock and are not kept over a restart.
     *
     * @throws IllegalArgumentException when there is no such piece, or {@code within} is negative
     * @throws IllegalStateException before a magnet link's metadata is here
     */
    void setPieceDeadline(int piece, Duration within);

    /** Forgets every deadline set by {@link #setPieceDeadline} (and by the streams of {@link #openStream}). */
    void clearPieceDeadlines();

    /**
     * Sets the priority of piece {@code piece} (from 0), which replaces what its files (and
     * first-and-last-piece-first) give it until set again: {@link FilePriority#SKIP} never fetches
     * it, a higher one fetches it before the pieces of lower ones. {@link TorrentStatus#files()}
     * still counts whole files; the wanted bytes, and so {@link TorrentStatus#isFinished()}, follow
     * the pieces fetched (see {@link TorrentStatus#wantedBytes()}).
     *
     * @throws IllegalArgumentException when there is no such piece
     * @throws IllegalStateException before a magnet link's metadata is here
     */
    void setPiecePriority(int piece, FilePriority priority);

    /**
     * A stream of file {@code fileIndex} (as {@link FileStatus#index()}) from its start, which
     * reads the file's verified bytes from disk and blocks until the piece under its position is
     * verified. As it reads, it gives the pieces just ahead of its position deadlines (the one
     * under it at once, the next ones a second apart, about 8 MiB ahead, at most 64 pieces), so a torrent being
     * downloaded can be read in order while it comes, a file of skipped priority too. Closing it
     * forgets the deadlines it set. {@code read} throws an {@link java.io.IOException} once the
     * torrent is removed or fails, and an {@link java.io.InterruptedIOException} when the reading
     * thread is interrupted. Not thread-safe (one reader, like any stream); {@code close} may be
     * called from any thread.
     *
     * @throws IllegalArgumentException when there is no such file
     * @throws IllegalStateException before a magnet link's metadata is here
     */
    java.io.InputStream openStream(int fileIndex);

    /**
     * Completes when every piece of the wanted files is verified on disk (at once if it already
     * is; every piece when every file is wanted); completes
     * exceptionally with {@link TorrentRemovedException} when the torrent is removed (or its
     * session closes) first, and with {@link TorrentFailedException} when an error stops it.
     */
    CompletableFuture<Void> completion();

    /**
     * Waits for {@link #completion()} up to {@code timeout}.
     *
     * @return true once complete, false when the time ran out first
     * @throws TorrentRemovedException if the torrent was removed first
     * @throws TorrentFailedException if an error stopped it first
     */
    boolean awaitCompletion(Duration timeout) throws InterruptedException;

    /**
     * Moves the torrent's files (those its metainfo names that are on disk) to
     * {@code newDirectory}, laid out there as {@link Session#add(dev.spate.metainfo.Metainfo, Path)}
     * lays them out, and downloads and seeds from there. The torrent is paused meanwhile and
     * resumes as it was. Each file moves whole: renamed where the file system allows, else copied
     * under a temporary name, synced, renamed into place, and only then deleted at the old place;
     * empty directories of the torrent's layout left there are removed. The move is recorded in
     * the state directory first, so one cut off (a crash, a kill) is finished when the torrent is
     * added again, before its data is checked; and a torrent added again with the old directory
     * is found at the new one.
     *
     * <p>The future completes once every file is at the new place; it fails with an
     * {@link IllegalArgumentException} (nothing moved) when {@code newDirectory} is inside the
     * torrent's own files or holds one of its files with other content (the message names the
     * path), with an {@link java.io.IOException} (nothing moved) when the files cannot be looked
     * at, with an {@link IllegalStateException} when a move is under way or the metadata of a
     * magnet link is not here yet, and with a {@link TorrentFailedException} when the move failed
     * midway (the torrent stops with that error; adding it again finishes the move).
     */
    CompletableFuture<Void> moveStorage(Path newDirectory);

    /** Disconnects every peer and stops; the data and what is verified stay. */
    void pause();

    /** Starts again after {@link #pause()}. */
    void resume();

    /** Stops the torrent and takes it out of its session; the files stay on disk. */
    void remove();

    /**
     * {@link #remove()}; with {@code deleteData}, once the torrent has stopped, also deletes its
     * own data, and waits for that: the files its metainfo names under its download directory, the
     * directories its layout made there once empty (never the download directory itself, never
     * one holding anything else), its part file and its resume data. Nothing else is touched, and
     * no symbolic link is followed: a link standing at one of the torrent's files or directories is
     * left as it is, with what it points to, and each thing left is published as an
     * {@link Event.DataLeft}.
     */
    void remove(boolean deleteData);

    /**
     * Announces to the torrent's trackers now, and looks it up in the DHT when it uses it (not
     * private, DHT on), rather than waiting for the next interval: what a user asks for after
     * opening a port, or when a download stalls. Never more often than a tracker's
     * {@code min interval} allows, or once a minute when it gave none (and once a minute in the
     * DHT); an announce already out, or too soon, makes this do nothing. Ignored while the torrent
     * is paused or checking, and once it has failed or been removed.
     */
    void reannounce();

    /**
     * Hashes every piece on disk again (off the network path, on the disk pool), in state
     * {@link TorrentState#CHECKING}: a verified piece that is missing or does not match its hash
     * any more is published as an {@link Event.PieceLost} and downloaded again; the status's
     * verified pieces and files' progress and the resume data follow. Peers stay connected; a
     * paused torrent stays paused. Ignored while a check runs, once the torrent has failed or been
     * removed, and before a magnet link's metadata is here (its data is checked when it comes).
     */
    void recheck();
}
