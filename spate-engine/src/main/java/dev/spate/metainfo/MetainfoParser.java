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
import dev.spate.metainfo.FileEntry.Attribute;
import dev.spate.metainfo.Metainfo.Version;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Reads .torrent files (BEP 3, with BEP 47's pad files and attributes and BEP 52's v2 and hybrid
 * forms) into validated {@link Metainfo}, opening what libtorrent opens, safely.
 *
 * <p><b>Bencoding</b> is decoded leniently ({@link Bencode#decodeLenient}): keys out of order or
 * repeated (the first counts), leading zeros, and bytes after the torrent's dictionary (ignored,
 * with a warning) are accepted, as libtorrent accepts them. The info-hash is always over the info
 * dictionary's raw bytes, however they are written. A v2 info dictionary must be canonical, as
 * libtorrent also requires.
 *
 * <p><b>The info dictionary</b> is checked strictly, because it decides what is written to disk
 * and its hash names the torrent: missing or mistyped keys and inconsistent piece counts are
 * rejected with a message naming the key. File paths, by contrast, are never a reason to refuse a
 * torrent: each is sanitized ({@link PathSanitizer}: no {@code ..}, no absolute path, no
 * separators inside a component) so it cannot leave the download directory, a path two files
 * share is disambiguated ({@code name.1.ext}, see {@link FilePaths}, which refuses a torrent only
 * beyond {@value FilePaths#MAX_RENAMES} renames), and a symbolic link is kept only when it points
 * inside the torrent; every change is reported in {@link Metainfo#warnings()}.
 *
 * <p><b>BEP 47</b>: {@code attr} gives pad files ({@code p}; also the legacy {@code .pad/N}
 * paths and BitComet's {@code _____padding_file_} names), executable ({@code x}), hidden
 * ({@code h}) and symbolic link ({@code l}, with {@code symlink path}; it occupies no bytes).
 *
 * <p><b>BEP 52</b>: a hybrid torrent (v1 and v2 halves) is read through its v1 half, once its
 * {@code file tree} is validated and found to describe the same files at the same offsets (else it
 * is refused); a v2-only torrent is read from its {@code file tree} into a Metainfo marked
 * {@link Metainfo#v2Only()}.
 *
 * <p>Keys outside the info dictionary ({@code announce}, {@code announce-list}, {@code url-list},
 * {@code creation date}, {@code comment}, {@code created by}) are advisory: the info-hash does not
 * cover them and real files carry junk there, so a value of the wrong type is ignored, as are
 * non-string or empty URLs and empty tiers. Unknown keys are ignored everywhere.
 *
 * <p>Text: {@code name.utf-8} and {@code path.utf-8} are preferred when present and valid UTF-8;
 * otherwise the plain keys are read as UTF-8, each malformed sequence replaced by {@code _} (as
 * libtorrent does), since old files written in a local code page are still worth downloading.
 *
 * <p>Stateless and thread-safe.
 */
public final class MetainfoParser {
    /** The largest .torrent file {@link #read} accepts: 64 MiB, beyond any real torrent's metadata. */
    public static final int MAX_FILE_SIZE = 64 << 20;
    /** The most files a torrent may list; a bound on the memory a hostile file can make us use. */
    public static final int MAX_FILES = 1_000_000;

    /** Deep enough for a v2 file tree 100 directories deep, which libtorrent accepts. */
    private static final int MAX_DEPTH = 110;
    /** BEP 52: a v2 piece length is a power of two, at least 16 KiB. */
    private static final int MIN_V2_PIECE_LENGTH = 16 << 10;

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
            root = Bencode.decodeLenientPrefix(torrentFile, 0, torrentFile.length, MAX_DEPTH);
        } catch (BencodeException e) {
            throw new MetainfoException("not a bencoded torrent file: " + e.getMessage(), e);
        }
        if (!(root instanceof BDictionary top)) {
            throw new MetainfoException("torrent file is " + article(root.kind()) + ", expected a dictionary");
        }
        Warnings warnings = new Warnings();
        int trailing = torrentFile.length - root.span().end();
        if (trailing > 0) {
            warnings.add(trailing + " bytes after the torrent file's dictionary ignored");
        }
        BValue infoValue = top.get("info");
        if (infoValue == null) {
            throw new MetainfoException("missing 'info' in torrent file");
        }
        if (!(infoValue instanceof BDictionary infoDict)) {
            throw new MetainfoException("'info' is " + article(infoValue.kind()) + ", expected a dictionary");
        }
        // BEP 3: the info-hash is over the info dictionary's bytes as they are in the file. Taking
        // them by span, not re-encoding, keeps the hash right even for a key order we would not write.
        byte[] infoBytes = Arrays.copyOfRange(torrentFile, infoDict.span().offset(), infoDict.span().end());
        Info info = parseInfo(infoDict, infoBytes, top, warnings);
        return new Metainfo(info.info(), info.infoHash(), infoBytes, trackerTiers(top), webSeeds(top),
                creationDate(top), text(top, "comment"), text(top, "created by"), info.version(), info.infoHashV2(),
                warnings.list(), dhtNodes(top));
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
            value = Bencode.decodeLenient(infoBytes, 0, infoBytes.length, MAX_DEPTH);
        } catch (BencodeException e) {
            throw new MetainfoException("info dictionary is not bencoded: " + e.getMessage(), e);
        }
        if (!(value instanceof BDictionary)) {
            throw new MetainfoException("info dictionary is " + article(value.kind()) + ", expected a dictionary");
        }
        // Parsed as the .torrent it would be, leniently as libtorrent reads one: the info-hash
        // stays the SHA-1 of these very bytes.
        byte[] wrapped = new byte[infoBytes.length + 8];
        System.arraycopy("d4:info".getBytes(java.nio.charset.StandardCharsets.US_ASCII), 0, wrapped, 0, 7);
        System.arraycopy(infoBytes, 0, wrapped, 7, infoBytes.length);
        wrapped[wrapped.length - 1] = 'e';
        Metainfo parsed = parse(wrapped);
        List<List<String>> tiers = trackerTiers.stream().filter(t -> !t.isEmpty()).map(List::copyOf).toList();
        return new Metainfo(parsed.info(), parsed.infoHash(), parsed.infoBytes(), tiers, webSeeds, Optional.empty(),
                Optional.empty(), Optional.empty(), parsed.version(), parsed.infoHashV2(), parsed.warnings(), List.of());
    }

    static byte[] sha1(byte[] bytes) {
        return digest("SHA-1", bytes);
    }

    static byte[] sha256(byte[] bytes) {
        return digest("SHA-256", bytes);
    }

    private static byte[] digest(String algorithm, byte[] bytes) {
        try {
            return MessageDigest.getInstance(algorithm).digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has " + algorithm, e);
        }
    }

    // ---- info dictionary: strict ----

    /** What the info dictionary gives a Metainfo. */
    private record Info(TorrentInfo info, byte[] infoHash, Version version, byte[] infoHashV2) {
    }

    private static Info parseInfo(BDictionary info, byte[] infoBytes, BDictionary top, Warnings warnings)
            throws MetainfoException {
        boolean v2 = metaVersion(info) == 2;
        if (!v2 && info.containsKey("file tree")) {
            throw new MetainfoException("info dictionary has a 'file tree' but no 'meta version' 2 (BEP 52)");
        }
        BDictionary tree = null;
        byte[] sha256 = null;
        if (v2) {
            // As libtorrent: BEP 52 came after the lenient habits, so a v2 info dictionary written
            // any other way than canonically is not one we can trust to hash alike everywhere.
            try {
                Bencode.decode(infoBytes, 0, infoBytes.length, MAX_DEPTH);
            } catch (BencodeException e) {
                throw new MetainfoException("the v2 info dictionary is not canonical bencoding: " + e.getMessage(), e);
            }
            BValue t = info.get("file tree");
            if (t == null) {
                throw new MetainfoException("missing 'file tree' in v2 info dictionary (BEP 52)");
            }
            if (!(t instanceof BDictionary d)) {
                throw new MetainfoException("'file tree' is " + article(t.kind()) + ", expected a dictionary");
            }
            tree = d;
            sha256 = sha256(infoBytes);
        }
        boolean v2Only = v2 && !info.containsKey("pieces");
        byte[] infoHash = v2Only ? Arrays.copyOf(sha256, 20) : sha1(infoBytes);

        String name = name(info, HexFormat.of().formatHex(v2Only ? sha256 : infoHash), warnings);
        long pieceLength = integer(info, "piece length", "info dictionary");
        if (pieceLength <= 0 || pieceLength > TorrentInfo.MAX_PIECE_LENGTH) {
            throw new MetainfoException("invalid piece length " + pieceLength + " in info dictionary"
                    + (pieceLength > 0 ? ", the most accepted is " + TorrentInfo.MAX_PIECE_LENGTH : ""));
        }
        if (v2 && (pieceLength < MIN_V2_PIECE_LENGTH || Long.bitCount(pieceLength) != 1)) {
            throw new MetainfoException("piece length " + pieceLength + " of a v2 info dictionary is not a power of two of at least 16 KiB (BEP 52)");
        }
        boolean isPrivate = privateFlag(info);
        List<FileTree.File> v2Files = v2 ? FileTree.read(tree, MAX_FILES) : null;
        if (v2) {
            checkPieceLayers(top, v2Files, pieceLength);
        }
        if (v2Only) {
            return new Info(v2OnlyInfo(name, (int) pieceLength, v2Files, isPrivate, warnings), infoHash, Version.V2_ONLY, sha256);
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
        List<FileDraft> drafts = hasLength ? List.of(singleFile(info, name, warnings)) : files(info, warnings);
        if (v2) {
            checkHalvesAgree(drafts, v2Draft(v2Files), pieceLength);
        }
        if (hasFiles) {
            FilePaths.disambiguate(drafts, warnings);
            FilePaths.checkSymlinks(drafts, warnings);
        }
        List<FileEntry> files = layout(drafts);
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
        try {
            return new Info(new TorrentInfo(name, (int) pieceLength, pieces, files, hasFiles, isPrivate), infoHash,
                    v2 ? Version.HYBRID : Version.V1, v2 ? sha256 : new byte[0]);
        } catch (IllegalArgumentException e) {
            // Checked above already; kept so a rule added to TorrentInfo later still surfaces as a
            // MetainfoException rather than escaping the parser's contract.
            throw new MetainfoException(e.getMessage() + " in info dictionary", e);
        }
    }

    /** BEP 52's {@code meta version}: 2 for v2 and hybrid torrents, absent (or below 2) for v1. */
    private static long metaVersion(BDictionary info) throws MetainfoException {
        if (!info.containsKey("meta version")) {
            return 1;
        }
        long version = integer(info, "meta version", "info dictionary");
        // BEP 52: check the version before anything else, so a newer torrent is named as such.
        if (version > 2) {
            throw new MetainfoException("meta version " + version + " of the info dictionary is newer than the 2 this version of Spate reads");
        }
        return version;
    }

    /**
     * The torrent's name, sanitized like a path component; one that sanitizing leaves nothing of
     * ({@code ..}) becomes the info-hash in hex, as in libtorrent.
     */
    private static String name(BDictionary info, String hexHash, Warnings warnings) throws MetainfoException {
        BValue utf8 = info.get("name.utf-8");
        String raw;
        if (utf8 instanceof BString s && s.isUtf8()) {
            raw = s.text();
        } else {
            raw = PathSanitizer.decode(string(info, "name", "info dictionary").bytes());
        }
        String safe = PathSanitizer.component(raw);
        if (safe == null) {
            safe = hexHash;
        }
        if (!safe.equals(raw)) {
            warnings.add("unsafe name " + quote(raw) + " in info dictionary sanitized to " + quote(safe));
        }
        return safe;
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

    /** The one file of a single-file torrent: named after the torrent; BEP 47's {@code attr} at the top. */
    private static FileDraft singleFile(BDictionary info, String name, Warnings warnings) throws MetainfoException {
        EnumSet<Attribute> attributes = attributes(info);
        // The only file cannot be padding; and a link would have nothing of the torrent to point to.
        attributes.remove(Attribute.PAD);
        if (attributes.remove(Attribute.SYMLINK)) {
            warnings.add("the single file " + quote(name) + " is marked as a symbolic link, which has nothing in the torrent"
                    + " to point to: written as a plain file instead");
        }
        long length = integer(info, "length", "info dictionary");
        if (length < 0) {
            throw new MetainfoException("negative length " + length + " in info dictionary");
        }
        return new FileDraft(List.of(name), length, attributes, List.of());
    }

    private static List<FileDraft> files(BDictionary info, Warnings warnings) throws MetainfoException {
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
        List<FileDraft> files = new ArrayList<>(list.size());
        for (int i = 0; i < list.size(); i++) {
            String where = "file " + i + " of info dictionary";
            if (!(list.get(i) instanceof BDictionary entry)) {
                throw new MetainfoException("file " + i + " is " + article(list.get(i).kind()) + ", expected a dictionary");
            }
            EnumSet<Attribute> attributes = attributes(entry);
            List<String> rawTarget = attributes.contains(Attribute.SYMLINK) ? symlinkPath(entry) : List.of();
            if (rawTarget.isEmpty()) {
                attributes.remove(Attribute.SYMLINK); // a link without a target is a plain file, as in libtorrent
            }
            long length;
            if (attributes.contains(Attribute.SYMLINK) && !attributes.contains(Attribute.PAD)) {
                length = 0; // BEP 47: a link holds no bytes, and its length may be left out
            } else {
                length = integer(entry, "length", where);
                if (length < 0) {
                    throw new MetainfoException("negative length " + length + " in " + where);
                }
            }
            List<String> raw = rawPath(entry, where, attributes.contains(Attribute.PAD) ? length : -1);
            if (isLegacyPad(raw)) {
                attributes.add(Attribute.PAD);
            }
            if (attributes.contains(Attribute.PAD)) {
                // Never on disk: no other attribute means anything for it.
                attributes.retainAll(EnumSet.of(Attribute.PAD));
                rawTarget = List.of();
            }
            files.add(draft(raw, length, attributes, rawTarget, warnings));
        }
        return files;
    }

    /** A file's draft with its path (and a link's target) sanitized, reporting a change. */
    private static FileDraft draft(List<String> raw, long length, EnumSet<Attribute> attributes, List<String> rawTarget,
                                   Warnings warnings) {
        String original = String.join("/", raw);
        List<String> path = PathSanitizer.path(raw);
        if (!path.equals(raw) && !attributes.contains(Attribute.PAD)) {
            warnings.add("unsafe file path " + quote(original) + " sanitized to " + quote(String.join("/", path)));
        }
        List<String> target = rawTarget.isEmpty() ? List.of() : PathSanitizer.path(rawTarget);
        return new FileDraft(path, length, attributes, target);
    }

    /**
     * The raw (decoded, unsanitized) path of a file entry. A pad file may leave it out (BEP 47),
     * when {@code padLength} is not negative: it is then {@code .pad/N}, as libtorrent names it.
     */
    private static List<String> rawPath(BDictionary entry, String where, long padLength) throws MetainfoException {
        List<String> utf8 = utf8Path(entry.get("path.utf-8"));
        if (utf8 != null && !utf8.isEmpty()) {
            return utf8;
        }
        BValue v = entry.get("path");
        if (v == null && padLength >= 0) {
            return List.of(".pad", Long.toString(padLength));
        }
        if (v == null) {
            throw new MetainfoException("missing 'path' in " + where);
        }
        if (!(v instanceof BList list)) {
            throw new MetainfoException("'path' of " + where + " is " + article(v.kind()) + ", expected a list");
        }
        List<String> path = new ArrayList<>(list.size());
        for (BValue c : list.values()) {
            if (!(c instanceof BString s)) {
                throw new MetainfoException("'path' of " + where + " holds " + article(c.kind()) + ", expected strings");
            }
            path.add(PathSanitizer.decode(s.bytes()));
        }
        if (path.isEmpty()) {
            if (padLength >= 0) {
                return List.of(".pad", Long.toString(padLength));
            }
            throw new MetainfoException("empty 'path' in " + where);
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
     * Pad files of creators that did not mark them with {@code attr}: BEP 47's recommended
     * {@code .pad/N} (N decimal) and BitComet's {@code _____padding_file_...} (which libtorrent
     * recognizes too). Their bytes are zeros by construction.
     */
    private static boolean isLegacyPad(List<String> raw) {
        if (raw.size() == 2 && raw.get(0).equals(".pad") && !raw.get(1).isEmpty() && raw.get(1).chars().allMatch(c -> c >= '0' && c <= '9')) {
            return true;
        }
        for (String c : raw) {
            if (c.contains("_____padding_file_")) {
                return true;
            }
        }
        return false;
    }

    /** BEP 47's {@code attr}: unknown characters ignored, as the BEP says; a non-string ignored too. */
    static EnumSet<Attribute> attributes(BDictionary entry) {
        EnumSet<Attribute> out = EnumSet.noneOf(Attribute.class);
        if (entry.get("attr") instanceof BString attr) {
            for (byte b : attr.bytes()) {
                switch (b) {
                    case 'p' -> out.add(Attribute.PAD);
                    case 'x' -> out.add(Attribute.EXECUTABLE);
                    case 'h' -> out.add(Attribute.HIDDEN);
                    case 'l' -> out.add(Attribute.SYMLINK);
                    default -> {
                        // BEP 47: unknown attributes are ignored.
                    }
                }
            }
        }
        return out;
    }

    /** BEP 47's {@code symlink path}, raw; empty when absent or not a list of strings. */
    static List<String> symlinkPath(BDictionary entry) {
        if (!(entry.get("symlink path") instanceof BList list)) {
            return List.of();
        }
        List<String> out = new ArrayList<>(list.size());
        for (BValue c : list.values()) {
            if (!(c instanceof BString s)) {
                return List.of();
            }
            out.add(PathSanitizer.decode(s.bytes()));
        }
        return out;
    }

    /** The files at their offsets in the byte stream. */
    private static List<FileEntry> layout(List<FileDraft> drafts) throws MetainfoException {
        List<FileEntry> files = new ArrayList<>(drafts.size());
        long offset = 0;
        for (int i = 0; i < drafts.size(); i++) {
            FileDraft d = drafts.get(i);
            files.add(d.entry(offset));
            try {
                offset = Math.addExact(offset, d.length);
            } catch (ArithmeticException e) {
                throw new MetainfoException("total length of the files overflows 64 bits at file " + i + " of info dictionary");
            }
        }
        return files;
    }

    // ---- BEP 52 ----

    /** The v2 files as drafts, their paths sanitized as the v1 ones are (warnings belong to the v1 half). */
    private static List<FileDraft> v2Draft(List<FileTree.File> v2Files) {
        Warnings ignored = new Warnings();
        List<FileDraft> out = new ArrayList<>(v2Files.size());
        for (FileTree.File f : v2Files) {
            out.add(draft(f.path(), f.length(), EnumSet.copyOf(f.attributes()), f.symlinkTarget(), ignored));
        }
        return out;
    }

    /**
     * A hybrid torrent is one torrent only if both halves describe the same files: the same paths
     * and lengths in the same order, each non-empty file at the offset the v2 piece space gives it
     * (a piece boundary, BEP 52), and the same total up to the padding after the last file.
     * libtorrent refuses a hybrid whose halves disagree, and so do we: which half would be right?
     */
    private static void checkHalvesAgree(List<FileDraft> v1, List<FileDraft> v2, long pieceLength) throws MetainfoException {
        List<FileDraft> v1Data = new ArrayList<>(v1.size());
        List<Long> v1Offsets = new ArrayList<>(v1.size());
        long offset = 0;
        for (FileDraft f : v1) {
            if (!f.isPad()) {
                v1Data.add(f);
                v1Offsets.add(offset);
            }
            offset += f.length;
        }
        long v1Total = offset;
        if (v1Data.size() != v2.size()) {
            throw disagree("the v1 half lists " + v1Data.size() + " files (pad files aside), the v2 half " + v2.size());
        }
        long v2Offset = 0;
        for (int i = 0; i < v2.size(); i++) {
            FileDraft a = v1Data.get(i);
            FileDraft b = v2.get(i);
            if (!a.path.equals(b.path) || a.length != b.length) {
                throw disagree("file " + i + " is " + quote(a.joined()) + " of " + a.length + " bytes in the v1 half, "
                        + quote(b.joined()) + " of " + b.length + " bytes in the v2 half");
            }
            if (a.attributes.contains(Attribute.SYMLINK) != b.attributes.contains(Attribute.SYMLINK)
                    || !a.symlinkTarget.equals(b.symlinkTarget)) {
                throw disagree("file " + quote(a.joined()) + " is a symbolic link in one half only, or to different targets");
            }
            if (b.length > 0) {
                v2Offset = alignUp(v2Offset, pieceLength);
                if (v1Offsets.get(i) != v2Offset) {
                    throw disagree("file " + quote(a.joined()) + " starts at byte " + v1Offsets.get(i) + " in the v1 half, "
                            + "at byte " + v2Offset + " (a piece boundary) in the v2 half");
                }
                v2Offset += b.length;
            }
        }
        if (v1Total != v2Offset && v1Total != alignUp(v2Offset, pieceLength)) {
            throw disagree("the v1 half covers " + v1Total + " bytes, the v2 half " + v2Offset);
        }
    }

    private static MetainfoException disagree(String what) {
        return new MetainfoException("the v1 and v2 halves of this hybrid torrent disagree: " + what);
    }

    private static long alignUp(long offset, long pieceLength) {
        long rest = offset % pieceLength;
        return rest == 0 ? offset : offset + pieceLength - rest;
    }

    /**
     * A v2-only torrent as a TorrentInfo: its files laid out as BEP 52's piece space is (each
     * non-empty file on a piece boundary, a pad file after each one that ends inside a piece) and zeros for the SHA-1 piece hashes
     * it does not have. Enough to show it; {@link Metainfo#v2Only()} keeps it from being downloaded.
     */
    private static TorrentInfo v2OnlyInfo(String name, int pieceLength, List<FileTree.File> v2Files, boolean isPrivate,
                                          Warnings warnings) throws MetainfoException {
        // BEP 52: a tree of one file at its root is a single-file torrent.
        boolean single = v2Files.size() == 1 && v2Files.get(0).path().size() == 1;
        List<FileDraft> drafts = new ArrayList<>(v2Files.size());
        for (FileTree.File f : v2Files) {
            drafts.add(draft(f.path(), f.length(), f.attributes(), f.symlinkTarget(), warnings));
        }
        if (!single) {
            FilePaths.disambiguate(drafts, warnings);
            FilePaths.checkSymlinks(drafts, warnings);
        }
        List<FileEntry> files = new ArrayList<>(drafts.size() * 2);
        long offset = 0;
        for (int i = 0; i < drafts.size(); i++) {
            FileDraft d = drafts.get(i);
            files.add(d.entry(offset));
            offset = Math.addExact(offset, d.length);
            // As libtorrent lays it out: padding right after each file that ends inside a piece,
            // but the last (whose last piece is just shorter).
            if (d.length > 0 && offset % pieceLength != 0 && i < drafts.size() - 1) {
                long pad = pieceLength - offset % pieceLength;
                files.add(new FileEntry(List.of(".pad", Long.toString(pad)), pad, offset, Set.of(Attribute.PAD), List.of()));
                offset += pad;
            }
        }
        if (offset == 0) {
            throw new MetainfoException("torrent holds no data: total length is 0");
        }
        long pieces = (offset + pieceLength - 1) / pieceLength;
        if (pieces > Integer.MAX_VALUE / 20) {
            throw new MetainfoException(offset + " bytes in pieces of " + pieceLength + " are more pieces than can be held");
        }
        return new TorrentInfo(name, pieceLength, new byte[(int) pieces * 20], files, !single, isPrivate);
    }

    /**
     * BEP 52's {@code piece layers} (outside the info dictionary), when present: for each file
     * larger than a piece, the hashes of its pieces, 32 bytes each. A layer of the wrong size makes
     * the torrent invalid. A missing one is allowed (the metadata of a magnet link has none).
     */
    private static void checkPieceLayers(BDictionary top, List<FileTree.File> files, long pieceLength) throws MetainfoException {
        if (!(top.get("piece layers") instanceof BDictionary layers)) {
            return;
        }
        for (FileTree.File f : files) {
            if (f.piecesRoot() == null || f.length() <= pieceLength) {
                continue;
            }
            BValue layer = layers.get(BDictionary.key(f.piecesRoot()));
            if (layer == null) {
                continue;
            }
            long expected = (f.length() + pieceLength - 1) / pieceLength * 32;
            if (!(layer instanceof BString s) || s.length() != expected) {
                throw new MetainfoException("the piece layer of file " + quote(String.join("/", f.path())) + " is "
                        + (layer instanceof BString s ? s.length() + " bytes" : article(layer.kind()))
                        + ", expected " + expected + " bytes (BEP 52)");
            }
        }
    }

    /**
     * Why {@code component} cannot be one step of a path below the download directory, or null if
     * it can. For creating torrents ({@link TorrentCreator}), where a name we cannot store as it is
     * is refused rather than changed: separators and NUL would let one component smuggle in
     * several, "." and ".." and a drive letter would walk out of the directory.
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

    /**
     * BEP 5: {@code nodes} is a list of {@code [host, port]} pairs. Entries of any other shape, with
     * a host that is empty or longer than a DNS name (253) or a port outside 1..65535, are skipped,
     * not fatal: they only help the DHT find the swarm sooner. At most {@link Metainfo#MAX_DHT_NODES}.
     */
    private static List<java.net.InetSocketAddress> dhtNodes(BDictionary top) {
        List<java.net.InetSocketAddress> out = new ArrayList<>();
        if (!(top.get("nodes") instanceof BList list)) {
            return out;
        }
        for (BValue v : list.values()) {
            if (out.size() >= Metainfo.MAX_DHT_NODES) {
                break;
            }
            if (v instanceof BList pair && pair.values().size() == 2
                    && pair.values().get(0) instanceof BString host && pair.values().get(1) instanceof BInteger port
                    && host.length() > 0 && host.length() <= 253 && port.value() >= 1 && port.value() <= 65_535) {
                String h = host.text().strip();
                if (!h.isEmpty() && h.chars().allMatch(c -> c > ' ' && c < 127)) {
                    out.add(java.net.InetSocketAddress.createUnresolved(h, (int) port.value()));
                }
            }
        }
        return out;
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

    static String article(String kind) {
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
