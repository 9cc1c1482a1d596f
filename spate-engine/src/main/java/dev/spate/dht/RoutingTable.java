package dev.spate.dht;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.random.RandomGenerator;

/**
 * One family's routing table (BEP 5 "Routing Table"), as a plain data structure: nodes in, decisions
 * out, no network and no clock of its own. The rules, written down before the code:
 *
 * <ul>
 *   <li>Bucket {@code i} holds the nodes whose ids share exactly {@code i} leading bits with ours; the
 *       last bucket holds every node sharing at least as many. Only the last bucket, the one whose
 *       range holds our own id, splits when full (BEP 5), so the table holds at most 160 x
 *       {@link #K} live nodes.
 *   <li>Only a node that answered one of our queries enters ({@link #answered}); a node that merely
 *       sent us a query, or that another node told us of, must be pinged first. A node claiming our
 *       own id never enters.
 *   <li>One entry per IP address in the whole table (live or cached): a host cannot fill a bucket by
 *       running many ids, and a second id at a known IP is ignored while the first is not bad.
 *   <li>States (BEP 5): good when it answered us within 15 minutes, or answered once and queried us
 *       within 15 minutes; bad after {@link #BAD_AFTER} failed queries in a row (BEP 5 suggests
 *       trying once more before discarding); questionable otherwise.
 *   <li>A full bucket takes a new node in place of a bad one; else it splits if it may; else, BEP 42, a node with a verified id
 *       takes the place of the least recently seen unverified one; else the newcomer waits in the
 *       bucket's replacement cache ({@link #K} newest answered nodes), and the questionable nodes are
 *       pinged ({@link #toPing}) so that the dead among them turn bad and are replaced.
 *   <li>A bad node is removed as soon as it turns bad; the most recently seen replacement takes its
 *       place.
 *   <li>A bucket untouched for {@link #GOOD_FOR} is due for a refresh ({@link #refreshTargets}).
 * </ul>
 *
 * <p>Owned by the node's thread.
 */
final class RoutingTable {
    /** Bucket size (BEP 5). */
    static final int K = 8;
    /** Failed queries in a row that make a node bad. */
    static final int BAD_AFTER = 2;
    /** How long an answer keeps a node good, and how long a bucket goes without refresh (BEP 5). */
    static final long GOOD_FOR = 15 * 60 * 1_000_000_000L;
    /** Shortest time between two pings of one questionable node. */
    static final long PING_INTERVAL = 60 * 1_000_000_000L;

    enum State { GOOD, QUESTIONABLE, BAD }

    /** A node known to the table. Mutable, like the table. */
    static final class Entry {
        NodeContact contact;
        boolean verified;
        long lastResponse;
        long lastQuery;
        long lastPing;
        boolean everQueried;
        int failures;

        Entry(NodeContact contact, boolean verified, long now) {
            this.contact = contact;
            this.verified = verified;
            this.lastResponse = now;
            this.lastPing = now - PING_INTERVAL;
        }

        long lastSeen() {
            return everQueried ? Math.max(lastResponse, lastQuery) : lastResponse;
        }
    }

    static final class Bucket {
        final ArrayList<Entry> live = new ArrayList<>(K);
        /** Newest last. */
        final ArrayDeque<Entry> replacements = new ArrayDeque<>(K);
        long lastChanged;

        Bucket(long now) {
            this.lastChanged = now;
        }
    }

    /** What became of a node that answered us. */
    enum Outcome { ADDED, UPDATED, CACHED, REJECTED }

    private final AddressFamily family;
    private NodeId self;
    private final List<Bucket> buckets = new ArrayList<>();
    private final Map<InetAddress, Entry> byIp = new HashMap<>();
    private final Map<Entry, Bucket> home = new HashMap<>();

    RoutingTable(AddressFamily family, NodeId self, long now) {
        this.family = family;
        this.self = self;
        buckets.add(new Bucket(now));
    }

    AddressFamily family() {
        return family;
    }

    NodeId self() {
        return self;
    }

