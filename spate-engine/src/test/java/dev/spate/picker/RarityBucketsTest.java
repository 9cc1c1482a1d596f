package dev.spate.picker;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

class RarityBucketsTest {

    @Test
    void the_rarest_candidate_is_found_after_availability_changes() {
        RarityBuckets buckets = new RarityBuckets(5);
        for (int piece = 0; piece < 5; piece++) {
            buckets.increment(piece);
            buckets.increment(piece);
        }
        buckets.decrement(3);
        buckets.checkInvariants();

        assertThat(buckets.rarest(p -> true, new Random(1))).isEqualTo(3);
        assertThat(buckets.availability(3)).isEqualTo(1);
    }

    @Test
    void removed_candidates_are_never_returned_and_added_ones_are() {
        RarityBuckets buckets = new RarityBuckets(3);
        buckets.increment(1);
        buckets.increment(2);
        buckets.remove(0);
        buckets.checkInvariants();

        Set<Integer> seen = new HashSet<>();
        Random random = new Random(7);
        for (int i = 0; i < 50; i++) {
            seen.add(buckets.any(p -> true, random));
        }
        assertThat(seen).containsExactlyInAnyOrder(1, 2);

        buckets.add(0);
        buckets.checkInvariants();
        assertThat(buckets.rarest(p -> true, random)).isEqualTo(0);
    }

    @Property(tries = 200)
    void random_operations_keep_the_buckets_sorted_and_the_rarest_minimal(
            @ForAll @IntRange(min = 1, max = 40) int pieces, @ForAll long seed) {
        RarityBuckets buckets = new RarityBuckets(pieces);
        Random random = new Random(seed);
        for (int step = 0; step < 400; step++) {
            int piece = random.nextInt(pieces);
            switch (random.nextInt(4)) {
                case 0 -> buckets.increment(piece);
                case 1 -> {
                    if (buckets.availability(piece) > 0) {
                        buckets.decrement(piece);
                    }
                }
                case 2 -> buckets.remove(piece);
                default -> buckets.add(piece);
            }
            buckets.checkInvariants();
            int rarest = buckets.rarest(p -> p % 2 == 0, random);
            int min = Integer.MAX_VALUE;
            for (int p = 0; p < pieces; p += 2) {
                if (buckets.isCandidate(p)) {
                    min = Math.min(min, buckets.availability(p));
                }
            }
            if (min == Integer.MAX_VALUE) {
                assertThat(rarest).isEqualTo(-1);
            } else {
                assertThat(rarest % 2).isZero();
                assertThat(buckets.isCandidate(rarest)).isTrue();
                assertThat(buckets.availability(rarest)).isEqualTo(min);
            }
        }
    }
}
