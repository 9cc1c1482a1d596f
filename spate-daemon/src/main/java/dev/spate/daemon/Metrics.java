package dev.spate.daemon;

import dev.spate.engine.DhtStatus;
import dev.spate.engine.Event;
import dev.spate.engine.Session;
import dev.spate.engine.Subscription;
import dev.spate.engine.TorrentState;
import dev.spate.engine.TorrentStatus;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The daemon's metrics in the Prometheus text exposition format (version 0.0.4), served at
 * {@value #PATH}: names prefixed {@code spate_}, base units in the name ({@code _bytes},
 * {@code _bytes_per_second}), counters ending {@code _total}, a {@code # HELP} and {@code # TYPE}
 * line before each family. Gauges are read from the facade at each scrape; the counters of
 * things that happen (hash failures, bans, tracker errors, verified pieces) are counted from the
 * session's events as they come, so they only grow while the daemon runs, and the events this
 * subscriber was too slow for are a counter of their own.
 *
 * <p>The event counters are written by the subscription's thread and read by scrapes: atomics.
 */
final class Metrics implements AutoCloseable {
    /** Where Prometheus scrapes. */
    static final String PATH = "/metrics";
    /** The content type of the text format. */
    static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private final Torrents torrents;
    private final Session session;
    private final Subscription events;
    private final AtomicLong hashFailures = new AtomicLong();
    private final AtomicLong piecesVerified = new AtomicLong();
    private final AtomicLong peersBanned = new AtomicLong();
    private final AtomicLong trackerErrors = new AtomicLong();
    private final AtomicLong peerConnections = new AtomicLong();
    private final AtomicLong torrentsCompleted = new AtomicLong();

    Metrics(Torrents torrents) {
        this.torrents = torrents;
        this.session = torrents.session();
        this.events = session.subscribe(this::count);
    }

    private void count(Event e) {
        switch (e) {
            case Event.HashFailed h -> hashFailures.incrementAndGet();
            case Event.PieceVerified p -> piecesVerified.incrementAndGet();
            case Event.PeerBanned b -> peersBanned.incrementAndGet();
            case Event.TrackerError t -> trackerErrors.incrementAndGet();
            case Event.PeerConnected c -> peerConnections.incrementAndGet();
            case Event.TorrentComplete c -> torrentsCompleted.incrementAndGet();
            default -> {
                // not counted
            }
        }
    }

    /** The metrics as they are now, in the text format. */
    String scrape() {
        List<Torrents.Torrent> all = torrents.list();
        Map<TorrentState, Integer> byState = new EnumMap<>(TorrentState.class);
        long down = 0;
        long up = 0;
        long peers = 0;
        long known = 0;
        long left = 0;
        for (Torrents.Torrent t : all) {
            TorrentStatus s = t.status();
            byState.merge(s.state(), 1, Integer::sum);
            down += s.downloadRate();
            up += s.uploadRate();
            peers += s.peers();
            known += s.knownPeers();
            left += Math.max(0, s.wantedBytes() - s.wantedBytesVerified());
        }
        TorrentStore.Stats moved = torrents.currentStats();
        Text out = new Text();
        out.family("spate_torrents", "gauge", "Torrents in the daemon, by state.");
        for (TorrentState state : TorrentState.values()) {
            if (state != TorrentState.REMOVED) {
                out.sample("spate_torrents", "state", state.name().toLowerCase(Locale.ROOT), byState.getOrDefault(state, 0));
            }
        }
        out.gauge("spate_download_speed_bytes_per_second", "Payload bytes received per second, all torrents.", down);
        out.gauge("spate_upload_speed_bytes_per_second", "Payload bytes sent per second, all torrents.", up);
        // As of the daemon's last once-a-second sample; torrents removed since keep their share.
        out.counter("spate_downloaded_bytes_total", "Payload bytes received since the daemon started.", moved.downloadedBytes());
        out.counter("spate_uploaded_bytes_total", "Payload bytes sent since the daemon started.", moved.uploadedBytes());
        out.gauge("spate_left_bytes", "Bytes of wanted files not yet verified, all torrents.", left);
        out.gauge("spate_peers", "Connected peers, all torrents.", peers);
        out.gauge("spate_known_peers", "Peer addresses known and not connected, all torrents.", known);
        out.counter("spate_peer_connections_total", "Peer connections made (either way).", peerConnections.get());
        out.counter("spate_peers_banned_total", "Peers banned for sending bad data or breaking the protocol.", peersBanned.get());
        out.counter("spate_hash_failures_total", "Pieces whose hash did not match and were fetched again.", hashFailures.get());
        out.counter("spate_pieces_verified_total", "Pieces downloaded and verified.", piecesVerified.get());
        out.counter("spate_torrents_completed_total", "Torrents that finished downloading.", torrentsCompleted.get());
        out.counter("spate_tracker_errors_total", "Tracker announces that failed.", trackerErrors.get());
        out.gauge("spate_disk_queued_bytes", "Received bytes waiting for, or in, hashing and writing.", session.diskQueuedBytes());
        out.gauge("spate_disk_queue_limit_bytes", "The most received bytes that may wait for the disk.", session.config().diskQueueBytes());
        out.counter("spate_events_dropped_total", "Session events the metrics were too slow to count.", events.dropped());
        Optional<DhtStatus> dht = session.dhtStatus();
        out.family("spate_dht_nodes", "gauge", "Nodes in the DHT's routing tables, by address family.");
        out.sample("spate_dht_nodes", "family", "ipv4", dht.map(DhtStatus::nodes4).orElse(0));
        out.sample("spate_dht_nodes", "family", "ipv6", dht.map(DhtStatus::nodes6).orElse(0));
        out.gauge("spate_dht_ready", "1 when the DHT has joined the network, else 0.", dht.map(d -> d.ready() ? 1 : 0).orElse(0));
        return out.toString();
    }

    @Override
    public void close() {
        events.close();
    }

    /** The text format's lines. */
    private static final class Text {
        private final StringBuilder b = new StringBuilder();

        void family(String name, String type, String help) {
            b.append("# HELP ").append(name).append(' ').append(help).append('\n');
            b.append("# TYPE ").append(name).append(' ').append(type).append('\n');
        }

        void gauge(String name, String help, long value) {
            family(name, "gauge", help);
            b.append(name).append(' ').append(value).append('\n');
        }

        void counter(String name, String help, long value) {
            family(name, "counter", help);
            b.append(name).append(' ').append(value).append('\n');
        }

        void sample(String name, String label, String value, long sample) {
            b.append(name).append('{').append(label).append("=\"").append(escape(value)).append("\"} ")
                    .append(sample).append('\n');
        }

        /** A label value as the format quotes it: backslash, double quote and line feed escaped. */
        static String escape(String value) {
            return value.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
        }

        @Override
        public String toString() {
            return b.toString();
        }
    }
}