    static State state(Entry e, long now) {
        if (e.failures >= BAD_AFTER) {
            return State.BAD;
        }
        if (e.failures == 0 && (now - e.lastResponse < GOOD_FOR || e.everQueried && now - e.lastQuery < GOOD_FOR)) {
            return State.GOOD;
        }
        return State.QUESTIONABLE;
    }

    private int indexOf(NodeId id) {
        return Math.min(self.commonPrefix(id), buckets.size() - 1);
    }

    /** The node's entry if the table knows this exact contact (same id, address and port). */
    Entry find(NodeContact c) {
        Entry e = byIp.get(c.address().getAddress());
        return e != null && e.contact.equals(c) ? e : null;
    }

    /** Whether this contact is live in the table (not only cached). */
    boolean contains(NodeContact c) {
        Entry e = find(c);
        return e != null && home.get(e).live.contains(e);
    }

    /** A node answered one of our queries. */
    Outcome answered(NodeContact c, boolean verified, long now) {
        if (c.id().equals(self) || c.family() != family) {
            return Outcome.REJECTED;
        }
        Entry known = byIp.get(c.address().getAddress());
        if (known != null) {
            if (known.contact.equals(c)) {
                known.lastResponse = now;
                known.failures = 0;
                Bucket b = home.get(known);
                if (b.live.contains(known)) {
                    b.lastChanged = now;
                } else if (b.live.size() < K) {
                    b.replacements.remove(known);
                    b.live.add(known);
                    b.lastChanged = now;
                    return Outcome.ADDED;
                } else {
                    // Refresh its place as the newest replacement.
                    b.replacements.remove(known);
                    b.replacements.addLast(known);
                }
                return Outcome.UPDATED;
            }
            if (state(known, now) != State.BAD) {
                return Outcome.REJECTED;
            }
            remove(known, now);
        }
        return insert(new Entry(c, verified, now), now);
    }

    private Outcome insert(Entry e, long now) {
        while (true) {
            int i = indexOf(e.contact.id());
            Bucket b = buckets.get(i);
            for (Entry other : b.live) {
                if (other.contact.id().equals(e.contact.id())) {
                    // The same id at another address: keep the one we know unless it went bad.
                    if (state(other, now) != State.BAD) {
                        return Outcome.REJECTED;
                    }
                    remove(other, now);
                    break;
                }
            }
            if (b.live.size() < K) {
                place(e, b, true);
                b.lastChanged = now;
                return Outcome.ADDED;
            }
            Entry victim = null;
            for (Entry other : b.live) {
                if (state(other, now) == State.BAD) {
                    victim = other;
                    break;
                }
            }
            if (victim == null && i == buckets.size() - 1 && buckets.size() < NodeId.BITS) {
                split(now);
                continue;
            }
            if (victim == null && e.verified) {
                // BEP 42: prefer nodes whose ids match their addresses.
                for (Entry other : b.live) {
                    if (!other.verified && (victim == null || other.lastSeen() < victim.lastSeen())) {
                        victim = other;
                    }
                }
            }
            if (victim != null) {
                b.live.remove(victim);
                if (state(victim, now) == State.BAD) {
                    forget(victim);
                } else {
                    cache(victim, b);
                }
                place(e, b, true);
                b.lastChanged = now;
                return Outcome.ADDED;
            }
            place(e, b, false);
            return Outcome.CACHED;
        }
    }

    private void place(Entry e, Bucket b, boolean live) {
        byIp.put(e.contact.address().getAddress(), e);
        home.put(e, b);
        if (live) {
            b.live.add(e);
        } else {
            cache(e, b);
        }
    }

    private void cache(Entry e, Bucket b) {
        if (b.replacements.size() >= K) {
            forget(b.replacements.removeFirst());
        }
        b.replacements.addLast(e);
        home.put(e, b);
    }

    private void forget(Entry e) {
        byIp.remove(e.contact.address().getAddress(), e);
        home.remove(e);
    }

