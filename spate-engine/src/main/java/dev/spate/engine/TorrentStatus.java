package dev.spate.engine;

import dev.spate.core.InfoHash;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A snapshot of one torrent, taken at once on its own thread. Build one (in tests, say) with
 * {@link #builder()}, which names every field.
 *
 * @param name the torrent's name
 * @param infoHash its info-hash
 * @param state where it is in its life
 * @param piecesVerified pieces verified on disk
 * @param pieceCount pieces in the torrent
 * @param bytesVerified bytes of the verified pieces
 * @param totalBytes the torrent's size
 * @param downloadRate payload bytes per second received, averaged over the last seconds
 * @param uploadRate payload bytes per second sent
 * @param downloaded payload bytes received this session (including discarded ones)
 * @param uploaded payload bytes sent this session
 * @param wasted bytes received and thrown away (failed hashes, duplicates, unrequested blocks)
 * @param peers connected peers
 * @param knownPeers peers we know of: those connected and the addresses we may dial (from trackers,
 *     the user, peer exchange, local discovery), at most a few thousand
 * @param hashFailures pieces that failed their hash check
 * @param error the error that stopped the torrent, if any
 * @param trackers its trackers, tier by tier, as last heard from
 * @param webSeeds its web seeds (BEP 19), in the torrent's order; their bytes are counted in
 *     {@code downloadRate} and {@code downloaded} too
 * @param files every file (BEP 47 pad files left out) with its verified bytes and priority, kept as
 *     pieces verify; empty before the torrent's metadata is known
 * @param wantedBytes the bytes the torrent means to download: those of the wanted files (all of them
 *     unless some are {@link FilePriority#SKIP}ped) in the pieces it fetches, so without a piece
 *     skipped by itself ({@link TorrentHandle#setPiecePriority}), and with the whole of a piece of
 *     skipped files wanted by itself (a piece priority or a deadline); {@link #isFinished} is
 *     then true exactly when every piece the torrent fetches is verified
 * @param wantedBytesVerified the verified bytes among {@code wantedBytes}
 * @param stale true when the torrent's thread did not answer in time (or is gone) and these are
 *     the last figures it gave
 * @param verifiedPieces which pieces are verified ({@code pieceCount} of them, none before a magnet
 *     link's metadata is known), kept as pieces verify
 */
public record TorrentStatus(String name, InfoHash infoHash, TorrentState state, int piecesVerified, int pieceCount,
                            long bytesVerified, long totalBytes, long downloadRate, long uploadRate,
                            long downloaded, long uploaded, long wasted, int peers, int knownPeers, int hashFailures,
                            Optional<String> error, List<TrackerState> trackers, List<WebSeedStats> webSeeds,
                            List<FileStatus> files, long wantedBytes, long wantedBytesVerified, boolean stale,
                            PieceSet verifiedPieces) {
    /** Requires the name, info-hash, state, error and verified pieces; keeps unmodifiable copies of the lists. */
    public TorrentStatus {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(infoHash, "infoHash");
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(error, "error");
        Objects.requireNonNull(verifiedPieces, "verifiedPieces");
        trackers = List.copyOf(trackers);
        knownPeers = Math.max(knownPeers, peers);
        webSeeds = List.copyOf(webSeeds);
        files = List.copyOf(files);
    }

    /** Web seeds still in use (not dropped): sources beside the {@link #peers()}. */
    public int webSeedsInUse() {
        int n = 0;
        for (WebSeedStats w : webSeeds) {
            if (!w.dropped()) {
                n++;
            }
        }
        return n;
    }

    /**
     * Fraction of the wanted files verified, from 0 to 1 (of the whole torrent when every file is
     * wanted); while {@link TorrentState#METADATA}, of the metadata fetched, 0 until its size is known.
     */
    public double progress() {
        if (wantedBytes == 0) {
            return state == TorrentState.METADATA ? 0.0 : 1.0;
        }
        return (double) wantedBytesVerified / wantedBytes;
    }

    /**
     * Whether every piece is verified; never while {@link TorrentState#METADATA}, whose counts are
     * the metadata's (0 of 0 before its size is known).
     */
    public boolean isComplete() {
        return state != TorrentState.METADATA && piecesVerified == pieceCount;
    }

    /**
     * Whether every wanted file is verified, less the pieces skipped by themselves (see {@code
     * wantedBytes}): the download is done (and the torrent seeds what it has), as the torrent's
     * completion says. The same as {@link #isComplete()} when every piece is wanted; never while
     * {@link TorrentState#METADATA}.
     */
    public boolean isFinished() {
        return state != TorrentState.METADATA
                && (piecesVerified == pieceCount || wantedBytesVerified == wantedBytes && !files.isEmpty());
    }

    /** Seconds left for the wanted files at the current download rate, or -1 when it cannot be estimated. */
    public long etaSeconds() {
        if (isFinished()) {
            return 0;
        }
        return downloadRate <= 0 ? -1 : (wantedBytes - wantedBytesVerified) / downloadRate;
    }

    /** The same figures, marked as the last ones the torrent gave. */
    public TorrentStatus asStale() {
        return new TorrentStatus(name, infoHash, state, piecesVerified, pieceCount, bytesVerified, totalBytes,
                downloadRate, uploadRate, downloaded, uploaded, wasted, peers, knownPeers, hashFailures, error, trackers, webSeeds, files, wantedBytes,
                wantedBytesVerified, true, verifiedPieces);
    }

    /** A builder with every count 0, no error, no trackers. */
    public static Builder builder() {
        return new Builder();
    }

    /** Builds a {@link TorrentStatus} field by field. */
    public static final class Builder {
        private String name;
        private InfoHash infoHash;
        private TorrentState state;
        private int piecesVerified;
        private int pieceCount;
        private long bytesVerified;
        private long totalBytes;
        private long downloadRate;
        private long uploadRate;
        private long downloaded;
        private long uploaded;
        private long wasted;
        private int peers;
        private int knownPeers;
        private int hashFailures;
        private Optional<String> error = Optional.empty();
        private List<TrackerState> trackers = List.of();
        private List<WebSeedStats> webSeeds = List.of();
        private List<FileStatus> files = List.of();
        private long wantedBytes = -1;
        private long wantedBytesVerified = -1;
        private boolean stale;
        private PieceSet verifiedPieces;

        private Builder() {
        }

        /** See {@link TorrentStatus#name()}. */
        public Builder name(String v) {
            name = v;
            return this;
        }

        /** See {@link TorrentStatus#infoHash()}. */
        public Builder infoHash(InfoHash v) {
            infoHash = v;
            return this;
        }

        /** See {@link TorrentStatus#state()}. */
        public Builder state(TorrentState v) {
            state = v;
            return this;
        }

        /** Pieces verified of pieces in all. */
        public Builder pieces(int verified, int count) {
            piecesVerified = verified;
            pieceCount = count;
            return this;
        }

        /** Bytes verified of the torrent's size. */
        public Builder bytes(long verified, long total) {
            bytesVerified = verified;
            totalBytes = total;
            return this;
        }

        /** Payload bytes per second received and sent. */
        public Builder rates(long down, long up) {
            downloadRate = down;
            uploadRate = up;
            return this;
        }

        /** Payload bytes received and sent this session, and received bytes thrown away. */
        public Builder transferred(long down, long up, long wastedBytes) {
            downloaded = down;
            uploaded = up;
            wasted = wastedBytes;
            return this;
        }

        /** See {@link TorrentStatus#peers()}. */
        public Builder peers(int v) {
            peers = v;
            return this;
        }

        /** See {@link TorrentStatus#knownPeers()}; never fewer than the connected ones. */
        public Builder knownPeers(int v) {
            knownPeers = v;
            return this;
        }

        /** See {@link TorrentStatus#hashFailures()}. */
        public Builder hashFailures(int v) {
            hashFailures = v;
            return this;
        }

        /** See {@link TorrentStatus#error()}. */
        public Builder error(Optional<String> v) {
            error = v;
            return this;
        }

        /** See {@link TorrentStatus#trackers()}. */
        public Builder trackers(List<TrackerState> v) {
            trackers = v;
            return this;
        }

        /** See {@link TorrentStatus#webSeeds()}. */
        public Builder webSeeds(List<WebSeedStats> v) {
            webSeeds = v;
            return this;
        }

        /** See {@link TorrentStatus#files()}. */
        public Builder files(List<FileStatus> v) {
            files = v;
            return this;
        }

        /** Bytes of the wanted files verified, of their size; unless set, those of {@link #bytes}. */
        public Builder wanted(long verified, long total) {
            wantedBytesVerified = verified;
            wantedBytes = total;
            return this;
        }

        /** See {@link TorrentStatus#stale()}. */
        public Builder stale(boolean v) {
            stale = v;
            return this;
        }

        /** See {@link TorrentStatus#verifiedPieces()}; unless set, none of the {@link #pieces} count. */
        public Builder verifiedPieces(PieceSet v) {
            verifiedPieces = v;
            return this;
        }

        /** The status as set so far. */
        public TorrentStatus build() {
            return new TorrentStatus(name, infoHash, state, piecesVerified, pieceCount, bytesVerified, totalBytes,
                    downloadRate, uploadRate, downloaded, uploaded, wasted, peers, knownPeers, hashFailures, error, trackers, webSeeds,
                    files, wantedBytes < 0 ? totalBytes : wantedBytes, wantedBytesVerified < 0 ? bytesVerified : wantedBytesVerified,
                    stale, verifiedPieces != null ? verifiedPieces : PieceSet.none(pieceCount));
        }
    }
}
