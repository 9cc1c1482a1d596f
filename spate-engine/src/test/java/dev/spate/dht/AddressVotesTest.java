package dev.spate.dht;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import org.junit.jupiter.api.Test;

class AddressVotesTest {
    static InetAddress ip(String s) throws Exception {
        return InetAddress.getByName(s);
    }

    @Test
    void anAddressWinsOnlyWhenEnoughDistinctRespondersReportIt() throws Exception {
        AddressVotes v = new AddressVotes(3);
        InetAddress ours = ip("5.5.5.5");
        assertThat(v.vote(ip("1.0.0.1"), ours)).isNull();
        // One node's word, repeated, counts once.
        assertThat(v.vote(ip("1.0.0.1"), ours)).isNull();
        assertThat(v.vote(ip("1.0.0.1"), ours)).isNull();
        assertThat(v.vote(ip("1.0.0.2"), ours)).isNull();
        assertThat(v.vote(ip("1.0.0.3"), ours)).isEqualTo(ours);
    }

    @Test
    void aResponderThatChangesItsReportMovesItsVote() throws Exception {
        AddressVotes v = new AddressVotes(2);
        v.vote(ip("1.0.0.1"), ip("5.5.5.5"));
        v.vote(ip("1.0.0.1"), ip("6.6.6.6"));
        assertThat(v.vote(ip("1.0.0.2"), ip("5.5.5.5"))).isNull();
        assertThat(v.vote(ip("1.0.0.3"), ip("6.6.6.6"))).isEqualTo(ip("6.6.6.6"));
    }

    @Test
    void theTallyIsBounded() throws Exception {
        AddressVotes v = new AddressVotes(1000);
        for (int i = 0; i < 10 * AddressVotes.MAX_VOTERS; i++) {
            assertThat(v.vote(InetAddress.getByAddress(new byte[] {9, 0, (byte) (i >>> 8), (byte) i}),
                    ip("5.5.5.5"))).isNull();
        }
    }
}
