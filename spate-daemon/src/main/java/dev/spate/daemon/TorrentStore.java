package dev.spate.daemon;

import dev.spate.engine.FilePriority;
import java.io.BufferedOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;
import tools.jackson.databind.util.RawValue;

/**
 * The daemon's torrent list on disk, in {@code daemon/} of the session's state directory: one small
 * JSON file ({@code torrents.json}) and each torrent's .torrent bytes beside it
 * ({@code <info-hash>.torrent}). The engine keeps what was verified (its resume data); this keeps
 * what the user set up, so a restart adds the same torrents again with the same ids.
 *
 * <p>Every write goes to a temporary file, is forced to the disk and then renamed over the old one,
 * so a crash (or kill -9) at any point leaves either the old file or the new one, never half of
 * one. Reading is defensive: an entry that cannot be understood is logged in one line and skipped,
 * and a list that cannot be read at all is logged and taken as empty; the daemon still starts.
 *
 * <p>{@link #open} also takes the directory's lock for the life of the store: one daemon per state
 * directory, as two would rewrite each other's list.
 */
public final class TorrentStore implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(TorrentStore.class.getName());
    static final String DIRECTORY = "daemon";
    static final String LIST = "torrents.json";
    static final String LOCK = "daemon.lock";
    private static final Pattern HEX = Pattern.compile("[0-9a-f]{40}");
    /** The .torrent files the last list read or written names: the only ones {@link #write} may delete. Guarded by {@code this}. */
    private Set<String> listed = Set.of();
    /**
     * The .torrent files this store wrote, or found whole, since it opened, with their lengths: a
     * write of a thousand torrents neither looks at a thousand files again nor needs their bytes
     * (see {@link #KEPT}). Concurrent: {@link #read} fills it too.
     */
    private final Map<String, Integer> kept = new java.util.concurrent.ConcurrentHashMap<>();
    /** Each entry of the last list written, by id, and its JSON. Guarded by {@code this}. */
    private Map<Integer, Rendered> rendered = Map.of();

    /** An entry and the JSON written for it. */
    private record Rendered(Saved saved, String json) {
    }

    /**
     * Stands for the bytes of a .torrent this store keeps already ({@link #keeps}): a {@link Saved}
     * with it is written without encoding its .torrent again.
     */
    public static final byte[] KEPT = new byte[0];

    /**
     * One torrent as kept.
     *
     * @param infoHash the v1 info-hash in lower-case hex (the name of its .torrent file)
     * @param torrent the .torrent bytes, empty for a torrent added from a magnet link
     * @param magnet the magnet link it was added from, empty when added from a .torrent
     * @param wanted per file whether wanted; empty when the files are not known (a magnet link)
     * @param priorities per file its priority when wanted, as long as {@code wanted}
     * @param settings its own settings; empty when not kept (a list written before they were)
     * @param counters its counters over its whole life
     * @param queuePosition its place in the queue, 0 first; -1 when not kept
     * @param finished stopped by its seeding limit (so reported finished, and not started again)
     */
    public record Saved(int id, String infoHash, Optional<byte[]> torrent, Optional<String> magnet, Path directory,
                        boolean paused, Instant added, List<Boolean> wanted, List<FilePriority> priorities,
                        Optional<TorrentSettings> settings, Counters counters, int queuePosition, boolean finished) {
        public Saved {
            Objects.requireNonNull(infoHash, "infoHash");
            if (!HEX.matcher(infoHash).matches()) {
                throw new IllegalArgumentException("not a v1 info-hash in lower-case hex: " + infoHash);
            }
            if (torrent.isEmpty() == magnet.isEmpty()) {
                throw new IllegalArgumentException("a torrent is kept as its .torrent or its magnet link, one of them");
            }
            wanted = List.copyOf(wanted);
            priorities = List.copyOf(priorities);
            if (wanted.size() != priorities.size()) {
                throw new IllegalArgumentException("wanted and priorities differ in length");
            }
            Objects.requireNonNull(settings, "settings");
            Objects.requireNonNull(counters, "counters");
        }

        /** A torrent kept without settings, counters or queue position (as the list's first format had it). */
        public Saved(int id, String infoHash, Optional<byte[]> torrent, Optional<String> magnet, Path directory,
                     boolean paused, Instant added, List<Boolean> wanted, List<FilePriority> priorities) {
            this(id, infoHash, torrent, magnet, directory, paused, added, wanted, priorities, Optional.empty(),
                    Counters.ZERO, -1, false);
        }
    }

    /**
     * A torrent's counters over its whole life (the engine's start at 0 each run): bytes, seconds
     * in each state, and the dates Transmission reports (epoch seconds, 0 for never).
     */
    public record Counters(long uploadedEver, long downloadedEver, long secondsDownloading, long secondsSeeding,
                           long activityDate, long doneDate, long editDate) {
        /** Nothing counted yet. */
        public static final Counters ZERO = new Counters(0, 0, 0, 0, 0, 0, 0);

        public Counters {
            if (uploadedEver < 0 || downloadedEver < 0 || secondsDownloading < 0 || secondsSeeding < 0
                    || activityDate < 0 || doneDate < 0 || editDate < 0) {
                throw new IllegalArgumentException("a negative counter");
            }
        }
    }

    /** The session's statistics over every run (Transmission's session-stats "cumulative-stats"). */
    public record Stats(long uploadedBytes, long downloadedBytes, long filesAdded, long sessionCount,
                        long secondsActive) {
        /** Nothing counted yet. */
        public static final Stats ZERO = new Stats(0, 0, 0, 0, 0);

        public Stats {
            if (uploadedBytes < 0 || downloadedBytes < 0 || filesAdded < 0 || sessionCount < 0 || secondsActive < 0) {
                throw new IllegalArgumentException("a negative statistic");
            }
        }
    }

    /**
     * What was read: the torrents, the next id to give (never one of a torrent removed before), the
     * session settings (empty when none were kept) and the session's statistics.
     */
    public record Contents(List<Saved> torrents, int nextId, Optional<SessionSettings> session, Stats stats) {
        public Contents {
            torrents = List.copyOf(torrents);
            Objects.requireNonNull(session, "session");
            Objects.requireNonNull(stats, "stats");
        }

        /** Torrents only, no settings or statistics kept. */
        public Contents(List<Saved> torrents, int nextId) {
            this(torrents, nextId, Optional.empty(), Stats.ZERO);
        }
    }

    private final Path dir;
    private final FileChannel lockChannel;
    private final FileLock lock;
    private final JsonMapper json = JsonMapper.builder().build();

    private TorrentStore(Path dir, FileChannel lockChannel, FileLock lock) {
        this.dir = dir;
        this.lockChannel = lockChannel;
        this.lock = lock;
    }

    /**
     * The store in {@code stateDirectory}, its lock taken.
     *
     * @throws StoreLockedException when another process (or store) holds it: a daemon runs there
     */
    public static TorrentStore open(Path stateDirectory) throws IOException {
        Path dir = stateDirectory.toAbsolutePath().normalize().resolve(DIRECTORY);
        Files.createDirectories(dir);
        FileChannel ch = FileChannel.open(dir.resolve(LOCK), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = ch.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null; // held by this JVM already
        } catch (IOException e) {
            ch.close();
            throw e;
        }
        if (lock == null) {
            ch.close();
            throw new StoreLockedException("another spate daemon is running on state directory "
                    + stateDirectory.toAbsolutePath().normalize() + " (it holds " + dir.resolve(LOCK) + ")");
        }
        // The holder's pid, for whoever wonders who holds it; the lock, not the content, is what counts.
        ch.truncate(0);
        ch.write(ByteBuffer.wrap((ProcessHandle.current().pid() + "\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII)), 0);
        return new TorrentStore(dir, ch, lock);
    }

    /** Another daemon holds the state directory. */
    public static final class StoreLockedException extends IOException {
        StoreLockedException(String message) {
            super(message);
        }
    }

    /** The directory the store writes in. */
    public Path directory() {
        return dir;
    }

    /** The torrents kept, skipping (and logging) any entry that cannot be read. */
    public Contents read() {
        Path list = dir.resolve(LIST);
        JsonNode root;
        try {
            root = json.readTree(Files.readAllBytes(list));
        } catch (NoSuchFileException e) {
            return new Contents(List.of(), 1);
        } catch (IOException | JacksonException e) {
            return setAside(list, e.getMessage());
        }
        if (root == null || !root.isObject() || !root.path("torrents").isArray()) {
            return setAside(list, "not a torrent list");
        }
        List<Saved> out = new ArrayList<>();
        Set<String> read = new HashSet<>();
        List<String> problems = new ArrayList<>();
        Set<Integer> ids = new HashSet<>();
        Set<String> hashes = new HashSet<>();
        int maxId = 0;
        int index = 0;
        for (JsonNode n : root.path("torrents")) {
            try {
                Saved s = entry(n, index, problems);
                if (!ids.add(s.id()) || !hashes.add(s.infoHash())) {
                    throw new IllegalArgumentException("id " + s.id() + " or info-hash " + s.infoHash() + " twice");
                }
                out.add(s);
                if (s.torrent().isPresent()) {
                    read.add(s.infoHash() + ".torrent");
                    kept.put(s.infoHash() + ".torrent", s.torrent().get().length);
                }
                maxId = Math.max(maxId, s.id());
            } catch (RuntimeException | IOException e) {
                LOG.log(System.Logger.Level.WARNING, "skipping entry {0} of the daemon''s torrent list {1}: {2}",
                        index, list, e.getMessage());
            }
            index++;
        }
        // Ids stay far from overflowing (a billion adds): a larger one is taken as unreadable.
        int next = root.path("nextId").isInt() && root.path("nextId").asInt() > 0
                && root.path("nextId").asInt() < 1_000_000_000 ? root.path("nextId").asInt() : 1;
        Optional<SessionSettings> session = Optional.empty();
        if (root.has("session")) {
            List<String> bad = new ArrayList<>();
            session = Optional.of(SessionSettings.read(root.get("session"), SessionSettings.defaults(), bad));
            bad.forEach(k -> problems.add("session." + k));
        }
        Stats stats = Stats.ZERO;
        if (root.has("stats")) {
            JsonNode st = root.get("stats");
            stats = new Stats(count(st, "uploadedBytes", "stats", problems), count(st, "downloadedBytes", "stats", problems),
                    count(st, "filesAdded", "stats", problems), count(st, "sessionCount", "stats", problems),
                    count(st, "secondsActive", "stats", problems));
        }
        if (!problems.isEmpty()) {
            LOG.log(System.Logger.Level.WARNING, "the daemon''s torrent list {0} has values that cannot be read, "
                    + "their defaults are used: {1}", list, String.join(", ", problems));
        }
        synchronized (this) {
            listed = read;
        }
        return new Contents(out, Math.max(next, maxId + 1), session, stats);
    }

    /**
     * A list that cannot be read is moved aside ({@code torrents.json.damaged-<millis>}), never
     * written over, and the daemon starts without it: the user can mend it, and its .torrent files
     * stay (only the torrents of a list read are ever deleted, {@link #write}).
     */
    private Contents setAside(Path list, String problem) {
        Path aside = list.resolveSibling(LIST + ".damaged-" + System.currentTimeMillis());
        try {
            Files.move(list, aside);
            LOG.log(System.Logger.Level.WARNING, "cannot read the daemon''s torrent list {0} ({1}): kept as {2},"
                    + " starting without it", list, problem, aside.getFileName());
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "cannot read the daemon''s torrent list {0} ({1}), nor move it"
                    + " aside ({2}): starting without it", list, problem, e.getMessage());
        }
        return new Contents(List.of(), 1);
    }

    /** Kept counters are at most this: a second counted in milliseconds, or a sum of them, cannot overflow. */
    static final long MAX_COUNT = Long.MAX_VALUE / 4000;

    /** The counter {@code key} of {@code n}: a whole number from 0 to {@link #MAX_COUNT}; else (noted in {@code problems}) 0. */
    private static long count(JsonNode n, String key, String where, List<String> problems) {
        JsonNode v = n.path(key);
        if (v.isMissingNode()) {
            return 0;
        }
        if (v.isIntegralNumber() && v.canConvertToLong() && v.asLong() >= 0 && v.asLong() <= MAX_COUNT) {
            return v.asLong();
        }
        problems.add(where + "." + key);
        return 0;
    }

    /**
     * The settings, counters and queue place of entry {@code n}, each part optional (a list written
     * before they were kept has none); a value that cannot be read is noted in {@code problems} and
     * its default used, as one bad number is no reason to drop the torrent.
     */
    private Saved extras(JsonNode n, int index, List<String> problems, Saved plain) {
        String where = "torrent " + index;
        Optional<TorrentSettings> settings = Optional.empty();
        if (n.has("settings")) {
            List<String> bad = new ArrayList<>();
            TorrentSettings base = TorrentSettings.defaults(SessionSettings.defaults(), 50);
            try {
                settings = Optional.of(TorrentSettings.read(n.get("settings"), base, bad));
            } catch (TorrentSettings.LabelException e) {
                bad.clear();
                bad.add("labels");
                ObjectNode rest = (ObjectNode) n.get("settings").deepCopy();
                rest.remove("labels");
                settings = Optional.of(TorrentSettings.read(rest, base, bad));
            }
            bad.forEach(k -> problems.add(where + ".settings." + k));
        }
        Counters counters = Counters.ZERO;
        if (n.has("counters")) {
            JsonNode c = n.get("counters");
            String w = where + ".counters";
            counters = new Counters(count(c, "uploadedEver", w, problems), count(c, "downloadedEver", w, problems),
                    count(c, "secondsDownloading", w, problems), count(c, "secondsSeeding", w, problems),
                    count(c, "activityDate", w, problems), count(c, "doneDate", w, problems),
                    count(c, "editDate", w, problems));
        }
        int position = -1;
        if (n.has("queuePosition")) {
            if (n.get("queuePosition").isInt() && n.get("queuePosition").asInt() >= 0) {
                position = n.get("queuePosition").asInt();
            } else {
                problems.add(where + ".queuePosition");
            }
        }
        boolean finished = false;
        if (n.has("finished")) {
            if (n.get("finished").isBoolean()) {
                finished = n.get("finished").asBoolean();
            } else {
                problems.add(where + ".finished");
            }
        }
        return new Saved(plain.id(), plain.infoHash(), plain.torrent(), plain.magnet(), plain.directory(), plain.paused(),
                plain.added(), plain.wanted(), plain.priorities(), settings, counters, position, finished);
    }

    private Saved entry(JsonNode n, int index, List<String> problems) throws IOException {
        if (!n.isObject()) {
            throw new IllegalArgumentException("not an object");
        }
        JsonNode id = n.path("id");
        if (!id.isInt() || id.asInt() < 1) {
            throw new IllegalArgumentException("no id");
        }
        String hash = text(n, "infoHash");
        Optional<String> magnet = n.path("magnet").isString() ? Optional.of(n.path("magnet").asString()) : Optional.empty();
        Optional<byte[]> torrent = Optional.empty();
        if (magnet.isEmpty()) {
            if (!HEX.matcher(hash).matches()) {
                throw new IllegalArgumentException("not an info-hash: " + hash);
            }
            torrent = Optional.of(Files.readAllBytes(dir.resolve(hash + ".torrent")));
        }
        Path directory = Path.of(text(n, "directory"));
        if (!directory.isAbsolute()) {
            throw new IllegalArgumentException("directory not absolute: " + directory);
        }
        Instant added = Instant.parse(text(n, "added"));
        List<Boolean> wanted = new ArrayList<>();
        List<FilePriority> priorities = new ArrayList<>();
        for (JsonNode f : n.path("files")) {
            if (!f.path("wanted").isBoolean()) {
                throw new IllegalArgumentException("a file without 'wanted'");
            }
            wanted.add(f.path("wanted").asBoolean());
            FilePriority p = FilePriority.valueOf(text(f, "priority"));
            if (p == FilePriority.SKIP) {
                throw new IllegalArgumentException("priority SKIP: unwanted is 'wanted' false");
            }
            priorities.add(p);
        }
        if (!n.path("paused").isBoolean()) {
            throw new IllegalArgumentException("no 'paused'");
        }
        return extras(n, index, problems, new Saved(id.asInt(), hash, torrent, magnet, directory,
                n.path("paused").asBoolean(), added, wanted, priorities));
    }

    private static String text(JsonNode n, String field) {
        JsonNode v = n.path(field);
        if (!v.isString()) {
            throw new IllegalArgumentException("no '" + field + "'");
        }
        return v.asString();
    }

    /**
     * Replaces the list with {@code torrents} and {@code nextId}: first each .torrent not there yet,
     * then the list, each atomically; then the .torrent files no entry names any more are deleted.
     */
    public void write(List<Saved> torrents, int nextId) throws IOException {
        write(new Contents(torrents, nextId));
    }

    /**
     * Replaces the list with {@code contents}, as {@link #write(List, int)}, with the session
     * settings (when present) and the statistics. The format stays the first one's with parts added,
     * so a list written before is read as it was, and one written now by an older daemon as far as
     * it knows.
     */
    public synchronized void write(Contents contents) throws IOException {
        ObjectNode root = json.createObjectNode();
        root.put("version", 1);
        root.put("nextId", contents.nextId());
        contents.session().ifPresent(ss -> ss.toJson(root.putObject("session")));
        Stats st = contents.stats();
        root.putObject("stats").put("uploadedBytes", st.uploadedBytes()).put("downloadedBytes", st.downloadedBytes())
                .put("filesAdded", st.filesAdded()).put("sessionCount", st.sessionCount())
                .put("secondsActive", st.secondsActive());
        ArrayNode list = root.putArray("torrents");
        Set<String> files = new HashSet<>();
        Map<Integer, Rendered> now = new HashMap<>();
        for (Saved s : contents.torrents()) {
            if (s.magnet().isEmpty()) {
                String name = s.infoHash() + ".torrent";
                files.add(name);
                byte[] bytes = s.torrent().get();
                if (bytes == KEPT) {
                    if (!kept.containsKey(name)) {
                        throw new IllegalArgumentException("no .torrent kept for " + s.infoHash());
                    }
                } else if (!Integer.valueOf(bytes.length).equals(kept.get(name))) {
                    Path file = dir.resolve(name);
                    // The .torrent of an info-hash never changes: written once, before the list names it.
                    if (!Files.isRegularFile(file) || Files.size(file) != bytes.length) {
                        writeAtomically(file, bytes);
                    }
                    kept.put(name, bytes.length);
                }
            }
            // An entry as it was at the last write is not rendered again (most are, at each change).
            Rendered r = rendered.get(s.id());
            if (r == null || !r.saved().equals(s)) {
                r = new Rendered(s, json.writerWithDefaultPrettyPrinter().writeValueAsString(entry(s)));
            }
            now.put(s.id(), r);
            list.addRawValue(new RawValue(r.json()));
        }
        // Streamed to the file: the list of a thousand torrents is half a megabyte, at every change.
        writeAtomically(dir.resolve(LIST), out -> json.writerWithDefaultPrettyPrinter().writeValue(out, root));
        // Only the .torrent of a torrent the last list read or written named, and this one does not
        // (one removed), is deleted: an entry skipped as unreadable, or a list set aside, keeps its own.
        for (String name : listed) {
            if (!files.contains(name)) {
                kept.remove(name);
                Files.deleteIfExists(dir.resolve(name));
            }
        }
        listed = files;
        rendered = now;
    }

    /** One entry of the list, as written. */
    private ObjectNode entry(Saved s) {
        ObjectNode n = json.createObjectNode();
        n.put("id", s.id());
        n.put("infoHash", s.infoHash());
        if (s.magnet().isPresent()) {
            n.put("magnet", s.magnet().get());
        }
        n.put("directory", s.directory().toString());
        n.put("paused", s.paused());
        n.put("added", s.added().toString());
        ArrayNode fs = n.putArray("files");
        for (int i = 0; i < s.wanted().size(); i++) {
            fs.addObject().put("wanted", s.wanted().get(i)).put("priority", s.priorities().get(i).name());
        }
        s.settings().ifPresent(ts -> ts.toJson(n.putObject("settings")));
        Counters c = s.counters();
        n.putObject("counters").put("uploadedEver", c.uploadedEver()).put("downloadedEver", c.downloadedEver())
                .put("secondsDownloading", c.secondsDownloading()).put("secondsSeeding", c.secondsSeeding())
                .put("activityDate", c.activityDate()).put("doneDate", c.doneDate()).put("editDate", c.editDate());
        if (s.queuePosition() >= 0) {
            n.put("queuePosition", s.queuePosition());
        }
        n.put("finished", s.finished());
        return n;
    }

    /**
     * Whether this store keeps the .torrent of {@code infoHash} (lower-case hex) already, written
     * or found whole since it opened: a {@link Saved} of it may then carry {@link #KEPT}.
     */
    public boolean keeps(String infoHash) {
        return kept.containsKey(infoHash + ".torrent");
    }

    /** Temporary file, forced to the disk, renamed over {@code target}: the old one or the new one, whole. */
    static void writeAtomically(Path target, byte[] bytes) throws IOException {
        writeAtomically(target, out -> out.write(bytes));
    }

    /** What writes a file's content to a stream. */
    @FunctionalInterface
    interface Content {
        void writeTo(OutputStream out) throws IOException;
    }

    /** As {@link #writeAtomically(Path, byte[])}, with what {@code content} writes. */
    static void writeAtomically(Path target, Content content) throws IOException {
        Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            // Not closed here: closing the stream would close the channel before it is forced.
            OutputStream out = new BufferedOutputStream(Channels.newOutputStream(ch), 64 * 1024);
            content.writeTo(new FilterOutputStream(out) {
                @Override
                public void write(byte[] b, int off, int len) throws IOException {
                    out.write(b, off, len);
                }

                @Override
                public void close() throws IOException {
                    out.flush(); // a writer that closes what it wrote to leaves the channel open
                }
            });
            out.flush();
            ch.force(true);
        }
        try {
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
        // The rename itself is durable once the directory is forced (where the platform can open one).
        try (FileChannel d = FileChannel.open(target.getParent(), StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException ignored) {
            // Not every file system lets a directory be opened; the data itself is forced above.
        }
    }

    /** Lets the lock go. */
    @Override
    public void close() throws IOException {
        try {
            lock.release();
        } finally {
            lockChannel.close();
        }
    }
}
