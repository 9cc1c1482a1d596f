package dev.spate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spate.engine.TorrentState;
import dev.spate.engine.TorrentStatus;
import dev.spate.engine.WebSeedStats;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class SummaryTest {
    @Test
    void theDownloadSummaryNamesThePathAndTheAverageRateOverTheTransfer() {
        TorrentStatus s = TorrentStatus.builder().name("tree").infoHash(StatusLineTest.H).state(TorrentState.SEEDING)
                .pieces(5, 5).bytes(20L << 20, 20L << 20).transferred(20L << 20, 0, 0).build();

        assertThat(Summary.download(s, "/data/out/tree", 0.5)).isEqualTo(
                "tree: complete, 5/5 pieces (100.0%) in /data/out/tree, 20 MiB received in 0.50s (40 MiB/s), 0 hash failures, 0 B wasted");
    }

    @Test
    void withNothingReceivedTheSummarySaysSoWithoutATimeOrARate() {
        TorrentStatus s = TorrentStatus.builder().name("a\u001b[2J").infoHash(StatusLineTest.H).state(TorrentState.DOWNLOADING)
                .pieces(1, 4).bytes(1 << 14, 4 << 14).hashFailures(1).transferred(0, 0, 16384).build();

        assertThat(Summary.download(s, "/o/a\u001b[2J", 0)).isEqualTo(
                "a\\x1b[2J: incomplete, 1/4 pieces (25.0%) in /o/a\\x1b[2J, 0 B received, 1 hash failure, 16 KiB wasted");
    }

    @Test
    void aMagnetStoppedBeforeItsMetadataCameIsIncompleteAtNoPercent() {
        TorrentStatus s = TorrentStatus.builder().name("6b96").infoHash(StatusLineTest.H).state(TorrentState.METADATA)
                .pieces(0, 0).bytes(0, 0).build();

        assertThat(Summary.download(s, "/o/6b96", 0)).isEqualTo(
                "6b96: incomplete, 0/0 pieces (0.0%) in /o/6b96, 0 B received, 0 hash failures, 0 B wasted");
    }

    @Test
    void aTorrentWithWebSeedsSaysHowMuchCameFromThem() {
        TorrentStatus s = TorrentStatus.builder().name("x").infoHash(StatusLineTest.H).state(TorrentState.SEEDING)
                .pieces(4, 4).bytes(4L << 20, 4L << 20).transferred(4L << 20, 0, 0)
                .webSeeds(List.of(new WebSeedStats("http://m/a/", 0, 3L << 20, 3, 0, false, Optional.empty()),
                        new WebSeedStats("http://m/b/", 0, 0, 0, 0, true, Optional.of("piece 1 from it failed its hash check"))))
                .build();

        assertThat(Summary.download(s, "/o/x", 1)).isEqualTo(
                "x: complete, 4/4 pieces (100.0%) in /o/x, 4 MiB received in 1.00s (4 MiB/s), 3 MiB of it from 2 web seeds,"
                        + " 0 hash failures, 0 B wasted");
    }

    @Test
    void theSeedingSummaryGivesTheShareRatioAndCountsPeersInTheSingular() {
        TorrentStatus s = TorrentStatus.builder().name("x").infoHash(StatusLineTest.H).state(TorrentState.SEEDING)
                .pieces(4, 4).bytes(4L << 20, 4L << 20).transferred(0, 6L << 20, 0).peers(1).build();

        assertThat(Summary.seeding(s, 302)).isEqualTo("x: seeded for 5m02s, uploaded 6 MiB (ratio 1.50), 1 peer at the end");
    }
}
