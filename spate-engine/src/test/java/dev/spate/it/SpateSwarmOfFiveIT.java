package dev.spate.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spate.engine.Session;
import dev.spate.engine.SessionConfig;
import dev.spate.engine.TorrentHandle;
import dev.spate.metainfo.Metainfo;
import dev.spate.metainfo.TorrentCreator;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** One Spate seed and four Spate leechers that know each other: everyone completes, and leechers share. */
class SpateSwarmOfFiveIT {
    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void fourLeechersCompleteByteExactAndUploadToEachOther(@TempDir Path tmp) throws Exception {
        Path source = Payload.tree(tmp.resolve("seed/tree"), 11);
        Payload.file(source.resolve("big.bin"), 12_000_000, 12);
        Metainfo meta = TorrentCreator.builder(source).pieceLength(32 * 1024).build().createMetainfo();
        InetAddress lo = InetAddress.getLoopbackAddress();
        // The seed has one regular and one optimistic slot, so leechers must also get pieces from each other;
        // and it is held to 4 MiB/s, else on loopback the first leecher it unchokes can take everything at
        // once and be the only one to pass pieces on (seen: one uploader in three runs of five).
        List<Session> sessions = new ArrayList<>();
        try {
            Session seed = open(sessions, SessionConfig.builder().localDiscovery(false).dht(false).bindAddress(lo).listenPort(0).uploadSlots(2)
                    .uploadRateLimit(4 << 20).stateDirectory(tmp.resolve("state")).build());
            TorrentHandle seeding = seed.add(meta, tmp.resolve("seed"));
            assertThat(seeding.awaitCompletion(Duration.ofSeconds(30))).isTrue();

            List<Session> leechSessions = new ArrayList<>();
            List<TorrentHandle> leeches = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                Session s = open(sessions, DownloadFromReferenceSeedsIT.loopback(tmp.resolve("state")));
                leechSessions.add(s);
                leeches.add(s.add(meta, tmp.resolve("leech" + i)));
            }
            for (int i = 0; i < 4; i++) {
                leeches.get(i).connect(new InetSocketAddress(lo, seed.listenPort()));
                for (int j = 0; j < i; j++) {
                    leeches.get(i).connect(new InetSocketAddress(lo, leechSessions.get(j).listenPort()));
                }
            }
            for (TorrentHandle t : leeches) {
                assertThat(t.awaitCompletion(Duration.ofSeconds(120))).isTrue();
            }
            long fromLeechers = 0;
            int leechersThatUploaded = 0;
            for (TorrentHandle t : leeches) {
                long up = t.status().uploaded();
                fromLeechers += up;
                if (up > 0) {
                    leechersThatUploaded++;
                }
                System.out.printf("leech %s uploaded %d, downloaded %d%n", t.infoHash(), up, t.status().downloaded());
            }
            System.out.printf("seed uploaded %d of %d x 4%n", seeding.status().uploaded(), meta.info().totalLength());
            assertThat(leechersThatUploaded).as("leechers that uploaded to others").isGreaterThanOrEqualTo(2);
            assertThat(fromLeechers).as("bytes leechers sent each other").isGreaterThan(meta.info().totalLength() / 2);
            assertThat(seeding.status().uploaded()).isLessThan(4 * meta.info().totalLength());
        } finally {
            sessions.forEach(Session::close);
        }
        for (int i = 0; i < 4; i++) {
            Payload.assertSameTree(source, tmp.resolve("leech" + i + "/tree"));
        }
    }

    private static Session open(List<Session> sessions, SessionConfig config) throws Exception {
        Session s = Session.open(config);
        sessions.add(s);
        return s;
    }
}
