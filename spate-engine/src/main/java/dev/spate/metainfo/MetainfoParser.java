package dev.spate.metainfo;

import dev.spate.bencode.BDictionary;
import dev.spate.bencode.BInteger;
import dev.spate.bencode.BList;
import dev.spate.bencode.BString;
import dev.spate.bencode.BValue;
import dev.spate.bencode.Bencode;
import dev.spate.bencode.BencodeException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.DateTimeException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Reads .torrent files (BEP 3) into validated {@link Metainfo}.
 *
 * <p>The info dictionary is checked strictly, because it decides what is written to disk and its
 * hash names the torrent: missing or mistyped keys, inconsistent piece counts and file paths that
 * could leave the download directory are all rejected with a message naming the key or path. Keys
 * outside the info dictionary ({@code announce}, {@code announce-list}, {@code url-list},
 * {@code creation date}, {@code comment}, {@code created by}) are advisory: the info-hash does not
 * cover them and real files carry junk there, so a value of the wrong type is ignored, as are
 * non-string or empty URLs and empty tiers. Unknown keys are ignored everywhere.
 *
 * <p>Text: {@code name.utf-8} and {@code path.utf-8} are preferred when present and valid UTF-8;
 * otherwise the plain keys are read as UTF-8, malformed bytes replaced by U+FFFD, since old files
 * written in a local code page are still worth downloading.
 *
 * <p>Stateless and thread-safe.
 */
public final class MetainfoParser {
    /** The largest .torrent file {@link #read} accepts: 64 MiB, beyond any real torrent's metadata. */
    public static final int MAX_FILE_SIZE = 64 << 20;
    /** The most files a torrent may list; a bound on the memory a hostile file can make us use. */
    public static final int MAX_FILES = 1_000_000;

    private static final int MAX_DEPTH = 32;

    private MetainfoParser() {
    }

    /**
     * Reads and parses the .torrent file at {@code path}.
     *
     * @throws MetainfoException if the file is larger than {@link #MAX_FILE_SIZE} or not a valid torrent
     * @throws IOException if the file cannot be read
     */
    public static Metainfo read(Path path) throws MetainfoException, IOException {
        byte[] bytes;
        try (InputStream in = Files.newInputStream(path)) {
            // Read one byte past the cap rather than trusting size(), which a growing or special
            // file can misreport.
            bytes = in.readNBytes(MAX_FILE_SIZE + 1);
        }
        if (bytes.length > MAX_FILE_SIZE) {
            throw new MetainfoException("torrent file " + path + " is larger than " + (MAX_FILE_SIZE >> 20) + " MiB");
        }
        try {
            return parse(bytes);
        } catch (MetainfoException e) {
            throw new MetainfoException(path + ": " + e.getMessage(), e);
        }
    }

    /** Parses the bytes of a .torrent file. */
    public static Metainfo parse(byte[] torrentFile) throws MetainfoException {
        BValue root;
        try {
            root = Bencode.decode(torrentFile, 0, torrentFile.length, MAX_DEPTH);
        } catch (BencodeException e) {
            throw new MetainfoException("not a bencoded torrent file: " + e.getMessage(), e);
        }
        if (!(root instanceof BDictionary top)) {
            throw new MetainfoException("torrent file is " + article(root.kind()) + ", expected a dictionary");
        }
        BValue infoValue = top.get("info");
        if (infoValue == null) {
            throw new MetainfoException("missing 'info' in torrent file");
        }
        if (!(infoValue instanceof BDictionary infoDict)) {
            throw new MetainfoException("'info' is " + article(infoValue.kind()) + ", expected a dictionary");
        }
        TorrentInfo info = parseInfo(infoDict);
        // BEP 3: the info-hash is over the info dictionary's bytes as they are in the file. Taking
        // them by span, not re-encoding, keeps the hash right even for a key order we would not write.
        byte[] infoBytes = Arrays.copyOfRange(torrentFile, infoDict.span().offset(), infoDict.span().end());
        return new Metainfo(info, sha1(infoBytes), infoBytes, trackerTiers(top), webSeeds(top),
                creationDate(top), text(top, "comment"), text(top, "created by"));
    }

