package dev.spate.daemon;

import com.sun.net.httpserver.HttpExchange;
import dev.spate.engine.FileStatus;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The files of the daemon's torrents over HTTP while they download: {@code GET /stream/<info-hash>/<file
 * index>} serves one file, with byte ranges (RFC 9110 section 14: {@code Accept-Ranges}, 206 and
 * {@code Content-Range}, 416 past the end) so a player can seek; {@code GET
 * /stream/<info-hash>/playlist.m3u} lists a torrent's video and audio files as an M3U playlist of
 * such links. Each request reads through its own {@link Torrents#openStream} stream, which waits
 * for the pieces under it and gives the next ones deadlines, so the download follows the reader;
 * several readers of one file each keep their own window. When the reader goes away the next
 * write fails and the stream is closed, which forgets its deadlines (a reader gone while its
 * stream waits for a piece is noticed once that piece arrives).
 *
 * <p>A torrent's bytes are hostile: they are never served as a type a browser would run (see
 * {@link MediaTypes}), with {@code nosniff} and a sandboxing content security policy.
 *
 * <p>The caller ({@link RpcServer}) has checked the Host and the credentials. A virtual thread per
 * request; the set of open streams is concurrent.
 */
final class Streams {
    /** Where the streams are. */
    static final String PATH = "/stream/";
    private static final Pattern FILE = Pattern.compile("/stream/([0-9a-fA-F]{40})/([0-9]{1,9})");
    private static final Pattern PLAYLIST = Pattern.compile("/stream/([0-9a-fA-F]{40})/playlist\\.m3u");
    /** What is copied at once: a few blocks, small beside the read-ahead the stream asks for. */
    private static final int COPY = 64 * 1024;

    private final Torrents torrents;
    /** The streams being read, closed by {@link #close} so no reader waiting for a piece holds the server's shutdown. */
    private final java.util.Set<InputStream> open = java.util.concurrent.ConcurrentHashMap.newKeySet();

    Streams(Torrents torrents) {
        this.torrents = torrents;
    }

    /** Answers one request under {@link #PATH}. */
    void serve(HttpExchange ex) throws IOException {
        String method = ex.getRequestMethod();
        if (!method.equals("GET") && !method.equals("HEAD")) {
            ex.getResponseHeaders().set("Allow", "GET, HEAD");
            text(ex, 405, "GET a file");
            return;
        }
        String path = ex.getRequestURI().getRawPath();
        Matcher file = FILE.matcher(path);
        Matcher playlist = PLAYLIST.matcher(path);
        if (file.matches()) {
            serveFile(ex, file.group(1), Integer.parseInt(file.group(2)));
        } else if (playlist.matches()) {
            servePlaylist(ex, playlist.group(1));
        } else {
            text(ex, 404, "not a stream: use /stream/<info-hash>/<file index> or /stream/<info-hash>/playlist.m3u");
        }
    }

    private Optional<Torrents.Torrent> torrent(String hash) {
        return torrents.get(List.of((Object) hash)).stream().findFirst();
    }