    private void split(long now) {
        int last = buckets.size() - 1;
        Bucket old = buckets.get(last);
        Bucket next = new Bucket(now);
        next.lastChanged = old.lastChanged;
        buckets.add(next);
        for (Iterator<Entry> it = old.live.iterator(); it.hasNext(); ) {
            Entry e = it.next();
            if (self.commonPrefix(e.contact.id()) > last) {
                it.remove();
                next.live.add(e);
                home.put(e, next);
            }
        }
        for (Iterator<Entry> it = old.replacements.iterator(); it.hasNext(); ) {
            Entry e = it.next();
            if (self.commonPrefix(e.contact.id()) > last) {
                it.remove();
                next.replacements.addLast(e);
                home.put(e, next);
            }
        }
    }

    /** Removes a live or cached entry; a live one's place goes to the newest replacement. */
    private void remove(Entry e, long now) {
        Bucket b = home.get(e);
        forget(e);
        if (b.live.remove(e)) {
            Entry r = b.replacements.pollLast();
            if (r != null) {
                b.live.add(r);
                b.lastChanged = now;
            }
        } else {
            b.replacements.remove(e);
        }
    }

    /** A node we know sent us a query: it stays good (BEP 5). */
    void queried(NodeContact c, long now) {
        Entry e = find(c);
        if (e != null) {
            e.lastQuery = now;
            e.everQueried = true;
        }
    }

    /** A query to this contact went unanswered. */
    void failed(NodeContact c, long now) {
        Entry e = find(c);
        if (e == null) {
            return;
        }
        e.failures++;
        Bucket b = home.get(e);
        if (!b.live.contains(e) || state(e, now) == State.BAD) {
            remove(e, now);
        }
    }

    /**
     * Whether an answer from this contact would enter the table live: room in its bucket, a
     * splittable bucket, or a bad or questionable node that it might replace. Decides whether a node
     * that queried us is worth a ping.
     */
    boolean wants(NodeContact c, long now) {
        if (c.id().equals(self) || c.family() != family || byIp.containsKey(c.address().getAddress())) {
            return false;
        }
        int i = indexOf(c.id());
        Bucket b = buckets.get(i);
        if (b.live.size() < K || i == buckets.size() - 1 && buckets.size() < NodeId.BITS) {
            return true;
        }
        for (Entry e : b.live) {
            if (state(e, now) != State.GOOD) {
                return true;
            }
        }
        return false;
    }

    /** The {@code n} live nodes closest to {@code target} that are not bad, closest first. */
    List<NodeContact> closest(NodeId target, int n, long now) {
        // By XOR: the target's own bucket j is closest, then every bucket past j (they differ from
        // the target at bit j, but share the bits before it), then j-1, j-2, ..., each farther.
        List<Entry> all = new ArrayList<>();
        int j = indexOf(target);
        for (int i = j; i < buckets.size(); i++) {
            collect(buckets.get(i), all, now);
        }
        for (int i = j - 1; i >= 0 && all.size() < n; i--) {
            collect(buckets.get(i), all, now);
        }
        Comparator<Entry> byDistance = (x, y) -> target.compareDistance(x.contact.id(), y.contact.id());
        all.sort(byDistance);
        List<NodeContact> out = new ArrayList<>(Math.min(n, all.size()));
        for (int i = 0; i < all.size() && i < n; i++) {
            out.add(all.get(i).contact);
        }
        return out;
    }

    private static void collect(Bucket b, List<Entry> into, long now) {
        for (Entry e : b.live) {
            if (state(e, now) != State.BAD) {
                into.add(e);
            }
        }
    }

    /** Marks the buckets with room as due for refresh: after joining, they are worth a lookup each. */
    void markSparseBucketsStale(long now) {
        for (Bucket b : buckets) {
            if (b.live.size() < K) {
                b.lastChanged = Math.min(b.lastChanged, now - GOOD_FOR);
            }
        }
    }

