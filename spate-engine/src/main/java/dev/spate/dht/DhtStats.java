package dev.spate.dht;

/**
 * A snapshot of a node's state and counters since it started.
 *
 * @param nodes4 live nodes in the IPv4 table
 * @param nodes6 live nodes in the IPv6 table
 * @param replacements cached replacement nodes, both tables
 * @param storedPeers peers others announced to us
 * @param pendingQueries our queries awaiting an answer
 * @param runningLookups lookups in progress
 * @param queriesReceived queries answered or refused
 * @param queriesSent our queries sent
 * @param responsesReceived answers matched to our queries
 * @param timeouts our queries that went unanswered
 * @param dropped datagrams dropped: malformed, unmatched, from a blocked IP, claiming our id
 * @param rateLimited queries refused by the per-IP limit
 * @param blockedIps IPs currently blocked for flooding
 * @param idChanges times our id changed for a new external address (BEP 42)
 */
public record DhtStats(int nodes4, int nodes6, int replacements, int storedPeers, int pendingQueries,
        int runningLookups, long queriesReceived, long queriesSent, long responsesReceived, long timeouts,
        long dropped, long rateLimited, int blockedIps, int idChanges) {
}
