package dev.spate.dht;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class RoutingTableTest {
    static final long MIN = 60_000_000_000L;
    static final NodeId SELF = NodeId.fromHex("00".repeat(20));
    final SplittableRandom random = new SplittableRandom(11);
    int next = 1;

    InetSocketAddress freshAddress() {
        int i = next++;
        try {
            return new InetSocketAddress(InetAddress.getByAddress(new byte[] {30, 0, (byte) (i >>> 8), (byte) i}), 6881);
        } catch (java.net.UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    /** A node whose id has its first bit set: bucket 0 of a table around SELF (all zeros). */
    NodeContact far() {
        byte[] id = NodeId.random(random).bytes();
        id[0] |= (byte) 0x80;
        return new NodeContact(NodeId.of(id), freshAddress());
    }

    NodeContact random() {
        return new NodeContact(NodeId.random(random), freshAddress());
    }

    @Test
    void onlyTheBucketHoldingOurIdSplitsSoFarBucketsHoldEightAndTheTableStaysSmall() {
        RoutingTable t = new RoutingTable(AddressFamily.IPV4, SELF, 0);
        for (int i = 0; i < 5_000; i++) {
            t.answered(random(), false, 0);
        }
        assertThat(t.size()).isLessThanOrEqualTo(NodeId.BITS * RoutingTable.K);
        // With 5,000 random ids the deepest buckets are sparse; the table has about log2(5000/8) + 1.
        assertThat(t.bucketCount()).isBetween(8, 14);
        for (int i = 0; i < t.bucketCount(); i++) {
            RoutingTable.Bucket b = t.buckets().get(i);
            assertThat(b.live).hasSizeLessThanOrEqualTo(RoutingTable.K);
            assertThat(b.replacements).hasSizeLessThanOrEqualTo(RoutingTable.K);
            for (RoutingTable.Entry e : b.live) {
                int cpl = SELF.commonPrefix(e.contact.id());
                if (i < t.bucketCount() - 1) {
                    assertThat(cpl).isEqualTo(i);
                } else {
                    assertThat(cpl).isGreaterThanOrEqualTo(i);
                }
            }
        }
        assertThat(t.buckets().get(0).live).hasSize(RoutingTable.K);
    }

    @Test
    void aFullBucketOfGoodNodesCachesTheNewcomerAndItReplacesANodeThatFailsTwice() {
        RoutingTable t = new RoutingTable(AddressFamily.IPV4, SELF, 0);
        // Fill the table past its first split, so bucket 0 is a far bucket that no longer splits.
        for (int i = 0; i < 200; i++) {
            t.answered(random(), false, 0);
        }
        while (t.buckets().get(0).live.size() < RoutingTable.K) {
            t.answered(far(), false, 0);
        }
        NodeContact victim = t.buckets().get(0).live.get(0).contact;
        NodeContact newcomer = far();
        assertThat(t.answered(newcomer, false, MIN)).isEqualTo(RoutingTable.Outcome.CACHED);
        assertThat(t.contains(newcomer)).isFalse();
        t.failed(victim, MIN);
        assertThat(t.contains(victim)).as("one failure: questionable, kept").isTrue();
        assertThat(RoutingTable.state(t.find(victim), MIN)).isEqualTo(RoutingTable.State.QUESTIONABLE);
        t.failed(victim, MIN);
        assertThat(t.find(victim)).as("bad: evicted").isNull();
        assertThat(t.contains(newcomer)).as("the newest replacement takes its place").isTrue();
    }

    @Test
    void statesFollowBep5() {
        RoutingTable t = new RoutingTable(AddressFamily.IPV4, SELF, 0);
        NodeContact c = random();
        t.answered(c, false, 0);
        RoutingTable.Entry e = t.find(c);
        assertThat(RoutingTable.state(e, 14 * MIN)).isEqualTo(RoutingTable.State.GOOD);
        assertThat(RoutingTable.state(e, 15 * MIN)).isEqualTo(RoutingTable.State.QUESTIONABLE);
        // It answered once; a query from it within 15 minutes keeps it good.
        t.queried(c, 20 * MIN);
        assertThat(RoutingTable.state(e, 30 * MIN)).isEqualTo(RoutingTable.State.GOOD);
        t.answered(c, false, 31 * MIN);
        t.failed(c, 32 * MIN);
        assertThat(RoutingTable.state(e, 32 * MIN)).isEqualTo(RoutingTable.State.QUESTIONABLE);
        t.answered(c, false, 33 * MIN);
        assertThat(RoutingTable.state(e, 33 * MIN)).as("an answer clears the failures").isEqualTo(RoutingTable.State.GOOD);
    }

    @Test
    void aNodeThatOnlyQueriedUsNeverEnters() {
        RoutingTable t = new RoutingTable(AddressFamily.IPV4, SELF, 0);
        NodeContact c = random();
        t.queried(c, 0);
        assertThat(t.size()).isZero();
        assertThat(t.wants(c, 0)).as("but a ping to it would be worth it").isTrue();
    }

    @Test
    void oneEntryPerIpAndNeverOurOwnId() throws Exception {
        RoutingTable t = new RoutingTable(AddressFamily.IPV4, SELF, 0);
        NodeContact first = random();
        assertThat(t.answered(first, false, 0)).isEqualTo(RoutingTable.Outcome.ADDED);
        NodeContact sameIpOtherId = new NodeContact(NodeId.random(random), first.address());
        NodeContact sameIpOtherPort = new NodeContact(NodeId.random(random),
                new InetSocketAddress(first.address().getAddress(), 7000));
        assertThat(t.answered(sameIpOtherId, false, 0)).isEqualTo(RoutingTable.Outcome.REJECTED);
        assertThat(t.answered(sameIpOtherPort, false, 0)).isEqualTo(RoutingTable.Outcome.REJECTED);
        assertThat(t.answered(new NodeContact(SELF, freshAddress()), false, 0)).isEqualTo(RoutingTable.Outcome.REJECTED);
        assertThat(t.answered(new NodeContact(NodeId.random(random),
                new InetSocketAddress(InetAddress.getByName("2001:db8::1"), 1)), false, 0))
                .as("the other family's table").isEqualTo(RoutingTable.Outcome.REJECTED);
        assertThat(t.size()).isEqualTo(1);
        // Once the first is bad, the IP may come back with another id.
        t.failed(first, MIN);
        t.failed(first, MIN);
        assertThat(t.answered(sameIpOtherId, false, MIN)).isEqualTo(RoutingTable.Outcome.ADDED);
    }

    @Test
    void aVerifiedNodeTakesThePlaceOfAnUnverifiedOneInAFullBucket() {
        RoutingTable t = new RoutingTable(AddressFamily.IPV4, SELF, 0);
        // Seven verified far nodes and one unverified; a near node then splits the table, leaving
        // them in bucket 0, full.
        for (int i = 0; i < RoutingTable.K - 1; i++) {
            t.answered(far(), true, 0);
        }
        NodeContact unverified = far();
        t.answered(unverified, false, 0);
        byte[] near = new byte[20];
        near[19] = 1;
        t.answered(new NodeContact(NodeId.of(near), freshAddress()), true, 0);
        RoutingTable.Bucket b0 = t.buckets().get(0);
        assertThat(b0.live).hasSize(RoutingTable.K);
        NodeContact dbg = far();
        assertThat(t.answered(dbg, false, MIN)).isEqualTo(RoutingTable.Outcome.CACHED);
        NodeContact verified = far();
        assertThat(t.answered(verified, true, MIN)).isEqualTo(RoutingTable.Outcome.ADDED);
        assertThat(t.contains(verified)).isTrue();
        assertThat(t.contains(unverified)).isFalse();
        assertThat(b0.replacements).extracting(e -> e.contact).contains(unverified);
    }

    @Test
    void aBucketUntouchedForFifteenMinutesIsRefreshedWithATargetInItsRange() {
        RoutingTable t = new RoutingTable(AddressFamily.IPV4, SELF, 0);
        for (int i = 0; i < 300; i++) {
            t.answered(random(), false, 0);
        }
        assertThat(t.refreshTargets(14 * MIN, 100, random)).isEmpty();
        var targets = t.refreshTargets(15 * MIN, 100, random);
        assertThat(targets).hasSize(t.bucketCount());
        for (int i = 0; i < targets.size(); i++) {
            int cpl = SELF.commonPrefix(targets.get(i));
            if (i < t.bucketCount() - 1) {
                assertThat(cpl).isEqualTo(i);
            } else {
                assertThat(cpl).isGreaterThanOrEqualTo(i);
            }
        }
        assertThat(t.refreshTargets(16 * MIN, 100, random)).as("each refresh restarts its clock").isEmpty();
    }

    @Test
    void questionableNodesArePingedLeastRecentlySeenFirstAndNotAgainWithinAMinute() {
        RoutingTable t = new RoutingTable(AddressFamily.IPV4, SELF, 0);
        NodeContact older = random();
        NodeContact newer = random();
        t.answered(older, false, 0);
        t.answered(newer, false, MIN);
        assertThat(t.toPing(10 * MIN, 4)).isEmpty();
        assertThat(t.toPing(16 * MIN, 4)).containsExactly(older);
        assertThat(t.toPing(16 * MIN + 1, 4)).containsExactly(newer);
        assertThat(t.toPing(16 * MIN + 2, 4)).isEmpty();
        assertThat(t.toPing(17 * MIN, 4)).containsExactly(older);
    }

    @Test
    void closestReturnsTheTrueClosestLiveNodes() {
        RoutingTable t = new RoutingTable(AddressFamily.IPV4, SELF, 0);
        for (int i = 0; i < 2_000; i++) {
            t.answered(random(), false, 0);
        }
        for (int round = 0; round < 50; round++) {
            NodeId target = NodeId.random(random);
            var all = t.entries().stream().filter(e -> t.contains(e.contact)).map(e -> e.contact.id())
                    .sorted(target::compareDistance).limit(8).toList();
            assertThat(t.closest(target, 8, 0).stream().map(NodeContact::id).toList()).isEqualTo(all);
        }
    }

    @Test
    void rekeyingFilesTheNodesUnderTheNewId() {
        RoutingTable t = new RoutingTable(AddressFamily.IPV4, SELF, 0);
        for (int i = 0; i < 300; i++) {
            t.answered(random(), false, 0);
        }
        NodeId other = NodeId.fromHex("ff".repeat(20));
        t.rekey(other, MIN);
        assertThat(t.self()).isEqualTo(other);
        assertThat(t.size()).isGreaterThan(8);
        for (int i = 0; i < t.bucketCount() - 1; i++) {
            for (RoutingTable.Entry e : t.buckets().get(i).live) {
                assertThat(other.commonPrefix(e.contact.id())).isEqualTo(i);
            }
        }
    }
}
