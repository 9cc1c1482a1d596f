package dev.spate.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class ExtensionIdsTest {

    @Test
    void libtorrentsHandshakeGivesItsIdsSizeQueueAndOurAddress() throws Exception {
        ExtendedHandshake lt = ExtendedHandshake.parse(LibtorrentCaptures.read("lt-extended-handshake.bin"));
        assertThat(lt.extensions()).containsEntry("ut_metadata", 2).containsEntry("ut_pex", 1)
                .containsEntry("lt_donthave", 7).containsEntry("upload_only", 3);
        assertThat(lt.metadataSize()).hasValue(LibtorrentCaptures.METADATA_SIZE);
        assertThat(lt.requestQueue()).hasValue(2000);
        assertThat(lt.client()).hasValue("libtorrent/2.0.8.0");
        assertThat(lt.yourIp()).hasValue(InetAddress.getByAddress(new byte[] {127, 0, 0, 1}));
        assertThat(lt.listenPort()).isEmpty(); // libtorrent leaves out p on a connection it accepted
    }

    @Test
    void eachDirectionUsesTheIdsItsReceiverAnnounced() throws Exception {
        ExtensionIds ids = ExtensionIds.spate(true)
                .withHandshake(ExtendedHandshake.parse(LibtorrentCaptures.read("lt-extended-handshake.bin")));
        // We send with libtorrent's ids...
        assertThat(ids.outgoing(ExtensionIds.UT_METADATA)).hasValue(2);
        assertThat(ids.outgoing(ExtensionIds.UT_PEX)).hasValue(1);
        // ...and libtorrent sends to us with ours.
        assertThat(ids.incoming(ExtensionIds.OUR_UT_METADATA)).hasValue(ExtensionIds.UT_METADATA);
        assertThat(ids.incoming(ExtensionIds.OUR_UT_PEX)).hasValue(ExtensionIds.UT_PEX);
        assertThat(ids.incoming(7)).isEmpty();
        assertThat(ids.incoming(0)).isEmpty();
    }

    @Test
    void withoutPexWeAnnounceOnlyTheMetadataExchange() {
        ExtensionIds ids = ExtensionIds.spate(false);
        assertThat(ids.ours()).containsOnlyKeys(ExtensionIds.UT_METADATA);
        assertThat(ids.incoming(ExtensionIds.OUR_UT_PEX)).isEmpty();
        assertThat(ids.outgoing(ExtensionIds.UT_METADATA)).isEmpty();
    }

    @Test
    void aLaterHandshakeChangesIdsAdditivelyAndZeroSwitchesOneOff() throws Exception {
        ExtensionIds ids = ExtensionIds.spate(true)
                .withHandshake(ExtendedHandshake.of(Map.of("ut_metadata", 3, "ut_pex", 4)))
                .withHandshake(ExtendedHandshake.parse(ExtendedHandshakeTest.ascii("d1:md6:ut_pexi0eee")));
        assertThat(ids.outgoing(ExtensionIds.UT_METADATA)).hasValue(3);
        assertThat(ids.outgoing(ExtensionIds.UT_PEX)).isEmpty();
        ids = ids.withHandshake(ExtendedHandshake.of(Map.of("ut_metadata", 9)));
        assertThat(ids.outgoing(ExtensionIds.UT_METADATA)).hasValue(9);
    }

    @Test
    void ourHandshakeCarriesOurIdsAndTheMetadataSize() throws Exception {
        ExtensionIds ids = ExtensionIds.spate(true);
        ExtendedHandshake ours = new ExtendedHandshake(ids.ours(), OptionalInt.of(6881), Optional.of("Spate 0.1"),
                OptionalInt.of(250), Optional.of(InetAddress.getByAddress(new byte[] {127, 0, 0, 1})),
                OptionalLong.of(26104));
        ExtendedHandshake back = ExtendedHandshake.parse(ours.toMessage());
        assertThat(back.idOf(ExtensionIds.UT_METADATA)).hasValue(ExtensionIds.OUR_UT_METADATA);
        assertThat(back.idOf(ExtensionIds.UT_PEX)).hasValue(ExtensionIds.OUR_UT_PEX);
        assertThat(back.metadataSize()).hasValue(26104);
    }

    @Test
    void ourIdsAreUniqueAndNonZero() {
        assertThatThrownBy(() -> new ExtensionIds(Map.of("a", 1, "b", 1), Map.of()))
                .hasMessageContaining("shares id 1 with another");
        assertThatThrownBy(() -> new ExtensionIds(Map.of("a", 0), Map.of()))
                .hasMessage("our extension a has id 0, outside [1, 255]");
    }
}
