package dev.spate.cli;

import dev.spate.core.InfoHash;
import dev.spate.core.PeerAddress;
import dev.spate.engine.Event;
import dev.spate.engine.Session;
import dev.spate.engine.TorrentHandle;
import dev.spate.engine.TorrentOptions;
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
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code spate download FILE.torrent|URL|MAGNET [-o DIR] [--peer HOST:PORT]...}: fetches a torrent. */
@Command(name = "download", mixinStandardHelpOptions = true,
        description = "Download a torrent; run it again to resume. Exits 0 once every piece is verified on disk.",
        exitCodeListHeading = Main.EXIT_CODE_HEADING, exitCodeList = {Main.EXIT_OK, Main.EXIT_FAILURE, Main.EXIT_USAGE,
                Main.EXIT_INTERRUPTED})
final class DownloadCommand implements Callable<Integer> {
    /** Exit status after Ctrl-C: the shell's convention for SIGINT. */
    static final int INTERRUPTED = 130;
    /** How often {@code --peers} prints the peer table unless {@code --peers-interval} says otherwise. */
    static final long PEER_TABLE_NANOS = TimeUnit.SECONDS.toNanos(10);
    /** With neither peers nor trackers, and LSD off: nobody can come. */
    static final long NO_PEERS_GIVE_UP_NANOS = 5_000_000_000L;
    /**
     * The same with LSD or the DHT on: a peer on the local network may still announce itself; one that
     * was there before us does so again within BEP 14's 5 minutes, so a minute more than that; the
     * DHT's first lookup ends well within it.
     */
    static final long NO_PEERS_BUT_LSD_GIVE_UP_NANOS = 360_000_000_000L;

    @Parameters(arity = "1..*", paramLabel = "FILE.torrent|URL|MAGNET",
            description = "The .torrent file, its http(s) URL, or a magnet link; several are downloaded together.")
    List<String> torrents;

    @Option(names = {"-o", "--output"}, paramLabel = "DIR", description = "Download directory (default: the current one).")
    Path output = Path.of(".");

    @Option(names = {"-p", "--peer"}, paramLabel = "HOST:PORT", description = "A peer to connect to; repeatable.")
    List<String> peers = new ArrayList<>();

    @Option(names = {"-t", "--tracker"}, paramLabel = "URL", description = "A tracker to announce to besides the torrent's own; repeatable.")
    List<String> trackers = new ArrayList<>();

    @Option(names = "--peers", description = "Print the peer table every 10 s (on a terminal, the p key prints it at any time).")
    boolean peerTable;

    @Option(names = "--peers-interval", paramLabel = "SECONDS",
            description = "How often --peers prints the peer table (default: ${DEFAULT-VALUE} s).")
    int peerTableSeconds = (int) TimeUnit.NANOSECONDS.toSeconds(PEER_TABLE_NANOS);

    @Option(names = "--seed", description = "Keep seeding after the download completes, until interrupted (Ctrl-C).")
    boolean seed;

    @Option(names = "--only", paramLabel = "LIST",
            description = "Download only these files, numbered from 1 as 'spate info' lists them: e.g. 1,3-5. Others are not created.")
    String only;

    @Option(names = "--exclude", paramLabel = "LIST", description = "Do not download these files (numbers as for --only).")
    String exclude;

    @Option(names = "--sequential", description = "Fetch pieces in order, first to last, instead of the rarest first.")
    boolean sequential;

    @Option(names = "--first-last", description = "Fetch the first and last piece of every file before the others.")
    boolean firstLast;

    @picocli.CommandLine.Mixin
    SessionOptions network = new SessionOptions();

    @Spec
    CommandSpec spec;

    /**
     * One torrent of the command, as the main thread follows it; completion and failure come from
     * the event thread.
     */
    private static final class Transfer {
        final String argument;
        final Metainfo meta;
        final Magnet magnet;
        TorrentHandle handle;
        volatile long completedAt = -1;
        volatile String failure;
        long lastEmpty;
        long firstBytes = -1;

        Transfer(String argument, Metainfo meta, Magnet magnet) {
            this.argument = argument;
            this.meta = meta;
            this.magnet = magnet;
        }

        boolean complete() {
            return completedAt >= 0;
        }

        boolean over() {
            return complete() || failure != null;
        }

        /** Whether it has a source of peers besides those given with --peer. */
        boolean hasOwnSources() {
            return meta != null ? !meta.trackers().isEmpty() : !magnet.trackers().isEmpty() || !magnet.peers().isEmpty();
        }
    }

