package dev.spate.engine;

import dev.spate.core.InfoHash;
import dev.spate.core.PeerId;
import dev.spate.tracker.AnnounceRequest;
import dev.spate.tracker.AnnounceResponse;
import dev.spate.tracker.TrackerConfig;
import dev.spate.tracker.TrackerException;
import dev.spate.tracker.TrackerTiers;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A torrent's announces (BEP 3, BEP 12 tiers, BEP 15): {@code started} when it starts,
 * {@code completed} once when the download finishes, regular announces at the tracker's interval,
 * {@code stopped} when it stops.
 *
 * <p>Threads: the torrent loop calls every method, and none of them waits on the network: each
 * announce runs on a virtual thread of its own, one at a time (a {@link Flight}), and its outcome
 * comes back through the callbacks, which post to the loop. The tiers are announced on only by the
 * flight in progress; the loop reads their schedule and status, which {@link TrackerTiers} publishes
 * lock-free. {@link #stopped} does not wait either: it cuts short the flight in progress (an
 * interrupt: we are leaving, what it would learn no longer matters), queues the {@code stopped}
 * announce behind it, and hands back a future that whoever closes the session may wait on.
 */
final class Announcer {
    /** Peers asked for per announce (BEP 3 {@code numwant}). */
    static final int NUM_WANT = 50;
    /** How long the future of {@link #stopped} waits for the tracker to hear of it. */
    static final Duration STOPPED_BOUND = Duration.ofSeconds(3);

    /** What the torrent reports in an announce, sampled on the loop thread. */
    record Counters(long uploaded, long downloaded, long left) {
    }

    /** Where outcomes go; called on the announcing thread. */
    interface Listener {
        void answered(String url, AnnounceResponse response);

        void failed(String message);
    }

    private final InfoHash infoHash;
    private final PeerId peerId;
    private final TrackerConfig config;
    private final int key = new SecureRandom().nextInt();
    private final Listener listener;
    private final Duration stoppedBound;
    /** The announce in progress or last made, null before the first. Loop-owned reference. */
    private Flight flight;
    private List<List<String>> urls;
    private TrackerTiers tiers;
    private boolean started;
    /**
     * An event (started, completed) that could not go out because another announce was in flight;
     * sent by the next {@link #tick} once that one is done, so a download that finishes during a
     * regular announce still reports {@code completed} (it used to be dropped). Loop-owned.
     */
    private AnnounceRequest.Event pending;

    /**
     * One announce on its virtual thread. {@code done} completes when the thread has finished with
     * the tiers; {@code cancelled} (set by {@link #stopped}) keeps its outcome from being reported.
     */
    private static final class Flight {
        final CompletableFuture<Void> done = new CompletableFuture<>();
        volatile boolean cancelled;
        volatile Thread thread;

        boolean inProgress() {
            return !done.isDone();
        }

        void cancel() {
            cancelled = true;
            Thread t = thread;
            if (t != null) {
                t.interrupt();
            }
        }
    }

    Announcer(InfoHash infoHash, PeerId peerId, List<List<String>> urls, TrackerConfig config, Listener listener) {
        this(infoHash, peerId, urls, config, listener, STOPPED_BOUND);
    }

    Announcer(InfoHash infoHash, PeerId peerId, List<List<String>> urls, TrackerConfig config, Listener listener,
              Duration stoppedBound) {
        this.stoppedBound = stoppedBound;
        this.infoHash = infoHash;
        this.peerId = peerId;
        this.config = config;
        this.listener = listener;
        this.urls = new ArrayList<>(urls);
        this.tiers = new TrackerTiers(this.urls, config, new Random());
    }

    boolean hasTrackers() {
        return !urls.isEmpty();
    }

    /** Adds a tracker as a tier of its own, after the torrent's. */
    void addTracker(String url) {
        for (List<String> tier : urls) {
            if (tier.contains(url)) {
                return;
            }
        }
        urls.add(List.of(url));
        tiers = new TrackerTiers(urls, config, new Random());
        started = false;
    }

    /** The first announce, with {@code started}. */
    void start(int port, Counters counters) {
        if (!hasTrackers()) {
            return; // a torrent without trackers has nobody to tell (it used to publish "no trackers" errors)
        }
        started = true;
        announce(AnnounceRequest.Event.STARTED, port, counters);
    }

    /** Once a second: a regular announce when one is due. */
    void tick(int port, Counters counters) {
        if (!hasTrackers()) {
            return;
        }
        if (!started) {
            start(port, counters);
        } else if (pending != null) {
            if (!inProgress()) {
                AnnounceRequest.Event event = pending;
                pending = null;
                announce(event, port, counters);
            }
        } else if (tiers.isDue()) {
            announce(AnnounceRequest.Event.NONE, port, counters);
        }
    }

