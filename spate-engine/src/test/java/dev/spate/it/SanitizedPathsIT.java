package dev.spate.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spate.bencode.BDictionary;
import dev.spate.bencode.BList;
import dev.spate.bencode.BString;
import dev.spate.bencode.BValue;
import dev.spate.bencode.Bencode;
import dev.spate.metainfo.FileEntry;
import dev.spate.metainfo.Metainfo;
import dev.spate.metainfo.MetainfoParser;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hand-made hostile .torrent files open in Spate with exactly the files python3-libtorrent's
 * {@code torrent_info} makes of them: unsafe paths sanitized, duplicates renamed, links checked, pad
 * files recognized, keys out of order accepted with the same info-hash. Spate's own unit tests
 * (PathSanitizingTest, DuplicatePathsTest) hold the same cases as a table; this checks the table
 * against libtorrent itself. Nothing is contacted.
 */
class SanitizedPathsIT {
    @TempDir
    Path tmp;

    /** Paths whose every rule is libtorrent's too (the bidi isolates, which Spate also removes, are left out). */
    static final List<List<String>> HOSTILE = List.of(
            List.of("..", "..", "etc", "passwd"), List.of(".", "a"), List.of("a", ".", "b"), List.of("", "c"), List.of("d", "", "e"),
            List.of(".."), List.of("/"), List.of("f/g", "h"), List.of("i\\j"), List.of("k\0l"), List.of("m\u0001n\u001f"),
            List.of("/abs", "olute"), List.of("..."), List.of("p."), List.of("C:", "q"), List.of("./"), List.of("../..", "r"),
            List.of("s\u202egnp.exe"), List.of("t\u200eu\u200f"), List.of("v".repeat(300) + ".txt"), List.of("w".repeat(300)),
            List.of("\u20ac".repeat(100)), List.of("x\nnewline"));

    static BDictionary file(long length, List<String> path) {
        return BDictionary.builder().put("length", length).put("path", BList.of(path.stream().map(BString::of).toList())).build();
    }

    static byte[] torrent(String name, List<BValue> files) {
        long total = 0;
        for (BValue f : files) {
            total += ((dev.spate.bencode.BInteger) ((BDictionary) f).get("length")).value();
        }
        int pieces = (int) ((total + 16383) / 16384);
        BDictionary info = BDictionary.builder().put("name", name).put("piece length", 16384).put("pieces", new byte[pieces * 20])
                .put("files", BList.of(files)).build();
        return Bencode.encode(BDictionary.builder().put("info", info).build());
    }

    /** The data files' paths, as libtorrent lists them (under the torrent's name), per libtorrent and per Spate. */
    private void sameFilesAsLibtorrent(byte[] torrent, String label) throws Exception {
        Path file = Files.write(tmp.resolve(label + ".torrent"), torrent);
        Libtorrent.Description lt = Libtorrent.describe(file);
        Metainfo meta = MetainfoParser.read(file);

        List<String> ltFiles = lt.files().stream().filter(f -> !f.pad()).map(f -> f.path() + " " + f.size()).toList();
        List<String> ours = new ArrayList<>();
        for (FileEntry f : meta.info().dataFiles()) {
            ours.add((meta.info().multiFile() ? meta.info().name() + "/" : "") + f.displayPath() + " " + f.length());
        }
        assertThat(ours).as(label).containsExactlyElementsOf(ltFiles);
        assertThat(meta.infoHashHex()).isEqualTo(lt.infoHashHex());
        assertThat(meta.info().name()).isEqualTo(lt.name());
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void everySanitizingRuleGivesTheFilesLibtorrentGives() throws Exception {
        List<BValue> files = new ArrayList<>();
        for (List<String> path : HOSTILE) {
            files.add(file(10, path));
        }
        sameFilesAsLibtorrent(torrent("dir", files), "hostile");
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void duplicatesAreRenamedAsLibtorrentRenamesThem() throws Exception {
        List<BValue> files = new ArrayList<>();
        for (List<String> path : List.of(List.of("a.txt"), List.of("a.txt"), List.of("A.TXT"), List.of("a.1.txt"), List.of("b"),
                List.of("b", "c"), List.of("d", "e"), List.of("d"), List.of("x", "..", "y"), List.of("y"), List.of(".bashrc"),
                List.of(".bashrc"), List.of("n"), List.of("n"), List.of("n.1"))) {
            files.add(file(10, path));
        }
        sameFilesAsLibtorrent(torrent("dups", files), "dups");
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void namesAreSanitizedAsLibtorrentSanitizesThem() throws Exception {
        for (String name : List.of("a/b", "/abs", "k\0l", "..", ".", "", "z\u0007")) {
            sameFilesAsLibtorrent(torrent(name, List.of(file(10, List.of("f")))), "name-" + Integer.toHexString(name.hashCode()));
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void padFilesAndLinksAreWhatLibtorrentMakesOfThem() throws Exception {
        List<BValue> files = new ArrayList<>();
        files.add(file(10, List.of("x")));
        files.add(BDictionary.builder().put("length", 16374).put("attr", "p").build());
        files.add(file(10, List.of("y")));
        files.add(file(16374, List.of("_____padding_file_0_")));
        files.add(file(10, List.of("z")));
        files.add(BDictionary.builder().put("length", 0).put("attr", "l").put("path", BList.of(BString.of("ok")))
                .put("symlink path", BList.of(BString.of("x"))).build());
        files.add(BDictionary.builder().put("length", 0).put("attr", "lx").put("path", BList.of(BString.of("out")))
                .put("symlink path", BList.of(BString.of(".."), BString.of(".."), BString.of("etc"))).build());
        byte[] t = torrent("dir", files);
        sameFilesAsLibtorrent(t, "pads");

        Metainfo meta = MetainfoParser.parse(t);
        Libtorrent.Description lt = Libtorrent.describe(Files.write(tmp.resolve("pads2.torrent"), t));
        assertThat(meta.info().files()).extracting(FileEntry::isPad).containsExactlyElementsOf(lt.files().stream().map(Libtorrent.LtFile::pad).toList());
        assertThat(meta.info().files().get(5).isSymlink()).isTrue();
        assertThat(meta.info().files().get(6).isSymlink()).isFalse();
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void keysOutOfOrderAndRepeatedGiveLibtorrentsInfoHashAndName() throws Exception {
        byte[] info = ("d12:piece lengthi16384e4:name5:first4:name6:second6:pieces20:" + "\u0001".repeat(20) + "6:lengthi10ee")
                .getBytes(StandardCharsets.ISO_8859_1);
        byte[] t = new byte[info.length + 8];
        System.arraycopy("d4:info".getBytes(StandardCharsets.US_ASCII), 0, t, 0, 7);
        System.arraycopy(info, 0, t, 7, info.length);
        t[t.length - 1] = 'e';
        sameFilesAsLibtorrent(t, "unsorted");
        assertThat(MetainfoParser.parse(t).info().name()).isEqualTo("first");
    }
}
