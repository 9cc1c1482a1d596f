package dev.spate.dht;

/**
 * A datagram that is not a valid KRPC message. Thrown for every malformed datagram, so it carries
 * no stack trace (the cost of a hostile packet stays small); when the datagram was a query with a
 * usable transaction id, {@link #queryTid()} lets the node answer with a protocol error.
 */
class KrpcException extends Exception {
    private final byte[] queryTid;

    KrpcException(String message, byte[] queryTid) {
        super(message, null, false, false);
        this.queryTid = queryTid;
    }

    KrpcException(String message) {
        this(message, null);
    }

    /** The transaction id of the malformed query, or null if it was no query or had none. */
    byte[] queryTid() {
        return queryTid;
    }
}
