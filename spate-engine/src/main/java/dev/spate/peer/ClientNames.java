package dev.spate.peer;

import java.nio.charset.StandardCharsets;
import java.util.Map;

/** Names a client from its peer id, by BEP 20's Azureus-style convention ({@code -XX1234-}). */
final class ClientNames {
    private static final Map<String, String> KNOWN = Map.ofEntries(
            Map.entry("SE", "Spate"), Map.entry("LT", "libtorrent"), Map.entry("lt", "libTorrent (rakshasa)"),
            Map.entry("TR", "Transmission"), Map.entry("qB", "qBittorrent"), Map.entry("DE", "Deluge"),
            Map.entry("AZ", "Vuze"), Map.entry("UT", "uTorrent"), Map.entry("BT", "BitTorrent"),
            Map.entry("A2", "aria2"), Map.entry("RT", "rtorrent"));

    private ClientNames() {
    }

    static String fromPeerId(byte[] id) {
        if (id.length >= 8 && id[0] == '-' && id[7] == '-') {
            String code = new String(id, 1, 2, StandardCharsets.ISO_8859_1);
            String version = new String(id, 3, 4, StandardCharsets.ISO_8859_1);
            String name = KNOWN.get(code);
            if (name != null && version.chars().allMatch(c -> c >= 0x20 && c < 0x7f)) {
                return name + " " + version;
            }
        }
        if (id.length >= 2 && id[0] == 'A' && id[1] == '2') {
            return "aria2";
        }
        return "unknown";
    }
}
