package dev.spate.daemon;

import dev.spate.engine.FilePriority;
import dev.spate.engine.FileStatus;
import dev.spate.engine.PeerStats;
import dev.spate.engine.Session;
import dev.spate.engine.TorrentState;
import dev.spate.engine.TorrentStatus;
import dev.spate.metainfo.Metainfo;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.List;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Transmission's RPC methods (its docs/rpc-spec.md, protocol version 17) as a thin translation onto
 * {@link Torrents}: a request {@code {"method", "arguments", "tag"}} in, a response
 * {@code {"result", "arguments", "tag"}} out, {@code result} being "success" or what went wrong.
 * Every failure is a result, never an exception: an unknown method answers "method name not
 * recognized". The HTTP side (session id, auth, Host) is {@link RpcServer}'s.
 *
 * <p>Stateless apart from the facade; any thread.
 */
final class TransmissionRpc {
    /** The Transmission version we answer as: clients check it against the features they need (2.40 and up). */
    static final String VERSION = "4.0.0 (Spate)";
    /** Transmission 4.0's RPC version, and the oldest whose clients we serve as it does. */
    static final int RPC_VERSION = 17;
    static final int RPC_VERSION_MINIMUM = 14;

    // Transmission's tr_torrent_activity (rpc-spec.md, torrent-get "status").
    static final int STOPPED = 0;
    static final int CHECK_WAIT = 1;
    static final int CHECK = 2;
    static final int DOWNLOAD_WAIT = 3;
    static final int DOWNLOAD = 4;
    static final int SEED_WAIT = 5;
    static final int SEED = 6;

    /** rpc-spec.md, "error": 0 none, 1 tracker warning, 2 tracker error, 3 local error. */
    static final int LOCAL_ERROR = 3;

    private final Torrents torrents;
    private final JsonMapper json;
    private final SettingsMethods settings;

    TransmissionRpc(Torrents torrents, JsonMapper json) {
        this.torrents = torrents;
        this.json = json;
        this.settings = new SettingsMethods(torrents);
    }

    /** A request's failure that becomes its result string. */
    static final class RpcException extends Exception {
        RpcException(String message) {
            super(message);
        }
    }

    /** Answers one request (already parsed as JSON). */
    ObjectNode handle(JsonNode request) {
        ObjectNode response = json.createObjectNode();
        ObjectNode arguments = json.createObjectNode();
        String result = "success";
        if (!request.isObject()) {
            result = "request is not a JSON object";
        } else {
            JsonNode args = request.path("arguments");
            if (!args.isObject()) {
                args = json.createObjectNode();
            }
            String method = request.path("method").isString() ? request.path("method").stringValue() : "";
            try {
                switch (method) {
                    case "session-get" -> sessionGet(arguments);
                    case "session-set" -> settings.sessionSet(args);
                    case "session-stats" -> sessionStats(arguments);
                    case "torrent-get" -> torrentGet(args, arguments);
                    case "torrent-add" -> torrentAdd(args, arguments);
                    case "torrent-start" -> torrents.start(ids(args));
                    case "torrent-start-now" -> torrents.startNow(ids(args));
                    case "torrent-reannounce" -> torrents.reannounce(ids(args));
                    case "queue-move-top" -> settings.queueMove(Torrents.Move.TOP, args);
                    case "queue-move-up" -> settings.queueMove(Torrents.Move.UP, args);
                    case "queue-move-down" -> settings.queueMove(Torrents.Move.DOWN, args);
                    case "queue-move-bottom" -> settings.queueMove(Torrents.Move.BOTTOM, args);
                    case "torrent-stop" -> torrents.stop(ids(args));
                    case "torrent-verify" -> torrents.verify(ids(args));
                    case "torrent-remove" -> torrents.remove(ids(args), args.path("delete-local-data").asBoolean(false));
                    case "torrent-set" -> torrentSet(args);
                    case "torrent-set-location" -> torrentSetLocation(args);
                    case "free-space" -> freeSpace(args, arguments);
                    default -> result = "method name not recognized";
                }
            } catch (RpcException | Torrents.TorrentsException e) {
                result = e.getMessage();
            } catch (IOException | RuntimeException e) {
                result = e.getMessage() == null ? e.toString() : e.getMessage();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                result = "interrupted";
            }
            if (request.has("tag")) {
                response.set("tag", request.get("tag"));
            }
        }
        response.put("result", result);
        response.set("arguments", arguments);
        return response;
    }

