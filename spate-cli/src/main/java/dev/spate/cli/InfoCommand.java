package dev.spate.cli;

import dev.spate.engine.ScrapeReport;
import dev.spate.engine.Scrapes;
import dev.spate.engine.Session;
import dev.spate.engine.SessionConfig;
import dev.spate.metainfo.Magnet;
import dev.spate.metainfo.FileEntry;
import dev.spate.metainfo.Metainfo;
import dev.spate.metainfo.MetainfoException;
import dev.spate.metainfo.TorrentInfo;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code spate info FILE.torrent|URL|MAGNET [--json] [--save FILE]}: what a torrent holds; a magnet
 * link's metadata is fetched from its peers first.
 */
@Command(name = "info", mixinStandardHelpOptions = true,
        description = "Show a torrent's name, info-hash, size, pieces, files and trackers; of a magnet link, once"
                + " its metadata is fetched from peers.")
final class InfoCommand implements Callable<Integer> {
    /** --timeout's default for --scrape, per tracker. */
    static final int SCRAPE_TIMEOUT_SECONDS = 10;

    @Parameters(index = "0", paramLabel = "FILE.torrent|URL|MAGNET",
            description = "The .torrent file, its http(s) URL, or a magnet link.")
    String torrent;

    @Option(names = "--json", description = "Print JSON instead of text.")
    boolean json;

    @Option(names = "--scrape", description = "Also ask each tracker how many seeders and leechers it knows (BEP 48).")
    boolean scrape;

    @Option(names = "--timeout", paramLabel = "SECONDS", description = "How long fetching a URL or a magnet link's"
            + " metadata may take (default 60), and each tracker's answer to --scrape (default 10).")
    Integer timeoutSeconds;

    @Option(names = "--save", paramLabel = "FILE", description = "Also write the torrent to FILE as a .torrent"
            + " (of a magnet link: with the link's trackers); FILE must not exist.")
    Path save;

    @Option(names = {"-p", "--peer"}, paramLabel = "HOST:PORT",
            description = "A peer to fetch a magnet link's metadata from; repeatable.")
    List<String> peers = new ArrayList<>();

    @Option(names = "--bind", paramLabel = "ADDR", description = "Local address to connect to peers from (magnet links).")
    String bind;

    @Option(names = "--state", paramLabel = "DIR", description = "Where fetched metadata is kept, as for download"
            + " (default $XDG_STATE_HOME/spate, else ~/.local/state/spate).")
    Path state;

    @Option(names = "--no-dht", description = "Fetch a magnet link's metadata without the DHT.")
    boolean noDht;

