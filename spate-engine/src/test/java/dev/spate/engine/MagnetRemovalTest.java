package dev.spate.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spate.metainfo.Magnet;
import java.net.InetAddress;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** A magnet link's torrent removed before its metadata came leaves the session, and may be added again. */
@Timeout(30)
class MagnetRemovalTest {
    @TempDir
    Path tmp;

    @Test
    void aMagnetLinkRemovedBeforeItsMetadataLeavesTheSessionAndMayBeAddedAgain() throws Exception {
        Magnet link = Magnet.parse("magnet:?xt=urn:btih:0123456789abcdef0123456789abcdef01234567&dn=later");
        try (Session session = Session.open(SessionConfig.builder().bindAddress(InetAddress.getLoopbackAddress())
                .listenPort(0).stateDirectory(tmp.resolve("state")).localDiscovery(false).dht(false).build())) {
            TorrentHandle first = session.add(link, tmp.resolve("a"));
            first.pause();
            first.remove();
            assertThat(session.torrents()).isEmpty();
            TorrentHandle again = session.add(link, tmp.resolve("b"));
            assertThat(session.torrents()).containsExactly(again);
            again.remove(true);
            assertThat(session.torrents()).isEmpty();
        }
    }
}
