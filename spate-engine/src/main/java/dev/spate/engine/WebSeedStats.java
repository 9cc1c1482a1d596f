package dev.spate.engine;

import java.util.Objects;
import java.util.Optional;

/**
 * A snapshot of one web seed (BEP 19) of a torrent: an HTTP server of its {@code url-list}, or of
 * a magnet link's {@code ws}.
 *
 * @param url the web seed's URL, as the torrent gives it
 * @param downloadRate payload bytes per second it brought, averaged over the last seconds
 * @param downloaded payload bytes it brought this session (its pieces that failed included)
 * @param piecesFetched pieces it brought that were taken to be verified
 * @param fetching pieces being fetched from it now
 * @param dropped whether it is no longer used this session: a piece from it failed its hash check
 * @param problem why it was dropped, or the last error while it is waiting to be tried again
 */
public record WebSeedStats(String url, long downloadRate, long downloaded, int piecesFetched, int fetching,
                           boolean dropped, Optional<String> problem) {
    public WebSeedStats {
        Objects.requireNonNull(url, "url");
        Objects.requireNonNull(problem, "problem");
    }
}