    /**
     * The {@code ids} argument: absent (every torrent), a number, a hash string, "recently-active"
     * (every torrent too: we keep no activity window yet) or an array of numbers and hash strings.
     */
    static Collection<Object> ids(JsonNode args) throws RpcException {
        JsonNode ids = args.path("ids");
        if (ids.isMissingNode() || ids.isNull()) {
            return null;
        }
        if (ids.isString() && ids.stringValue().equals("recently-active")) {
            return null;
        }
        List<Object> out = new ArrayList<>();
        for (JsonNode id : ids.isArray() ? ids.values() : List.of(ids)) {
            if (id.isIntegralNumber() && id.canConvertToInt()) {
                out.add(id.intValue());
            } else if (id.isString()) {
                out.add(id.stringValue());
            } else {
                throw new RpcException("invalid id: " + id);
            }
        }
        return out;
    }

    private void sessionGet(ObjectNode out) {
        Session session = torrents.session();
        out.put("version", VERSION);
        out.put("rpc-version", RPC_VERSION);
        out.put("rpc-version-minimum", RPC_VERSION_MINIMUM);
        out.put("download-dir", torrents.defaultDirectory().toString());
        out.put("peer-port", session.listenPort());
        out.put("dht-enabled", session.config().dht());
        out.put("lpd-enabled", session.config().localDiscovery());
        out.put("pex-enabled", session.config().pex());
        out.put("encryption", switch (session.config().encryption()) {
            case TOLERATE -> "tolerated";
            case PREFER -> "preferred";
            case REQUIRE -> "required";
        });
        settings.sessionGet(out);
        out.put("peer-limit-per-torrent", session.config().maxPeersPerTorrent());
        out.put("peer-limit-global", session.config().maxConnections());
        ObjectNode units = out.putObject("units");
        units.putArray("speed-units").add("kB/s").add("MB/s").add("GB/s").add("TB/s");
        units.put("speed-bytes", 1000);
        units.putArray("size-units").add("kB").add("MB").add("GB").add("TB");
        units.put("size-bytes", 1000);
        units.putArray("memory-units").add("KiB").add("MiB").add("GiB").add("TiB");
        units.put("memory-bytes", 1024);
    }

    private void sessionStats(ObjectNode out) {
        List<Torrents.Torrent> all = torrents.list();
        long down = 0;
        long up = 0;
        int paused = 0;
        for (Torrents.Torrent t : all) {
            TorrentStatus s = t.status();
            down += s.downloadRate();
            up += s.uploadRate();
            // As Transmission counts: a torrent waiting in its queue is not running either.
            if (status(t) == STOPPED || t.book().queued()) {
                paused++;
            }
        }
        out.put("torrentCount", all.size());
        out.put("activeTorrentCount", all.size() - paused);
        out.put("pausedTorrentCount", paused);
        out.put("downloadSpeed", down);
        out.put("uploadSpeed", up);
        record Named(String key, TorrentStore.Stats stats) {
        }
        for (Named n : List.of(new Named("current-stats", torrents.currentStats()),
                new Named("cumulative-stats", torrents.cumulativeStats()))) {
            out.putObject(n.key()).put("uploadedBytes", n.stats().uploadedBytes())
                    .put("downloadedBytes", n.stats().downloadedBytes()).put("filesAdded", n.stats().filesAdded())
                    .put("sessionCount", n.stats().sessionCount()).put("secondsActive", n.stats().secondsActive());
        }
    }

