package dev.spate.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code --peer}: IPv4, IPv6 in brackets, and a v4-mapped IPv6 address taken as the IPv4 peer it is. */
class PeerOptionTest {
    private static InetSocketAddress parse(String text) {
        return DownloadCommand.parsePeer(new CommandLine(new DownloadCommand()).getCommandSpec(), text);
    }

    @Test
    void ipv4AndBracketedIpv6Peers() throws Exception {
        assertThat(parse("192.0.2.1:6881")).isEqualTo(new InetSocketAddress(InetAddress.getByName("192.0.2.1"), 6881));
        assertThat(parse("[fd00::2]:6881")).isEqualTo(new InetSocketAddress(InetAddress.getByName("fd00::2"), 6881));
        assertThat(parse("[::1]:1")).isEqualTo(new InetSocketAddress(InetAddress.getByName("::1"), 1));
    }

    @Test
    void aV4MappedPeerIsThePlainIpv4One() throws Exception {
        InetSocketAddress p = parse("[::ffff:192.0.2.7]:6881");

        assertThat(p.getAddress()).isInstanceOf(Inet4Address.class);
        assertThat(p).isEqualTo(parse("192.0.2.7:6881"));
    }

    @Test
    void aPeerWithoutAPortIsAUsageError() {
        assertThatThrownBy(() -> parse("[fd00::2]")).isInstanceOf(CommandLine.ParameterException.class).hasMessageContaining("[fd00::2]");
    }

    @Test
    void aPeerTableIntervalUnderOneSecondIsAUsageError() {
        Cli.Result r = Cli.run("download", "--peers", "--peers-interval", "0", "missing.torrent");

        assertThat(r.exitCode()).isEqualTo(Main.USAGE);
        assertThat(r.err()).contains("--peers-interval must be at least 1 s");
    }
}
