package dev.spate.cli;

import dev.spate.core.InfoHash;
import dev.spate.engine.Event;
import dev.spate.engine.Session;
import dev.spate.engine.Subscription;
import dev.spate.metainfo.Magnet;
import dev.spate.metainfo.Metainfo;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Fetches a magnet link's metadata for {@code info} and {@code seed} ({@link Session#fetchMetadata}),
 * within a time limit, watching the fetch's events so that a fetch that runs out of time can say
 * what it tried: each peer and how it ended, each tracker's last word.
 *
 * <p>The events come on the subscription's thread and the report is made on the command's, so the
 * record of sources is guarded by this object.
 */
final class MagnetMetadata {
    /** Sources named in a timeout's message at most; the rest are counted. */
    static final int MAX_SOURCES = 10;

    private final InfoHash hash;
    /** Each peer's last outcome, in the order first heard of; guarded by this. */
    private final Map<InetSocketAddress, Outcome> peers = new LinkedHashMap<>();
    /** Each tracker's last word, by URL (an error's message names its trackers itself); guarded by this. */
    private final Map<String, String> trackers = new LinkedHashMap<>();

    private record Outcome(String what, int attempts) {
    }

    private MagnetMetadata(InfoHash hash) {
        this.hash = hash;
    }

    /**
     * The metadata of {@code magnet}, from its peers and trackers and {@code extraPeers}, within
     * {@code timeout}; kept metadata answers at once.
     *
     * @param noSource what to add to the message when there is nothing to ask (how to give a peer)
     * @param onEvent each event of the fetch, for the command to show (verbose lines)
     * @param waiting called once the fetch has to wait for the network (metadata not kept)
     * @throws IOException when no source is given, or the time runs out (naming what was tried)
     */
    static Metainfo fetch(Session session, Magnet magnet, List<InetSocketAddress> extraPeers, Duration timeout,
                          String noSource, java.util.function.Consumer<Event> onEvent, Runnable waiting)
            throws IOException, InterruptedException {
        MagnetMetadata watch = new MagnetMetadata(magnet.infoHash().orElseThrow());
        try (Subscription events = session.subscribe(e -> {
            if (e.infoHash().equals(watch.hash)) {
                watch.onEvent(e);
                onEvent.accept(e);
            }
        })) {
            CompletableFuture<Metainfo> fetch = session.fetchMetadata(magnet, extraPeers);
            try {
                if (!fetch.isDone()) {
                    if (magnet.peers().isEmpty() && magnet.trackers().isEmpty() && extraPeers.isEmpty()
                            && session.dhtStatus().isEmpty()) {
                        throw new IOException("nothing to fetch the metadata of " + watch.hash.hex() + " from: the link"
                                + " names no peer (x.pe) and no tracker (tr), and the DHT is off" + noSource);
                    }
                    waiting.run();
                }
                return fetch.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                throw new IOException(watch.timedOut(timeout));
            } catch (ExecutionException e) {
                Throwable why = e.getCause();
                throw new IOException(why.getMessage() != null ? why.getMessage() : why.toString(), why);
            } catch (CancellationException e) {
                throw new IOException("the metadata fetch of " + watch.hash.hex() + " was cancelled");
            } finally {
                fetch.cancel(true); // stops the fetch's connections and announces, if it is still on
            }
        }
    }

    private synchronized void onEvent(Event e) {
        switch (e) {
            case Event.PeerConnected c -> {
                Outcome before = peers.get(c.address());
                peers.put(c.address(), new Outcome("connected, no metadata from it", before == null ? 1 : before.attempts()));
            }
            case Event.PeerDisconnected d -> {
                Outcome before = peers.get(d.address());
                boolean dial = d.reason().startsWith(Stall.CONNECT_FAILED);
                if (before != null || peers.size() < 1000) {
                    int attempts = before == null ? 1 : dial ? before.attempts() + 1 : before.attempts();
                    peers.put(d.address(), new Outcome(d.reason(), attempts));
                }
            }
            case Event.TrackerReply r -> trackers.put(r.url(), StatusLine.count(r.peers(), "peer"));
            case Event.TrackerError x -> trackers.put("", x.message());
            default -> {
            }
        }
    }

    /** The line of a fetch that ran out of time: what was tried, and how each ended. */
    private synchronized String timedOut(Duration timeout) {
        List<String> sources = new ArrayList<>();
        peers.forEach((address, o) -> sources.add(StatusLine.address(address) + " (" + o.what()
                + (o.attempts() > 1 ? ", " + StatusLine.count(o.attempts(), "attempt") : "") + ")"));
        trackers.forEach((url, word) -> sources.add(url.isEmpty() ? "trackers (" + word + ")"
                : "tracker " + url + " (" + word + ")"));
        StringBuilder sb = new StringBuilder("no metadata for " + hash.hex() + " within " + timeout.toSeconds() + " s");
        if (sources.isEmpty()) {
            sb.append(": no peer or tracker answered");
        } else {
            sb.append("; tried ").append(String.join(", ", sources.subList(0, Math.min(MAX_SOURCES, sources.size()))));
            if (sources.size() > MAX_SOURCES) {
                sb.append(" and ").append(sources.size() - MAX_SOURCES).append(" more");
            }
        }
        return sb.toString();
    }
}
