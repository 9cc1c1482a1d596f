package dev.spate.daemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spate.engine.FilePriority;
import dev.spate.engine.Session;
import dev.spate.engine.SessionConfig;
import dev.spate.engine.TorrentState;
import dev.spate.metainfo.TorrentCreator;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The daemon's torrent list on disk: what is written is read back, a damaged list or entry is
 * skipped and never fatal, a failed write leaves the old list, one store per state directory; and
 * {@link Torrents} over a store gives the same torrents back to a new session.
 */
@Timeout(60)
class TorrentStoreTest {
    static final String HASH_A = "0123456789abcdef0123456789abcdef01234567";
    static final String HASH_B = "89abcdef0123456789abcdef0123456789abcdef";

    @TempDir
    Path tmp;

    static TorrentStore.Saved torrentA() {
        return new TorrentStore.Saved(3, HASH_A, Optional.of("d4:infod6:lengthi1eee".getBytes(StandardCharsets.US_ASCII)),
                Optional.empty(), Path.of("/srv/a"), true, Instant.parse("2026-12-03T10:00:00Z"),
                List.of(true, false), List.of(FilePriority.HIGH, FilePriority.NORMAL));
    }

    static TorrentStore.Saved magnetB() {
        return new TorrentStore.Saved(7, HASH_B, Optional.empty(), Optional.of("magnet:?xt=urn:btih:" + HASH_B),
                Path.of("/srv/b"), false, Instant.parse("2026-12-03T10:05:00Z"), List.of(), List.of());
    }

    static void assertSame(TorrentStore.Saved got, TorrentStore.Saved want) {
        assertThat(got.id()).isEqualTo(want.id());
        assertThat(got.infoHash()).isEqualTo(want.infoHash());
        assertThat(got.torrent().map(String::new)).isEqualTo(want.torrent().map(String::new));
        assertThat(got.magnet()).isEqualTo(want.magnet());
        assertThat(got.directory()).isEqualTo(want.directory());
        assertThat(got.paused()).isEqualTo(want.paused());
        assertThat(got.added()).isEqualTo(want.added());
        assertThat(got.wanted()).isEqualTo(want.wanted());
        assertThat(got.priorities()).isEqualTo(want.priorities());
    }

    static TorrentStore.Saved withTorrent(TorrentStore.Saved s, byte[] torrent) {
        return new TorrentStore.Saved(s.id(), s.infoHash(), Optional.of(torrent), s.magnet(), s.directory(), s.paused(),
                s.added(), s.wanted(), s.priorities());
    }

    @Test
    void aTorrentWhoseTorrentFileTheStoreKeepsIsWrittenWithoutItsBytesAndReadBackWhole() throws IOException {
        try (TorrentStore store = TorrentStore.open(tmp)) {
            assertThat(store.keeps(HASH_A)).isFalse();
            assertThatThrownBy(() -> store.write(List.of(withTorrent(torrentA(), TorrentStore.KEPT)), 9))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(HASH_A);
            store.write(List.of(torrentA()), 9);
            assertThat(store.keeps(HASH_A)).isTrue();
            store.write(List.of(withTorrent(torrentA(), TorrentStore.KEPT), magnetB()), 10);
            assertSame(store.read().torrents().get(0), torrentA());

            store.write(List.of(magnetB()), 10);
            assertThat(store.keeps(HASH_A)).as("removed: its .torrent is gone").isFalse();
        }
        try (TorrentStore store = TorrentStore.open(tmp)) {
            store.write(List.of(torrentA()), 11);
        }
        try (TorrentStore store = TorrentStore.open(tmp)) {
            assertThat(store.keeps(HASH_A)).isFalse();
            store.read();
            assertThat(store.keeps(HASH_A)).as("found whole when the list was read").isTrue();
        }
    }

    @Test
    void anEntryChangedSinceTheLastWriteIsWrittenAsItIsNowAndTheOthersAsTheyWere() throws IOException {
        try (TorrentStore store = TorrentStore.open(tmp)) {
            store.write(List.of(torrentA(), magnetB()), 9);
            TorrentStore.Saved a = torrentA();
            TorrentStore.Saved resumed = new TorrentStore.Saved(a.id(), a.infoHash(), Optional.of(TorrentStore.KEPT),
                    a.magnet(), Path.of("/srv/elsewhere"), false, a.added(), a.wanted(), a.priorities());
            store.write(List.of(resumed, magnetB()), 9);
            TorrentStore.Contents c = store.read();
            assertThat(c.torrents().get(0).paused()).isFalse();
            assertThat(c.torrents().get(0).directory()).isEqualTo(Path.of("/srv/elsewhere"));
            assertSame(c.torrents().get(1), magnetB());
        }
    }

