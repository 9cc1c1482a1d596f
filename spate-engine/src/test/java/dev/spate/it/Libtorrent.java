package dev.spate.it;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.regex.Matcher;

/**
 * A libtorrent (rasterbar, python3-libtorrent 2.0.x) peer run by the test resource {@code it/lt_peer.py}:
 * a seed or a leech listening on one address, optionally dialing given peers, with DHT, LSD, UPnP and
 * NAT-PMP off. Also creates .torrent files with libtorrent's {@code create_torrent}.
 *
 * <p>Runs under {@code /usr/bin/python3} explicitly: the Debian binding is built for the system Python and
 * is not importable from another interpreter first on the PATH (a pyenv shim, for instance).
 */
public final class Libtorrent implements AutoCloseable {

    public static final String PYTHON = "/usr/bin/python3";
    private static final Duration START_TIMEOUT = Duration.ofSeconds(20);
    private static volatile Path script;

    /** A torrent file made by {@link #createTorrent} or read by {@link #info}: its v1 info-hash in lower-case hex, its piece count. */
    public record CreatedTorrent(Path file, String infoHashHex, int pieces, int pieceLength) {
    }

    /** How a peer runs. Defaults: listen on 127.0.0.1, ephemeral port, no peers, trackers used, 5 min life. */
    public static final class Options {
        private String listenHost = "127.0.0.1";
        private int listenPort;
        private final List<String> peers = new ArrayList<>();
        private boolean noTrackers;
        private boolean stay;
        private NetNamespace namespace;
        private Duration lifetime = Duration.ofMinutes(5);
        private long uploadLimit;
        private long downloadLimit;
        private boolean pex;
        private boolean peersLog;
        private boolean requireRc4;

        public Options listen(String host, int port) {
            this.listenHost = Objects.requireNonNull(host);
            this.listenPort = port;
            return this;
        }

        /** A peer to dial once listening (and again every second while no peer is connected). */
        public Options peer(String host, int port) {
            peers.add(bracketed(host) + ":" + port);
            return this;
        }

        /** Drops the torrent's trackers: peers come only from {@link #peer}. */
        public Options noTrackers() {
            this.noTrackers = true;
            return this;
        }

        /** For a download: keep running (seeding) after COMPLETE instead of exiting 0. */
        public Options stayAfterComplete() {
            this.stay = true;
            return this;
        }

        /** Runs the peer inside {@code ns} (via {@code ip netns exec}); listen on one of its addresses. */
        public Options in(NetNamespace ns) {
            this.namespace = ns;
            return this;
        }

        /** Caps what the torrent uploads, in bytes per second, for every peer (loopback ones too); 0: no cap. */
        public Options uploadLimit(long bytesPerSecond) {
            this.uploadLimit = bytesPerSecond;
            return this;
        }

        /** Caps what the torrent downloads, in bytes per second, from every peer; 0: no cap. */
        public Options downloadLimit(long bytesPerSecond) {
            this.downloadLimit = bytesPerSecond;
            return this;
        }

        /** Keeps libtorrent's peer exchange (BEP 11, its ut_pex plugin) on; off by default. */
        public Options pex() {
            this.pex = true;
            return this;
        }

        /** Prints a {@code PEER <ip>:<port> ...} line for each peer it connects to (see {@link #awaitPeer}). */
        public Options peersLog() {
            this.peersLog = true;
            return this;
        }

        /**
         * Forces protocol encryption (MSE/PE) both ways with RC4 as the only payload level ({@code
         * --encryption require-rc4}: {@code out_enc_policy} and {@code in_enc_policy} = {@code pe_forced},
         * {@code allowed_enc_level} = {@code pe_rc4}, {@code prefer_rc4}): the peer refuses a plaintext
         * BitTorrent handshake, and picks RC4 when a dialler offers RC4 and plaintext.
         */
        public Options requireRc4() {
            this.requireRc4 = true;
            return this;
        }

        /** The script exits (code 3, "TIMEOUT") after this long, whatever happens. */
        public Options lifetime(Duration lifetime) {
            this.lifetime = lifetime;
            return this;
        }
    }

    private final ExternalProcess process;
    private final String host;
    private final int port;

    private Libtorrent(ExternalProcess process, String host, int port) {
        this.process = process;
        this.host = host;
        this.port = port;
    }

    /** The installed libtorrent version, e.g. "2.0.8.0". */
    public static String version() {
        return ExternalProcess.runChecked(Duration.ofSeconds(10),
                List.of(PYTHON, "-c", "import libtorrent as lt; print(lt.__version__)")).output().strip();
    }

    /**
     * Creates a v1-only .torrent of {@code content} (a file or a directory) with libtorrent's create_torrent,
     * piece size {@code pieceSize} (a power of two, at least 16 KiB), and the given trackers (one tier each).
     */
    public static CreatedTorrent createTorrent(Path content, Path out, int pieceSize, List<String> trackers) {
        return createTorrent(content, out, pieceSize, trackers, false);
    }

