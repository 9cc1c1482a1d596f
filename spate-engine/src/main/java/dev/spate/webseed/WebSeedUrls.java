package dev.spate.webseed;

import dev.spate.metainfo.FileEntry;
import dev.spate.metainfo.TorrentInfo;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The URL of each file of a torrent on a web seed (BEP 19). Pure functions.
 *
 * <ul>
 *   <li>Single-file torrent: the web seed's URL is the file's URL; when it ends in {@code /} the
 *       torrent's name is appended ({@code http://m/pub/} and name {@code a.iso} give
 *       {@code http://m/pub/a.iso}).</li>
 *   <li>Multi-file torrent: the URL is a directory holding the torrent's directory: each file is
 *       {@code URL/name/path/to/file}. A URL without the trailing {@code /} gets one, as libtorrent
 *       does for such (incorrect but common) torrents.</li>
 *   <li>The name and each path component are percent-encoded as UTF-8, every byte but RFC 3986's
 *       unreserved ones ({@code A-Z a-z 0-9 - . _ ~}); a component can never add a {@code /}.
 *       The web seed's own path and query are kept as written; its fragment is dropped.</li>
 * </ul>
 */
final class WebSeedUrls {
    private WebSeedUrls() {
    }

    /**
     * A url-list or {@code ws} entry as an absolute http(s) URI. Characters that may not appear in
     * a URI (spaces, non-ASCII letters) are percent-encoded first, as browsers do with a typed
     * URL, and so is a {@code %} that starts no escape; escapes already there are kept.
     */
    static URI parse(String url) throws WebSeedException {
        String text = url.strip();
        URI uri;
        try {
            uri = new URI(quoteIllegal(text));
        } catch (URISyntaxException e) {
            throw new WebSeedException(text, WebSeedException.Kind.BAD_URL, "not a URL (" + e.getReason() + ")",
                    -1, null, e);
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            // BEP 19: a client ignores the protocols it does not know.
            throw new WebSeedException(text, WebSeedException.Kind.BAD_URL,
                    scheme.isEmpty() ? "not an absolute URL" : "scheme " + scheme + " is not http or https",
                    -1, null, null);
        }
        if (uri.getHost() == null) {
            throw new WebSeedException(text, WebSeedException.Kind.BAD_URL, "no host", -1, null, null);
        }
        return uri;
    }

    /** The URL of every file of {@code info}, by file index; see the class comment for the rules. */
    static List<URI> fileUris(URI base, TorrentInfo info) {
        String path = base.getRawPath() == null || base.getRawPath().isEmpty() ? "/" : base.getRawPath();
        List<URI> out = new ArrayList<>(info.files().size());
        if (!info.multiFile()) {
            out.add(with(base, path.endsWith("/") ? path + encode(info.name()) : path));
            return out;
        }
        String dir = (path.endsWith("/") ? path : path + "/") + encode(info.name());
        for (FileEntry f : info.files()) {
            StringBuilder p = new StringBuilder(dir);
            for (String component : f.path()) {
                p.append('/').append(encode(component));
            }
            out.add(with(base, p.toString()));
        }
        return out;
    }

    private static URI with(URI base, String rawPath) {
        String query = base.getRawQuery() == null ? "" : "?" + base.getRawQuery();
        return URI.create(base.getScheme() + "://" + base.getRawAuthority() + rawPath + query);
    }

    /** RFC 3986 percent-encoding of the UTF-8 bytes of one path component. */
    static String encode(String component) {
        StringBuilder sb = new StringBuilder(component.length() + 16);
        for (byte b : component.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if (unreserved(c)) {
                sb.append((char) c);
            } else {
                appendEscape(sb, c);
            }
        }
        return sb.toString();
    }

    private static boolean unreserved(int c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
                || c == '-' || c == '.' || c == '_' || c == '~';
    }

    /** Percent-encodes, as UTF-8, every character that RFC 3986 allows nowhere in a URI. */
    private static String quoteIllegal(String text) {
        StringBuilder sb = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); ) {
            int cp = text.codePointAt(i);
            i += Character.charCount(cp);
            if (cp == '%' && !(i + 1 < text.length() && hex(text.charAt(i)) && hex(text.charAt(i + 1)))) {
                sb.append("%25"); // a lone '%' ("100%.iso") is a literal one, not an escape
            } else if (cp < 0x80 && (unreserved(cp) || "!#$%&'()*+,/:;=?@[]".indexOf(cp) >= 0)) {
                sb.append((char) cp);
            } else {
                for (byte b : Character.toString(cp).getBytes(StandardCharsets.UTF_8)) {
                    appendEscape(sb, b & 0xff);
                }
            }
        }
        return sb.toString();
    }

    private static boolean hex(char c) {
        return Character.digit(c, 16) >= 0 && c < 0x80;
    }

    private static void appendEscape(StringBuilder sb, int c) {
        sb.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                .append(Character.toUpperCase(Character.forDigit(c & 15, 16)));
    }
}
