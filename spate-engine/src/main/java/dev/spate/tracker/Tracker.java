package dev.spate.tracker;

import dev.spate.core.InfoHash;
import java.util.List;
import java.util.Map;

/**
 * One tracker, spoken to over HTTP(S) or UDP. Calls block the calling (virtual) thread, bounded by
 * the {@link TrackerConfig} timeouts. Implementations are thread-safe.
 */
public sealed interface Tracker permits HttpTracker, UdpTracker {
    /** The announce URL this tracker was made from. */
    String url();

    AnnounceResponse announce(AnnounceRequest request) throws TrackerException;

    /**
     * Counts for each of {@code infoHashes} the tracker knows; hashes it does not know are absent
     * from the map.
     */
    Map<InfoHash, ScrapeResult> scrape(List<InfoHash> infoHashes) throws TrackerException;
}
