/**
 * The Spate daemon: one engine session behind a facade of plain request/response methods
 * ({@link dev.spate.daemon.Torrents}), and the Transmission RPC on it ({@link dev.spate.daemon.RpcServer}).
 * Only the command ({@code spate daemon}) uses it.
 */
module dev.spate.daemon {
    // Transitive: the facade speaks in the engine's types (Session, TorrentStatus, FilePriority).
    requires transitive dev.spate.engine;
    // com.sun.net.httpserver: the JDK's HTTP server (see the pom for why no framework).
    requires jdk.httpserver;
    requires tools.jackson.databind;

    exports dev.spate.daemon;
}
