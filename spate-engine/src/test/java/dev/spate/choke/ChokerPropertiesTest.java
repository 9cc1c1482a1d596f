package dev.spate.choke;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/**
 * A swarm that churns: peers come and go, change interest, rates and snubbing, and the loop ticks
 * once a second. The choker's invariants hold after every call.
 */
class ChokerPropertiesTest {
    private static final long S = TimeUnit.SECONDS.toNanos(1);

    @Property(tries = 200)
    void invariants_hold_under_churn(@ForAll long seed, @ForAll @IntRange(min = 1, max = 8) int slots) {
        SplittableRandom swarm = new SplittableRandom(seed);
        Choker<Integer> choker = new Choker<>(slots, new SplittableRandom(seed ^ 0x5eed));
        Map<Integer, ChokeCandidate<Integer>> peers = new HashMap<>();
        int nextPeer = 0;
        boolean seeding = false;
        for (long t = 0; t < 300; t++) {
            long now = t * S;
            if (swarm.nextInt(3) == 0) {
                peers.put(nextPeer, new ChokeCandidate<>(nextPeer, swarm.nextBoolean(), false, swarm.nextInt(100),
                        swarm.nextInt(100), now));
                nextPeer++;
            }
            if (!peers.isEmpty() && swarm.nextInt(4) == 0) {
                List<Integer> keys = new ArrayList<>(peers.keySet());
                peers.remove(keys.get(swarm.nextInt(keys.size())));
            }
            for (Map.Entry<Integer, ChokeCandidate<Integer>> e : peers.entrySet()) {
                if (swarm.nextInt(5) == 0) {
                    ChokeCandidate<Integer> c = e.getValue();
                    e.setValue(new ChokeCandidate<>(c.peer(), swarm.nextInt(3) != 0, swarm.nextInt(6) == 0,
                            swarm.nextInt(100), swarm.nextInt(100), c.connectedAtNanos()));
                }
            }
            if (swarm.nextInt(100) == 0) {
                seeding = !seeding;
            }

            List<ChokeCandidate<Integer>> candidates = new ArrayList<>(peers.values());
            boolean round = choker.isRoundDue(now);
            ChokeDecision<Integer> d = choker.rechoke(now, candidates, seeding);

            assertThat(peers.keySet()).containsAll(d.unchoke());
            Set<Integer> regular = new HashSet<>(d.unchoke());
            d.optimistic().ifPresent(regular::remove);
            long interestedRegular = regular.stream().filter(p -> peers.get(p).interested()).count();
            assertThat(interestedRegular).isLessThanOrEqualTo(slots - 1);
            if (round) {
                long interestedNotSnubbed = candidates.stream().filter(c -> c.interested() && !c.snubbed()).count();
                assertThat(interestedRegular).isEqualTo(Math.min(slots - 1, interestedNotSnubbed));
                assertThat(regular).allSatisfy(p -> assertThat(peers.get(p).snubbed()).isFalse());
                boolean someoneChokedAndInterested = candidates.stream()
                        .anyMatch(c -> c.interested() && !regular.contains(c.peer()));
                assertThat(d.optimistic().isPresent()).isEqualTo(someoneChokedAndInterested);
                d.optimistic().ifPresent(p -> assertThat(peers.get(p).interested()).isTrue());
            }
            assertThat(choker.current()).isEqualTo(d);
        }
    }
}
