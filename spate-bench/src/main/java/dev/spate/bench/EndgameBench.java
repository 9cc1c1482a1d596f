package dev.spate.bench;

import dev.spate.engine.Event;
import dev.spate.engine.Session;
import dev.spate.engine.SessionConfig;
import dev.spate.engine.TorrentHandle;
import dev.spate.metainfo.Metainfo;
import dev.spate.metainfo.TorrentCreator;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;

/**
 * What endgame mode is worth: a leech downloads from one fast seed and one slow (rate-limited) seed,
 * with endgame on and off in alternation, and the time its last 5% of pieces take is compared.
 * Without endgame, the last blocks asked of the slow seed wait for it; with it, they are also asked
 * of the fast one and cancelled at the slow one when they arrive.
 *
 * <p>Usage: {@code bench/endgame [--size 64M] [--piece-size 256K] [--fast-rate 16M] [--slow-rate 1M] [--runs 5]}.
 * Everything runs in this JVM on 127.0.0.1.
 */
public final class EndgameBench {
    private record Run(boolean endgame, double totalSeconds, double lastFivePercentSeconds, long wasted) {
    }

    private EndgameBench() {
    }

    public static void main(String[] args) throws Exception {
        long size = 64L << 20;
        int pieceSize = 256 << 10;
        long slowRate = 1L << 20;
        long fastRate = 16L << 20;
        int runs = 5;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--size" -> size = parseSize(args[++i]);
                case "--piece-size" -> pieceSize = (int) parseSize(args[++i]);
                case "--slow-rate" -> slowRate = parseSize(args[++i]);
                case "--fast-rate" -> fastRate = parseSize(args[++i]);
                case "--runs" -> runs = Integer.parseInt(args[++i]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]
                        + " (--size, --piece-size, --fast-rate, --slow-rate, --runs)");
            }
        }
        Path dir = Files.createTempDirectory("spate-endgame");
        try {
            Path data = dir.resolve("seed/payload.bin");
            Files.createDirectories(data.getParent());
            writeRandom(data, size);
            Metainfo meta = TorrentCreator.builder(data).pieceLength(pieceSize).build().createMetainfo();
            System.out.printf(Locale.ROOT, "endgame: %d MiB, %d pieces of %d KiB, fast seed %d KiB/s, slow seed %d KiB/s, %d runs each%n",
                    size >> 20, meta.info().pieceCount(), pieceSize >> 10, fastRate >> 10, slowRate >> 10, runs);
            List<Run> results = new ArrayList<>();
            for (int r = 0; r < runs; r++) {
                for (boolean endgame : new boolean[] {true, false}) {
                    Run run = once(meta, dir, fastRate, slowRate, endgame);
                    results.add(run);
                    System.out.printf(Locale.ROOT, "endgame %-3s run %d: total %.2f s, last 5%% %.3f s, wasted %d bytes%n",
                            endgame ? "on" : "off", r + 1, run.totalSeconds(), run.lastFivePercentSeconds(), run.wasted());
                }
            }
            System.out.println();
            System.out.println("| endgame | runs | last 5% s median | min | max | total s median | wasted bytes median |");
            System.out.println("|---|---|---|---|---|---|---|");
            for (boolean endgame : new boolean[] {true, false}) {
                List<Run> mine = results.stream().filter(x -> x.endgame() == endgame).toList();
                List<Double> last = sorted(mine.stream().map(Run::lastFivePercentSeconds).toList());
                List<Double> total = sorted(mine.stream().map(Run::totalSeconds).toList());
                List<Double> wasted = sorted(mine.stream().map(x -> (double) x.wasted()).toList());
                System.out.printf(Locale.ROOT, "| %s | %d | %.3f | %.3f | %.3f | %.2f | %.0f |%n", endgame ? "on" : "off",
                        mine.size(), median(last), last.get(0), last.get(last.size() - 1), median(total), median(wasted));
            }
        } finally {
            try (Stream<Path> walk = Files.walk(dir)) {
                walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static Run once(Metainfo meta, Path dir, long fastRate, long slowRate, boolean endgame) throws Exception {
        InetAddress lo = InetAddress.getLoopbackAddress();
        Path leechDir = dir.resolve("leech");
        Path state = dir.resolve("state"); // removed with the rest; the user's resume data is not touched
        try (Session fast = Session.open(SessionConfig.builder().localDiscovery(false).dht(false).bindAddress(lo).listenPort(0)
                     .uploadRateLimit(fastRate).stateDirectory(state).build());
             Session slow = Session.open(SessionConfig.builder().localDiscovery(false).dht(false).bindAddress(lo).listenPort(0)
                     .uploadRateLimit(slowRate).stateDirectory(state).build());
             Session leech = Session.open(SessionConfig.builder().localDiscovery(false).dht(false).bindAddress(lo).listenPort(0).endgame(endgame)
                     .stateDirectory(state).build())) {
            await(fast.add(meta, dir.resolve("seed")));
            await(slow.add(meta, dir.resolve("seed")));
            List<Long> verified = new CopyOnWriteArrayList<>();
            leech.subscribe(e -> {
                if (e instanceof Event.PieceVerified) {
                    verified.add(System.nanoTime());
                }
            });
            long start = System.nanoTime();
            TorrentHandle t = leech.add(meta, leechDir);
            // The slow seed first, so that it is asked for blocks from the start.
            t.connect(new InetSocketAddress(lo, slow.listenPort()));
            t.connect(new InetSocketAddress(lo, fast.listenPort()));
            if (!t.awaitCompletion(Duration.ofMinutes(10))) {
                throw new IllegalStateException("download did not complete: " + t.status());
            }
            long end = System.nanoTime();
            long wasted = t.status().wasted();
            while (verified.size() < meta.info().pieceCount()) {
                Thread.sleep(10); // the last events may still be on their way
            }
            List<Long> times = sorted(verified);
            int pieces = times.size();
            int lastFive = Math.max(1, (int) Math.ceil(pieces * 0.05));
            long fromNinetyFive = times.get(pieces - lastFive - 1);
            return new Run(endgame, (end - start) / 1e9, (times.get(pieces - 1) - fromNinetyFive) / 1e9, wasted);
        } finally {
            try (Stream<Path> walk = Files.exists(leechDir) ? Files.walk(leechDir) : Stream.empty()) {
                walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static void await(TorrentHandle seed) throws InterruptedException {
        if (!seed.awaitCompletion(Duration.ofMinutes(2))) {
            throw new IllegalStateException("seed did not check its data: " + seed.status());
        }
    }

    private static <T extends Comparable<T>> List<T> sorted(List<T> values) {
        List<T> copy = new ArrayList<>(values);
        Collections.sort(copy);
        return copy;
    }

    private static double median(List<Double> sorted) {
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    private static void writeRandom(Path file, long size) throws IOException {
        SplittableRandom random = new SplittableRandom(1);
        byte[] buffer = new byte[1 << 20];
        try (OutputStream out = Files.newOutputStream(file)) {
            for (long left = size; left > 0; left -= buffer.length) {
                random.nextBytes(buffer);
                out.write(buffer, 0, (int) Math.min(buffer.length, left));
            }
        }
    }

    private static long parseSize(String text) {
        String t = text.trim().toUpperCase(Locale.ROOT);
        long unit = t.endsWith("G") ? 1L << 30 : t.endsWith("M") ? 1L << 20 : t.endsWith("K") ? 1L << 10 : 1;
        return Long.parseLong(unit == 1 ? t : t.substring(0, t.length() - 1)) * unit;
    }
}