    /**
     * The metainfo of a torrent whose info dictionary was fetched from peers (BEP 9) for a magnet
     * link: {@code infoBytes} checked as strictly as a .torrent file's, with the link's trackers
     * and web seeds around it. The info-hash is the SHA-1 of {@code infoBytes}; the caller has
     * checked it against the link's (the metadata exchange does).
     *
     * @param infoBytes the bencoded info dictionary, exactly as received
     * @param trackerTiers BEP 12 tiers, such as {@link Magnet#trackerTiers()}; empty tiers dropped
     * @param webSeeds BEP 19 URLs, such as {@link Magnet#webSeeds()}
     * @throws MetainfoException if the bytes are not a valid info dictionary
     */
    public static Metainfo fromInfo(byte[] infoBytes, List<List<String>> trackerTiers, List<String> webSeeds)
            throws MetainfoException {
        if (infoBytes.length > MAX_FILE_SIZE) {
            throw new MetainfoException("info dictionary of " + infoBytes.length + " bytes is larger than "
                    + (MAX_FILE_SIZE >> 20) + " MiB");
        }
        BValue value;
        try {
            value = Bencode.decode(infoBytes, 0, infoBytes.length, MAX_DEPTH);
        } catch (BencodeException e) {
            throw new MetainfoException("info dictionary is not bencoded: " + e.getMessage(), e);
        }
        if (!(value instanceof BDictionary infoDict)) {
            throw new MetainfoException("info dictionary is " + article(value.kind()) + ", expected a dictionary");
        }
        TorrentInfo info = parseInfo(infoDict);
        List<List<String>> tiers = trackerTiers.stream().filter(t -> !t.isEmpty()).map(List::copyOf).toList();
        return new Metainfo(info, sha1(infoBytes), infoBytes, tiers, webSeeds, Optional.empty(), Optional.empty(),
                Optional.empty());
    }

