package dev.spate.wire;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spate.core.InfoHash;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 20, unit = TimeUnit.SECONDS)
class MetadataFetchTest {
    /** Six pieces, the last 1000 bytes. */
    static final byte[] METADATA = random(5 * 16384 + 1000, 1);
    static final long SIZE = METADATA.length;
    static final InfoHash HASH = InfoHash.of(sha1(METADATA));
    static final long SECOND = 1_000_000_000L;

    static byte[] random(int length, long seed) {
        byte[] b = new byte[length];
        new Random(seed).nextBytes(b);
        return b;
    }

    static byte[] sha1(byte[] b) {
        try {
            return MessageDigest.getInstance("SHA-1").digest(b);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    /** A peer that serves {@code metadata} truthfully. */
    static Function<MetadataMessage.Request, Optional<MetadataMessage>> serving(byte[] metadata) {
        return r -> Optional.of(MetadataMessage.answer(r, metadata, false));
    }

    static final Function<MetadataMessage.Request, Optional<MetadataMessage>> HONEST = serving(METADATA);
    /** Right size, wrong bytes. */
    static final Function<MetadataMessage.Request, Optional<MetadataMessage>> GARBAGE = serving(random(METADATA.length, 2));
    static final Function<MetadataMessage.Request, Optional<MetadataMessage>> REJECTING =
            r -> Optional.of(new MetadataMessage.Reject(r.piece()));
    static final Function<MetadataMessage.Request, Optional<MetadataMessage>> SILENT = r -> Optional.empty();

    /**
     * A simulated swarm: each round asks the fetch for its requests and answers each at once as the
     * peer's behaviour says; time moves 100 ms a round and expired requests are penalized.
     */
    static final class Swarm {
        final MetadataFetch<String> fetch;
        final Map<String, Function<MetadataMessage.Request, Optional<MetadataMessage>>> peers = new LinkedHashMap<>();
        final List<MetadataFetch.Penalty<String>> penalties = new ArrayList<>();
        final Map<String, Integer> asked = new HashMap<>();
        long now = 1000 * SECOND;
        byte[] result;

        Swarm(MetadataFetch.Config config) {
            fetch = new MetadataFetch<>(HASH, config);
        }

        Swarm() {
            this(MetadataFetch.Config.DEFAULTS);
        }

        Optional<String> add(String peer, OptionalLong size, Function<MetadataMessage.Request, Optional<MetadataMessage>> b) {
            peers.put(peer, b);
            return fetch.addPeer(peer, size);
        }

        Optional<String> add(String peer, Function<MetadataMessage.Request, Optional<MetadataMessage>> b) {
            return add(peer, OptionalLong.of(SIZE), b);
        }

        /** Runs until the metadata verifies or {@code rounds} pass; true if it verified. */
        boolean run(int rounds) {
            for (int i = 0; i < rounds && result == null; i++) {
                for (MetadataFetch.Ask<String> ask : fetch.requests(now)) {
                    asked.merge(ask.peer(), 1, Integer::sum);
                    Optional<MetadataMessage> answer = peers.get(ask.peer()).apply(ask.request());
                    if (answer.isPresent()) {
                        deliver(ask.peer(), answer.get());
                    }
                }
                now += SECOND / 10;
                penalties.addAll(fetch.expire(now));
            }
            return result != null;
        }

        void deliver(String peer, MetadataMessage message) {
            MetadataFetch.Outcome<String> outcome = fetch.receive(peer, message, now);
            penalties.addAll(outcome.penalties());
            outcome.metadata().ifPresent(m -> {
                assertThat(result).as("the metadata comes once").isNull();
                result = m;
            });
        }

        List<String> penalized() {
            return penalties.stream().map(MetadataFetch.Penalty::peer).distinct().toList();
        }

        List<String> reasons(String peer) {
            return penalties.stream().filter(p -> p.peer().equals(peer)).map(MetadataFetch.Penalty::reason).toList();
        }
    }

    @Test
    void anHonestPeerGivesTheWholeMetadataFourRequestsAtATime() {
        MetadataFetch<String> fetch = new MetadataFetch<>(HASH);
        assertThat(fetch.addPeer("a", OptionalLong.of(SIZE))).isEmpty();
        long now = 0;
        List<MetadataFetch.Ask<String>> asks = fetch.requests(now);
        assertThat(asks).extracting(a -> a.request().piece()).containsExactly(0, 1, 2, 3);
        assertThat(fetch.requests(now)).as("nothing more while four are outstanding").isEmpty();
        for (MetadataFetch.Ask<String> ask : asks) {
            assertThat(fetch.receive("a", MetadataMessage.answer(ask.request(), METADATA, false), now).metadata()).isEmpty();
        }
        assertThat(fetch.progress()).isEqualTo(new MetadataFetch.Progress(OptionalLong.of(SIZE), 6, 4));
        asks = fetch.requests(now);
        assertThat(asks).extracting(a -> a.request().piece()).containsExactly(4, 5);
        fetch.receive("a", MetadataMessage.answer(asks.get(0).request(), METADATA, false), now);
        MetadataFetch.Outcome<String> last = fetch.receive("a", MetadataMessage.answer(asks.get(1).request(), METADATA, false), now);
        assertThat(last.metadata()).hasValueSatisfying(m -> assertThat(m).isEqualTo(METADATA));
        assertThat(last.penalties()).isEmpty();
        assertThat(fetch.done()).isTrue();
        assertThat(fetch.metadata()).hasValueSatisfying(m -> assertThat(m).isEqualTo(METADATA));
        assertThat(fetch.requests(now)).isEmpty();
        assertThat(fetch.receive("a", new MetadataMessage.Reject(0), now).penalties()).isEmpty();
    }

    @Test
    void requestsAreSpreadOverPeersEachPieceAtMostOncePerPeerAndTwiceInAll() {
        MetadataFetch<String> fetch = new MetadataFetch<>(HASH);
        for (String p : List.of("a", "b", "c", "d")) {
            fetch.addPeer(p, OptionalLong.of(SIZE));
        }
        List<MetadataFetch.Ask<String>> asks = fetch.requests(0);
        Map<String, List<Integer>> byPeer = new LinkedHashMap<>();
        int[] perPiece = new int[6];
        for (MetadataFetch.Ask<String> ask : asks) {
            byPeer.computeIfAbsent(ask.peer(), k -> new ArrayList<>()).add(ask.request().piece());
            perPiece[ask.request().piece()]++;
        }
        byPeer.values().forEach(pieces -> {
            assertThat(pieces).hasSizeLessThanOrEqualTo(4).doesNotHaveDuplicates();
        });
        assertThat(Arrays.stream(perPiece).boxed().toList()).allSatisfy(n -> assertThat(n).isBetween(1, 2));
        // Every piece is asked of someone before any is asked of a second peer.
        assertThat(asks.subList(0, 6)).extracting(a -> a.request().piece()).containsExactlyInAnyOrder(0, 1, 2, 3, 4, 5);
    }

    @Test
    void aPeerWithoutMetadataSizeIsAskedForPieceZeroToLearnItsSize() {
        MetadataFetch<String> fetch = new MetadataFetch<>(HASH);
        fetch.addPeer("a", OptionalLong.empty());
        assertThat(fetch.requests(0)).containsExactly(new MetadataFetch.Ask<>("a", new MetadataMessage.Request(0)));
        assertThat(fetch.requests(0)).isEmpty();
        fetch.receive("a", MetadataMessage.answer(new MetadataMessage.Request(0), METADATA, false), 0);
        assertThat(fetch.progress()).isEqualTo(new MetadataFetch.Progress(OptionalLong.of(SIZE), 6, 1));
        assertThat(fetch.requests(0)).extracting(a -> a.request().piece()).containsExactly(1, 2, 3, 4);
    }

    @Test
    void aLiarWhoGaveMostPiecesIsTriedAloneFirstFailsAndIsPenalizedThenTheHonestPeerWins() {
        Swarm swarm = new Swarm();
        swarm.add("liar", GARBAGE);
        swarm.add("honest", HONEST);
        assertThat(swarm.run(100)).isTrue();
        assertThat(swarm.result).isEqualTo(METADATA);
        assertThat(swarm.penalized()).containsExactly("liar");
        assertThat(swarm.reasons("liar")).containsExactly("metadata of 82920 bytes with its pieces fails the info-hash");
    }

    @Test
    void aLiarWhosePiecesWereOutvotedIsCaughtOnceTheHonestMetadataVerifies() {
        Swarm swarm = new Swarm();
        swarm.add("honest", HONEST);
        swarm.add("liar", GARBAGE);
        assertThat(swarm.run(100)).isTrue();
        assertThat(swarm.result).isEqualTo(METADATA);
        assertThat(swarm.penalized()).containsExactly("liar");
        assertThat(swarm.reasons("liar")).hasSize(1).allSatisfy(r ->
                assertThat(r).matches("sent metadata piece \\d that differs from the verified metadata"));
    }

    @Test
    void aLiarThatCorruptsOnePieceOnlyIsCaughtToo() {
        byte[] almost = METADATA.clone();
        almost[16384 + 7] ^= 1; // piece 1, one of those it is asked for first
        Swarm swarm = new Swarm();
        swarm.add("subtle", serving(almost));
        swarm.add("honest", HONEST);
        assertThat(swarm.run(100)).isTrue();
        assertThat(swarm.result).isEqualTo(METADATA);
        assertThat(swarm.penalized()).containsExactly("subtle");
    }

    @Test
    void aTotalSizeThatDisagreesWithThePeersOwnClaimPenalizesAtOnce() {
        byte[] other = random(3 * 16384, 3);
        Swarm swarm = new Swarm();
        swarm.add("liar", OptionalLong.of(SIZE), serving(other));
        swarm.add("honest", HONEST);
        assertThat(swarm.run(100)).isTrue();
        assertThat(swarm.result).isEqualTo(METADATA);
        assertThat(swarm.reasons("liar")).first().isEqualTo("sent total_size 49152 after claiming 82920");
    }

    @Test
    void aLoneLiarsSizeDoesNotStick() {
        byte[] other = random(3 * 16384, 3);
        Swarm swarm = new Swarm();
        swarm.add("liar", OptionalLong.of(other.length), serving(other));
        swarm.run(1);
        assertThat(swarm.fetch.progress().size()).hasValue(other.length);
        swarm.add("honest", HONEST);
        assertThat(swarm.run(100)).isTrue();
        assertThat(swarm.result).isEqualTo(METADATA);
        assertThat(swarm.reasons("liar")).containsExactly("metadata of 49152 bytes with its pieces fails the info-hash");
    }

    @Test
    void honestPeersOutvoteALiarsSizeFromTheStart() {
        byte[] other = random(3 * 16384, 3);
        Swarm swarm = new Swarm();
        swarm.add("honest1", HONEST);
        swarm.add("liar", OptionalLong.of(other.length), serving(other));
        swarm.add("honest2", HONEST);
        assertThat(swarm.run(100)).isTrue();
        assertThat(swarm.asked).doesNotContainKey("liar");
    }

    @Test
    void aSilentPeerWithAnotherSizeTimesOutAndTheHonestSizeIsTaken() {
        Swarm swarm = new Swarm();
        swarm.add("silent", OptionalLong.of(20000), SILENT);
        swarm.run(1);
        swarm.add("honest", HONEST);
        assertThat(swarm.run(400)).isTrue();
        assertThat(swarm.result).isEqualTo(METADATA);
        assertThat(swarm.reasons("silent")).containsExactly("no answer to a request for metadata piece 0 in 20 s");
    }

    @Test
    void aFourGibMetadataSizeIsNeverAsked() {
        Swarm swarm = new Swarm();
        assertThat(swarm.add("huge", OptionalLong.of(4L << 30), HONEST))
                .hasValue("metadata_size 4294967296 exceeds the limit of 33554432 bytes");
        swarm.run(10);
        assertThat(swarm.asked).isEmpty();
        assertThat(swarm.fetch.progress().size()).isEmpty();
        swarm.add("honest", HONEST);
        assertThat(swarm.run(100)).isTrue();
        assertThat(swarm.asked).doesNotContainKey("huge");
    }

    @Test
    void aTotalSizeAboveTheLimitFromAPeerWithoutMetadataSizeIsPenalized() {
        Swarm swarm = new Swarm(MetadataFetch.Config.DEFAULTS.withMaxSize(50_000));
        swarm.add("big", OptionalLong.empty(), HONEST);
        swarm.run(1);
        assertThat(swarm.reasons("big")).containsExactly("total_size 82920 exceeds the limit of 50000 bytes");
        swarm.run(10_000);
        assertThat(swarm.asked).containsEntry("big", 1);
    }

    @Test
    void aRejectPenalizesForAMinuteThenTwoAndThePeerIsAskedAgainAfterwards() {
        MetadataFetch<String> fetch = new MetadataFetch<>(HASH);
        fetch.addPeer("r", OptionalLong.of(SIZE));
        long t0 = 0;
        fetch.requests(t0);
        MetadataFetch.Outcome<String> o = fetch.receive("r", new MetadataMessage.Reject(0), t0);
        assertThat(o.penalties()).containsExactly(new MetadataFetch.Penalty<>("r", "rejected metadata piece 0", 60 * SECOND));
        assertThat(fetch.isPenalized("r", 59 * SECOND)).isTrue();
        assertThat(fetch.requests(59 * SECOND)).isEmpty();
        // The outstanding requests were forgotten with the penalty: answers to them are ignored.
        assertThat(fetch.receive("r", new MetadataMessage.Reject(1), 59 * SECOND).penalties()).isEmpty();
        assertThat(fetch.isPenalized("r", 60 * SECOND)).isFalse();
        assertThat(fetch.requests(60 * SECOND)).extracting(a -> a.request().piece()).containsExactly(0, 1, 2, 3);
        o = fetch.receive("r", new MetadataMessage.Reject(3), 61 * SECOND);
        assertThat(o.penalties()).extracting(MetadataFetch.Penalty::untilNanos).containsExactly(181 * SECOND);
    }

    @Test
    void penaltiesDoubleUpToTheMaximum() {
        MetadataFetch.Config config = new MetadataFetch.Config(MetadataMessage.DEFAULT_MAX_SIZE, Duration.ofSeconds(20),
                Duration.ofSeconds(10), Duration.ofSeconds(35), 1);
        MetadataFetch<String> fetch = new MetadataFetch<>(HASH, config);
        fetch.addPeer("r", OptionalLong.of(SIZE));
        long now = 0;
        List<Long> lengths = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            MetadataFetch.Ask<String> ask = fetch.requests(now).get(0);
            long until = fetch.receive("r", new MetadataMessage.Reject(ask.request().piece()), now).penalties().get(0)
                    .untilNanos();
            lengths.add((until - now) / SECOND);
            now = until;
        }
        assertThat(lengths).containsExactly(10L, 20L, 35L, 35L);
    }

    @Test
    void unansweredRequestsPenalizeTheirPeerWhenTheyExpire() {
        MetadataFetch<String> fetch = new MetadataFetch<>(HASH);
        fetch.addPeer("s", OptionalLong.of(SIZE));
        fetch.requests(0);
        assertThat(fetch.expire(20 * SECOND - 1)).isEmpty();
        assertThat(fetch.expire(20 * SECOND)).containsExactly(new MetadataFetch.Penalty<>("s",
                "no answer to a request for metadata piece 0 in 20 s", 80 * SECOND));
        assertThat(fetch.expire(21 * SECOND)).as("its requests were forgotten").isEmpty();
    }

    @Test
    void aNewHandshakeWithAnotherSizeForgetsWhatWasAskedUnderTheOldOne() {
        MetadataFetch<String> fetch = new MetadataFetch<>(HASH);
        fetch.addPeer("a", OptionalLong.of(20000));
        assertThat(fetch.requests(0)).hasSize(2);
        fetch.addPeer("a", OptionalLong.of(SIZE));
        MetadataFetch.Outcome<String> o = fetch.receive("a", new MetadataMessage.Data(0, 20000, new byte[16384]), 0);
        assertThat(o.penalties()).isEmpty();
        assertThat(fetch.requests(0)).extracting(a -> a.request().piece()).containsExactly(0, 1, 2, 3);
        assertThat(fetch.progress().size()).hasValue(SIZE);
    }

    @Test
    void answersToQuestionsNotAskedAreIgnored() {
        MetadataFetch<String> fetch = new MetadataFetch<>(HASH);
        fetch.addPeer("a", OptionalLong.of(SIZE));
        fetch.requests(0); // pieces 0-3
        MetadataFetch.Outcome<String> o = fetch.receive("a",
                MetadataMessage.answer(new MetadataMessage.Request(5), METADATA, false), 0);
        assertThat(o.penalties()).isEmpty();
        assertThat(fetch.receive("a", new MetadataMessage.Reject(4), 0).penalties()).isEmpty();
        assertThat(fetch.receive("stranger", new MetadataMessage.Reject(0), 0).penalties()).isEmpty();
        assertThat(fetch.progress().have()).isZero();
    }

    @Test
    void removingThePeerBeingTriedAloneMovesOnToTheNext() {
        Swarm swarm = new Swarm();
        swarm.add("liar", GARBAGE);
        swarm.add("honest", HONEST);
        // Run until the mixed pieces failed and the liar (who gave most) is being tried alone.
        for (int i = 0; i < 100 && swarm.asked.getOrDefault("honest", 0) < 2; i++) {
            swarm.run(1);
        }
        swarm.fetch.removePeer("liar");
        swarm.peers.remove("liar");
        assertThat(swarm.run(100)).isTrue();
        assertThat(swarm.result).isEqualTo(METADATA);
    }

    @Test
    void aHostileSwarmCannotKeepTheHonestMetadataAwayAndEveryLiarIsPenalized() {
        byte[] other = random(2 * 16384 + 5, 4);
        Swarm swarm = new Swarm();
        swarm.add("garbage", GARBAGE);
        swarm.add("wrong-total", OptionalLong.of(SIZE), serving(other));
        assertThat(swarm.add("huge", OptionalLong.of(4L << 30), HONEST)).isPresent();
        swarm.add("rejecting", REJECTING);
        swarm.add("silent", SILENT);
        swarm.add("other-size", OptionalLong.of(other.length), serving(other));
        swarm.add("no-size-garbage", OptionalLong.empty(), GARBAGE);
        swarm.add("honest", HONEST);
        assertThat(swarm.run(2000)).isTrue();
        assertThat(swarm.result).isEqualTo(METADATA);
        // The silent peer is only slow as far as anyone can tell, and the metadata came before its 20 s.
        assertThat(swarm.penalized()).doesNotContain("honest", "huge", "silent")
                .contains("garbage", "wrong-total", "rejecting", "no-size-garbage");
        assertThat(swarm.asked).doesNotContainKey("huge");
        // The other-size liar was outvoted before anyone asked it, so it had no chance to lie.
        assertThat(swarm.asked).doesNotContainKey("other-size");
    }

    @Test
    void configurationIsCheckedEagerly() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> MetadataFetch.Config.DEFAULTS.withMaxSize(0))
                .hasMessage("max metadata size 0 outside [1, 2 GiB)");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new MetadataFetch.Config(10, Duration.ZERO,
                Duration.ofSeconds(1), Duration.ofSeconds(1), 1)).hasMessage("request timeout PT0S is not positive");
    }
}
