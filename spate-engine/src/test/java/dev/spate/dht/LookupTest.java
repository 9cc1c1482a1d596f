package dev.spate.dht;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class LookupTest {
    final SplittableRandom random = new SplittableRandom(9);
    final NodeId self = NodeId.random(random);
    final NodeId target = NodeId.random(random);
    int next = 1;

    NodeContact contact() {
        int i = next++;
        try {
            return new NodeContact(NodeId.random(random),
                    new InetSocketAddress(InetAddress.getByAddress(new byte[] {30, 1, (byte) (i >>> 8), (byte) i}), 6881));
        } catch (java.net.UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    Lookup lookup(int alpha, boolean enforce) {
        return new Lookup(Lookup.Kind.FIND_NODE, target, AddressFamily.IPV4, 8, alpha, enforce, self);
    }

    @Test
    void atMostAlphaQueriesAreInFlightAndTheClosestAreAskedFirst() {
        Lookup l = lookup(3, false);
        List<NodeContact> seeds = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            seeds.add(contact());
            l.add(seeds.get(i), 0);
        }
        seeds.sort((a, b) -> target.compareDistance(a.id(), b.id()));
        List<Lookup.Candidate> first = l.next();
        assertThat(first).extracting(c -> c.contact).containsExactlyElementsOf(seeds.subList(0, 3));
        assertThat(l.next()).as("all three slots taken").isEmpty();
        l.answered(first.get(0), List.of(), List.of(), null);
        assertThat(l.next()).extracting(c -> c.contact).containsExactly(seeds.get(3));
    }

    @Test
    void theLookupEndsWhenTheClosestEightHaveAnsweredAndFailuresAreSkipped() {
        Lookup l = lookup(5, false);
        List<NodeContact> seeds = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            seeds.add(contact());
            l.add(seeds.get(i), 0);
        }
        seeds.sort((a, b) -> target.compareDistance(a.id(), b.id()));
        List<NodeContact> answered = new ArrayList<>();
        boolean failedOne = false;
        while (!l.finished()) {
            List<Lookup.Candidate> batch = l.next();
            for (Lookup.Candidate c : batch) {
                if (!failedOne && c.contact.equals(seeds.get(0))) {
                    l.failed(c); // the closest never answers
                    failedOne = true;
                } else {
                    l.answered(c, List.of(), List.of(), null);
                    answered.add(c.contact);
                }
            }
            if (batch.isEmpty()) {
                l.next();
            }
        }
        assertThat(l.closestAnswered()).extracting(c -> c.contact).containsExactlyElementsOf(seeds.subList(1, 9));
        assertThat(l.messages()).isEqualTo(9);
        assertThat(answered).doesNotContainAnyElementsOf(seeds.subList(9, 12));
    }

    @Test
    void aCandidateThatTimesOutIsAskedOnceMoreThenCountsAsFailed() {
        Lookup l = lookup(3, false);
        NodeContact c = contact();
        l.add(c, 0);
        Lookup.Candidate first = l.next().get(0);
        l.timedOut(first);
        assertThat(l.next()).extracting(x -> x.contact).containsExactly(c);
        l.timedOut(first);
        assertThat(l.next()).isEmpty();
        assertThat(l.finished()).isTrue();
        assertThat(l.messages()).isEqualTo(2);
    }

    @Test
    void roundsCountTheLongestChainOfAnswers() {
        Lookup l = lookup(3, false);
        NodeContact seed = contact();
        l.add(seed, 0);
        Lookup.Candidate c = l.next().get(0);
        assertThat(l.rounds()).isEqualTo(1);
        // Each answer names one node closer than everything so far.
        for (int hop = 1; hop <= 4; hop++) {
            byte[] id = target.bytes();
            id[19 - hop] ^= 1;
            NodeContact closer = new NodeContact(NodeId.of(id), contact().address());
            l.answered(c, List.of(closer), List.of(), null);
            c = l.next().get(0);
            assertThat(c.contact).isEqualTo(closer);
            assertThat(l.rounds()).isEqualTo(hop + 1);
        }
    }

    @Test
    void ourOwnIdTheOtherFamilyAndDuplicatesAreNotCandidatesAndTheListIsBounded() throws Exception {
        Lookup l = lookup(3, false);
        l.add(new NodeContact(self, contact().address()), 0);
        l.add(new NodeContact(NodeId.random(random), new InetSocketAddress(InetAddress.getByName("2001:db8::1"), 1)), 0);
        NodeContact c = contact();
        l.add(c, 0);
        l.add(new NodeContact(NodeId.random(random), c.address()), 0);
        assertThat(l.next()).extracting(x -> x.contact).containsExactly(c);
        Lookup big = lookup(3, false);
        for (int i = 0; i < 500; i++) {
            big.add(contact(), 0);
        }
        int asked = 0;
        while (!big.finished()) {
            List<Lookup.Candidate> batch = big.next();
            for (Lookup.Candidate x : batch) {
                big.failed(x);
                asked++;
            }
            if (batch.isEmpty()) {
                big.next();
            }
        }
        assertThat(asked).isEqualTo(Lookup.MAX_CANDIDATES);
    }

    @Test
    void whenEnforcingBep42UnverifiedAnswersDoNotEndTheLookup() throws Exception {
        Lookup l = lookup(8, true);
        // Public addresses with random ids: unverified; one node with a BEP 42 id: verified.
        InetAddress ip = InetAddress.getByName("99.1.2.3");
        NodeContact verified = new NodeContact(SecureIds.generate(ip, random), new InetSocketAddress(ip, 1));
        List<NodeContact> unverified = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            unverified.add(new NodeContact(NodeId.random(random),
                    new InetSocketAddress(InetAddress.getByName("98.1.2." + i), 1)));
            l.add(unverified.get(i), 0);
        }
        l.add(verified, 0);
        while (!l.finished()) {
            List<Lookup.Candidate> batch = l.next();
            for (Lookup.Candidate c : batch) {
                l.answered(c, List.of(), List.of(), new byte[] {1});
            }
            if (batch.isEmpty()) {
                l.next();
            }
        }
        assertThat(l.messages()).as("all asked: the unverified did not count").isEqualTo(11);
        assertThat(l.closestAnswered()).extracting(c -> c.contact).containsExactly(verified);
        assertThat(l.announceTargets()).extracting(c -> c.contact).containsExactly(verified);
    }
}
