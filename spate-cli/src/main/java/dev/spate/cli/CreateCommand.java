package dev.spate.cli;

import dev.spate.metainfo.Metainfo;
import dev.spate.metainfo.MetainfoParser;
import dev.spate.metainfo.TorrentCreator;
import dev.spate.metainfo.TorrentInfo;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code spate create PATH -o OUT.torrent ...}: makes a torrent of a file or a directory. */
@Command(name = "create", mixinStandardHelpOptions = true,
        description = "Create a .torrent of a file or a directory, hashing on all cores.")
final class CreateCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "PATH", description = "The file or directory to share.")
    Path source;

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "OUT.torrent", description = "Where to write the torrent.")
    Path output;

    @Option(names = {"-t", "--tracker"}, paramLabel = "URL",
            description = "A tracker's announce URL; repeat for more, each its own tier. Several URLs joined by ',' form one tier.")
    List<String> trackers = new ArrayList<>();

    @Option(names = "--piece-size", paramLabel = "SIZE",
            description = "Piece size, a power of two from 16K to 256M (default: chosen from the total size).")
    String pieceSize;

    @Option(names = "--private", description = "Mark the torrent private (BEP 27): peers only from its trackers.")
    boolean privateFlag;

    @Option(names = "--comment", paramLabel = "TEXT", description = "A comment stored in the torrent.")
    String comment;

    @Option(names = {"-w", "--web-seed"}, paramLabel = "URL", description = "A web seed URL (BEP 19); repeatable.")
    List<String> webSeeds = new ArrayList<>();

    @Option(names = "--force", description = "Overwrite OUT.torrent if it exists.")
    boolean force;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (!Files.exists(source, LinkOption.NOFOLLOW_LINKS)) {
            throw usage("no such file or directory: " + source);
        }
        if (Files.isDirectory(output)) {
            throw usage("output " + output + " is a directory; give the path of the .torrent file to write");
        }
        Path parent = output.toAbsolutePath().getParent();
        if (parent != null && !Files.isDirectory(parent)) {
            throw usage("cannot write " + output + ": no such directory " + parent);
        }
        if (Files.exists(output) && !force) {
            throw new IllegalStateException(output + " exists (use --force to overwrite)");
        }
        TorrentCreator.Builder builder = TorrentCreator.builder(source).privateFlag(privateFlag);
        try {
            if (pieceSize != null) {
                builder.pieceLength(pieceLength(pieceSize));
            }
            for (String t : trackers) {
                builder.trackerTier(List.of(t.split(",", -1)));
            }
            webSeeds.forEach(builder::webSeed);
        } catch (IllegalArgumentException e) {
            // The builder names the bad tracker or web seed; the mistake is in the arguments.
            throw usage(e.getMessage());
        }
        if (comment != null) {
            builder.comment(comment);
        }
        Progress progress = Progress.forTerminal(spec.commandLine().getErr(), "hashing");
        builder.progress(progress::update);
        byte[] torrent = builder.build().create();
        progress.done();

        Path tmp = output.resolveSibling(output.getFileName() + ".tmp");
        try {
            Files.write(tmp, torrent);
            Files.move(tmp, output, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
        Metainfo meta = MetainfoParser.parse(torrent);
        PrintWriter out = spec.commandLine().getOut();
        // The path is echoed escaped: it may well be a name that came with a download.
        out.printf("created %s: %s, %d pieces of %s, info-hash %s%n", TerminalText.escape(output.toString()),
                Units.bytes(meta.info().totalLength()), meta.info().pieceCount(), Units.bytes(meta.info().pieceLength()),
                meta.infoHashHex());
        out.flush();
        return 0;
    }

    /** The piece length {@code text} asks for, or a usage error naming it. */
    private int pieceLength(String text) {
        long size;
        try {
            size = Units.parseSize(text);
        } catch (IllegalArgumentException e) {
            throw usage("invalid piece size '" + text + "' (examples: 16K, 256K, 4M)");
        }
        if (size < TorrentCreator.MIN_PIECE_LENGTH || size > TorrentInfo.MAX_PIECE_LENGTH || Long.bitCount(size) != 1) {
            throw usage("invalid piece size '" + text + "': a power of two from 16K to 256M");
        }
        return (int) size;
    }

    private ParameterException usage(String message) {
        return new ParameterException(spec.commandLine(), message);
    }
}
