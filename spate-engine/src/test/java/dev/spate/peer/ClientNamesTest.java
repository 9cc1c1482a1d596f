package dev.spate.peer;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ClientNamesTest {
    @Test
    void azureusStylePeerIdsNameTheClientAndVersion() {
        assertThat(ClientNames.fromPeerId("-TR3000-abcdefghijkl".getBytes(StandardCharsets.US_ASCII)))
                .isEqualTo("Transmission 3000");
        assertThat(ClientNames.fromPeerId("-LT2090-abcdefghijkl".getBytes(StandardCharsets.US_ASCII)))
                .isEqualTo("libtorrent 2090");
    }

    @Test
    void anUnknownStyleIsUnknown() {
        assertThat(ClientNames.fromPeerId(new byte[20])).isEqualTo("unknown");
        assertThat(ClientNames.fromPeerId("-ZZ1234-abcdefghijkl".getBytes(StandardCharsets.US_ASCII))).isEqualTo("unknown");
    }
}
