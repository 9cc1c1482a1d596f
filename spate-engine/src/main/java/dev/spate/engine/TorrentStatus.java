package dev.spate.engine;

import java.util.Optional;

/**
 * A snapshot of one torrent, taken at once on its own thread.
 *
 * @param name the torrent's name
 * @param infoHash the info-hash in hex
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
 * @param hashFailures pieces that failed their hash check
 * @param error the error that stopped the torrent, if any
 * @param trackers its trackers, tier by tier, as last heard from
 */
public record TorrentStatus(String name, String infoHash, TorrentState state, int piecesVerified, int pieceCount,
                            long bytesVerified, long totalBytes, long downloadRate, long uploadRate,
                            long downloaded, long uploaded, long wasted, int peers, int hashFailures,
                            Optional<String> error, java.util.List<TrackerState> trackers) {
    public TorrentStatus {
        trackers = java.util.List.copyOf(trackers);
    }

    /** Fraction of the torrent verified, from 0 to 1. */
    public double progress() {
        return totalBytes == 0 ? 1.0 : (double) bytesVerified / totalBytes;
    }

    /** Whether every piece is verified. */
    public boolean isComplete() {
        return piecesVerified == pieceCount;
    }

    /** Seconds left at the current download rate, or -1 when it cannot be estimated. */
    public long etaSeconds() {
        if (isComplete()) {
            return 0;
        }
        return downloadRate <= 0 ? -1 : (totalBytes - bytesVerified) / downloadRate;
    }
}
