package dev.spate.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spate.bencode.BDictionary;
import dev.spate.bencode.BList;
import dev.spate.bencode.Bencode;
import dev.spate.metainfo.Metainfo;
import dev.spate.metainfo.MetainfoParser;
import dev.spate.peer.ScriptedLink;
import dev.spate.storage.DiskIo;
import dev.spate.wire.Message;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * File priorities, skipped files, sequential and first-and-last-piece-first order, seen in the
 * order pieces are verified when one scripted seed serves every request in the order it came.
 *
 * <p>The torrent: 8 pieces of 32 KiB over files a (64 KiB: pieces 0-1), b (80 KiB: pieces 2-4)
 * and c (112 KiB: pieces 4-7); piece 4 is shared by b and c.
 */
class FileChoiceLoopTest extends TorrentLoopHarness {
    private static final List<FilePriority> ALL = List.of(FilePriority.NORMAL, FilePriority.NORMAL, FilePriority.NORMAL);

    private void start(TorrentOptions options) throws Exception {
        metainfo = threeFiles(payload);
        disk.close();
        disk = new DiskIo(1, 4 << 20);
        events.clear();
        torrent = newTorrent(SessionConfig.builder().localDiscovery(false).dht(false).listenPort(0).build(), options);
        torrent.start();
        awaitState(TorrentState.DOWNLOADING);
    }

    static Metainfo threeFiles(byte[] payload) throws Exception {
        MessageDigest sha1 = MessageDigest.getInstance("SHA-1");
        ByteBuffer hashes = ByteBuffer.allocate(payload.length / PIECE * 20);
        for (int p = 0; p < payload.length / PIECE; p++) {
            sha1.update(payload, p * PIECE, PIECE);
            hashes.put(sha1.digest());
        }
        BList files = BList.of(file("a", 64 * 1024), file("b", 80 * 1024), file("c", 112 * 1024));
        BDictionary info = BDictionary.builder().put("name", "three").put("files", files)
                .put("piece length", PIECE).put("pieces", hashes.array()).build();
        return MetainfoParser.parse(Bencode.encode(BDictionary.builder().put("info", info).build()));
    }

    private static BDictionary file(String name, int length) {
        return BDictionary.builder().put("length", length).put("path", BList.of(dev.spate.bencode.BString.of(name))).build();
    }

    private ScriptedLink seed() throws InterruptedException {
        ScriptedLink seed = attach(ScriptedLink.fast(1));
        deliver(seed, Message.HAVE_ALL);
        deliver(seed, Message.UNCHOKE);
        return seed;
    }

    /**
     * Answers the seed's requests one at a time in the order they were sent, waiting for each
     * piece's verdict before the next block, until the torrent asks for nothing more; so the
     * order pieces are verified is the order they were asked for.
     */
    private void serveInOrder(ScriptedLink seed) throws InterruptedException {
        while (true) {
            int answered = answeredSoFar.getOrDefault(seed, 0);
            if (answered >= requests(seed).size()) {
                return;
            }
            Message.Request r = requests(seed).get(answered);
            answeredSoFar.put(seed, answered + 1);
            deliver(seed, block(r.piece(), r.begin(), r.length()));
            if (r.begin() + r.length() == PIECE) {
                int piece = r.piece();
                assertThat(loop.runUntil(() -> verified().contains(piece), WAIT)).as("piece %d verified", piece).isTrue();
            }
        }
    }

    private List<Integer> verified() {
        return events.stream().filter(e -> e instanceof Event.PieceVerified).map(e -> ((Event.PieceVerified) e).piece())
                .toList();
    }

    private Set<Integer> requested(ScriptedLink link) {
        return requests(link).stream().map(Message.Request::piece).collect(Collectors.toSet());
    }

    private TorrentStatus status() {
        return torrent.snapshot();
    }

