package dev.spate.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spate.core.InfoHash;
import dev.spate.core.PeerId;
import dev.spate.mse.Mse;
import dev.spate.peer.Acceptor;
import dev.spate.peer.Encryption;
import dev.spate.storage.PieceBuffers;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The connector's decisions without sockets: which handshakes a dial tries under each policy and
 * what it knows of the peer, how incoming connections may open, and its bounded memory of peers.
 */
@Timeout(10)
class SocketConnectorTest {
    /** MSE offering both payloads (crypto_provide with both bits), as PREFER dials. */
    private static final int BOTH = Mse.RC4 | Mse.PLAINTEXT;
    /** A plaintext BEP 3 handshake in a plan. */
    private static final int PLAIN = 0;

    private static SocketConnector.Known known(Encryption worked, boolean prefers) {
        return new SocketConnector.Known(worked, prefers);
    }

    /** Every state the memory can hold of a peer, nothing known (null) first. */
    private static List<SocketConnector.Known> everyKnown() {
        List<SocketConnector.Known> all = new ArrayList<>();
        all.add(null);
        for (Encryption worked : new Encryption[] {null, Encryption.PLAINTEXT, Encryption.OBFUSCATED, Encryption.RC4}) {
            all.add(known(worked, false));
            all.add(known(worked, true));
        }
        return all;
    }

    static Stream<Arguments> plans() {
        return Stream.of(
                // TOLERATE dials in plaintext, unless the peer asked for MSE or MSE is what worked with it.
                Arguments.of(EncryptionPolicy.TOLERATE, null, List.of(PLAIN)),
                Arguments.of(EncryptionPolicy.TOLERATE, known(null, false), List.of(PLAIN)),
                Arguments.of(EncryptionPolicy.TOLERATE, known(Encryption.PLAINTEXT, false), List.of(PLAIN)),
                Arguments.of(EncryptionPolicy.TOLERATE, known(null, true), List.of(BOTH, PLAIN)),
                Arguments.of(EncryptionPolicy.TOLERATE, known(Encryption.PLAINTEXT, true), List.of(BOTH, PLAIN)),
                Arguments.of(EncryptionPolicy.TOLERATE, known(Encryption.OBFUSCATED, false), List.of(BOTH, PLAIN)),
                Arguments.of(EncryptionPolicy.TOLERATE, known(Encryption.OBFUSCATED, true), List.of(BOTH, PLAIN)),
                Arguments.of(EncryptionPolicy.TOLERATE, known(Encryption.RC4, false), List.of(BOTH, PLAIN)),
                Arguments.of(EncryptionPolicy.TOLERATE, known(Encryption.RC4, true), List.of(BOTH, PLAIN)),
                // PREFER dials MSE then plaintext, except straight to plaintext where only that worked
                // and the peer never asked for encryption: no wasted MSE attempt on every redial.
                Arguments.of(EncryptionPolicy.PREFER, null, List.of(BOTH, PLAIN)),
                Arguments.of(EncryptionPolicy.PREFER, known(null, false), List.of(BOTH, PLAIN)),
                Arguments.of(EncryptionPolicy.PREFER, known(null, true), List.of(BOTH, PLAIN)),
                Arguments.of(EncryptionPolicy.PREFER, known(Encryption.PLAINTEXT, false), List.of(PLAIN)),
                Arguments.of(EncryptionPolicy.PREFER, known(Encryption.PLAINTEXT, true), List.of(BOTH, PLAIN)),
                Arguments.of(EncryptionPolicy.PREFER, known(Encryption.OBFUSCATED, false), List.of(BOTH, PLAIN)),
                Arguments.of(EncryptionPolicy.PREFER, known(Encryption.OBFUSCATED, true), List.of(BOTH, PLAIN)),
                Arguments.of(EncryptionPolicy.PREFER, known(Encryption.RC4, false), List.of(BOTH, PLAIN)),
                Arguments.of(EncryptionPolicy.PREFER, known(Encryption.RC4, true), List.of(BOTH, PLAIN)));
    }

    @ParameterizedTest(name = "{0}, known {1}: {2}")
    @MethodSource("plans")
    void aDialTriesTheHandshakesItsPolicyAndWhatItKnowsOfThePeerAllow(EncryptionPolicy policy,
            SocketConnector.Known known, List<Integer> plan) {
        assertThat(SocketConnector.attempts(policy, known)).isEqualTo(plan);
    }

    @Test
    void underRequireEveryDialIsMseOfferingRc4OnlyWhateverIsKnownOfThePeer() {
        for (SocketConnector.Known k : everyKnown()) {
            assertThat(SocketConnector.attempts(EncryptionPolicy.REQUIRE, k)).as("known %s", k)
                    .containsExactly(Mse.RC4);
        }
    }

    @Test
    void everyPlanIsNonEmptyAndTriesPlaintextOnlyLastAndOnlyWhereThePolicyAllowsIt() {
        for (EncryptionPolicy policy : EncryptionPolicy.values()) {
            for (SocketConnector.Known k : everyKnown()) {
                List<Integer> plan = SocketConnector.attempts(policy, k);
                assertThat(plan).as("%s, known %s", policy, k).isNotEmpty().doesNotHaveDuplicates();
                assertThat(plan.subList(0, plan.size() - 1)).as("%s, known %s: plaintext is the fallback", policy, k)
                        .doesNotContain(PLAIN);
                if (policy == EncryptionPolicy.REQUIRE) {
                    assertThat(plan).doesNotContain(PLAIN).allMatch(p -> (p & Mse.PLAINTEXT) == 0);
                }
            }
        }
    }

