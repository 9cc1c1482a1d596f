package dev.spate.dht;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class SavedTableTest {
    @Test
    void aSavedTableRoundTripsWithBothFamilies() throws Exception {
        SplittableRandom r = new SplittableRandom(1);
        NodeContact v4 = new NodeContact(NodeId.random(r), new InetSocketAddress(InetAddress.getByName("1.2.3.4"), 6881));
        NodeContact v6 = new NodeContact(NodeId.random(r), new InetSocketAddress(InetAddress.getByName("2001:db8::1"), 6882));
        SavedTable t = new SavedTable(NodeId.random(r), List.of(v4, v6));
        SavedTable back = SavedTable.decode(t.encode());
        assertThat(back.id()).isEqualTo(t.id());
        assertThat(back.nodes()).containsExactly(v4, v6);
    }

    @Test
    void corruptStateIsRefusedWithAClearMessage() {
        assertThatThrownBy(() -> SavedTable.decode(new byte[0])).isInstanceOf(DhtStateException.class)
                .hasMessageContaining("not valid bencoding");
        assertThatThrownBy(() -> SavedTable.decode(bytes("d2:id20:abce"))).hasMessageContaining("not valid bencoding");
        assertThatThrownBy(() -> SavedTable.decode(bytes("li1ee"))).hasMessageContaining("is a list, not a dictionary");
        assertThatThrownBy(() -> SavedTable.decode(bytes("d2:id3:abce"))).hasMessageContaining("no 20-byte id");
        assertThatThrownBy(() -> SavedTable.decode(bytes("d2:id20:abcdefghij01234567895:nodes5:abcdee")))
                .hasMessageContaining("nodes of 5 bytes is not a whole number of 26-byte entries");
        assertThatThrownBy(() -> SavedTable.decode(bytes("d2:id20:abcdefghij01234567895:nodesi1ee")))
                .hasMessageContaining("nodes is a integer");
        assertThatThrownBy(() -> SavedTable.decode(new byte[SavedTable.MAX_BYTES + 1])).hasMessageContaining("larger than");
    }

    @Test
    void randomCorruptionNeverEscapesAsAnythingButDhtStateException() throws Exception {
        SplittableRandom r = new SplittableRandom(2);
        NodeContact v4 = new NodeContact(NodeId.random(r), new InetSocketAddress(InetAddress.getByName("1.2.3.4"), 6881));
        byte[] good = new SavedTable(NodeId.random(r), List.of(v4, v4)).encode();
        for (int i = 0; i < 5_000; i++) {
            byte[] bad = good.clone();
            bad[r.nextInt(bad.length)] = (byte) r.nextInt(256);
            try {
                SavedTable.decode(bad);
            } catch (DhtStateException expected) {
                assertThat(expected.getMessage()).startsWith("DHT state");
            }
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }
}