    @Test
    void whatIsWrittenIsReadBackAndAnEmptyDirectoryHoldsNothing() throws IOException {
        try (TorrentStore store = TorrentStore.open(tmp)) {
            assertThat(store.read().torrents()).isEmpty();
            assertThat(store.read().nextId()).isEqualTo(1);
            store.write(List.of(torrentA(), magnetB()), 9);
        }
        try (TorrentStore store = TorrentStore.open(tmp)) {
            TorrentStore.Contents c = store.read();
            assertThat(c.nextId()).isEqualTo(9);
            assertThat(c.torrents()).hasSize(2);
            assertSame(c.torrents().get(0), torrentA());
            assertSame(c.torrents().get(1), magnetB());
            assertThat(tmp.resolve("daemon").resolve(HASH_A + ".torrent")).isRegularFile();

            // Removed from the list: its .torrent goes too.
            store.write(List.of(magnetB()), 9);
            assertThat(tmp.resolve("daemon").resolve(HASH_A + ".torrent")).doesNotExist();
            assertThat(store.read().torrents()).singleElement().satisfies(s -> assertSame(s, magnetB()));
        }
    }

    @Test
    void aListThatIsNotJsonIsLoggedAndTakenAsEmpty() throws IOException {
        try (TorrentStore store = TorrentStore.open(tmp)) {
            store.write(List.of(torrentA()), 4);
            Files.writeString(tmp.resolve("daemon").resolve(TorrentStore.LIST), "{\"torrents\": [ {\"id\": 3,");
            assertThat(store.read().torrents()).isEmpty();
            Files.writeString(tmp.resolve("daemon").resolve(TorrentStore.LIST), "[1, 2]");
            assertThat(store.read().torrents()).isEmpty();
        }
    }

    @Test
    void aDamagedListIsSetAsideAndNoTorrentFileIsLostWhenTheNextListIsWritten() throws IOException {
        Path dir = tmp.resolve("daemon");
        try (TorrentStore store = TorrentStore.open(tmp)) {
            store.write(List.of(torrentA()), 4);
        }
        Path list = dir.resolve(TorrentStore.LIST);
        byte[] bytes = Files.readAllBytes(list);
        bytes[bytes.length - 3] ^= 0x55; // one flipped byte near the end
        Files.write(list, bytes);
        try (TorrentStore store = TorrentStore.open(tmp)) {
            assertThat(store.read().torrents()).isEmpty();
            try (var aside = Files.list(dir)) {
                assertThat(aside.map(p -> p.getFileName().toString()))
                        .anyMatch(n -> n.startsWith(TorrentStore.LIST + ".damaged-"));
            }
            store.write(List.of(), 5); // the daemon goes on, and writes its (empty) list
            assertThat(dir.resolve(HASH_A + ".torrent")).as("its .torrent stays for the user to mend the list").exists();
        }
    }

    @Test
    void theTorrentFileOfARemovedTorrentIsDeletedButNotOneOfAnEntryThatCouldNotBeRead() throws IOException {
        Path dir = tmp.resolve("daemon");
        try (TorrentStore store = TorrentStore.open(tmp)) {
            store.write(List.of(torrentA()), 4);
            assertThat(store.read().torrents()).hasSize(1);
            store.write(List.of(), 5); // removed
            assertThat(dir.resolve(HASH_A + ".torrent")).doesNotExist();

            store.write(List.of(torrentA()), 6);
            Path list = dir.resolve(TorrentStore.LIST);
            Files.writeString(list, Files.readString(list).replace("\"directory\"", "\"directory-gone\""));
        }
        try (TorrentStore store = TorrentStore.open(tmp)) {
            assertThat(store.read().torrents()).as("the entry cannot be read").isEmpty();
            store.write(List.of(), 7);
            assertThat(dir.resolve(HASH_A + ".torrent")).as("kept: only what was read may be deleted").exists();
        }
    }

    @Test
    void countersBeyondWhatCanBeAddedAreTakenAsUnreadableAndTheListStillLoads() throws IOException {
        try (TorrentStore store = TorrentStore.open(tmp)) {
            store.write(List.of(torrentA()), 4);
            Path list = tmp.resolve("daemon").resolve(TorrentStore.LIST);
            Files.writeString(list, Files.readString(list)
                    .replaceFirst("\"secondsDownloading\"\\s*:\\s*\\d+", "\"secondsDownloading\" : 9223372036854775807")
                    .replaceFirst("\"nextId\"\\s*:\\s*\\d+", "\"nextId\" : 2147483647"));
            assertThat(Files.readString(list)).contains("9223372036854775807", "2147483647");
            TorrentStore.Contents c = store.read();
            assertThat(c.torrents()).hasSize(1);
            assertThat(c.torrents().get(0).counters().secondsDownloading()).isZero();
            assertThat(c.nextId()).as("above every id, far from overflowing").isBetween(2, 1000);
        }
    }

