package dev.spate.dht;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spate.core.InfoHash;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class KrpcCodecTest {
    static byte[] b(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    static Krpc decode(String s) throws KrpcException {
        byte[] bytes = b(s);
        return KrpcCodec.decode(bytes, 0, bytes.length);
    }

    static String encode(Krpc m) {
        return new String(KrpcCodec.encode(m), StandardCharsets.ISO_8859_1);
    }

    static InetSocketAddress addr(String ip, int port) throws Exception {
        return new InetSocketAddress(InetAddress.getByName(ip), port);
    }

    static final NodeId ABC = NodeId.of(b("abcdefghij0123456789"));
    static final NodeId MNO = NodeId.of(b("mnopqrstuvwxyz123456"));

    @Test
    void theExamplePacketsOfBep5DecodeAndEncodeByteForByte() throws Exception {
        String ping = "d1:ad2:id20:abcdefghij0123456789e1:q4:ping1:t2:aa1:y1:qe";
        assertThat(decode(ping)).isInstanceOfSatisfying(Krpc.Ping.class, p -> {
            assertThat(p.tid()).isEqualTo(b("aa"));
            assertThat(p.sender()).isEqualTo(ABC);
            assertThat(p.readOnly()).isFalse();
        });
        assertThat(encode(new Krpc.Ping(b("aa"), ABC, false))).isEqualTo(ping);

        String pong = "d1:rd2:id20:mnopqrstuvwxyz123456e1:t2:aa1:y1:re";
        assertThat(decode(pong)).isInstanceOfSatisfying(Krpc.Response.class,
                r -> assertThat(r.sender()).isEqualTo(MNO));
        assertThat(encode(new Krpc.Response(b("aa"), MNO, List.of(), List.of(), List.of(), null, null))).isEqualTo(pong);

        String findNode = "d1:ad2:id20:abcdefghij01234567896:target20:mnopqrstuvwxyz123456e1:q9:find_node1:t2:aa1:y1:qe";
        assertThat(decode(findNode)).isInstanceOfSatisfying(Krpc.FindNode.class, f -> {
            assertThat(f.target()).isEqualTo(MNO);
            assertThat(f.want()).isEmpty();
        });
        assertThat(encode(new Krpc.FindNode(b("aa"), ABC, false, MNO, Set.of()))).isEqualTo(findNode);

        String getPeers = "d1:ad2:id20:abcdefghij01234567899:info_hash20:mnopqrstuvwxyz123456e1:q9:get_peers1:t2:aa1:y1:qe";
        InfoHash ih = InfoHash.of(b("mnopqrstuvwxyz123456"));
        assertThat(decode(getPeers)).isInstanceOfSatisfying(Krpc.GetPeers.class,
                g -> assertThat(g.infoHash()).isEqualTo(ih));
        assertThat(encode(new Krpc.GetPeers(b("aa"), ABC, false, ih, Set.of()))).isEqualTo(getPeers);

        // BEP 5's example values ("axje.u", "idhtnm") are 6-byte compact peers.
        String withPeers = "d1:rd2:id20:abcdefghij01234567895:token8:aoeusnth6:valuesl6:axje.u6:idhtnmee1:t2:aa1:y1:re";
        Krpc.Response r = (Krpc.Response) decode(withPeers);
        assertThat(r.token()).isEqualTo(b("aoeusnth"));
        assertThat(r.values()).containsExactly(
                new InetSocketAddress(InetAddress.getByAddress(b("axje")), ('.' << 8) | 'u'),
                new InetSocketAddress(InetAddress.getByAddress(b("idht")), ('n' << 8) | 'm'));
        assertThat(encode(r)).isEqualTo(withPeers);

        String announce = "d1:ad2:id20:abcdefghij012345678912:implied_porti1e9:info_hash20:mnopqrstuvwxyz1234564:porti6881e5:token8:aoeusnthe1:q13:announce_peer1:t2:aa1:y1:qe";
        assertThat(decode(announce)).isInstanceOfSatisfying(Krpc.AnnouncePeer.class, a -> {
            assertThat(a.impliedPort()).isTrue();
            assertThat(a.port()).isEqualTo(6881);
            assertThat(a.token()).isEqualTo(b("aoeusnth"));
        });
        assertThat(encode(decode(announce))).isEqualTo(announce);

        String error = "d1:eli201e23:A Generic Error Ocurrede1:t2:aa1:y1:ee";
        assertThat(decode(error)).isInstanceOfSatisfying(Krpc.Error.class, e -> {
            assertThat(e.code()).isEqualTo(201);
            assertThat(e.message()).isEqualTo("A Generic Error Ocurred");
        });
        assertThat(encode(decode(error))).isEqualTo(error);
    }

    @Test
    void nodesNodes6WantIpAndRoRoundTrip() throws Exception {
        NodeContact v4 = new NodeContact(ABC, addr("1.2.3.4", 6881));
        NodeContact v6 = new NodeContact(MNO, addr("2001:db8::1", 51413));
        Krpc.Response r = new Krpc.Response(b("xy"), MNO, List.of(v4), List.of(v6),
                List.of(addr("5.6.7.8", 1), addr("2001:db8::2", 2)), b("tok"), addr("9.9.9.9", 9));
        Krpc.Response back = (Krpc.Response) KrpcCodec.decode(KrpcCodec.encode(r), 0, KrpcCodec.encode(r).length);
        assertThat(back.nodes()).containsExactly(v4);
        assertThat(back.nodes6()).containsExactly(v6);
        assertThat(back.values()).isEqualTo(r.values()); // BEP 32: a hybrid list parses
        assertThat(back.ip()).isEqualTo(addr("9.9.9.9", 9));

        Krpc.FindNode f = new Krpc.FindNode(b("xy"), ABC, true, MNO, EnumSet.allOf(AddressFamily.class));
        String wire = encode(f);
        assertThat(wire).contains("2:roi1e").contains("4:wantl2:n42:n6e");
        Krpc.FindNode fb = (Krpc.FindNode) decode(wire);
        assertThat(fb.readOnly()).isTrue();
        assertThat(fb.want()).containsExactlyInAnyOrder(AddressFamily.IPV4, AddressFamily.IPV6);
    }

    @Test
    void unknownWantStringsAndUnknownKeysAreIgnored() throws Exception {
        Krpc.FindNode f = (Krpc.FindNode) decode(
                "d1:ad2:id20:abcdefghij01234567896:target20:mnopqrstuvwxyz1234564:wantl2:n62:xx5:hello3:abcee"
                        + "1:q9:find_node1:t2:aa1:v4:LT011:y1:qe");
        assertThat(f.want()).containsExactly(AddressFamily.IPV6);
    }

    @Test
    void malformedDatagramsAreRefusedWithTheReason() {
        assertThatThrownBy(() -> decode("")).hasMessageContaining("not a KRPC datagram");
        assertThatThrownBy(() -> decode("l1:ae")).hasMessageContaining("not a KRPC datagram");
        assertThatThrownBy(() -> decode("d1:ad2:id20:abcdefghij0123456789e1:q4:ping1:t2:aa1:y1:q"))
                .hasMessageContaining("not a KRPC datagram");
        assertThatThrownBy(() -> decode("d1:ad2:id19:abcdefghij012345678e1:q4:ping1:t2:aa1:y1:qe"))
                .hasMessageContaining("id of 19 bytes");
        assertThatThrownBy(() -> decode("d1:ad2:id20:abcdefghij0123456789e1:q4:ping1:y1:qe"))
                .hasMessageContaining("no transaction id");
        assertThatThrownBy(() -> decode("d1:ad2:id20:abcdefghij0123456789e1:q4:ping1:t17:aaaaaaaaaaaaaaaaa1:y1:qe"))
                .hasMessageContaining("transaction id of 17 bytes");
        assertThatThrownBy(() -> decode("d1:t2:aa1:y1:xe")).hasMessageContaining("unknown message type");
        assertThatThrownBy(() -> decode("d1:rd2:id20:abcdefghij01234567895:nodes3:abce1:t2:aa1:y1:re"))
                .hasMessageContaining("nodes of 3 bytes");
        assertThatThrownBy(() -> decode("d1:eli201ee1:t2:aa1:y1:ee")).hasMessageContaining("error is not a list");
        // Deeper than any KRPC message: refused by the bencode depth limit, not by recursion.
        assertThatThrownBy(() -> decode("d1:ad2:idlllleeeee1:t2:aa1:y1:qe")).hasMessageContaining("nesting deeper");
        assertThatThrownBy(() -> decode("d1:ad2:id20:abcdefghij01234567899:info_hash20:mnopqrstuvwxyz1234565:token1:xe"
                + "1:q13:announce_peer1:t2:aa1:y1:qe")).hasMessageContaining("without a port");
    }

    @Test
    void aMalformedQueryKeepsItsTransactionIdSoItCanBeAnsweredWithAnError() {
        assertThatThrownBy(() -> decode("d1:ad2:id3:abce1:q4:ping1:t2:zz1:y1:qe"))
                .isInstanceOfSatisfying(KrpcException.class, e -> assertThat(e.queryTid()).isEqualTo(b("zz")));
        assertThatThrownBy(() -> decode("d1:ad2:id20:abcdefghij0123456789e1:q3:put1:t2:zz1:y1:qe"))
                .isInstanceOf(KrpcCodec.UnknownMethod.class).hasMessageContaining("unknown method put");
        // A malformed response has nobody to answer.
        assertThatThrownBy(() -> decode("d1:rd2:id3:abce1:t2:zz1:y1:re"))
                .isInstanceOfSatisfying(KrpcException.class, e -> assertThat(e.queryTid()).isNull());
    }

    @Test
    void oversizedDatagramsAndFieldsAreRefused() throws Exception {
        byte[] big = new byte[KrpcCodec.MAX_DATAGRAM + 1];
        big[0] = 'd';
        big[big.length - 1] = 'e';
        assertThatThrownBy(() -> KrpcCodec.decode(big, 0, big.length)).hasMessageContaining("not a KRPC datagram");
        String nodes17 = "x".repeat(26 * 17);
        assertThatThrownBy(() -> decode("d1:rd2:id20:abcdefghij01234567895:nodes" + nodes17.length() + ":" + nodes17
                + "e1:t2:aa1:y1:re")).hasMessageContaining("at most 16 entries");
        StringBuilder values = new StringBuilder();
        for (int i = 0; i < KrpcCodec.MAX_VALUES + 1; i++) {
            values.append("6:abcdef");
        }
        assertThatThrownBy(() -> decode("d1:rd2:id20:abcdefghij01234567896:valuesl" + values + "ee1:t2:aa1:y1:re"))
                .hasMessageContaining("values is not a list of at most");
    }

    @Test
    void contactsThatCannotBeSentToAreSkipped() throws Exception {
        NodeContact ok = new NodeContact(ABC, addr("1.2.3.4", 6881));
        byte[] good = Compact.nodes(List.of(ok), AddressFamily.IPV4);
        byte[] zeroPort = Compact.nodes(List.of(new NodeContact(ABC, addr("1.2.3.5", 1))), AddressFamily.IPV4);
        zeroPort[24] = 0;
        zeroPort[25] = 0;
        byte[] multicast = Compact.nodes(List.of(new NodeContact(ABC, addr("224.0.0.1", 6881))), AddressFamily.IPV4);
        byte[] all = new byte[78];
        System.arraycopy(good, 0, all, 0, 26);
        System.arraycopy(zeroPort, 0, all, 26, 26);
        System.arraycopy(multicast, 0, all, 52, 26);
        assertThat(Compact.nodes(all, AddressFamily.IPV4, 16)).containsExactly(ok);
    }

    @Test
    void krpcIsToldFromOtherDatagramsByItsFirstByte() {
        byte[] ping = b("d1:ad2:id20:abcdefghij0123456789e1:q4:ping1:t2:aa1:y1:qe");
        assertThat(DhtNode.isKrpc(ping, 0, ping.length)).isTrue();
        byte[] utpSyn = {0x41, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
        assertThat(DhtNode.isKrpc(utpSyn, 0, utpSyn.length)).isFalse();
        assertThat(DhtNode.isKrpc(new byte[0], 0, 0)).isFalse();
    }

    @Test
    void randomMutationsOfValidMessagesOnlyEverRaiseKrpcException() throws Exception {
        List<byte[]> seeds = new ArrayList<>();
        seeds.add(b("d1:ad2:id20:abcdefghij01234567899:info_hash20:mnopqrstuvwxyz1234564:porti6881e5:token8:aoeusnthe"
                + "1:q13:announce_peer1:t2:aa1:y1:qe"));
        seeds.add(KrpcCodec.encode(new Krpc.Response(b("xy"), MNO,
                List.of(new NodeContact(ABC, addr("1.2.3.4", 6881))),
                List.of(new NodeContact(MNO, addr("2001:db8::1", 5))), List.of(addr("5.6.7.8", 1)), b("tok"),
                addr("9.9.9.9", 9))));
        seeds.add(b("d1:eli201e23:A Generic Error Ocurrede1:t2:aa1:y1:ee"));
        SplittableRandom random = new SplittableRandom(42);
        int decoded = 0;
        for (int i = 0; i < 20_000; i++) {
            byte[] m = seeds.get(random.nextInt(seeds.size())).clone();
            int flips = 1 + random.nextInt(4);
            for (int f = 0; f < flips; f++) {
                m[random.nextInt(m.length)] = (byte) random.nextInt(256);
            }
            int len = random.nextInt(8) == 0 ? random.nextInt(m.length + 1) : m.length;
            try {
                KrpcCodec.decode(m, 0, len);
                decoded++;
            } catch (KrpcException expected) {
                // the only way a datagram may fail
            }
        }
        assertThat(decoded).isPositive().isLessThan(20_000);
    }
}
