package dev.spate.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spate.core.Bitfield;
import dev.spate.core.InfoHash;
import dev.spate.it.ExternalProcess;
import dev.spate.it.Payload;
import dev.spate.metainfo.Metainfo;
import dev.spate.metainfo.MetainfoParser;
import dev.spate.metainfo.TorrentCreator;
import dev.spate.metainfo.TorrentInfo;
import dev.spate.storage.FileStat;
import dev.spate.storage.ResumeFile;
import dev.spate.storage.ResumeStore;
import dev.spate.storage.Storage;
import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A download killed (-9) while it runs costs no hashing of what its resume file lists: run 1
 * downloads some pieces and stops cleanly; run 2, a child process, starts again on the same state
 * directory (its resume file now says "running", with run 1's pieces), downloads more and is
 * killed; run 3 finds run 1's pieces without reading them, hashes only the others (finding run 2's
 * there), and completes byte-exact from a Spate seed in this process.
 */
class CrashResumeIT {
    static final int PIECE = 32 * 1024;
    static final int FIRST_RUN = 20;
    static final int KILLED_AFTER = 15;

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void aKilledDownloadKeepsItsSavedPiecesAndHashesOnlyTheOthers(@TempDir Path tmp) throws Exception {
        Path content = Payload.file(tmp.resolve("seed/crash.bin"), 4 * 1024 * 1024 + 1234, 43);
        Path torrentFile = tmp.resolve("crash.torrent");
        Files.write(torrentFile, TorrentCreator.builder(content).pieceLength(PIECE).build().create());
        Metainfo meta = MetainfoParser.read(torrentFile);
        InfoHash hash = InfoHash.of(meta.infoHash());
        int pieces = meta.info().pieceCount();
        Path leech = Files.createDirectories(tmp.resolve("leech"));
        Path state = tmp.resolve("state");
        Path resumeFile = ResumeStore.open(state).location(hash, leech);
        // Capped so that each run is stopped well before the end (4 MiB at 512 KiB/s: ~8 s).
        try (Session seed = Session.open(config(tmp.resolve("seed-state")).uploadRateLimit(512 * 1024).build())) {
            TorrentHandle seeding = seed.add(meta, tmp.resolve("seed"));
            assertThat(seeding.awaitCompletion(Duration.ofSeconds(20))).isTrue();
            InetSocketAddress seedAddress = new InetSocketAddress(InetAddress.getLoopbackAddress(), seed.listenPort());

            // Run 1: some pieces, then a clean stop.
            CountDownLatch enough = new CountDownLatch(FIRST_RUN);
            try (Session first = Session.open(config(state).build())) {
                first.subscribe(e -> {
                    if (e instanceof Event.PieceVerified) {
                        enough.countDown();
                    }
                });
                first.add(meta, leech).connect(seedAddress);
                assertThat(enough.await(30, TimeUnit.SECONDS)).as("%s pieces in run 1", FIRST_RUN).isTrue();
            }
            ResumeFile.State stopped = ResumeFile.read(resumeFile, hash, meta.info()).orElseThrow();
            assertThat(stopped.clean()).as("written by the stop").isTrue();

            // Run 2: started again in a child process, more pieces, killed.
            Set<Integer> killedRun = new TreeSet<>();
            try (ExternalProcess child = ExternalProcess.start("crash-leech", java(state.toString(),
                    torrentFile.toString(), leech.toString(), Integer.toString(seed.listenPort())), tmp)) {
                child.waitForLine("PIECE \\d+ " + KILLED_AFTER, Duration.ofSeconds(60));
                ExternalProcess.runChecked(Duration.ofSeconds(5), List.of("kill", "-KILL", Long.toString(child.pid())));
                child.waitForExit(Duration.ofSeconds(10));
                Matcher m = Pattern.compile("^PIECE (\\d+) \\d+$", Pattern.MULTILINE).matcher(child.logText());
                while (m.find()) {
                    killedRun.add(Integer.parseInt(m.group(1)));
                }
            }
            ResumeFile.State crashed = ResumeFile.read(resumeFile, hash, meta.info()).orElseThrow();
            assertThat(crashed.clean()).as("written as run 2 began downloading, not by a stop").isFalse();
            assertThat(crashed.have()).as("run 1's pieces").isEqualTo(stopped.have());
            Set<Integer> saved = set(crashed.have());
            assertThat(killedRun).as("verified in run 2, after its resume file was written").hasSizeGreaterThanOrEqualTo(
                    KILLED_AFTER).doesNotContainAnyElementsOf(saved);

            // Run 3: the saved pieces are had without hashing; the rest are hashed, run 2's found.
            Set<Integer> hashed = ConcurrentHashMap.newKeySet();
            try (Session third = Session.openWatched(config(state).build(), s -> new HashWatch(s, hashed))) {
                Set<Integer> received = ConcurrentHashMap.newKeySet();
                third.subscribe(e -> {
                    if (e instanceof Event.PieceVerified v) {
                        received.add(v.piece());
                    }
                });
                TorrentHandle t = third.add(meta, leech);
                TorrentStatus checked = awaitChecked(t);
                assertThat(hashed).as("pieces hashed at start").doesNotContainAnyElementsOf(saved)
                        .hasSize(pieces - saved.size());
                Set<Integer> found = set(checked.verifiedPieces().toBitSet());
                assertThat(found).as("found at start").containsAll(saved).containsAll(killedRun);
                System.out.printf("CrashResumeIT: %d pieces, %d saved (not hashed), %d verified after the save and"
                        + " found by hashing %d, %d on disk at start%n", pieces, saved.size(), killedRun.size(),
                        hashed.size(), found.size());
                t.connect(seedAddress);
                assertThat(t.awaitCompletion(Duration.ofSeconds(60))).as("run 3 completes; %s", t.status()).isTrue();
                assertThat(t.status().hashFailures()).isZero();
                Thread.sleep(200); // let the last events reach the subscriber
                assertThat(received).as("fetched again").doesNotContainAnyElementsOf(found);
            }
        }
        Payload.assertSameTree(content, leech.resolve("crash.bin"));
    }

