/**
 * Local Service Discovery (BEP 14): announce our torrents to the local network by UDP multicast and hear
 * the announces of other clients, so that peers on one LAN (or one host) find each other without a
 * tracker or the DHT.
 *
 * <p>{@link dev.spate.lsd.LsdService} is the whole API: the engine starts one per network interface it
 * chooses ({@link dev.spate.lsd.LsdConfig}), registers the info-hashes of its public torrents, and gets
 * (info-hash, peer address) pairs back through a {@link dev.spate.lsd.LsdListener}. Inside, the parts are
 * plain objects that a test drives without sockets or sleeping: a strict, bounded codec of the
 * {@code BT-SEARCH} datagram, a schedule that rate-limits what we send, an admission that rate-limits
 * what we accept per source address and in total, and the receive path that ties them together.
 *
 * <p>Imports {@code dev.spate.core} and the JDK, nothing else.
 */
package dev.spate.lsd;
