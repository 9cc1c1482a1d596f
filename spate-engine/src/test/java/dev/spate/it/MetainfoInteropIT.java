package dev.spate.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.groups.Tuple.tuple;

import dev.spate.metainfo.FileEntry;
import dev.spate.metainfo.Metainfo;
import dev.spate.metainfo.MetainfoParser;
import dev.spate.metainfo.TorrentCreator;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * .torrent files made by the reference tools (mktorrent 1.1, transmission-create 3.00, libtorrent 2.0)
 * from the same deterministic payloads parse with {@link MetainfoParser}, and Spate's info-hash is the one
 * the tools report; a torrent made by {@link TorrentCreator} loads in libtorrent with the same info-hash,
 * name, piece length and files. Nothing is contacted: the announce URLs are only strings.
 *
 * <p>What the tools differ in, as found here: mktorrent and Spate order files the same way (path
 * components compared one by one), so from the same tree and piece length they make the same info
 * dictionary; libtorrent puts a directory's files before its subdirectories; transmission-create leaves
 * out empty files.
 */
class MetainfoInteropIT {
    private static final String TRACKER_1 = "http://127.0.0.1:1/announce";
    private static final String TRACKER_2 = "udp://127.0.0.1:2/announce";
    private static final Pattern TRANSMISSION_HASH = Pattern.compile("(?m)^\\s*Hash: ([0-9a-f]{40})$");

    /** The files of {@link Payload#tree}, in Spate's (and mktorrent's) order. */
    private static final List<Map.Entry<String, Long>> TREE = List.of(
            Map.entry("alpha.bin", 300_001L),
            Map.entry("empty.txt", 0L),
            Map.entry("sub/beta.bin", 70_000L),
            Map.entry("sub/deeper/delta.bin", 131_073L),
            Map.entry("sub/gamma.bin", 1L));

    @TempDir
    Path tmp;

