package dev.spate.tracker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spate.core.InfoHash;
import dev.spate.core.PeerId;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class TrackerTiersTest {
    static final AnnounceRequest REQUEST = AnnounceRequest.of(InfoHash.fromHex("00".repeat(20)), PeerId.random(),
            6881, 0, 0, 10, AnnounceRequest.Event.NONE, 1);
    static final AnnounceResponse ANSWER = new AnnounceResponse(Duration.ofMinutes(30), Optional.empty(), List.of(),
            OptionalInt.empty(), OptionalInt.empty(), Optional.empty(), Optional.empty());

    final AtomicLong now = new AtomicLong(1_000);
    final List<String> asked = new ArrayList<>();
    final Set<String> down = new HashSet<>();

    TrackerTiers tiers(List<List<String>> urls, Random random) {
        return new TrackerTiers(urls, random, now::get, (url, r) -> {
            asked.add(url);
            if (down.contains(url)) {
                throw new TrackerException("no answer from " + url);
            }
            return ANSWER;
        });
    }

    static List<String> order(TrackerTiers t) {
        return t.statuses().stream().map(TrackerTiers.TrackerStatus::url).toList();
    }

    /** A Random whose shuffle keeps the order: every nextInt(bound) answers bound - 1. */
    static Random identity() {
        return new Random() {
            @Override
            public int nextInt(int bound) {
                return bound - 1;
            }
        };
    }

    @Test
    void tiersAreAskedInOrderAndTheFirstAnswerEndsTheAnnounce() throws Exception {
        TrackerTiers t = tiers(List.of(List.of("a"), List.of("b"), List.of("c")), new Random(1));
        down.add("a");
        TrackerTiers.Answer answer = t.announce(REQUEST);
        assertThat(answer.url()).isEqualTo("b");
        assertThat(answer.response()).isSameAs(ANSWER);
        assertThat(asked).containsExactly("a", "b");
        assertThat(t.statuses()).extracting(TrackerTiers.TrackerStatus::lastOutcome).containsExactly(
                new TrackerTiers.Failed("no answer from a"), new TrackerTiers.Working(0), new TrackerTiers.NotContacted());
    }

    @Test
    void eachTierIsShuffledOnceWithTheGivenRandomAndTiersStayApart() {
        List<String> tier0 = List.of("a1", "a2", "a3", "a4", "a5", "a6");
        List<String> tier1 = List.of("b1", "b2", "b3", "b4", "b5", "b6");
        Set<List<String>> orders = new HashSet<>();
        for (long seed = 0; seed < 10; seed++) {
            List<String> order = order(tiers(List.of(tier0, tier1), new Random(seed)));
            assertThat(order.subList(0, 6)).containsExactlyInAnyOrderElementsOf(tier0);
            assertThat(order.subList(6, 12)).containsExactlyInAnyOrderElementsOf(tier1);
            assertThat(order(tiers(List.of(tier0, tier1), new Random(seed)))).as("same seed, same order")
                    .isEqualTo(order);
            orders.add(order);
        }
        assertThat(orders).as("different seeds shuffle differently").hasSizeGreaterThan(5);
    }

    @Test
    void theTrackerThatAnsweredMovesToTheFrontOfItsTier() throws Exception {
        TrackerTiers t = tiers(List.of(List.of("a", "b", "c"), List.of("d")), identity());
        assertThat(order(t)).containsExactly("a", "b", "c", "d");
        down.addAll(List.of("a", "b"));
        assertThat(t.announce(REQUEST).url()).isEqualTo("c");
        assertThat(order(t)).containsExactly("c", "a", "b", "d");
        asked.clear();
        down.clear();
        t.announce(REQUEST);
        assertThat(asked).as("the tracker that answered is asked first").containsExactly("c");
    }

    @Test
    void whenEveryTrackerFailsTheErrorNamesEachAndAllBackOff() {
        TrackerTiers t = tiers(List.of(List.of("a"), List.of("b")), identity());
        down.addAll(List.of("a", "b"));
        assertThatThrownBy(() -> t.announce(REQUEST)).isInstanceOf(TrackerException.class)
                .hasMessage("no tracker answered: a: no answer from a; b: no answer from b");
        assertThat(t.statuses()).allSatisfy(s -> {
            assertThat(s.lastOutcome()).isInstanceOf(TrackerTiers.Failed.class);
            assertThat(s.nextAnnounceNanos()).isEqualTo(OptionalLong.of(1_000 + Duration.ofSeconds(15).toNanos()));
        });
        assertThat(t.isDue()).isFalse();
        now.addAndGet(Duration.ofSeconds(15).toNanos());
        assertThat(t.isDue()).isTrue();
    }

    @Test
    void theNextAnnounceIsDueAfterTheAnsweringTrackersInterval() throws Exception {
        TrackerTiers t = tiers(List.of(List.of("a")), identity());
        assertThat(t.isDue()).as("due at once").isTrue();
        assertThat(t.statuses().get(0).nextAnnounceNanos()).isEmpty();
        t.announce(REQUEST);
        assertThat(t.nextAnnounceNanos()).isEqualTo(1_000 + Duration.ofMinutes(30).toNanos());
        assertThat(t.statuses().get(0).nextAnnounceNanos()).hasValue(1_000 + Duration.ofMinutes(30).toNanos());
        assertThat(t.isDue()).isFalse();
    }

    @Test
    void aTrackerIdFromAnAnswerIsSentBackToThatTracker() throws Exception {
        List<Optional<String>> sent = new ArrayList<>();
        TrackerTiers t = new TrackerTiers(List.of(List.of("a")), identity(), now::get, (url, r) -> {
            sent.add(r.trackerId());
            return new AnnounceResponse(Duration.ofMinutes(1), Optional.empty(), List.of(), OptionalInt.empty(),
                    OptionalInt.empty(), Optional.of("T1"), Optional.empty());
        });
        t.announce(REQUEST);
        t.announce(REQUEST);
        assertThat(sent).containsExactly(Optional.empty(), Optional.of("T1"));
    }

    @Test
    void anUnsupportedSchemeIsSkippedWithItsErrorRecorded() throws Exception {
        try (TestHttpServer server = new TestHttpServer(x -> TestHttpServer.ok("d8:intervali60e5:peers0:e"))) {
            TrackerTiers t = new TrackerTiers(List.of(List.of("wss://t.example/announce"),
                    List.of(server.url("/announce"))), HttpTrackerTest.FAST, new Random(3));
            assertThat(t.announce(REQUEST).url()).isEqualTo(server.url("/announce"));
            assertThat(t.statuses().get(0).lastOutcome()).isEqualTo(
                    new TrackerTiers.Failed("unsupported tracker scheme 'wss' in wss://t.example/announce"));
        }
    }

    /** An endpoint that holds every announce to {@code hanging} until {@code release}, like a dead tracker. */
    final class Hanging implements TrackerTiers.Endpoint {
        final String hanging;
        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);

        Hanging(String hanging) {
            this.hanging = hanging;
        }

        @Override
        public AnnounceResponse announce(String url, AnnounceRequest request) throws TrackerException {
            asked.add(url);
            if (down.contains(url)) {
                throw new TrackerException("no answer from " + url);
            }
            if (url.equals(hanging)) {
                entered.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt(); // as HttpTracker does
                    throw new TrackerException("interrupted while asking " + url, e);
                }
                throw new TrackerException("no answer from " + url + " within 15 s");
            }
            return ANSWER;
        }
    }

    /** Runs {@code call} on another thread and fails unless it returns within 1 s (the announce hangs for good). */
    static <T> T atOnce(String what, Supplier<T> call) throws Exception {
        CompletableFuture<T> f = CompletableFuture.supplyAsync(call, r -> Thread.ofVirtual().start(r));
        try {
            return f.get(1, TimeUnit.SECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new AssertionError(what + " waited for the announce in flight", e);
        }
    }

    @Test
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void whileAnAnnounceHangsTheScheduleAndTheStatusesAnswerAtOnce() throws Exception {
        Hanging endpoint = new Hanging("b");
        TrackerTiers t = new TrackerTiers(List.of(List.of("a"), List.of("b"), List.of("c")), identity(), now::get,
                endpoint);
        down.add("a");
        CompletableFuture<TrackerTiers.Answer> announce = CompletableFuture.supplyAsync(() -> {
            try {
                return t.announce(REQUEST);
            } catch (TrackerException e) {
                throw new IllegalStateException(e);
            }
        }, r -> Thread.ofVirtual().start(r));
        try {
            assertThat(endpoint.entered.await(5, TimeUnit.SECONDS)).isTrue();
            assertThat(atOnce("isDue", t::isDue)).as("nothing has answered yet: still due").isTrue();
            assertThat(atOnce("nextAnnounceNanos", t::nextAnnounceNanos)).isEqualTo(1_000L);
            List<TrackerTiers.TrackerStatus> statuses = atOnce("statuses", t::statuses);
            assertThat(statuses).extracting(TrackerTiers.TrackerStatus::lastOutcome).as("a's failure shows while b is asked")
                    .containsExactly(new TrackerTiers.Failed("no answer from a"), new TrackerTiers.NotContacted(),
                            new TrackerTiers.NotContacted());
        } finally {
            endpoint.release.countDown();
        }
        assertThat(announce.get(5, TimeUnit.SECONDS).url()).isEqualTo("c");
        assertThat(asked).containsExactly("a", "b", "c");
        assertThat(t.isDue()).isFalse();
        assertThat(t.nextAnnounceNanos()).isEqualTo(1_000 + Duration.ofMinutes(30).toNanos());
    }

    @Test
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void aSecondAnnounceWhileOneIsInFlightIsRefusedRatherThanQueued() throws Exception {
        Hanging endpoint = new Hanging("a");
        TrackerTiers t = new TrackerTiers(List.of(List.of("a")), identity(), now::get, endpoint);
        Thread first = Thread.ofVirtual().start(() -> {
            try {
                t.announce(REQUEST);
            } catch (TrackerException expected) {
                // released with "no answer"
            }
        });
        try {
            assertThat(endpoint.entered.await(5, TimeUnit.SECONDS)).isTrue();
            assertThatThrownBy(() -> atOnce("a second announce", () -> {
                try {
                    return t.announce(REQUEST);
                } catch (TrackerException e) {
                    throw new IllegalStateException(e);
                }
            })).hasRootCauseInstanceOf(IllegalStateException.class)
                    .hasRootCauseMessage("an announce is already in flight on these trackers");
        } finally {
            endpoint.release.countDown();
            first.join();
        }
    }

    @Test
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void anInterruptedAnnounceStopsAtOnceAndCountsAgainstNoTracker() throws Exception {
        Hanging endpoint = new Hanging("a");
        TrackerTiers t = new TrackerTiers(List.of(List.of("a"), List.of("b")), identity(), now::get, endpoint);
        CompletableFuture<Throwable> failure = new CompletableFuture<>();
        Thread announcing = Thread.ofVirtual().start(() -> {
            try {
                t.announce(REQUEST);
                failure.complete(null);
            } catch (TrackerException e) {
                failure.complete(e);
            }
        });
        assertThat(endpoint.entered.await(5, TimeUnit.SECONDS)).isTrue();
        announcing.interrupt();
        assertThat(failure.get(5, TimeUnit.SECONDS)).isInstanceOf(TrackerException.class)
                .hasMessage("announce interrupted");
        assertThat(asked).as("b is not asked once the announce is interrupted").containsExactly("a");
        assertThat(t.statuses()).extracting(TrackerTiers.TrackerStatus::lastOutcome)
                .containsExactly(new TrackerTiers.NotContacted(), new TrackerTiers.NotContacted());
        assertThat(t.isDue()).as("no back-off for an announce we gave up ourselves").isTrue();
    }
}
