package dev.spate.daemon;

import dev.spate.metainfo.MetainfoParser;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * A directory watched for torrents to add, as Transmission's watch-dir: a {@code NAME.torrent} or a
 * {@code NAME.magnet} (text holding one magnet link) put there is added to the daemon (its default
 * download directory), then renamed {@code NAME.torrent.added} (also when it was there already);
 * one that cannot be added is renamed {@code NAME.torrent.invalid}, with one warning that names
 * it and says why.
 *
 * <p>The directory is polled (every {@link #INTERVAL}), which works on every file system, network
 * ones too, where change notification does not. A file is taken only once two scans at least
 * {@link #INTERVAL} apart saw the same size and modification time, so a copy still being written
 * is not read half-way. A file larger than the engine takes ({@link MetainfoParser#MAX_FILE_SIZE},
 * {@link #MAX_MAGNET_FILE} for a .magnet) is refused unread.
 *
 * <p>{@link #start} runs the scans on a thread of its own, which {@link #close} stops. The
 * bookkeeping ({@code seen}, {@code stuck}) belongs to whichever thread calls {@link #scan}: that
 * thread, or a test calling it directly with its own clock.
 */
public final class WatchFolder implements AutoCloseable {
    /** How often the directory is looked at, and how long a file must stay unchanged to be taken. */
    public static final Duration INTERVAL = Duration.ofSeconds(2);
    /** A magnet link is a line of text; a .magnet file larger than this is not one. */
    static final int MAX_MAGNET_FILE = 64 << 10;
    static final String ADDED = ".added";
    static final String INVALID = ".invalid";
    private static final System.Logger LOG = System.getLogger(WatchFolder.class.getName());

    /** Where a file taken goes: the daemon's add. */
    @FunctionalInterface
    interface Adder {
        /** Adds the torrent of {@code source}; a duplicate is no failure. */
        void add(Torrents.Source source) throws Torrents.TorrentsException, IOException, InterruptedException;
    }

    /** What a scan saw of a file: it is taken when a later scan sees the same. */
    private record Seen(long size, Instant modified, Instant at) {
    }

    private final Path directory;
    private final Adder adder;
    private final Clock clock;
    /** Where the warnings go (one line each): the log, or a test's list. */
    private final Consumer<String> warn;
    private final Map<Path, Seen> seen = new HashMap<>();
    /** Files that could not be renamed, by what they were then: not taken again until they change. */
    private final Map<Path, Seen> stuck = new HashMap<>();
    /** Whether the last scan could not list the directory (warned once until it can again). */
    private boolean unlisted;
    private Thread thread;
    /**
     * Counted down by {@link #close} to end the wait between scans. The thread is never
     * interrupted: a scan may be adding a torrent, which an interrupt would break off half-way.
     */
    private final java.util.concurrent.CountDownLatch stop = new java.util.concurrent.CountDownLatch(1);

    WatchFolder(Path directory, Adder adder, Clock clock, Consumer<String> warn) {
        this.directory = directory.toAbsolutePath().normalize();
        this.adder = Objects.requireNonNull(adder, "adder");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.warn = Objects.requireNonNull(warn, "warn");
    }

    /**
     * Watches {@code directory} for torrents to add to {@code torrents} (in its default download
     * directory), on a thread of its own until {@link #close}.
     *
     * @throws IOException when {@code directory} is not a directory
     */
    public static WatchFolder start(Path directory, Torrents torrents) throws IOException {
        if (!Files.isDirectory(directory)) {
            throw new NoSuchFileException(directory.toString(), null, "not a directory to watch");
        }
        WatchFolder w = new WatchFolder(directory, source -> torrents.add(source, null, false), Clock.systemUTC(),
                message -> LOG.log(System.Logger.Level.WARNING, message));
        w.thread = Thread.ofPlatform().daemon().name("spate-watch").start(w::run);
        return w;
    }

    /** The directory watched. */
    public Path directory() {
        return directory;
    }

    private void run() {
        try {
            do {
                scan();
            } while (!stop.await(INTERVAL.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS));
        } catch (InterruptedException e) {
            // closed
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, "the watch of " + directory + " stopped", e);
        }
    }

    /**
     * One look at the directory: takes each file that is unchanged since a scan at least
     * {@link #INTERVAL} ago, remembers the others. Returns how many files it took (added or
     * refused).
     */
    int scan() throws InterruptedException {
        Instant now = clock.instant();
        Map<Path, Seen> current = new HashMap<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(directory, WatchFolder::candidate)) {
            for (Path file : files) {
                BasicFileAttributes a;
                try {
                    a = Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                } catch (IOException e) {
                    continue; // gone meanwhile
                }
                if (a.isRegularFile()) {
                    current.put(file, new Seen(a.size(), a.lastModifiedTime().toInstant(), now));
                }
            }
            unlisted = false;
        } catch (IOException e) {
            if (!unlisted) {
                warn.accept("cannot list the watch directory " + directory + ": " + e);
            }
            unlisted = true;
            return 0;
        }
        int taken = 0;
        for (Map.Entry<Path, Seen> e : current.entrySet()) {
            Path file = e.getKey();
            Seen seenNow = e.getValue();
            Seen stuckAs = stuck.get(file);
            if (stuckAs != null && sameFile(stuckAs, seenNow)) {
                continue;
            }
            stuck.remove(file);
            Seen before = seen.get(file);
            if (before == null || !sameFile(before, seenNow)) {
                seen.put(file, seenNow);
            } else if (Duration.between(before.at(), now).compareTo(INTERVAL) >= 0) {
                seen.remove(file);
                take(file, seenNow);
                taken++;
            }
        }
        seen.keySet().retainAll(current.keySet());
        stuck.keySet().retainAll(current.keySet());
        return taken;
    }

    private static boolean sameFile(Seen a, Seen b) {
        return a.size() == b.size() && a.modified().equals(b.modified());
    }

    /** A .torrent or .magnet file (not a dot file: editors and copy tools write those while they work). */
    private static boolean candidate(Path p) {
        String name = p.getFileName().toString();
        String lower = name.toLowerCase(Locale.ROOT);
        return !name.startsWith(".") && (lower.endsWith(".torrent") || lower.endsWith(".magnet"));
    }

    private void take(Path file, Seen as) throws InterruptedException {
        String problem;
        try {
            adder.add(read(file, as.size()));
            problem = null;
        } catch (Torrents.TorrentsException e) {
            problem = e.getMessage();
        } catch (NoSuchFileException e) {
            return; // taken away meanwhile
        } catch (IOException e) {
            problem = e.getMessage() == null ? e.toString() : e.getMessage();
        } catch (RuntimeException e) {
            problem = e.toString();
        }
        if (problem != null) {
            warn.accept("watch directory: cannot add " + file + ": " + problem);
        }
        Path renamed = file.resolveSibling(file.getFileName() + (problem == null ? ADDED : INVALID));
        try {
            Files.move(file, renamed, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            // Not again and again: it waits until it changes (or the directory is writable and it is changed).
            warn.accept("watch directory: cannot rename " + file + " to " + renamed.getFileName() + ": " + e);
            stuck.put(file, as);
        }
    }

    /** The torrent of {@code file}, read only up to the bound (a file that grew past it is refused too). */
    static Torrents.Source read(Path file, long size) throws IOException, Torrents.TorrentsException {
        boolean magnet = file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".magnet");
        int limit = magnet ? MAX_MAGNET_FILE : MetainfoParser.MAX_FILE_SIZE;
        if (size > limit) {
            throw new Torrents.TorrentsException("larger than " + limit + " bytes (" + size + "): not a "
                    + (magnet ? "magnet link" : "torrent the engine takes"));
        }
        byte[] bytes;
        try (InputStream in = Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS)) {
            bytes = in.readNBytes(limit + 1);
        }
        if (bytes.length > limit) {
            throw new Torrents.TorrentsException("larger than " + limit + " bytes: not a "
                    + (magnet ? "magnet link" : "torrent the engine takes"));
        }
        if (!magnet) {
            return new Torrents.Source.Bytes(bytes);
        }
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .decode(java.nio.ByteBuffer.wrap(bytes)).toString().strip();
        } catch (CharacterCodingException e) {
            throw new Torrents.TorrentsException("not UTF-8 text");
        }
        if (!text.regionMatches(true, 0, "magnet:", 0, 7) || text.chars().anyMatch(Character::isWhitespace)) {
            throw new Torrents.TorrentsException("does not hold one magnet link");
        }
        return new Torrents.Source.Link(text);
    }

    /** Stops the scans (waiting for an add under way to end). */
    @Override
    public void close() {
        stop.countDown();
        if (thread != null) {
            try {
                thread.join(Duration.ofSeconds(10));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
