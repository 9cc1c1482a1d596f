package dev.spate.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spate.core.InfoHash;
import org.junit.jupiter.api.Test;

/** What a {@link TorrentStatus} derives from its counts: progress, completion, the estimate. */
class TorrentStatusTest {
    private static TorrentStatus.Builder status(TorrentState state) {
        return TorrentStatus.builder().name("t").infoHash(InfoHash.of(new byte[20])).state(state);
    }

    @Test
    void aMagnetWaitingForTheSizeOfItsMetadataIsNeitherCompleteNorFinishedAndAtNoPercent() {
        TorrentStatus s = status(TorrentState.METADATA).pieces(0, 0).bytes(0, 0).build();

        assertThat(s.isComplete()).isFalse();
        assertThat(s.isFinished()).isFalse();
        assertThat(s.progress()).isZero();
        assertThat(s.etaSeconds()).isEqualTo(-1);
    }

    @Test
    void aMagnetWithAllItsMetadataPiecesIsStillNotCompleteUntilItIsATorrent() {
        TorrentStatus s = status(TorrentState.METADATA).pieces(3, 3).bytes(40_000, 40_000).build();

        assertThat(s.isComplete()).isFalse();
        assertThat(s.isFinished()).isFalse();
        assertThat(s.progress()).as("the metadata's progress").isEqualTo(1.0);
    }

    @Test
    void aTorrentWithEveryPieceVerifiedIsCompleteAndFinished() {
        TorrentStatus s = status(TorrentState.SEEDING).pieces(4, 4).bytes(4096, 4096).build();

        assertThat(s.isComplete()).isTrue();
        assertThat(s.isFinished()).isTrue();
        assertThat(s.progress()).isEqualTo(1.0);
        assertThat(s.etaSeconds()).isZero();
    }

    @Test
    void aDownloadHalfwayIsAtFiftyPercentWithAnEstimateFromItsRate() {
        TorrentStatus s = status(TorrentState.DOWNLOADING).pieces(2, 4).bytes(2048, 4096).rates(256, 0).build();

        assertThat(s.isComplete()).isFalse();
        assertThat(s.progress()).isEqualTo(0.5);
        assertThat(s.etaSeconds()).isEqualTo(8);
    }
}
