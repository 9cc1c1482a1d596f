package dev.spate.dht;

import java.net.InetSocketAddress;

/**
 * Where a {@link DhtNode} sends its datagrams. The owner of the UDP sockets implements it (the
 * session: one socket per family; tests: an in-memory network) and hands received datagrams to
 * {@link DhtNode#onDatagram}. Called on the node's thread; must not block for long (a full socket
 * buffer may drop the datagram: UDP promises nothing, and the node copes with loss).
 */
@FunctionalInterface
public interface DatagramTransport {
    /** Sends {@code datagram} (at most 1024 bytes, BEP 32) to {@code to}; the array is not reused by the node. */
    void send(InetSocketAddress to, byte[] datagram);
}
