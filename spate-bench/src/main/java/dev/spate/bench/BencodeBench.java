package dev.spate.bench;

import dev.spate.bencode.BValue;
import dev.spate.bencode.Bencode;
import dev.spate.metainfo.Metainfo;
import dev.spate.metainfo.MetainfoParser;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Reading a large .torrent: 10,000 files in nested directories (about 40 GB in 4 MiB pieces, so
 * some 10,000 piece hashes). {@link #decode} is the bencode parser alone; {@link #parseMetainfo}
 * adds the metainfo checks, the file layout and the info-hash.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class BencodeBench {
    static final int FILES = 10_000;
    static final int PIECE = 4 << 20;

    byte[] torrent;

    @Setup
    public void setup() {
        SplittableRandom random = new SplittableRandom(3);
        ByteArrayOutputStream files = new ByteArrayOutputStream();
        long total = 0;
        for (int i = 0; i < FILES; i++) {
            long length = 1 + random.nextLong(8_000_000);
            total += length;
            files.writeBytes(ascii("d6:lengthi" + length + "e4:pathl"));
            files.writeBytes(str("dir-" + (i / 1000)));
            files.writeBytes(str("sub-" + (i / 50 % 20)));
            files.writeBytes(str("file-" + i + "-" + Long.toHexString(random.nextLong()) + ".dat"));
            files.writeBytes(ascii("ee"));
        }
        long pieces = (total + PIECE - 1) / PIECE;
        byte[] hashes = new byte[(int) pieces * 20];
        random.nextBytes(hashes);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(ascii("d8:announce"));
        out.writeBytes(str("http://tracker.example/announce"));
        out.writeBytes(ascii("7:comment"));
        out.writeBytes(str("spate-bench: " + FILES + " files"));
        out.writeBytes(ascii("4:infod5:filesl"));
        out.writeBytes(files.toByteArray());
        out.writeBytes(ascii("e4:name"));
        out.writeBytes(str("spate-bench-large"));
        out.writeBytes(ascii("12:piece lengthi" + PIECE + "e6:pieces" + hashes.length + ":"));
        out.writeBytes(hashes);
        out.writeBytes(ascii("ee"));
        torrent = out.toByteArray();
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    private static byte[] str(String s) {
        byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
        return ascii(bytes.length + ":" + s);
    }

    @Benchmark
    public BValue decode() throws Exception {
        return Bencode.decode(torrent);
    }

    @Benchmark
    public Metainfo parseMetainfo() throws Exception {
        return MetainfoParser.parse(torrent);
    }
}
