package dev.spate.engine;

import dev.spate.core.InfoHash;
import dev.spate.metainfo.TorrentInfo;
import dev.spate.peer.RateMeter;
import dev.spate.peer.TokenBucket;
import dev.spate.webseed.WebSeed;
import dev.spate.webseed.WebSeedBackOff;
import dev.spate.webseed.WebSeedConfig;
import dev.spate.webseed.WebSeedException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The web seed role of a torrent (BEP 19): the HTTP servers of its {@code url-list} (or a magnet's
 * {@code ws}), each a source of whole pieces that never chokes.
 *
 * <p>Which piece: the picker's ({@link dev.spate.picker.PiecePicker#pickWholePiece}), a piece no
 * peer is serving, the rarest first; a piece taken by a web seed is asked of nobody else, not
 * even in endgame, until the web seed brings it or gives it back, so no piece is fetched twice.
 * The one exception is the end of the download: in endgame, a piece a web seed has been fetching
 * for {@link #ENDGAME_PATIENCE} is handed to the peers when one that has it is unchoking us (the
 * fetch is stopped, its bytes unwanted), so a slow server does not hold up the last pieces while
 * a fast peer idles; the peers' blocks are never asked of a web seed.
 * How many: at most {@link WebSeed#maxConcurrentRequests()} fetches per web seed at once, each
 * bounded in time, size and redirects by {@link WebSeedConfig}. When: whenever one ends, and on
 * the torrent's tick, while {@link WebSeedBackOff} allows (after failures, and no sooner than a
 * server's {@code Retry-After}). A piece brought goes to the {@link Download}, which hashes and
 * writes it like a piece of peers' blocks (Have to peers, events); one that fails its hash drops
 * its web seed for the session (BEP 19), with its other fetches, and none of its bytes are written.
 * The torrent's and the session's download limits hold for web seeds too: a fetch takes its
 * piece's bytes from them before it starts.
 *
 * <p>Threads: owned by the torrent's loop. Each fetch runs on a virtual thread of its own, which
 * touches only its {@link Fetcher} and its buffer and posts its outcome back to the loop; pausing
 * or stopping the torrent interrupts them, which ends each at once. An outcome that comes back
 * for a fetch no longer running (the web seed was dropped or paused since) is thrown away.
 */
final class WebSeeds {
    private static final System.Logger LOG = System.getLogger(WebSeeds.class.getName());
    /** Web seeds used per torrent at most; the rest of a long url-list is ignored. */
    static final int MAX_WEB_SEEDS = 10;
    /** How long a web seed may fetch a piece in endgame before a peer that has it takes it over. */
    static final Duration ENDGAME_PATIENCE = Duration.ofSeconds(10);

    /** How the pieces of one web seed are fetched: {@link WebSeed} in a session. Blocking, thread-safe. */
    interface Fetcher {
        /** The web seed's URL, for status and messages. */
        String url();

        /** Fetches that may run at once. */
        int maxConcurrentRequests();

        /** Fetches the whole of {@code piece} into {@code into}, from its position. */
        void fetchPiece(int piece, ByteBuffer into) throws WebSeedException, InterruptedException;
    }

    /** What the role needs of its torrent: its loop. */
    interface Host {
        /** Runs {@code task} on the torrent's loop; false when the loop is gone. */
        boolean post(Runnable task);
    }

    /** One web seed: the picker's key for it, its standing and its fetches. Loop-owned. */
    private static final class Source {
        final Fetcher fetcher;
        final WebSeedBackOff backOff;
        final Map<Integer, Fetch> running = new HashMap<>();
        final RateMeter rate = new RateMeter(5);
        long downloaded;
        int pieces;
        String lastError;

        Source(Fetcher fetcher, WebSeedBackOff backOff) {
            this.fetcher = fetcher;
            this.backOff = backOff;
        }

        @Override
        public String toString() {
            return "web seed " + fetcher.url();
        }
    }

    /** One fetch in flight. {@code thread} is set on the loop right after it starts. */
    private static final class Fetch {
        final Source source;
        final int piece;
        final ByteBuffer buffer;
        final long startedAt;
        Thread thread;

        Fetch(Source source, int piece, ByteBuffer buffer, long startedAt) {
            this.source = source;
            this.piece = piece;
            this.buffer = buffer;
            this.startedAt = startedAt;
        }
    }

    private final InfoHash hash;
    private final Download download;
    private final Host host;
    private final Consumer<Throwable> fatal;
    private final Consumer<Event> events;
    /** The torrent's and the session's download limits: a piece's bytes are taken before it is asked for. */
    private final List<TokenBucket> limits;
    private final List<Source> sources = new ArrayList<>();
    private final dev.spate.core.Clock clock;

    WebSeeds(InfoHash hash, List<Fetcher> fetchers, dev.spate.core.Clock clock, Download download, Host host,
             List<TokenBucket> limits, Consumer<Event> events, Consumer<Throwable> fatal) {
        this.hash = hash;
        this.limits = List.copyOf(limits);
        this.clock = clock;
        this.events = events;
        this.download = download;
        this.host = host;
        this.fatal = fatal;
        for (Fetcher f : fetchers) {
            sources.add(new Source(f, new WebSeedBackOff(clock)));
        }
    }

    /**
     * The web seeds of {@code urls} (a torrent's url-list, a magnet's {@code ws}), each once and at
     * most {@link #MAX_WEB_SEEDS}. An entry that is no http or https URL is ignored, as BEP 19 says,
     * with a log line.
     */
    static List<Fetcher> open(List<String> urls, TorrentInfo info, WebSeedConfig config) {
        List<Fetcher> out = new ArrayList<>();
        Set<String> seen = new LinkedHashSet<>();
        for (String url : urls) {
            if (out.size() == MAX_WEB_SEEDS) {
                LOG.log(System.Logger.Level.INFO, "torrent {0}: using the first {1} web seeds of {2}", info.name(),
                        MAX_WEB_SEEDS, urls.size());
                break;
            }
            if (!seen.add(url.strip())) {
                continue;
            }
            try {
                WebSeed seed = WebSeed.open(url, info, config);
                out.add(new Fetcher() {
                    @Override
                    public String url() {
                        return seed.base().toString();
                    }

                    @Override
                    public int maxConcurrentRequests() {
                        return seed.maxConcurrentRequests();
                    }

                    @Override
                    public void fetchPiece(int piece, ByteBuffer into) throws WebSeedException, InterruptedException {
                        seed.fetchPiece(piece, into);
                    }
                });
            } catch (WebSeedException e) {
                LOG.log(System.Logger.Level.INFO, "torrent {0}: ignoring {1}", info.name(), e.getMessage());
            }
        }
        return out;
    }

    /** Starts every fetch the web seeds may run now. Loop. */
    void fill() {
        for (Source s : sources) {
            fill(s);
        }
    }

    private void fill(Source s) {
        while (s.running.size() < s.fetcher.maxConcurrentRequests() && s.backOff.mayTry()) {
            Optional<Download.WholePiece> taken = download.takeWholePiece(s);
            if (taken.isEmpty()) {
                return;
            }
            start(s, taken.get());
        }
    }

    private void start(Source s, Download.WholePiece w) {
        Fetch f = new Fetch(s, w.piece(), w.buffer(), clock.nanoTime());
        s.running.put(w.piece(), f);
        f.thread = Thread.ofVirtual().name("web seed piece " + w.piece()).start(() -> run(f));
    }

    /** The fetch's own thread: the bytes or the failure go back to the loop, nothing else is touched. */
    private void run(Fetch f) {
        Runnable outcome;
        try {
            for (TokenBucket limit : limits) {
                limit.acquire(f.buffer.remaining()); // rate limits count web seeds' bytes as peers' are
            }
            f.source.fetcher.fetchPiece(f.piece, f.buffer);
            outcome = () -> arrived(f);
        } catch (WebSeedException e) {
            outcome = () -> failed(f, e);
        } catch (InterruptedException e) {
            outcome = () -> cancelled(f);
        } catch (RuntimeException e) {
            WebSeedException w = new WebSeedException(f.source.fetcher.url(), WebSeedException.Kind.IO,
                    "fetching piece " + f.piece + " failed: " + e, -1, null, e);
            outcome = () -> failed(f, w);
        } catch (Error e) {
            fatal.accept(e);
            return;
        }
        if (!host.post(outcome)) {
            download.releaseWholeBuffer(f.buffer); // the torrent is gone
        }
    }

    private void arrived(Fetch f) {
        Source s = f.source;
        if (!s.running.remove(f.piece, f)) {
            download.releaseWholeBuffer(f.buffer); // dropped or paused since: not wanted
            return;
        }
        s.backOff.succeeded();
        s.lastError = null;
        int size = f.buffer.position(); // fetchPiece advanced it past the piece
        s.rate.add(size);
        s.downloaded += size;
        if (download.wholePieceArrived(s, f.piece, f.buffer)) {
            s.pieces++;
        }
        fill(s);
    }

    private void failed(Fetch f, WebSeedException e) {
        Source s = f.source;
        if (!s.running.remove(f.piece, f)) {
            download.releaseWholeBuffer(f.buffer);
            return;
        }
        Duration wait = s.backOff.failed(e);
        s.lastError = e.getMessage();
        LOG.log(System.Logger.Level.INFO, "{0}; trying it again in {1} s", e.getMessage(), wait.toSeconds());
        download.wholePieceAbandoned(s, f.piece, f.buffer);
    }

    private void cancelled(Fetch f) {
        if (f.source.running.remove(f.piece, f)) {
            download.wholePieceAbandoned(f.source, f.piece, f.buffer);
        } else {
            download.releaseWholeBuffer(f.buffer);
        }
    }

    /**
     * A piece that {@code key} brought failed its hash check: BEP 19 says to discard that URL. Its
     * other fetches are stopped and whatever they bring is thrown away. Loop.
     */
    void hashFailed(Object key, int piece) {
        for (Source s : sources) {
            if (s == key && !s.backOff.dropped()) { // a second bad piece in flight drops it no further
                s.backOff.hashFailed(piece);
                String reason = s.backOff.dropReason().orElseThrow();
                s.lastError = reason;
                stopFetches(s);
                // INFO: the WebSeedDropped event is what users see (the CLI prints a line for it).
                LOG.log(System.Logger.Level.INFO, "dropping web seed {0}: {1}", s.fetcher.url(), reason);
                events.accept(new Event.WebSeedDropped(hash, s.fetcher.url(), reason));
            }
        }
    }

    /** Stops every fetch (the torrent is paused, stopped or failed); {@link #fill} starts them again. Loop. */
    void stop() {
        for (Source s : sources) {
            stopFetches(s);
        }
    }

    private void stopFetches(Source s) {
        for (Fetch f : s.running.values()) {
            f.thread.interrupt();
        }
        s.running.clear();
        download.sourceLeft(s); // its pieces are free again; late answers are thrown away
    }

    /** Once a second: rates, endgame hand-overs, then fetches that back-off allows again. Loop. */
    void tick() {
        long now = clock.nanoTime();
        for (Source s : sources) {
            s.rate.tick();
            for (Fetch f : List.copyOf(s.running.values())) {
                if (now - f.startedAt >= ENDGAME_PATIENCE.toNanos() && download.peerCouldTakeOver(f.piece)) {
                    s.running.remove(f.piece);
                    f.thread.interrupt(); // its outcome, when it comes, gives the buffer back
                    download.handOver(s, f.piece);
                }
            }
        }
        fill();
    }

    /** A snapshot of every web seed. Loop. */
    List<WebSeedStats> stats() {
        List<WebSeedStats> out = new ArrayList<>(sources.size());
        for (Source s : sources) {
            out.add(new WebSeedStats(s.fetcher.url(), s.rate.rate(), s.downloaded, s.pieces, s.running.size(),
                    s.backOff.dropped(), Optional.ofNullable(s.lastError)));
        }
        return out;
    }
}
