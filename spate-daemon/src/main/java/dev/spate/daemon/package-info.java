/**
 * The daemon: {@link dev.spate.daemon.Torrents}, the one facade every remote surface calls (here
 * the Transmission RPC; later the web UI and streaming), over one engine {@link
 * dev.spate.engine.Session}; {@code TransmissionRpc}, a thin translation of
 * Transmission's JSON methods onto it; and {@link dev.spate.daemon.RpcServer}, the HTTP side (the
 * session-id header, Basic auth, the Host check, bounded bodies). Transmission's queues and seeding
 * limits are {@code Queue}, a pure decision from each torrent's record, applied by the facade at
 * every change and every second ({@link dev.spate.daemon.Ticker}). Where requests may put data is
 * {@link dev.spate.daemon.DownloadRoots}; {@link dev.spate.daemon.WatchFolder} adds the torrents
 * put in a directory; {@code ExchangeDeadlines} bounds each HTTP exchange while it waits on its
 * client. Uses only the engine's exported packages.
 */
package dev.spate.daemon;
