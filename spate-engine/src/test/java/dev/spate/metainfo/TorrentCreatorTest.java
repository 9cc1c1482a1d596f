package dev.spate.metainfo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spate.bencode.BDictionary;
import dev.spate.bencode.BList;
import dev.spate.bencode.BString;
import dev.spate.bencode.Bencode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class TorrentCreatorTest {
    private static final Instant DATE = Instant.ofEpochSecond(1_700_000_000L);

    @TempDir
    Path dir;

    static byte[] data(int length, long seed) {
        byte[] b = new byte[length];
        new Random(seed).nextBytes(b);
        return b;
    }

    /** The concatenated SHA-1 of each piece of {@code stream}, computed without the creator. */
    static byte[] expectedPieces(byte[] stream, int pieceLength) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int off = 0; off < stream.length; off += pieceLength) {
            MessageDigest sha1 = MessageDigest.getInstance("SHA-1");
            sha1.update(stream, off, Math.min(pieceLength, stream.length - off));
            out.write(sha1.digest());
        }
        return out.toByteArray();
    }

    @Test
    void createsASingleFileTorrentWhoseHashesMatchAnIndependentComputation() throws Exception {
        byte[] content = data(100_000, 1);
        Path file = Files.write(dir.resolve("movie.bin"), content);
        byte[] torrent = TorrentCreator.builder(file).pieceLength(16384).tracker("http://t.example/announce")
                .creationDate(DATE).threads(3).build().create();

        BDictionary expectedInfo = BDictionary.builder().put("name", "movie.bin").put("length", 100_000)
                .put("piece length", 16384).put("pieces", expectedPieces(content, 16384)).build();
        BDictionary expected = BDictionary.builder().put("announce", "http://t.example/announce")
                .put("created by", TorrentCreator.DEFAULT_CREATED_BY).put("creation date", DATE.getEpochSecond())
                .put("info", expectedInfo).build();
        assertThat(torrent).isEqualTo(Bencode.encode(expected));

        Metainfo m = MetainfoParser.parse(torrent);
        assertThat(m.infoHash()).isEqualTo(MessageDigest.getInstance("SHA-1").digest(Bencode.encode(expectedInfo)));
        assertThat(m.info().multiFile()).isFalse();
        assertThat(m.info().pieceCount()).isEqualTo(7);
        assertThat(m.creationDate()).contains(DATE);
    }

    @Test
    void createsAMultiFileTorrentAcrossUnevenAndEmptyFiles() throws Exception {
        Path root = Files.createDirectory(dir.resolve("album"));
        Files.createDirectories(root.resolve("b/sub"));
        byte[] a = data(20_000, 2);
        byte[] bx = data(5, 3);
        byte[] by = data(40_001, 4);
        byte[] c = data(16_384, 5);
        // Written out of order; the torrent must list them sorted.
        Files.write(root.resolve("c.dat"), c);
        Files.write(root.resolve("b/sub/y.bin"), by);
        Files.write(root.resolve("b/empty"), new byte[0]);
        Files.write(root.resolve("b/x.txt"), bx);
        Files.write(root.resolve("a.dat"), a);
        Files.write(root.resolve("0empty"), new byte[0]);
        Files.write(root.resolve("zzz-empty"), new byte[0]);

        Metainfo m = TorrentCreator.builder(root).pieceLength(16384).creationDate(null).build().createMetainfo();
        TorrentInfo info = m.info();
        assertThat(info.name()).isEqualTo("album");
        assertThat(info.multiFile()).isTrue();
        assertThat(info.files()).extracting(FileEntry::displayPath)
                .containsExactly("0empty", "a.dat", "b/empty", "b/sub/y.bin", "b/x.txt", "c.dat", "zzz-empty");
        assertThat(info.files()).extracting(FileEntry::length).containsExactly(0L, 20_000L, 0L, 40_001L, 5L, 16_384L, 0L);

        ByteArrayOutputStream stream = new ByteArrayOutputStream();
        stream.write(a);
        stream.write(by);
        stream.write(bx);
        stream.write(c);
        assertThat(info.pieceHashes()).isEqualTo(expectedPieces(stream.toByteArray(), 16384));
        assertThat(m.creationDate()).isEmpty();
        assertThat(m.trackerTiers()).isEmpty();
    }

    @Test
    void aDirectoryWithOneFileIsStillAMultiFileTorrent() throws Exception {
        Path root = Files.createDirectory(dir.resolve("d"));
        Files.write(root.resolve("only"), data(10, 6));
        TorrentInfo info = TorrentCreator.builder(root).build().createMetainfo().info();
        assertThat(info.multiFile()).isTrue();
        assertThat(info.files()).extracting(FileEntry::path).containsExactly(List.of("only"));
    }

    @Test
    void includesHiddenFilesAndSkipsSymbolicLinks() throws Exception {
        Path root = Files.createDirectory(dir.resolve("d"));
        Files.write(root.resolve(".hidden"), data(10, 7));
        Files.write(root.resolve("visible"), data(10, 8));
        Path outside = Files.write(dir.resolve("outside"), data(10, 9));
        Files.createSymbolicLink(root.resolve("link"), outside);
        Files.createSymbolicLink(root.resolve("dirlink"), dir);
        TorrentInfo info = TorrentCreator.builder(root).build().createMetainfo().info();
        assertThat(info.files()).extracting(FileEntry::displayPath).containsExactly(".hidden", "visible");
    }

    @Test
    void sortsPathsComponentByComponentInCodePointOrder() {
        // "a/b" before "a-b": by whole strings '-' (0x2d) sorts before '/' (0x2f), by components "a" < "a-b".
        assertThat(TorrentCreator.comparePaths(List.of("a", "b"), List.of("a-b"))).isNegative();
        // U+FFFD is below U+1F600 in code points, though its UTF-16 char is above the surrogates.
        assertThat(TorrentCreator.comparePaths(List.of("\uFFFD"), List.of("\uD83D\uDE00"))).isNegative();
        assertThat(TorrentCreator.comparePaths(List.of("a"), List.of("a", "b"))).isNegative();
        assertThat(TorrentCreator.comparePaths(List.of("B"), List.of("a"))).isNegative();
    }

    @Test
    void writesTrackersWebSeedsAndTheOtherOptionalKeys() throws Exception {
        Path file = Files.write(dir.resolve("f"), data(1000, 10));
        byte[] torrent = TorrentCreator.builder(file)
                .trackerTier(List.of("http://a/", "http://b/")).tracker("udp://c:1")
                .webSeed("http://seed1/").webSeed("http://seed2/")
                .privateFlag(true).comment("a comment").createdBy("tester").creationDate(DATE)
                .build().create();
        BDictionary top = (BDictionary) Bencode.decode(torrent);
        assertThat(top.get("announce")).isEqualTo(BString.of("http://a/"));
        assertThat(top.get("announce-list")).isEqualTo(BList.of(
                BList.of(BString.of("http://a/"), BString.of("http://b/")), BList.of(BString.of("udp://c:1"))));
        assertThat(top.get("url-list")).isEqualTo(BList.of(BString.of("http://seed1/"), BString.of("http://seed2/")));

        Metainfo m = MetainfoParser.parse(torrent);
        assertThat(m.info().isPrivate()).isTrue();
        assertThat(((BDictionary) top.get("info")).get("private")).isEqualTo(dev.spate.bencode.BInteger.of(1));
        assertThat(m.trackerTiers()).containsExactly(List.of("http://a/", "http://b/"), List.of("udp://c:1"));
        assertThat(m.webSeeds()).containsExactly("http://seed1/", "http://seed2/");
        assertThat(m.comment()).contains("a comment");
        assertThat(m.createdBy()).contains("tester");
    }

    @Test
    void writesOneTrackerAsAnnounceOnlyAndOneWebSeedAsAString() throws Exception {
        Path file = Files.write(dir.resolve("f"), data(1000, 11));
        BDictionary top = (BDictionary) Bencode.decode(TorrentCreator.builder(file).tracker("http://only/")
                .webSeed("http://seed/").createdBy(null).creationDate(null).build().create());
        assertThat(top.entries().keySet()).containsExactly("announce", "info", "url-list");
        assertThat(top.get("url-list")).isEqualTo(BString.of("http://seed/"));
        assertThat(((BDictionary) top.get("info")).containsKey("private")).isFalse();
    }

    @Test
    void createsTheSameBytesForTheSameInputOnAnyNumberOfThreads() throws Exception {
        Path root = Files.createDirectory(dir.resolve("d"));
        for (int i = 0; i < 12; i++) {
            Files.write(root.resolve("f" + i), data(3000 * i + 7, i));
        }
        TorrentCreator.Builder b = TorrentCreator.builder(root).pieceLength(16384).creationDate(DATE).tracker("http://t/");
        byte[] one = b.threads(1).build().create();
        byte[] again = b.threads(1).build().create();
        byte[] many = b.threads(8).build().create();
        assertThat(again).isEqualTo(one);
        assertThat(many).isEqualTo(one);
    }

    @Test
    void reportsProgressUpToTheTotal() throws Exception {
        Path file = Files.write(dir.resolve("f"), data(16384 * 9 + 100, 12));
        List<long[]> calls = new ArrayList<>();
        AtomicLong concurrent = new AtomicLong();
        TorrentCreator.builder(file).pieceLength(16384).threads(4).progress((done, total) -> {
            if (concurrent.incrementAndGet() != 1) {
                throw new AssertionError("progress called by two threads at once");
            }
            calls.add(new long[] {done, total});
            concurrent.decrementAndGet();
        }).build().create();
        assertThat(calls).hasSize(10);
        for (int i = 1; i < calls.size(); i++) {
            assertThat(calls.get(i)[0]).isGreaterThan(calls.get(i - 1)[0]);
        }
        assertThat(calls.get(calls.size() - 1)).containsExactly(16384L * 9 + 100, 16384L * 9 + 100);
    }

    @Test
    void anExceptionFromTheProgressCallbackAbortsCreation() throws IOException {
        Path file = Files.write(dir.resolve("f"), data(16384 * 4, 13));
        TorrentCreator creator = TorrentCreator.builder(file).pieceLength(16384).progress((d, t) -> {
            throw new IllegalStateException("stop");
        }).build();
        assertThatThrownBy(creator::create).isInstanceOf(IllegalStateException.class).hasMessage("stop");
    }

    @ParameterizedTest(name = "{0} bytes -> pieces of {1}")
    @CsvSource({
        "1, 16384",
        "32768000, 16384",       // exactly 2000 pieces of 16 KiB
        "32768001, 32768",
        "65536000, 32768",
        "65536001, 65536",
        "1073741824, 1048576",   // 1 GiB -> 1024 pieces of 1 MiB
        "4294967296, 4194304",   // 4 GiB -> 1024 pieces of 4 MiB (2048 of 2 MiB would be too many)
        "34359738368, 16777216", // 32 GiB -> 2048 pieces: the 16 MiB cap wins over the target
        "1099511627776, 16777216",
    })
    void choosesThePieceLengthByTheDocumentedRule(long total, int expected) {
        assertThat(TorrentCreator.automaticPieceLength(total)).isEqualTo(expected);
    }

    @Test
    void usesTheAutomaticPieceLengthWhenNoneIsSet() throws Exception {
        Path file = Files.write(dir.resolve("f"), data(40_000_000, 14));
        assertThat(TorrentCreator.builder(file).build().createMetainfo().info().pieceLength()).isEqualTo(32768);
    }

    @Test
    void rejectsAnEmptyDirectory() throws IOException {
        Path root = Files.createDirectories(dir.resolve("empty/sub"));
        assertThatThrownBy(() -> TorrentCreator.builder(root.getParent()).build().create()).isInstanceOf(IOException.class)
                .hasMessage("nothing to share in " + root.getParent() + ": the directory holds no regular files");
    }

    @Test
    void rejectsOnlyEmptyFiles() throws IOException {
        Path root = Files.createDirectory(dir.resolve("d"));
        Files.write(root.resolve("a"), new byte[0]);
        assertThatThrownBy(() -> TorrentCreator.builder(root).build().create()).isInstanceOf(IOException.class)
                .hasMessage("nothing to share in " + root + ": every file is empty");
    }

    @Test
    void rejectsAFileNameThatCannotBeStoredSafely() throws IOException {
        Path root = Files.createDirectory(dir.resolve("d"));
        Path bad = Files.write(root.resolve("a\\b"), new byte[1]);
        assertThatThrownBy(() -> TorrentCreator.builder(root).build().create()).isInstanceOf(IOException.class)
                .hasMessage("cannot store " + bad + " in a torrent: component \"a\\\\b\" contains '\\'");
    }

    @Test
    void rejectsAMissingSource() {
        assertThatThrownBy(() -> TorrentCreator.builder(dir.resolve("none")).build().create()).isInstanceOf(java.nio.file.NoSuchFileException.class);
    }

    @Test
    void rejectsBadSettingsWhereTheyAreGiven() {
        TorrentCreator.Builder b = TorrentCreator.builder(dir);
        assertThatThrownBy(() -> b.pieceLength(1000)).hasMessage("piece length 1000 is not a power of two from 16384 to 268435456");
        assertThatThrownBy(() -> b.pieceLength(8192)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> b.pieceLength(1 << 29)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> b.threads(0)).hasMessage("threads must be at least 1, not 0");
        assertThatThrownBy(() -> b.tracker(" ")).hasMessage("blank tracker URL");
        assertThatThrownBy(() -> b.trackerTier(List.of())).hasMessage("empty tracker tier");
        assertThatThrownBy(() -> b.webSeed("")).hasMessage("blank web seed URL");
    }
}
