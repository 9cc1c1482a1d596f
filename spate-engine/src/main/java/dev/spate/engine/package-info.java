/**
 * The engine's public API: a {@link dev.spate.engine.Session} holds torrents
 * ({@link dev.spate.engine.TorrentHandle}), reports their {@link dev.spate.engine.TorrentStatus}
 * and a stream of {@link dev.spate.engine.Event}s.
 *
 * <p>Inside, package-private: the per-torrent loop that owns the picker, the in-progress pieces and
 * the peer table; the connection manager; verification and storage hand-off. Each class comment
 * says which thread owns its state.
 */
package dev.spate.engine;
