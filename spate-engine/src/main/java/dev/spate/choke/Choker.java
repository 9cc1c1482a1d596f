package dev.spate.choke;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.random.RandomGenerator;

/**
 * A torrent's choking policy (BEP 3, "Choking and optimistic unchoking"): which peers we upload to.
 *
 * <p>The torrent's loop calls {@link #rechoke} on every tick with a view of each connected peer;
 * the choker decides by itself whether a regular round is due ({@link #isRoundDue}), so that who is
 * choked changes only every {@link #ROUND_NANOS ten seconds} and not in between (no fibrillation).
 * Of the {@link #uploadSlots()} slots, one is the optimistic one and the rest are regular, as in
 * BEP 3 where the optimistic peer "counts as one of the four".
 *
 * <p>A regular round:
 * <ol>
 *   <li>ranks the peers that are not snubbed by what they give us while we download (our download
 *       rate from them), or by what we give them while seeding (our upload rate to them); ties go to
 *       peers already regularly unchoked, then to the optimistic one, then at random;</li>
 *   <li>unchokes peers down that ranking until {@code uploadSlots - 1} of them are interested. Peers
 *       that are not interested but rank above the last of those are unchoked too, without taking a
 *       slot: BEP 3's "peers which have a better upload rate but aren't interested get unchoked".
 *       With fewer interested peers than regular slots, every peer that is not snubbed is unchoked;</li>
 *   <li>keeps the optimistic peer for {@link #OPTIMISTIC_ROUNDS} rounds (30 s), then picks another
 *       at random among the interested peers not regularly unchoked, never the same one twice in a
 *       row when there is a choice. Peers connected less than {@link #NEW_PEER_NANOS} ago weigh
 *       {@link #NEW_PEER_WEIGHT} times as much. Snubbed peers may be picked. An optimistic peer that
 *       has earned a regular slot, or is no longer interested, is replaced at once.</li>
 * </ol>
 *
 * <p>Between rounds the decision stays as it was, with three exceptions: a peer that has left is
 * dropped; an optimistic peer that has left is replaced at once; and when an unchoked peer that was
 * not interested becomes interested, so that more than {@code uploadSlots - 1} regular peers are
 * interested, the worst-ranked interested one is choked (BEP 3: "if they become interested the worst
 * uploader gets choked"); and a regular slot that is free goes at once to an interested peer
 * waiting for one (a new peer need not wait up to ten seconds while a slot idles). A change between downloading and seeding starts a round at once.
 *
 * <p>Invariants: the optimistic peer is never one of the regular ones; at most
 * {@code uploadSlots - 1} regular peers are interested, as of the last call; every unchoked peer was
 * among the candidates of the last call.
 *
 * <p>A pure policy with no threads, IO or clock of its own (time comes in as {@code nowNanos}, from
 * the engine's {@link dev.spate.core.Clock}): it is owned by the torrent's loop and must only be used
 * from that thread. Randomness is injected so that tests are repeatable.
 *
 * @param <P> the engine's key for a peer connection; needs {@code equals} and {@code hashCode}
 */
public final class Choker<P> {
    /** Upload slots unless configured otherwise, the optimistic one included (BEP 3's "four"). */
    public static final int DEFAULT_UPLOAD_SLOTS = 4;
    /** Time between regular rounds. */
    public static final long ROUND_NANOS = TimeUnit.SECONDS.toNanos(10);
    /** Rounds an optimistic unchoke lasts: 30 s. */
    public static final int OPTIMISTIC_ROUNDS = 3;
    /** A peer connected less than this long ago is new, and favoured for the optimistic slot. */
    public static final long NEW_PEER_NANOS = TimeUnit.SECONDS.toNanos(60);
    /** How many times likelier a new peer is to become the optimistic one (BEP 3: "three times"). */
    public static final int NEW_PEER_WEIGHT = 3;

    private final int uploadSlots;
    private final RandomGenerator random;

    private boolean anyRound;
    private long lastRoundAt;
    private boolean lastSeeding;
    /** Peers regularly unchoked, best-ranked first as of the last round; interested or not. */
    private final List<P> regular = new ArrayList<>();
    private P optimistic;
    /** Rounds since the optimistic peer was picked. */
    private int optimisticRounds;

    /** A choker with {@link #DEFAULT_UPLOAD_SLOTS} slots. */
    public Choker(RandomGenerator random) {
        this(DEFAULT_UPLOAD_SLOTS, random);
    }

    /**
     * @param uploadSlots interested peers we upload to at once, the optimistic one included; at least 1
     *     (with 1, only the optimistic slot is left)
     * @param random source of the optimistic choice and of tie-breaks
     */
    public Choker(int uploadSlots, RandomGenerator random) {
        if (uploadSlots < 1) {
            throw new IllegalArgumentException("uploadSlots must be at least 1, was " + uploadSlots);
        }
        this.uploadSlots = uploadSlots;
        this.random = Objects.requireNonNull(random, "random");
    }

    /** Interested peers we upload to at once, the optimistic one included. */
    public int uploadSlots() {
        return uploadSlots;
    }

    /** Whether a call of {@link #rechoke} at {@code nowNanos} runs a regular round. */
    public boolean isRoundDue(long nowNanos) {
        return !anyRound || nowNanos - lastRoundAt >= ROUND_NANOS;
    }

