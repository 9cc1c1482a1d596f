package dev.spate.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.spate.ReadmeSnippets;
import dev.spate.engine.Session;
import dev.spate.metainfo.Metainfo;
import dev.spate.metainfo.MetainfoParser;
import java.io.File;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the README's six library programs as a user would, each its own JVM, against each other:
 * CreateTorrent makes a .torrent of a directory, Seed seeds it, and Download, Control and Events
 * each download it from that seed, byte-exact, and Stream copies its largest file through a stream
 * as it downloads. They run inside a network namespace the test makes
 * (loopback only), so whatever defaults the engine has for users (a public DHT router, local service
 * discovery) cannot reach a real network from them.
 */
class ReadmeSnippetsIT {
    static final Duration RUN = Duration.ofMinutes(2);

    @TempDir
    Path tmp;

    @Test
    @Timeout(value = 6, unit = TimeUnit.MINUTES)
    void theSixProgramsCreateSeedDownloadAndStreamATorrentOverLoopback() throws Exception {
        assumeTrue(NetNamespace.isSupported(), "needs root and ip netns");
        Path engine = Path.of(Session.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        Path classes = tmp.resolve("classes");
        assertThat(ReadmeSnippets.compile(ReadmeSnippets.programs(), engine, classes)).isEmpty();
        String classPath = engine + File.pathSeparator + classes;
        // Big enough that a 1 MiB/s limit cannot finish it in Control's two seconds.
        Path payload = tmp.resolve("seed/payload");
        Payload.file(payload.resolve("disc.iso"), 6 << 20, 7);
        Payload.file(payload.resolve("notes/readme.txt"), 100_001, 8);
        Path torrent = tmp.resolve("payload.torrent");

        try (NetNamespace ns = NetNamespace.create(1)) {
            String created = run(ns, classPath, "CreateTorrent", payload.toString(), torrent.toString());
            Metainfo meta = MetainfoParser.read(torrent);
            assertThat(created).contains("created " + torrent + ": payload, " + meta.info().pieceCount()
                    + " pieces, info-hash " + meta.infoHashHex());

            try (ExternalProcess seed = ExternalProcess.start("readme-Seed",
                    ns.exec(java(classPath, "Seed", torrent.toString(), tmp.resolve("seed").toString(), "6881")), tmp)) {
                seed.waitForLine("^seeding payload on port 6881$", RUN);

                String download = run(ns, classPath, "Download", torrent.toString(), tmp.resolve("d1").toString(),
                        "127.0.0.1:6881");
                assertThat(download).containsPattern("(?m)^(CHECKING|DOWNLOADING|SEEDING) +\\d+\\.\\d% \\d+/"
                        + meta.info().totalLength() + " bytes, \\d+ B/s, \\d+ peers, ETA ");
                assertThat(download).contains("complete: payload, " + meta.info().totalLength() + " bytes in "
                        + tmp.resolve("d1") + ", 0 hash failures");
                Payload.assertSameTree(payload, tmp.resolve("d1/payload"));

                String control = run(ns, classPath, "Control", torrent.toString(), tmp.resolve("d2").toString(),
                        "127.0.0.1:6881");
                Matcher paused = Pattern.compile("(?m)^paused at (\\d+) of (\\d+) bytes$").matcher(control);
                assertThat(paused.find()).as(control).isTrue();
                assertThat(Long.parseLong(paused.group(2))).isEqualTo(meta.info().totalLength());
                assertThat(Long.parseLong(paused.group(1))).as("verified when paused, 1 MiB/s for 2 s")
                        .isLessThan(meta.info().totalLength());
                assertThat(control).contains("\nresumed\n", "\ncomplete: " + meta.info().totalLength() + " bytes\n",
                        "\nremoved; torrents in the session: 0\n");
                Payload.assertSameTree(payload, tmp.resolve("d2/payload"));

                String events = run(ns, classPath, "Events", torrent.toString(), tmp.resolve("d3").toString(),
                        "127.0.0.1:6881");
                assertThat(events).contains("state: CHECKING -> DOWNLOADING",
                        "peer connected: /127.0.0.1:6881", "complete: " + meta.infoHashHex(), "\n0 events dropped\n");
                assertThat(events.lines().filter(l -> l.startsWith("piece verified: ")).distinct().count())
                        .isEqualTo(meta.info().pieceCount());
                Payload.assertSameTree(payload, tmp.resolve("d3/payload"));

                Path streamed = tmp.resolve("streamed.iso");
                String stream = run(ns, classPath, "Stream", torrent.toString(), tmp.resolve("d4").toString(),
                        "127.0.0.1:6881", streamed.toString());
                assertThat(stream).containsPattern("(?m)^streamed \\S*disc\\.iso: " + (6 << 20) + " bytes; verified ");
                assertThat(java.nio.file.Files.mismatch(streamed, payload.resolve("disc.iso"))).as("byte-exact").isEqualTo(-1);

                assertThat(seed.isAlive()).as("the seed runs until stopped").isTrue();
            }
        }
    }

    private List<String> java(String classPath, String program, String... args) {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", classPath, program));
        cmd.addAll(List.of(args));
        return cmd;
    }

    /** Runs one program inside the namespace to its end; its output, after checking it exited 0. */
    private String run(NetNamespace ns, String classPath, String program, String... args) {
        try (ExternalProcess p = ExternalProcess.start("readme-" + program, ns.exec(java(classPath, program, args)), tmp)) {
            int exit = p.waitForExit(RUN);
            if (exit != 0) {
                throw p.failure("exited " + exit);
            }
            return p.logText();
        }
    }
}
