package dev.spate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spate.bencode.BDictionary;
import dev.spate.bencode.BList;
import dev.spate.bencode.BString;
import dev.spate.bencode.Bencode;
import dev.spate.metainfo.Metainfo;
import dev.spate.metainfo.TorrentCreator;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InfoCommandTest {
    private static final Instant CREATED = Instant.parse("2024-01-02T03:04:05Z");

    @TempDir
    Path tmp;

    /** Writes {@code size} bytes drawn from {@code seed}. */
    static Path data(Path file, int size, long seed) throws IOException {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        Files.createDirectories(file.toAbsolutePath().getParent());
        return Files.write(file, b);
    }

    /** A directory of four files with uneven sizes, one of them empty: 60,001 bytes. */
    static Path tree(Path root) throws IOException {
        data(root.resolve("alpha.bin"), 40_000, 1);
        data(root.resolve("empty.txt"), 0, 2);
        data(root.resolve("sub/beta.bin"), 20_000, 3);
        data(root.resolve("sub/gamma.bin"), 1, 4);
        return root;
    }

    private Metainfo singleFileTorrent(Path out) throws IOException {
        TorrentCreator.Builder b = TorrentCreator.builder(data(tmp.resolve("one.bin"), 100_000, 7))
                .pieceLength(16384)
                .trackerTier(List.of("http://a.example/announce", "http://b.example/announce"))
                .tracker("udp://c.example:6969")
                .webSeed("http://seed.example/one.bin")
                .privateFlag(true)
                .comment("first \"test\"\nsecond line")
                .creationDate(CREATED);
        Files.write(out, b.build().create());
        return b.build().createMetainfo();
    }

    private Metainfo multiFileTorrent(Path out) throws IOException {
        TorrentCreator.Builder b = TorrentCreator.builder(tree(tmp.resolve("tree")))
                .pieceLength(16384)
                .createdBy(null)
                .creationDate(null);
        Files.write(out, b.build().create());
        return b.build().createMetainfo();
    }

    @Test
    void textOfASingleFileTorrentShowsEveryField() throws IOException {
        Path file = tmp.resolve("one.torrent");
        Metainfo meta = singleFileTorrent(file);

        Cli.Result r = Cli.run("info", file.toString());

        assertThat(r.exitCode()).isZero();
        assertThat(r.err()).isEmpty();
        assertThat(r.out().lines()).containsExactly(
                "name:       one.bin",
                "info-hash:  " + meta.infoHashHex(),
                "size:       97.7 KiB (100000 bytes)",
                "pieces:     7 x 16 KiB",
                "private:    yes",
                "created by: Spate 0.1.0",
                "created:    2024-01-02T03:04:05Z",
                "comment:    first \"test\"",
                "            second line",
                "files (1):",
                "  1    97.7 KiB  one.bin",
                "trackers:",
                "  tier 1: http://a.example/announce",
                "  tier 1: http://b.example/announce",
                "  tier 2: udp://c.example:6969",
                "web seeds:",
                "  http://seed.example/one.bin");
        assertThat(meta.infoHashHex()).matches("[0-9a-f]{40}");
    }

    @Test
    void textOfAMultiFileTorrentListsFilesUnderTheTorrentNameInOrder() throws IOException {
        Path file = tmp.resolve("tree.torrent");
        Metainfo meta = multiFileTorrent(file);

        Cli.Result r = Cli.run("info", file.toString());

        assertThat(r.exitCode()).isZero();
        assertThat(r.out().lines()).containsExactly(
                "name:       tree",
                "info-hash:  " + meta.infoHashHex(),
                "size:       58.6 KiB (60001 bytes)",
                "pieces:     4 x 16 KiB",
                "private:    no",
                "files (4):",
                "  1    39.1 KiB  tree/alpha.bin",
                "  2         0 B  tree/empty.txt",
                "  3    19.5 KiB  tree/sub/beta.bin",
                "  4         1 B  tree/sub/gamma.bin",
                "trackers: none");
    }

    @Test
    void jsonOfASingleFileTorrentParsesAndHoldsEveryField() throws IOException {
        Path file = tmp.resolve("one.torrent");
        Metainfo meta = singleFileTorrent(file);

        Cli.Result r = Cli.run("info", "--json", file.toString());

        assertThat(r.exitCode()).isZero();
        assertThat(r.out()).endsWith("}\n");
        @SuppressWarnings("unchecked")
        Map<String, Object> json = (Map<String, Object>) JsonReader.parse(r.out());
        assertThat(json).containsExactly(
                Map.entry("name", "one.bin"),
                Map.entry("infoHash", meta.infoHashHex()),
                Map.entry("totalLength", 100_000L),
                Map.entry("pieceLength", 16_384L),
                Map.entry("pieceCount", 7L),
                Map.entry("private", true),
                Map.entry("multiFile", false),
                Map.entry("files", List.of(Map.of("path", "one.bin", "length", 100_000L))),
                Map.entry("trackerTiers", List.of(
                        List.of("http://a.example/announce", "http://b.example/announce"),
                        List.of("udp://c.example:6969"))),
                Map.entry("webSeeds", List.of("http://seed.example/one.bin")),
                Map.entry("createdBy", "Spate 0.1.0"),
                Map.entry("creationDate", CREATED.getEpochSecond()),
                Map.entry("comment", "first \"test\"\nsecond line"));
    }

    /**
     * {@code --scrape --json}: a report per tracker at the end, its counts from a scrape answered on
     * 127.0.0.1, and nulls with the error for a tracker nobody listens on.
     */
    @Test
    void jsonWithScrapeEndsWithOneReportPerTrackerCountsOrNullsAndTheError() throws IOException {
        com.sun.net.httpserver.HttpServer tracker = com.sun.net.httpserver.HttpServer.create(
                new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0), 4);
        byte[][] hash = new byte[1][];
        tracker.createContext("/scrape", ex -> {
            try (ex) {
                byte[] body = Bencode.encode(BDictionary.builder().put("files", BDictionary.builder()
                        .put(BDictionary.key(hash[0]), BDictionary.builder().put("complete", 3).put("downloaded", 7)
                                .put("incomplete", 2).build())
                        .build()).build());
                ex.sendResponseHeaders(200, body.length);
                ex.getResponseBody().write(body);
            }
        });
        tracker.start();
        try {
            String live = "http://127.0.0.1:" + tracker.getAddress().getPort() + "/announce";
            Path file = tmp.resolve("scraped.torrent");
            TorrentCreator.Builder b = TorrentCreator.builder(data(tmp.resolve("s.bin"), 1000, 5))
                    .trackerTier(List.of(live)).tracker("http://127.0.0.1:1/announce");
            Files.write(file, b.build().create());
            hash[0] = b.build().createMetainfo().infoHash();

            Cli.Result r = Cli.run("info", "--json", "--scrape", "--timeout", "5", file.toString());

            assertThat(r.exitCode()).as(r.err()).isZero();
            @SuppressWarnings("unchecked")
            Map<String, Object> json = (Map<String, Object>) JsonReader.parse(r.out());
            assertThat(List.copyOf(json.keySet())).last().isEqualTo("scrape");
            @SuppressWarnings("unchecked")
            List<Map<String, Object>> reports = (List<Map<String, Object>>) json.get("scrape");
            assertThat(reports).hasSize(2);
            assertThat(List.copyOf(reports.get(0).keySet())).containsExactly("url", "seeders", "completed", "leechers", "error");
            assertThat(reports.get(0)).containsEntry("url", live).containsEntry("seeders", 3L).containsEntry("completed", 7L)
                    .containsEntry("leechers", 2L).containsEntry("error", null);
            assertThat(List.copyOf(reports.get(1).keySet())).containsExactly("url", "seeders", "completed", "leechers", "error");
            assertThat(reports.get(1)).containsEntry("url", "http://127.0.0.1:1/announce").containsEntry("seeders", null)
                    .containsEntry("completed", null).containsEntry("leechers", null);
            assertThat(reports.get(1).get("error")).asString().isNotBlank();
        } finally {
            tracker.stop(0);
        }
    }

    @Test
    void jsonOfAMultiFileTorrentListsFilesWithPathsAndLengthsAndNullsForAbsentFields() throws IOException {
        Path file = tmp.resolve("tree.torrent");
        Metainfo meta = multiFileTorrent(file);

        Cli.Result r = Cli.run("info", file.toString(), "--json");

        assertThat(r.exitCode()).isZero();
        @SuppressWarnings("unchecked")
        Map<String, Object> json = (Map<String, Object>) JsonReader.parse(r.out());
        assertThat(json.get("name")).isEqualTo("tree");
        assertThat(json.get("infoHash")).isEqualTo(meta.infoHashHex());
        assertThat(json.get("totalLength")).isEqualTo(60_001L);
        assertThat(json.get("pieceCount")).isEqualTo(4L);
        assertThat(json.get("multiFile")).isEqualTo(true);
        assertThat(json.get("private")).isEqualTo(false);
        assertThat(json.get("files")).isEqualTo(List.of(
                Map.of("path", "alpha.bin", "length", 40_000L),
                Map.of("path", "empty.txt", "length", 0L),
                Map.of("path", "sub/beta.bin", "length", 20_000L),
                Map.of("path", "sub/gamma.bin", "length", 1L)));
        assertThat(json.get("trackerTiers")).isEqualTo(List.of());
        assertThat(json.get("webSeeds")).isEqualTo(List.of());
        assertThat(json).containsEntry("createdBy", null).containsEntry("creationDate", null)
                .containsEntry("comment", null);
    }

    @Test
    void jsonEscapesControlCharactersAndKeepsUnicodeInNames() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("naïve ☃"));
        data(dir.resolve("tab\there.bin"), 10, 9);
        Path file = tmp.resolve("u.torrent");
        Files.write(file, TorrentCreator.builder(dir).comment("bell\u0007 and \\ slash").build().create());

        Cli.Result r = Cli.run("info", "--json", file.toString());

        assertThat(r.exitCode()).isZero();
        assertThat(r.out()).contains("\\u0007");
        @SuppressWarnings("unchecked")
        Map<String, Object> json = (Map<String, Object>) JsonReader.parse(r.out());
        assertThat(json.get("name")).isEqualTo("naïve ☃");
        // A tab is a control character: opened, the file's name has '_' instead, as in libtorrent, and a warning says so.
        assertThat(json.get("files")).isEqualTo(List.of(Map.of("path", "tab_here.bin", "length", 10L)));
        assertThat(json.get("warnings")).isEqualTo(List.of("unsafe file path \"tab\\x09here.bin\" sanitized to \"tab_here.bin\""));
        assertThat(json.get("comment")).isEqualTo("bell\u0007 and \\ slash");
    }

    /**
     * A torrent whose every free-text field holds terminal controls: colour and clear-screen
     * sequences, an OSC 8 hyperlink, carriage return, backspace, 8-bit CSI, bidi overrides.
     */
    private Path hostileTorrent() throws IOException {
        BDictionary file = BDictionary.builder()
                .put("length", 5)
                .put("path", BList.of(BString.of("sub\u001b]8;;x\u0007link\u001b]8;;\u0007"), BString.of("a\u202etxt.exe")))
                .build();
        BDictionary info = BDictionary.builder()
                .put("name", "evil\u001b[2J\u202egpj.exe")
                .put("piece length", 16384)
                .put("pieces", new byte[20])
                .put("files", BList.of(file))
                .build();
        BDictionary torrent = BDictionary.builder()
                .put("info", info)
                .put("announce", "http://127.0.0.1:1/\u001b[31mannounce")
                .put("comment", "first\u001b[1A\rline\nsecond\u0008 \u2066end")
                .put("created by", "mktorrent\u009b31m\u2028x")
                .build();
        return Files.write(tmp.resolve("hostile.torrent"), Bencode.encode(torrent));
    }

    /** Characters a terminal may act on instead of showing, by the JDK's classification (not {@link TerminalText}'s). */
    private static List<String> actionable(String text) {
        return text.chars().filter(c -> c != '\n' && (Character.isISOControl(c)
                        || Character.getType(c) == Character.FORMAT || Character.getType(c) == Character.LINE_SEPARATOR
                        || Character.getType(c) == Character.PARAGRAPH_SEPARATOR || Character.isSurrogate((char) c)))
                .mapToObj(c -> String.format("U+%04X", c)).toList();
    }

    @Test
    void textOfATorrentFullOfTerminalControlsShowsThemAsEscapesAndPrintsNoneRaw() throws IOException {
        Path file = hostileTorrent();

        Cli.Result r = Cli.run("info", file.toString());

        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(actionable(r.out())).isEmpty();
        // The name and the path are sanitized (ESC to '_', U+202E removed); the warnings quote them as
        // they were, escaped.
        assertThat(r.out().lines()).contains(
                "name:       evil_[2Jgpj.exe",
                "created by: mktorrent\\x9b31m\\u2028x",
                "comment:    first\\x1b[1A",
                "            line", // a lone CR ends a line of a comment, as it always did, indented under the first
                "            second\\x08 \\u2066end",
                "  1         5 B  evil_[2Jgpj.exe/sub_]8;;x_link_]8;;_/atxt.exe",
                "  tier 1: http://127.0.0.1:1/\\x1b[31mannounce",
                "warning: unsafe name \"evil\\x1b[2J\\u202egpj.exe\" in info dictionary sanitized to \"evil_[2Jgpj.exe\"",
                "warning: unsafe file path \"sub\\x1b]8;;x\\x07link\\x1b]8;;\\x07/a\\u202etxt.exe\" sanitized to "
                        + "\"sub_]8;;x_link_]8;;_/atxt.exe\"");
    }

    @Test
    void jsonOfATorrentFullOfTerminalControlsHasNoneRawAndReadsBackExactly() throws IOException {
        Path file = hostileTorrent();

        Cli.Result r = Cli.run("info", "--json", file.toString());

        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(actionable(r.out())).isEmpty();
        @SuppressWarnings("unchecked")
        Map<String, Object> json = (Map<String, Object>) JsonReader.parse(r.out());
        assertThat(json.get("name")).isEqualTo("evil_[2Jgpj.exe");
        assertThat(json.get("createdBy")).isEqualTo("mktorrent\u009b31m\u2028x");
        assertThat(json.get("files")).isEqualTo(List.of(Map.of("path", "sub_]8;;x_link_]8;;_/atxt.exe", "length", 5L)));
        assertThat(json.get("warnings")).asList().hasSize(2).first().asString().contains("evil\\x1b[2J\u202egpj.exe");
    }

    /** A v2 info dictionary whose file tree holds a string where the entry {@code key} should be: refused, quoting the key. */
    private static BDictionary badFileTree(String key) {
        return BDictionary.builder().put("name", "x").put("meta version", 2).put("piece length", 16384)
                .put("file tree", BDictionary.builder().put(BDictionary.key(key.getBytes(StandardCharsets.UTF_8)), BString.of("not a node")).build())
                .build();
    }

    @Test
    void anErrorQuotingTheTorrentShowsItsBidiOverridesAndC1ControlsAsEscapes() throws IOException {
        // The parser refuses the file tree entry, quoting its name; the quote keeps U+202E and U+009B.
        BDictionary info = badFileTree("x/\u202eexe\u009b2J");
        Path file = Files.write(tmp.resolve("bad-name.torrent"), Bencode.encode(BDictionary.builder().put("info", info).build()));

        Cli.Result r = Cli.run("info", file.toString());

        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(actionable(r.err())).isEmpty();
        assertThat(r.errLines()).hasSize(1);
        assertThat(r.errLines().get(0)).startsWith("spate: " + file + ": ").contains("x/\\u202eexe\\x9b2J");
    }

    @Test
    void verboseEscapesTheMessagesInTheStackTraceButKeepsItsFramesIndented() throws IOException {
        BDictionary info = badFileTree("x/\u202e\u009b2J");
        Path file = Files.write(tmp.resolve("bad-name.torrent"), Bencode.encode(BDictionary.builder().put("info", info).build()));

        Cli.Result r = Cli.run("info", "--verbose", file.toString());

        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.err()).contains("\tat dev.spate.metainfo.MetainfoParser.").contains("x/\\u202e\\x9b2J");
        assertThat(actionable(r.err().replaceAll("(?m)^\t+", ""))).isEmpty();
    }

    // ---- BEP 47 and BEP 52 ----

    /** A v2 file tree node for a file of {@code length} bytes. */
    private static BDictionary v2File(long length) {
        BDictionary.Builder f = BDictionary.builder().put("length", length);
        if (length > 0) {
            byte[] root = new byte[32];
            java.util.Arrays.fill(root, (byte) 9);
            f.put("pieces root", root);
        }
        return BDictionary.builder().put("", f.build()).build();
    }

    /** dir/ of a.bin (100 bytes) and sub/b.bin (20,000): v2 only, or a hybrid with the v1 half padded to match. */
    private Path v2Torrent(String name, boolean hybrid) throws IOException {
        BDictionary tree = BDictionary.builder().put("a.bin", v2File(100))
                .put("sub", BDictionary.builder().put("b.bin", v2File(20_000)).build()).build();
        BDictionary.Builder info = BDictionary.builder().put("name", "dir").put("meta version", 2).put("piece length", 16384)
                .put("file tree", tree);
        if (hybrid) {
            info.put("pieces", new byte[3 * 20]).put("files", BList.of(
                    BDictionary.builder().put("length", 100).put("path", BList.of(BString.of("a.bin"))).build(),
                    BDictionary.builder().put("length", 16284).put("attr", "p")
                            .put("path", BList.of(BString.of(".pad"), BString.of("16284"))).build(),
                    BDictionary.builder().put("length", 20_000).put("path", BList.of(BString.of("sub"), BString.of("b.bin"))).build()));
        }
        return Files.write(tmp.resolve(name), Bencode.encode(BDictionary.builder().put("info", info.build()).build()));
    }

    @Test
    void textOfAV2OnlyTorrentShowsItsV2HashFilesAndSizesAndThatItCannotBeDownloaded() throws Exception {
        Path file = v2Torrent("v2.torrent", false);
        Metainfo meta = dev.spate.metainfo.MetainfoParser.read(file);

        Cli.Result r = Cli.run("info", file.toString());

        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out().lines()).containsExactly(
                "name:       dir",
                "info-hash:  " + meta.infoHashV2Hex().orElseThrow() + " (v2)",
                "version:    v2 only (cannot be downloaded yet)",
                "size:       19.6 KiB (20100 bytes)",
                "pieces:     3 x 16 KiB",
                "private:    no",
                "files (2):",
                "  1       100 B  dir/a.bin",
                "  2    19.5 KiB  dir/sub/b.bin",
                "trackers: none");
    }

    @Test
    void downloadAndSeedRefuseAV2OnlyTorrentWithOneClearLine() throws IOException {
        Path file = v2Torrent("v2.torrent", false);

        Cli.Result download = Cli.run("download", file.toString(), "-o", tmp.resolve("out").toString());
        Cli.Result seed = Cli.run("seed", file.toString(), "-d", tmp.toString());

        assertThat(download.exitCode()).isEqualTo(1);
        assertThat(download.err()).isEqualTo("spate: " + file + ": v2-only torrents cannot be downloaded yet\n");
        assertThat(tmp.resolve("out")).doesNotExist();
        assertThat(seed.exitCode()).isEqualTo(1);
        assertThat(seed.err()).isEqualTo("spate: " + file + ": v2-only torrents cannot be seeded yet\n");
    }

    @Test
    void textOfAHybridShowsBothHashesAndLeavesOutThePadFiles() throws Exception {
        Path file = v2Torrent("hybrid.torrent", true);
        Metainfo meta = dev.spate.metainfo.MetainfoParser.read(file);

        Cli.Result r = Cli.run("info", file.toString());

        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out().lines()).containsExactly(
                "name:       dir",
                "info-hash:  " + meta.infoHashHex(),
                "v2 hash:    " + meta.infoHashV2Hex().orElseThrow(),
                "version:    hybrid v1 + v2 (downloaded as v1)",
                "size:       19.6 KiB (20100 bytes)",
                "pieces:     3 x 16 KiB",
                "private:    no",
                "files (2):",
                "  1       100 B  dir/a.bin",
                "  2    19.5 KiB  dir/sub/b.bin",
                "trackers: none");
    }

    @Test
    void jsonOfAHybridHasBothHashesAndTheDataFilesOnly() throws Exception {
        Path file = v2Torrent("hybrid.torrent", true);
        Metainfo meta = dev.spate.metainfo.MetainfoParser.read(file);

        @SuppressWarnings("unchecked")
        Map<String, Object> json = (Map<String, Object>) JsonReader.parse(Cli.run("info", "--json", file.toString()).out());

        assertThat(json).containsEntry("infoHash", meta.infoHashHex()).containsEntry("infoHashV2", meta.infoHashV2Hex().orElseThrow())
                .containsEntry("version", "hybrid").containsEntry("totalLength", 20_100L).doesNotContainKey("warnings");
        assertThat(json.get("files")).isEqualTo(List.of(Map.of("path", "a.bin", "length", 100L),
                Map.of("path", "sub/b.bin", "length", 20_000L)));
    }

    @Test
    void textShowsExecutablesAndLinksAndAWarningLineForEachSanitizedPath() throws IOException {
        BList files = BList.of(
                BDictionary.builder().put("length", 5).put("attr", "x").put("path", BList.of(BString.of("run.sh"))).build(),
                BDictionary.builder().put("length", 0).put("attr", "l").put("path", BList.of(BString.of("link")))
                        .put("symlink path", BList.of(BString.of("run.sh"))).build(),
                BDictionary.builder().put("length", 0).put("attr", "l").put("path", BList.of(BString.of("escape")))
                        .put("symlink path", BList.of(BString.of(".."), BString.of("etc"))).build(),
                BDictionary.builder().put("length", 5).put("path", BList.of(BString.of(".."), BString.of(".."), BString.of("x\u001b[2J"))).build(),
                BDictionary.builder().put("length", 5).put("path", BList.of(BString.of("x\u001b[2J"))).build());
        BDictionary info = BDictionary.builder().put("name", "t").put("piece length", 16384).put("pieces", new byte[20])
                .put("files", files).build();
        Path file = Files.write(tmp.resolve("attrs.torrent"), Bencode.encode(BDictionary.builder().put("info", info).build()));

        Cli.Result r = Cli.run("info", file.toString());

        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(actionable(r.out())).isEmpty();
        assertThat(r.out().lines()).contains(
                "files (5):",
                "  1         5 B  t/run.sh (executable)",
                "  2         0 B  t/link -> t/run.sh",
                "  3         0 B  t/escape",
                "  4         5 B  t/x_[2J",
                "  5         5 B  t/x_[2J.1",
                "warning: unsafe file path \"../../x\\x1b[2J\" sanitized to \"x_[2J\"",
                "warning: symbolic link \"escape\" -> \"etc\" does not point to a file or directory of the torrent: "
                        + "written as an empty file instead",
                "warning: unsafe file path \"x\\x1b[2J\" sanitized to \"x_[2J\"",
                "warning: file path \"x_[2J\" is taken by another file or directory of the torrent: renamed \"x_[2J.1\"");
        assertThat(r.out().lines().filter(l -> l.startsWith("warning: "))).hasSize(4);
    }

    @Test
    void aTorrentWithoutWarningsPrintsNoWarningLine() throws IOException {
        Path file = tmp.resolve("tree.torrent");
        multiFileTorrent(file);

        assertThat(Cli.run("info", file.toString()).out()).doesNotContain("warning");
    }

    @Test
    void aMalformedTorrentFailsWithOneLineNamingTheFileAndTheProblem() throws IOException {
        Path bad = Files.writeString(tmp.resolve("bad.torrent"), "d4:infod4:name1:x", StandardCharsets.US_ASCII);

        Cli.Result r = Cli.run("info", bad.toString());

        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.out()).isEmpty();
        assertThat(r.errLines()).hasSize(1);
        assertThat(r.errLines().get(0)).startsWith("spate: " + bad + ": not a bencoded torrent file: ");
        assertThat(r.err()).doesNotContain("Exception").doesNotContain("\tat ");
    }

    @Test
    void anInvalidInfoDictionaryIsReportedWithTheParsersMessage() throws IOException {
        // Well-formed bencoding, but 'pieces' of 30 bytes is not a whole number of SHA-1 digests.
        Path bad = Files.writeString(tmp.resolve("pieces.torrent"),
                "d4:infod6:lengthi5e4:name1:x12:piece lengthi16384e6:pieces30:" + "x".repeat(30) + "ee",
                StandardCharsets.US_ASCII);

        Cli.Result r = Cli.run("info", bad.toString());

        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.errLines()).hasSize(1);
        assertThat(r.errLines().get(0)).startsWith("spate: " + bad + ": ").contains("pieces").contains("30");
    }

    @Test
    void verbosePrintsTheStackTraceAsWellAsTheMessage() throws IOException {
        Path bad = Files.writeString(tmp.resolve("bad.torrent"), "garbage", StandardCharsets.US_ASCII);

        for (String[] args : List.of(new String[] {"info", "--verbose", bad.toString()},
                new String[] {"--verbose", "info", bad.toString()})) {
            Cli.Result r = Cli.run(args);

            assertThat(r.exitCode()).as(String.join(" ", args)).isEqualTo(1);
            assertThat(r.err()).as(String.join(" ", args))
                    .startsWith("dev.spate.metainfo.MetainfoException: " + bad + ": not a bencoded torrent file")
                    .contains("\tat dev.spate.metainfo.MetainfoParser.read(")
                    .contains("\tat dev.spate.cli.InfoCommand.call(")
                    .endsWith("spate: " + bad + ": not a bencoded torrent file: at byte 0: expected a value ('i', 'l', 'd' or a digit), found 'g'\n");
        }
    }

    @Test
    void aMissingTorrentFileIsNamedWithTheReason() {
        Path missing = tmp.resolve("nowhere.torrent");

        Cli.Result r = Cli.run("info", missing.toString());

        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.err()).isEqualTo("spate: " + missing + ": no such file or directory\n");
    }

    @Test
    void aDirectoryGivenAsTheTorrentIsNamed() {
        Cli.Result r = Cli.run("info", tmp.toString());

        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.err()).isEqualTo("spate: " + tmp + " is a directory, not a .torrent file\n");
    }

    @Test
    void anUnknownOptionIsAUsageErrorNamingIt() {
        Cli.Result r = Cli.run("info", "--bogus", "x.torrent");

        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.out()).isEmpty();
        assertThat(r.errLines()).containsExactly("spate: Unknown option: '--bogus'", "try 'spate info --help' for usage");
    }

    @Test
    void aMissingArgumentIsAUsageError() {
        Cli.Result r = Cli.run("info");

        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.errLines().get(0)).isEqualTo("spate: Missing required parameter: 'FILE.torrent|URL|MAGNET'");
    }

    @Test
    void saveWritesTheTorrentWithItsInfoHashAndRefusesAFileThatExists() throws Exception {
        Path data = Files.write(tmp.resolve("s.bin"), new byte[30_000]);
        Path torrent = Files.write(tmp.resolve("s.torrent"), TorrentCreator.builder(data)
                .tracker("http://t.example/announce").comment("kept").build().create());
        Path saved = tmp.resolve("copy.torrent");

        Cli.Result first = Cli.run("info", torrent.toString(), "--save", saved.toString());
        Cli.Result again = Cli.run("info", torrent.toString(), "--save", saved.toString());

        assertThat(first.exitCode()).isZero();
        assertThat(first.errLines()).containsExactly("saved " + saved);
        Metainfo original = dev.spate.metainfo.MetainfoParser.read(torrent);
        assertThat(dev.spate.metainfo.MetainfoParser.read(saved)).isEqualTo(original);
        assertThat(again.exitCode()).isEqualTo(1);
        assertThat(again.errLines()).containsExactly("spate: " + saved + ": already exists");
        assertThat(again.out()).as("nothing shown when the file cannot be written").isEmpty();
    }
}
