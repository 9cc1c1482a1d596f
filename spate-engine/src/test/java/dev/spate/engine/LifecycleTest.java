package dev.spate.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spate.core.InfoHash;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class LifecycleTest {
    final List<Event> events = new ArrayList<>();
    final Lifecycle lifecycle = new Lifecycle(InfoHash.of(new byte[20]), events::add);

    @Test
    void aTorrentChecksThenDownloadsThenSeeds() {
        assertThat(lifecycle.state()).isEqualTo(TorrentState.CHECKING);
        assertThat(lifecycle.go(TorrentState.DOWNLOADING)).isTrue();
        assertThat(lifecycle.isActive()).isTrue();
        assertThat(lifecycle.go(TorrentState.SEEDING)).isTrue();
        assertThat(events).extracting(e -> ((Event.StateChanged) e).to())
                .containsExactly(TorrentState.DOWNLOADING, TorrentState.SEEDING);
    }

    @ParameterizedTest
    @EnumSource(value = TorrentState.class, names = "METADATA", mode = EnumSource.Mode.EXCLUDE) // a magnet's resolver
    void everyStateCanBeRemovedAndNothingComesBackFromRemoved(TorrentState from) {
        reach(from);
        assertThat(lifecycle.go(TorrentState.REMOVED)).isTrue();
        for (TorrentState to : TorrentState.values()) {
            if (to != TorrentState.REMOVED) {
                assertThat(lifecycle.go(to)).as("REMOVED -> %s", to).isFalse();
            }
        }
        assertThat(lifecycle.state()).isEqualTo(TorrentState.REMOVED);
    }

    @Test
    void anErrorIsTerminalButForRemoval() {
        lifecycle.go(TorrentState.DOWNLOADING);
        assertThat(lifecycle.go(TorrentState.ERROR)).isTrue();
        assertThat(lifecycle.go(TorrentState.DOWNLOADING)).isFalse();
        assertThat(lifecycle.go(TorrentState.PAUSED)).isFalse();
        assertThat(lifecycle.go(TorrentState.SEEDING)).isFalse();
        assertThat(lifecycle.isOver()).isTrue();
        int published = events.size();
        assertThat(lifecycle.go(TorrentState.ERROR)).as("staying put is no change").isTrue();
        assertThat(events).hasSize(published);
    }

    @ParameterizedTest
    @EnumSource(value = TorrentState.class, names = {"CHECKING", "DOWNLOADING", "SEEDING"})
    void aRunningTorrentCanBePausedAndResumedToWhereItBelongs(TorrentState from) {
        reach(from);
        assertThat(lifecycle.go(TorrentState.PAUSED)).isTrue();
        assertThat(lifecycle.isActive()).isFalse();
        assertThat(lifecycle.go(from)).isTrue();
    }

    @ParameterizedTest
    @EnumSource(value = TorrentState.class, names = {"DOWNLOADING", "SEEDING", "PAUSED"})
    void aRecheckChecksFromAnyRunningStateAndEndsWhereItFits(TorrentState from) {
        reach(from);
        assertThat(lifecycle.go(TorrentState.CHECKING)).as("%s -> CHECKING", from).isTrue();
        assertThat(lifecycle.isActive()).isFalse();
        assertThat(lifecycle.go(from)).isTrue();
    }

    @Test
    void aFailedTorrentIsNotRechecked() {
        lifecycle.go(TorrentState.ERROR);
        assertThat(lifecycle.go(TorrentState.CHECKING)).isFalse();
    }

    private void reach(TorrentState target) {
        switch (target) {
            case CHECKING -> { }
            case DOWNLOADING, SEEDING, PAUSED, ERROR -> lifecycle.go(target);
            case REMOVED -> lifecycle.go(TorrentState.REMOVED);
            case METADATA -> throw new IllegalArgumentException("a torrent proper starts with its metadata");
        }
        assertThat(lifecycle.state()).isEqualTo(target);
    }
}
