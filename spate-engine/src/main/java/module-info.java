/**
 * The Spate BitTorrent engine.
 *
 * <p>Only three packages are API: {@code dev.spate.engine} (sessions, torrents, events),
 * {@code dev.spate.metainfo} (reading and creating .torrent files) and {@code dev.spate.bencode}
 * (the value model those files are made of). Everything else is internal and may change.
 */
module dev.spate.engine {
    requires java.net.http;
    // com.sun.nio.file.ExtendedOpenOption.DIRECT: direct IO for verified pieces (FileStorage).
    requires jdk.unsupported;

    exports dev.spate.bencode;
    // Shared values the API speaks in: InfoHash in handles, events and status.
    exports dev.spate.core;
    exports dev.spate.engine;
    exports dev.spate.metainfo;
}
