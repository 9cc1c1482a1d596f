package dev.spate.lsd;

/**
 * What an {@link LsdService} has done since it started; a snapshot.
 *
 * @param datagramsReceived every datagram read from the group sockets
 * @param rejected datagrams that were not a well-formed announce (size, syntax, bounds) or came from an
 *     impossible source address
 * @param own our own announces, heard back through multicast loop (recognized by our cookie)
 * @param offNetwork announces from a source address not on the interface's networks
 * @param unknownTorrents info-hashes announced that are not registered with us
 * @param duplicates (info-hash, peer) pairs heard again within a minute, not passed on
 * @param rateLimited (info-hash, peer) pairs dropped by the per-source or total limit
 * @param peersReported (info-hash, peer) pairs handed to the listener
 * @param announcesSent datagrams we sent, one per group per announce round
 * @param sendFailures datagrams we could not send
 * @param receiveFailures errors reading the group sockets (other than closing them)
 */
public record LsdStats(long datagramsReceived, long rejected, long own, long offNetwork, long unknownTorrents,
        long duplicates, long rateLimited, long peersReported, long announcesSent, long sendFailures,
        long receiveFailures) {
}
