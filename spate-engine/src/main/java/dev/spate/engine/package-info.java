/**
 * The engine's public API: a {@link dev.spate.engine.Session} holds torrents
 * ({@link dev.spate.engine.TorrentHandle}), reports their {@link dev.spate.engine.TorrentStatus}
 * and a stream of {@link dev.spate.engine.Event}s.
 *
 * <p>Inside, package-private, one torrent is a {@code Torrent} (its lifecycle and the loop that
 * ties its roles together) over a narrow {@code TorrentContext} (clock, disk pool, storage factory,
 * event sink, connection slots, connector), so that it runs in unit tests on {@code MemoryStorage},
 * a fake clock and scripted peers. Its roles, each a class of its own and all owned by the
 * torrent's loop ({@code Mailbox}): {@code Lifecycle} (the state machine, terminal REMOVED and
 * ERROR), {@code Connections} (peer table, candidates with back-off, dialling, refusals, bans,
 * slots), {@code Download} (the picker, pieces, verdicts, hash-failure policy), {@code Upload}
 * (choker, serving), {@code Announcer} (trackers), {@code ResumeSaver}; {@code Inbox} is where the
 * peers' threads hand messages to the loop, with backpressure; {@code PeerIntents} sends what the
 * peers' protocol state machines report to the role it belongs to. Each class comment says which
 * thread owns its state.
 */
package dev.spate.engine;
