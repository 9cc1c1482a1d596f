package dev.spate.wire;

import static dev.spate.wire.ExtendedHandshakeTest.ascii;
import static dev.spate.wire.Frames.bytes;
import static dev.spate.wire.Frames.concat;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class PexMessageTest {

    static InetSocketAddress at(String ip, int port) {
        try {
            return new InetSocketAddress(InetAddress.getByName(ip), port);
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    static void rejects(byte[] payload, String message) {
        assertThatThrownBy(() -> PexMessage.decode(payload)).isInstanceOf(WireException.class).hasMessage(message);
    }

    @Test
    void readsLibtorrentsFirstMessageAndWritesTheSameBytes() throws Exception {
        byte[] lt = LibtorrentCaptures.read("lt-pex.bin");
        PexMessage pex = PexMessage.decode(lt);
        // libtorrent lists both raw peers of capture.py, by the listen ports they announced.
        assertThat(pex.added()).containsExactly(PexMessage.Peer.of(at("127.0.0.1", 6881)),
                PexMessage.Peer.of(at("127.0.0.1", 6882)));
        assertThat(pex.dropped()).isEmpty();
        assertThat(pex.encode()).isEqualTo(lt);
    }

    @Test
    void readsBothFamiliesWithTheirFlags() throws Exception {
        byte[] v6 = new byte[16];
        v6[0] = 0x20;
        v6[1] = 0x01;
        v6[15] = 9;
        byte[] payload = concat(ascii("d5:added12:"), bytes(10, 0, 0, 1, 0x1a, 0xe1, 10, 0, 0, 2, 0, 1),
                ascii("7:added.f2:"), bytes(PexMessage.SEED | PexMessage.REACHABLE, PexMessage.UTP),
                ascii("6:added618:"), v6, bytes(0xc8, 0xd5), ascii("8:added6.f1:"), bytes(PexMessage.PREFERS_ENCRYPTION),
                ascii("7:dropped6:"), bytes(10, 0, 0, 3, 0, 80), ascii("8:dropped618:"), v6, bytes(0, 81), ascii("e"));
        PexMessage pex = PexMessage.decode(payload);
        assertThat(pex.added()).containsExactly(
                new PexMessage.Peer(at("10.0.0.1", 6881), 0x12),
                new PexMessage.Peer(at("10.0.0.2", 1), 0x04),
                new PexMessage.Peer(at("2001::9", 51413), 0x01));
        assertThat(pex.added().get(0).seed()).isTrue();
        assertThat(pex.added().get(0).reachable()).isTrue();
        assertThat(pex.added().get(1).has(PexMessage.UTP)).isTrue();
        assertThat(pex.added().get(1).seed()).isFalse();
        assertThat(pex.dropped()).containsExactly(at("10.0.0.3", 80), at("2001::9", 81));
        assertThat(PexMessage.decode(pex.encode())).isEqualTo(pex);
    }

    @Test
    void flagsAreOptionalAndAnyOneListMakesAMessage() throws Exception {
        assertThat(PexMessage.decode(concat(ascii("d5:added6:"), bytes(1, 2, 3, 4, 0, 5), ascii("e"))).added())
                .containsExactly(PexMessage.Peer.of(at("1.2.3.4", 5)));
        assertThat(PexMessage.decode(ascii("d7:dropped0:e"))).isEqualTo(new PexMessage(List.of(), List.of()));
        assertThat(PexMessage.decode(new PexMessage(List.of(), List.of()).encode()).added()).isEmpty();
    }

    @Test
    void anIpv4MappedAddressIsTheIpv4AddressItIs() throws Exception {
        byte[] mapped = bytes(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 10, 0, 0, 1, 0, 7);
        PexMessage pex = PexMessage.decode(concat(ascii("d6:added618:"), mapped, ascii("e")));
        assertThat(pex.added()).containsExactly(PexMessage.Peer.of(at("10.0.0.1", 7)));
    }

    @Test
    void refusesWhatBep11AndBep23Forbid() {
        rejects(ascii("le"), "ut_pex message is a list, expected a dictionary");
        rejects(ascii("d5:added"),
                "ut_pex message is not bencoded: at byte 8: input ends after dictionary key \"added\", expected its value");
        rejects(ascii("de"), "ut_pex message has none of added, added6, dropped and dropped6 (BEP 11)");
        rejects(ascii("d5:addedi1ee"), "ut_pex added is a integer, expected a string");
        rejects(concat(ascii("d5:added7:"), new byte[7], ascii("e")),
                "ut_pex added of 7 bytes is not a multiple of 6 (BEP 23 compact peers)");
        rejects(concat(ascii("d6:added620:"), new byte[20], ascii("e")),
                "ut_pex added6 of 20 bytes is not a multiple of 18 (BEP 23 compact peers)");
        rejects(concat(ascii("d5:added6:"), bytes(1, 2, 3, 4, 0, 5), ascii("7:added.f2:"), bytes(0, 0), ascii("e")),
                "ut_pex added.f has 2 bytes for 1 peers");
        rejects(concat(ascii("d5:added6:"), bytes(1, 2, 3, 4, 0, 5), ascii("7:added.fi0ee")),
                "ut_pex added.f is a integer, expected a string");
        rejects(concat(ascii("d5:added6:"), bytes(1, 2, 3, 4, 0, 0), ascii("e")),
                "ut_pex added peer 0 (1.2.3.4) has port 0");
        rejects(concat(ascii("d5:added12:"), bytes(1, 2, 3, 4, 0, 5, 1, 2, 3, 4, 0, 5), ascii("e")),
                "ut_pex added lists 1.2.3.4:5 twice (BEP 11)");
        rejects(concat(ascii("d5:added6:"), bytes(1, 2, 3, 4, 0, 5), ascii("7:dropped6:"), bytes(1, 2, 3, 4, 0, 5),
                ascii("e")), "ut_pex message both adds and drops 1.2.3.4:5 (BEP 11)");
        rejects(concat(ascii("d5:added6:"), bytes(1, 2, 3, 4, 0, 5), ascii("7:dropped0:e"), bytes(1)),
                "ut_pex message is not bencoded: at byte 28: 1 trailing bytes after the value");
    }

    @Test
    void refusesMoreThanTwoHundredPeersEachWay() throws Exception {
        rejects(compactList("added", 201, 6), "ut_pex message adds 201 peers, more than 200");
        rejects(compactList("dropped", 201, 6), "ut_pex message drops 201 peers, more than 200");
        assertThat(PexMessage.decode(compactList("added", 200, 6)).added()).hasSize(200);
        assertThat(PexMessage.decode(compactList("dropped", 50, 6), 50).dropped()).hasSize(50);
        assertThatThrownBy(() -> PexMessage.decode(compactList("dropped", 51, 6), 50))
                .hasMessage("ut_pex message drops 51 peers, more than 50");
    }

    /** {@code d<key><n distinct compact IPv4 peers>e}. */
    private static byte[] compactList(String key, int n, int size) {
        byte[] peers = new byte[n * size];
        for (int i = 0; i < n; i++) {
            peers[i * size] = 10;
            peers[i * size + 2] = (byte) (i >> 8);
            peers[i * size + 3] = (byte) i;
            peers[i * size + 5] = 1;
        }
        return concat(ascii("d" + key.length() + ":" + key + peers.length + ":"), peers, ascii("e"));
    }

    @Test
    void theRecordRefusesWhatDecodingRefuses() {
        InetSocketAddress a = at("10.0.0.1", 1);
        assertThatThrownBy(() -> new PexMessage(List.of(PexMessage.Peer.of(a), PexMessage.Peer.of(a)), List.of()))
                .hasMessage("peer 10.0.0.1:1 added twice");
        assertThatThrownBy(() -> new PexMessage(List.of(PexMessage.Peer.of(a)), List.of(a)))
                .hasMessage("peer 10.0.0.1:1 dropped twice or both added and dropped");
        assertThatThrownBy(() -> PexMessage.Peer.of(InetSocketAddress.createUnresolved("example.org", 1)))
                .hasMessage("PEX carries IP addresses, not the host name example.org");
        assertThatThrownBy(() -> new PexMessage.Peer(a, 256)).hasMessage("flags 256 outside [0, 255]");
        assertThat(new PexMessage(List.of(), List.of()).toMessage(5).extendedId()).isEqualTo(5);
    }

    @Property(tries = 500)
    void everyMessageDecodesToWhatWasEncoded(@ForAll("messages") PexMessage message) throws Exception {
        assertThat(PexMessage.decode(message.encode())).isEqualTo(message);
    }

    @Provide
    Arbitrary<PexMessage> messages() {
        Arbitrary<InetSocketAddress> v4 = Combinators.combine(
                Arbitraries.bytes().array(byte[].class).ofSize(4), Arbitraries.integers().between(1, 65535))
                .as(PexMessageTest::address);
        // Not IPv4-mapped: those read back as IPv4 addresses.
        Arbitrary<InetSocketAddress> v6 = Combinators.combine(
                Arbitraries.bytes().array(byte[].class).ofSize(16).map(b -> {
                    b[0] |= 0x20;
                    return b;
                }), Arbitraries.integers().between(1, 65535)).as(PexMessageTest::address);
        Arbitrary<InetSocketAddress> any = Arbitraries.oneOf(v4, v6);
        return Combinators.combine(any.set().ofMaxSize(60), any.set().ofMaxSize(60),
                        Arbitraries.integers().between(0, 255).list().ofSize(60))
                .as((added, dropped, flags) -> {
                    List<PexMessage.Peer> peers = new ArrayList<>();
                    int i = 0;
                    for (InetSocketAddress a : added) {
                        peers.add(new PexMessage.Peer(a, flags.get(i++)));
                    }
                    Set<InetSocketAddress> gone = new LinkedHashSet<>(dropped);
                    gone.removeAll(added);
                    return new PexMessage(peers, List.copyOf(gone));
                });
    }

    private static InetSocketAddress address(byte[] ip, int port) {
        try {
            return new InetSocketAddress(InetAddress.getByAddress(ip), port);
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    @Timeout(value = 20, unit = TimeUnit.SECONDS)
    void mutatedMessagesDecodeOrFailWithAWireException() {
        Random random = new Random(11);
        byte[][] seeds = {LibtorrentCaptures.read("lt-pex.bin"),
            new PexMessage(List.of(new PexMessage.Peer(at("2001::1", 5), 3)), List.of(at("10.0.0.9", 9))).encode()};
        int decoded = 0;
        for (int i = 0; i < 20_000; i++) {
            byte[] seed = seeds[random.nextInt(seeds.length)];
            byte[] payload = Arrays.copyOf(seed, random.nextInt(8) == 0 ? random.nextInt(seed.length + 1) : seed.length);
            int flips = 1 + random.nextInt(3);
            for (int f = 0; f < flips && payload.length > 0; f++) {
                payload[random.nextInt(payload.length)] ^= (byte) (1 << random.nextInt(8));
            }
            try {
                PexMessage.decode(payload);
                decoded++;
            } catch (WireException expected) {
                assertThat(expected.getMessage()).isNotBlank();
            }
        }
        assertThat(decoded).isPositive();
    }
}
