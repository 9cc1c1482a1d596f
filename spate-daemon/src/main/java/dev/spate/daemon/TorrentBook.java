package dev.spate.daemon;

/**
 * What the daemon keeps of a torrent beside the engine, as answered: its settings, its queue place
 * and state, and its counters over its whole life.
 *
 * @param queuePosition its place in the queue, 0 first
 * @param queued waiting in its queue (Transmission's download-wait or seed-wait)
 * @param finished done seeding: stopped by its seeding limit, or its ratio reached
 * @param stalled running with no bytes moved for the stalled time (and the stalled rule on)
 * @param counters its bytes, seconds and dates over its whole life
 * @param startDate epoch seconds it was last let run, 0 when not running
 * @param forced started with torrent-start-now: not held by the queue
 */
public record TorrentBook(TorrentSettings settings, int queuePosition, boolean queued, boolean finished,
                          boolean stalled, TorrentStore.Counters counters, long startDate, boolean forced) {
}