    @Test
    void aDamagedEntryIsSkippedAndTheOthersKeptAndTheNextIdStaysAboveEveryId() throws IOException {
        try (TorrentStore store = TorrentStore.open(tmp)) {
            store.write(List.of(torrentA(), magnetB()), 1);
            Path list = tmp.resolve("daemon").resolve(TorrentStore.LIST);
            String json = Files.readString(list);
            // A third entry without a directory, a fourth that is not an object, a fifth of bad priority.
            json = json.replaceFirst("\"torrents\"\\s*:\\s*\\[", "\"torrents\" : [ {\"id\": 20, \"infoHash\": \"" + HASH_B
                    + "1\", \"magnet\": \"magnet:?\"}, 5, {\"id\": 21, \"infoHash\": \"" + HASH_A
                    + "\", \"directory\": \"/x\", \"paused\": false, \"added\": \"2026-12-03T10:00:00Z\","
                    + " \"files\": [{\"wanted\": true, \"priority\": \"URGENT\"}]},");
            Files.writeString(list, json);
            TorrentStore.Contents c = store.read();
            assertThat(c.torrents()).extracting(TorrentStore.Saved::id).containsExactly(3, 7);
            assertThat(c.nextId()).isEqualTo(8);

            // A .torrent gone from beside the list: that entry alone is skipped.
            Files.delete(tmp.resolve("daemon").resolve(HASH_A + ".torrent"));
            assertThat(store.read().torrents()).extracting(TorrentStore.Saved::id).containsExactly(7);
        }
    }

    @Test
    void aWriteThatFailsLeavesTheOldListWhole() throws IOException {
        try (TorrentStore store = TorrentStore.open(tmp)) {
            store.write(List.of(torrentA()), 4);
            Path list = tmp.resolve("daemon").resolve(TorrentStore.LIST);
            byte[] before = Files.readAllBytes(list);
            // The temporary file cannot be created (a directory is in its place): the write fails
            // before the rename, and the list is the one written before.
            Files.createDirectories(tmp.resolve("daemon").resolve(TorrentStore.LIST + ".tmp"));
            assertThatThrownBy(() -> store.write(List.of(torrentA(), magnetB()), 8)).isInstanceOf(IOException.class);
            assertThat(Files.readAllBytes(list)).isEqualTo(before);
            assertThat(store.read().torrents()).singleElement().satisfies(s -> assertSame(s, torrentA()));
        }
    }

    @Test
    void aSecondStoreOnTheSameStateDirectoryIsRefusedUntilTheFirstIsClosed() throws IOException {
        TorrentStore first = TorrentStore.open(tmp);
        try {
            assertThatThrownBy(() -> TorrentStore.open(tmp)).isInstanceOf(TorrentStore.StoreLockedException.class)
                    .hasMessageContaining("another spate daemon").hasMessageContaining(tmp.toString());
        } finally {
            first.close();
        }
        TorrentStore.open(tmp).close();
    }