    // ---- incoming ----

    @Test
    void underTolerateAndPreferIncomingPlaintextAndMseAreAcceptedAndAPlaintextPayloadIsSelectedWhenOffered() {
        for (EncryptionPolicy policy : List.of(EncryptionPolicy.TOLERATE, EncryptionPolicy.PREFER)) {
            Acceptor.Handshakes h = SocketConnector.incoming(policy, List::of);
            assertThat(h.plaintext()).as("%s accepts a plaintext handshake", policy).isTrue();
            assertThat(h.mse()).as("%s answers MSE, preferring a plaintext payload", policy)
                    .isEqualTo(new Mse.Acceptance(true, true, true));
        }
    }

    @Test
    void underRequireIncomingPlaintextIsRefusedAndMseMustSelectRc4() {
        Acceptor.Handshakes h = SocketConnector.incoming(EncryptionPolicy.REQUIRE, List::of);
        assertThat(h.plaintext()).isFalse();
        assertThat(h.mse()).isEqualTo(new Mse.Acceptance(false, true, false));
    }

    @Test
    void anMseHandshakeFindsItsTorrentByReq2AmongTheTorrentsServedAtTheTimeItComes() throws Exception {
        InfoHash first = InfoHash.of(filled(1));
        InfoHash later = InfoHash.of(filled(2));
        List<InfoHash> served = new CopyOnWriteArrayList<>(List.of(first));
        for (EncryptionPolicy policy : EncryptionPolicy.values()) {
            served.remove(later);
            Acceptor.Handshakes h = SocketConnector.incoming(policy, () -> served);
            assertThat(h.torrents().apply(req2(first))).as(policy.name()).contains(first);
            assertThat(h.torrents().apply(req2(later))).as("%s: not served yet", policy).isEmpty();
            // Read at each handshake, not when the acceptor was set up: a torrent added since is found.
            served.add(later);
            assertThat(h.torrents().apply(req2(later))).as("%s: added since", policy).contains(later);
            assertThat(h.torrents().apply(filled(3))).as("%s: an unknown req2", policy).isEmpty();
        }
    }

    /** MSE's HASH('req2', SKEY), SKEY being the info-hash: how an initiator names the torrent. */
    private static byte[] req2(InfoHash hash) throws Exception {
        MessageDigest sha1 = MessageDigest.getInstance("SHA-1");
        sha1.update("req2".getBytes(StandardCharsets.US_ASCII));
        sha1.update(hash.bytes());
        return sha1.digest();
    }

    private static byte[] filled(int b) {
        byte[] bytes = new byte[InfoHash.LENGTH];
        Arrays.fill(bytes, (byte) b);
        return bytes;
    }

    // ---- memory ----

    private static SocketConnector connector() {
        SessionConfig config = SessionConfig.builder().localDiscovery(false).dht(false).build();
        return new SocketConnector(config, PeerId.random(), () -> false, new PieceBuffers(16 * 1024, 1));
    }

    private static InetSocketAddress peer(int i) {
        // Distinct addresses in 10.0.0.0/8 (never dialled: nothing here opens a socket).
        byte[] ip = {10, (byte) (i >> 16), (byte) (i >> 8), (byte) i};
        try {
            return new InetSocketAddress(InetAddress.getByAddress(ip), 6881);
        } catch (java.net.UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void aPeerThatSaidItPrefersEncryptionIsRememberedAsSuchAndTolerateThenDialsItWithMse() {
        SocketConnector c = connector();
        InetSocketAddress a = peer(1);
        assertThat(c.known(a)).isNull();
        c.prefersEncryption(a);
        assertThat(c.known(a)).isEqualTo(known(null, true));
        c.prefersEncryption(a);
        assertThat(c.known(a)).as("said twice").isEqualTo(known(null, true));
        assertThat(c.known(peer(2))).as("another peer").isNull();
        assertThat(SocketConnector.attempts(EncryptionPolicy.TOLERATE, c.known(a))).containsExactly(BOTH, PLAIN);
    }

    @Test
    void theMemoryHoldsAtMostItsBoundForgettingTheLeastRecentlyUsedPeerFirst() {
        SocketConnector c = connector();
        for (int i = 0; i < SocketConnector.MEMORY; i++) {
            c.prefersEncryption(peer(i));
        }
        // Full. Looking a peer up (as every dial does) makes it the most recently used.
        assertThat(c.known(peer(0))).isNotNull();
        c.prefersEncryption(peer(SocketConnector.MEMORY));
        assertThat(c.known(peer(1))).as("the least recently used, forgotten").isNull();
        assertThat(c.known(peer(0))).as("used just before").isNotNull();
        assertThat(c.known(peer(2))).isNotNull();
        assertThat(c.known(peer(SocketConnector.MEMORY))).as("the newest").isNotNull();

        // Many more: each evicts exactly one, oldest first; the bound holds.
        for (int i = SocketConnector.MEMORY + 1; i < 3 * SocketConnector.MEMORY; i++) {
            c.prefersEncryption(peer(i));
        }
        int remembered = 0;
        for (int i = 0; i < 3 * SocketConnector.MEMORY; i++) {
            if (c.known(peer(i)) != null) {
                remembered++;
            }
        }
        assertThat(remembered).isEqualTo(SocketConnector.MEMORY);
        assertThat(c.known(peer(3 * SocketConnector.MEMORY - 1))).isNotNull();
        assertThat(c.known(peer(2 * SocketConnector.MEMORY))).as("the oldest still held").isNotNull();
    }
}