    /**
     * An announce now, as the user asks ({@link TorrentHandle#reannounce}), rather than at the
     * interval: a regular one, once the tracker's {@code min interval} has passed since the last
     * (a minute without one; see {@link dev.spate.tracker.AnnounceSchedule#REANNOUNCE_GAP}), and
     * not while another is out. Returns whether it went out.
     */
    boolean reannounce(int port, Counters counters) {
        if (!started || !hasTrackers() || inProgress() || !tiers.mayReannounce()) {
            return false; // before the start, tick() sends started within the second anyway
        }
        announce(AnnounceRequest.Event.NONE, port, counters);
        return true;
    }

    /** The download finished: BEP 3's {@code completed}, sent once. */
    void completed(int port, Counters counters) {
        if (started) {
            announce(AnnounceRequest.Event.COMPLETED, port, counters);
        }
    }

    /**
     * The torrent stops: BEP 3's {@code stopped}, sent on a virtual thread once the announce in
     * progress (cut short) has let go of the tiers. Returns at once; the future completes when the
     * tracker has answered or given up, or after {@link #STOPPED_BOUND}, whichever comes first, and
     * never fails. The announce itself may go on after that, in the background.
     */
    CompletableFuture<Void> stopped(int port, Counters counters) {
        if (!started || !hasTrackers()) {
            return CompletableFuture.completedFuture(null);
        }
        started = false;
        pending = null;
        Flight previous = flight;
        if (previous != null && previous.inProgress()) {
            previous.cancel();
        }
        TrackerTiers current = tiers;
        AnnounceRequest request = request(AnnounceRequest.Event.STOPPED, port, counters, 0);
        Flight f = launch("announce stopped " + infoHash.hex(), previous, self -> {
            try {
                current.announce(request);
            } catch (TrackerException e) {
                // Stopping anyway; the tracker will time us out.
            }
        });
        return f.done.copy().completeOnTimeout(null, stoppedBound.toNanos(), TimeUnit.NANOSECONDS);
    }

    /** Each tracker's state, for the status. */
    List<TrackerState> states() {
        long now = config.clock().nanoTime();
        List<TrackerState> out = new ArrayList<>();
        for (TrackerTiers.TrackerStatus s : tiers.statuses()) {
            String status;
            int peers = 0;
            Optional<String> message = Optional.empty();
            switch (s.lastOutcome()) {
                case TrackerTiers.NotContacted n -> status = "not contacted";
                case TrackerTiers.Working w -> {
                    status = "working";
                    peers = w.peers();
                }
                case TrackerTiers.Failed f -> {
                    status = "error";
                    message = Optional.of(f.message());
                }
            }
            long next = s.nextAnnounceNanos().isPresent()
                    ? Math.max(0, TimeUnit.NANOSECONDS.toSeconds(s.nextAnnounceNanos().getAsLong() - now)) : -1;
            out.add(new TrackerState(safe(s.url()), s.tier(), status, peers, message, next));
        }
        return out;
    }

    private void announce(AnnounceRequest.Event event, int port, Counters counters) {
        if (inProgress()) {
            // One at a time: a regular announce will follow anyway, but an event must not be lost.
            if (event != AnnounceRequest.Event.NONE) {
                pending = event;
            }
            return;
        }
        TrackerTiers current = tiers;
        AnnounceRequest request = request(event, port, counters, NUM_WANT);
        launch("announce " + infoHash.hex(), null, self -> {
            try {
                TrackerTiers.Answer answer = current.announce(request);
                if (!self.cancelled) {
                    listener.answered(safe(answer.url()), answer.response());
                }
            } catch (TrackerException e) {
                if (!self.cancelled) {
                    listener.failed(e.getMessage());
                }
            } catch (RuntimeException e) {
                listener.failed("announce failed: " + e);
            }
        });
    }

    /** Whether an announce is out or an event waits to be sent: the torrent's loop must keep ticking. */
    boolean busy() {
        return inProgress() || pending != null;
    }

    /** Whether an announce is out; also for tests, which wait for one to end. */
    boolean inProgress() {
        return flight != null && flight.inProgress();
    }

    /**
     * Starts {@code body} on a virtual thread as the flight in progress, once {@code after} (if any)
     * is done: announces on one tiers object never overlap.
     */
    private Flight launch(String name, Flight after, Consumer<Flight> body) {
        Flight f = new Flight();
        flight = f;
        f.thread = Thread.ofVirtual().name(name).start(() -> {
            try {
                if (after != null) {
                    after.done.join();
                }
                body.accept(f);
            } finally {
                f.done.complete(null);
            }
        });
        return f;
    }

    private AnnounceRequest request(AnnounceRequest.Event event, int port, Counters c, int numWant) {
        return new AnnounceRequest(infoHash, peerId, port, c.uploaded(), c.downloaded(), c.left(), event, numWant, key,
                Optional.empty(), true);
    }

    /** The URL without its query string, which may hold a passkey. */
    static String safe(String url) {
        int q = url.indexOf('?');
        return q < 0 ? url : url.substring(0, q);
    }

}
