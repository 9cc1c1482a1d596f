package dev.spate.metainfo;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvFileSource;

/**
 * Parses real .torrent files made by mktorrent, transmission-create and libtorrent (test resources under
 * {@code torrents/}, with what the tools reported in {@code torrents/expected.csv} and
 * {@code torrents/expected-v2.csv}; how they were made is in {@code torrents/README.md}), so the unit
 * suite checks real-world files without running the tools.
 */
class RealTorrentFixturesTest {

    static Metainfo fixture(String name) throws IOException, MetainfoException {
        try (InputStream in = RealTorrentFixturesTest.class.getResourceAsStream("/torrents/" + name)) {
            assertThat(in).as("test resource torrents/" + name).isNotNull();
            return MetainfoParser.parse(in.readAllBytes());
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvFileSource(resources = "/torrents/expected.csv", numLinesToSkip = 1)
    void aTorrentMadeByAReferenceToolParsesWithTheInfoHashTheToolReported(String file, String infoHash, String name,
            int files, long totalLength, int pieces, int pieceLength) throws Exception {
        Metainfo meta = fixture(file);

        assertThat(meta.infoHashHex()).isEqualTo(infoHash);
        assertThat(meta.info().name()).isEqualTo(name);
        assertThat(meta.info().files()).hasSize(files);
        assertThat(meta.info().totalLength()).isEqualTo(totalLength);
        assertThat(meta.info().pieceCount()).isEqualTo(pieces);
        assertThat(meta.info().pieceLength()).isEqualTo(pieceLength);
        assertThat(MetainfoParser.sha1(meta.infoBytes())).isEqualTo(meta.infoHash());
    }

    @Test
    void mktorrentsTreeKeepsTheEmptyFileAndOneTierOfTwoTrackers() throws Exception {
        Metainfo meta = fixture("mktorrent-tree.torrent");

        assertThat(meta.info().files()).extracting(FileEntry::displayPath, FileEntry::length, FileEntry::offset)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("alpha.bin", 60_001L, 0L),
                        org.assertj.core.groups.Tuple.tuple("empty.txt", 0L, 60_001L),
                        org.assertj.core.groups.Tuple.tuple("sub/beta.bin", 20_000L, 60_001L),
                        org.assertj.core.groups.Tuple.tuple("sub/deeper/delta.bin", 33_000L, 80_001L),
                        org.assertj.core.groups.Tuple.tuple("sub/gamma.bin", 1L, 113_001L));
        assertThat(meta.trackerTiers()).containsExactly(List.of("http://127.0.0.1:1/announce", "http://127.0.0.1:2/announce"));
        assertThat(meta.comment()).contains("mktorrent tree");
        assertThat(meta.createdBy()).contains("mktorrent 1.1");
        assertThat(meta.creationDate()).isEmpty();
        assertThat(meta.info().multiFile()).isTrue();
    }

    @Test
    void mktorrentsSingleFileHasEachTrackerInItsOwnTier() throws Exception {
        Metainfo meta = fixture("mktorrent-single.torrent");

        assertThat(meta.info().multiFile()).isFalse();
        assertThat(meta.info().files()).containsExactly(new FileEntry(List.of("single.bin"), 100_003, 0));
        assertThat(meta.trackerTiers()).containsExactly(List.of("http://127.0.0.1:1/announce"), List.of("http://127.0.0.1:2/announce"));
    }

    @Test
    void transmissionsSingleFileIsPrivateWithItsCommentAndDate() throws Exception {
        Metainfo meta = fixture("transmission-single.torrent");

        assertThat(meta.info().isPrivate()).isTrue();
        assertThat(meta.comment()).contains("private, from transmission");
        assertThat(meta.createdBy()).hasValueSatisfying(v -> assertThat(v).startsWith("Transmission/3.00"));
        assertThat(meta.creationDate()).isPresent();
        assertThat(meta.trackerTiers()).containsExactly(List.of("http://127.0.0.1:1/announce"));
    }

    @Test
    void transmissionsTreeLeavesOutTheEmptyFile() throws Exception {
        Metainfo meta = fixture("transmission-tree.torrent");

        assertThat(meta.info().files()).extracting(FileEntry::displayPath)
                .containsExactly("alpha.bin", "sub/beta.bin", "sub/deeper/delta.bin", "sub/gamma.bin");
        assertThat(meta.info().isPrivate()).isFalse();
    }

    @Test
    void libtorrentsTreeListsADirectorysFilesBeforeItsSubdirectories() throws Exception {
        Metainfo meta = fixture("libtorrent-tree.torrent");

        assertThat(meta.info().files()).extracting(FileEntry::displayPath)
                .containsExactly("alpha.bin", "empty.txt", "sub/beta.bin", "sub/gamma.bin", "sub/deeper/delta.bin");
        assertThat(meta.trackerTiers()).isEmpty();
        assertThat(meta.createdBy()).contains("spate-it lt_peer.py");
    }

    @Test
    void libtorrentsHybridIsReadByItsV1PartWithPadFilesAlignedToPieces() throws Exception {
        Metainfo meta = fixture("libtorrent-hybrid.torrent");

        assertThat(meta.version()).isEqualTo(Metainfo.Version.HYBRID);
        assertThat(meta.v2Only()).isFalse();
        assertThat(meta.infoHashV2Hex()).contains("1600a54ed7599dd0d7245c0c4dece957dfff727a324ede63ef251e0a5aa06a11");
        assertThat(meta.info().isPrivate()).isTrue();
        assertThat(meta.info().files()).extracting(FileEntry::isPad)
                .containsExactly(false, true, false, false, true, false, true, false, true);
        // BEP 47 pad files follow each data file so the next one starts on a piece boundary.
        assertThat(meta.info().files()).extracting(FileEntry::displayPath, FileEntry::offset).containsExactly(
                org.assertj.core.groups.Tuple.tuple("alpha.bin", 0L),
                org.assertj.core.groups.Tuple.tuple(".pad/5535", 60_001L),
                org.assertj.core.groups.Tuple.tuple("empty.txt", 65_536L),
                org.assertj.core.groups.Tuple.tuple("sub/beta.bin", 65_536L),
                org.assertj.core.groups.Tuple.tuple(".pad/12768", 85_536L),
                org.assertj.core.groups.Tuple.tuple("sub/deeper/delta.bin", 98_304L),
                org.assertj.core.groups.Tuple.tuple(".pad/16152", 131_304L),
                org.assertj.core.groups.Tuple.tuple("sub/gamma.bin", 147_456L),
                org.assertj.core.groups.Tuple.tuple(".pad/16383", 147_457L));
    }

    /** The files of make_bep47_52.py's tree as libtorrent lists them: path, length, pad, executable, link target. */
    private static final List<org.assertj.core.groups.Tuple> PADDED_TREE = List.of(
            org.assertj.core.groups.Tuple.tuple("alpha.bin", 60_001L, false, false, List.of()),
            org.assertj.core.groups.Tuple.tuple(".pad/5535", 5535L, true, false, List.of()),
            org.assertj.core.groups.Tuple.tuple("empty.txt", 0L, false, false, List.of()),
            org.assertj.core.groups.Tuple.tuple("link-to-alpha", 0L, false, true, List.of("alpha.bin")),
            org.assertj.core.groups.Tuple.tuple("run.sh", 100L, false, true, List.of()),
            org.assertj.core.groups.Tuple.tuple(".pad/16284", 16284L, true, false, List.of()),
            org.assertj.core.groups.Tuple.tuple("sub/beta.bin", 20_000L, false, false, List.of()),
            org.assertj.core.groups.Tuple.tuple(".pad/12768", 12768L, true, false, List.of()),
            org.assertj.core.groups.Tuple.tuple("sub/deeper/delta.bin", 33_000L, false, false, List.of()),
            org.assertj.core.groups.Tuple.tuple(".pad/16152", 16152L, true, false, List.of()),
            org.assertj.core.groups.Tuple.tuple("sub/gamma.bin", 1L, false, false, List.of()),
            org.assertj.core.groups.Tuple.tuple(".pad/16383", 16383L, true, false, List.of()));

    @Test
    void libtorrentsPaddedV1TorrentHasPadFilesAnExecutableAndALinkInsideTheTorrent() throws Exception {
        Metainfo meta = fixture("libtorrent-v1-pads.torrent");

        assertThat(meta.version()).isEqualTo(Metainfo.Version.V1);
        assertThat(meta.infoHashV2Hex()).isEmpty();
        assertThat(meta.info().files())
                .extracting(FileEntry::displayPath, FileEntry::length, FileEntry::isPad, FileEntry::isExecutable, FileEntry::symlinkTarget)
                .containsExactlyElementsOf(PADDED_TREE);
        assertThat(meta.info().files().get(3).isSymlink()).isTrue();
        assertThat(meta.info().dataLength()).isEqualTo(113_102);
        assertThat(meta.warnings()).isEmpty();
        // Every data file but the empty ones starts on a piece boundary.
        assertThat(meta.info().dataFiles()).filteredOn(f -> f.length() > 0)
                .allSatisfy(f -> assertThat(f.offset() % meta.info().pieceLength()).isZero());
    }

    @Test
    void libtorrentsDefaultHybridOpensThroughItsV1HalfWithTheSameFiles() throws Exception {
        Metainfo meta = fixture("libtorrent-hybrid-attrs.torrent");

        assertThat(meta.version()).isEqualTo(Metainfo.Version.HYBRID);
        assertThat(meta.infoHashV2Hex()).contains("339b82e3cd805b6d19df00ab1c6ac64a30a49d92c56d9ed1f404359b19d9bf9d");
        assertThat(meta.info().files())
                .extracting(FileEntry::displayPath, FileEntry::length, FileEntry::isPad, FileEntry::isExecutable, FileEntry::symlinkTarget)
                .containsExactlyElementsOf(PADDED_TREE);
        assertThat(meta.warnings()).isEmpty();
    }

    @Test
    void libtorrentsSingleFileHybridHasNoPadFile() throws Exception {
        Metainfo meta = fixture("libtorrent-hybrid-single.torrent");

        assertThat(meta.version()).isEqualTo(Metainfo.Version.HYBRID);
        assertThat(meta.infoHashV2Hex()).contains("2e1bcb5d9edb881390773130f46128a38c9aa0f12ec42dfdf2637c70272b1da9");
        assertThat(meta.info().files()).containsExactly(new FileEntry(List.of("single.bin"), 100_003, 0));
    }

    @ParameterizedTest(name = "{0}")
    @CsvFileSource(resources = "/torrents/expected-v2.csv", numLinesToSkip = 1)
    void aV2OnlyTorrentParsesWithTheV2InfoHashLibtorrentReported(String file, String infoHashV2, String name, int files,
            long dataLength, int pieceLength) throws Exception {
        Metainfo meta = fixture(file);

        assertThat(meta.v2Only()).isTrue();
        assertThat(meta.version()).isEqualTo(Metainfo.Version.V2_ONLY);
        assertThat(meta.infoHashV2Hex()).contains(infoHashV2);
        // BEP 52: peers, trackers and the DHT know a v2 torrent by its hash truncated to 20 bytes.
        assertThat(meta.infoHashHex()).isEqualTo(infoHashV2.substring(0, 40));
        assertThat(meta.info().name()).isEqualTo(name);
        assertThat(meta.info().dataFiles()).hasSize(files);
        assertThat(meta.info().dataLength()).isEqualTo(dataLength);
        assertThat(meta.info().pieceLength()).isEqualTo(pieceLength);
        assertThat(MetainfoParser.sha256(meta.infoBytes())).isEqualTo(meta.infoHashV2());
    }

    @Test
    void libtorrentsV2OnlyTreeLaysItsFilesOutAsTheHybridDoes() throws Exception {
        Metainfo v2 = fixture("libtorrent-v2.torrent");

        // The same tree: the same files at the same offsets; only the padding after the last file is not there.
        assertThat(v2.info().files())
                .extracting(FileEntry::displayPath, FileEntry::length, FileEntry::isPad, FileEntry::isExecutable, FileEntry::symlinkTarget)
                .containsExactlyElementsOf(PADDED_TREE.subList(0, PADDED_TREE.size() - 1));
        assertThat(v2.info().multiFile()).isTrue();
        assertThat(v2.info().pieceCount()).isEqualTo(11);
        assertThat(v2.warnings()).isEmpty();
    }

    @Test
    void libtorrentsV2OnlySingleFileIsASingleFileTorrent() throws Exception {
        Metainfo v2 = fixture("libtorrent-v2-single.torrent");

        assertThat(v2.info().multiFile()).isFalse();
        assertThat(v2.info().files()).containsExactly(new FileEntry(List.of("single.bin"), 100_003, 0));
    }
}
