package dev.spate.daemon;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The Transmission RPC's settings and queue methods: session-set (and what session-get adds),
 * torrent-set's torrent settings and queue position, and queue-move-top/-up/-down/-bottom; a part
 * of {@link TransmissionRpc} kept apart.
 *
 * <p>Arguments are checked before anything is changed. An argument Transmission defines that this
 * daemon does not support, or a value of the wrong type, is an error result naming it (Transmission
 * would pass it over in silence; a client is better told). A key Transmission does not define is
 * passed over, as Transmission does, and logged.
 *
 * <p>Stateless apart from the facade; any thread.
 */
final class SettingsMethods {
    private static final System.Logger LOG = System.getLogger(SettingsMethods.class.getName());

    /** torrent-set's arguments handled elsewhere ({@link TransmissionRpc}: ids, files and location). */
    static final Set<String> TORRENT_SET_FILES = Set.of("ids", "files-wanted", "files-unwanted", "priority-high",
            "priority-normal", "priority-low", "location");
    /** torrent-set arguments of Transmission 4 (rpc-spec.md 3.2) this daemon does not support. */
    static final Set<String> TORRENT_SET_UNSUPPORTED = Set.of("group",
            "trackerAdd", "trackerRemove", "trackerReplace", "trackerList");
    /**
     * session-set arguments of Transmission 4 (rpc-spec.md 4.1) this daemon does not support: its
     * network and disk settings come from the command line.
     */
    static final Set<String> SESSION_SET_UNSUPPORTED = Set.of("peer-port", "peer-port-random-on-start",
            "port-forwarding-enabled", "encryption", "dht-enabled", "pex-enabled", "lpd-enabled", "utp-enabled",
            "peer-limit-global", "peer-limit-per-torrent", "blocklist-enabled", "blocklist-url", "cache-size-mb",
            "incomplete-dir", "incomplete-dir-enabled", "rename-partial-files", "script-torrent-done-enabled",
            "script-torrent-done-filename", "script-torrent-added-enabled", "script-torrent-added-filename",
            "script-torrent-done-seeding-enabled", "script-torrent-done-seeding-filename",
            "trash-original-torrent-files", "default-trackers", "download-dir-free-space", "anti-brute-force-enabled",
            "anti-brute-force-threshold");
    /** Keys session-set may carry that change nothing (Transmission passes over them too). */
    private static final Set<String> SESSION_SET_READ_ONLY = Set.of("version", "rpc-version", "rpc-version-minimum",
            "config-dir", "session-id", "units", "blocklist-size");

    private final Torrents torrents;

    SettingsMethods(Torrents torrents) {
        this.torrents = torrents;
    }

    /** session-get's settings: the speed limits, queues, seeding limits and start-added-torrents. */
    void sessionGet(ObjectNode out) {
        torrents.sessionSettings().toJson(out);
    }

    /** session-set: every argument checked, then all of them applied at once. */
    void sessionSet(JsonNode args) throws TransmissionRpc.RpcException {
        Set<String> unsupported = new TreeSet<>();
        Set<String> unknown = new TreeSet<>();
        for (String key : args.propertyNames()) {
            if (SESSION_SET_UNSUPPORTED.contains(key)) {
                unsupported.add(key);
            } else if (!key.equals("download-dir") && !SessionSettings.KEYS.contains(key)
                    && !SESSION_SET_READ_ONLY.contains(key)) {
                unknown.add(key);
            }
        }
        if (!unsupported.isEmpty()) {
            throw new TransmissionRpc.RpcException("session-set argument not supported: " + String.join(", ", unsupported));
        }
        List<String> problems = new ArrayList<>();
        SessionSettings changed = SessionSettings.read(args, torrents.sessionSettings(), problems);
        if (!problems.isEmpty()) {
            throw new TransmissionRpc.RpcException("invalid argument: " + String.join(", ", problems));
        }
        JsonNode dir = args.path("download-dir");
        if (!dir.isMissingNode() && (!dir.isString() || dir.stringValue().isBlank())) {
            throw new TransmissionRpc.RpcException("invalid argument: download-dir must be a directory's path");
        }
        if (!unknown.isEmpty()) {
            LOG.log(System.Logger.Level.INFO, "session-set: passing over arguments Transmission does not define: {0}", unknown);
        }
        if (dir.isString()) {
            // First: outside the download roots, it refuses the whole request before anything changed.
            try {
                torrents.setDefaultDirectory(java.nio.file.Path.of(dir.stringValue()));
            } catch (Torrents.TorrentsException | java.nio.file.InvalidPathException e) {
                throw new TransmissionRpc.RpcException(e.getMessage());
            }
        }
        torrents.setSessionSettings(changed);
    }

    /**
     * Checks torrent-set's arguments other than the files' before any is applied.
     *
     * @return the settings change to apply afterwards ({@link #applyTorrentSet}), null for none
     */
    JsonNode checkTorrentSet(JsonNode args) throws TransmissionRpc.RpcException {
        Set<String> unsupported = new TreeSet<>();
        Set<String> unknown = new TreeSet<>();
        boolean any = false;
        for (String key : args.propertyNames()) {
            if (TORRENT_SET_UNSUPPORTED.contains(key)) {
                unsupported.add(key);
            } else if (TorrentSettings.KEYS.contains(key) || key.equals("queuePosition")) {
                any = true;
            } else if (!TORRENT_SET_FILES.contains(key)) {
                unknown.add(key);
            }
        }
        if (!unsupported.isEmpty()) {
            throw new TransmissionRpc.RpcException("torrent-set argument not supported: " + String.join(", ", unsupported));
        }
        List<String> problems = new ArrayList<>();
        try {
            TorrentSettings.read(args, TorrentSettings.defaults(SessionSettings.defaults(), 50), problems);
        } catch (TorrentSettings.LabelException e) {
            throw new TransmissionRpc.RpcException(e.getMessage());
        }
        JsonNode position = args.get("queuePosition");
        if (position != null && !(position.isIntegralNumber() && position.canConvertToInt() && position.asInt() >= 0)) {
            problems.add("queuePosition");
        }
        if (!problems.isEmpty()) {
            throw new TransmissionRpc.RpcException("invalid argument: " + String.join(", ", problems));
        }
        if (!unknown.isEmpty()) {
            LOG.log(System.Logger.Level.INFO, "torrent-set: passing over arguments Transmission does not define: {0}", unknown);
        }
        return any ? args : null;
    }

    /** Applies the settings of a torrent-set checked by {@link #checkTorrentSet}. */
    void applyTorrentSet(Collection<Object> ids, JsonNode args) {
        if (args == null) {
            return;
        }
        torrents.setSettings(ids, t -> TorrentSettings.read(args, t, new ArrayList<>()));
        if (args.has("queuePosition")) {
            torrents.setQueuePosition(ids, args.get("queuePosition").asInt());
        }
    }

    /** queue-move-top, -up, -down, -bottom. */
    void queueMove(Torrents.Move move, JsonNode args) throws TransmissionRpc.RpcException {
        torrents.moveInQueue(TransmissionRpc.ids(args), move);
    }
}
