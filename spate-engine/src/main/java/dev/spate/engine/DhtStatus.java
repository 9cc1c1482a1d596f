package dev.spate.engine;

/**
 * The session's DHT (BEP 5) at a moment, from {@link Session#dhtStatus()}.
 *
 * @param port the UDP port the node listens on
 * @param nodes4 nodes in the IPv4 routing table
 * @param nodes6 nodes in the IPv6 routing table (BEP 32)
 * @param ready whether the node has joined: torrents' lookups run from then on
 * @param torrents torrents (and magnet links) looked up in the DHT
 * @param storedPeers peers other nodes announced to us and we keep for them
 */
public record DhtStatus(int port, int nodes4, int nodes6, boolean ready, int torrents, int storedPeers) {
    /** Nodes in both routing tables. */
    public int nodes() {
        return nodes4 + nodes6;
    }
}
