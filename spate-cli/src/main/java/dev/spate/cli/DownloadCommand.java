package dev.spate.cli;

import dev.spate.engine.Event;
import dev.spate.engine.Session;
import dev.spate.engine.TorrentHandle;
import dev.spate.engine.TorrentState;
import dev.spate.engine.TorrentStatus;
import dev.spate.metainfo.Magnet;
import dev.spate.metainfo.Metainfo;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code spate download FILE.torrent [-o DIR] [--peer HOST:PORT]...}: fetches a torrent. */
@Command(name = "download", mixinStandardHelpOptions = true,
        description = "Download a torrent; run it again to resume. Exits 0 once every piece is verified on disk.",
        exitCodeListHeading = Main.EXIT_CODE_HEADING, exitCodeList = {Main.EXIT_OK, Main.EXIT_FAILURE, Main.EXIT_USAGE,
                Main.EXIT_INTERRUPTED})
final class DownloadCommand implements Callable<Integer> {
    /** Exit status after Ctrl-C: the shell's convention for SIGINT. */
    static final int INTERRUPTED = 130;
    /** With neither peers nor trackers, and LSD off: nobody can come. */
    static final long NO_PEERS_GIVE_UP_NANOS = 5_000_000_000L;
    /**
     * The same with LSD on: a peer on the local network may still announce itself; one that was there
     * before us does so again within BEP 14's 5 minutes, so a minute more than that.
     */
    static final long NO_PEERS_BUT_LSD_GIVE_UP_NANOS = 360_000_000_000L;

