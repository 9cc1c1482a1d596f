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
 * {@code torrents/}, with what the tools reported in {@code torrents/expected.csv}), so the unit suite
 * checks real-world files without running the tools.
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

        assertThat(meta.info().isPrivate()).isTrue();
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
}
