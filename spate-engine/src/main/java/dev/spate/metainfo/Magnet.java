package dev.spate.metainfo;

import dev.spate.core.InfoHash;

import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A parsed magnet link (BEP 9): enough to find a torrent's swarm and fetch its info dictionary from
 * peers. Immutable; {@link #parse} reads one, {@link #toUri} writes it back.
 *
 * <p>Fields, each from its parameter:
 * <ul>
 *   <li>{@code xt=urn:btih:} the v1 info-hash, 40 hex digits or 32 base32 characters (RFC 4648,
 *       either case); {@code xt=urn:btmh:} a v2 info-hash, a SHA2-256 multihash ({@code 1220} then
 *       64 hex digits). A hybrid link carries both and is fetched through its v1 hash; a link with
 *       only {@code btmh} parses ({@link #v2Only()}) so that the engine can say it cannot fetch it
 *       yet. Other {@code xt} (urn:sha1, urn:ed2k...) are ignored; one of the two is required;
 *   <li>{@code dn}: a display name, shown until the info dictionary arrives (whose name the files
 *       then take). The first {@code dn} counts (libtorrent keeps the last; a link with two
 *       names is odd either way);
 *   <li>{@code tr}: a tracker, each in a tier of its own in the order given, as libtorrent does;
 *       {@code tr.1}, {@code tr.2}... are the same parameter (the number means nothing);
 *   <li>{@code ws}: a web seed (BEP 19);
 *   <li>{@code x.pe}: a peer to dial, {@code host:port}, {@code a.b.c.d:port} or {@code [v6]:port};
 *   <li>{@code so}: BEP 53's select-only file indices, {@code 0,2,4-6}; none means every file.
 * </ul>
 *
 * <p>Values are percent-decoded and read as UTF-8. {@code +} is a space only in {@code dn}: web
 * forms write spaces in names so, and libtorrent (so qBittorrent) reads them so, while in a URL a
 * {@code +} is a legal character that a space could only break (Transmission keeps it). A
 * {@code dn} that is not UTF-8 has the bad bytes replaced, since it is only shown; anywhere else
 * that is an error. Unknown parameters are ignored, repeated trackers, web seeds and peers kept
 * once. A link is at most {@value #MAX_LENGTH} characters with at most {@value #MAX_TRACKERS}
 * trackers, {@value #MAX_WEB_SEEDS} web seeds and {@value #MAX_PEERS} peers, bounds no real link
 * comes near.
 *
 * @param infoHash the v1 info-hash ({@code btih}), empty for a v2-only link
 * @param infoHashV2 the v2 info-hash ({@code btmh} without its multihash prefix) as 64 lower-case
 *     hex digits, when given
 * @param displayName {@code dn}, not empty when present; untrusted text, to be escaped before it
 *     is printed
 * @param trackers {@code tr} URLs in order, each once; each is its own tier ({@link #trackerTiers})
 * @param webSeeds {@code ws} URLs in order, each once
 * @param peers {@code x.pe} addresses in order, each once
 * @param selectOnly {@code so} ranges, sorted and merged; empty when the link selects no files (so
 *     all of them are wanted)
 */
public record Magnet(Optional<InfoHash> infoHash, Optional<String> infoHashV2, Optional<String> displayName,
        List<String> trackers, List<String> webSeeds, List<PeerAddress> peers, List<FileRange> selectOnly) {

    /** The longest link {@link #parse} accepts, in characters. */
    public static final int MAX_LENGTH = 64 * 1024;
    /** The most trackers a link may name. */
    public static final int MAX_TRACKERS = 200;
    /** The most web seeds a link may name. */
    public static final int MAX_WEB_SEEDS = 50;
    /** The most peers a link may name. */
    public static final int MAX_PEERS = 200;
    /** The highest file index {@code so} may name: below the most files a torrent may list. */
    public static final int MAX_FILE_INDEX = MetainfoParser.MAX_FILES - 1;

    private static final Pattern HEX_64 = Pattern.compile("[0-9a-f]{64}");
    // After decoding a URL may hold spaces (a web seed's file names do); whoever requests it
    // encodes them. Other whitespace and control characters have no place in one.
    private static final Pattern URL = Pattern.compile(
            "[A-Za-z][A-Za-z0-9+.-]*://[^\\s\\p{Cntrl}]([^\\p{Cntrl}\\u0085\\u2028\\u2029]*[^\\s\\p{Cntrl}])?");
    private static final Pattern NUMBERED = Pattern.compile("(.+)\\.[0-9]+");
    private static final Pattern RANGE = Pattern.compile("([0-9]{1,10})(?:-([0-9]{1,10}))?");
    private static final String BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

    /**
     * Checks that there is an info-hash and that the v2 hash, the name and the URLs are well formed;
     * duplicates in the lists are dropped.
     */
    public Magnet {
        Objects.requireNonNull(infoHash, "infoHash");
        Objects.requireNonNull(infoHashV2, "infoHashV2");
        Objects.requireNonNull(displayName, "displayName");
        if (infoHash.isEmpty() && infoHashV2.isEmpty()) {
            throw new IllegalArgumentException("a magnet link needs a v1 or a v2 info-hash");
        }
        infoHashV2.ifPresent(h -> {
            if (!HEX_64.matcher(h).matches()) {
                throw new IllegalArgumentException("v2 info-hash " + h + " is not 64 lower-case hex digits");
            }
        });
        displayName.ifPresent(n -> {
            if (n.isEmpty()) {
                throw new IllegalArgumentException("empty display name");
            }
        });
        trackers = distinct(trackers);
        webSeeds = distinct(webSeeds);
        for (String url : trackers) {
            checkUrl(url);
        }
        for (String url : webSeeds) {
            checkUrl(url);
        }
        peers = distinct(peers);
        selectOnly = FileRange.normalize(selectOnly);
    }

    /** A link with only a v1 info-hash. */
    public static Magnet of(InfoHash infoHash) {
        return new Magnet(Optional.of(infoHash), Optional.empty(), Optional.empty(), List.of(), List.of(), List.of(),
                List.of());
    }

    /** Whether the link has only a v2 info-hash, which Spate cannot fetch yet. */
    public boolean v2Only() {
        return infoHash.isEmpty();
    }

    /**
     * The v1 info-hash to fetch the torrent by.
     *
     * @throws MetainfoException for a v2-only link: "v2-only magnet links are not supported yet"
     */
    public InfoHash requireV1InfoHash() throws MetainfoException {
        if (infoHash.isEmpty()) {
            throw new MetainfoException("v2-only magnet links are not supported yet (xt=urn:btmh: without urn:btih:)");
        }
        return infoHash.get();
    }

    /** The trackers as BEP 12 tiers: each its own tier, in the link's order. */
    public List<List<String>> trackerTiers() {
        return trackers.stream().map(List::of).toList();
    }

    /** Whether {@code so} selects the file at {@code index}; every file when the link has no {@code so}. */
    public boolean selectsFile(int index) {
        return selectOnly.isEmpty() || selectOnly.stream().anyMatch(r -> r.contains(index));
    }

    /**
     * The link as a URI that {@link #parse} reads back to an equal {@code Magnet}: {@code xt} in
     * hex, text fields percent-encoded (spaces as {@code %20}), {@code x.pe} and {@code so} as
     * they are (their characters need no escaping, and libtorrent does not decode them).
     */
    public String toUri() {
        StringBuilder uri = new StringBuilder("magnet:?");
        List<String> params = new ArrayList<>();
        infoHash.ifPresent(h -> params.add("xt=urn:btih:" + h.hex()));
        infoHashV2.ifPresent(h -> params.add("xt=urn:btmh:1220" + h));
        displayName.ifPresent(n -> params.add("dn=" + encode(n)));
        trackers.forEach(t -> params.add("tr=" + encode(t)));
        webSeeds.forEach(w -> params.add("ws=" + encode(w)));
        peers.forEach(p -> params.add("x.pe=" + p));
        if (!selectOnly.isEmpty()) {
            params.add("so=" + String.join(",", selectOnly.stream().map(FileRange::toString).toList()));
        }
        return uri.append(String.join("&", params)).toString();
    }

    @Override
    public String toString() {
        return toUri();
    }

    /**
     * Parses a magnet link. Whitespace around it is ignored (it is often pasted).
     *
     * @throws MetainfoException naming the parameter and why, for example {@code invalid magnet
     *     link: xt=urn:btih:zz12 is not 40 hex or 32 base32 characters}
     */
    public static Magnet parse(String link) throws MetainfoException {
        Objects.requireNonNull(link, "link");
        String uri = link.strip();
        if (uri.length() > MAX_LENGTH) {
            throw invalid(uri.length() + " characters, more than the " + MAX_LENGTH + " accepted");
        }
        if (!uri.regionMatches(true, 0, "magnet:?", 0, 8)) {
            throw invalid("does not start with magnet:?");
        }
        for (int i = 0; i < uri.length(); i++) {
            char c = uri.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                throw invalid(String.format("control character U+%04X at character %d", (int) c, i));
            }
        }
        Builder b = new Builder();
        for (String param : uri.substring(8).split("&", -1)) {
            if (param.isEmpty()) {
                continue;
            }
            int eq = param.indexOf('=');
            String name = eq < 0 ? param : param.substring(0, eq);
            String raw = eq < 0 ? "" : param.substring(eq + 1);
            b.add(name, raw);
        }
        return b.build();
    }

    /** Collects parameters in order; {@link #build} checks what needs the whole link. */
    private static final class Builder {
        private InfoHash v1;
        private String v1Param;
        private String v2;
        private String v2Param;
        private String displayName;
        private final Set<String> trackers = new LinkedHashSet<>();
        private final Set<String> webSeeds = new LinkedHashSet<>();
        private final Set<PeerAddress> peers = new LinkedHashSet<>();
        private final List<FileRange> ranges = new ArrayList<>();

        void add(String param, String raw) throws MetainfoException {
            String where = param + "=" + raw;
            // BEP 9 links number repeated parameters (tr.1, tr.2); the number means nothing.
            var numbered = NUMBERED.matcher(param);
            String name = numbered.matches() ? numbered.group(1) : param;
            switch (name) {
                case "xt" -> exactTopic(where, text(where, raw, false));
                case "dn" -> {
                    String dn = displayName(raw, where);
                    if (displayName == null && !dn.isEmpty()) {
                        displayName = dn;
                    }
                }
                case "tr" -> url(where, text(where, raw, false), trackers, MAX_TRACKERS, "trackers");
                case "ws" -> url(where, text(where, raw, false), webSeeds, MAX_WEB_SEEDS, "web seeds");
                case "x.pe" -> {
                    PeerAddress peer = PeerAddress.parse(where, text(where, raw, false));
                    peers.add(peer);
                    if (peers.size() > MAX_PEERS) {
                        throw invalid("more than " + MAX_PEERS + " peers (x.pe)");
                    }
                }
                case "so" -> selectOnly(where, text(where, raw, false));
                default -> {
                    // BEP 9 names the parameters it defines; others (xl, as, kt, dht...) are not ours.
                }
            }
        }

        private void exactTopic(String where, String value) throws MetainfoException {
            if (value.regionMatches(true, 0, "urn:btih:", 0, 9)) {
                InfoHash hash = btih(where, value.substring(9));
                if (v1 != null && !v1.equals(hash)) {
                    throw invalid("two different info-hashes, " + shown(v1Param) + " and " + shown(where));
                }
                v1 = hash;
                v1Param = where;
            } else if (value.regionMatches(true, 0, "urn:btmh:", 0, 9)) {
                String hash = btmh(where, value.substring(9));
                if (v2 != null && !v2.equals(hash)) {
                    throw invalid("two different v2 info-hashes, " + shown(v2Param) + " and " + shown(where));
                }
                v2 = hash;
                v2Param = where;
            }
            // Other exact topics (urn:sha1, urn:ed2k, urn:tree:tiger) name files for other networks.
        }

        private static InfoHash btih(String where, String digits) throws MetainfoException {
            if (digits.length() == 40 && isHex(digits)) {
                return InfoHash.fromHex(digits);
            }
            if (digits.length() == 32) {
                byte[] bytes = base32(digits);
                if (bytes != null) {
                    return InfoHash.of(bytes);
                }
            }
            throw invalid(shown(where) + " is not 40 hex or 32 base32 characters");
        }

        /** A SHA2-256 multihash: code 0x12, length 0x20, 32 bytes, in hex. */
        private static String btmh(String where, String multihash) throws MetainfoException {
            if (multihash.length() != 68 || !multihash.startsWith("1220") || !isHex(multihash)) {
                throw invalid(shown(where) + " is not a SHA2-256 multihash (1220 and 64 hex digits)");
            }
            return multihash.substring(4).toLowerCase(Locale.ROOT);
        }

        private static String displayName(String raw, String where) throws MetainfoException {
            byte[] bytes = percentDecode(where, raw, true);
            // Replace rather than refuse: a name in a legacy code page is still worth downloading.
            return new String(bytes, StandardCharsets.UTF_8);
        }

        private static void url(String where, String url, Set<String> into, int max, String what)
                throws MetainfoException {
            if (url.isEmpty()) {
                return; // libtorrent ignores an empty tracker too
            }
            if (!URL.matcher(url).matches()) {
                throw invalid(shown(where) + " is not a URL");
            }
            into.add(url);
            if (into.size() > max) {
                throw invalid("more than " + max + " " + what + " (" + where.substring(0, where.indexOf('=')) + ")");
            }
        }

        private void selectOnly(String where, String value) throws MetainfoException {
            for (String token : value.split(",", -1)) {
                if (token.isEmpty()) {
                    continue;
                }
                var m = RANGE.matcher(token);
                if (!m.matches()) {
                    throw invalid(shown(where) + ": " + MetainfoParser.quote(token)
                            + " is not a file index or range (so=0,2,4-6)");
                }
                long first = Long.parseLong(m.group(1));
                long last = m.group(2) == null ? first : Long.parseLong(m.group(2));
                if (last > MAX_FILE_INDEX) {
                    throw invalid(shown(where) + ": file index " + last + " beyond the most files a torrent may have");
                }
                if (first > last) {
                    throw invalid(shown(where) + ": range " + token + " ends before it starts");
                }
                ranges.add(new FileRange((int) first, (int) last));
            }
        }

        Magnet build() throws MetainfoException {
            if (v1 == null && v2 == null) {
                throw invalid("no xt=urn:btih: (the info-hash)");
            }
            return new Magnet(Optional.ofNullable(v1), Optional.ofNullable(v2), Optional.ofNullable(displayName),
                    List.copyOf(trackers), List.copyOf(webSeeds), List.copyOf(peers), ranges);
        }
    }

    /**
     * A peer address from {@code x.pe}: a host name or an IP literal, and a port.
     *
     * @param host a host name, a dotted IPv4 address or an IPv6 address without its brackets
     * @param port in [1, 65535]
     */
    public record PeerAddress(String host, int port) {
        private static final Pattern IPV4 = Pattern.compile("[0-9]{1,3}(\\.[0-9]{1,3}){3}");
        private static final Pattern NUMERIC = Pattern.compile("[0-9.]+");
        private static final Pattern LABEL = Pattern.compile("[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?");
        private static final Pattern IPV6_CHARS = Pattern.compile("[0-9A-Fa-f:.]+");

        /** Checks that {@code host} is an IP literal or a host name and {@code port} is 1-65535. */
        public PeerAddress {
            Objects.requireNonNull(host, "host");
            String problem = hostProblem(host);
            if (problem != null) {
                throw new IllegalArgumentException(problem);
            }
            if (port < 1 || port > 0xffff) {
                throw new IllegalArgumentException("port " + port + " outside [1, 65535]");
            }
        }

        /** Whether the host is an IPv6 literal. */
        public boolean isIpv6() {
            return host.indexOf(':') >= 0;
        }

        /** Whether the host is an IP literal rather than a name to resolve. */
        public boolean isLiteral() {
            return isIpv6() || IPV4.matcher(host).matches();
        }

        /**
         * The address to dial: resolved for an IP literal (no lookup is made for one), unresolved for
         * a host name, which the caller resolves when and where it chooses.
         */
        public InetSocketAddress toSocketAddress() {
            if (!isLiteral()) {
                return InetSocketAddress.createUnresolved(host, port);
            }
            try {
                return new InetSocketAddress(InetAddress.getByName(isIpv6() ? "[" + host + "]" : host), port);
            } catch (UnknownHostException e) {
                throw new AssertionError("a checked literal parses", e);
            }
        }

        /** {@code host:port}, the IPv6 literal in brackets: the form {@code x.pe} takes. */
        @Override
        public String toString() {
            return (isIpv6() ? "[" + host + "]" : host) + ":" + port;
        }

        static PeerAddress parse(String where, String value) throws MetainfoException {
            String host;
            String port;
            if (value.startsWith("[")) {
                int close = value.indexOf(']');
                if (close < 0 || close + 1 >= value.length() || value.charAt(close + 1) != ':') {
                    throw invalid(shown(where) + " is not [IPv6]:port");
                }
                host = value.substring(1, close);
                if (host.indexOf(':') < 0) {
                    throw invalid(shown(where) + ": " + MetainfoParser.quote(host) + " in brackets is not an IPv6 address");
                }
                port = value.substring(close + 2);
            } else {
                int colon = value.lastIndexOf(':');
                if (colon < 0) {
                    throw invalid(shown(where) + " is not host:port");
                }
                host = value.substring(0, colon);
                if (host.indexOf(':') >= 0) {
                    throw invalid(shown(where) + ": an IPv6 address goes in brackets, [address]:port");
                }
                port = value.substring(colon + 1);
            }
            if (port.isEmpty() || port.length() > 5 || !port.chars().allMatch(c -> c >= '0' && c <= '9')) {
                throw invalid(shown(where) + ": port " + MetainfoParser.quote(port) + " is not a number");
            }
            int p = Integer.parseInt(port);
            if (p < 1 || p > 0xffff) {
                throw invalid(shown(where) + ": port " + p + " outside [1, 65535]");
            }
            String problem = hostProblem(host);
            if (problem != null) {
                throw invalid(shown(where) + ": " + problem);
            }
            return new PeerAddress(host.toLowerCase(Locale.ROOT), p);
        }

        /** Why {@code host} is not a host name or IP literal, or null. Never resolves anything. */
        private static String hostProblem(String host) {
            if (host.isEmpty()) {
                return "empty host";
            }
            if (host.indexOf(':') >= 0) {
                if (!IPV6_CHARS.matcher(host).matches()) {
                    return MetainfoParser.quote(host) + " is not an IPv6 address";
                }
                try {
                    // In brackets getByName parses the literal and never looks anything up.
                    InetAddress.getByName("[" + host + "]");
                    return null;
                } catch (UnknownHostException e) {
                    return MetainfoParser.quote(host) + " is not an IPv6 address";
                }
            }
            if (NUMERIC.matcher(host).matches()) {
                if (IPV4.matcher(host).matches()) {
                    for (String octet : host.split("\\.")) {
                        if (Integer.parseInt(octet) > 255) {
                            return MetainfoParser.quote(host) + " is not an IPv4 address";
                        }
                    }
                    return null;
                }
                return MetainfoParser.quote(host) + " is not an IPv4 address";
            }
            if (host.length() > 253) {
                return "host name of " + host.length() + " characters, more than 253";
            }
            for (String label : host.split("\\.", -1)) {
                if (!LABEL.matcher(label).matches()) {
                    return MetainfoParser.quote(host) + " is not a host name";
                }
            }
            return null;
        }
    }

    /**
     * Files {@code first} to {@code last}, both included, by their index in the torrent's file
     * list (BEP 53).
     *
     * @param first the first file index, not negative
     * @param last the last file index, not below {@code first}
     */
    public record FileRange(int first, int last) {
        /** Checks that {@code first} is not negative and not above {@code last}. */
        public FileRange {
            if (first < 0 || first > last) {
                throw new IllegalArgumentException("file range " + first + "-" + last);
            }
        }

        /** Whether {@code index} is in the range. */
        public boolean contains(int index) {
            return index >= first && index <= last;
        }

        /** {@code 4-6}, or {@code 4} for a single file: the form {@code so} takes. */
        @Override
        public String toString() {
            return first == last ? Integer.toString(first) : first + "-" + last;
        }

        /** Sorted, overlapping and adjacent ranges merged. */
        static List<FileRange> normalize(List<FileRange> ranges) {
            List<FileRange> sorted = new ArrayList<>(ranges);
            sorted.forEach(Objects::requireNonNull);
            sorted.sort(Comparator.comparingInt(FileRange::first));
            List<FileRange> merged = new ArrayList<>();
            for (FileRange r : sorted) {
                FileRange lastRange = merged.isEmpty() ? null : merged.get(merged.size() - 1);
                if (lastRange != null && (long) r.first <= (long) lastRange.last + 1) {
                    merged.set(merged.size() - 1, new FileRange(lastRange.first, Math.max(lastRange.last, r.last)));
                } else {
                    merged.add(r);
                }
            }
            return List.copyOf(merged);
        }
    }

    // ---- text ----

    /** The percent-decoded value as strict UTF-8. */
    private static String text(String where, String raw, boolean plusIsSpace) throws MetainfoException {
        byte[] bytes = percentDecode(where, raw, plusIsSpace);
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw invalid(shown(where) + " is not UTF-8 after percent-decoding");
        }
    }

    /** RFC 3986 percent-decoding; characters not escaped stand for their UTF-8 bytes. */
    private static byte[] percentDecode(String where, String raw, boolean plusIsSpace) throws MetainfoException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(raw.length());
        for (int i = 0; i < raw.length(); ) {
            char c = raw.charAt(i);
            if (c == '%') {
                if (i + 2 >= raw.length() || hexValue(raw.charAt(i + 1)) < 0 || hexValue(raw.charAt(i + 2)) < 0) {
                    throw invalid(shown(where) + ": bad percent escape at character " + i + " of the value");
                }
                out.write(hexValue(raw.charAt(i + 1)) << 4 | hexValue(raw.charAt(i + 2)));
                i += 3;
            } else if (c == '+' && plusIsSpace) {
                out.write(' ');
                i++;
            } else {
                int cp = raw.codePointAt(i);
                out.writeBytes(new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8));
                i += Character.charCount(cp);
            }
        }
        return out.toByteArray();
    }

    private static int hexValue(char c) {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        if (c >= 'a' && c <= 'f') {
            return c - 'a' + 10;
        }
        if (c >= 'A' && c <= 'F') {
            return c - 'A' + 10;
        }
        return -1;
    }

    private static boolean isHex(String s) {
        return s.chars().allMatch(c -> hexValue((char) c) >= 0);
    }

    /** RFC 4648 base32 without padding, either case, of exactly 20 bytes; null if it is not. */
    private static byte[] base32(String s) {
        byte[] out = new byte[20];
        long buffer = 0;
        int bits = 0;
        int n = 0;
        for (int i = 0; i < s.length(); i++) {
            int v = BASE32.indexOf(Character.toUpperCase(s.charAt(i)));
            if (v < 0) {
                return null;
            }
            buffer = buffer << 5 | v;
            bits += 5;
            if (bits >= 8) {
                bits -= 8;
                out[n++] = (byte) (buffer >>> bits);
            }
        }
        return n == 20 && bits == 0 ? out : null;
    }

    /** Percent-encodes everything but RFC 3986's unreserved characters, as UTF-8. */
    private static String encode(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        HexFormat hex = HexFormat.of().withUpperCase();
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if (c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '.'
                    || c == '_' || c == '~') {
                sb.append((char) c);
            } else {
                sb.append('%').append(hex.toHexDigits((byte) c));
            }
        }
        return sb.toString();
    }

    /** A parameter as it was written, cut short for a one-line message. */
    private static String shown(String param) {
        return param.length() <= 80 ? param : param.substring(0, 77) + "\u2026";
    }

    private static MetainfoException invalid(String why) {
        return new MetainfoException("invalid magnet link: " + why);
    }

    private static void checkUrl(String url) {
        if (!URL.matcher(url).matches()) {
            throw new IllegalArgumentException(MetainfoParser.quote(url) + " is not a URL");
        }
    }

    private static <T> List<T> distinct(List<T> values) {
        values.forEach(Objects::requireNonNull);
        return List.copyOf(new LinkedHashSet<>(values));
    }
}