    @Option(names = "--dht-bootstrap", paramLabel = "HOST:PORT",
            description = "A DHT node to join the DHT through (magnet links), as for download; repeat for several.")
    List<String> dhtBootstrap;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (timeoutSeconds != null && timeoutSeconds < 1) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--timeout must be at least 1 second");
        }
        Duration fetchTimeout = timeoutSeconds != null ? Duration.ofSeconds(timeoutSeconds) : TorrentArgument.FETCH_TIMEOUT;
        TorrentArgument argument = TorrentArgument.of(torrent);
        if (save != null && Files.exists(save, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            throw new java.nio.file.FileAlreadyExistsException(save.toString());
        }
        Metainfo meta = argument instanceof TorrentArgument.Link link ? fetch(link.magnet(), fetchTimeout)
                : argument.metainfo(fetchTimeout);
        PrintWriter out = spec.commandLine().getOut();
        if (save != null) {
            // CREATE_NEW: never over a file that appeared meanwhile, nor through a link planted there.
            Files.write(save, meta.toTorrentFile(), java.nio.file.StandardOpenOption.CREATE_NEW,
                    java.nio.file.StandardOpenOption.WRITE);
        }
        List<ScrapeReport> reports = scrape ? Scrapes.scrape(meta, Duration.ofSeconds(
                timeoutSeconds != null ? timeoutSeconds : SCRAPE_TIMEOUT_SECONDS)) : List.of();
        if (json) {
            ObjectNode m = toJson(meta);
            if (scrape) {
                ArrayNode list = m.putArray("scrape");
                for (ScrapeReport r : reports) {
                    boolean failed = r.error().isPresent();
                    ObjectNode rm = list.addObject().put("url", r.url());
                    rm.put("seeders", failed ? null : r.seeders());
                    rm.put("completed", failed ? null : r.completed());
                    rm.put("leechers", failed ? null : r.leechers());
                    rm.put("error", r.error().orElse(null));
                }
            }
            out.print(JsonOutput.write(m) + "\n");
        } else {
            out.print(text(meta));
            if (scrape) {
                out.print(scrapeText(reports));
            }
        }
        out.flush();
        if (save != null) {
            spec.commandLine().getErr().println("saved " + save);
        }
        return 0;
    }

    /**
     * A magnet link's metadata, from a session of its own: on a free port (nobody needs to reach
     * it), connecting from {@code --bind}, keeping what it fetches in {@code --state}.
     */
    private Metainfo fetch(Magnet magnet, Duration timeout) throws IOException, InterruptedException {
        List<InetSocketAddress> dial = new ArrayList<>();
        for (String p : peers) {
            dial.add(DownloadCommand.parsePeer(spec, p));
        }
        // A look at a link, not a download: nothing is announced on the local network (LSD), and the
        // metadata comes from the link's peers and trackers, the DHT and --peer.
        SessionConfig.Builder config = SessionConfig.builder().listenPort(0).localDiscovery(false);
        SessionOptions.applyPlace(config, state, bind, spec);
        SessionOptions.applyDht(config, noDht, dhtBootstrap, spec);
        PrintWriter err = spec.commandLine().getErr();
        boolean verbose = Main.verbose(spec);
        try (Session session = Session.open(config.build())) {
            return MagnetMetadata.fetch(session, magnet, dial, timeout, "; give a peer with --peer HOST:PORT", e -> {
                String line = !verbose ? null : StatusLine.eventLine(e) != null ? StatusLine.eventLine(e)
                        : StatusLine.verboseLine(e);
                if (line != null) {
                    StatusLine.printAbove(err, line);
                }
            }, () -> {
                err.println("fetching the metadata of " + magnet.infoHash().orElseThrow().hex() + " from peers (at most "
                        + timeout.toSeconds() + " s)");
                err.flush();
            });
        }
    }

    /**
     * Reads a .torrent file or URL given on the command line ({@link TorrentArgument#metainfo}); a
     * magnet link is refused: its metadata comes from a session's peers.
     */
    static Metainfo read(String argument) throws IOException, MetainfoException, InterruptedException {
        return TorrentArgument.of(argument).metainfo(TorrentArgument.FETCH_TIMEOUT);
    }

    /**
     * The torrent for people. Every string from the file (name, comment, created by, paths, URLs,
     * the parser's warnings, which quote paths) goes through {@link TerminalText}: whoever made
     * the torrent could have put terminal controls in it. BEP 47 pad files are left out (they are
     * never on disk), and so are their bytes from the size.
     */
    static String text(Metainfo meta) {
        TorrentInfo info = meta.info();
        StringBuilder sb = new StringBuilder();
        line(sb, "name", info.name());
        switch (meta.version()) {
            case V1 -> line(sb, "info-hash", meta.infoHashHex());
            case HYBRID -> {
                line(sb, "info-hash", meta.infoHashHex());
                line(sb, "v2 hash", meta.infoHashV2Hex().orElseThrow());
                line(sb, "version", "hybrid v1 + v2 (downloaded as v1)");
            }
            case V2_ONLY -> {
                line(sb, "info-hash", meta.infoHashV2Hex().orElseThrow() + " (v2)");
                line(sb, "version", "v2 only (cannot be downloaded yet)");
            }
        }
        line(sb, "size", Units.bytes(info.dataLength()) + " (" + info.dataLength() + " bytes)");
        line(sb, "pieces", info.pieceCount() + " x " + Units.bytes(info.pieceLength()));
        line(sb, "private", info.isPrivate() ? "yes" : "no");
        meta.createdBy().ifPresent(v -> line(sb, "created by", v));
        meta.creationDate().ifPresent(v -> line(sb, "created", DateTimeFormatter.ISO_OFFSET_DATE_TIME.format(v.atOffset(ZoneOffset.UTC))));
        meta.comment().ifPresent(v -> lines(sb, "comment", v));
        List<FileEntry> files = info.dataFiles();
        sb.append("files (").append(files.size()).append("):\n");
        // Numbered from 1, as download --only and --exclude take them.
        String number = "  %" + Integer.toString(files.size()).length() + "d";
        int n = 0;
        for (FileEntry f : files) {
            n++;
            String path = info.multiFile() ? info.name() + "/" + f.displayPath() : f.displayPath();
            String what = f.isSymlink() ? " -> " + info.name() + "/" + String.join("/", f.symlinkTarget())
                    : f.isExecutable() ? " (executable)" : "";
            sb.append(String.format(number + "  %10s  %s%s%n", n, Units.bytes(f.length()), TerminalText.escape(path), TerminalText.escape(what)));
        }
        if (meta.trackerTiers().isEmpty()) {
            sb.append("trackers: none\n");
        } else {
            sb.append("trackers:\n");
            for (int t = 0; t < meta.trackerTiers().size(); t++) {
                for (String url : meta.trackerTiers().get(t)) {
                    sb.append("  tier ").append(t + 1).append(": ").append(TerminalText.escape(url)).append('\n');
                }
            }
        }
        if (!meta.webSeeds().isEmpty()) {
            sb.append("web seeds:\n");
            meta.webSeeds().forEach(url -> sb.append("  ").append(TerminalText.escape(url)).append('\n'));
        }
        for (String w : meta.warnings()) {
            sb.append("warning: ").append(TerminalText.escape(w)).append('\n');
        }
        return sb.toString();
    }

    /** One {@code warning:} line, escaped, for each change the parser made to open the torrent safely. */
    static void printWarnings(Metainfo meta, PrintWriter err) {
        for (String w : meta.warnings()) {
            err.println("warning: " + TerminalText.escape(w));
        }
    }

    /** {@code key: value} on one line, the value escaped. */
    private static void line(StringBuilder sb, String key, String value) {
        sb.append(String.format("%-11s %s%n", key + ":", TerminalText.escape(value)));
    }

    /** {@code key: value} for a value that may have several lines (a comment): later lines indented under the first, each escaped. */
    private static void lines(StringBuilder sb, String key, String value) {
        List<String> escaped = new ArrayList<>();
        for (String l : value.split("\r\n|\r|\n", -1)) {
            escaped.add(TerminalText.escape(l));
        }
        sb.append(String.format("%-11s %s%n", key + ":", String.join("\n" + " ".repeat(12), escaped)));
    }

    static String scrapeText(List<ScrapeReport> reports) {
        if (reports.isEmpty()) {
            return "scrape: the torrent has no trackers\n";
        }
        StringBuilder sb = new StringBuilder("scrape:\n");
        for (ScrapeReport r : reports) {
            if (r.error().isPresent()) {
                sb.append("  ").append(TerminalText.escape(r.url())).append(": error: ")
                        .append(TerminalText.escape(r.error().get())).append('\n');
            } else {
                sb.append(String.format("  %s: %d seeders, %d leechers, %d completed%n", TerminalText.escape(r.url()), r.seeders(),
                        r.leechers(), r.completed()));
            }
        }
        return sb.toString();
    }

    /** The torrent as {@code --json} prints it; absent optional fields are nulls, so every key is always there. */
    static ObjectNode toJson(Metainfo meta) {
        TorrentInfo info = meta.info();
        ObjectNode m = JsonNodeFactory.instance.objectNode();
        m.put("name", info.name());
        m.put("infoHash", meta.infoHashHex());
        if (meta.version() != Metainfo.Version.V1) {
            m.put("infoHashV2", meta.infoHashV2Hex().orElseThrow());
            m.put("version", meta.v2Only() ? "v2" : "hybrid");
        }
        m.put("totalLength", info.dataLength());
        m.put("pieceLength", info.pieceLength());
        m.put("pieceCount", info.pieceCount());
        m.put("private", info.isPrivate());
        m.put("multiFile", info.multiFile());
        ArrayNode files = m.putArray("files");
        for (FileEntry f : info.dataFiles()) {
            ObjectNode fm = files.addObject();
            fm.put("path", f.displayPath());
            fm.put("length", f.length());
            if (f.isExecutable()) {
                fm.put("executable", true);
            }
            if (f.isSymlink()) {
                fm.put("symlinkTarget", String.join("/", f.symlinkTarget()));
            }
        }
        ArrayNode tiers = m.putArray("trackerTiers");
        for (List<String> tier : meta.trackerTiers()) {
            ArrayNode urls = tiers.addArray();
            tier.forEach(urls::add);
        }
        ArrayNode webSeeds = m.putArray("webSeeds");
        meta.webSeeds().forEach(webSeeds::add);
        m.put("createdBy", meta.createdBy().orElse(null));
        m.put("creationDate", meta.creationDate().map(i -> i.getEpochSecond()).orElse(null));
        m.put("comment", meta.comment().orElse(null));
        if (!meta.warnings().isEmpty()) {
            ArrayNode warnings = m.putArray("warnings");
            meta.warnings().forEach(warnings::add);
        }
        return m;
    }
}
