package dev.spate.cli;

import dev.spate.engine.TorrentUrls;
import dev.spate.metainfo.Magnet;
import dev.spate.metainfo.Metainfo;
import dev.spate.metainfo.MetainfoException;
import dev.spate.metainfo.MetainfoParser;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a command was given where a torrent is wanted: the path of a .torrent file, the http or
 * https URL of one, or a magnet link (whose torrent is known only once its metadata arrives from
 * peers, BEP 9).
 */
sealed interface TorrentArgument {
    /**
     * How long a .torrent URL, or a magnet link's metadata, may take when the command has no
     * option for it: long enough for a slow server or a swarm's first answers, short enough that
     * a link nobody serves does not hang a script.
     */
    Duration FETCH_TIMEOUT = Duration.ofSeconds(60);

    /** Another scheme ({@code ftp://}, {@code file://}): said so, rather than "no such file". */
    Pattern OTHER_URL = Pattern.compile("([a-zA-Z][a-zA-Z0-9+.-]*)://.*");

    /** A .torrent file on disk. */
    record File(Path path) implements TorrentArgument {
    }

    /** A .torrent file at an http or https URL. */
    record Url(URI uri) implements TorrentArgument {
    }

    /** A magnet link. */
    record Link(Magnet magnet) implements TorrentArgument {
    }

    /**
     * Reads the command-line argument.
     *
     * @throws MetainfoException for a malformed magnet link (naming its field)
     * @throws IllegalArgumentException for a malformed URL or one of another scheme
     */
    static TorrentArgument of(String argument) throws MetainfoException {
        if (argument.regionMatches(true, 0, "magnet:", 0, 7)) {
            return new Link(Magnet.parse(argument));
        }
        if (TorrentUrls.isUrl(argument)) {
            try {
                URI uri = new URI(argument);
                if (uri.getHost() == null) {
                    throw new URISyntaxException(argument, "no host");
                }
                return new Url(uri);
            } catch (URISyntaxException e) {
                throw new IllegalArgumentException("invalid URL: " + e.getMessage());
            }
        }
        Matcher other = OTHER_URL.matcher(argument);
        if (other.matches()) {
            throw new IllegalArgumentException(other.group(1).toLowerCase(Locale.ROOT) + ":// URLs are not supported:"
                    + " give a .torrent file, an http or https URL of one, or a magnet link");
        }
        return new File(Path.of(argument));
    }

    /**
     * The torrent of a file or a URL (within {@code timeout}); a directory is refused by name
     * (reading one fails with a bare "Is a directory" that does not say which).
     *
     * @throws IllegalStateException for a magnet link, whose metadata comes from a session's peers
     */
    default Metainfo metainfo(Duration timeout) throws IOException, MetainfoException, InterruptedException {
        return switch (this) {
            case File f -> {
                if (Files.isDirectory(f.path())) {
                    throw new IOException(f.path() + " is a directory, not a .torrent file");
                }
                yield MetainfoParser.read(f.path());
            }
            case Url u -> TorrentUrls.fetch(u.uri(), timeout);
            case Link l -> throw new IllegalStateException("a magnet link's metadata comes from its peers");
        };
    }
}
