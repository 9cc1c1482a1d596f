package dev.spate.choke;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ChokerTest {
    private static final long S = TimeUnit.SECONDS.toNanos(1);
    /** Connection time of peers that are long past being new, relative to a clock starting at 0. */
    private static final long OLD = -TimeUnit.HOURS.toNanos(1);

    private static ChokeCandidate<String> downloader(String peer, long downloadRate) {
        return new ChokeCandidate<>(peer, true, false, downloadRate, 0, OLD);
    }

    private static ChokeCandidate<String> notInterested(String peer, long downloadRate) {
        return new ChokeCandidate<>(peer, false, false, downloadRate, 0, OLD);
    }

    private static ChokeCandidate<String> snubbed(String peer, long downloadRate) {
        return new ChokeCandidate<>(peer, true, true, downloadRate, 0, OLD);
    }

    private static Set<String> regular(ChokeDecision<String> d) {
        Set<String> r = new HashSet<>(d.unchoke());
        d.optimistic().ifPresent(r::remove);
        return r;
    }

    /** Eight interested peers; a0 gives us the most and receives the least, a7 the opposite. */
    private static List<ChokeCandidate<String>> eightPeers() {
        List<ChokeCandidate<String>> peers = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            peers.add(new ChokeCandidate<>("a" + i, true, false, 1000 - 100 * i, 100 * i, OLD));
        }
        return peers;
    }

    @Test
    void while_downloading_the_peers_we_download_fastest_from_get_the_regular_slots() {
        Choker<String> choker = new Choker<>(4, new SplittableRandom(1));

        ChokeDecision<String> d = choker.rechoke(0, eightPeers(), false);

        assertThat(regular(d)).containsExactlyInAnyOrder("a0", "a1", "a2");
        assertThat(d.optimistic()).hasValueSatisfying(p -> assertThat(p).isIn("a3", "a4", "a5", "a6", "a7"));
        assertThat(d.unchoke()).hasSize(4);
    }

    @Test
    void while_seeding_the_peers_we_upload_fastest_to_get_the_regular_slots() {
        Choker<String> choker = new Choker<>(4, new SplittableRandom(1));

        ChokeDecision<String> d = choker.rechoke(0, eightPeers(), true);

        assertThat(regular(d)).containsExactlyInAnyOrder("a7", "a6", "a5");
        assertThat(d.optimistic()).hasValueSatisfying(p -> assertThat(p).isIn("a0", "a1", "a2", "a3", "a4"));
    }

    @Test
    void the_number_of_upload_slots_is_configurable_and_includes_the_optimistic_one() {
        Choker<String> choker = new Choker<>(6, new SplittableRandom(1));

        ChokeDecision<String> d = choker.rechoke(0, eightPeers(), false);

        assertThat(regular(d)).containsExactlyInAnyOrder("a0", "a1", "a2", "a3", "a4");
        assertThat(d.optimistic()).hasValueSatisfying(p -> assertThat(p).isIn("a5", "a6", "a7"));
        assertThat(new Choker<String>(new SplittableRandom(1)).uploadSlots()).isEqualTo(Choker.DEFAULT_UPLOAD_SLOTS);
    }

    @Test
    void peers_that_are_not_interested_take_no_slot_but_are_unchoked_if_they_rank_above_the_last_slot() {
        Choker<String> choker = new Choker<>(4, new SplittableRandom(1));

        ChokeDecision<String> d = choker.rechoke(0, List.of(notInterested("u1", 100), downloader("i1", 90),
                downloader("i2", 80), downloader("i3", 70), downloader("i4", 60), notInterested("u2", 50)), false);

        assertThat(regular(d)).containsExactlyInAnyOrder("u1", "i1", "i2", "i3");
        assertThat(d.optimistic()).contains("i4");
        assertThat(d.isUnchoked("u2")).isFalse();
    }

    @Test
    void when_an_unchoked_peer_becomes_interested_the_worst_uploader_is_choked_before_the_next_round() {
        Choker<String> choker = new Choker<>(4, new SplittableRandom(1));
        choker.rechoke(0, List.of(notInterested("u1", 100), downloader("i1", 90), downloader("i2", 80),
                downloader("i3", 70), downloader("i4", 60), notInterested("u2", 50)), false);

        ChokeDecision<String> d = choker.rechoke(3 * S, List.of(downloader("u1", 100), downloader("i1", 90),
                downloader("i2", 80), downloader("i3", 70), downloader("i4", 60), notInterested("u2", 50)), false);

        assertThat(choker.isRoundDue(3 * S)).isFalse();
        assertThat(regular(d)).containsExactlyInAnyOrder("u1", "i1", "i2");
        assertThat(d.optimistic()).contains("i4");
    }

    @Test
    void a_peer_losing_interest_between_rounds_keeps_its_slot_and_a_waiting_peer_takes_the_freed_one() {
        Choker<String> choker = new Choker<>(4, new SplittableRandom(1));
        ChokeDecision<String> first = choker.rechoke(0, List.of(downloader("i1", 90), downloader("i2", 80),
                downloader("i3", 70), downloader("i4", 60), downloader("i5", 50)), false);
        assertThat(regular(first)).containsExactlyInAnyOrder("i1", "i2", "i3");

        ChokeDecision<String> between = choker.rechoke(5 * S, List.of(notInterested("i1", 90), downloader("i2", 80),
                downloader("i3", 70), downloader("i4", 60), downloader("i5", 50)), false);

        assertThat(between.unchoke()).containsAll(first.unchoke()).hasSize(first.unchoke().size() + 1)
                .contains("i4", "i5");
        assertThat(between.optimistic()).isEqualTo(first.optimistic());
    }

    @Test
    void snubbed_peers_get_no_regular_slot_however_fast_they_were() {
        Choker<String> choker = new Choker<>(4, new SplittableRandom(1));

        ChokeDecision<String> d = choker.rechoke(0, List.of(snubbed("s", 10_000), downloader("a", 300),
                downloader("b", 200), downloader("c", 100), downloader("d", 50)), false);

        assertThat(regular(d)).containsExactlyInAnyOrder("a", "b", "c");
    }

    @Test
    void a_snubbed_peer_can_still_be_the_optimistic_one() {
        Choker<String> choker = new Choker<>(4, new SplittableRandom(1));

        ChokeDecision<String> d = choker.rechoke(0, List.of(snubbed("s", 10_000), downloader("a", 300),
                downloader("b", 200), downloader("c", 100)), false);

        assertThat(regular(d)).containsExactlyInAnyOrder("a", "b", "c");
        assertThat(d.optimistic()).contains("s");
    }

    @Test
    void the_regular_round_happens_every_ten_seconds_and_not_in_between() {
        Choker<String> choker = new Choker<>(4, new SplittableRandom(1));
        assertThat(choker.isRoundDue(0)).isTrue();
        ChokeDecision<String> first = choker.rechoke(0, eightPeers(), false);
        assertThat(regular(first)).containsExactlyInAnyOrder("a0", "a1", "a2");

        // From now on a7, a6 and a5 give us the most; nothing changes until ten seconds have passed.
        List<ChokeCandidate<String>> reversed = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            reversed.add(downloader("a" + i, 100 * i));
        }
        for (long t = 1; t < 10; t++) {
            assertThat(choker.isRoundDue(t * S)).isFalse();
            assertThat(choker.rechoke(t * S, reversed, false)).isEqualTo(first);
        }
        assertThat(choker.isRoundDue(10 * S - 1)).isFalse();
        assertThat(choker.isRoundDue(10 * S)).isTrue();

        ChokeDecision<String> second = choker.rechoke(10 * S, reversed, false);

        assertThat(regular(second)).containsExactlyInAnyOrder("a7", "a6", "a5");
        assertThat(choker.current()).isEqualTo(second);
        assertThat(choker.isRoundDue(11 * S)).isFalse();
        assertThat(choker.isRoundDue(20 * S)).isTrue();
    }

    @Test
    void the_optimistic_unchoke_rotates_every_thirty_seconds_and_visits_every_choked_interested_peer() {
        Choker<String> choker = new Choker<>(4, new SplittableRandom(7));
        List<ChokeCandidate<String>> peers = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            peers.add(downloader("p" + i, i < 3 ? 1000 : 10)); // p0..p2 keep the regular slots
        }
        Set<String> visited = new HashSet<>();
        Optional<String> previous = Optional.empty();
        for (long t = 0; t <= 40 * 30; t++) { // one call a second, forty rotations
            ChokeDecision<String> d = choker.rechoke(t * S, peers, false);
            assertThat(regular(d)).containsExactlyInAnyOrder("p0", "p1", "p2");
            assertThat(d.optimistic()).isPresent();
            if (t % 30 == 0) {
                assertThat(d.optimistic()).isNotEqualTo(previous);
            } else {
                assertThat(d.optimistic()).isEqualTo(previous);
            }
            previous = d.optimistic();
            visited.add(d.optimistic().orElseThrow());
        }
        assertThat(visited).containsExactlyInAnyOrder("p3", "p4", "p5", "p6", "p7", "p8", "p9");
    }

    @Test
    void new_peers_are_three_times_as_likely_to_become_the_optimistic_one() {
        int trials = 3000;
        Map<String, Integer> picked = new HashMap<>();
        for (int seed = 0; seed < trials; seed++) {
            Choker<String> choker = new Choker<>(4, new SplittableRandom(seed));
            long now = TimeUnit.MINUTES.toNanos(10);
            ChokeDecision<String> d = choker.rechoke(now, List.of(downloader("r1", 900), downloader("r2", 800),
                    downloader("r3", 700), downloader("old1", 0), downloader("old2", 0), downloader("old3", 0),
                    new ChokeCandidate<>("new", true, false, 0, 0, now - 20 * S)), false);
            picked.merge(d.optimistic().orElseThrow(), 1, Integer::sum);
        }
        // Weights 3 : 1 : 1 : 1, so the new peer is picked half the time and each old one a sixth.
        assertThat(picked.get("new") / (double) trials).isBetween(0.46, 0.54);
        for (String old : List.of("old1", "old2", "old3")) {
            assertThat(picked.get(old) / (double) trials).isBetween(0.13, 0.21);
        }
    }

    @Test
    void a_peer_stops_being_new_after_a_minute() {
        int trials = 2000;
        int newPicked = 0;
        for (int seed = 0; seed < trials; seed++) {
            Choker<String> choker = new Choker<>(2, new SplittableRandom(seed));
            long now = TimeUnit.MINUTES.toNanos(10);
            ChokeDecision<String> d = choker.rechoke(now, List.of(downloader("r", 900), downloader("old", 0),
                    new ChokeCandidate<>("aged", true, false, 0, 0, now - Choker.NEW_PEER_NANOS)), false);
            if (d.optimistic().orElseThrow().equals("aged")) {
                newPicked++;
            }
        }
        assertThat(newPicked / (double) trials).isBetween(0.45, 0.55);
    }

    @Test
    void the_optimistic_peer_that_earns_a_regular_slot_counts_as_regular_and_another_is_picked() {
        Choker<String> choker = new Choker<>(4, new SplittableRandom(3));
        List<ChokeCandidate<String>> peers = List.of(downloader("a", 300), downloader("b", 200),
                downloader("c", 100), downloader("x", 0), downloader("y", 0));
        String optimistic = choker.rechoke(0, peers, false).optimistic().orElseThrow();
        String other = optimistic.equals("x") ? "y" : "x";

        List<ChokeCandidate<String>> later = new ArrayList<>();
        for (ChokeCandidate<String> c : peers) {
            later.add(c.peer().equals(optimistic) ? downloader(optimistic, 10_000) : c);
        }
        ChokeDecision<String> d = choker.rechoke(10 * S, later, false);

        assertThat(regular(d)).containsExactlyInAnyOrder(optimistic, "a", "b");
        assertThat(d.optimistic().orElseThrow()).isIn("c", other);
    }

    @Test
    void an_optimistic_peer_that_lost_interest_is_replaced_at_the_next_round() {
        Choker<String> choker = new Choker<>(2, new SplittableRandom(3));
        choker.rechoke(0, List.of(downloader("a", 300), downloader("x", 0)), false);

        ChokeDecision<String> d = choker.rechoke(10 * S,
                List.of(downloader("a", 300), notInterested("x", 0), downloader("y", 0)), false);

        assertThat(d.optimistic()).contains("y");
    }

    @Test
    void a_peer_that_leaves_is_dropped_and_an_optimistic_one_is_replaced_at_once() {
        Choker<String> choker = new Choker<>(3, new SplittableRandom(5));
        ChokeDecision<String> first = choker.rechoke(0, List.of(downloader("a", 300), downloader("b", 200),
                downloader("x", 0), downloader("y", 0)), false);
        String optimistic = first.optimistic().orElseThrow();
        String other = optimistic.equals("x") ? "y" : "x";

        // a's regular slot goes at once to the interested peer that was waiting
        ChokeDecision<String> afterA = choker.rechoke(2 * S, List.of(downloader("b", 200),
                downloader("x", 0), downloader("y", 0)), false);
        assertThat(afterA.unchoke()).containsExactlyInAnyOrder("b", optimistic, other);
        assertThat(afterA.optimistic()).contains(optimistic);

        // the optimistic peer left and nobody is left waiting: no optimistic peer
        ChokeDecision<String> afterOptimistic = choker.rechoke(4 * S, List.of(downloader("b", 200),
                downloader(other, 0)), false);
        assertThat(afterOptimistic.unchoke()).containsExactlyInAnyOrder("b", other);
        assertThat(afterOptimistic.optimistic()).isEmpty();

        assertThat(choker.rechoke(5 * S, List.of(), false)).isEqualTo(ChokeDecision.none());
    }

    @Test
    void with_fewer_interested_peers_than_slots_all_of_them_are_unchoked() {
        Choker<String> three = new Choker<>(4, new SplittableRandom(1));
        ChokeDecision<String> d3 = three.rechoke(0, List.of(downloader("a", 0), downloader("b", 5),
                downloader("c", 0), notInterested("u", 0)), false);
        assertThat(d3.unchoke()).contains("a", "b", "c");
        assertThat(d3.optimistic()).isEmpty();

        Choker<String> four = new Choker<>(4, new SplittableRandom(1));
        ChokeDecision<String> d4 = four.rechoke(0, List.of(downloader("a", 0), downloader("b", 5),
                downloader("c", 0), downloader("d", 0)), false);
        assertThat(d4.unchoke()).containsExactlyInAnyOrder("a", "b", "c", "d");
        assertThat(d4.optimistic()).isPresent();
    }

    @Test
    void switching_to_seeding_reranks_at_once() {
        Choker<String> choker = new Choker<>(4, new SplittableRandom(1));
        choker.rechoke(0, eightPeers(), false);

        ChokeDecision<String> d = choker.rechoke(2 * S, eightPeers(), true);

        assertThat(regular(d)).containsExactlyInAnyOrder("a7", "a6", "a5");
    }

    @Test
    void on_equal_rates_the_peers_already_unchoked_keep_their_slots() {
        for (int seed = 0; seed < 50; seed++) {
            Choker<String> choker = new Choker<>(4, new SplittableRandom(seed));
            List<ChokeCandidate<String>> peers = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                peers.add(downloader("p" + i, 0));
            }
            Set<String> first = regular(choker.rechoke(0, peers, false));
            Set<String> second = regular(choker.rechoke(10 * S, peers, false));

            assertThat(first).hasSize(3);
            assertThat(second).isEqualTo(first);
        }
    }

    @Test
    void equal_rates_are_broken_at_random_not_by_list_order() {
        Set<Set<String>> firstRounds = new HashSet<>();
        for (int seed = 0; seed < 50; seed++) {
            Choker<String> choker = new Choker<>(4, new SplittableRandom(seed));
            List<ChokeCandidate<String>> peers = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                peers.add(downloader("p" + i, 0));
            }
            firstRounds.add(regular(choker.rechoke(0, peers, false)));
        }
        assertThat(firstRounds.size()).isGreaterThan(10);
    }

    @Test
    void the_same_seed_gives_the_same_decisions() {
        List<ChokeDecision<String>> a = new ArrayList<>();
        List<ChokeDecision<String>> b = new ArrayList<>();
        Choker<String> ca = new Choker<>(4, new SplittableRandom(42));
        Choker<String> cb = new Choker<>(4, new SplittableRandom(42));
        for (long t = 0; t < 200; t += 10) {
            a.add(ca.rechoke(t * S, eightPeers(), false));
            b.add(cb.rechoke(t * S, eightPeers(), false));
        }
        assertThat(a).isEqualTo(b);
    }

    @Test
    void a_peer_listed_twice_or_fewer_than_one_slot_is_rejected() {
        Choker<String> choker = new Choker<>(4, new SplittableRandom(1));
        assertThatThrownBy(() -> choker.rechoke(0, List.of(downloader("a", 1), downloader("a", 2)), false))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("peer a is a candidate twice");
        assertThatThrownBy(() -> new Choker<String>(0, new SplittableRandom(1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("uploadSlots must be at least 1");
        assertThatThrownBy(() -> new ChokeCandidate<>("a", true, false, -1, 0, 0))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new ChokeDecision<>(Set.of("a"), Optional.of("b")))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
