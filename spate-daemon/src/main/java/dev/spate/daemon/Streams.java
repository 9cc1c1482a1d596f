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
 * write fails and the stream is closed, which lets go of its deadlines. A reader gone while its
 * stream waits for a piece cannot be seen (nothing is written meanwhile): its stream ends when
 * that piece comes and the write fails (a player that seeks leaves such a request behind; until
 * its piece comes its claims hurry a piece or two nobody reads), or, when its pieces are not
 * coming (the torrent stopped or failed, or no peer connected), by {@link #sweep} once it has
 * moved nothing for {@link #STALL}.
 *
 * <p>A torrent's bytes are hostile: they are never served as a type a browser would run (see
 * {@link MediaTypes}), with {@code nosniff} and a sandboxing content security policy. Other web
 * pages may not use the streams at all ({@code Cross-Origin-Resource-Policy: same-origin}, and a
 * request a browser marks as from another site is refused): a page could otherwise learn which
 * torrents the daemon has, or make it hurry their pieces. Media players send no such mark.
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
    /** How long a stream whose pieces are not coming may move nothing before {@link #sweep} ends it. */
    static final java.time.Duration STALL = java.time.Duration.ofSeconds(30);

    /**
     * A stream being read by one request; closing it (once) closes the torrent's stream and takes
     * it out of the open set. {@code moved} is written by the request's thread and read by sweeps.
     */
    private final class Reader implements java.io.Closeable {
        final InputStream in;
        final int torrent;
        volatile long moved;
        private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();

        Reader(InputStream in, int torrent, long now) {
            this.in = in;
            this.torrent = torrent;
            this.moved = now;
        }

        @Override
        public void close() {
            if (closed.compareAndSet(false, true)) {
                open.remove(this);
                try {
                    in.close();
                } catch (IOException e) {
                    // closing a torrent stream only lets go of its deadlines
                }
            }
        }
    }

    /** The streams being read; closed by {@link #close} so no reader waiting for a piece holds the server's shutdown. */
    private final java.util.Set<Reader> open = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private volatile boolean shut;

    /** Runs {@link #sweep} every ten seconds; its one daemon thread is this class's. */
    private final java.util.concurrent.ScheduledExecutorService sweeper =
            java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "spate-stream-sweep");
                t.setDaemon(true);
                return t;
            });

    Streams(Torrents torrents) {
        this.torrents = torrents;
        sweeper.scheduleWithFixedDelay(() -> sweep(System.nanoTime()), 10, 10, java.util.concurrent.TimeUnit.SECONDS);
    }

    /** Answers one request under {@link #PATH}. */
    void serve(HttpExchange ex) throws IOException {
        String method = ex.getRequestMethod();
        if (!method.equals("GET") && !method.equals("HEAD")) {
            ex.getResponseHeaders().set("Allow", "GET, HEAD");
            text(ex, 405, "GET a file");
            return;
        }
        ex.getResponseHeaders().set("Cross-Origin-Resource-Policy", "same-origin");
        if (!fromThisOrigin(ex.getRequestHeaders().getFirst("Sec-Fetch-Site"))) {
            text(ex, 403, "streams are not for other sites' pages");
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

    /**
     * Whether a request's {@code Sec-Fetch-Site} (Fetch Metadata; null when not sent, as by media
     * players and older browsers) allows it: the daemon's own pages, or the user (a typed URL).
     */
    static boolean fromThisOrigin(String secFetchSite) {
        return secFetchSite == null || secFetchSite.equals("same-origin") || secFetchSite.equals("none");
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
        int id = t.get().id();
        InputStream in;
        try {
            in = torrents.openStream(id, index);
        } catch (Torrents.TorrentsException e) {
            text(ex, 404, e.getMessage());
            return;
        }
        try (Reader reader = new Reader(in, id, System.nanoTime())) {
            open.add(reader);
            if (shut) {
                return; // closing: close() may have gone past this one
            }
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
                    reader.moved = System.nanoTime();
                    left -= n;
                }
            }
        }
    }

    /**
     * Ends the streams that moved nothing for {@link #STALL} up to {@code now} (nanoTime) while
     * their pieces are not coming: their torrent stopped, failed or gone, or without a peer or web seed.
     */
    void sweep(long now) {
        for (Reader r : open) {
            if (now - r.moved < STALL.toNanos()) {
                continue;
            }
            boolean moving = torrents.get(r.torrent).map(t -> switch (t.status().state()) {
                case CHECKING -> true;
                case DOWNLOADING, SEEDING, METADATA -> t.status().peers() > 0 || t.status().webSeedsInUse() > 0;
                case PAUSED, ERROR, REMOVED -> false;
            }).orElse(false);
            if (!moving) {
                r.close();
            }
        }
    }

    /** How many streams are being read now. */
    int open() {
        return open.size();
    }

    /** Ends every stream being read, and any opened from now on: their readers' next read fails and their requests end. */
    void close() {
        shut = true;
        sweeper.shutdownNow();
        for (Reader r : open) {
            r.close();
        }
    }

    private void servePlaylist(HttpExchange ex, String hash) throws IOException {
        Optional<Torrents.Torrent> t = torrent(hash);
        if (t.isEmpty()) {
            text(ex, 404, "no torrent " + hash.toLowerCase(Locale.ROOT));
            return;
        }
        String host = ex.getRequestHeaders().getFirst("Host").strip();
        if (!host.matches("[A-Za-z0-9.\\-]+(:[0-9]{1,5})?|\\[[0-9A-Fa-f:.]+\\](:[0-9]{1,5})?")) {
            text(ex, 400, "a Host header of a name or address and a port, please");
            return;
        }
        if (t.get().status().files().isEmpty()) {
            text(ex, 503, "the torrent's files are not known yet (its metadata is still on its way)");
            return;
        }
        StringBuilder m3u = new StringBuilder("#EXTM3U\n");
        for (FileStatus f : t.get().status().files()) {
            if (MediaTypes.playable(MediaTypes.of(f.path()))) {
                // A torrent's file names may hold line breaks: one would start an entry of its own.
                m3u.append("#EXTINF:-1,").append(f.path().replaceAll("[\\r\\n]", " ")).append('\n')
                        .append("http://").append(host).append(PATH).append(hash.toLowerCase(Locale.ROOT))
                        .append('/').append(f.index()).append('\n');
            }
        }
        ex.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
        ex.getResponseHeaders().set("Content-Security-Policy", "sandbox");
        ex.getResponseHeaders().set("Content-Disposition", "inline; filename*=UTF-8''"
                + encode(t.get().status().name() + ".m3u"));
        Replies.send(ex, 200, m3u.toString().getBytes(StandardCharsets.UTF_8), "audio/x-mpegurl; charset=utf-8");
    }

    private static String lastSegment(String path) {
        return path.substring(path.lastIndexOf('/') + 1);
    }

    /** RFC 8187's percent-encoding of a header parameter (a space is %20, not +). */
    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20").replace("*", "%2A");
    }

    private static void text(HttpExchange ex, int status, String text) throws IOException {
        Replies.text(ex, status, text);
    }
}
