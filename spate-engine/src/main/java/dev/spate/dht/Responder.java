package dev.spate.dht;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.random.RandomGenerator;

/**
 * Our answers to queries (BEP 5, BEP 32), as bytes ready to send: the closest nodes of the families
 * asked for, stored peers of the family the query came over, write tokens, and the effect of an
 * announce on the peer store. Every answer is at most 1024 bytes (BEP 32) and
 * carries only what its query asks for: a ping or an announce gets our id alone, so no query is
 * answered with more than a get_peers reply. Whether a query is answered at all (rate limits, our
 * own id, read-only mode) is the node's decision. Owned by the node's thread.
 */
final class Responder {
    /** Peers in a get_peers reply at most, before the byte bound trims them. */
    static final int MAX_VALUES = 100;

    private final Map<AddressFamily, RoutingTable> tables;
    private final Tokens tokens;
    private final PeerStore store;
    private final RandomGenerator random;

    Responder(Map<AddressFamily, RoutingTable> tables, Tokens tokens, PeerStore store, RandomGenerator random) {
        this.tables = tables;
        this.tokens = tokens;
        this.store = store;
        this.random = random;
    }

    /** The encoded answer to {@code q} from {@code from}, sent in our name {@code self}. */
    byte[] answer(Krpc.Query q, InetSocketAddress from, NodeId self, long now) {
        InetAddress ip = from.getAddress();
        AddressFamily family = AddressFamily.of(ip);
        Krpc reply = switch (q) {
            case Krpc.Ping p -> new Krpc.Response(p.tid(), self, List.of(), List.of(), List.of(), null, from);
            case Krpc.FindNode f -> {
                Set<AddressFamily> want = want(f.want(), family);
                yield new Krpc.Response(f.tid(), self, nodes(AddressFamily.IPV4, want, f.target(), now),
                        nodes(AddressFamily.IPV6, want, f.target(), now), List.of(), null, from);
            }
            case Krpc.GetPeers g -> {
                Set<AddressFamily> want = want(g.want(), family);
                NodeId target = NodeId.of(g.infoHash());
                // BEP 32: values of the family the query came over, whatever "want" says.
                List<InetSocketAddress> values = store.get(g.infoHash(), family, MAX_VALUES, now, random);
                yield new Krpc.Response(g.tid(), self, nodes(AddressFamily.IPV4, want, target, now),
                        nodes(AddressFamily.IPV6, want, target, now), values, tokens.issue(ip, now), from);
            }
            case Krpc.AnnouncePeer a -> {
                if (!tokens.accepts(a.token(), ip, now)) {
                    yield new Krpc.Error(a.tid(), Krpc.Error.PROTOCOL, "bad token", from);
                }
                // BEP 5 implied_port: the UDP source port is the peer's.
                int port = a.impliedPort() ? from.getPort() : a.port();
                store.add(a.infoHash(), new InetSocketAddress(ip, port), now);
                yield new Krpc.Response(a.tid(), self, List.of(), List.of(), List.of(), null, from);
            }
        };
        return bounded(reply);
    }

    /** The encoded error for a malformed query (203) or one of a method we do not know (204). */
    static byte[] error(byte[] tid, int code, String message, InetSocketAddress to) {
        return KrpcCodec.encode(new Krpc.Error(tid, code, message, to));
    }

    /** BEP 32: what "want" asks, or by default the family the query came over; only families we run. */
    private Set<AddressFamily> want(Set<AddressFamily> asked, AddressFamily over) {
        Set<AddressFamily> w = asked.isEmpty() ? EnumSet.of(over) : EnumSet.copyOf(asked);
        w.retainAll(tables.keySet());
        return w;
    }

    private List<NodeContact> nodes(AddressFamily f, Set<AddressFamily> want, NodeId target, long now) {
        return want.contains(f) ? tables.get(f).closest(target, RoutingTable.K, now) : List.of();
    }

    /** Encodes {@code reply}, giving fewer peers rather than a datagram over BEP 32's 1024 bytes. */
    private static byte[] bounded(Krpc reply) {
        byte[] bytes = KrpcCodec.encode(reply);
        if (bytes.length > KrpcCodec.MAX_SENT && reply instanceof Krpc.Response r && !r.values().isEmpty()) {
            int keep = r.values().size();
            while (bytes.length > KrpcCodec.MAX_SENT && keep > 0) {
                // Each IPv4 peer costs 8 bytes, each IPv6 one 20: cut at least what the excess needs.
                keep = Math.max(0, keep - 1 - (bytes.length - KrpcCodec.MAX_SENT) / 20);
                bytes = KrpcCodec.encode(new Krpc.Response(r.tid(), r.sender(), r.nodes(), r.nodes6(),
                        r.values().subList(0, keep), r.token(), r.ip()));
            }
        }
        return bytes;
    }
}
