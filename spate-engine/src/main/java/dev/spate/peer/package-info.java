/**
 * One peer connection: dialling and the handshake, accepting ({@link dev.spate.peer.Acceptor}, a
 * listening socket's accept loop and the handshakes of incoming connections), a reader and a writer
 * thread per connection, and the per-peer protocol state the torrent loop keeps (choke and interest,
 * the request pipeline with slow start, rates, timeouts). Reports upward through
 * {@link dev.spate.peer.PeerConnection.Listener}, which the engine implements.
 */
package dev.spate.peer;
