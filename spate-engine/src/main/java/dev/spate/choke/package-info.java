/**
 * Choking: which peers we upload to. Every ten seconds the best few interested peers (by what they
 * give us while downloading, by what we give them while seeding) are unchoked, and one more peer,
 * rotated every thirty seconds and chosen at random with new connections favoured, is unchoked
 * optimistically (BEP 3, "Choking and optimistic unchoking").
 *
 * <p>A pure policy: no sockets, threads, IO or clock of its own; time and the peers' rates come in
 * as arguments and the engine applies the decision. It belongs to a torrent's loop and is used from
 * that one thread only. Imports {@code dev.spate.core} and the JDK, nothing else.
 */
package dev.spate.choke;
