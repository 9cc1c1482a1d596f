package dev.spate.daemon;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Transmission's queues and seeding limits as a pure decision: each torrent's record in, what it
 * should do out. No engine, no clock, no threads: {@link Torrents} gathers the records every tick
 * and applies the answer (pause, resume, stop for good).
 *
 * <p>The rules, in order, for each torrent:
 * <ol>
 *   <li>in error: {@link Decision#LEAVE} (the engine stopped it; nothing to do);
 *   <li>not wanted to run (stopped by the user): {@link Decision#STOPPED};
 *   <li>done and its ratio reached (uploaded at least limit times downloaded, or times its size when
 *       nothing was downloaded, as Transmission counts): {@link Decision#STOP_RATIO}; done, running
 *       and idle for its idle limit: {@link Decision#STOP_IDLE}. The limit is the torrent's own
 *       (mode {@link TorrentSettings#SINGLE}), else the session's when enabled (mode
 *       {@link TorrentSettings#GLOBAL}), else none;
 *   <li>started with torrent-start-now ({@code forced}), or already let run by the queue
 *       ({@code admitted}): {@link Decision#RUN}. A running torrent is never stopped to make room:
 *       a queue made smaller, or one moved to the top, waits for a free place, as in Transmission;
 *   <li>the rest wait in queue position order: {@link Decision#RUN} while its queue (downloads for
 *       a torrent not done, seeds for one done) has a free place or is disabled, else
 *       {@link Decision#WAIT}.
 * </ol>
 * A place is taken by each admitted or forced torrent of that queue, except when stalled: no bytes
 * for more than {@code queue-stalled-minutes} while {@code queue-stalled-enabled}.
 *
 * <p>Stateless.
 */
final class Queue {
    private Queue() {
    }

    /** What a torrent should do. */
    enum Decision {
        /** Run (resume it if it is paused). */
        RUN,
        /** Wait in its queue (pause it); status download-wait or seed-wait. */
        WAIT,
        /** Stay stopped: the user stopped it. */
        STOPPED,
        /** Stop for good: its seed ratio is reached. */
        STOP_RATIO,
        /** Stop for good: it seeded idle for its idle limit. */
        STOP_IDLE,
        /** Nothing to do: it is in error. */
        LEAVE
    }

    /**
     * One torrent as the queue sees it.
     *
     * @param position its queue position, 0 first
     * @param wanted the user wants it to run (added started, or started since)
     * @param forced started with torrent-start-now: bypasses the queue
     * @param admitted let run by the queue before (or forced): keeps its place
     * @param error stopped by an error
     * @param done every wanted piece verified
     * @param uploadedEver bytes uploaded over its whole life
     * @param downloadedEver bytes downloaded over its whole life
     * @param sizeWhenDone the bytes of its wanted files, the ratio's base when nothing was downloaded
     * @param idleSeconds seconds since bytes last moved either way, or since it started if later; -1 when not running
     */
    record Item(int id, int position, boolean wanted, boolean forced, boolean admitted, boolean error, boolean done,
                long uploadedEver, long downloadedEver, long sizeWhenDone, long idleSeconds, TorrentSettings settings) {
    }

    /** The decision for every item, by id, in the order given. */
    static Map<Integer, Decision> decide(SessionSettings session, List<Item> items) {
        Map<Integer, Decision> out = new LinkedHashMap<>();
        items.forEach(i -> out.put(i.id(), null));
        int downloads = 0;
        int seeds = 0;
        List<Item> waiting = new ArrayList<>();
        for (Item i : items) {
            Decision d;
            if (i.error()) {
                d = Decision.LEAVE;
            } else if (!i.wanted()) {
                d = Decision.STOPPED;
            } else if (i.done() && ratioReached(session, i)) {
                d = Decision.STOP_RATIO;
            } else if (i.done() && (i.admitted() || i.forced()) && idleReached(session, i)) {
                d = Decision.STOP_IDLE;
            } else if (i.forced() || i.admitted()) {
                d = Decision.RUN;
                if (!stalled(session, i)) {
                    if (i.done()) {
                        seeds++;
                    } else {
                        downloads++;
                    }
                }
            } else {
                waiting.add(i);
                continue;
            }
            out.put(i.id(), d);
        }
        waiting.sort(Comparator.comparingInt(Item::position).thenComparingInt(Item::id));
        for (Item i : waiting) {
            boolean run;
            if (i.done()) {
                run = !session.seedQueueEnabled() || seeds < session.seedQueueSize();
                seeds += run ? 1 : 0;
            } else {
                run = !session.downloadQueueEnabled() || downloads < session.downloadQueueSize();
                downloads += run ? 1 : 0;
            }
            out.put(i.id(), run ? Decision.RUN : Decision.WAIT);
        }
        return out;
    }

    /** The ratio that stops the torrent, or -1 for none. */
    static double ratioLimit(SessionSettings session, TorrentSettings t) {
        return switch (t.seedRatioMode()) {
            case TorrentSettings.SINGLE -> t.seedRatioLimit();
            case TorrentSettings.GLOBAL -> session.seedRatioLimited() ? session.seedRatioLimit() : -1;
            default -> -1;
        };
    }

    /** The idle minutes that stop the torrent, or -1 for none. */
    static int idleLimitMinutes(SessionSettings session, TorrentSettings t) {
        return switch (t.seedIdleMode()) {
            case TorrentSettings.SINGLE -> t.seedIdleLimit();
            case TorrentSettings.GLOBAL -> session.idleSeedingLimitEnabled() ? session.idleSeedingLimit() : -1;
            default -> -1;
        };
    }

    /**
     * Whether its seed ratio is reached: Transmission's goal is the limit times the bytes downloaded,
     * or times the size when done when nothing was (a torrent whose data was here already).
     */
    static boolean ratioReached(SessionSettings session, Item i) {
        double limit = ratioLimit(session, i.settings());
        if (limit < 0) {
            return false;
        }
        long base = i.downloadedEver() > 0 ? i.downloadedEver() : i.sizeWhenDone();
        return i.uploadedEver() >= limit * base;
    }

    static boolean idleReached(SessionSettings session, Item i) {
        int minutes = idleLimitMinutes(session, i.settings());
        return minutes >= 0 && i.idleSeconds() >= 0 && i.idleSeconds() >= minutes * 60L;
    }

    /** Whether a running torrent is stalled: it then takes no place in its queue. */
    static boolean stalled(SessionSettings session, Item i) {
        return session.queueStalledEnabled() && i.idleSeconds() > session.queueStalledMinutes() * 60L;
    }
}
