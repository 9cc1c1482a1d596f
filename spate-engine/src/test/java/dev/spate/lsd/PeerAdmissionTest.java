package dev.spate.lsd;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spate.core.InfoHash;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class PeerAdmissionTest {
    static final long MINUTE = Duration.ofMinutes(1).toNanos();
    static final long S = Duration.ofSeconds(1).toNanos();

    final AtomicLong now = new AtomicLong(42);
    final InfoHash a = AnnounceCodecTest.hashes(1, 7).get(0);

    PeerAdmission admission(int perSource, int total, int maxSources) {
        return new PeerAdmission(now::get, perSource, total, MINUTE, maxSources, 4096);
    }

    static InetSocketAddress peer(String ip, int port) {
        try {
            return new InetSocketAddress(InetAddress.getByName(ip), port);
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void aFloodFromOneSourcePassesTenPeersAMinute() {
        PeerAdmission p = admission(10, 100, 1024);
        List<PeerAdmission.Verdict> verdicts = new ArrayList<>();
        for (int port = 1000; port < 1500; port++) {
            verdicts.add(p.admit(a, peer("198.18.0.3", port)));
        }
        assertThat(verdicts.stream().filter(v -> v == PeerAdmission.Verdict.ADMITTED)).hasSize(10);
        assertThat(verdicts.subList(0, 10)).containsOnly(PeerAdmission.Verdict.ADMITTED);
        assertThat(verdicts.subList(10, 500)).containsOnly(PeerAdmission.Verdict.SOURCE_LIMITED);
        // Another source is not held back by the first one's flood.
        assertThat(p.admit(a, peer("198.18.0.4", 1000))).isEqualTo(PeerAdmission.Verdict.ADMITTED);
        now.addAndGet(MINUTE - 1);
        assertThat(p.admit(a, peer("198.18.0.3", 2000))).isEqualTo(PeerAdmission.Verdict.SOURCE_LIMITED);
        now.addAndGet(1);
        assertThat(p.admit(a, peer("198.18.0.3", 2000))).isEqualTo(PeerAdmission.Verdict.ADMITTED);
    }

    @Test
    void thePortDoesNotMakeANewSourceButTheAddressDoes() {
        PeerAdmission p = admission(2, 100, 1024);
        assertThat(p.admit(a, peer("10.0.0.1", 1))).isEqualTo(PeerAdmission.Verdict.ADMITTED);
        assertThat(p.admit(a, peer("10.0.0.1", 2))).isEqualTo(PeerAdmission.Verdict.ADMITTED);
        assertThat(p.admit(a, peer("10.0.0.1", 3))).isEqualTo(PeerAdmission.Verdict.SOURCE_LIMITED);
        assertThat(p.admit(a, peer("fd00::1", 3))).isEqualTo(PeerAdmission.Verdict.ADMITTED);
    }

    @Test
    void theSamePeerAgainWithinAMinuteIsADuplicateAndCostsNothing() {
        PeerAdmission p = admission(2, 100, 1024);
        InetSocketAddress x = peer("10.0.0.1", 6881);
        InfoHash b = AnnounceCodecTest.hashes(2, 8).get(1);
        assertThat(p.admit(a, x)).isEqualTo(PeerAdmission.Verdict.ADMITTED);
        // libtorrent's three copies of one announce, 2 and 6 s apart.
        now.addAndGet(2 * S);
        assertThat(p.admit(a, x)).isEqualTo(PeerAdmission.Verdict.DUPLICATE);
        now.addAndGet(4 * S);
        assertThat(p.admit(a, x)).isEqualTo(PeerAdmission.Verdict.DUPLICATE);
        assertThat(p.admit(b, x)).as("another torrent of the same peer").isEqualTo(PeerAdmission.Verdict.ADMITTED);
        now.addAndGet(MINUTE);
        assertThat(p.admit(a, x)).as("heard again a minute later").isEqualTo(PeerAdmission.Verdict.ADMITTED);
    }

    @Test
    void manySourcesTogetherPassNoMoreThanTheTotalAMinute() {
        PeerAdmission p = admission(10, 100, 1024);
        int admitted = 0;
        for (int i = 0; i < 1000; i++) {
            if (p.admit(a, peer("10.0." + (i / 250) + "." + (i % 250 + 1), 6881)) == PeerAdmission.Verdict.ADMITTED) {
                admitted++;
            }
        }
        assertThat(admitted).isEqualTo(100);
        assertThat(p.admit(a, peer("10.9.9.9", 1))).isEqualTo(PeerAdmission.Verdict.TOTAL_LIMITED);
        now.addAndGet(MINUTE);
        assertThat(p.admit(a, peer("10.9.9.9", 1))).isEqualTo(PeerAdmission.Verdict.ADMITTED);
    }

    @Test
    void aTotalLimitedPeerIsNotChargedToItsSource() {
        PeerAdmission p = admission(1, 1, 1024);
        assertThat(p.admit(a, peer("10.0.0.1", 1))).isEqualTo(PeerAdmission.Verdict.ADMITTED);
        assertThat(p.admit(a, peer("10.0.0.2", 1))).isEqualTo(PeerAdmission.Verdict.TOTAL_LIMITED);
        now.addAndGet(MINUTE);
        assertThat(p.admit(a, peer("10.0.0.2", 1))).isEqualTo(PeerAdmission.Verdict.ADMITTED);
    }

    @Test
    void theSourcesRememberedAreBounded() {
        PeerAdmission p = admission(10, 1_000_000, 64);
        for (int i = 0; i < 1000; i++) {
            p.admit(a, peer("10.1." + (i / 250) + "." + (i % 250 + 1), 6881));
        }
        assertThat(p.sourcesRemembered()).isEqualTo(64);
    }
}