    @Test
    void higherPriorityFilesArriveFirst() throws Exception {
        start(TorrentOptions.defaults().withFilePriorities(List.of(FilePriority.LOW, FilePriority.HIGH, FilePriority.NORMAL)));
        serveInOrder(seed());

        List<Integer> order = verified();
        assertThat(order).hasSize(PIECES);
        assertThat(order.subList(0, 3)).as("b, and the piece it shares with c").containsExactlyInAnyOrder(2, 3, 4);
        assertThat(order.subList(3, 6)).as("the rest of c").containsExactlyInAnyOrder(5, 6, 7);
        assertThat(order.subList(6, 8)).as("a, the low one, last").containsExactlyInAnyOrder(0, 1);
        assertThat(lastState()).isEqualTo(TorrentState.SEEDING);
    }

    @Test
    void skippedFilesAreNotFetchedAndTheTorrentFinishesWithoutThem() throws Exception {
        start(TorrentOptions.defaults().withFilePriorities(List.of(FilePriority.SKIP, FilePriority.NORMAL, FilePriority.SKIP)));
        ScriptedLink seed = seed();
        serveInOrder(seed);

        assertThat(requested(seed)).as("b's pieces, the one it shares with c included").containsExactlyInAnyOrder(2, 3, 4);
        assertThat(lastState()).isEqualTo(TorrentState.SEEDING);
        assertThat(complete()).isTrue();
        assertThat(torrent.completion()).isCompleted();
        TorrentStatus s = status();
        assertThat(s.isFinished()).isTrue();
        assertThat(s.isComplete()).isFalse();
        assertThat(s.wantedBytes()).isEqualTo(80 * 1024);
        assertThat(s.wantedBytesVerified()).isEqualTo(80 * 1024);
        assertThat(s.progress()).isEqualTo(1.0);
        assertThat(s.files()).extracting(FileStatus::bytesVerified).containsExactly(0L, 80L * 1024, 16L * 1024);
        assertThat(s.files()).extracting(FileStatus::isComplete).containsExactly(false, true, false);
        assertThat(seed.closed).as("the seed stays: we may want more of it").isNull();
    }

    @Test
    void wantingTheOtherFilesLaterFetchesOnlyWhatIsMissing() throws Exception {
        start(TorrentOptions.defaults().withFilePriorities(List.of(FilePriority.SKIP, FilePriority.NORMAL, FilePriority.SKIP)));
        ScriptedLink seed = seed();
        serveInOrder(seed);
        assertThat(lastState()).isEqualTo(TorrentState.SEEDING);
        int before = requests(seed).size();

        torrent.choose(c -> c.setPriorities(ALL));
        loop.runPending();
        assertThat(lastState()).isEqualTo(TorrentState.DOWNLOADING);
        serveInOrder(seed);

        assertThat(requests(seed).subList(before, requests(seed).size())).extracting(Message.Request::piece)
                .as("no verified piece asked again").doesNotContain(2, 3, 4).contains(0, 1, 5, 6, 7);
        assertThat(verified()).hasSize(PIECES).doesNotHaveDuplicates();
        assertThat(lastState()).isEqualTo(TorrentState.SEEDING);
        assertThat(status().isComplete()).isTrue();
        assertThat(events).filteredOn(e -> e instanceof Event.TorrentComplete).as("finished twice").hasSize(2);
        assertThat(storage.fileBytes(0)).isEqualTo(java.util.Arrays.copyOfRange(payload, 0, 64 * 1024));
    }

    @Test
    void sequentialModeVerifiesPiecesInOrder() throws Exception {
        start(TorrentOptions.defaults().withSequential(true));
        serveInOrder(seed());
        assertThat(verified()).containsExactly(0, 1, 2, 3, 4, 5, 6, 7);
    }

    @Test
    void sequentialModeKeepsToPrioritiesFirst() throws Exception {
        start(TorrentOptions.defaults().withSequential(true)
                .withFilePriorities(List.of(FilePriority.NORMAL, FilePriority.NORMAL, FilePriority.HIGH)));
        serveInOrder(seed());
        assertThat(verified()).containsExactly(4, 5, 6, 7, 0, 1, 2, 3);
    }

    @Test
    void firstAndLastPiecesOfEveryFileComeFirst() throws Exception {
        start(TorrentOptions.defaults().withFirstLastPiecesFirst(true));
        serveInOrder(seed());
        List<Integer> order = verified();
        assertThat(order.subList(0, 5)).containsExactlyInAnyOrder(0, 1, 2, 4, 7);
        assertThat(order.subList(5, 8)).containsExactlyInAnyOrder(3, 5, 6);
    }

