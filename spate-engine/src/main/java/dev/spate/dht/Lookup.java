package dev.spate.dht;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * One iterative lookup (BEP 5, Kademlia): the candidates known so far, sorted by distance to the
 * target, and which of them were asked. Pure state: the node sends what {@link #next} returns and
 * reports answers and failures back.
 *
 * <p>The rule: among the {@code k} closest candidates that have not failed, the unasked are asked,
 * at most {@code alpha} queries in flight among them; the lookup ends when those {@code k} have all
 * answered (or no candidate is left to ask). A candidate that does not answer is asked once more
 * before it counts as failed: KRPC has no retry of its own (BEP 5), and on a lossy network a single
 * lost datagram would otherwise drop one of the closest nodes from the result. With {@code enforce} (BEP 42 "Enforcement"), a node
 * whose id does not match its address does not count towards the {@code k}.
 *
 * <p>Rounds: each query has a hop number, one more than the hop of the answer that named its node
 * (the seeds are hop 0), so {@link #rounds()} is the length of the longest chain of round trips, what
 * the lookup would take on a network where every answer took the same time. Owned by the node's
 * thread.
 */
final class Lookup {
    /** Most candidates kept: the farthest are dropped beyond it. */
    static final int MAX_CANDIDATES = 64;
    /** Most distinct addresses considered in one lookup (bounds the dedup set). */
    static final int MAX_SEEN = 1024;
    /** Queries to one candidate at most: one retry after a timeout. */
    static final int MAX_ATTEMPTS = 2;
    /** Most peers collected by one get_peers lookup. */
    static final int MAX_PEERS = 500;

    enum Kind { FIND_NODE, GET_PEERS }

    enum State { FRESH, IN_FLIGHT, ANSWERED, FAILED }

    static final class Candidate {
        final NodeContact contact;
        final int hop;
        final boolean verified;
        State state = State.FRESH;
        int attempts;
        byte[] token;

        Candidate(NodeContact contact, int hop, boolean verified) {
            this.contact = contact;
            this.hop = hop;
            this.verified = verified;
        }
    }

    final Kind kind;
    final NodeId target;
    final AddressFamily family;
    private final int k;
    private final int alpha;
    private final boolean enforce;
    private final NodeId self;
    private final List<Candidate> candidates = new ArrayList<>();
    private final Set<InetSocketAddress> seen = new HashSet<>();
    private final Set<InetSocketAddress> peers = new LinkedHashSet<>();
    /** Routers: addresses without a known id, asked first and never counted. */
    private final List<InetSocketAddress> routers = new ArrayList<>();
    private int routersInFlight;
    private int messages;
    private int rounds;
    private boolean finished;

    Lookup(Kind kind, NodeId target, AddressFamily family, int k, int alpha, boolean enforce, NodeId self) {
        this.kind = kind;
        this.target = target;
        this.family = family;
        this.k = k;
        this.alpha = alpha;
        this.enforce = enforce;
        this.self = self;
    }

    /** Adds a candidate named by an answer at {@code hop} (0 for seeds from the table). */
    void add(NodeContact c, int hop) {
        if (c.id().equals(self) || c.family() != family || seen.size() >= MAX_SEEN || !seen.add(c.address())) {
            return;
        }
        Candidate cand = new Candidate(c, hop, SecureIds.verified(c.id(), c.address().getAddress()));
        int lo = 0;
        int hi = candidates.size();
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (target.compareDistance(candidates.get(mid).contact.id(), c.id()) <= 0) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        if (lo >= MAX_CANDIDATES) {
            return;
        }
        candidates.add(lo, cand);
        if (candidates.size() > MAX_CANDIDATES) {
            candidates.remove(candidates.size() - 1);
        }
    }

    /** Adds a router (an address only, as the bootstrap list gives them). */
    void addRouter(InetSocketAddress a) {
        if (AddressFamily.of(a.getAddress()) == family && seen.add(a)) {
            routers.add(a);
        }
    }

    /** Routers to ask now; the node sends each a query and reports back with {@link #routerDone}. */
    List<InetSocketAddress> nextRouters() {
        List<InetSocketAddress> out = List.copyOf(routers);
        routers.clear();
        routersInFlight += out.size();
        messages += out.size();
        rounds = Math.max(rounds, out.isEmpty() ? rounds : 1);
        return out;
    }

    void routerDone() {
        routersInFlight--;
    }

    /** The candidates to ask now, marked in flight. */
    List<Candidate> next() {
        if (finished) {
            return List.of();
        }
        int counted = 0;
        int inFlight = 0;
        int end = 0;
        for (; end < candidates.size() && counted < k; end++) {
            Candidate c = candidates.get(end);
            switch (c.state) {
                case FAILED -> {
                }
                case IN_FLIGHT -> {
                    inFlight++;
                    counted++;
                }
                case FRESH -> counted++;
                case ANSWERED -> {
                    if (!enforce || c.verified) {
                        counted++;
                    }
                }
            }
        }
        List<Candidate> out = new ArrayList<>();
        boolean waiting = inFlight > 0;
        for (int i = 0; i < end && inFlight < alpha; i++) {
            Candidate c = candidates.get(i);
            if (c.state == State.FRESH) {
                c.state = State.IN_FLIGHT;
                c.attempts++;
                inFlight++;
                messages++;
                rounds = Math.max(rounds, c.hop + 1);
                out.add(c);
                waiting = true;
            }
        }
        if (!waiting && routersInFlight == 0) {
            boolean fresh = false;
            for (int i = 0; i < end; i++) {
                fresh |= candidates.get(i).state == State.FRESH;
            }
            finished = !fresh;
        }
        return out;
    }

    /** {@code c} answered; {@code named} are the nodes it told of, {@code values} the peers. */
    void answered(Candidate c, List<NodeContact> named, List<InetSocketAddress> values, byte[] token) {
        c.state = State.ANSWERED;
        c.token = token;
        for (NodeContact n : named) {
            add(n, c.hop + 1);
        }
        addPeers(values);
    }

    /** A router answered with {@code named} nodes. */
    void routerAnswered(List<NodeContact> named, List<InetSocketAddress> values) {
        routersInFlight--;
        for (NodeContact n : named) {
            add(n, 1);
        }
        addPeers(values);
    }

    private void addPeers(List<InetSocketAddress> values) {
        for (InetSocketAddress p : values) {
            if (peers.size() >= MAX_PEERS) {
                break;
            }
            peers.add(p);
        }
    }

    void failed(Candidate c) {
        c.state = State.FAILED;
    }

    /**
     * A query to {@code c} went unanswered: it is asked once more if it is still among the closest
     * (a single lost datagram should not cost the lookup a node), then it has failed.
     */
    void timedOut(Candidate c) {
        c.state = c.attempts < MAX_ATTEMPTS ? State.FRESH : State.FAILED;
    }

    boolean finished() {
        return finished;
    }

    /** The closest {@code k} that answered (counting as {@link #next} counts), closest first. */
    List<Candidate> closestAnswered() {
        List<Candidate> out = new ArrayList<>();
        for (Candidate c : candidates) {
            if (c.state == State.ANSWERED && (!enforce || c.verified)) {
                out.add(c);
                if (out.size() == k) {
                    break;
                }
            }
        }
        return out;
    }

    /**
     * Where to announce (BEP 5, BEP 42 "Enforcement"): the closest {@code k} that answered with a
     * token, among the verified ones when enforcing.
     */
    List<Candidate> announceTargets() {
        List<Candidate> out = new ArrayList<>();
        for (Candidate c : candidates) {
            if (c.state == State.ANSWERED && c.token != null && (!enforce || c.verified)) {
                out.add(c);
                if (out.size() == k) {
                    break;
                }
            }
        }
        return out;
    }

    List<InetSocketAddress> peers() {
        return List.copyOf(peers);
    }

    int messages() {
        return messages;
    }

    int rounds() {
        return rounds;
    }
}
