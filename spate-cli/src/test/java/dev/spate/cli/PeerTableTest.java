package dev.spate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spate.engine.PeerStats;
import java.net.InetSocketAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

class PeerTableTest {
    static PeerStats.Builder peer(String host, int port, String client, boolean dialled) {
        return PeerStats.builder().peer(new InetSocketAddress(host, port), client, dialled);
    }

    @Test
    void theTableHasAHeaderAndOneLinePerPeerFastestFirst() {
        PeerStats slow = peer("127.0.0.1", 7001, "libtorrent 2.0.8", true).rates(1024, 0)
                .flags(false, false, true, true).piecesItHas(50).build();
        PeerStats fast = peer("10.0.0.2", 51413, "Transmission 3.00", false).rates(2 << 20, 4096)
                .flags(false, true, false, true).piecesItHas(100).build();
        List<String> lines = PeerTable.lines(List.of(slow, fast), 100, 120);
        assertThat(lines).hasSize(3);
        assertThat(lines.get(0)).startsWith("Address").contains("Flags").contains("Done").contains("Down")
                .contains("Up").contains("Reqs").endsWith("Client");
        assertThat(lines.get(1)).startsWith("10.0.0.2:51413").contains(" DUI ").contains("100.0%")
                .contains("2 MiB/s").endsWith("Transmission 3.00");
        assertThat(lines.get(2)).startsWith("127.0.0.1:7001").contains(" D ").contains("50.0%").endsWith("libtorrent 2.0.8");
    }

    @Test
    void theRequestColumnShowsTheBlocksAwaitedAgainstThePipelinesTarget() {
        PeerStats seed = peer("198.18.0.3", 7000, "Spate 0.1", true).rates(50_000_000, 0)
                .flags(false, false, true, false).requests(812, 1000, false).build();
        List<String> lines = PeerTable.lines(List.of(seed), 100, 120);
        assertThat(lines.get(1)).contains(" 812/1000 ");
        assertThat(lines.get(0).indexOf("Reqs") + "Reqs".length()).isEqualTo(lines.get(1).indexOf("812/1000") + "812/1000".length());
    }

    @Test
    void encryptedPeersAreFlaggedEAndObfuscatedOnesE() {
        assertThat(PeerTable.flags(peer("127.0.0.1", 1, "x", true).flags(true, false, true, false)
                .encryption(dev.spate.engine.PeerEncryption.RC4).build())).isEqualTo("E");
        assertThat(PeerTable.flags(peer("127.0.0.1", 1, "x", false).flags(true, false, true, false)
                .encryption(dev.spate.engine.PeerEncryption.OBFUSCATED).build())).isEqualTo("Ie");
        assertThat(PeerTable.flags(peer("127.0.0.1", 1, "x", true).flags(true, false, true, false).build()))
                .isEmpty();
    }

    @Test
    void flagsAreTransmissionsLetters() {
        assertThat(PeerTable.flags(peer("127.0.0.1", 1, "x", true).flags(true, false, true, true).build()))
                .as("we want its pieces, it chokes us").isEqualTo("d");
        assertThat(PeerTable.flags(peer("127.0.0.1", 1, "x", true).flags(false, true, true, false).build()))
                .as("it unchokes us unwanted; it wants ours, we choke it").isEqualTo("Ku");
        assertThat(PeerTable.flags(peer("127.0.0.1", 1, "x", false).flags(true, false, false, false).build()))
                .as("we unchoke it, it wants nothing; incoming").isEqualTo("?I");
        assertThat(PeerTable.flags(peer("127.0.0.1", 1, "x", true).flags(false, false, true, true)
                .requests(0, 4, true).build())).isEqualTo("DS");
    }

    @Test
    void noLineIsWiderThanTheTerminalAndHostileClientNamesAreEscaped() {
        PeerStats hostile = peer("::1", 6881, "evil\u001b[2Jname" + "x".repeat(200), true).build();
        List<String> lines = PeerTable.lines(List.of(hostile), 10, 60);
        assertThat(lines).allSatisfy(l -> assertThat(l.length()).isLessThan(60));
        assertThat(lines.get(1)).startsWith("[::1]:6881").doesNotContain("\u001b");
    }

    @Test
    void withoutPeersItSaysSo() {
        assertThat(PeerTable.lines(List.of(), 10, 80)).containsExactly("no peers connected");
    }
}
