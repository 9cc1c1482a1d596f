package dev.spate.cli;

import dev.spate.daemon.DownloadRoots;
import dev.spate.daemon.RpcServer;
import dev.spate.daemon.Ticker;
import dev.spate.daemon.TorrentStore;
import dev.spate.daemon.Torrents;
import dev.spate.daemon.WatchFolder;
import dev.spate.engine.Session;
import dev.spate.engine.SessionConfig;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code spate daemon}: one session that runs until interrupted (SIGTERM or Ctrl-C, which close it
 * cleanly), its torrents managed over the Transmission RPC (transmission-remote, and the other
 * clients of that protocol). The torrent list is kept in the state directory ({@link TorrentStore}),
 * which one daemon at a time may use: its lock is taken before the session opens, so a second
 * daemon there is refused before it touches the resume data.
 */
@Command(name = "daemon", mixinStandardHelpOptions = true,
        description = "Run one session until stopped (SIGTERM or Ctrl-C), its torrents managed over the Transmission"
                + " RPC (e.g. transmission-remote 127.0.0.1:9091 -l).",
        exitCodeListHeading = Main.EXIT_CODE_HEADING, exitCodeList = {Main.EXIT_SEEDED, Main.EXIT_FAILURE, Main.EXIT_USAGE})
final class DaemonCommand implements Callable<Integer> {
    /**
     * How long SIGTERM waits for the session to close: each torrent in turn says {@code stopped} to
     * its trackers (up to 3 s each) after saving its resume data, so a daemon of many torrents
     * needs longer than a download does; under systemd's default stop timeout (90 s).
     */
    static final java.time.Duration STOP_GRACE = java.time.Duration.ofSeconds(80);

    @Option(names = {"-d", "--dir"}, paramLabel = "DIR",
            description = "Where torrents added without a download directory go (default: the current one).")
    Path dir = Path.of(".");

    @Option(names = "--download-root", paramLabel = "DIR", split = ConfigDefaults.LIST_SPLIT, hideParamSyntax = true,
            description = "A directory RPC requests may put data in (torrent-add's download-dir, moves, free-space);"
                    + " repeatable, download-roots = [...] in the config file (default: the -d directory).")
    List<Path> downloadRoots = new ArrayList<>();

    @Option(names = "--watch", paramLabel = "DIR",
            description = "Add the .torrent and .magnet files put in DIR (to the -d directory), renaming each"
                    + " NAME.added once added, NAME.invalid if it cannot be.")
    Path watch;

    @Option(names = "--rpc-bind", paramLabel = "ADDR",
            description = "Address the RPC listens on (default 127.0.0.1); one other than loopback needs --rpc-auth.")
    String rpcBind = "127.0.0.1";

    @Option(names = "--rpc-port", paramLabel = "N", description = "Port of the RPC (default 9091; 0 for a free one).")
    int rpcPort = RpcServer.DEFAULT_PORT;

    @Option(names = "--rpc-auth", paramLabel = "USER:PASS",
            description = "Require HTTP Basic authentication with this user and password (rpc-auth in the config"
                    + " file's [daemon] table keeps it out of ps).")
    String rpcAuth;

    @picocli.CommandLine.Mixin
    SessionOptions network = new SessionOptions();

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        InetAddress bind;
        try {
            bind = InetAddress.getByName(rpcBind);
        } catch (UnknownHostException e) {
            throw new ParameterException(spec.commandLine(), "unknown --rpc-bind address: " + rpcBind);
        }
        if (!bind.isLoopbackAddress() && rpcAuth == null) {
            throw new ParameterException(spec.commandLine(), "--rpc-bind " + rpcBind
                    + " is reachable from other machines: give --rpc-auth USER:PASS too");
        }
        if (rpcAuth != null && rpcAuth.indexOf(':') < 1) {
            throw new ParameterException(spec.commandLine(), "--rpc-auth takes USER:PASS");
        }
        if (rpcPort < 0 || rpcPort > 65535) {
            throw new ParameterException(spec.commandLine(), "--rpc-port " + rpcPort + " outside 0-65535");
        }
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException("no such directory: " + dir);
        }
        for (Path root : downloadRoots) {
            if (!Files.isDirectory(root)) {
                throw new IllegalArgumentException("no such directory: --download-root " + root);
            }
        }
        if (watch != null && !Files.isDirectory(watch)) {
            throw new IllegalArgumentException("no such directory: --watch " + watch);
        }
        DownloadRoots roots = DownloadRoots.of(downloadRoots.isEmpty() ? List.of(dir) : downloadRoots);
        try {
            roots.check(dir.toAbsolutePath());
        } catch (DownloadRoots.OutsideRootsException e) {
            throw new ParameterException(spec.commandLine(), "-d " + dir + ": " + e.getMessage());
        }
        if (watch != null) {
            // A watch directory among the downloads would add (or mark invalid) a .torrent a torrent brings.
            Path w = watch.toRealPath();
            for (Path root : downloadRoots.isEmpty() ? List.of(dir) : downloadRoots) {
                Path r = root.toRealPath();
                if (w.startsWith(r) || r.startsWith(w)) {
                    throw new ParameterException(spec.commandLine(), "--watch " + watch
                            + " overlaps the download directory " + root + ": give it a directory of its own");
                }
            }
        }
        PrintWriter out = spec.commandLine().getOut();
        CountDownLatch stop = new CountDownLatch(1);
        // The same place the session will use: --state, else the engine's default.
        Path stateDirectory = network.state != null ? network.state : SessionConfig.builder().build().stateDirectory();
        TorrentStore store;
        try {
            store = TorrentStore.open(stateDirectory);
        } catch (TorrentStore.StoreLockedException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
        try (TorrentStore kept = store;
             Interrupt interrupt = new Interrupt(stop, STOP_GRACE);
             Session session = network.open(spec);
             // The tick (queue, seeding limits, counters) stops before the session closes, and writes the counters.
             Ticker ticker = Ticker.start(new Torrents(session, dir, roots, kept));
             RpcServer rpc = RpcServer.start(ticker.torrents(), new InetSocketAddress(bind, rpcPort),
                     Optional.ofNullable(rpcAuth));
             // Closed first: once the daemon stops, the watch adds nothing more.
             WatchFolder watching = watch == null ? null : WatchFolder.start(watch, ticker.torrents())) {
            InetSocketAddress at = rpc.address();
            String base = "http://" + dev.spate.core.PeerAddress.format(at);
            out.printf("spate daemon: peers on port %d, RPC on %s%s, web UI on %s/%n", session.listenPort(),
                    base, RpcServer.PATH, base);
            out.flush();
            stop.await();
            return interrupt.finish(0);
        }
    }
}
