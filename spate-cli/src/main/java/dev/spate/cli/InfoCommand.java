package dev.spate.cli;

import dev.spate.metainfo.FileEntry;
import dev.spate.metainfo.Metainfo;
import dev.spate.metainfo.MetainfoException;
import dev.spate.metainfo.MetainfoParser;
import dev.spate.metainfo.TorrentInfo;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code spate info FILE.torrent [--json]}: what a torrent holds. */
@Command(name = "info", mixinStandardHelpOptions = true,
        description = "Show a torrent's name, info-hash, size, pieces, files and trackers.")
final class InfoCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "FILE.torrent", description = "The .torrent file.")
    Path torrent;

    @Option(names = "--json", description = "Print JSON instead of text.")
    boolean json;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        Metainfo meta = read(torrent);
        PrintWriter out = spec.commandLine().getOut();
        out.print(json ? Json.write(toMap(meta)) + "\n" : text(meta));
        out.flush();
        return 0;
    }

    /**
     * Reads a .torrent file given on the command line; a directory is refused by name (reading one
     * fails with a bare "Is a directory" that does not say which).
     */
    static Metainfo read(Path torrent) throws IOException, MetainfoException {
        if (Files.isDirectory(torrent)) {
            throw new IOException(torrent + " is a directory, not a .torrent file");
        }
        return MetainfoParser.read(torrent);
    }

    static String text(Metainfo meta) {
        TorrentInfo info = meta.info();
        StringBuilder sb = new StringBuilder();
        line(sb, "name", info.name());
        line(sb, "info-hash", meta.infoHashHex());
        line(sb, "size", Units.bytes(info.totalLength()) + " (" + info.totalLength() + " bytes)");
        line(sb, "pieces", info.pieceCount() + " x " + Units.bytes(info.pieceLength()));
        line(sb, "private", info.isPrivate() ? "yes" : "no");
        meta.createdBy().ifPresent(v -> line(sb, "created by", v));
        meta.creationDate().ifPresent(v -> line(sb, "created", DateTimeFormatter.ISO_OFFSET_DATE_TIME.format(v.atOffset(ZoneOffset.UTC))));
        meta.comment().ifPresent(v -> line(sb, "comment", v));
        sb.append("files (").append(info.files().size()).append("):\n");
        for (FileEntry f : info.files()) {
            sb.append(String.format("  %10s  %s%n", Units.bytes(f.length()), info.multiFile() ? info.name() + "/" + f.displayPath() : f.displayPath()));
        }
        if (meta.trackerTiers().isEmpty()) {
            sb.append("trackers: none\n");
        } else {
            sb.append("trackers:\n");
            for (int t = 0; t < meta.trackerTiers().size(); t++) {
                for (String url : meta.trackerTiers().get(t)) {
                    sb.append("  tier ").append(t + 1).append(": ").append(url).append('\n');
                }
            }
        }
        if (!meta.webSeeds().isEmpty()) {
            sb.append("web seeds:\n");
            meta.webSeeds().forEach(url -> sb.append("  ").append(url).append('\n'));
        }
        return sb.toString();
    }

    /** {@code key: value}; a value of several lines (a comment, say) has its later lines indented under the first. */
    private static void line(StringBuilder sb, String key, String value) {
        String indented = String.join("\n" + " ".repeat(12), value.split("\r\n|\r|\n", -1));
        sb.append(String.format("%-11s %s%n", key + ":", indented));
    }

    static Map<String, Object> toMap(Metainfo meta) {
        TorrentInfo info = meta.info();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", info.name());
        m.put("infoHash", meta.infoHashHex());
        m.put("totalLength", info.totalLength());
        m.put("pieceLength", info.pieceLength());
        m.put("pieceCount", info.pieceCount());
        m.put("private", info.isPrivate());
        m.put("multiFile", info.multiFile());
        List<Object> files = new ArrayList<>();
        for (FileEntry f : info.files()) {
            Map<String, Object> fm = new LinkedHashMap<>();
            fm.put("path", f.displayPath());
            fm.put("length", f.length());
            files.add(fm);
        }
        m.put("files", files);
        m.put("trackerTiers", meta.trackerTiers());
        m.put("webSeeds", meta.webSeeds());
        m.put("createdBy", meta.createdBy().orElse(null));
        m.put("creationDate", meta.creationDate().map(i -> i.getEpochSecond()).orElse(null));
        m.put("comment", meta.comment().orElse(null));
        return m;
    }
}
