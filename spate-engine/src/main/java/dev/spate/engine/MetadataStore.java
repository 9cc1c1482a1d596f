package dev.spate.engine;

import dev.spate.core.InfoHash;
import dev.spate.metainfo.Magnet;
import dev.spate.metainfo.Metainfo;
import dev.spate.metainfo.MetainfoException;
import dev.spate.metainfo.MetainfoParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The info dictionaries of magnet links, kept in the state directory once fetched
 * ({@code STATE/metadata/<info-hash>.torrent}: {@link Metainfo#toTorrentFile()}, the raw info
 * bytes and the link's trackers and web seeds), so that a link added again needs no peer to know its
 * torrent. Written atomically (temp, fsync, rename); read defensively: a file that does not parse or whose info-hash is not
 * its name's is reported and ignored, and the metadata is fetched again.
 *
 * <p>Thread-safe: no state of its own; one file per torrent.
 */
final class MetadataStore {
    private static final System.Logger LOG = System.getLogger(MetadataStore.class.getName());

    private final Path directory;

    MetadataStore(Path stateDirectory) {
        this.directory = stateDirectory.resolve("metadata");
    }

    Path location(InfoHash hash) {
        return directory.resolve(hash.hex() + ".torrent");
    }

    /**
     * The kept metadata of {@code hash}, if there is any that can be trusted, with the web seeds
     * of {@code magnet} added to those kept.
     */
    Optional<Metainfo> load(InfoHash hash, Magnet magnet) {
        Path file = location(hash);
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "ignoring kept metadata {0}: {1}", file, e.getMessage());
            return Optional.empty();
        }
        try {
            Metainfo meta = MetainfoParser.parse(bytes);
            if (!InfoHash.of(meta.infoHash()).equals(hash)) {
                LOG.log(System.Logger.Level.WARNING, "ignoring kept metadata {0}: it is another torrent's", file);
                return Optional.empty();
            }
            List<String> webSeeds = new ArrayList<>(meta.webSeeds());
            magnet.webSeeds().stream().filter(u -> !webSeeds.contains(u)).forEach(webSeeds::add);
            if (webSeeds.size() > meta.webSeeds().size()) {
                // The link given now names web seeds the kept file lacks: use them too.
                meta = MetainfoParser.fromInfo(meta.infoBytes(), meta.trackerTiers(), webSeeds);
            }
            return Optional.of(meta);
        } catch (MetainfoException e) {
            LOG.log(System.Logger.Level.WARNING, "ignoring kept metadata {0}: {1}", file, e.getMessage());
            return Optional.empty();
        }
    }

    /** Keeps {@code meta} (its raw info bytes, trackers and web seeds). */
    void save(Metainfo meta) throws IOException {
        AtomicFiles.write(location(InfoHash.of(meta.infoHash())), meta.toTorrentFile());
    }
}
