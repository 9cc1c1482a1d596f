package dev.spate.metainfo;

import static dev.spate.metainfo.Torrents.file;
import static dev.spate.metainfo.Torrents.multiInfo;
import static dev.spate.metainfo.Torrents.pieces;
import static dev.spate.metainfo.Torrents.singleInfo;
import static dev.spate.metainfo.Torrents.str;
import static dev.spate.metainfo.Torrents.torrent;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spate.bencode.BDictionary;
import dev.spate.bencode.BInteger;
import dev.spate.bencode.BList;
import dev.spate.bencode.BString;
import dev.spate.bencode.Bencode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class MetainfoParserTest {

    static void rejects(byte[] torrent, String message) {
        assertThatThrownBy(() -> MetainfoParser.parse(torrent)).isInstanceOf(MetainfoException.class).hasMessage(message);
    }

    @Nested
    class SingleFile {
        @Test
        void parsesASingleFileTorrent() throws Exception {
            Metainfo m = MetainfoParser.parse(torrent(singleInfo()));
            TorrentInfo info = m.info();
            assertThat(info.name()).isEqualTo("a.bin");
            assertThat(info.multiFile()).isFalse();
            assertThat(info.isPrivate()).isFalse();
            assertThat(info.pieceLength()).isEqualTo(16384);
            assertThat(info.pieceCount()).isEqualTo(3);
            assertThat(info.pieceHashes()).isEqualTo(pieces(3));
            assertThat(info.files()).containsExactly(new FileEntry(List.of("a.bin"), 40000, 0));
            assertThat(info.totalLength()).isEqualTo(40000);
            assertThat(m.trackerTiers()).containsExactly(List.of("http://t.example/announce"));
            assertThat(m.webSeeds()).isEmpty();
            assertThat(m.creationDate()).isEmpty();
            assertThat(m.comment()).isEmpty();
            assertThat(m.createdBy()).isEmpty();
        }

        @Test
        void hashesTheInfoDictionaryBytesAsTheyAppearInTheFile() throws Exception {
            byte[] file = torrent(singleInfo());
            Metainfo m = MetainfoParser.parse(file);
            byte[] info = Bencode.encode(singleInfo().build());
            assertThat(m.infoBytes()).isEqualTo(info);
            assertThat(m.infoHash()).isEqualTo(MessageDigest.getInstance("SHA-1").digest(info));
            assertThat(m.infoHashHex()).hasSize(40).isEqualTo(HexFormat.of().formatHex(m.infoHash()));
        }

        @Test
        void hashesUnknownKeysInTheInfoDictionaryToo() throws Exception {
            Metainfo plain = MetainfoParser.parse(torrent(singleInfo()));
            Metainfo extra = MetainfoParser.parse(torrent(singleInfo().put("x-unknown", "value")));
            assertThat(extra.info()).isEqualTo(plain.info());
            assertThat(extra.infoHash()).isNotEqualTo(plain.infoHash());
        }

        @Test
        void acceptsAnExactMultipleOfThePieceLength() throws Exception {
            Metainfo m = MetainfoParser.parse(torrent(singleInfo().put("length", 32768).put("pieces", pieces(2))));
            assertThat(m.info().pieceSize(1)).isEqualTo(16384);
        }

        @Test
        void acceptsAPieceLengthThatIsNotAPowerOfTwo() throws Exception {
            Metainfo m = MetainfoParser.parse(torrent(singleInfo().put("piece length", 20000).put("pieces", pieces(2))));
            assertThat(m.info().pieceSize(1)).isEqualTo(20000);
        }

        @Test
        void acceptsThePieceLengthLimit() throws Exception {
            Metainfo m = MetainfoParser.parse(torrent(singleInfo().put("piece length", TorrentInfo.MAX_PIECE_LENGTH).put("pieces", pieces(1))));
            assertThat(m.info().pieceLength()).isEqualTo(TorrentInfo.MAX_PIECE_LENGTH);
        }

        @Test
        void prefersAValidNameUtf8() throws Exception {
            byte[] latin1 = {'c', 'a', 'f', (byte) 0xe9};
            Metainfo m = MetainfoParser.parse(torrent(singleInfo().put("name", latin1).put("name.utf-8", "café")));
            assertThat(m.info().name()).isEqualTo("café");
            assertThat(m.info().files().get(0).path()).containsExactly("café");
        }

        @Test
        void fallsBackToNameWhenNameUtf8IsMalformed() throws Exception {
            Metainfo m = MetainfoParser.parse(torrent(singleInfo().put("name.utf-8", new byte[] {(byte) 0xff})));
            assertThat(m.info().name()).isEqualTo("a.bin");
        }

        @Test
        void replacesMalformedBytesInAPlainNameWithAnUnderscoreAsLibtorrentDoes() throws Exception {
            Metainfo m = MetainfoParser.parse(torrent(singleInfo().put("name", new byte[] {'x', (byte) 0xe9})));
            assertThat(m.info().name()).isEqualTo("x_");
        }
    }

    @Nested
    class MultiFile {
        @Test
        void parsesFilesWithTheirOffsets() throws Exception {
            Metainfo m = MetainfoParser.parse(torrent(multiInfo(file(10000, "a", "x.txt"), file(0, "empty"), file(30000, "b.bin"))));
            TorrentInfo info = m.info();
            assertThat(info.multiFile()).isTrue();
            assertThat(info.name()).isEqualTo("dir");
            assertThat(info.files()).containsExactly(
                    new FileEntry(List.of("a", "x.txt"), 10000, 0),
                    new FileEntry(List.of("empty"), 0, 10000),
                    new FileEntry(List.of("b.bin"), 30000, 10000));
            assertThat(info.totalLength()).isEqualTo(40000);
            assertThat(info.pieceCount()).isEqualTo(3);
        }

        @Test
        void prefersAValidPathUtf8() throws Exception {
            BDictionary f = BDictionary.builder().put("length", 5).put("path", BList.of(BString.of(new byte[] {(byte) 0xe9})))
                    .put("path.utf-8", BList.of(str("é"), str("b"))).build();
            Metainfo m = MetainfoParser.parse(torrent(multiInfo(f)));
            assertThat(m.info().files().get(0).path()).containsExactly("é", "b");
        }

        @Test
        void ignoresAPathUtf8ThatIsNotAListOfUtf8Strings() throws Exception {
            BDictionary f = BDictionary.builder().put("length", 5).put("path", BList.of(str("ok")))
                    .put("path.utf-8", BList.of(BInteger.of(1))).build();
            assertThat(MetainfoParser.parse(torrent(multiInfo(f))).info().files().get(0).path()).containsExactly("ok");
        }

        @Test
        void rejectsAnEmptyFileList() {
            rejects(torrent(multiInfo().put("pieces", new byte[0])), "'files' is an empty list in info dictionary");
        }

        @Test
        void rejectsFilesThatIsNotAList() {
            rejects(torrent(multiInfo(file(1, "a")).put("files", "x")), "'files' is a string, expected a list");
        }

        @Test
        void rejectsAFileEntryThatIsNotADictionary() {
            rejects(torrent(multiInfo(file(1, "a")).put("files", BList.of(BInteger.of(3)))), "file 0 is an integer, expected a dictionary");
        }

        @Test
        void rejectsAFileWithoutLengthOrPath() {
            BDictionary noLength = BDictionary.builder().put("path", BList.of(str("a"))).build();
            rejects(torrent(multiInfo(file(1, "a")).put("files", BList.of(file(1, "a"), noLength))), "missing 'length' in file 1 of info dictionary");
            BDictionary noPath = BDictionary.builder().put("length", 1).build();
            rejects(torrent(multiInfo(file(1, "a")).put("files", BList.of(noPath))), "missing 'path' in file 0 of info dictionary");
        }

        @Test
        void rejectsMistypedFileKeys() {
            BDictionary f = BDictionary.builder().put("length", "1").put("path", BList.of(str("a"))).build();
            rejects(torrent(multiInfo(file(1, "a")).put("files", BList.of(f))), "'length' of file 0 of info dictionary is a string, expected an integer");
            BDictionary g = BDictionary.builder().put("length", 1).put("path", "a").build();
            rejects(torrent(multiInfo(file(1, "a")).put("files", BList.of(g))), "'path' of file 0 of info dictionary is a string, expected a list");
            BDictionary h = BDictionary.builder().put("length", 1).put("path", BList.of(BInteger.of(1))).build();
            rejects(torrent(multiInfo(file(1, "a")).put("files", BList.of(h))), "'path' of file 0 of info dictionary holds an integer, expected strings");
        }

        @Test
        void rejectsANegativeFileLength() {
            rejects(torrent(multiInfo(file(1, "a")).put("files", BList.of(file(-1, "a")))), "negative length -1 in file 0 of info dictionary");
        }

        @Test
        void rejectsAnEmptyPath() {
            rejects(torrent(multiInfo(file(1))), "empty 'path' in file 0 of info dictionary");
        }

        @Test
        void rejectsATotalLengthBeyond64Bits() {
            rejects(torrent(multiInfo(file(1, "a")).put("files", BList.of(file(Long.MAX_VALUE, "a"), file(1, "b")))),
                    "total length of the files overflows 64 bits at file 1 of info dictionary");
        }

        @Test
        void acceptsSiblingsWhoseNamesSharePrefixes() throws Exception {
            assertThat(MetainfoParser.parse(torrent(multiInfo(file(1, "a", "b"), file(1, "a", "bc"), file(1, "ab")))).info().files()).hasSize(3);
        }
    }

    /** Unsafe paths are sanitized, not refused: see PathSanitizingTest. Creating a torrent still refuses them. */
    @Nested
    class ComponentsForCreating {
        @ParameterizedTest
        @ValueSource(strings = {"a", "a b", "..a", "a..", "...", ".hidden", "ü", "ab:c", "1:x"})
        void acceptsOrdinaryComponents(String c) {
            assertThat(MetainfoParser.componentProblem(c)).isNull();
        }
    }

    @Nested
    class InfoDictionaryRejections {
        @ParameterizedTest
        @ValueSource(strings = {"name", "piece length", "pieces"})
        void rejectsAMissingKey(String key) {
            BDictionary.Builder b = BDictionary.builder();
            singleInfo().build().entries().forEach((k, v) -> {
                if (!k.equals(key)) {
                    b.put(k, v);
                }
            });
            rejects(torrent(b), "missing '" + key + "' in info dictionary");
        }

        @Test
        void rejectsAMistypedPieceLength() {
            rejects(torrent(singleInfo().put("piece length", "16384")), "'piece length' is a string, expected an integer");
        }

        @Test
        void rejectsMistypedNameAndPieces() {
            rejects(torrent(singleInfo().put("name", 5)), "'name' is an integer, expected a string");
            rejects(torrent(singleInfo().put("pieces", BList.of())), "'pieces' is a list, expected a string");
            rejects(torrent(singleInfo().put("length", BDictionary.builder().build())), "'length' is a dictionary, expected an integer");
        }

        @Test
        void rejectsAZeroPieceLength() {
            rejects(torrent(singleInfo().put("piece length", 0)), "invalid piece length 0 in info dictionary");
            rejects(torrent(singleInfo().put("piece length", -16384)), "invalid piece length -16384 in info dictionary");
        }

        @Test
        void rejectsAPieceLengthBeyondTheLimit() {
            rejects(torrent(singleInfo().put("piece length", TorrentInfo.MAX_PIECE_LENGTH + 1L)),
                    "invalid piece length 268435457 in info dictionary, the most accepted is 268435456");
        }

        @Test
        void rejectsPiecesThatAreNotWholeHashes() {
            rejects(torrent(singleInfo().put("pieces", new byte[30])), "pieces is 30 bytes, not a multiple of 20");
        }

        @Test
        void rejectsTooFewOrTooManyPieceHashes() {
            rejects(torrent(singleInfo().put("pieces", pieces(2))), "pieces holds 2 hashes, but 40000 bytes in pieces of 16384 need 3");
            rejects(torrent(singleInfo().put("pieces", pieces(4))), "pieces holds 4 hashes, but 40000 bytes in pieces of 16384 need 3");
        }

        @Test
        void rejectsANegativeLength() {
            rejects(torrent(singleInfo().put("length", -1)), "negative length -1 in info dictionary");
        }

        @Test
        void rejectsATorrentWithoutData() {
            rejects(torrent(singleInfo().put("length", 0).put("pieces", new byte[0])), "torrent holds no data: total length is 0");
            rejects(torrent(multiInfo(file(0, "a"), file(0, "b"))), "torrent holds no data: total length is 0");
        }

        @Test
        void rejectsBothOrNeitherOfLengthAndFiles() {
            rejects(torrent(singleInfo().put("files", BList.of(file(1, "a")))), "info dictionary has both 'length' and 'files'");
            BDictionary.Builder neither = BDictionary.builder().put("name", "a").put("piece length", 16384).put("pieces", pieces(1));
            rejects(torrent(neither), "info dictionary has neither 'length' (single file) nor 'files' (multiple files)");
        }

        @Test
        void rejectsAMistypedPrivateFlag() {
            rejects(torrent(singleInfo().put("private", "1")), "'private' is a string, expected an integer");
        }
    }

    @Nested
    class TopLevel {
        @Test
        void rejectsInputThatIsNotBencoding() {
            rejects("d4:infoi1e".getBytes(StandardCharsets.US_ASCII),
                    "not a bencoded torrent file: at byte 10: input ends in a dictionary, expected a key or 'e'");
        }

        @Test
        void rejectsATopLevelThatIsNotADictionary() {
            rejects("le".getBytes(StandardCharsets.US_ASCII), "torrent file is a list, expected a dictionary");
        }

        @Test
        void rejectsAMissingOrMistypedInfo() {
            rejects(Bencode.encode(BDictionary.builder().put("announce", "x").build()), "missing 'info' in torrent file");
            rejects(Bencode.encode(BDictionary.builder().put("info", "x").build()), "'info' is a string, expected a dictionary");
        }

        @Test
        void readsBep27PrivateFlag() throws Exception {
            assertThat(MetainfoParser.parse(torrent(singleInfo().put("private", 1))).info().isPrivate()).isTrue();
            assertThat(MetainfoParser.parse(torrent(singleInfo().put("private", 0))).info().isPrivate()).isFalse();
        }

        @Test
        void readsBep12TiersAndIgnoresAnnounceWhenTheyArePresent() throws Exception {
            BDictionary.Builder top = BDictionary.builder().put("announce", "http://ignored/")
                    .put("announce-list", BList.of(BList.of(str("http://a/"), str("http://b/")), BList.of(str("udp://c:80"))));
            Metainfo m = MetainfoParser.parse(torrent(top, singleInfo()));
            assertThat(m.trackerTiers()).containsExactly(List.of("http://a/", "http://b/"), List.of("udp://c:80"));
            assertThat(m.trackers()).containsExactly("http://a/", "http://b/", "udp://c:80");
        }

        @Test
        void skipsJunkInTheAnnounceList() throws Exception {
            BDictionary.Builder top = BDictionary.builder().put("announce-list", BList.of(
                    BList.of(), BInteger.of(3), BList.of(BInteger.of(1), str(""), str(" http://a/ "), str("http://a/")), str("http://x/")));
            Metainfo m = MetainfoParser.parse(torrent(top, singleInfo()));
            assertThat(m.trackerTiers()).containsExactly(List.of("http://a/"));
        }

        @Test
        void fallsBackToAnnounceWhenTheAnnounceListHoldsNoTracker() throws Exception {
            BDictionary.Builder top = BDictionary.builder().put("announce", "http://main/").put("announce-list", BList.of(BList.of()));
            assertThat(MetainfoParser.parse(torrent(top, singleInfo())).trackerTiers()).containsExactly(List.of("http://main/"));
        }

        @Test
        void acceptsATorrentWithoutTrackers() throws Exception {
            assertThat(MetainfoParser.parse(torrent(BDictionary.builder(), singleInfo())).trackerTiers()).isEmpty();
        }

        @Test
        void ignoresAMistypedAnnounce() throws Exception {
            assertThat(MetainfoParser.parse(torrent(BDictionary.builder().put("announce", 7), singleInfo())).trackerTiers()).isEmpty();
        }

        @Test
        void readsBep19UrlListAsAStringOrAList() throws Exception {
            assertThat(MetainfoParser.parse(torrent(BDictionary.builder().put("url-list", "http://seed/"), singleInfo())).webSeeds())
                    .containsExactly("http://seed/");
            BDictionary.Builder top = BDictionary.builder().put("url-list", BList.of(str("http://s1/"), BInteger.of(2), str("http://s2/"), str("")));
            assertThat(MetainfoParser.parse(torrent(top, singleInfo())).webSeeds()).containsExactly("http://s1/", "http://s2/");
        }

        @Test
        void readsBep5NodesAndSkipsMalformedOnes() throws Exception {
            BDictionary.Builder top = BDictionary.builder().put("nodes", BList.of(
                    BList.of(str("router.example"), BInteger.of(6881)),
                    BList.of(str("192.0.2.7"), BInteger.of(70_000)),
                    BList.of(str(""), BInteger.of(6881)),
                    str("garbage"),
                    BList.of(str("198.51.100.2"), BInteger.of(51413), BInteger.of(1)),
                    BList.of(str("198.51.100.3"), BInteger.of(51413))));
            assertThat(MetainfoParser.parse(torrent(top, singleInfo())).dhtNodes())
                    .extracting(a -> a.getHostString() + ":" + a.getPort())
                    .containsExactly("router.example:6881", "198.51.100.3:51413");
            assertThat(MetainfoParser.parse(torrent(top, singleInfo())).dhtNodes()).allMatch(a -> a.isUnresolved());
            assertThat(MetainfoParser.parse(torrent(singleInfo())).dhtNodes()).isEmpty();
        }

        @Test
        void takesAtMost64Nodes() throws Exception {
            List<dev.spate.bencode.BValue> many = new java.util.ArrayList<>();
            for (int i = 0; i < 1_000; i++) {
                many.add(BList.of(str("node" + i + ".example"), BInteger.of(6881)));
            }
            BDictionary.Builder top = BDictionary.builder().put("nodes", BList.of(many.toArray(dev.spate.bencode.BValue[]::new)));
            assertThat(MetainfoParser.parse(torrent(top, singleInfo())).dhtNodes()).hasSize(Metainfo.MAX_DHT_NODES);
        }

        @Test
        void readsCreationDateCommentAndCreatedBy() throws Exception {
            BDictionary.Builder top = BDictionary.builder().put("creation date", 1_700_000_000L).put("comment", "hello")
                    .put("created by", "Spate 0.1.0");
            Metainfo m = MetainfoParser.parse(torrent(top, singleInfo()));
            assertThat(m.creationDate()).contains(Instant.ofEpochSecond(1_700_000_000L));
            assertThat(m.comment()).contains("hello");
            assertThat(m.createdBy()).contains("Spate 0.1.0");
        }

        @Test
        void prefersUtf8VariantsOfCommentAndCreatedBy() throws Exception {
            BDictionary.Builder top = BDictionary.builder().put("comment", new byte[] {(byte) 0xe9}).put("comment.utf-8", "é");
            assertThat(MetainfoParser.parse(torrent(top, singleInfo())).comment()).contains("é");
        }

        @Test
        void ignoresMistypedOrOutOfRangeAdvisoryKeys() throws Exception {
            BDictionary.Builder top = BDictionary.builder().put("creation date", "yesterday").put("comment", 5)
                    .put("created by", BList.of());
            Metainfo m = MetainfoParser.parse(torrent(top, singleInfo()));
            assertThat(m.creationDate()).isEmpty();
            assertThat(m.comment()).isEmpty();
            assertThat(m.createdBy()).isEmpty();
            assertThat(MetainfoParser.parse(torrent(BDictionary.builder().put("creation date", Long.MAX_VALUE), singleInfo())).creationDate())
                    .isEqualTo(Optional.empty());
        }

        @Test
        void ignoresUnknownKeys() throws Exception {
            BDictionary.Builder top = BDictionary.builder().put("nodes", BList.of(BList.of(str("h"), BInteger.of(1)))).put("zzz", 1);
            assertThat(MetainfoParser.parse(torrent(top, singleInfo())).info().name()).isEqualTo("a.bin");
        }
    }

    @Nested
    class Reading {
        @TempDir
        Path dir;

        @Test
        void readsATorrentFile() throws Exception {
            Path f = dir.resolve("a.torrent");
            Files.write(f, torrent(singleInfo()));
            assertThat(MetainfoParser.read(f)).isEqualTo(MetainfoParser.parse(torrent(singleInfo())));
        }

        @Test
        void namesTheFileInAnError() throws IOException {
            Path f = dir.resolve("bad.torrent");
            Files.write(f, "le".getBytes(StandardCharsets.US_ASCII));
            assertThatThrownBy(() -> MetainfoParser.read(f)).isInstanceOf(MetainfoException.class)
                    .hasMessage(f + ": torrent file is a list, expected a dictionary");
        }

        @Test
        void rejectsAFileLargerThanTheCap() throws IOException {
            Path f = dir.resolve("huge.torrent");
            try (var ch = java.nio.channels.FileChannel.open(f, java.nio.file.StandardOpenOption.CREATE_NEW, java.nio.file.StandardOpenOption.WRITE)) {
                ch.write(java.nio.ByteBuffer.wrap(new byte[] {'d'}), MetainfoParser.MAX_FILE_SIZE); // sparse
            }
            assertThatThrownBy(() -> MetainfoParser.read(f)).isInstanceOf(MetainfoException.class)
                    .hasMessage("torrent file " + f + " is larger than 64 MiB");
        }

        @Test
        void reportsAMissingFileAsAnIoError() {
            assertThatThrownBy(() -> MetainfoParser.read(dir.resolve("none.torrent"))).isInstanceOf(IOException.class);
        }
    }
}
