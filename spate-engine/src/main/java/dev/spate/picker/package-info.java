/**
 * Download state and the choice of what to request next: which pieces we have, which blocks of
 * the pieces in progress are free, requested (and from whom) or received, how many peers have each
 * piece, and the policy that turns this into block requests for one peer (started pieces first, a
 * few random pieces to start, then rarest first, then endgame).
 *
 * <p>A pure data structure: no sockets, threads, IO or clock. It belongs to a torrent's loop and is
 * used from that one thread only. Imports {@code dev.spate.core} and the JDK, nothing else.
 */
package dev.spate.picker;