    private void torrentAdd(JsonNode args, ObjectNode out) throws RpcException, Torrents.TorrentsException,
            IOException, InterruptedException {
        Torrents.Source source;
        if (args.path("metainfo").isString()) {
            byte[] bytes;
            try {
                bytes = Base64.getMimeDecoder().decode(args.path("metainfo").stringValue());
            } catch (IllegalArgumentException e) {
                throw new RpcException("invalid or corrupt torrent file: metainfo is not base64");
            }
            source = new Torrents.Source.Bytes(bytes);
        } else if (args.path("filename").isString() && !args.path("filename").stringValue().isEmpty()) {
            source = Torrents.Source.of(args.path("filename").stringValue());
            if (source instanceof Torrents.Source.File f) {
                source = new Torrents.Source.Bytes(localTorrent(f.path()));
            }
        } else {
            throw new RpcException("no filename or metainfo specified");
        }
        Path dir = args.path("download-dir").isString() && !args.path("download-dir").stringValue().isEmpty()
                ? Path.of(args.path("download-dir").stringValue()) : null;
        // Checked before the add, so a refused label adds nothing.
        List<String> labels = null;
        if (args.path("labels").isArray()) {
            try {
                labels = TorrentSettings.labels(args.path("labels"));
            } catch (TorrentSettings.LabelException e) {
                throw new RpcException(e.getMessage());
            }
        }
        boolean paused = args.path("paused").isBoolean() ? args.path("paused").booleanValue()
                : !torrents.sessionSettings().startAddedTorrents();
        List<FileChange> fileChanges = fileChanges(args);
        // Files chosen with the add (transmission-remote -a X -G 1) apply before anything is fetched:
        // the torrent is added stopped, its files set, then started unless the add was to be paused.
        Torrents.Added added = torrents.add(source, dir, paused || !fileChanges.isEmpty());
        if (!added.duplicate()) {
            ObjectNode own = json.createObjectNode();
            if (labels != null) {
                own.set("labels", args.path("labels"));
            }
            for (String key : List.of("bandwidthPriority", "peer-limit")) {
                if (args.has(key)) {
                    own.set(key, args.get(key));
                }
            }
            if (!own.isEmpty()) {
                torrents.setSettings(List.of(added.torrent().id()),
                        t -> TorrentSettings.read(own, t, new ArrayList<>()));
            }
        }
        if (!added.duplicate() && !fileChanges.isEmpty()) {
            List<Object> id = List.of(added.torrent().id());
            try {
                // A magnet link's files are not known before its metadata: the choice is not kept for then.
                if (!added.torrent().wanted().isEmpty()) {
                    setFiles(id, fileChanges);
                }
            } finally {
                if (!paused) {
                    torrents.start(id);
                }
            }
        }
        ObjectNode t = out.putObject(added.duplicate() ? "torrent-duplicate" : "torrent-added");
        t.put("id", added.torrent().id());
        t.put("name", added.torrent().status().name());
        t.put("hashString", added.torrent().status().infoHash().hex());
    }

    /**
     * The bytes of a .torrent named by path. The daemon may run as another user than the client,
     * so the path must lie inside the download roots (no probing of the machine's files), be a
     * regular file (a FIFO would block the request for ever) no larger than a .torrent can be,
     * and a failure says no more than that (nothing of what the file holds).
     */
    private byte[] localTorrent(Path path) throws RpcException {
        Path checked;
        try {
            checked = torrents.roots().check(path.toAbsolutePath().normalize());
        } catch (DownloadRoots.OutsideRootsException e) {
            throw new RpcException("a .torrent named by path must be inside the download roots: " + e.getMessage());
        }
        try {
            if (!java.nio.file.Files.isRegularFile(checked)
                    || java.nio.file.Files.size(checked) > dev.spate.metainfo.MetainfoParser.MAX_FILE_SIZE) {
                throw new RpcException("not a .torrent file: " + path);
            }
            return java.nio.file.Files.readAllBytes(checked);
        } catch (IOException e) {
            throw new RpcException("cannot read the .torrent file " + path);
        }
    }

    private void torrentSet(JsonNode args) throws RpcException, Torrents.TorrentsException, IOException {
        Collection<Object> ids = ids(args);
        // Every argument checked before any is applied: the location, the settings, then the file lists.
        Path location = null;
        if (args.has("location")) {
            // As Transmission: the torrent's data is at this place now (torrent-set-location without a move).
            if (!args.path("location").isString() || args.path("location").stringValue().isEmpty()) {
                throw new RpcException("invalid argument: location");
            }
            location = torrents.inRoots(Path.of(args.path("location").stringValue()));
        }
        JsonNode own = settings.checkTorrentSet(args);
        setFiles(ids, fileChanges(args));
        settings.applyTorrentSet(ids, own);
        if (location != null) {
            torrents.setLocation(ids, location, false);
        }
    }

    /** A change to some files of a torrent: whether they are wanted, or their priority (null: unchanged). */
    private record FileChange(List<Integer> files, Boolean wanted, FilePriority priority) {
    }

    /**
     * The file arguments of torrent-set and torrent-add (files-wanted, files-unwanted, priority-high,
     * -normal, -low), each a list of file indices, in that order.
     */
    private static List<FileChange> fileChanges(JsonNode args) throws RpcException {
        record Key(String key, Boolean wanted, FilePriority priority) {
        }
        List<FileChange> changes = new ArrayList<>();
        for (Key c : List.of(new Key("files-wanted", true, null), new Key("files-unwanted", false, null),
                new Key("priority-high", null, FilePriority.HIGH), new Key("priority-normal", null, FilePriority.NORMAL),
                new Key("priority-low", null, FilePriority.LOW))) {
            JsonNode list = args.path(c.key());
            if (list.isMissingNode()) {
                continue;
            }
            if (!list.isArray()) {
                throw new RpcException(c.key() + " is not an array");
            }
            List<Integer> files = new ArrayList<>();
            for (JsonNode i : list.values()) {
                if (!i.isIntegralNumber() || !i.canConvertToInt()) {
                    throw new RpcException(c.key() + ": not a file index: " + i);
                }
                files.add(i.intValue());
            }
            changes.add(new FileChange(files, c.wanted(), c.priority()));
        }
        return changes;
    }

