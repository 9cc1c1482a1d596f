package dev.spate.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spate.core.InfoHash;
import dev.spate.storage.ResumeFile;
import dev.spate.storage.ResumeStore;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * Whether the resume file says clean follows the torrent: running as soon as it downloads (a crash
 * then keeps the saved pieces), clean whenever it stops, also when no piece came since the last
 * save (a clean stop's files may then be changed by others, and must be hashed if they are).
 */
class ResumeFlagLoopTest extends TorrentLoopHarness {

    private Path resumeFile() {
        return ResumeStore.open(dir.resolve("state")).location(InfoHash.of(metainfo.infoHash()), dir);
    }

    private Optional<Boolean> clean() {
        try {
            return ResumeFile.read(resumeFile(), InfoHash.of(metainfo.infoHash()), metainfo.info())
                    .map(ResumeFile.State::clean);
        } catch (java.io.IOException e) {
            return Optional.empty(); // being renamed into place
        }
    }

    private void awaitRecord(boolean clean) throws InterruptedException {
        assertThat(loop.runUntil(() -> clean().equals(Optional.of(clean)), WAIT))
                .as("resume file says clean=%s, it says %s", clean, clean()).isTrue();
    }

    @Test
    void aDownloadingTorrentsRecordSaysRunningAtOnceAndAPauseMakesItClean() throws Exception {
        awaitRecord(false); // at the start, not 30 s later
        torrent.pause();
        awaitRecord(true);
        torrent.resume();
        awaitRecord(false);
    }

    @Test
    void aStopWithNoPieceSinceTheLastSaveStillWritesACleanRecord() throws Exception {
        awaitRecord(false);
        CompletableFuture<Void> stopped = CompletableFuture.runAsync(torrent::shutdown);
        assertThat(loop.runUntil(() -> loop.ended().isDone(), WAIT)).isTrue();
        stopped.get();
        assertThat(clean()).contains(true);
    }
}
