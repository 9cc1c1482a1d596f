package dev.spate.engine;

import dev.spate.core.InfoHash;
import dev.spate.tracker.AnnounceResponse;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.function.IntSupplier;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * A torrent's side of its trackers: the {@link Announcer} fed with the torrent's counters and port,
 * and its answers brought back to the loop, where their peers go to {@code peers} (candidates to
 * dial) and a
 * {@link Event.TrackerReply} or {@link Event.TrackerError} is published.
 *
 * <p>Owned by the torrent's loop; the announcer's threads only post to it.
 */
final class TorrentTrackers {
    private final InfoHash hash;
    private final Announcer announcer;
    private final IntSupplier port;
    private final Supplier<Announcer.Counters> counters;

    TorrentTrackers(TorrentContext context, InfoHash hash, List<List<String>> tiers,
                    Consumer<List<InetSocketAddress>> peers, Supplier<Announcer.Counters> counters,
                    Predicate<Runnable> post) {
        this.hash = hash;
        this.port = context.listenPort();
        this.counters = counters;
        this.announcer = new Announcer(hash, context.peerId(), tiers, context.trackerConfig(), new Announcer.Listener() {
            @Override
            public void answered(String url, AnnounceResponse response) {
                post.test(() -> {
                    context.events().accept(new Event.TrackerReply(hash, url, response.peers().size(),
                            response.warning(), response.interval()));
                    peers.accept(response.peers());
                });
            }

            @Override
            public void failed(String message) {
                post.test(() -> context.events().accept(new Event.TrackerError(hash, message)));
            }
        });
    }

    void start() {
        announcer.start(port.getAsInt(), counters.get());
    }

    void tick() {
        announcer.tick(port.getAsInt(), counters.get());
    }

    /** {@link Announcer#reannounce}; whether an announce went out. */
    /** Whether an announce is out or an event waits to be sent. */
    boolean busy() {
        return announcer.busy();
    }

    boolean reannounce() {
        return announcer.reannounce(port.getAsInt(), counters.get());
    }

    void completed() {
        announcer.completed(port.getAsInt(), counters.get());
    }

    /** {@code stopped} in the background; see {@link Announcer#stopped}. */
    CompletableFuture<Void> stopped() {
        return announcer.stopped(port.getAsInt(), counters.get());
    }

    void add(String url) {
        announcer.addTracker(url);
    }

    List<TrackerState> states() {
        return announcer.states();
    }
}
