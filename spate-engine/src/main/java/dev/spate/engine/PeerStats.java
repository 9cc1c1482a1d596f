package dev.spate.engine;

import java.net.InetSocketAddress;

/**
 * A snapshot of one connected peer.
 *
 * @param address the peer's address
 * @param client the client it names (BEP 10 {@code v}, or decoded from its BEP 20 peer id)
 * @param outgoing whether we dialled it
 * @param downloadRate payload bytes per second we receive from it
 * @param uploadRate payload bytes per second we send it
 * @param downloaded payload bytes received from it
 * @param uploaded payload bytes sent to it
 * @param chokingUs whether it chokes us
 * @param interestedInUs whether it wants our pieces
 * @param choked whether we choke it
 * @param interesting whether we want its pieces
 * @param requestsOutstanding blocks we asked it for and await
 * @param requestQueueTarget how many blocks we keep asked of it (from its rate and slow start)
 * @param snubbed whether it has sent nothing we asked for in a long time
 * @param piecesItHas pieces it announced
 */
public record PeerStats(InetSocketAddress address, String client, boolean outgoing, long downloadRate,
                        long uploadRate, long downloaded, long uploaded, boolean chokingUs, boolean interestedInUs,
                        boolean choked, boolean interesting, int requestsOutstanding, int requestQueueTarget,
                        boolean snubbed, int piecesItHas) {
}