    @Test
    void turningSequentialOnMidwayTakesTheLowestMissingPieceNext() throws Exception {
        start(TorrentOptions.defaults().withFilePriorities(List.of(FilePriority.SKIP, FilePriority.SKIP, FilePriority.NORMAL)));
        ScriptedLink seed = seed();
        serveInOrder(seed);
        assertThat(lastState()).isEqualTo(TorrentState.SEEDING);
        torrent.choose(c -> {
            c.setPriorities(ALL);
            c.setSequential(true);
        });
        loop.runPending();
        serveInOrder(seed);
        assertThat(verified().subList(4, PIECES)).containsExactly(0, 1, 2, 3);
    }

    @Test
    void prioritiesThatDoNotFitTheFilesAreRefusedWithTheCounts() throws Exception {
        metainfo = threeFiles(payload);
        assertThatThrownBy(() -> newTorrent(SessionConfig.builder().localDiscovery(false).dht(false).listenPort(0).build(),
                TorrentOptions.defaults().withFilePriorities(List.of(FilePriority.SKIP))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("1 file priorities for a torrent of 3 files");
    }

    @Test
    void aPieceWaitingForTheDiskWhenItsFileIsSkippedDoesNotCreateTheFile() throws Exception {
        onDisk = true;
        start(TorrentOptions.defaults().withFilePriorities(List.of(FilePriority.SKIP, FilePriority.NORMAL, FilePriority.SKIP)));
        // Piece 2 first: b spans pieces 2 to 4, and the first pieces are picked at random; a new peer's
        // first four requests went to pieces 3 and 4 in one run of ten, and piece 2 was never asked for.
        torrent.choose(c -> c.setPiecePriority(2, FilePriority.HIGH));
        loop.runPending();
        ScriptedLink seed = seed();
        writeGate = new java.util.concurrent.CountDownLatch(1);
        // Piece 2 (b alone) arrives whole and waits for the disk (one thread, held in its write).
        assertThat(loop.runUntil(() -> requests(seed).stream().filter(r -> r.piece() == 2)
                .map(Message.Request::begin).distinct().count() * BLOCK >= PIECE, WAIT))
                .as("every block of piece 2 asked for: %s", requests(seed)).isTrue();
        Set<Integer> sent = new java.util.HashSet<>();
        for (Message.Request r : List.copyOf(requests(seed))) {
            if (r.piece() == 2 && sent.add(r.begin())) {
                deliver(seed, block(r.piece(), r.begin(), r.length()));
            }
        }
        loop.runPending();
        // b skipped meanwhile: its choice is queued on the disk behind the piece.
        torrent.choose(c -> c.setPriorities(List.of(FilePriority.SKIP, FilePriority.SKIP, FilePriority.SKIP)));
        loop.runPending();
        writeGate.countDown();
        assertThat(loop.runUntil(() -> verified().contains(2), WAIT)).as("piece 2 verified").isTrue();
        assertThat(dir.resolve("three/b")).as("b, skipped before piece 2 was written").doesNotExist();
        // Nothing verified is lost: wanted again, b gets piece 2's bytes from the part file.
        torrent.choose(c -> c.setPriorities(List.of(FilePriority.SKIP, FilePriority.NORMAL, FilePriority.SKIP)));
        loop.runPending();
        byte[] want = java.util.Arrays.copyOfRange(payload, 2 * PIECE, 3 * PIECE);
        java.nio.file.Path b = dir.resolve("three/b");
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!(java.nio.file.Files.exists(b) && java.nio.file.Files.size(b) >= PIECE
                && java.util.Arrays.equals(java.util.Arrays.copyOf(java.nio.file.Files.readAllBytes(b), PIECE), want))
                && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(b).exists();
        assertThat(java.util.Arrays.copyOf(java.nio.file.Files.readAllBytes(b), PIECE)).isEqualTo(want);
    }

    @Test
    void aPieceSkippedByItselfLeavesTheWantedBytesAndTheTorrentFinishesWithoutIt() throws Exception {
        start(TorrentOptions.defaults());
        torrent.choose(c -> c.setPiecePriority(6, FilePriority.SKIP)); // in c, a wanted file
        loop.runPending();
        ScriptedLink seed = seed();
        serveInOrder(seed);

        assertThat(requested(seed)).doesNotContain(6);
        assertThat(lastState()).isEqualTo(TorrentState.SEEDING);
        assertThat(torrent.completion()).isCompleted();
        TorrentStatus s = status();
        assertThat(s.isFinished()).as("finished, as the picker and completion() say").isTrue();
        assertThat(s.isComplete()).isFalse();
        assertThat(s.wantedBytes()).isEqualTo((PIECES - 1) * (long) PIECE);
        assertThat(s.wantedBytesVerified()).isEqualTo(s.wantedBytes());
        assertThat(s.progress()).isEqualTo(1.0);
        assertThat(s.files()).extracting(FileStatus::bytesVerified).as("files still count whole")
                .containsExactly(64L * 1024, 80L * 1024, 80L * 1024);

        torrent.choose(c -> c.setPiecePriority(6, FilePriority.NORMAL)); // wanted again
        loop.runPending();
        assertThat(lastState()).isEqualTo(TorrentState.DOWNLOADING);
        assertThat(status().isFinished()).isFalse();
        assertThat(status().wantedBytes()).isEqualTo(PIECES * (long) PIECE);
    }

    @Test
    void aPieceOfSkippedFilesWantedByItselfCountsInTheWantedBytesUntilVerified() throws Exception {
        start(TorrentOptions.defaults().withFilePriorities(List.of(FilePriority.SKIP, FilePriority.NORMAL, FilePriority.SKIP)));
        torrent.choose(c -> c.setPiecePriority(0, FilePriority.LOW)); // in a, skipped
        loop.runPending();
        assertThat(status().wantedBytes()).as("b, and piece 0 whole").isEqualTo(80 * 1024 + PIECE);
        ScriptedLink seed = seed();
        serveInOrder(seed);

        assertThat(requested(seed)).containsExactlyInAnyOrder(0, 2, 3, 4);
        assertThat(lastState()).isEqualTo(TorrentState.SEEDING);
        TorrentStatus s = status();
        assertThat(s.isFinished()).isTrue();
        assertThat(s.wantedBytesVerified()).isEqualTo(80 * 1024 + PIECE);
    }

    @Test
    void aPartFileDeletedWhileStoppedHasItsPiecesFetchedAgainAtTheNextStart() throws Exception {
        onDisk = true;
        TorrentOptions onlyB = TorrentOptions.defaults()
                .withFilePriorities(List.of(FilePriority.SKIP, FilePriority.NORMAL, FilePriority.SKIP));
        start(onlyB);
        serveInOrder(seed());
        assertThat(lastState()).isEqualTo(TorrentState.SEEDING);
        Thread remover = Thread.ofVirtual().start(() -> torrent.remove(false)); // stops it, saving the resume file
        assertThat(loop.runUntil(() -> loop.ended().isDone(), WAIT)).isTrue();
        remover.join(WAIT.toMillis());
        assertThat(remover.isAlive()).isFalse();
        List<java.nio.file.Path> partFiles;
        try (var list = java.nio.file.Files.list(dir.resolve("state/resume"))) {
            partFiles = list.filter(p -> p.toString().endsWith(".parts")).toList();
        }
        assertThat(partFiles).as("piece 4, shared by b and c, kept apart").hasSize(1);
        java.nio.file.Files.delete(partFiles.get(0));

        answeredSoFar.clear();
        start(onlyB);
        assertThat(lastState()).as("piece 4 is missing, not trusted from the resume file").isEqualTo(TorrentState.DOWNLOADING);
        assertThat(status().wantedBytesVerified()).isEqualTo(64 * 1024);
        ScriptedLink seed = seed();
        serveInOrder(seed);
        assertThat(requested(seed)).as("only what the part file held").containsExactly(4);
        assertThat(lastState()).isEqualTo(TorrentState.SEEDING);
        assertThat(dir.resolve("three/c")).doesNotExist();
    }
}