    @Override
    public Integer call() throws Exception {
        if (peerTableSeconds < 1) {
            throw new ParameterException(spec.commandLine(), "--peers-interval must be at least 1 s, not " + peerTableSeconds);
        }
        long peerTableNanos = TimeUnit.SECONDS.toNanos(peerTableSeconds);
        List<Transfer> transfers = new ArrayList<>();
        Map<InfoHash, Transfer> byHash = new ConcurrentHashMap<>();
        for (String torrent : torrents) {
            // A magnet link's torrent is known only once its metadata arrives from peers (BEP 9).
            Magnet magnet = torrent.regionMatches(true, 0, "magnet:", 0, 7) ? Magnet.parse(torrent) : null;
            Metainfo meta = magnet == null ? InfoCommand.read(torrent) : null;
            if (meta != null && meta.v2Only()) {
                throw new IllegalArgumentException(torrent + ": v2-only torrents cannot be downloaded yet");
            }
            if (magnet != null && magnet.v2Only()) {
                throw new IllegalArgumentException("v2-only magnet links are not supported yet");
            }
            Transfer t = new Transfer(torrent, meta, magnet);
            InfoHash hash = meta != null ? InfoHash.of(meta.infoHash()) : magnet.requireV1InfoHash();
            Transfer same = byHash.putIfAbsent(hash, t);
            if (same != null) {
                throw new IllegalArgumentException(torrent + " and " + same.argument + " are the same torrent ("
                        + hash.hex() + ")");
            }
            transfers.add(t);
        }
        if ((only != null || exclude != null) && transfers.size() > 1) {
            throw new ParameterException(spec.commandLine(), "--only and --exclude take one torrent, not "
                    + transfers.size());
        }
        TorrentOptions options = TorrentOptions.defaults().withSequential(sequential).withFirstLastPiecesFirst(firstLast);
        if (only != null || exclude != null) {
            Transfer t = transfers.get(0);
            if (t.meta == null) {
                throw new ParameterException(spec.commandLine(), "--only and --exclude need the torrent's files, which a"
                        + " magnet link does not list; save its .torrent first with 'spate info MAGNET --save FILE'");
            }
            try {
                options = options.withFilePriorities(FileSelection.priorities(only, exclude, t.meta.info().dataFiles().size()));
            } catch (IllegalArgumentException e) {
                throw new ParameterException(spec.commandLine(), e.getMessage());
            }
        }
        List<InetSocketAddress> peerAddresses = new ArrayList<>();
        for (String p : peers) {
            peerAddresses.add(parsePeer(spec, p));
        }
        if (Files.exists(output) && !Files.isDirectory(output)) {
            throw new NotDirectoryException(output.toString());
        }
        Files.createDirectories(output);
        Path base = output.toAbsolutePath().normalize();
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        boolean verbose = Main.verbose(spec);
        for (Transfer t : transfers) {
            if (t.meta != null) {
                InfoCommand.printWarnings(t.meta, err);
            }
        }
        // Woken once every torrent completed or failed, or by Ctrl-C; on Ctrl-C the process ends only
        // once the summaries are printed and the session closed (resume data saved, trackers told "stopped").
        CountDownLatch wake = new CountDownLatch(1);
        try (Interrupt interrupt = new Interrupt(wake); Session session = network.open(spec); Keys keys = Keys.open()) {
            AtomicReference<String> sessionFailure = new AtomicReference<>();
            long start = System.nanoTime();
            StatusLine line = new StatusLine(err);
            Stall stall = new Stall(start);
            boolean several = transfers.size() > 1;
            AutoCloseable subscription = session.subscribe(e -> {
                Transfer t = byHash.get(e.infoHash());
                switch (e) {
                    case Event.TorrentComplete c when t != null -> {
                        t.completedAt = System.nanoTime();
                        if (several && t.handle != null) {
                            line.println(TerminalText.escape(t.handle.name()) + ": complete");
                        }
                        if (transfers.stream().allMatch(Transfer::over)) {
                            wake.countDown();
                        }
                    }
                    case Event.TorrentError x when t != null -> {
                        t.failure = x.message();
                        if (several) {
                            line.println("spate: " + TerminalText.escape(t.argument) + ": " + TerminalText.escape(x.message()));
                        }
                        if (transfers.stream().allMatch(Transfer::over)) {
                            wake.countDown();
                        }
                    }
                    default -> {
                        stall.onEvent(e);
                        String text = StatusLine.eventLine(e);
                        if (text == null && verbose) {
                            text = StatusLine.verboseLine(e);
                        }
                        if (text != null) {
                            line.println(several && t != null && t.handle != null
                                    ? TerminalText.escape(t.handle.name()) + ": " + text : text);
                        }
                    }
                }
            });
            // Added only once we listen: a torrent already complete on disk finishes its check at
            // once, and its TorrentComplete must not go by unheard.
            for (Transfer t : transfers) {
                t.handle = t.meta != null ? session.add(t.meta, output, options) : session.add(t.magnet, output, options);
                t.lastEmpty = start;
                trackers.forEach(t.handle::addTracker);
                peerAddresses.forEach(t.handle::connect);
            }
            line.println("listening on port " + session.listenPort());
            long lastShown = 0;
            long lastPeerTable = start;
            boolean shown = false;
            try {
                // The first block's arrival, to within a poll: until it comes the status is asked for
                // often, so that the average rate is taken over the transfer and not over the wait for it.
                while (!wake.await(transfers.stream().anyMatch(t -> t.firstBytes < 0) ? 50 : 1000, TimeUnit.MILLISECONDS)) {
                    if (session.failure().isPresent()) {
                        // An Error in the engine (out of memory, say) ended the session.
                        sessionFailure.set(session.failure().get());
                        break;
                    }
                    long now = System.nanoTime();
                    List<TorrentStatus> statuses = new ArrayList<>();
                    for (Transfer t : transfers) {
                        TorrentStatus s = t.handle.status();
                        statuses.add(s);
                        if (t.firstBytes < 0) {
                            if (s.downloaded() > 0) {
                                t.firstBytes = t.lastEmpty + (now - t.lastEmpty) / 2;
                            } else {
                                t.lastEmpty = now;
                            }
                        }
                        if (peerAddresses.isEmpty() && trackers.isEmpty() && !t.hasOwnSources()
                                && s.state() == TorrentState.DOWNLOADING && s.peers() == 0 && s.webSeedsInUse() == 0
                                && now - start > (network.noLsd && network.noDht ? NO_PEERS_GIVE_UP_NANOS
                                        : NO_PEERS_BUT_LSD_GIVE_UP_NANOS)) {
                            line.clear();
                            err.println("spate: no peers to download from: " + (several ? TerminalText.escape(t.argument) + ": " : "")
                                    + "the torrent has no trackers" + (s.webSeeds().isEmpty() ? "" : " and every web seed was dropped")
                                    + (network.noDht ? "" : ", the DHT found no peer")
                                    + (network.noLsd ? "" : " and no peer on the local network announced it (LSD)")
                                    + "; give a peer with --peer HOST:PORT or a tracker with --tracker URL");
                            return interrupt.finish(Main.FAILURE);
                        }
                    }
                    TorrentStatus s = combined(statuses);
                    for (String text : stall.due(s, now)) {
                        line.println(text);
                    }
                    if (keys.peerTableAsked() || peerTable && now - lastPeerTable >= peerTableNanos) {
                        lastPeerTable = now;
                        printPeers(line, transfers, statuses);
                    }
                    if (!shown || now - lastShown >= 1_000_000_000L) {
                        shown = true;
                        lastShown = now;
                        line.show(s, session.dhtStatus());
                    }
                }
                long stopped = System.nanoTime();
                endLine(interrupt, line, out, err);
                for (Transfer t : transfers) {
                    long end = t.complete() ? t.completedAt : stopped;
                    long first = t.firstBytes < 0 ? t.lastEmpty : t.firstBytes; // all of it came between the last two looks
                    TorrentStatus s = t.handle.status();
                    trackerLines(out, s);
                    out.println(Summary.download(s, base.resolve(t.handle.name()).toString(), Math.max(0, end - first) / 1e9));
                }
                out.flush();
                boolean allComplete = transfers.stream().allMatch(Transfer::complete);
                if (seed && allComplete && !interrupt.interrupted()) {
                    out.println("seeding until interrupted (Ctrl-C)");
                    out.flush();
                    long seedStart = System.nanoTime();
                    while (!interrupt.interrupted() && transfers.stream().allMatch(t -> t.failure == null)) {
                        if (session.failure().isPresent()) {
                            sessionFailure.set(session.failure().get());
                            break;
                        }
                        List<TorrentStatus> seeding = transfers.stream().map(t -> t.handle.status()).toList();
                        if (keys.peerTableAsked() || peerTable && System.nanoTime() - lastPeerTable >= peerTableNanos) {
                            lastPeerTable = System.nanoTime();
                            printPeers(line, transfers, seeding);
                        }
                        line.show(combined(seeding), session.dhtStatus());
                        Thread.sleep(1000);
                    }
                    endLine(interrupt, line, out, err);
                    for (Transfer t : transfers) {
                        out.println(Summary.seeding(t.handle.status(), (System.nanoTime() - seedStart) / 1_000_000_000L));
                    }
                    out.flush();
                }
            } finally {
                line.clear();
                subscription.close();
            }
            boolean failed = false;
            if (sessionFailure.get() != null) {
                err.println("spate: " + TerminalText.escape(sessionFailure.get()));
                failed = true;
            }
            for (Transfer t : transfers) {
                if (t.failure != null) {
                    err.println("spate: " + (several ? TerminalText.escape(t.argument) + ": " : "") + TerminalText.escape(t.failure));
                    failed = true;
                }
            }
            if (failed) {
                return interrupt.finish(Main.FAILURE);
            }
            return interrupt.finish(transfers.stream().allMatch(Transfer::complete) ? 0 : INTERRUPTED);
        }
    }