    @Parameters(index = "0", paramLabel = "FILE.torrent|MAGNET", description = "The .torrent file, or a magnet link.")
    String torrent;

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
        // A magnet link's torrent is known only once its metadata arrives from peers (BEP 9).
        Magnet magnet = torrent.regionMatches(true, 0, "magnet:", 0, 7) ? Magnet.parse(torrent) : null;
        Metainfo meta = magnet == null ? InfoCommand.read(torrent) : null;
        if (meta != null && meta.v2Only()) {
            throw new IllegalArgumentException(torrent + ": v2-only torrents cannot be downloaded yet");
        }
        if (magnet != null && magnet.v2Only()) {
            throw new IllegalArgumentException("v2-only magnet links are not supported yet");
        }
        List<InetSocketAddress> peerAddresses = new ArrayList<>();
        for (String p : peers) {
            peerAddresses.add(parsePeer(p));
        }
        if (Files.exists(output) && !Files.isDirectory(output)) {
            throw new NotDirectoryException(output.toString());
        }
        Files.createDirectories(output);
        Path base = output.toAbsolutePath().normalize();
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        boolean verbose = Main.verbose(spec);
        if (meta != null) {
            InfoCommand.printWarnings(meta, err);
        }
        // Woken by completion, a torrent error or Ctrl-C; on Ctrl-C the process ends only once the
        // summary is printed and the session closed (resume data saved, trackers told "stopped").
        CountDownLatch wake = new CountDownLatch(1);
        try (Interrupt interrupt = new Interrupt(wake); Session session = network.open(spec)) {
            AtomicReference<String> failure = new AtomicReference<>();
            AtomicBoolean complete = new AtomicBoolean();
            AtomicLong completedAt = new AtomicLong();
            long start = System.nanoTime();
            StatusLine line = new StatusLine(err);
            Stall stall = new Stall(start);
            AutoCloseable subscription = session.subscribe(e -> {
                switch (e) {
                    case Event.TorrentComplete c -> {
                        completedAt.set(System.nanoTime());
                        complete.set(true);
                        wake.countDown();
                    }
                    case Event.TorrentError x -> {
                        failure.set(x.message());
                        wake.countDown();
                    }
                    default -> {
                        stall.onEvent(e);
                        String text = StatusLine.eventLine(e);
                        if (text == null && verbose) {
                            text = StatusLine.verboseLine(e);
                        }
                        if (text != null) {
                            line.println(text);
                        }
                    }
                }
            });
            // Added only once we listen: a torrent already complete on disk finishes its check at
            // once, and its TorrentComplete must not go by unheard.
            TorrentHandle handle = meta != null ? session.add(meta, output) : session.add(magnet, output);
            line.println("listening on port " + session.listenPort());
            trackers.forEach(handle::addTracker);
            peerAddresses.forEach(handle::connect);
            boolean anyTracker = !trackers.isEmpty() || (meta != null ? !meta.trackers().isEmpty()
                    : !magnet.trackers().isEmpty() || !magnet.peers().isEmpty());
            // The first block's arrival, to within a poll: until it comes the status is asked for
            // often, so that the average rate is taken over the transfer and not over the wait for it.
            long lastEmpty = start;
            long firstBytes = -1;
            long lastShown = 0;
            boolean shown = false;
            try {
                while (!wake.await(firstBytes < 0 ? 50 : 1000, TimeUnit.MILLISECONDS)) {
                    if (session.failure().isPresent()) {
                        // An Error in the engine (out of memory, say) ended the session.
                        failure.set(session.failure().get());
                        break;
                    }
                    TorrentStatus s = handle.status();
                    long now = System.nanoTime();
                    if (firstBytes < 0) {
                        if (s.downloaded() > 0) {
                            firstBytes = lastEmpty + (now - lastEmpty) / 2;
                        } else {
                            lastEmpty = now;
                        }
                    }
                    if (peerAddresses.isEmpty() && !anyTracker && s.state() == TorrentState.DOWNLOADING && s.peers() == 0
                            && now - start > (network.noLsd ? NO_PEERS_GIVE_UP_NANOS : NO_PEERS_BUT_LSD_GIVE_UP_NANOS)) {
                        line.clear();
                        err.println("spate: no peers to download from: the torrent has no trackers"
                                + (network.noLsd ? "" : " and no peer on the local network announced it (LSD)")
                                + "; give a peer with --peer HOST:PORT or a tracker with --tracker URL");
                        return interrupt.finish(Main.FAILURE);
                    }
                    for (String text : stall.due(s, now)) {
                        line.println(text);
                    }
                    if (!shown || now - lastShown >= 1_000_000_000L) {
                        shown = true;
                        lastShown = now;
                        line.show(s);
                    }
                }
                long end = complete.get() ? completedAt.get() : System.nanoTime();
                if (firstBytes < 0) {
                    firstBytes = lastEmpty; // all of it came between the last two looks
                }
                endLine(interrupt, line, out, err);
                TorrentStatus s = handle.status();
                trackerLines(out, s);
                out.println(Summary.download(s, base.resolve(handle.name()).toString(), Math.max(0, end - firstBytes) / 1e9));
                out.flush();
                if (seed && complete.get() && !interrupt.interrupted()) {
                    out.println("seeding until interrupted (Ctrl-C)");
                    out.flush();
                    long seedStart = System.nanoTime();
                    while (!interrupt.interrupted() && failure.get() == null) {
                        if (session.failure().isPresent()) {
                            failure.set(session.failure().get());
                            break;
                        }
                        line.show(handle.status());
                        Thread.sleep(1000);
                    }
                    endLine(interrupt, line, out, err);
                    out.println(Summary.seeding(handle.status(), (System.nanoTime() - seedStart) / 1_000_000_000L));
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

    /**
     * Ends the live line before the summary: after Ctrl-C it stays, with the terminal's {@code ^C},
     * and the summary starts on a line of its own; otherwise it is taken away.
     */
    static void endLine(Interrupt interrupt, StatusLine line, PrintWriter out, PrintWriter err) {
        if (!interrupt.interrupted()) {
            line.clear();
        } else if (!line.keep()) {
            Terminal.afterInterrupt(out, err);
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

    /** The trackers' last word; their URLs and messages escaped. */
    static void trackerLines(PrintWriter out, TorrentStatus s) {
        for (var t : s.trackers()) {
            out.printf("tracker %s: %s%s%s%n", TerminalText.escape(t.url()), t.status(),
                    t.message().map(m -> ": " + TerminalText.escape(m)).orElse(""),
                    t.nextAnnounceSeconds() >= 0 ? ", next announce in " + Units.duration(t.nextAnnounceSeconds()) : "");
        }
    }
}
