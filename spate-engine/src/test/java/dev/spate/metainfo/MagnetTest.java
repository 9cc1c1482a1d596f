package dev.spate.metainfo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spate.core.InfoHash;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class MagnetTest {
    static final String HEX = "048ed3119088e073b7d0571a48aa0321360421e0";
    /** The same 20 bytes in RFC 4648 base32, from Python's base64.b32encode. */
    static final String BASE32 = "ASHNGEMQRDQHHN6QK4NERKQDEE3AIIPA";
    static final InfoHash HASH = InfoHash.fromHex(HEX);
    static final String V2 = "a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90";

    static Magnet parse(String uri) throws MetainfoException {
        return Magnet.parse(uri);
    }

    static void rejects(String uri, String message) {
        assertThatThrownBy(() -> Magnet.parse(uri)).isInstanceOf(MetainfoException.class)
                .hasMessage("invalid magnet link: " + message);
    }

    @Test
    void readsAHexInfoHashInEitherCase() throws Exception {
        assertThat(parse("magnet:?xt=urn:btih:" + HEX).infoHash()).hasValue(HASH);
        assertThat(parse("magnet:?xt=urn:btih:" + HEX.toUpperCase()).infoHash()).hasValue(HASH);
    }

    @Test
    void readsABase32InfoHashInEitherCase() throws Exception {
        assertThat(parse("magnet:?xt=urn:btih:" + BASE32).infoHash()).hasValue(HASH);
        assertThat(parse("magnet:?xt=urn:btih:" + BASE32.toLowerCase()).infoHash()).hasValue(HASH);
    }

    @Test
    void theSchemeAndTheUrnPrefixAreCaseInsensitiveAndSurroundingWhitespaceIsIgnored() throws Exception {
        assertThat(parse("  MAGNET:?xt=URN:BTIH:" + HEX + "\n").infoHash()).hasValue(HASH);
    }

    @Test
    void readsTheOutputOfLibtorrentsMakeMagnetUri() throws Exception {
        // lt.make_magnet_uri (libtorrent 2.0.8) of src/test/resources/wire/libtorrent/lt-metadata.torrent
        // with two trackers and a web seed added; libtorrent escapes in lower-case hex.
        Magnet m = parse("magnet:?xt=urn:btih:048ed3119088e073b7d0571a48aa0321360421e0&dn=many-files"
                + "&tr=udp%3a%2f%2ftracker.example%3a1337%2fannounce"
                + "&tr=http%3a%2f%2ft2.example%2fannounce%3fpasskey%3da%2bb&ws=http%3a%2f%2fseed.example%2ffiles%2f");
        assertThat(m.infoHash()).hasValue(HASH);
        assertThat(m.displayName()).hasValue("many-files");
        assertThat(m.trackers()).containsExactly("udp://tracker.example:1337/announce",
                "http://t2.example/announce?passkey=a+b");
        assertThat(m.trackerTiers()).containsExactly(List.of("udp://tracker.example:1337/announce"),
                List.of("http://t2.example/announce?passkey=a+b"));
        assertThat(m.webSeeds()).containsExactly("http://seed.example/files/");
        assertThat(m.peers()).isEmpty();
        assertThat(m.selectOnly()).isEmpty();
        assertThat(m.v2Only()).isFalse();
    }

    @Test
    void readsEveryField() throws Exception {
        Magnet m = parse("magnet:?xt=urn:btih:" + HEX + "&dn=Big+Buck%20Bunny%2B%C3%A9"
                + "&tr=http://a.example/announce&tr.1=udp://b.example:80&tr.2=http://a.example/announce"
                + "&ws=https://seed.example/path%20with%20space/&x.pe=10.0.0.1:6881&x.pe=[2001:DB8::1]:51413"
                + "&x.pe=peer.example.org:1&so=0,2,4-6&xl=12345&kt=a+b&unknown");
        assertThat(m.displayName()).hasValue("Big Buck Bunny+\u00e9");
        assertThat(m.trackers()).containsExactly("http://a.example/announce", "udp://b.example:80");
        assertThat(m.webSeeds()).containsExactly("https://seed.example/path with space/");
        assertThat(m.peers()).containsExactly(new Magnet.PeerAddress("10.0.0.1", 6881),
                new Magnet.PeerAddress("2001:db8::1", 51413), new Magnet.PeerAddress("peer.example.org", 1));
        assertThat(m.selectOnly()).containsExactly(new Magnet.FileRange(0, 0), new Magnet.FileRange(2, 2),
                new Magnet.FileRange(4, 6));
        assertThat(m.selectsFile(0)).isTrue();
        assertThat(m.selectsFile(1)).isFalse();
        assertThat(m.selectsFile(5)).isTrue();
        assertThat(m.selectsFile(7)).isFalse();
    }

    @Test
    void plusIsASpaceOnlyInTheDisplayName() throws Exception {
        Magnet m = parse("magnet:?xt=urn:btih:" + HEX + "&dn=a+b&tr=http://t.example/announce?k=a+b");
        assertThat(m.displayName()).hasValue("a b");
        assertThat(m.trackers()).containsExactly("http://t.example/announce?k=a+b");
    }

    @Test
    void aDisplayNameThatIsNotUtf8HasItsBadBytesReplaced() throws Exception {
        assertThat(parse("magnet:?xt=urn:btih:" + HEX + "&dn=caf%E9").displayName()).hasValue("caf\ufffd");
    }

    @Test
    void unescapedNonAsciiTextIsReadAsItIs() throws Exception {
        assertThat(parse("magnet:?xt=urn:btih:" + HEX + "&dn=\u00e9t\u00e9 \ud83c\udfb5").displayName())
                .hasValue("\u00e9t\u00e9 \ud83c\udfb5");
    }

    @Test
    void theFirstDisplayNameCountsAndAnEmptyOneIsNone() throws Exception {
        assertThat(parse("magnet:?dn=&xt=urn:btih:" + HEX + "&dn=first&dn=second").displayName()).hasValue("first");
        assertThat(parse("magnet:?xt=urn:btih:" + HEX + "&dn=").displayName()).isEmpty();
    }

    @Test
    void otherExactTopicsAreIgnoredBesideTheBtihOne() throws Exception {
        Magnet m = parse("magnet:?xt=urn:sha1:XRX2PEFXOOEJFRVUCX6HMZMKS5TWG4K5&xt=urn:btih:" + HEX
                + "&xt=urn:ed2k:354B15E68FB8F36D7CD88FF94116CDC1&xt.2=urn:btih:" + BASE32);
        assertThat(m.infoHash()).hasValue(HASH);
    }

    @Test
    void aHybridLinkCarriesBothHashesAndIsFetchedByItsV1One() throws Exception {
        Magnet m = parse("magnet:?xt=urn:btih:" + HEX + "&xt=urn:btmh:1220" + V2.toUpperCase());
        assertThat(m.infoHash()).hasValue(HASH);
        assertThat(m.infoHashV2()).hasValue(V2);
        assertThat(m.v2Only()).isFalse();
        assertThat(m.requireV1InfoHash()).isEqualTo(HASH);
    }

    @Test
    void aV2OnlyLinkParsesButCannotBeFetched() throws Exception {
        Magnet m = parse("magnet:?xt=urn:btmh:1220" + V2 + "&dn=new");
        assertThat(m.v2Only()).isTrue();
        assertThat(m.infoHash()).isEmpty();
        assertThatThrownBy(m::requireV1InfoHash).isInstanceOf(MetainfoException.class)
                .hasMessage("v2-only magnet links are not supported yet (xt=urn:btmh: without urn:btih:)");
    }

    @Test
    void theSameHashTwiceIsFine() throws Exception {
        assertThat(parse("magnet:?xt=urn:btih:" + HEX + "&xt=urn:btih:" + BASE32).infoHash()).hasValue(HASH);
    }

    @Test
    void selectOnlyRangesAreSortedAndMerged() throws Exception {
        Magnet m = parse("magnet:?xt=urn:btih:" + HEX + "&so=9,3-5,,4-7&so=1,0");
        assertThat(m.selectOnly()).containsExactly(new Magnet.FileRange(0, 1), new Magnet.FileRange(3, 7),
                new Magnet.FileRange(9, 9));
        assertThat(m.toUri()).endsWith("&so=0-1,3-7,9");
    }

    @Test
    void peerAddressesBecomeSocketAddressesWithoutAnyLookup() throws Exception {
        Magnet m = parse("magnet:?xt=urn:btih:" + HEX + "&x.pe=127.0.0.1:1&x.pe=[::1]:2&x.pe=does-not-exist.invalid:3");
        assertThat(m.peers().get(0).toSocketAddress())
                .isEqualTo(new InetSocketAddress(InetAddress.getByAddress(new byte[] {127, 0, 0, 1}), 1));
        assertThat(m.peers().get(1).toSocketAddress().getAddress()).isEqualTo(InetAddress.getByName("::1"));
        assertThat(m.peers().get(1).isIpv6()).isTrue();
        InetSocketAddress named = m.peers().get(2).toSocketAddress();
        assertThat(named.isUnresolved()).isTrue();
        assertThat(named.getHostString()).isEqualTo("does-not-exist.invalid");
        assertThat(m.peers().get(1)).hasToString("[::1]:2");
    }

    @Test
    void writesALinkThatReadsBackEqual() throws Exception {
        Magnet m = new Magnet(Optional.of(HASH), Optional.of(V2), Optional.of("a b+c&d=e/\u00e9"),
                List.of("http://t.example/a?x=1&y=2", "udp://u.example:80"), List.of("http://w.example/f/"),
                List.of(new Magnet.PeerAddress("10.1.2.3", 99), new Magnet.PeerAddress("::1", 6881)),
                List.of(new Magnet.FileRange(2, 4)));
        assertThat(m.toUri()).isEqualTo("magnet:?xt=urn:btih:" + HEX + "&xt=urn:btmh:1220" + V2
                + "&dn=a%20b%2Bc%26d%3De%2F%C3%A9&tr=http%3A%2F%2Ft.example%2Fa%3Fx%3D1%26y%3D2"
                + "&tr=udp%3A%2F%2Fu.example%3A80&ws=http%3A%2F%2Fw.example%2Ff%2F&x.pe=10.1.2.3:99&x.pe=[::1]:6881&so=2-4");
        assertThat(Magnet.parse(m.toUri())).isEqualTo(m);
        assertThat(Magnet.of(HASH).toUri()).isEqualTo("magnet:?xt=urn:btih:" + HEX);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "http://example.com/x.torrent | does not start with magnet:?",
        "magnet:xt=urn:btih:048ed3119088e073b7d0571a48aa0321360421e0 | does not start with magnet:?",
        "magnet:? | no xt=urn:btih: (the info-hash)",
        "magnet:?dn=name&xt=urn:sha1:XRX2PEFXOOEJFRVUCX6HMZMKS5TWG4K5 | no xt=urn:btih: (the info-hash)",
        "magnet:?xt=urn:btih:zz8ed3119088e073b7d0571a48aa0321360421e0 | xt=urn:btih:zz8ed3119088e073b7d0571a48aa0321360421e0 is not 40 hex or 32 base32 characters",
        "magnet:?xt=urn:btih:048ed3119088e073b7d0571a48aa0321360421e | xt=urn:btih:048ed3119088e073b7d0571a48aa0321360421e is not 40 hex or 32 base32 characters",
        "magnet:?xt=urn:btih:ASHNGEMQRDQHHN6QK4NERKQDEE3AII1A | xt=urn:btih:ASHNGEMQRDQHHN6QK4NERKQDEE3AII1A is not 40 hex or 32 base32 characters",
        "magnet:?xt=urn:btih: | xt=urn:btih: is not 40 hex or 32 base32 characters",
        "magnet:?xt=urn:btmh:1120a1b2 | xt=urn:btmh:1120a1b2 is not a SHA2-256 multihash (1220 and 64 hex digits)",
        "magnet:?xt=urn:btih:048ed3119088e073b7d0571a48aa0321360421e0&xt=urn:btih:148ed3119088e073b7d0571a48aa0321360421e0 | two different info-hashes, xt=urn:btih:048ed3119088e073b7d0571a48aa0321360421e0 and xt=urn:btih:148ed3119088e073b7d0571a48aa0321360421e0",
        "magnet:?xt=urn:btih:048ed3119088e073b7d0571a48aa0321360421e0&dn=50%_off | dn=50%_off: bad percent escape at character 2 of the value",
        "magnet:?xt=urn:btih:048ed3119088e073b7d0571a48aa0321360421e0&dn=end% | dn=end%: bad percent escape at character 3 of the value",
        "magnet:?xt=urn:btih:048ed3119088e073b7d0571a48aa0321360421e0&tr=not%20a%20url | tr=not%20a%20url is not a URL",
        "magnet:?xt=urn:btih:048ed3119088e073b7d0571a48aa0321360421e0&tr.3=http://a/%0A | tr.3=http://a/%0A is not a URL",
        "magnet:?xt=urn:btih:048ed3119088e073b7d0571a48aa0321360421e0&tr=http://a/%FF | tr=http://a/%FF is not UTF-8 after percent-decoding",
        "magnet:?xt=urn:btih:048ed3119088e073b7d0571a48aa0321360421e0&ws=/relative/path | ws=/relative/path is not a URL",
        "magnet:?xt=urn:btih:048ed3119088e073b7d0571a48aa0321360421e0&x.pe=10.0.0.1 | x.pe=10.0.0.1 is not host:port",
        "magnet:?xt=urn:btih:048ed3119088e073b7d0571a48aa0321360421e0&x.pe=10.0.0.1:0 | x.pe=10.0.0.1:0: port 0 outside [1, 65535]",
        "magnet:?xt=urn:btih:048ed3119088e073b7d0571a48aa0321360421e0&x.pe=10.0.0.1:65536 | x.pe=10.0.0.1:65536: port 65536 outside [1, 65535]",
        "magnet:?xt=urn:btih:048ed3119088e073b7d0571a48aa0321360421e0&x.pe=10.0.0.1:http | x.pe=10.0.0.1:http: port \"http\" is not a number",
        "magnet:?xt=urn:btih:048ed3119088e073b7d0571a48aa0321360421e0&x.pe=10.0.0.256:1 | x.pe=10.0.0.256:1: \"10.0.0.256\" is not an IPv4 address",
        "magnet:?xt=urn:btih:048ed3119088e073b7d0571a48aa0321360421e0&x.pe=1.2.3:1 | x.pe=1.2.3:1: \"1.2.3\" is not an IPv4 address",
        "magnet:?xt=urn:btih:048ed3119088e073b7d0571a48aa0321360421e0&x.pe=::1:6881 | x.pe=::1:6881: an IPv6 address goes in brackets, [address]:port",
        "magnet:?xt=urn:btih:048ed3119088e073b7d0571a48aa0321360421e0&x.pe=[::1:6881 | x.pe=[::1:6881 is not [IPv6]:port",
        "magnet:?xt=urn:btih:048ed3119088e073b7d0571a48aa0321360421e0&x.pe=[10.0.0.1]:1 | x.pe=[10.0.0.1]:1: \"10.0.0.1\" in brackets is not an IPv6 address",
        "magnet:?xt=urn:btih:048ed3119088e073b7d0571a48aa0321360421e0&x.pe=[1::2::3]:1 | x.pe=[1::2::3]:1: \"1::2::3\" is not an IPv6 address",
        "magnet:?xt=urn:btih:048ed3119088e073b7d0571a48aa0321360421e0&x.pe=bad_host.example:1 | x.pe=bad_host.example:1: \"bad_host.example\" is not a host name",
        "magnet:?xt=urn:btih:048ed3119088e073b7d0571a48aa0321360421e0&x.pe=:1 | x.pe=:1: empty host",
        "magnet:?xt=urn:btih:048ed3119088e073b7d0571a48aa0321360421e0&so=0,a | so=0,a: \"a\" is not a file index or range (so=0,2,4-6)",
        "magnet:?xt=urn:btih:048ed3119088e073b7d0571a48aa0321360421e0&so=-3 | so=-3: \"-3\" is not a file index or range (so=0,2,4-6)",
        "magnet:?xt=urn:btih:048ed3119088e073b7d0571a48aa0321360421e0&so=6-4 | so=6-4: range 6-4 ends before it starts",
        "magnet:?xt=urn:btih:048ed3119088e073b7d0571a48aa0321360421e0&so=0-99999999 | so=0-99999999: file index 99999999 beyond the most files a torrent may have",
    })
    void aMalformedFieldIsNamedInTheError(String uri, String message) {
        rejects(uri, message);
    }

    @Test
    void aControlCharacterIsRefusedWhereItIs() {
        rejects("magnet:?xt=urn:btih:" + HEX + "&dn=a\u0007b", "control character U+0007 at character 65");
    }

    @Test
    void aLongParameterIsCutShortInTheMessage() {
        String junk = "x".repeat(500);
        assertThatThrownBy(() -> Magnet.parse("magnet:?xt=urn:btih:" + junk))
                .hasMessage("invalid magnet link: xt=urn:btih:" + "x".repeat(65) + "\u2026 is not 40 hex or 32 base32 characters");
    }

    @Test
    void linksBeyondTheBoundsAreRefused() {
        rejects("magnet:?xt=urn:btih:" + HEX + "&dn=" + "a".repeat(Magnet.MAX_LENGTH), (Magnet.MAX_LENGTH + 64)
                + " characters, more than the 65536 accepted");
        StringBuilder trackers = new StringBuilder("magnet:?xt=urn:btih:" + HEX);
        for (int i = 0; i <= Magnet.MAX_TRACKERS; i++) {
            trackers.append("&tr=http://t").append(i).append(".example/");
        }
        rejects(trackers.toString(), "more than 200 trackers (tr)");
        StringBuilder peers = new StringBuilder("magnet:?xt=urn:btih:" + HEX);
        for (int i = 0; i <= Magnet.MAX_PEERS; i++) {
            peers.append("&x.pe=10.0.").append(i / 256).append('.').append(i % 256).append(":1");
        }
        rejects(peers.toString(), "more than 200 peers (x.pe)");
        StringBuilder seeds = new StringBuilder("magnet:?xt=urn:btih:" + HEX);
        for (int i = 0; i <= Magnet.MAX_WEB_SEEDS; i++) {
            seeds.append("&ws=http://w").append(i).append(".example/");
        }
        rejects(seeds.toString(), "more than 50 web seeds (ws)");
    }

    @Test
    void repeatedTrackersAndPeersAtTheBoundAreKeptOnceAndAccepted() throws Exception {
        StringBuilder uri = new StringBuilder("magnet:?xt=urn:btih:" + HEX);
        for (int i = 0; i < 1000; i++) {
            uri.append("&tr=http://same.example/&x.pe=10.0.0.1:1");
        }
        Magnet m = parse(uri.toString());
        assertThat(m.trackers()).hasSize(1);
        assertThat(m.peers()).hasSize(1);
    }

    @Test
    void theRecordRefusesValuesNoLinkCouldHold() {
        assertThatThrownBy(() -> new Magnet(Optional.empty(), Optional.empty(), Optional.empty(), List.of(), List.of(),
                List.of(), List.of())).hasMessage("a magnet link needs a v1 or a v2 info-hash");
        assertThatThrownBy(() -> new Magnet.PeerAddress("10.0.0.1", 0)).hasMessage("port 0 outside [1, 65535]");
        assertThatThrownBy(() -> new Magnet.PeerAddress("a b", 1)).hasMessage("\"a b\" is not a host name");
        assertThatThrownBy(() -> new Magnet.FileRange(3, 2)).hasMessage("file range 3-2");
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void randomAndMutatedLinksGiveAMagnetOrAMetainfoException() {
        Random random = new Random(12);
        String seed = "magnet:?xt=urn:btih:" + HEX + "&xt=urn:btmh:1220" + V2 + "&dn=a+b%C3%A9&tr=http://t/a"
                + "&tr.1=udp://u:1&ws=http://w/&x.pe=[::1]:1&x.pe=h.example:2&so=0,2-4";
        String alphabet = "%+&=:.,-[]/?#abcdefABCDEF0123456789xtrnbihmwsope\u00e9 ";
        int parsed = 0;
        for (int i = 0; i < 10_000; i++) {
            StringBuilder s = new StringBuilder(seed);
            int edits = 1 + random.nextInt(4);
            for (int e = 0; e < edits; e++) {
                int at = random.nextInt(s.length());
                char c = alphabet.charAt(random.nextInt(alphabet.length()));
                switch (random.nextInt(3)) {
                    case 0 -> s.setCharAt(at, c);
                    case 1 -> s.insert(at, c);
                    default -> s.deleteCharAt(at);
                }
            }
            try {
                Magnet m = Magnet.parse(s.toString());
                assertThat(Magnet.parse(m.toUri())).isEqualTo(m);
                parsed++;
            } catch (MetainfoException expected) {
                assertThat(expected.getMessage()).startsWith("invalid magnet link: ").doesNotContain("\n");
            }
        }
        assertThat(parsed).isPositive();
    }
}