    /**
     * The figures of several torrents as one, for the live line: sums, and the state of the least
     * advanced (downloading while any downloads); one torrent's own status as it is.
     */
    static TorrentStatus combined(List<TorrentStatus> statuses) {
        if (statuses.size() == 1) {
            return statuses.get(0);
        }
        TorrentState state = statuses.stream().map(TorrentStatus::state).min(java.util.Comparator.comparingInt(DownloadCommand::rank))
                .orElse(TorrentState.DOWNLOADING);
        int pieces = 0;
        int pieceCount = 0;
        long bytes = 0;
        long total = 0;
        long wantedBytes = 0;
        long wanted = 0;
        long down = 0;
        long up = 0;
        long downloaded = 0;
        long uploaded = 0;
        long wasted = 0;
        int peers = 0;
        int known = 0;
        int hashFailures = 0;
        List<dev.spate.engine.WebSeedStats> webSeeds = new ArrayList<>();
        for (TorrentStatus s : statuses) {
            webSeeds.addAll(s.webSeeds());
            pieces += s.piecesVerified();
            pieceCount += s.pieceCount();
            bytes += s.bytesVerified();
            total += s.totalBytes();
            wantedBytes += s.wantedBytesVerified();
            wanted += s.wantedBytes();
            down += s.downloadRate();
            up += s.uploadRate();
            downloaded += s.downloaded();
            uploaded += s.uploaded();
            wasted += s.wasted();
            peers += s.peers();
            known += s.knownPeers();
            hashFailures += s.hashFailures();
        }
        return TorrentStatus.builder().name(statuses.size() + " torrents").infoHash(statuses.get(0).infoHash()).state(state)
                .pieces(pieces, pieceCount).bytes(bytes, total).wanted(wantedBytes, wanted).rates(down, up).transferred(downloaded, uploaded, wasted)
                .peers(peers).knownPeers(known).hashFailures(hashFailures).webSeeds(webSeeds).build();
    }