    @Test
    void torrentsOverAStoreComeBackInANewSessionWithTheirIdsStopStateAndFileChoices() throws Exception {
        Path data = Files.createDirectories(tmp.resolve("data"));
        Path root = Files.createDirectories(data.resolve("t"));
        Files.write(root.resolve("a.bin"), TransmissionRpcTest.random(40_000, 1));
        Files.write(root.resolve("b.bin"), TransmissionRpcTest.random(20_000, 2));
        byte[] torrent = TorrentCreator.builder(root).pieceLength(16384).build().create();
        Path other = Files.createDirectories(tmp.resolve("other"));
        Files.write(other.resolve("c.bin"), TransmissionRpcTest.random(30_000, 3));
        byte[] second = TorrentCreator.builder(other.resolve("c.bin")).pieceLength(16384).build().create();
        Path state = tmp.resolve("state");
        int idA;
        int idB;
        Instant addedA;
        try (TorrentStore store = TorrentStore.open(state); Session session = open(state)) {
            Torrents torrents = new Torrents(session, data, DownloadRoots.of(List.of(tmp)), store);
            idA = torrents.add(new Torrents.Source.Bytes(torrent), data, false).torrent().id();
            idB = torrents.add(new Torrents.Source.Bytes(second), tmp, false).torrent().id();
            torrents.remove(List.of(idA), false);
            idA = torrents.add(new Torrents.Source.Bytes(torrent), data, false).torrent().id();
            torrents.setFiles(List.of(idA), List.of(1), false, null);
            torrents.setFiles(List.of(idA), List.of(0), null, FilePriority.HIGH);
            torrents.stop(List.of(idB));
            addedA = torrents.get(idA).orElseThrow().added();
        }
        assertThat(idA).as("ids are not reused").isEqualTo(3);
        try (TorrentStore store = TorrentStore.open(state); Session session = open(state)) {
            Torrents torrents = new Torrents(session, data, DownloadRoots.of(List.of(tmp)), store);
            assertThat(torrents.list()).extracting(Torrents.Torrent::id).containsExactly(idB, idA);
            Torrents.Torrent a = torrents.get(idA).orElseThrow();
            assertThat(a.added()).isEqualTo(addedA);
            assertThat(a.downloadDirectory()).isEqualTo(data.toAbsolutePath().normalize());
            assertThat(a.wanted()).containsExactly(true, false);
            assertThat(a.priorities()).containsExactly(FilePriority.HIGH, FilePriority.NORMAL);
            Torrents.Torrent b = torrents.get(idB).orElseThrow();
            assertThat(b.downloadDirectory()).isEqualTo(tmp.toAbsolutePath().normalize());
            assertThat(b.status().state()).isEqualTo(TorrentState.PAUSED);
            int seeding = idA;
            TransmissionRpcTest.await(() -> torrents.get(seeding).orElseThrow().status().state() == TorrentState.SEEDING);
            int next = torrents.add(new Torrents.Source.Bytes(TorrentCreator.builder(root.resolve("a.bin"))
                    .pieceLength(16384).build().create()), data, true).torrent().id();
            assertThat(next).as("the next id follows the kept ones").isEqualTo(idA + 1);
        }
    }

    static TorrentStore.Saved withEverything() {
        TorrentStore.Saved a = torrentA();
        TorrentSettings own = new TorrentSettings(50, true, 20, false, false, -1, List.of("tv", "hd"), 1.5,
                TorrentSettings.SINGLE, 45, TorrentSettings.UNLIMITED, 30, true);
        return new TorrentStore.Saved(a.id(), a.infoHash(), a.torrent(), a.magnet(), a.directory(), a.paused(), a.added(),
                a.wanted(), a.priorities(), Optional.of(own),
                new TorrentStore.Counters(7_000, 3_000, 61, 3_600, 1_764_000_000, 1_764_000_100, 1_764_000_200), 4, true);
    }

    static SessionSettings changedSession() {
        return new SessionSettings(300, true, 40, true, 10, 5, true, 60, 120, true, 62, false, 2, true, 3, false, 12,
                1.25, true, 45, true, false);
    }

    @Test
    void settingsCountersQueuePlaceAndSessionSettingsAreReadBackAsWritten() throws IOException {
        TorrentStore.Stats stats = new TorrentStore.Stats(1, 2, 3, 4, 5);
        try (TorrentStore store = TorrentStore.open(tmp)) {
            store.write(new TorrentStore.Contents(List.of(withEverything(), magnetB()), 9, Optional.of(changedSession()), stats));
            TorrentStore.Contents c = store.read();
            TorrentStore.Saved a = c.torrents().get(0);
            assertSame(a, withEverything());
            assertThat(a.settings()).isEqualTo(withEverything().settings());
            assertThat(a.counters()).isEqualTo(withEverything().counters());
            assertThat(a.queuePosition()).isEqualTo(4);
            assertThat(a.finished()).isTrue();
            TorrentStore.Saved b = c.torrents().get(1);
            assertThat(b.settings()).isEmpty();
            assertThat(b.counters()).isEqualTo(TorrentStore.Counters.ZERO);
            assertThat(b.queuePosition()).isEqualTo(-1);
            assertThat(c.session()).contains(changedSession());
            assertThat(c.stats()).isEqualTo(stats);
        }
    }

