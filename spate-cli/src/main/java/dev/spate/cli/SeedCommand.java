package dev.spate.cli;

import dev.spate.engine.Session;
import dev.spate.engine.TorrentHandle;
import dev.spate.engine.TorrentState;
import dev.spate.engine.TorrentStatus;
import dev.spate.metainfo.Magnet;
import dev.spate.metainfo.Metainfo;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code spate seed FILE.torrent|URL|MAGNET -d DIR}: checks the data, then serves it until
 * interrupted; a magnet link's metadata is fetched from its peers first.
 */
@Command(name = "seed", mixinStandardHelpOptions = true,
        description = "Check the data in DIR, then seed it until interrupted (Ctrl-C).",
        exitCodeListHeading = Main.EXIT_CODE_HEADING, exitCodeList = {Main.EXIT_SEEDED, Main.EXIT_FAILURE, Main.EXIT_USAGE})
final class SeedCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "FILE.torrent|URL|MAGNET",
            description = "The .torrent file, its http(s) URL, or a magnet link (its metadata fetched from its peers).")
    String torrent;

    @Option(names = {"-d", "--dir"}, paramLabel = "DIR", description = "Where the data is: the directory 'download -o DIR' wrote to (default: the current one).")
    Path dir = Path.of(".");

    @Option(names = "--partial", description = "Seed the verified pieces even if the data is incomplete.")
    boolean partial;

    @picocli.CommandLine.Mixin
    SessionOptions network = new SessionOptions();

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        TorrentArgument argument = TorrentArgument.of(torrent);
        Magnet magnet = argument instanceof TorrentArgument.Link link ? link.magnet() : null;
        Metainfo known = magnet != null ? null : argument.metainfo(TorrentArgument.FETCH_TIMEOUT);
        if (known != null && known.v2Only()) {
            throw new IllegalArgumentException(torrent + ": v2-only torrents cannot be seeded yet");
        }
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw new NotDirectoryException(dir.toString());
        }
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException("no such directory: " + dir);
        }
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        boolean verbose = Main.verbose(spec);
        StatusLine line = new StatusLine(err);
        try (Session session = network.open(spec)) {
            session.subscribe(e -> {
                String text = StatusLine.eventLine(e);
                if (text == null && verbose) {
                    text = StatusLine.verboseLine(e);
                }
                if (text != null) {
                    line.println(text);
                }
            });
            // A magnet link: its metadata first, from its peers and trackers, in this session.
            Metainfo meta = known != null ? known : MagnetMetadata.fetch(session, magnet, List.of(),
                    TorrentArgument.FETCH_TIMEOUT, "", e -> { }, () -> line.println("fetching the metadata of "
                            + magnet.infoHash().orElseThrow().hex() + " from peers (at most "
                            + TorrentArgument.FETCH_TIMEOUT.toSeconds() + " s)"));
            InfoCommand.printWarnings(meta, err);
            TorrentHandle handle = session.add(meta, dir);
            TorrentStatus s = handle.status();
            while (s.state() == TorrentState.CHECKING) {
                Thread.sleep(100);
                s = handle.status();
            }
            if (s.state() == TorrentState.ERROR) {
                err.println("spate: " + TerminalText.escape(s.error().orElse("error")));
                return Main.FAILURE;
            }
            if (!s.isComplete() && !partial) {
                err.printf("spate: %s in %s has %d of %d pieces verified (%.1f%%): refusing to seed incomplete data (use --partial)%n",
                        TerminalText.escape(meta.info().name()), dir, s.piecesVerified(), s.pieceCount(), s.progress() * 100);
                return Main.FAILURE;
            }
            out.printf("seeding %s (%s, %d/%d pieces) on port %d%n", TerminalText.escape(meta.info().name()),
                    Units.bytes(meta.info().totalLength()), s.piecesVerified(), s.pieceCount(), session.listenPort());
            out.flush();
            CountDownLatch stop = new CountDownLatch(1);
            try (Interrupt interrupt = new Interrupt(stop)) {
                return interrupt.finish(seedUntilInterrupted(session, handle, stop, interrupt, line, out, err));
            }
        }
    }

    /** Shows the live status until Ctrl-C; 0 then, 1 if the torrent fails meanwhile. */
    private int seedUntilInterrupted(Session session, TorrentHandle handle, CountDownLatch stop, Interrupt interrupt,
                                     StatusLine line, PrintWriter out, PrintWriter err) throws InterruptedException {
        TorrentStatus s;
        long start = System.nanoTime();
        try {
            while (!stop.await(1, TimeUnit.SECONDS)) {
                if (session.failure().isPresent()) {
                    // An Error in the engine (out of memory, say) ended the session: say so and exit.
                    line.clear();
                    err.println("spate: " + TerminalText.escape(session.failure().get()));
                    return Main.FAILURE;
                }
                s = handle.status();
                if (s.state() == TorrentState.ERROR) {
                    line.clear();
                    err.println("spate: " + TerminalText.escape(s.error().orElse("error")));
                    return Main.FAILURE;
                }
                line.show(s, session.dhtStatus());
            }
        } finally {
            DownloadCommand.endLine(interrupt, line, out, err);
            out.println(Summary.seeding(handle.status(), (System.nanoTime() - start) / 1_000_000_000L));
            out.flush();
        }
        return 0;
    }

}