    /**
     * Brings the decision up to date: a regular round if one is due (or {@code seeding} changed),
     * otherwise only the between-round adjustments described on the class.
     *
     * @param nowNanos the current time, on the clock of {@link ChokeCandidate#connectedAtNanos}
     * @param candidates every connected peer, each once
     * @param seeding whether we have the whole torrent (rank by our upload rate to the peers)
     * @return who is to be unchoked now; the same as {@link #current()}
     */
    public ChokeDecision<P> rechoke(long nowNanos, List<ChokeCandidate<P>> candidates, boolean seeding) {
        Map<P, ChokeCandidate<P>> byPeer = index(candidates);
        if (isRoundDue(nowNanos) || seeding != lastSeeding) {
            round(nowNanos, byPeer, seeding);
        } else {
            betweenRounds(nowNanos, byPeer);
        }
        return current();
    }

    /** The decision of the last call of {@link #rechoke}; nobody before the first. */
    public ChokeDecision<P> current() {
        Set<P> unchoke = new HashSet<>(regular);
        if (optimistic != null) {
            unchoke.add(optimistic);
        }
        return new ChokeDecision<>(unchoke, Optional.ofNullable(optimistic));
    }

    private static <P> Map<P, ChokeCandidate<P>> index(List<ChokeCandidate<P>> candidates) {
        Map<P, ChokeCandidate<P>> byPeer = new LinkedHashMap<>();
        for (ChokeCandidate<P> c : candidates) {
            if (byPeer.putIfAbsent(c.peer(), c) != null) {
                throw new IllegalArgumentException("peer " + c.peer() + " is a candidate twice");
            }
        }
        return byPeer;
    }

    private void round(long now, Map<P, ChokeCandidate<P>> byPeer, boolean seeding) {
        anyRound = true;
        lastRoundAt = now;
        lastSeeding = seeding;

        Set<P> regularBefore = new HashSet<>(regular);
        P optimisticBefore = optimistic;
        List<ChokeCandidate<P>> ranked = new ArrayList<>();
        for (ChokeCandidate<P> c : byPeer.values()) {
            if (!c.snubbed()) {
                ranked.add(c);
            }
        }
        Collections.shuffle(ranked, random); // random order among equals; the sort below is stable
        Comparator<ChokeCandidate<P>> byRate = Comparator.comparingLong(
                c -> seeding ? c.uploadRateToPeer() : c.downloadRateFromPeer());
        // Among equals: regular peers keep their slots, then the optimistic one, then the others.
        ranked.sort(byRate.reversed().thenComparingInt(
                c -> regularBefore.contains(c.peer()) ? 0 : c.peer().equals(optimisticBefore) ? 1 : 2));

        regular.clear();
        int interested = 0;
        for (ChokeCandidate<P> c : ranked) {
            if (interested == regularSlots()) {
                break;
            }
            regular.add(c.peer());
            if (c.interested()) {
                interested++;
            }
        }

        if (optimistic != null) {
            optimisticRounds++;
        }
        boolean keep = optimistic != null
                && optimisticRounds < OPTIMISTIC_ROUNDS
                && byPeer.containsKey(optimistic)
                && byPeer.get(optimistic).interested()
                && !regular.contains(optimistic);
        if (!keep) {
            pickOptimistic(now, byPeer);
        }
    }

    private void betweenRounds(long now, Map<P, ChokeCandidate<P>> byPeer) {
        regular.removeIf(p -> !byPeer.containsKey(p));
        if (optimistic != null && !byPeer.containsKey(optimistic)) {
            optimistic = null;
            pickOptimistic(now, byPeer);
        }
        int interested = 0;
        for (P p : regular) {
            if (byPeer.get(p).interested()) {
                interested++;
            }
        }
        for (int i = regular.size() - 1; i >= 0 && interested > regularSlots(); i--) {
            if (byPeer.get(regular.get(i)).interested()) {
                regular.remove(i);
                interested--;
            }
        }
        // A regular slot that is free (nobody to fill it at the last round, or its peer left or
        // lost interest) goes at once to an interested peer waiting, rather than idling until the
        // next round; the next round ranks everyone again.
        if (interested < regularSlots()) {
            Set<P> taken = new HashSet<>(regular);
            for (ChokeCandidate<P> c : byPeer.values()) {
                if (interested == regularSlots()) {
                    break;
                }
                if (c.interested() && !c.snubbed() && !taken.contains(c.peer()) && !c.peer().equals(optimistic)) {
                    regular.add(c.peer());
                    interested++;
                }
            }
        }
    }

    /**
     * Replaces the optimistic peer by a random interested peer that is not regular, new peers
     * weighted; the previous one only if there is no other.
     */
    private void pickOptimistic(long now, Map<P, ChokeCandidate<P>> byPeer) {
        P previous = optimistic;
        optimistic = null;
        optimisticRounds = 0;
        List<ChokeCandidate<P>> eligible = new ArrayList<>();
        long totalWeight = 0;
        boolean previousEligible = false;
        Set<P> regularSet = new HashSet<>(regular);
        for (ChokeCandidate<P> c : byPeer.values()) {
            if (!c.interested() || regularSet.contains(c.peer())) {
                continue;
            }
            if (c.peer().equals(previous)) {
                previousEligible = true;
                continue;
            }
            eligible.add(c);
            totalWeight += weight(c, now);
        }
        if (eligible.isEmpty()) {
            optimistic = previousEligible ? previous : null;
            return;
        }
        long r = random.nextLong(totalWeight);
        for (ChokeCandidate<P> c : eligible) {
            r -= weight(c, now);
            if (r < 0) {
                optimistic = c.peer();
                return;
            }
        }
        throw new AssertionError("weighted choice ran past the total");
    }

    private static int weight(ChokeCandidate<?> c, long now) {
        return now - c.connectedAtNanos() < NEW_PEER_NANOS ? NEW_PEER_WEIGHT : 1;
    }

    private int regularSlots() {
        return uploadSlots - 1;
    }
}
