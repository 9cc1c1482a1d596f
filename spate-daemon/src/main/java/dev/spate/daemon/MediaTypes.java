package dev.spate.daemon;

import java.util.Locale;
import java.util.Map;

/**
 * The {@code Content-Type} a streamed file is served with, from its name's extension: the common
 * video, audio, subtitle, image and text types, so a player or a browser knows what it gets, and
 * {@code application/octet-stream} for the rest.
 *
 * <p>A torrent's files come from strangers, and the stream is served from the same origin as the
 * RPC and the web UI: a page served as HTML, SVG or XML there could run script that reads the
 * session id and drives the daemon. Those types are never given (they are octet streams here), and
 * the handler adds {@code X-Content-Type-Options: nosniff} and a sandboxing
 * {@code Content-Security-Policy} so a browser does not guess its way back to them.
 */
final class MediaTypes {
    static final String OCTET_STREAM = "application/octet-stream";

    private static final Map<String, String> BY_EXTENSION = Map.ofEntries(
            Map.entry("mp4", "video/mp4"),
            Map.entry("m4v", "video/mp4"),
            Map.entry("mkv", "video/x-matroska"),
            Map.entry("webm", "video/webm"),
            Map.entry("avi", "video/x-msvideo"),
            Map.entry("mov", "video/quicktime"),
            Map.entry("mpg", "video/mpeg"),
            Map.entry("mpeg", "video/mpeg"),
            Map.entry("ts", "video/mp2t"),
            Map.entry("ogv", "video/ogg"),
            Map.entry("wmv", "video/x-ms-wmv"),
            Map.entry("flv", "video/x-flv"),
            Map.entry("mp3", "audio/mpeg"),
            Map.entry("m4a", "audio/mp4"),
            Map.entry("aac", "audio/aac"),
            Map.entry("flac", "audio/flac"),
            Map.entry("ogg", "audio/ogg"),
            Map.entry("oga", "audio/ogg"),
            Map.entry("opus", "audio/ogg"),
            Map.entry("wav", "audio/wav"),
            Map.entry("srt", "application/x-subrip"),
            Map.entry("vtt", "text/vtt; charset=utf-8"),
            Map.entry("txt", "text/plain; charset=utf-8"),
            Map.entry("nfo", "text/plain; charset=utf-8"),
            Map.entry("jpg", "image/jpeg"),
            Map.entry("jpeg", "image/jpeg"),
            Map.entry("png", "image/png"),
            Map.entry("gif", "image/gif"),
            Map.entry("webp", "image/webp"),
            Map.entry("pdf", "application/pdf"),
            Map.entry("epub", "application/epub+zip"),
            Map.entry("zip", "application/zip"),
            Map.entry("iso", "application/x-iso9660-image"));

    private MediaTypes() {
    }

    /** The type to serve a file named {@code path} (its last segment's extension) as. */
    static String of(String path) {
        int slash = path.lastIndexOf('/');
        String name = path.substring(slash + 1);
        int dot = name.lastIndexOf('.');
        if (dot <= 0 || dot == name.length() - 1) {
            return OCTET_STREAM;
        }
        return BY_EXTENSION.getOrDefault(name.substring(dot + 1).toLowerCase(Locale.ROOT), OCTET_STREAM);
    }

    /** Whether files of this type are worth listing in a playlist (video and audio). */
    static boolean playable(String type) {
        return type.startsWith("video/") || type.startsWith("audio/");
    }
}