    /** As {@link #createTorrent(Path, Path, int, List)}; {@code hybrid} makes a v1+v2 hybrid torrent. */
    public static CreatedTorrent createTorrent(Path content, Path out, int pieceSize, List<String> trackers,
            boolean hybrid) {
        List<String> cmd = new ArrayList<>(List.of(PYTHON, script().toString(), "create",
                "--path", content.toAbsolutePath().toString(), "--out", out.toAbsolutePath().toString(),
                "--piece-size", Integer.toString(pieceSize)));
        for (String t : trackers) {
            cmd.add("--tracker");
            cmd.add(t);
        }
        if (hybrid) {
            cmd.add("--hybrid");
        }
        return parseInfo(out, ExternalProcess.runChecked(Duration.ofSeconds(60), cmd).output());
    }

    /** Reads any .torrent with libtorrent: its v1 info-hash, piece count and piece length. */
    public static CreatedTorrent info(Path torrent) {
        return parseInfo(torrent, ExternalProcess.runChecked(Duration.ofSeconds(20), List.of(PYTHON,
                script().toString(), "info", "--torrent", torrent.toAbsolutePath().toString())).output());
    }

    /** A file as libtorrent lists it: its path (under the torrent's name for a multi-file torrent), size, whether a BEP 47 pad file. */
    public record LtFile(String path, long size, boolean pad) {
    }

    /** What libtorrent makes of a .torrent: v1 info-hash, name, geometry, private flag, files, trackers (tier, URL) and web seeds. */
    public record Description(String infoHashHex, String name, int pieces, int pieceLength, boolean isPrivate,
            List<LtFile> files, List<java.util.Map.Entry<Integer, String>> trackers, List<String> webSeeds) {
    }

    /** Loads {@code torrent} with libtorrent's {@code torrent_info} and reports everything it read. */
    public static Description describe(Path torrent) {
        String output = ExternalProcess.runChecked(Duration.ofSeconds(20), List.of(PYTHON,
                script().toString(), "info", "--torrent", torrent.toAbsolutePath().toString())).output();
        CreatedTorrent basic = parseInfo(torrent, output);
        String name = null;
        boolean isPrivate = false;
        List<LtFile> files = new ArrayList<>();
        List<java.util.Map.Entry<Integer, String>> trackers = new ArrayList<>();
        List<String> webSeeds = new ArrayList<>();
        for (String line : output.lines().toList()) {
            Matcher file = java.util.regex.Pattern.compile("^FILE (\\d+) (PAD|DATA) (.*)$").matcher(line);
            Matcher tracker = java.util.regex.Pattern.compile("^TRACKER (\\d+) (.*)$").matcher(line);
            if (line.startsWith("NAME ")) {
                name = line.substring(5);
            } else if (line.startsWith("PRIVATE ")) {
                isPrivate = line.equals("PRIVATE 1");
            } else if (file.matches()) {
                files.add(new LtFile(file.group(3), Long.parseLong(file.group(1)), file.group(2).equals("PAD")));
            } else if (tracker.matches()) {
                trackers.add(java.util.Map.entry(Integer.parseInt(tracker.group(1)), tracker.group(2)));
            } else if (line.startsWith("WEBSEED ")) {
                webSeeds.add(line.substring(8));
            }
        }
        if (name == null) {
            throw new AssertionError("lt_peer.py info printed no NAME:\n" + output);
        }
        return new Description(basic.infoHashHex(), name, basic.pieces(), basic.pieceLength(), isPrivate,
                List.copyOf(files), List.copyOf(trackers), List.copyOf(webSeeds));
    }

    private static CreatedTorrent parseInfo(Path file, String output) {
        Matcher hash = java.util.regex.Pattern.compile("(?m)^INFOHASH ([0-9a-f]{40})$").matcher(output);
        Matcher pieces = java.util.regex.Pattern.compile("(?m)^PIECES (\\d+) PIECE_LENGTH (\\d+)$").matcher(output);
        if (!hash.find() || !pieces.find()) {
            throw new AssertionError("unexpected lt_peer.py output:\n" + output);
        }
        return new CreatedTorrent(file, hash.group(1), Integer.parseInt(pieces.group(1)),
                Integer.parseInt(pieces.group(2)));
    }

    /** Seeds {@code torrent} from data already complete under {@code saveDir} (libtorrent seed_mode). */
    public static Libtorrent seed(Path torrent, Path saveDir, Options options) {
        return start("seed", List.of("--torrent", torrent.toAbsolutePath().toString()), saveDir, options);
    }

    /** Downloads {@code torrent} into {@code saveDir}; the process prints COMPLETE and exits 0 when done. */
    public static Libtorrent download(Path torrent, Path saveDir, Options options) {
        return start("download", List.of("--torrent", torrent.toAbsolutePath().toString()), saveDir, options);
    }

    /**
     * Downloads what the magnet link {@code uri} names into {@code saveDir}, read by libtorrent's
     * {@code parse_magnet_uri}: its {@code x.pe} peers are dialed (with any {@link Options#peer}), and
     * the info dictionary is fetched from them (BEP 9) before the data; see {@link #awaitMetadata}.
     */
    public static Libtorrent downloadMagnet(String uri, Path saveDir, Options options) {
        return start("download", List.of("--magnet", uri), saveDir, options);
    }