    static byte[] sha1(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-1").digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-1", e);
        }
    }

    // ---- info dictionary: strict ----

    private static TorrentInfo parseInfo(BDictionary info) throws MetainfoException {
        String name = name(info);
        long pieceLength = integer(info, "piece length", "info dictionary");
        if (pieceLength <= 0 || pieceLength > TorrentInfo.MAX_PIECE_LENGTH) {
            throw new MetainfoException("invalid piece length " + pieceLength + " in info dictionary"
                    + (pieceLength > 0 ? ", the most accepted is " + TorrentInfo.MAX_PIECE_LENGTH : ""));
        }
        byte[] pieces = string(info, "pieces", "info dictionary").bytes();
        if (pieces.length % 20 != 0) {
            throw new MetainfoException("pieces is " + pieces.length + " bytes, not a multiple of 20");
        }
        boolean hasLength = info.containsKey("length");
        boolean hasFiles = info.containsKey("files");
        if (hasLength == hasFiles) {
            throw new MetainfoException(hasLength
                    ? "info dictionary has both 'length' and 'files'"
                    : "info dictionary has neither 'length' (single file) nor 'files' (multiple files)");
        }
        List<FileEntry> files;
        if (hasLength) {
            long length = integer(info, "length", "info dictionary");
            if (length < 0) {
                throw new MetainfoException("negative length " + length + " in info dictionary");
            }
            files = List.of(new FileEntry(List.of(name), length, 0));
        } else {
            files = files(info);
        }
        long total = files.get(files.size() - 1).end();
        if (total == 0) {
            throw new MetainfoException("torrent holds no data: total length is 0");
        }
        long needed = total / pieceLength + (total % pieceLength == 0 ? 0 : 1);
        long have = pieces.length / 20;
        if (have != needed) {
            throw new MetainfoException("pieces holds " + have + " hashes, but " + total + " bytes in pieces of "
                    + pieceLength + " need " + needed);
        }
        boolean isPrivate = privateFlag(info);
        try {
            return new TorrentInfo(name, (int) pieceLength, pieces, files, hasFiles, isPrivate);
        } catch (IllegalArgumentException e) {
            // Checked above already; kept so a rule added to TorrentInfo later still surfaces as a
            // MetainfoException rather than escaping the parser's contract.
            throw new MetainfoException(e.getMessage() + " in info dictionary", e);
        }
    }

    private static String name(BDictionary info) throws MetainfoException {
        BValue utf8 = info.get("name.utf-8");
        String name;
        if (utf8 instanceof BString s && s.isUtf8()) {
            name = s.text();
        } else {
            name = string(info, "name", "info dictionary").text();
        }
        // The name becomes a file or directory in the download directory, so it must be one
        // plain component.
        String problem = componentProblem(name);
        if (problem != null) {
            throw new MetainfoException("unsafe name " + quote(name) + " in info dictionary: " + problem);
        }
        return name;
    }

    /** BEP 27: {@code private=1} in the info dictionary keeps peers to the torrent's trackers. */
    private static boolean privateFlag(BDictionary info) throws MetainfoException {
        if (!info.containsKey("private")) {
            return false;
        }
        // Any non-zero value is read as private: erring that way never leaks a private torrent's
        // peers to the DHT.
        return integer(info, "private", "info dictionary") != 0;
    }

    private static List<FileEntry> files(BDictionary info) throws MetainfoException {
        BValue v = info.get("files");
        if (!(v instanceof BList list)) {
            throw new MetainfoException("'files' is " + article(v.kind()) + ", expected a list");
        }
        if (list.size() == 0) {
            throw new MetainfoException("'files' is an empty list in info dictionary");
        }
        if (list.size() > MAX_FILES) {
            throw new MetainfoException("'files' lists " + list.size() + " files, more than the limit of " + MAX_FILES);
        }
        List<FileEntry> files = new ArrayList<>(list.size());
        PathSet paths = new PathSet();
        long offset = 0;
        for (int i = 0; i < list.size(); i++) {
            String where = "file " + i + " of info dictionary";
            if (!(list.get(i) instanceof BDictionary entry)) {
                throw new MetainfoException("file " + i + " is " + article(list.get(i).kind()) + ", expected a dictionary");
            }
            long length = integer(entry, "length", where);
            if (length < 0) {
                throw new MetainfoException("negative length " + length + " in " + where);
            }
            List<String> path = path(entry, where);
            paths.add(path);
            files.add(new FileEntry(path, length, offset));
            try {
                offset = Math.addExact(offset, length);
            } catch (ArithmeticException e) {
                throw new MetainfoException("total length of the files overflows 64 bits at " + where);
            }
        }
        return files;
    }

    private static List<String> path(BDictionary entry, String where) throws MetainfoException {
        List<String> utf8 = utf8Path(entry.get("path.utf-8"));
        List<String> path;
        if (utf8 != null) {
            path = utf8;
        } else {
            BValue v = entry.get("path");
            if (v == null) {
                throw new MetainfoException("missing 'path' in " + where);
            }
            if (!(v instanceof BList list)) {
                throw new MetainfoException("'path' of " + where + " is " + article(v.kind()) + ", expected a list");
            }
            path = new ArrayList<>(list.size());
            for (BValue c : list.values()) {
                if (!(c instanceof BString s)) {
                    throw new MetainfoException("'path' of " + where + " holds " + article(c.kind()) + ", expected strings");
                }
                path.add(s.text());
            }
        }
        if (path.isEmpty()) {
            throw new MetainfoException("empty 'path' in " + where);
        }
        for (String component : path) {
            String problem = componentProblem(component);
            if (problem != null) {
                throw new MetainfoException("unsafe file path " + quote(String.join("/", path)) + " in info dictionary: " + problem);
            }
        }
        return path;
    }

    /** The path in {@code path.utf-8}, or null if absent or not a list of valid UTF-8 strings. */
    private static List<String> utf8Path(BValue v) {
        if (!(v instanceof BList list)) {
            return null;
        }
        List<String> path = new ArrayList<>(list.size());
        for (BValue c : list.values()) {
            if (!(c instanceof BString s) || !s.isUtf8()) {
                return null;
            }
            path.add(s.text());
        }
        return path;
    }

    /**
     * Why {@code component} cannot be one step of a path below the download directory, or null if
     * it can. Separators and NUL would let one component smuggle in several (or truncate the name
     * at the OS boundary); "." and ".." and a drive letter would walk out of the directory.
     */
    static String componentProblem(String component) {
        if (component.isEmpty()) {
            return "empty component";
        }
        if (component.equals(".") || component.equals("..")) {
            return "component " + quote(component);
        }
        for (int i = 0; i < component.length(); i++) {
            char c = component.charAt(i);
            if (c == '/' || c == '\\') {
                return "component " + quote(component) + " contains '" + c + "'";
            }
            if (c == 0) {
                return "component " + quote(component) + " contains NUL";
            }
        }
        if (component.length() >= 2 && component.charAt(1) == ':' && isAsciiLetter(component.charAt(0))) {
            return "component " + quote(component) + " starts with a drive letter";
        }
        return null;
    }

    private static boolean isAsciiLetter(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    }

    /**
     * The file paths seen so far and the directories they imply. Two files at one path, or a file
     * where another file needs a directory, could not both be written.
     */
    private static final class PathSet {
        private final Set<String> files = new HashSet<>();
        private final Map<String, String> directories = new HashMap<>(); // directory -> a file below it

        void add(List<String> path) throws MetainfoException {
            // Components hold no '/', so joining with it is unambiguous.
            String joined = String.join("/", path);
            if (!files.add(joined)) {
                throw new MetainfoException("duplicate file path " + quote(joined) + " in info dictionary");
            }
            String below = directories.get(joined);
            if (below != null) {
                throw new MetainfoException("file path " + quote(joined) + " in info dictionary is also the directory of " + quote(below));
            }
            StringBuilder prefix = new StringBuilder();
            for (int i = 0; i < path.size() - 1; i++) {
                if (i > 0) {
                    prefix.append('/');
                }
                prefix.append(path.get(i));
                String dir = prefix.toString();
                if (files.contains(dir)) {
                    throw new MetainfoException("file path " + quote(dir) + " in info dictionary is also the directory of " + quote(joined));
                }
                directories.putIfAbsent(dir, joined);
            }
        }
    }

    // ---- outside the info dictionary: advisory ----

    /** BEP 12: {@code announce-list} when it names any tracker, else {@code announce} as one tier. */
    private static List<List<String>> trackerTiers(BDictionary top) {
        List<List<String>> tiers = new ArrayList<>();
        if (top.get("announce-list") instanceof BList list) {
            for (BValue t : list.values()) {
                if (t instanceof BList tier) {
                    Set<String> urls = new LinkedHashSet<>();
                    for (BValue u : tier.values()) {
                        url(u).ifPresent(urls::add);
                    }
                    if (!urls.isEmpty()) {
                        tiers.add(List.copyOf(urls));
                    }
                }
            }
        }
        if (tiers.isEmpty()) {
            url(top.get("announce")).ifPresent(u -> tiers.add(List.of(u)));
        }
        return tiers;
    }

    /** BEP 19: {@code url-list} is one URL or a list of them. */
    private static List<String> webSeeds(BDictionary top) {
        BValue v = top.get("url-list");
        List<String> seeds = new ArrayList<>();
        if (v instanceof BList list) {
            for (BValue u : list.values()) {
                url(u).filter(s -> !seeds.contains(s)).ifPresent(seeds::add);
            }
        } else {
            url(v).ifPresent(seeds::add);
        }
        return seeds;
    }

    private static Optional<String> url(BValue v) {
        if (v instanceof BString s) {
            String url = s.text().strip();
            if (!url.isEmpty()) {
                return Optional.of(url);
            }
        }
        return Optional.empty();
    }

    private static Optional<Instant> creationDate(BDictionary top) {
        if (top.get("creation date") instanceof BInteger seconds) {
            try {
                return Optional.of(Instant.ofEpochSecond(seconds.value()));
            } catch (DateTimeException e) {
                return Optional.empty();
            }
        }
        return Optional.empty();
    }

    private static Optional<String> text(BDictionary top, String key) {
        if (top.get(key + ".utf-8") instanceof BString s && s.isUtf8()) {
            return Optional.of(s.text());
        }
        if (top.get(key) instanceof BString s) {
            return Optional.of(s.text());
        }
        return Optional.empty();
    }

    // ---- typed access with messages ----

    private static long integer(BDictionary d, String key, String where) throws MetainfoException {
        BValue v = required(d, key, where);
        if (v instanceof BInteger i) {
            return i.value();
        }
        throw typeError(key, where, v, "an integer");
    }

    private static BString string(BDictionary d, String key, String where) throws MetainfoException {
        BValue v = required(d, key, where);
        if (v instanceof BString s) {
            return s;
        }
        throw typeError(key, where, v, "a string");
    }

    private static BValue required(BDictionary d, String key, String where) throws MetainfoException {
        BValue v = d.get(key);
        if (v == null) {
            throw new MetainfoException("missing '" + key + "' in " + where);
        }
        return v;
    }

    private static MetainfoException typeError(String key, String where, BValue v, String expected) {
        String of = where.equals("info dictionary") ? "" : " of " + where;
        return new MetainfoException("'" + key + "'" + of + " is " + article(v.kind()) + ", expected " + expected);
    }

    private static String article(String kind) {
        return (kind.equals("integer") ? "an " : "a ") + kind;
    }

    /** {@code s} in double quotes, control characters escaped so a message stays one clean line. */
    static String quote(String s) {
        StringBuilder sb = new StringBuilder("\"");
        s.codePoints().limit(200).forEach(cp -> {
            if (cp < 0x20 || cp == 0x7f) {
                sb.append(String.format("\\x%02x", cp));
            } else if (cp == '"' || cp == '\\') {
                sb.append('\\').appendCodePoint(cp);
            } else {
                sb.appendCodePoint(cp);
            }
        });
        if (s.codePointCount(0, s.length()) > 200) {
            sb.append("...");
        }
        return sb.append('"').toString();
    }
}