    @Test
    void aListInTheFirstFormatIsReadWithDefaultsForWhatItDoesNotHave() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("daemon"));
        Files.write(dir.resolve(HASH_A + ".torrent"), "d4:infod6:lengthi1eee".getBytes(StandardCharsets.US_ASCII));
        // As the daemon wrote it before settings, counters and the queue were kept.
        Files.writeString(dir.resolve(TorrentStore.LIST), """
                {
                  "version" : 1,
                  "nextId" : 8,
                  "torrents" : [ {
                    "id" : 3,
                    "infoHash" : "%s",
                    "directory" : "/srv/a",
                    "paused" : true,
                    "added" : "2026-12-03T10:00:00Z",
                    "files" : [ { "wanted" : true, "priority" : "HIGH" }, { "wanted" : false, "priority" : "NORMAL" } ]
                  }, {
                    "id" : 7,
                    "infoHash" : "%s",
                    "magnet" : "magnet:?xt=urn:btih:%s",
                    "directory" : "/srv/b",
                    "paused" : false,
                    "added" : "2026-12-03T10:05:00Z",
                    "files" : [ ]
                  } ]
                }
                """.formatted(HASH_A, HASH_B, HASH_B));
        try (TorrentStore store = TorrentStore.open(tmp)) {
            TorrentStore.Contents c = store.read();
            assertThat(c.nextId()).isEqualTo(8);
            assertThat(c.torrents()).hasSize(2);
            assertSame(c.torrents().get(0), torrentA());
            assertSame(c.torrents().get(1), magnetB());
            for (TorrentStore.Saved s : c.torrents()) {
                assertThat(s.settings()).isEmpty();
                assertThat(s.counters()).isEqualTo(TorrentStore.Counters.ZERO);
                assertThat(s.queuePosition()).isEqualTo(-1);
                assertThat(s.finished()).isFalse();
            }
            assertThat(c.session()).isEmpty();
            assertThat(c.stats()).isEqualTo(TorrentStore.Stats.ZERO);
        }
    }

    @Test
    void damagedValuesAreSkippedWithOneWarningAndTheRestOfTheEntryKept() throws IOException {
        java.util.logging.Logger jul = java.util.logging.Logger.getLogger(TorrentStore.class.getName());
        List<java.util.logging.LogRecord> warnings = new java.util.concurrent.CopyOnWriteArrayList<>();
        java.util.logging.Handler handler = new java.util.logging.Handler() {
            @Override
            public void publish(java.util.logging.LogRecord r) {
                if (r.getLevel() == java.util.logging.Level.WARNING) {
                    warnings.add(r);
                }
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        jul.addHandler(handler);
        try (TorrentStore store = TorrentStore.open(tmp)) {
            store.write(new TorrentStore.Contents(List.of(withEverything()), 9, Optional.of(changedSession()),
                    TorrentStore.Stats.ZERO));
            Path list = tmp.resolve("daemon").resolve(TorrentStore.LIST);
            String json = Files.readString(list)
                    .replaceFirst("\"uploadedEver\" : 7000", "\"uploadedEver\" : \"lots\"")
                    .replaceFirst("\"labels\" : \\[ \"tv\", \"hd\" \\]", "\"labels\" : [ \"a,b\" ]")
                    .replaceFirst("\"seedRatioMode\" : 1", "\"seedRatioMode\" : 9")
                    .replaceFirst("\"queuePosition\" : 4", "\"queuePosition\" : -4")
                    .replaceFirst("\"download-queue-size\" : 2", "\"download-queue-size\" : \"two\"");
            Files.writeString(list, json);
            warnings.clear();
            TorrentStore.Contents c = store.read();
            TorrentStore.Saved a = c.torrents().getFirst();
            assertThat(a.counters().uploadedEver()).isZero();
            assertThat(a.counters().downloadedEver()).isEqualTo(3_000);
            assertThat(a.settings().orElseThrow().labels()).isEmpty();
            assertThat(a.settings().orElseThrow().seedRatioMode()).isEqualTo(TorrentSettings.GLOBAL);
            assertThat(a.settings().orElseThrow().downloadLimit()).isEqualTo(50);
            assertThat(a.queuePosition()).isEqualTo(-1);
            assertThat(c.session().orElseThrow().downloadQueueSize()).isEqualTo(5);
            assertThat(c.session().orElseThrow().seedQueueSize()).isEqualTo(3);
            assertThat(warnings).hasSize(1);
            assertThat(java.text.MessageFormat.format(warnings.getFirst().getMessage(), warnings.getFirst().getParameters()))
                    .contains("counters.uploadedEver", "settings.labels", "settings.seedRatioMode", "queuePosition",
                            "session.download-queue-size");
        } finally {
            jul.removeHandler(handler);
        }
    }

    static Session open(Path state) throws IOException {
        return Session.open(SessionConfig.builder().bindAddress(InetAddress.getLoopbackAddress()).listenPort(0)
                .stateDirectory(state).localDiscovery(false).dht(false).build());
    }
}