    private void serveFile(HttpExchange ex, String hash, int index) throws IOException {
        Optional<Torrents.Torrent> t = torrent(hash);
        if (t.isEmpty()) {
            text(ex, 404, "no torrent " + hash.toLowerCase(Locale.ROOT));
            return;
        }
        List<FileStatus> files = t.get().status().files();
        if (files.isEmpty()) {
            text(ex, 503, "the torrent's files are not known yet (its metadata is still on its way)");
            return;
        }
        FileStatus f = files.stream().filter(x -> x.index() == index).findFirst().orElse(null);
        if (f == null) {
            text(ex, 404, "torrent " + hash.toLowerCase(Locale.ROOT) + " has no file " + index);
            return;
        }
        String etag = "\"" + hash.toLowerCase(Locale.ROOT) + "-" + index + "\"";
        var headers = ex.getResponseHeaders();
        headers.set("Accept-Ranges", "bytes");
        // A file of a torrent never changes (its pieces are hashed), so its tag is its name.
        headers.set("ETag", etag);
        headers.set("Content-Type", MediaTypes.of(f.path()));
        headers.set("X-Content-Type-Options", "nosniff");
        headers.set("Content-Security-Policy", "sandbox");
        headers.set("Content-Disposition", "inline; filename*=UTF-8''" + encode(lastSegment(f.path())));
        ByteRange range = ByteRange.of(ex.getRequestHeaders().getFirst("Range"), f.length());
        String ifRange = ex.getRequestHeaders().getFirst("If-Range");
        if (ifRange != null && !ifRange.strip().equals(etag)) {
            range = new ByteRange.Whole(); // section 13.1.5: another representation's range is not ours
        }
        long first;
        long count;
        int status;
        switch (range) {
            case ByteRange.Unsatisfiable u -> {
                headers.set("Content-Range", "bytes */" + f.length());
                ex.sendResponseHeaders(416, -1);
                return;
            }
            case ByteRange.Part p -> {
                headers.set("Content-Range", p.contentRange(f.length()));
                first = p.first();
                count = p.length();
                status = 206;
            }
            case ByteRange.Whole w -> {
                first = 0;
                count = f.length();
                status = 200;
            }
        }
        if (ex.getRequestMethod().equals("HEAD")) {
            headers.set("Content-Length", Long.toString(count));
            ex.sendResponseHeaders(status, -1);
            return;
        }
        InputStream in;
        try {
            in = torrents.openStream(t.get().id(), index);
        } catch (Torrents.TorrentsException e) {
            text(ex, 404, e.getMessage());
            return;
        }
        open.add(in);
        try (in) {
            in.skipNBytes(first);
            // 0 asks the JDK server for chunked encoding; an empty file is sent with no body instead.
            ex.sendResponseHeaders(status, count == 0 ? -1 : count);
            if (count == 0) {
                return;
            }
            try (OutputStream out = ex.getResponseBody()) {
                byte[] buffer = new byte[(int) Math.min(COPY, count)];
                long left = count;
                while (left > 0) {
                    int n = in.read(buffer, 0, (int) Math.min(buffer.length, left));
                    if (n < 0) {
                        throw new IOException("file ended " + left + " bytes early");
                    }
                    out.write(buffer, 0, n);
                    left -= n;
                }
            }
        } finally {
            open.remove(in);
        }
    }

    /** How many streams are being read now. */
    int open() {
        return open.size();
    }

    /** Ends every stream being read: their readers' next read fails and their requests end. */
    void close() {
        for (InputStream in : open) {
            try {
                in.close();
            } catch (IOException e) {
                // closing a torrent stream only forgets its deadlines
            }
        }
    }

    private void servePlaylist(HttpExchange ex, String hash) throws IOException {
        Optional<Torrents.Torrent> t = torrent(hash);
        if (t.isEmpty()) {
            text(ex, 404, "no torrent " + hash.toLowerCase(Locale.ROOT));
            return;
        }
        String host = ex.getRequestHeaders().getFirst("Host");
        StringBuilder m3u = new StringBuilder("#EXTM3U\n");
        for (FileStatus f : t.get().status().files()) {
            if (MediaTypes.playable(MediaTypes.of(f.path()))) {
                // A torrent's file names may hold line breaks: one would start an entry of its own.
                m3u.append("#EXTINF:-1,").append(f.path().replaceAll("[\\r\\n]", " ")).append('\n')
                        .append("http://").append(host).append(PATH).append(hash.toLowerCase(Locale.ROOT))
                        .append('/').append(f.index()).append('\n');
            }
        }
        ex.getResponseHeaders().set("Content-Type", "audio/x-mpegurl; charset=utf-8");
        ex.getResponseHeaders().set("Content-Disposition", "inline; filename*=UTF-8''"
                + encode(t.get().status().name() + ".m3u"));
        byte[] body = m3u.toString().getBytes(StandardCharsets.UTF_8);
        if (ex.getRequestMethod().equals("HEAD")) {
            ex.getResponseHeaders().set("Content-Length", Integer.toString(body.length));
            ex.sendResponseHeaders(200, -1);
            return;
        }
        ex.sendResponseHeaders(200, body.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(body);
        }
    }

    private static String lastSegment(String path) {
        return path.substring(path.lastIndexOf('/') + 1);
    }

    /** RFC 8187's percent-encoding of a header parameter (a space is %20, not +). */
    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static void text(HttpExchange ex, int status, String text) throws IOException {
        byte[] body = (text + "\n").getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
        ex.sendResponseHeaders(status, body.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(body);
        }
    }
}