    /**
     * Up to {@code max} questionable nodes to ping now: in each bucket the least recently seen one
     * not pinged within {@link #PING_INTERVAL}. Marks them pinged.
     */
    List<NodeContact> toPing(long now, int max) {
        List<NodeContact> out = new ArrayList<>();
        for (Bucket b : buckets) {
            if (out.size() >= max) {
                break;
            }
            Entry pick = null;
            for (Entry e : b.live) {
                if (state(e, now) == State.QUESTIONABLE && now - e.lastPing >= PING_INTERVAL
                        && (pick == null || e.lastSeen() < pick.lastSeen())) {
                    pick = e;
                }
            }
            if (pick != null) {
                pick.lastPing = now;
                out.add(pick.contact);
            }
        }
        return out;
    }

    /**
     * Random targets in the ranges of buckets untouched for {@link #GOOD_FOR} (BEP 5 refresh), at
     * most {@code max}; each one's clock restarts, so a refresh is not repeated before it could help.
     */
    List<NodeId> refreshTargets(long now, int max, RandomGenerator random) {
        List<NodeId> out = new ArrayList<>();
        for (int i = 0; i < buckets.size() && out.size() < max; i++) {
            Bucket b = buckets.get(i);
            if (now - b.lastChanged >= GOOD_FOR) {
                b.lastChanged = now;
                out.add(randomIn(i, random));
            }
        }
        return out;
    }

    /** A random id that falls in bucket {@code i}. */
    NodeId randomIn(int i, RandomGenerator random) {
        byte[] id = new byte[NodeId.LENGTH];
        random.nextBytes(id);
        byte[] own = self.raw();
        boolean last = i == buckets.size() - 1;
        int prefix = last ? i : i + 1;
        for (int bit = 0; bit < prefix; bit++) {
            int mask = 0x80 >>> (bit & 7);
            boolean set = (own[bit >>> 3] & mask) != 0;
            if (!last && bit == i) {
                set = !set;
            }
            id[bit >>> 3] = (byte) (set ? id[bit >>> 3] | mask : id[bit >>> 3] & ~mask);
        }
        return NodeId.of(id);
    }

    /** Files every entry anew under {@code newSelf} (our id changed, BEP 42); some may not fit. */
    void rekey(NodeId newSelf, long now) {
        List<Entry> all = new ArrayList<>();
        for (Bucket b : buckets) {
            all.addAll(b.live);
        }
        List<Entry> cached = new ArrayList<>();
        for (Bucket b : buckets) {
            cached.addAll(b.replacements);
        }
        buckets.clear();
        byIp.clear();
        home.clear();
        self = newSelf;
        buckets.add(new Bucket(now));
        for (Entry e : all) {
            if (!e.contact.id().equals(newSelf)) {
                insert(e, now);
            }
        }
        for (Entry e : cached) {
            if (!e.contact.id().equals(newSelf) && !byIp.containsKey(e.contact.address().getAddress())) {
                insert(e, now);
            }
        }
    }

    /** Live nodes, the good first, for saving the table. */
    List<NodeContact> contacts(long now) {
        List<NodeContact> good = new ArrayList<>();
        List<NodeContact> rest = new ArrayList<>();
        for (Bucket b : buckets) {
            for (Entry e : b.live) {
                (state(e, now) == State.GOOD ? good : rest).add(e.contact);
            }
        }
        good.addAll(rest);
        return good;
    }

    /** Live nodes. */
    int size() {
        int n = 0;
        for (Bucket b : buckets) {
            n += b.live.size();
        }
        return n;
    }

    /** Cached replacements. */
    int replacements() {
        int n = 0;
        for (Bucket b : buckets) {
            n += b.replacements.size();
        }
        return n;
    }

    int bucketCount() {
        return buckets.size();
    }

    /** Live and cached entries, for tests' invariant checks. */
    List<Entry> entries() {
        List<Entry> out = new ArrayList<>();
        for (Bucket b : buckets) {
            out.addAll(b.live);
            out.addAll(b.replacements);
        }
        return out;
    }

    List<Bucket> buckets() {
        return buckets;
    }

    /** The live entry for an address, if any (tests). */
    Entry at(InetSocketAddress a) {
        Entry e = byIp.get(a.getAddress());
        return e != null && e.contact.address().equals(a) ? e : null;
    }
}
