package dev.spate.cli;

import dev.spate.engine.Session;
import dev.spate.engine.SessionConfig;
import dev.spate.engine.TorrentHandle;
import dev.spate.engine.TorrentState;
import dev.spate.engine.TorrentStatus;
import dev.spate.metainfo.Metainfo;
import dev.spate.metainfo.TorrentCreator;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code spate selftest}: a seed and a leech, two sessions in this process, move a random payload
 * over 127.0.0.1, and every byte is compared. It shows the engine works on this machine and how
 * fast it moves data with nothing else in the way; the launcher also runs it once after a build, to
 * train the JVM's ahead-of-time cache on the code a download and a seed really run.
 */
@Command(name = "selftest", mixinStandardHelpOptions = true,
        description = "Seed and download a random payload between two sessions on 127.0.0.1, check every byte,"
                + " and report the rate. Nothing leaves this machine.")
final class SelftestCommand implements Callable<Integer> {
    private static final long MAX_SIZE = 16L << 30;

    @Option(names = "--size", paramLabel = "SIZE", defaultValue = "64M",
            description = "Payload size, e.g. 64M or 1G (binary units; default 64M).")
    String size;

    @Option(names = "--dir", paramLabel = "DIR",
            description = "Where to put the payload and the copy (default: a temporary directory); removed afterwards.")
    Path dir;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        long bytes;
        try {
            bytes = Units.parseSize(size);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "invalid --size '" + size + "': " + e.getMessage());
        }
        if (bytes < 1 || bytes > MAX_SIZE) {
            throw new ParameterException(spec.commandLine(), "--size " + size + " outside 1 B to 16 GiB");
        }
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Path work = dir == null ? Files.createTempDirectory("spate-selftest")
                : Files.createTempDirectory(Files.createDirectories(dir), "spate-selftest");
        try {
            Path source = Files.createDirectories(work.resolve("seed")).resolve("selftest.bin");
            writeRandom(source, bytes);
            Metainfo meta = TorrentCreator.builder(source).build().createMetainfo();
            // Its own state directory, removed with the rest: the user's resume data is not touched.
            // No local service discovery: a test of this machine announces nothing to the network.
            SessionConfig loopback = SessionConfig.builder().localDiscovery(false).dht(false)
                    .bindAddress(InetAddress.getLoopbackAddress()).listenPort(0).stateDirectory(work.resolve("state")).build();
            double seconds;
            try (Session seedSession = Session.open(loopback); Session leechSession = Session.open(loopback)) {
                TorrentHandle seed = seedSession.add(meta, source.getParent());
                awaitSeeding(seed);
                TorrentHandle leech = leechSession.add(meta, work.resolve("leech"));
                long start = System.nanoTime();
                leech.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), seedSession.listenPort()));
                if (!leech.awaitCompletion(Duration.ofMinutes(10))) {
                    err.println("spate: selftest: the download did not complete within 10 minutes: "
                            + TerminalText.escape(leech.status().toString()));
                    return Main.FAILURE;
                }
                seconds = (System.nanoTime() - start) / 1e9;
            }
            long mismatch = Files.mismatch(source, work.resolve("leech").resolve("selftest.bin"));
            if (mismatch >= 0) {
                err.println("spate: selftest: the copy differs from the payload at byte " + mismatch);
                return Main.FAILURE;
            }
            out.printf("selftest: %s seeded and downloaded over 127.0.0.1 in %.2f s (%s), every byte checked%n",
                    Units.bytes(bytes), seconds, Units.rate(bytes / Math.max(seconds, 1e-9)));
            return 0;
        } finally {
            deleteTree(work);
        }
    }

    private static void awaitSeeding(TorrentHandle seed) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofMinutes(10).toNanos();
        TorrentStatus s = seed.status();
        while (s.state() != TorrentState.SEEDING) {
            if (s.state() == TorrentState.ERROR || System.nanoTime() > deadline) {
                throw new IllegalStateException("selftest: the seed did not start: " + s.error().orElse(s.state().toString()));
            }
            Thread.sleep(20);
            s = seed.status();
        }
    }

    private static void writeRandom(Path file, long bytes) throws IOException {
        SplittableRandom random = new SplittableRandom(bytes);
        byte[] chunk = new byte[1 << 20];
        try (OutputStream o = Files.newOutputStream(file)) {
            for (long left = bytes; left > 0; left -= chunk.length) {
                random.nextBytes(chunk);
                o.write(chunk, 0, (int) Math.min(left, chunk.length));
            }
        }
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
