/**
 * The mainline DHT (BEP 5), with IPv6 (BEP 32), ids bound to addresses (BEP 42) and read-only nodes
 * (BEP 43): a node that finds peers for an info-hash without a tracker and stores the peers others
 * announce.
 *
 * <p>{@link dev.spate.dht.DhtNode} is the API: the session gives it a {@link dev.spate.dht.DatagramTransport}
 * to send with and hands it the datagrams its UDP sockets receive ({@link dev.spate.dht.DhtNode#isKrpc}
 * tells them from uTP's on a shared port), ticks it once a second, and asks it for peers; its routing
 * table is saved and restored as {@link dev.spate.dht.SavedTable} bytes. Inside, plain objects each with
 * one job, each tested alone: the KRPC codec ({@code Krpc}, {@code KrpcCodec}), the routing table, the
 * iterative lookup, write tokens, the peer store, the per-IP query limiter, BEP 42 ids, and the vote on
 * our external address. Time comes only from the injected {@link dev.spate.core.Clock}, so hundreds
 * of nodes run in one test over an in-memory network without sleeping.
 *
 * <p>Imports {@code dev.spate.bencode}, {@code dev.spate.core} and the JDK, nothing else.
 */
package dev.spate.dht;