    private void setFiles(Collection<Object> ids, List<FileChange> changes) throws Torrents.TorrentsException {
        for (FileChange c : changes) {
            torrents.setFiles(ids, c.files(), c.wanted(), c.priority());
        }
    }

    /**
     * rpc-spec.md's torrent-set-location: {@code location} (required), {@code move} (default false:
     * the data is there already). Answered at once; a move completes later.
     */
    private void torrentSetLocation(JsonNode args) throws RpcException, Torrents.TorrentsException, IOException {
        JsonNode location = args.path("location");
        if (!location.isString() || location.stringValue().isEmpty()) {
            throw new RpcException("no location specified");
        }
        torrents.setLocation(ids(args), Path.of(location.stringValue()), args.path("move").asBoolean(false));
    }

    /** rpc-spec.md's free-space: {@code path} in; {@code path}, {@code size-bytes} and (RPC 17) {@code total_size} out. */
    private void freeSpace(JsonNode args, ObjectNode out) throws RpcException, Torrents.TorrentsException, IOException {
        JsonNode path = args.path("path");
        if (!path.isString() || path.stringValue().isEmpty()) {
            throw new RpcException("no path specified");
        }
        Torrents.Space space = torrents.freeSpace(Path.of(path.stringValue()));
        out.put("path", path.stringValue());
        out.put("size-bytes", space.free());
        out.put("total_size", space.total());
    }

    private void torrentGet(JsonNode args, ObjectNode out) throws RpcException {
        JsonNode fields = args.path("fields");
        if (!fields.isArray()) {
            throw new RpcException("no fields specified");
        }
        List<String> names = new ArrayList<>();
        for (JsonNode f : fields.values()) {
            if (f.isString()) {
                names.add(f.stringValue());
            }
        }
        boolean table = args.path("format").isString() && args.path("format").stringValue().equals("table");
        ArrayNode list = out.putArray("torrents");
        if (table) {
            ArrayNode header = list.addArray();
            names.forEach(header::add);
        }
        for (Torrents.Torrent t : torrents.get(ids(args))) {
            ObjectNode o = json.createObjectNode();
            Fields f = new Fields(t);
            for (String name : names) {
                f.put(o, name);
            }
            if (table) {
                ArrayNode row = list.addArray();
                for (String name : names) {
                    row.add(o.has(name) ? o.get(name) : json.nullNode());
                }
            } else {
                list.add(o);
            }
        }
        out.putArray("removed");
    }

    /** Transmission's status number of a torrent: the engine's, or waiting in its queue. */
    static int status(Torrents.Torrent t) {
        if (t.book().queued() && t.status().state() != TorrentState.CHECKING) {
            return t.status().isFinished() ? SEED_WAIT : DOWNLOAD_WAIT;
        }
        return status(t.status());
    }

    /** Transmission's status number for an engine state. */
    static int status(TorrentStatus s) {
        return switch (s.state()) {
            case CHECKING -> CHECK;
            case METADATA, DOWNLOADING -> s.isFinished() ? SEED : DOWNLOAD;
            case SEEDING -> SEED;
            case PAUSED, ERROR, REMOVED -> STOPPED;
        };
    }

    /** Transmission's file priority: -1 low, 0 normal, 1 high. */
    static int priority(FilePriority p) {
        return switch (p) {
            case LOW -> -1;
            case HIGH -> 1;
            case NORMAL, SKIP -> 0;
        };
    }

    /** The torrent-get fields of one torrent; the peer table taken only when a field needs it. */
    private final class Fields {
        private final Torrents.Torrent t;
        private final TorrentStatus s;
        private List<PeerStats> peers;

        Fields(Torrents.Torrent t) {
            this.t = t;
            this.s = t.status();
        }

        private List<PeerStats> peers() {
            if (peers == null) {
                peers = torrents.peers(t.id());
            }
            return peers;
        }