    private static SessionConfig.Builder config(Path state) {
        return SessionConfig.builder().localDiscovery(false).dht(false).bindAddress(InetAddress.getLoopbackAddress())
                .listenPort(0).stateDirectory(state);
    }

    private static Set<Integer> set(Bitfield b) {
        Set<Integer> out = new TreeSet<>();
        for (int p = b.nextSet(0); p >= 0; p = b.nextSet(p + 1)) {
            out.add(p);
        }
        return out;
    }

    private static Set<Integer> set(BitSet b) {
        Set<Integer> out = new TreeSet<>();
        b.stream().forEach(out::add);
        return out;
    }

    static TorrentStatus awaitChecked(TorrentHandle t) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (true) {
            TorrentStatus s = t.status();
            if (s.state() != TorrentState.CHECKING) {
                return s;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("still checking: " + s);
            }
            Thread.sleep(20);
        }
    }

    /** The child's JVM: this JVM's java, the engine's classes and the test classes. */
    private static List<String> java(String... args) {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx64m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-cp",
                location(Session.class) + File.pathSeparator + location(CrashLeechChild.class),
                CrashLeechChild.class.getName()));
        cmd.addAll(List.of(args));
        return cmd;
    }

    private static String location(Class<?> c) {
        try {
            return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Records the pieces hashing asks for (every whole-piece read), passing every call on. */
    private static final class HashWatch implements Storage {
        private final Storage files;
        private final Set<Integer> hashed;

        HashWatch(Storage files, Set<Integer> hashed) {
            this.files = files;
            this.hashed = hashed;
        }

        @Override
        public TorrentInfo info() {
            return files.info();
        }

        @Override
        public void writePiece(int piece, ByteBuffer data) throws IOException {
            files.writePiece(piece, data);
        }

        @Override
        public void read(int piece, int begin, ByteBuffer dst) throws IOException {
            files.read(piece, begin, dst);
        }

        @Override
        public void transferTo(int piece, int begin, int length, WritableByteChannel target) throws IOException {
            files.transferTo(piece, begin, length, target);
        }

        @Override
        public boolean readPiece(int piece, ByteBuffer dst) throws IOException {
            hashed.add(piece);
            return files.readPiece(piece, dst);
        }

        @Override
        public void setWantedFiles(boolean[] wanted) throws IOException {
            files.setWantedFiles(wanted);
        }

        @Override
        public void willWant(boolean[] wanted) {
            files.willWant(wanted);
        }

        @Override
        public List<Integer> keptPiecesLost(Bitfield have) throws IOException {
            return files.keptPiecesLost(have);
        }

        @Override
        public void forgetOpenFiles() {
            files.forgetOpenFiles();
        }

        @Override
        public List<FileStat> stat() throws IOException {
            return files.stat();
        }

        @Override
        public void flush() throws IOException {
            files.flush();
        }

        @Override
        public void close() throws IOException {
            files.close();
        }
    }
}