    /** How far along a state is, for {@link #combined}: the live line shows the least advanced one. */
    private static int rank(TorrentState state) {
        return switch (state) {
            case METADATA -> 0;
            case CHECKING -> 1;
            case DOWNLOADING -> 2;
            case SEEDING -> 4;
            default -> 3;
        };
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

    /** {@code HOST:PORT} or {@code [V6]:PORT} of {@code --peer}; a usage error otherwise. */
    static InetSocketAddress parsePeer(CommandSpec spec, String text) {
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
            // One host is one peer: [::ffff:a.b.c.d] is the IPv4 peer it maps.
            return PeerAddress.canonical(new InetSocketAddress(InetAddress.getByName(host), p));
        } catch (UnknownHostException e) {
            throw new ParameterException(spec.commandLine(), "unknown host in peer '" + text + "'");
        }
    }

    /** Each torrent's peer table above the live line (named when there are several): cut to the terminal's width, whole in a log. */
    private static void printPeers(StatusLine line, List<Transfer> transfers, List<TorrentStatus> statuses) {
        int width = Terminal.interactive() ? Terminal.width() : Integer.MAX_VALUE;
        for (int i = 0; i < transfers.size(); i++) {
            if (transfers.size() > 1) {
                line.println(TerminalText.escape(statuses.get(i).name()) + ":");
            }
            PeerTable.lines(transfers.get(i).handle.peers(), statuses.get(i).pieceCount(), width).forEach(line::println);
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
