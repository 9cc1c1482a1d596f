package dev.spate.dht;

import java.net.InetSocketAddress;
import java.util.List;

/**
 * The outcome of a lookup.
 *
 * @param target the id looked up (an info-hash's for get_peers)
 * @param family the DHT it ran in
 * @param closest the closest nodes that answered, closest first, at most 8
 * @param peers for get_peers: the peers the nodes returned (BEP 5 {@code values}), else empty
 * @param rounds the longest chain of round trips the lookup made (0 when served from the cache)
 * @param messages queries it sent
 * @param cached whether this is a recent lookup's result reused
 */
public record LookupResult(NodeId target, AddressFamily family, List<NodeContact> closest,
        List<InetSocketAddress> peers, int rounds, int messages, boolean cached) {
    public LookupResult {
        closest = List.copyOf(closest);
        peers = List.copyOf(peers);
    }
}