    // ---- mktorrent ----

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aSingleFileTorrentFromMktorrentHasTheInfoHashTheToolsReport() throws Exception {
        Path single = Payload.file(tmp.resolve("single.bin"), 1_000_003, 11);
        Path torrent = Mktorrent.create(single, tmp.resolve("m-single.torrent"), 16, List.of(TRACKER_1, TRACKER_2));

        Metainfo meta = MetainfoParser.read(torrent);

        assertThat(meta.infoHashHex()).isEqualTo(transmissionShowHash(torrent)).isEqualTo(Libtorrent.info(torrent).infoHashHex());
        assertThat(meta.info().name()).isEqualTo("single.bin");
        assertThat(meta.info().multiFile()).isFalse();
        assertThat(meta.info().files()).containsExactly(new FileEntry(List.of("single.bin"), 1_000_003, 0));
        assertThat(meta.info().pieceLength()).isEqualTo(65_536);
        assertThat(meta.info().pieceCount()).isEqualTo(16);
        assertThat(meta.trackerTiers()).containsExactly(List.of(TRACKER_1), List.of(TRACKER_2));
        assertThat(meta.createdBy()).contains("mktorrent 1.1");
        assertThat(meta.creationDate()).isEmpty();
        // Same data, same piece length, same info dictionary keys: Spate's creator makes the same info-hash.
        assertThat(spateInfoHash(single, 65_536, false)).isEqualTo(meta.infoHashHex());
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aMultiFileTorrentFromMktorrentKeepsTheEmptyFileAndMatchesSpatesOrder() throws Exception {
        Path tree = Payload.tree(tmp.resolve("tree"), 21);
        Path torrent = Mktorrent.create(tree, tmp.resolve("m-tree.torrent"), 15, List.of(TRACKER_1));

        Metainfo meta = MetainfoParser.read(torrent);

        assertThat(meta.infoHashHex()).isEqualTo(transmissionShowHash(torrent)).isEqualTo(Libtorrent.info(torrent).infoHashHex());
        assertThat(meta.info().name()).isEqualTo("tree");
        assertThat(meta.info().multiFile()).isTrue();
        assertThat(files(meta)).isEqualTo(TREE);
        assertThat(meta.info().totalLength()).isEqualTo(501_075);
        assertThat(meta.info().pieceLength()).isEqualTo(32_768);
        assertThat(meta.info().pieceCount()).isEqualTo(16);
        assertThat(spateInfoHash(tree, 32_768, false)).isEqualTo(meta.infoHashHex());
    }

    // ---- transmission-create ----

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aPrivateSingleFileTorrentFromTransmissionHasTheInfoHashTheToolsReport() throws Exception {
        Path single = Payload.file(tmp.resolve("single.bin"), 1_000_003, 11);
        Path torrent = transmissionCreate(single, tmp.resolve("t-single.torrent"), 32, true, "from transmission",
                TRACKER_1, TRACKER_2);

        Metainfo meta = MetainfoParser.read(torrent);

        assertThat(meta.infoHashHex()).isEqualTo(transmissionShowHash(torrent)).isEqualTo(Libtorrent.info(torrent).infoHashHex());
        assertThat(meta.info().name()).isEqualTo("single.bin");
        assertThat(meta.info().files()).containsExactly(new FileEntry(List.of("single.bin"), 1_000_003, 0));
        assertThat(meta.info().pieceLength()).isEqualTo(32_768);
        assertThat(meta.info().pieceCount()).isEqualTo(31);
        assertThat(meta.info().isPrivate()).isTrue();
        assertThat(meta.comment()).contains("from transmission");
        assertThat(meta.createdBy()).hasValueSatisfying(v -> assertThat(v).startsWith("Transmission/3.00"));
        assertThat(meta.creationDate()).isPresent();
        assertThat(meta.trackers()).containsExactly(TRACKER_1, TRACKER_2);
        assertThat(spateInfoHash(single, 32_768, true)).isEqualTo(meta.infoHashHex());
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aMultiFileTorrentFromTransmissionLeavesOutTheEmptyFileAndParses() throws Exception {
        Path tree = Payload.tree(tmp.resolve("tree"), 21);
        Path torrent = transmissionCreate(tree, tmp.resolve("t-tree.torrent"), 16, false, null, TRACKER_1);

        Metainfo meta = MetainfoParser.read(torrent);

        assertThat(meta.infoHashHex()).isEqualTo(transmissionShowHash(torrent)).isEqualTo(Libtorrent.info(torrent).infoHashHex());
        assertThat(meta.info().name()).isEqualTo("tree");
        assertThat(files(meta)).isEqualTo(TREE.stream().filter(f -> f.getValue() > 0).toList());
        assertThat(meta.info().pieceLength()).isEqualTo(16_384);
        assertThat(meta.info().pieceCount()).isEqualTo(31);
        assertThat(meta.info().isPrivate()).isFalse();
        assertThat(meta.trackerTiers()).containsExactly(List.of(TRACKER_1));
    }

    // ---- libtorrent ----

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aSingleFileTorrentFromLibtorrentHasTheInfoHashItPrints() throws Exception {
        Path single = Payload.file(tmp.resolve("single.bin"), 1_000_003, 11);
        Libtorrent.CreatedTorrent created = Libtorrent.createTorrent(single, tmp.resolve("l-single.torrent"), 16_384,
                List.of(TRACKER_1, TRACKER_2));

        Metainfo meta = MetainfoParser.read(created.file());

        assertThat(meta.infoHashHex()).isEqualTo(created.infoHashHex()).isEqualTo(transmissionShowHash(created.file()));
        assertThat(meta.info().name()).isEqualTo("single.bin");
        assertThat(meta.info().files()).containsExactly(new FileEntry(List.of("single.bin"), 1_000_003, 0));
        assertThat(meta.info().pieceLength()).isEqualTo(created.pieceLength()).isEqualTo(16_384);
        assertThat(meta.info().pieceCount()).isEqualTo(created.pieces()).isEqualTo(62);
        assertThat(meta.trackerTiers()).containsExactly(List.of(TRACKER_1), List.of(TRACKER_2));
        assertThat(meta.createdBy()).contains("spate-it lt_peer.py");
        assertThat(spateInfoHash(single, 16_384, false)).isEqualTo(meta.infoHashHex());
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aMultiFileTorrentFromLibtorrentParsesInLibtorrentsFileOrder() throws Exception {
        Path tree = Payload.tree(tmp.resolve("tree"), 21);
        Libtorrent.CreatedTorrent created = Libtorrent.createTorrent(tree, tmp.resolve("l-tree.torrent"), 32_768, List.of());

        Metainfo meta = MetainfoParser.read(created.file());

        assertThat(meta.infoHashHex()).isEqualTo(created.infoHashHex()).isEqualTo(transmissionShowHash(created.file()));
        assertThat(meta.info().name()).isEqualTo("tree");
        // libtorrent lists a directory's files before its subdirectories, and keeps the empty file.
        assertThat(files(meta)).containsExactly(
                Map.entry("alpha.bin", 300_001L),
                Map.entry("empty.txt", 0L),
                Map.entry("sub/beta.bin", 70_000L),
                Map.entry("sub/gamma.bin", 1L),
                Map.entry("sub/deeper/delta.bin", 131_073L));
        assertThat(meta.info().pieceLength()).isEqualTo(32_768);
        assertThat(meta.info().pieceCount()).isEqualTo(created.pieces()).isEqualTo(16);
        assertThat(meta.trackerTiers()).isEmpty();
        // The order differs from Spate's, so the info-hash does too, though the data is the same.
        assertThat(spateInfoHash(tree, 32_768, false)).isNotEqualTo(meta.infoHashHex());
    }

    // ---- Spate to libtorrent ----

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aSingleFileTorrentFromSpateLoadsInLibtorrentUnchanged() throws Exception {
        Path single = Payload.file(tmp.resolve("single.bin"), 1_000_003, 11);
        Path torrent = tmp.resolve("s-single.torrent");
        java.nio.file.Files.write(torrent, TorrentCreator.builder(single).pieceLength(65_536)
                .trackerTier(List.of(TRACKER_1, TRACKER_2)).tracker("http://127.0.0.1:3/announce")
                .webSeed("http://127.0.0.1:4/single.bin").privateFlag(true).build().create());
        Metainfo meta = MetainfoParser.read(torrent);

        Libtorrent.Description lt = Libtorrent.describe(torrent);

        assertThat(lt.infoHashHex()).isEqualTo(meta.infoHashHex()).isEqualTo(transmissionShowHash(torrent));
        assertThat(lt.name()).isEqualTo("single.bin");
        assertThat(lt.pieceLength()).isEqualTo(65_536);
        assertThat(lt.pieces()).isEqualTo(16);
        assertThat(lt.isPrivate()).isTrue();
        assertThat(lt.files()).containsExactly(new Libtorrent.LtFile("single.bin", 1_000_003, false));
        // libtorrent shuffles the trackers within a tier when it loads a torrent (BEP 12), so only
        // the tiers and their members are compared, not the order inside a tier.
        assertThat(lt.trackers()).containsExactlyInAnyOrder(Map.entry(0, TRACKER_1), Map.entry(0, TRACKER_2),
                Map.entry(1, "http://127.0.0.1:3/announce"));
        assertThat(lt.trackers().get(lt.trackers().size() - 1)).isEqualTo(Map.entry(1, "http://127.0.0.1:3/announce"));
        assertThat(lt.webSeeds()).containsExactly("http://127.0.0.1:4/single.bin");
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aMultiFileTorrentFromSpateLoadsInLibtorrentWithTheSameFilesInTheSameOrder() throws Exception {
        Path tree = Payload.tree(tmp.resolve("tree"), 21);
        Path torrent = tmp.resolve("s-tree.torrent");
        java.nio.file.Files.write(torrent, TorrentCreator.builder(tree).pieceLength(16_384).build().create());
        Metainfo meta = MetainfoParser.read(torrent);

        Libtorrent.Description lt = Libtorrent.describe(torrent);

        assertThat(lt.infoHashHex()).isEqualTo(meta.infoHashHex()).isEqualTo(transmissionShowHash(torrent));
        assertThat(lt.name()).isEqualTo("tree");
        assertThat(lt.pieceLength()).isEqualTo(16_384);
        assertThat(lt.pieces()).isEqualTo(meta.info().pieceCount()).isEqualTo(31);
        assertThat(lt.isPrivate()).isFalse();
        assertThat(lt.files()).extracting(Libtorrent.LtFile::path, Libtorrent.LtFile::size, Libtorrent.LtFile::pad)
                .containsExactly(
                        tuple("tree/alpha.bin", 300_001L, false),
                        tuple("tree/empty.txt", 0L, false),
                        tuple("tree/sub/beta.bin", 70_000L, false),
                        tuple("tree/sub/deeper/delta.bin", 131_073L, false),
                        tuple("tree/sub/gamma.bin", 1L, false));
        assertThat(lt.trackers()).isEmpty();
        assertThat(lt.webSeeds()).isEmpty();
    }

    // ---- helpers ----

    /** The info-hash Spate's creator gives {@code source} with this piece length and private flag. */
    private static String spateInfoHash(Path source, int pieceLength, boolean isPrivate) throws Exception {
        return TorrentCreator.builder(source).pieceLength(pieceLength).privateFlag(isPrivate).build()
                .createMetainfo().infoHashHex();
    }

    private static List<Map.Entry<String, Long>> files(Metainfo meta) {
        return meta.info().files().stream().map(f -> Map.entry(f.displayPath(), f.length())).toList();
    }

    /** The info-hash {@code transmission-show} reports for {@code torrent}. */
    static String transmissionShowHash(Path torrent) {
        String output = ExternalProcess.runChecked(Duration.ofSeconds(20),
                List.of("transmission-show", torrent.toAbsolutePath().toString())).output();
        Matcher m = TRANSMISSION_HASH.matcher(output);
        if (!m.find()) {
            throw new AssertionError("no Hash line in transmission-show output:\n" + output);
        }
        return m.group(1);
    }

    /** Runs {@code transmission-create} (pieces of {@code pieceKiB} KiB, each tracker in a tier of its own). */
    static Path transmissionCreate(Path content, Path out, int pieceKiB, boolean isPrivate, String comment,
            String... trackers) {
        List<String> cmd = new ArrayList<>(List.of("transmission-create", "-o", out.toAbsolutePath().toString(),
                "-s", Integer.toString(pieceKiB)));
        if (isPrivate) {
            cmd.add("-p");
        }
        if (comment != null) {
            cmd.addAll(List.of("-c", comment));
        }
        for (String t : trackers) {
            cmd.addAll(List.of("-t", t));
        }
        cmd.add(content.toAbsolutePath().toString());
        ExternalProcess.runChecked(Duration.ofSeconds(60), cmd);
        return out;
    }
}
