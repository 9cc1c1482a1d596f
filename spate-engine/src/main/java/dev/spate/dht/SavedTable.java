package dev.spate.dht;

import dev.spate.bencode.BDictionary;
import dev.spate.bencode.BValue;
import dev.spate.bencode.Bencode;
import dev.spate.bencode.BencodeException;
import dev.spate.bencode.BString;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A routing table as saved between runs (BEP 5: "The routing table should be saved between
 * invocations"): our id and the nodes we knew. Loaded nodes are only candidates: they enter the
 * new table when they answer again.
 *
 * <p>The bytes ({@link #encode}) are a bencoded dictionary: {@code id} (20 bytes), {@code nodes}
 * and {@code nodes6} (compact node info, BEP 5 and BEP 32). The engine writes them atomically to its
 * state directory; {@link #decode} reads them defensively.
 *
 * @param id our node id
 * @param nodes the nodes, either family, at most {@link #MAX_NODES}
 */
public record SavedTable(NodeId id, List<NodeContact> nodes) {
    /** Most nodes kept: two full tables. */
    public static final int MAX_NODES = 2 * NodeId.BITS * RoutingTable.K;
    /** Longest input read: {@link #MAX_NODES} IPv6 entries and change. */
    static final int MAX_BYTES = MAX_NODES * 38 + 1024;

    public SavedTable {
        Objects.requireNonNull(id, "id");
        nodes = List.copyOf(nodes);
        if (nodes.size() > MAX_NODES) {
            throw new IllegalArgumentException("at most " + MAX_NODES + " nodes, not " + nodes.size());
        }
    }

    /** The bytes to save. */
    public byte[] encode() {
        List<NodeContact> v4 = new ArrayList<>();
        List<NodeContact> v6 = new ArrayList<>();
        for (NodeContact c : nodes) {
            (c.family() == AddressFamily.IPV4 ? v4 : v6).add(c);
        }
        return Bencode.encode(BDictionary.builder()
                .put("id", id.raw())
                .put("nodes", Compact.nodes(v4, AddressFamily.IPV4))
                .put("nodes6", Compact.nodes(v6, AddressFamily.IPV6))
                .build());
    }

    /** Reads saved bytes; anything but what {@link #encode} writes is refused with the reason. */
    public static SavedTable decode(byte[] bytes) throws DhtStateException {
        if (bytes.length > MAX_BYTES) {
            throw new DhtStateException("DHT state of " + bytes.length + " bytes is larger than the "
                    + MAX_BYTES + " a saved table can take");
        }
        BValue v;
        try {
            v = Bencode.decode(bytes, 0, bytes.length, 2);
        } catch (BencodeException e) {
            throw new DhtStateException("DHT state is not valid bencoding: " + e.getMessage());
        }
        if (!(v instanceof BDictionary d)) {
            throw new DhtStateException("DHT state is a " + v.kind() + ", not a dictionary");
        }
        if (!(d.get("id") instanceof BString id) || id.length() != NodeId.LENGTH) {
            throw new DhtStateException("DHT state has no 20-byte id");
        }
        List<NodeContact> nodes = new ArrayList<>();
        read(d, "nodes", AddressFamily.IPV4, nodes);
        read(d, "nodes6", AddressFamily.IPV6, nodes);
        if (nodes.size() > MAX_NODES) {
            throw new DhtStateException("DHT state lists " + nodes.size() + " nodes, more than " + MAX_NODES);
        }
        return new SavedTable(NodeId.of(id.bytes()), nodes);
    }

    private static void read(BDictionary d, String key, AddressFamily family, List<NodeContact> into)
            throws DhtStateException {
        BValue v = d.get(key);
        if (v == null) {
            return;
        }
        if (!(v instanceof BString s)) {
            throw new DhtStateException("DHT state's " + key + " is a " + v.kind() + ", not a string");
        }
        List<NodeContact> nodes = Compact.nodes(s.bytes(), family, MAX_NODES);
        if (nodes == null) {
            throw new DhtStateException("DHT state's " + key + " of " + s.length()
                    + " bytes is not a whole number of " + family.nodeLength() + "-byte entries");
        }
        into.addAll(nodes);
    }
}