    /** An IPv6 host in brackets, as in {@code [::1]:6881}. */
    private static String bracketed(String host) {
        return host.indexOf(':') >= 0 ? "[" + host + "]" : host;
    }

    private static Libtorrent start(String mode, List<String> source, Path saveDir, Options o) {
        List<String> cmd = new ArrayList<>(List.of(PYTHON, "-u", script().toString(), mode));
        cmd.addAll(source);
        cmd.addAll(List.of("--dir", saveDir.toAbsolutePath().toString(),
                "--listen", bracketed(o.listenHost) + ":" + o.listenPort,
                "--timeout", Long.toString(o.lifetime.toSeconds())));
        for (String p : o.peers) {
            cmd.add("--peer");
            cmd.add(p);
        }
        if (o.noTrackers) {
            cmd.add("--no-trackers");
        }
        if (o.uploadLimit > 0) {
            cmd.add("--upload-limit");
            cmd.add(Long.toString(o.uploadLimit));
        }
        if (o.downloadLimit > 0) {
            cmd.add("--download-limit");
            cmd.add(Long.toString(o.downloadLimit));
        }
        if (o.pex) {
            cmd.add("--pex");
        }
        if (o.peersLog) {
            cmd.add("--peers-log");
        }
        if (o.requireRc4) {
            cmd.addAll(List.of("--encryption", "require-rc4"));
        }
        if (o.stay && mode.equals("download")) {
            cmd.add("--stay");
        }
        if (o.namespace != null) {
            cmd = o.namespace.exec(cmd);
        }
        ExternalProcess p = ExternalProcess.start("libtorrent-" + mode, cmd, null);
        try {
            if (o.requireRc4) {
                p.waitForLine("^ENCRYPTION require-rc4$", START_TIMEOUT);
            }
            int port = Integer.parseInt(p.waitForLine("^LISTENING (\\d+)$", START_TIMEOUT).group(1));
            return new Libtorrent(p, o.listenHost, port);
        } catch (RuntimeException | AssertionError e) {
            p.close();
            throw e;
        }
    }

    public String host() {
        return host;
    }

    /** The TCP port the peer listens on (the ephemeral one when 0 was asked). */
    public int port() {
        return port;
    }

    public ExternalProcess process() {
        return process;
    }

    /** Waits for a download's COMPLETE line. */
    public void awaitComplete(Duration timeout) {
        process.waitForLine("^COMPLETE$", timeout);
    }

    /** Waits for a download to finish and exit 0 (all files written and closed). */
    public void awaitCompleteAndExit(Duration timeout) {
        awaitComplete(timeout);
        int code = process.waitForExit(Duration.ofSeconds(15));
        if (code != 0) {
            throw process.failure("exited " + code + " after COMPLETE");
        }
    }

    /** Waits until a download by magnet link has the info dictionary; returns the torrent's name. */
    public String awaitMetadata(Duration timeout) {
        return process.waitForLine("^METADATA (.*)$", timeout).group(1);
    }

    /** Whether a download by magnet link has said it has the info dictionary. */
    public boolean hasMetadata() {
        return process.logText().lines().anyMatch(l -> l.startsWith("METADATA "));
    }

    /** Waits until a seed reports it is seeding (data accepted as complete). */
    public void awaitSeeding(Duration timeout) {
        process.waitForLine("^SEEDING$", timeout);
    }

    /**
     * Waits for a {@link Options#peersLog} line of a peer at 127.0.0.1:{@code port}; returns the
     * line's libtorrent peer source bits ({@code peer_info.source}: 0x4 is PEX).
     */
    public int awaitPeer(int port, Duration timeout) {
        return Integer.parseInt(process.waitForLine("^PEER 127\\.0\\.0\\.1:" + port + " source=(\\d+) ", timeout).group(1));
    }

    /** libtorrent's {@code peer_info.source} bit for a peer learned of by PEX. */
    public static final int SOURCE_PEX = 0x4;

    /** Waits for a successful announce to any tracker. */
    public void awaitTrackerOk(Duration timeout) {
        process.waitForLine("^TRACKER_OK ", timeout);
    }

    @Override
    public void close() {
        process.close();
    }

    /** The script, copied once per JVM from the test class path to a temporary file. */
    static Path script() {
        Path s = script;
        if (s == null) {
            synchronized (Libtorrent.class) {
                if (script == null) {
                    try (InputStream in = Libtorrent.class.getResourceAsStream("/it/lt_peer.py")) {
                        if (in == null) {
                            throw new IllegalStateException("test resource it/lt_peer.py missing");
                        }
                        Path tmp = Files.createTempFile("spate-it-lt_peer", ".py");
                        Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
                        tmp.toFile().deleteOnExit();
                        script = tmp;
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }
                s = script;
            }
        }
        return s;
    }
}
