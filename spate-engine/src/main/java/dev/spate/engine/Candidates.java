package dev.spate.engine;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Addresses of peers we may dial, from trackers, the user, PEX and peers that went away, each with its
 * own back-off: a peer that refused or timed out is tried again after 5 s, then 10, 20 ... up to
 * 5 minutes (a {@code --peer} that starts listening late is still reached; a dead one costs a
 * dial every 5 minutes). At most {@link #MAX} are kept: a tracker or a hostile source cannot grow
 * the list without end; when full, the newest address replaces the one that failed most.
 *
 * <p>Not thread-safe: owned by the torrent's loop. Times are on the session's clock.
 */
final class Candidates {
    static final int MAX = 2000;
    static final long FIRST_RETRY_NANOS = TimeUnit.SECONDS.toNanos(5);
    static final long MAX_RETRY_NANOS = TimeUnit.MINUTES.toNanos(5);

    private static final class Entry {
        int failures;
        long notBefore;
        /** Known only from PEX, so a PEX drop may forget it. */
        boolean pexOnly;
    }

    private final Map<InetSocketAddress, Entry> entries = new LinkedHashMap<>();

    /** Adds an address, due at once unless it is already known (its back-off stands). */
    void add(InetSocketAddress address) {
        add(address, false);
    }

    /**
     * Adds an address a peer told us of by PEX (BEP 11), due at once unless already known; it
     * stays {@linkplain #forgetPex forgettable by PEX} until another source names it too.
     */
    void addFromPex(InetSocketAddress address) {
        add(address, true);
    }

    private void add(InetSocketAddress address, boolean pex) {
        Entry known = entries.get(address);
        if (known != null) {
            known.pexOnly &= pex;
            return;
        }
        if (entries.size() >= MAX) {
            evictWorst();
        }
        Entry e = new Entry();
        e.pexOnly = pex;
        entries.put(address, e);
    }

    /** Forgets an address PEX dropped, if PEX is all we know it from. */
    void forgetPex(InetSocketAddress address) {
        Entry e = entries.get(address);
        if (e != null && e.pexOnly) {
            entries.remove(address);
        }
    }

    /** A dial to {@code address} failed at {@code now}: it waits longer before the next. */
    void failed(InetSocketAddress address, long now) {
        Entry e = entries.get(address);
        if (e == null) {
            if (entries.size() >= MAX) {
                evictWorst();
            }
            e = new Entry();
            entries.put(address, e);
        }
        e.failures++;
        long wait = FIRST_RETRY_NANOS << Math.min(e.failures - 1, 16);
        e.notBefore = now + Math.min(MAX_RETRY_NANOS, wait);
    }

    /**
     * A connection to {@code address} ended normally at {@code now}: it may be dialled again, after
     * the first back-off (a peer that hung up is not redialled at once).
     */
    void disconnected(InetSocketAddress address, long now) {
        Entry e = new Entry();
        e.notBefore = now + FIRST_RETRY_NANOS;
        entries.remove(address);
        if (entries.size() >= MAX) {
            evictWorst();
        }
        entries.put(address, e);
    }

    /** Never dial this address again (ourselves, banned). */
    void forget(InetSocketAddress address) {
        entries.remove(address);
    }

    /**
     * Up to {@code max} addresses due at {@code now}, in the order they were added; they stay
     * listed (with their back-off) until {@link #connected} or {@link #forget}.
     */
    List<InetSocketAddress> due(long now, int max) {
        List<InetSocketAddress> out = new ArrayList<>();
        for (Map.Entry<InetSocketAddress, Entry> e : entries.entrySet()) {
            if (out.size() >= max) {
                break;
            }
            if (now - e.getValue().notBefore >= 0) {
                out.add(e.getKey());
            }
        }
        return out;
    }

    /**
     * A dial to {@code address} is under way: it is not due again until it fails (then
     * {@link #failed}) or the connection ends ({@link #disconnected}).
     */
    void dialling(InetSocketAddress address, long now) {
        Entry e = entries.get(address);
        if (e != null) {
            e.notBefore = now + MAX_RETRY_NANOS;
        }
    }

    /** Connected: the address is no longer a candidate. */
    void connected(InetSocketAddress address) {
        entries.remove(address);
    }

    int size() {
        return entries.size();
    }

    /** Failures so far of {@code address}, 0 when unknown. */
    int failures(InetSocketAddress address) {
        Entry e = entries.get(address);
        return e == null ? 0 : e.failures;
    }

    private void evictWorst() {
        Iterator<Map.Entry<InetSocketAddress, Entry>> it = entries.entrySet().iterator();
        InetSocketAddress worst = null;
        int most = -1;
        while (it.hasNext()) {
            Map.Entry<InetSocketAddress, Entry> e = it.next();
            if (e.getValue().failures > most) {
                most = e.getValue().failures;
                worst = e.getKey();
            }
        }
        entries.remove(worst);
    }
}
