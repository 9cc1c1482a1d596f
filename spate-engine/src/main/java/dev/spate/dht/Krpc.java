package dev.spate.dht;

import dev.spate.core.InfoHash;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Set;

/**
 * A KRPC message (BEP 5): a query, a response or an error, one record each, as decoded and as sent.
 * The transaction id ({@code t}) is the querier's opaque bytes; a response does not name its method,
 * so the node reads it by the transaction it answers.
 */
sealed interface Krpc permits Krpc.Query, Krpc.Response, Krpc.Error {
    /** The transaction id, 1 to {@link KrpcCodec#MAX_TID} bytes. */
    byte[] tid();

    /** A query: the sender's id, and BEP 43's {@code ro} flag (a read-only node never answers). */
    sealed interface Query extends Krpc permits Ping, FindNode, GetPeers, AnnouncePeer {
        NodeId sender();

        boolean readOnly();

        /** The method name on the wire. */
        String method();
    }

    /** {@code ping}: only the sender's id. */
    record Ping(byte[] tid, NodeId sender, boolean readOnly) implements Query {
        @Override
        public String method() {
            return "ping";
        }
    }

    /**
     * {@code find_node}.
     *
     * @param want BEP 32's families the reply should carry nodes of; empty: the family the query came over
     */
    record FindNode(byte[] tid, NodeId sender, boolean readOnly, NodeId target, Set<AddressFamily> want)
            implements Query {
        @Override
        public String method() {
            return "find_node";
        }
    }

    /** {@code get_peers}, {@code want} as in {@link FindNode}. */
    record GetPeers(byte[] tid, NodeId sender, boolean readOnly, InfoHash infoHash, Set<AddressFamily> want)
            implements Query {
        @Override
        public String method() {
            return "get_peers";
        }
    }

    /**
     * {@code announce_peer}.
     *
     * @param port the peer's TCP port, 0 when absent or out of range (then {@code impliedPort} must be set)
     * @param impliedPort BEP 5: use the UDP source port instead of {@code port}
     * @param token the token a get_peers reply gave the sender
     */
    record AnnouncePeer(byte[] tid, NodeId sender, boolean readOnly, InfoHash infoHash, int port,
            boolean impliedPort, byte[] token) implements Query {
        @Override
        public String method() {
            return "announce_peer";
        }
    }

    /**
     * A response. Which fields mean something depends on the query it answers.
     *
     * @param sender the responder's id
     * @param nodes IPv4 contacts ({@code nodes}), possibly empty
     * @param nodes6 IPv6 contacts ({@code nodes6}, BEP 32), possibly empty
     * @param values peers ({@code values}), possibly empty
     * @param token the write token of a get_peers reply, or null
     * @param ip BEP 42: our address as the responder sees it, or null
     */
    record Response(byte[] tid, NodeId sender, List<NodeContact> nodes, List<NodeContact> nodes6,
            List<InetSocketAddress> values, byte[] token, InetSocketAddress ip) implements Krpc {
    }

    /**
     * An error (BEP 5 codes 201-204).
     *
     * @param ip BEP 42: our address as the sender sees it, or null
     */
    record Error(byte[] tid, int code, String message, InetSocketAddress ip) implements Krpc {
        static final int GENERIC = 201;
        static final int SERVER = 202;
        static final int PROTOCOL = 203;
        static final int METHOD_UNKNOWN = 204;
    }
}
