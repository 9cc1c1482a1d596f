package dev.spate.metainfo;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spate.bencode.BDictionary;
import dev.spate.bencode.BInteger;
import dev.spate.bencode.BList;
import dev.spate.bencode.BString;
import dev.spate.bencode.BValue;
import dev.spate.bencode.Bencode;
import dev.spate.bencode.BencodeException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Hostile .torrent files: the parser must return a {@link Metainfo} or throw
 * {@link MetainfoException}, nothing else. Fixed seeds so a failure reproduces.
 */
class MetainfoParserFuzzTest {
    private static final byte[] SEED = Torrents.torrent(
            BDictionary.builder().put("announce", "http://t/").put("announce-list", BList.of(BList.of(BString.of("http://t/"))))
                    .put("url-list", "http://s/").put("creation date", 5).put("comment", "c"),
            Torrents.multiInfo(Torrents.file(10, "a", "b"), Torrents.file(0, "e"), Torrents.file(20000, "c"))
                    .put("piece length", 16384).put("private", 1));

    @Test
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void byteMutationsGiveMetainfoOrMetainfoExceptionOnly() throws Exception {
        MetainfoParser.parse(SEED); // the seed itself is valid
        Random random = new Random(0x70BB);
        for (int i = 0; i < 20_000; i++) {
            byte[] b = SEED.clone();
            int edits = 1 + random.nextInt(3);
            for (int e = 0; e < edits; e++) {
                int n = b.length;
                if (n == 0) {
                    break;
                }
                int at = random.nextInt(n);
                switch (random.nextInt(4)) {
                    case 0 -> b[at] ^= (byte) (1 << random.nextInt(8));
                    case 1 -> b[at] = (byte) ('0' + random.nextInt(10));
                    case 2 -> {
                        byte[] c = new byte[n - 1];
                        System.arraycopy(b, 0, c, 0, at);
                        System.arraycopy(b, at + 1, c, at, n - at - 1);
                        b = c;
                    }
                    default -> b = Arrays.copyOf(b, at);
                }
            }
            parseOrReject(b);
        }
    }

    @Test
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void structuralMutationsGiveMetainfoOrMetainfoExceptionOnly() throws Exception {
        BValue seed = Bencode.decode(SEED);
        Random random = new Random(0x57C7);
        int accepted = 0;
        for (int i = 0; i < 5_000; i++) {
            if (parseOrReject(Bencode.encode(mutate(seed, random, 0)))) {
                accepted++;
            }
        }
        assertThat(accepted).isBetween(1, 4_999);
    }

    /** Replaces, with small probability at each node, a value by one of a hostile kind. */
    private static BValue mutate(BValue v, Random random, int depth) {
        if (random.nextInt(12) == 0) {
            return switch (random.nextInt(11)) {
                case 0 -> BInteger.of(-1);
                case 1 -> BInteger.of(0);
                case 2 -> BInteger.of(Long.MAX_VALUE);
                case 3 -> BInteger.of(random.nextInt(100_000));
                case 4 -> BString.of("..");
                case 5 -> BString.of(new byte[random.nextInt(45)]);
                case 6 -> BList.of();
                case 7 -> BDictionary.builder().build();
                case 8 -> BString.of("plxh"); // as an attr: every BEP 47 attribute at once
                case 9 -> BList.of(BString.of("/"), BString.of(""), BString.of("."));
                default -> BString.of("a/b");
            };
        }
        return switch (v) {
            case BList l -> {
                List<BValue> out = new ArrayList<>();
                for (BValue e : l.values()) {
                    if (random.nextInt(20) != 0) {
                        out.add(mutate(e, random, depth + 1));
                    }
                    if (random.nextInt(30) == 0) {
                        out.add(e); // duplicate an element
                    }
                }
                yield BList.of(out);
            }
            case BDictionary d -> {
                Map<String, BValue> out = new LinkedHashMap<>();
                d.entries().forEach((k, e) -> {
                    if (random.nextInt(20) != 0) {
                        out.put(k, mutate(e, random, depth + 1));
                    }
                });
                yield new BDictionary(out, dev.spate.bencode.Span.NONE);
            }
            default -> v;
        };
    }

    private static boolean parseOrReject(byte[] b) {
        try {
            Metainfo m = MetainfoParser.parse(b);
            // Whatever is accepted keeps the invariants the rest of the engine relies on.
            assertThat(m.info().totalLength()).isPositive();
            assertThat(m.info().pieceCount()).isPositive();
            java.util.Set<String> paths = new java.util.HashSet<>();
            for (FileEntry f : m.info().files()) {
                // Sanitized: no separators, no "." or "..", nothing empty (a drive letter is a plain name here).
                f.path().forEach(c -> assertThat(MetainfoParser.componentProblem(c)).satisfiesAnyOf(
                        p -> assertThat(p).isNull(), p -> assertThat(p).endsWith("starts with a drive letter")));
                if (!f.isPad()) {
                    assertThat(paths.add(asciiLower(f.displayPath()))).as("unique %s", f.displayPath()).isTrue();
                }
                if (f.isSymlink()) {
                    assertThat(f.symlinkTarget()).isNotEqualTo(f.path());
                }
            }
            return true;
        } catch (MetainfoException e) {
            assertThat(e.getMessage()).isNotBlank();
            return false;
        }
    }

    private static String asciiLower(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        s.chars().forEach(c -> sb.append((char) (c >= 'A' && c <= 'Z' ? c + 32 : c)));
        return sb.toString();
    }

    @Test
    void parserNeverReportsBencodeExceptionDirectly() {
        try {
            MetainfoParser.parse(new byte[] {'x'});
        } catch (MetainfoException e) {
            assertThat(e.getCause()).isInstanceOf(BencodeException.class);
        }
    }
}
