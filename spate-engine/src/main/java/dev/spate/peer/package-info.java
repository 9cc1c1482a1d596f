/**
 * One peer connection: dialling and the handshake, a reader and a writer thread per connection,
 * and the per-peer protocol state the torrent loop keeps (choke and interest, the request pipeline
 * with slow start, rates, timeouts). Reports upward through {@link dev.spate.peer.PeerConnection.Listener},
 * which the engine implements.
 */
package dev.spate.peer;
