package dev.spate.engine;

import dev.spate.core.InfoHash;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * When each torrent of the session looks itself up in the DHT: at once when it joins, then every
 * {@link #INTERVAL} (BEP 5 leaves the period open; 15 minutes is what libtorrent and Transmission
 * use), sooner ({@link #RETRY}) when a lookup reached no node at all, or found no peer for a
 * magnet link still waiting for its metadata. However many torrents join,
 * at most {@link #MAX_RUNNING} of their lookups run at once, the longest-waiting first: a session
 * of 1,000 torrents sends a steady trickle of queries rather than a flood (the node answers for
 * the rest of the network; its own queries are what the schedule bounds).
 *
 * <p>Not thread-safe: the DHT loop owns it. Times are the injected clock's nanoseconds.
 */
final class DhtSchedule {
    /** Between two lookups of one torrent that found its swarm's nodes. */
    static final long INTERVAL = 15 * 60 * 1_000_000_000L;
    /** After a lookup that reached no node (the table was empty, say). */
    static final long RETRY = 60 * 1_000_000_000L;
    /** Torrents' lookups running at once. */
    static final int MAX_RUNNING = 4;
    /** Torrents the schedule takes; a session has far fewer (a join past it is refused). */
    static final int MAX_SWARMS = 100_000;

    /** One torrent's place in the schedule. */
    private static final class Swarm {
        /** Our TCP port to announce, or -1 to look up without announcing (a magnet's metadata phase). */
        int announcePort;
        long due;
        boolean running;
        /** The running lookup's number: one that ran before the torrent left and joined again is not this one. */
        long generation;
        /** When its last lookup started; meaningless while {@code generation} is 0 (none yet). */
        long lastStarted;

        Swarm(int announcePort, long due) {
            this.announcePort = announcePort;
            this.due = due;
        }
    }

    /** A lookup to start: the torrent, the port to announce (-1 for none) and the generation to report back. */
    record Job(InfoHash hash, int announcePort, long generation) {
    }

    private final Map<InfoHash, Swarm> swarms = new LinkedHashMap<>();
    private int running;
    private long lookups;

    /**
     * Adds a torrent, due at once; a torrent already in keeps its place but takes the new port (a
     * magnet whose metadata arrived starts announcing). False when the schedule is full.
     */
    boolean join(InfoHash hash, int announcePort, long now) {
        Swarm s = swarms.get(hash);
        if (s != null) {
            if (s.announcePort != announcePort) {
                s.announcePort = announcePort;
                if (announcePort >= 0 && !s.running) {
                    s.due = now; // announce now rather than at the next lookup
                }
            }
            return true;
        }
        if (swarms.size() >= MAX_SWARMS) {
            return false;
        }
        swarms.put(hash, new Swarm(announcePort, now));
        return true;
    }

    /** Removes a torrent; a lookup of it still running finishes, its result ignored. */
    void leave(InfoHash hash) {
        Swarm s = swarms.remove(hash);
        if (s != null && s.running) {
            running--;
        }
    }

    /**
     * The user asks for an announce now ({@link TorrentHandle#reannounce}): the torrent is due at
     * once, unless a lookup of it runs or one started less than {@link #RETRY} ago. A lookup asks
     * dozens of nodes, and the peers it announces to keep us for 30 minutes or so; more than one a
     * minute only loads the network. False when nothing changed.
     */
    boolean reannounce(InfoHash hash, long now) {
        Swarm s = swarms.get(hash);
        if (s == null || s.running || (s.generation != 0 && now - s.lastStarted < RETRY) || now - s.due >= 0) {
            return false;
        }
        s.due = now;
        return true;
    }

    boolean contains(InfoHash hash) {
        return swarms.containsKey(hash);
    }

    /** The torrents in the schedule, in the order they joined. */
    List<InfoHash> hashes() {
        return List.copyOf(swarms.keySet());
    }

    int size() {
        return swarms.size();
    }

    int running() {
        return running;
    }

    /** The lookups to start now, longest-waiting first, marked running; none beyond {@link #MAX_RUNNING}. */
    List<Job> due(long now) {
        if (running >= MAX_RUNNING) {
            return List.of();
        }
        List<Map.Entry<InfoHash, Swarm>> ready = new ArrayList<>();
        for (Map.Entry<InfoHash, Swarm> e : swarms.entrySet()) {
            Swarm s = e.getValue();
            if (!s.running && now - s.due >= 0) {
                ready.add(e);
            }
        }
        ready.sort((a, b) -> Long.compare(a.getValue().due - now, b.getValue().due - now));
        List<Job> out = new ArrayList<>();
        for (Map.Entry<InfoHash, Swarm> e : ready) {
            if (running >= MAX_RUNNING) {
                break;
            }
            Swarm s = e.getValue();
            s.running = true;
            s.generation = ++lookups;
            s.lastStarted = now;
            running++;
            out.add(new Job(e.getKey(), s.announcePort, s.generation));
        }
        return out;
    }

    /**
     * A lookup ended: the torrent is due again after {@link #INTERVAL}, or after {@link #RETRY} when
     * it reached no node, or when it only looks (a magnet link waiting for its metadata) and found no
     * peer: such a torrent can do nothing until one is found, and a seed may announce itself any
     * moment. False when the torrent has left (or left and joined again) since: its result is not
     * wanted.
     */
    boolean done(Job job, boolean reachedNodes, boolean foundPeers, long now) {
        Swarm s = swarms.get(job.hash());
        if (s == null || !s.running || s.generation != job.generation()) {
            return false;
        }
        s.running = false;
        running--;
        boolean soon = !reachedNodes || (job.announcePort() < 0 && !foundPeers);
        s.due = now + (soon ? RETRY : INTERVAL);
        return true;
    }
}
