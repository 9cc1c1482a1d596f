package dev.spate.cli;

import dev.spate.engine.Event;
import dev.spate.engine.Session;
import dev.spate.engine.TorrentHandle;
import dev.spate.engine.TorrentState;
import dev.spate.engine.TorrentStatus;
import dev.spate.metainfo.Metainfo;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code spate download FILE.torrent [-o DIR] [--peer HOST:PORT]...}: fetches a torrent. */
@Command(name = "download", mixinStandardHelpOptions = true,
        description = "Download a torrent; run it again to resume. Exits 0 once every piece is verified on disk.")
final class DownloadCommand implements Callable<Integer> {
    /** Exit status after Ctrl-C: the shell's convention for SIGINT. */
    static final int INTERRUPTED = 130;

    @Parameters(index = "0", paramLabel = "FILE.torrent", description = "The .torrent file.")
    Path torrent;

    @Option(names = {"-o", "--output"}, paramLabel = "DIR", description = "Download directory (default: the current one).")
    Path output = Path.of(".");

    @Option(names = {"-p", "--peer"}, paramLabel = "HOST:PORT", description = "A peer to connect to; repeatable.")
    List<String> peers = new ArrayList<>();

    @Option(names = {"-t", "--tracker"}, paramLabel = "URL", description = "A tracker to announce to besides the torrent's own; repeatable.")
    List<String> trackers = new ArrayList<>();

    @Option(names = "--seed", description = "Keep seeding after the download completes, until interrupted (Ctrl-C).")
    boolean seed;

    @picocli.CommandLine.Mixin
    SessionOptions network = new SessionOptions();

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        Metainfo meta = InfoCommand.read(torrent);
        if (meta.v2Only()) {
            throw new IllegalArgumentException(torrent + ": v2-only torrents cannot be downloaded yet");
        }
        List<InetSocketAddress> peerAddresses = new ArrayList<>();
        for (String p : peers) {
            peerAddresses.add(parsePeer(p));
        }
        Files.createDirectories(output);
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        InfoCommand.printWarnings(meta, err);
        // Woken by completion, a torrent error or Ctrl-C; on Ctrl-C the process ends only once the
        // summary is printed and the session closed (resume data saved, trackers told "stopped").
        CountDownLatch wake = new CountDownLatch(1);
        try (Interrupt interrupt = new Interrupt(wake); Session session = network.open(spec)) {
            AtomicReference<String> failure = new AtomicReference<>();
            AtomicBoolean complete = new AtomicBoolean();
            AutoCloseable subscription = session.subscribe(e -> {
                switch (e) {
                    case Event.TorrentComplete c -> {
                        complete.set(true);
                        wake.countDown();
                    }
                    case Event.TorrentError x -> {
                        failure.set(x.message());
                        wake.countDown();
                    }
                    default -> {
                        String line = StatusLine.eventLine(e);
                        if (line != null) {
                            err.println(line);
                        }
                    }
                }
            });
            // Added only once we listen: a torrent already complete on disk finishes its check at
            // once, and its TorrentComplete must not go by unheard.
            TorrentHandle handle = session.add(meta, output);
            err.println("listening on port " + session.listenPort());
            trackers.forEach(handle::addTracker);
            peerAddresses.forEach(handle::connect);
            boolean anyTracker = !trackers.isEmpty() || !meta.trackers().isEmpty();
            long start = System.nanoTime();
            StatusLine line = new StatusLine(err);
            try {
                while (!wake.await(1, TimeUnit.SECONDS)) {
                    if (session.failure().isPresent()) {
                        // An Error in the engine (out of memory, say) ended the session.
                        failure.set(session.failure().get());
                        break;
                    }
                    TorrentStatus s = handle.status();
                    if (peerAddresses.isEmpty() && !anyTracker && s.state() == TorrentState.DOWNLOADING && s.peers() == 0
                            && (System.nanoTime() - start) > 5_000_000_000L) {
                        line.clear();
                        err.println("spate: no peers to download from: the torrent has no trackers; "
                                + "give a peer with --peer HOST:PORT or a tracker with --tracker URL");
                        return interrupt.finish(Main.FAILURE);
                    }
                    line.show(s);
                }
                line.clear();
                summary(out, handle.status(), (System.nanoTime() - start) / 1e9);
                if (seed && complete.get() && !interrupt.interrupted()) {
                    out.println("seeding until interrupted (Ctrl-C)");
                    out.flush();
                    while (!interrupt.interrupted() && failure.get() == null) {
                        if (session.failure().isPresent()) {
                            failure.set(session.failure().get());
                            break;
                        }
                        line.show(handle.status());
                        Thread.sleep(1000);
                    }
                    line.clear();
                    TorrentStatus s = handle.status();
                    out.printf("%s: uploaded %s while seeding%n", TerminalText.escape(s.name()), Units.bytes(s.uploaded()));
                    out.flush();
                }
            } finally {
                line.clear();
                subscription.close();
            }
            if (failure.get() != null) {
                err.println("spate: " + TerminalText.escape(failure.get()));
                return interrupt.finish(Main.FAILURE);
            }
            return interrupt.finish(complete.get() ? 0 : INTERRUPTED);
        }
    }

    private InetSocketAddress parsePeer(String text) {
        int colon = text.lastIndexOf(':');
        if (colon <= 0 || colon == text.length() - 1) {
            throw new ParameterException(spec.commandLine(), "invalid peer '" + text + "': expected HOST:PORT");
        }
        String host = text.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int p;
        try {
            p = Integer.parseInt(text.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new ParameterException(spec.commandLine(), "invalid port in peer '" + text + "'");
        }
        if (p < 1 || p > 65535) {
            throw new ParameterException(spec.commandLine(), "invalid port in peer '" + text + "'");
        }
        try {
            return new InetSocketAddress(InetAddress.getByName(host), p);
        } catch (UnknownHostException e) {
            throw new ParameterException(spec.commandLine(), "unknown host in peer '" + text + "'");
        }
    }

    /** The trackers' last word and the totals; the torrent's name and the trackers' URLs and messages escaped. */
    static void summary(PrintWriter out, TorrentStatus s, double seconds) {
        for (var t : s.trackers()) {
            out.printf("tracker %s: %s%s%s%n", TerminalText.escape(t.url()), t.status(),
                    t.message().map(m -> ": " + TerminalText.escape(m)).orElse(""),
                    t.nextAnnounceSeconds() >= 0 ? ", next announce in " + Units.duration(t.nextAnnounceSeconds()) : "");
        }
        out.printf("%s: %s, %d/%d pieces (%.1f%%), %s received in %s (%s), %d hash failures, %s wasted%n",
                TerminalText.escape(s.name()), s.isComplete() ? "complete" : "incomplete", s.piecesVerified(), s.pieceCount(),
                s.progress() * 100, Units.bytes(s.downloaded()), Units.duration((long) seconds),
                Units.rate(seconds > 0 ? s.downloaded() / seconds : 0), s.hashFailures(), Units.bytes(s.wasted()));
        out.flush();
    }
}
