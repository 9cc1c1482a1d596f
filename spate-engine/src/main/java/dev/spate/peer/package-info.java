/**
 * One peer: dialling and the handshake, accepting ({@link dev.spate.peer.Acceptor}, a listening
 * socket's accept loop and the handshakes of incoming connections), a reader and a writer thread
 * per connection ({@link dev.spate.peer.PeerConnection}, a {@link dev.spate.peer.PeerLink}), and
 * the protocol itself as a state machine, {@link dev.spate.peer.PeerSession}: it consumes the
 * peer's messages, enforces BEP 3, 6 and 10 (choke and interest, message order, request bounds and
 * floods, keep-alive, idle, snub and request timeouts, the request pipeline with slow start) and
 * reports intents through {@link dev.spate.peer.PeerSession.Listener}, which the engine
 * implements. A connection made before a magnet's metadata keeps, bounded, what its peer said
 * ({@link dev.spate.peer.EarlyMessages}) and carries over to the torrent without a new handshake
 * ({@link dev.spate.peer.PeerLink#holdMessages}, {@link dev.spate.peer.PeerLink#handOver}).
 * Unit-tested with records in and intents out, no sockets.
 */
package dev.spate.peer;
