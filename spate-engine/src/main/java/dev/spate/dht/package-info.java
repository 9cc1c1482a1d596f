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
 * <p>The defensive rules, in one place (each is enforced where its class comment says):
 * <ul>
 *   <li>Entering the table: only a node that answered one of our queries, from the address we sent
 *       to, with our transaction id and, if we knew its id, that id; never our own id, never a BEP 43
 *       read-only node, one entry per IP address. A node that queries us or that others name is
 *       pinged first, at most once per five minutes per address.
 *   <li>Leaving it: two failed queries in a row make a node bad and it is replaced at once by the
 *       newest answered replacement; questionable nodes (15 minutes silent) are pinged to find out;
 *       a node with a BEP 42 id that matches its address displaces an unverified one from a full
 *       bucket.
 *   <li>Tokens: a hash of the querier's IP and a secret that changes every five minutes; the previous
 *       secret is still accepted, nothing per querier is stored.
 *   <li>Input: datagrams over 2,048 bytes, nested deeper than KRPC, with fields beyond their bounds
 *       (16 contacts per family, 200 peers, 16-byte transaction ids, 64-byte tokens) are dropped when
 *       decoded; an IP sending more than 5 queries a second beyond a burst of 10 is ignored for a minute
 *       (malformed datagrams and answers to nothing we asked count as queries).
 *   <li>Output: replies at most 1024 bytes (BEP 32), with only the families asked for; nothing is
 *       sent to multicast, broadcast or unspecified addresses or to port 0.
 *   <li>Our id: derived from our external address (BEP 42), which changes only when several distinct
 *       nodes that answered our queries agree on it, or when the engine sets it.
 * </ul>
 *
 * <p>Imports {@code dev.spate.bencode}, {@code dev.spate.core} and the JDK, nothing else.
 */
package dev.spate.dht;
