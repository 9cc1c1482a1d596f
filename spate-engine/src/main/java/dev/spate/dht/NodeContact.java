package dev.spate.dht;

import java.net.InetSocketAddress;
import java.util.Objects;

/**
 * A DHT node as "compact node info" names it (BEP 5, BEP 32): its id and its UDP address.
 *
 * @param id the node's id
 * @param address its UDP address, resolved
 */
public record NodeContact(NodeId id, InetSocketAddress address) {
    public NodeContact {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(address, "address");
        if (address.isUnresolved()) {
            throw new IllegalArgumentException("a node's address must be resolved: " + address);
        }
    }

    /** The address family of the node's address. */
    public AddressFamily family() {
        return AddressFamily.of(address.getAddress());
    }
}