        /** Puts field {@code name} into {@code o}; an unknown one is left out (rpc-spec.md allows it). */
        void put(ObjectNode o, String name) {
            Metainfo meta = t.metainfo().orElse(null);
            long left = Math.max(0, s.wantedBytes() - s.wantedBytesVerified());
            switch (name) {
                case "id" -> o.put(name, t.id());
                case "hashString" -> o.put(name, s.infoHash().hex());
                case "name" -> o.put(name, s.name());
                case "status" -> o.put(name, status(t));
                case "percentDone" -> o.put(name, s.progress());
                case "percentComplete" -> o.put(name, s.totalBytes() == 0 ? 0.0 : (double) s.bytesVerified() / s.totalBytes());
                case "metadataPercentComplete" -> o.put(name, s.state() == TorrentState.METADATA ? s.progress() : 1.0);
                case "recheckProgress" -> o.put(name, s.state() == TorrentState.CHECKING
                        ? (s.pieceCount() == 0 ? 0.0 : (double) s.piecesVerified() / s.pieceCount()) : 0.0);
                case "totalSize" -> o.put(name, s.totalBytes());
                case "sizeWhenDone" -> o.put(name, s.wantedBytes());
                case "leftUntilDone" -> o.put(name, left);
                case "desiredAvailable" -> o.put(name, left);
                case "haveValid" -> o.put(name, s.bytesVerified());
                case "haveUnchecked" -> o.put(name, 0);
                case "corruptEver" -> o.put(name, s.wasted());
                case "rateDownload" -> o.put(name, s.downloadRate());
                case "rateUpload" -> o.put(name, s.uploadRate());
                case "downloadDir" -> o.put(name, t.downloadDirectory().toString());
                case "error" -> o.put(name, s.state() == TorrentState.ERROR ? LOCAL_ERROR : 0);
                case "errorString" -> o.put(name, s.state() == TorrentState.ERROR ? s.error().orElse("error") : "");
                // rpc-spec.md: -1 "not available", -2 "unknown".
                case "eta" -> o.put(name, s.isFinished() || s.state() == TorrentState.PAUSED ? -1 : s.etaSeconds() < 0 ? -2 : s.etaSeconds());
                case "peersConnected" -> o.put(name, peers().size());
                case "peersGettingFromUs" -> o.put(name, peers().stream().filter(p -> !p.choked() && p.interestedInUs()).count());
                case "peersSendingToUs" -> o.put(name, peers().stream().filter(p -> !p.chokingUs() && p.interesting()).count());
                case "files" -> {
                    ArrayNode a = o.putArray(name);
                    for (FileStatus f : s.files()) {
                        a.addObject().put("bytesCompleted", f.bytesVerified()).put("length", f.length())
                                .put("name", fileName(f));
                    }
                }
                case "fileStats" -> {
                    ArrayNode a = o.putArray(name);
                    for (int i = 0; i < s.files().size(); i++) {
                        a.addObject().put("bytesCompleted", s.files().get(i).bytesVerified())
                                .put("wanted", i < t.wanted().size() && t.wanted().get(i))
                                .put("priority", i < t.priorities().size() ? priority(t.priorities().get(i)) : 0);
                    }
                }
                case "wanted" -> {
                    ArrayNode a = o.putArray(name);
                    t.wanted().forEach(w -> a.add(w ? 1 : 0));
                }
                case "priorities" -> {
                    ArrayNode a = o.putArray(name);
                    t.priorities().forEach(p -> a.add(priority(p)));
                }
                case "isPrivate" -> o.put(name, meta != null && meta.info().isPrivate());
                case "addedDate" -> o.put(name, t.added().getEpochSecond());
                case "pieceCount" -> o.put(name, s.pieceCount());
                case "pieceSize" -> o.put(name, meta != null ? meta.info().pieceLength() : 0);
                case "comment" -> o.put(name, meta != null ? meta.comment().orElse("") : "");
                case "creator" -> o.put(name, meta != null ? meta.createdBy().orElse("") : "");
                case "dateCreated" -> o.put(name, meta != null ? meta.creationDate().map(d -> d.getEpochSecond()).orElse(0L) : 0L);
                case "magnetLink" -> o.put(name, "magnet:?xt=urn:btih:" + s.infoHash().hex());
                case "webseedsSendingToUs" -> o.put(name, s.webSeedsInUse());
                default -> {
                    // the queue's, the limits' and the tables' (or unknown: left out, rpc-spec.md allows it)
                    TorrentFields.put(o, name, t, this::peers);
                }
            }
        }

        /** Transmission's file name: the path with the torrent's directory in front for a multi-file torrent. */
        private String fileName(FileStatus f) {
            Metainfo meta = t.metainfo().orElse(null);
            boolean multi = meta != null ? meta.info().multiFile() : s.files().size() > 1 || !f.path().equals(s.name());
            return multi ? s.name() + "/" + f.path() : f.path();
        }
    }
}
