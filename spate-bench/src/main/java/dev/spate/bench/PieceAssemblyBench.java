package dev.spate.bench;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * What a download does per piece: 64 blocks of 16 KiB copied into a 1 MiB piece buffer (as
 * PieceBuffers hands out: heap by default, direct to compare), then the SHA-1 of the piece. One
 * operation is one 1 MiB piece, so ops/s is MiB/s.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class PieceAssemblyBench {
    static final int BLOCK = 16 * 1024;
    static final int PIECE = 1 << 20;

    @Param({"heap", "direct"})
    public String buffers;

    ByteBuffer[] blocks;
    ByteBuffer piece;
    MessageDigest sha1;
    final byte[] digest = new byte[20];

    @Setup
    public void setup() throws NoSuchAlgorithmException {
        SplittableRandom random = new SplittableRandom(2);
        boolean direct = buffers.equals("direct");
        blocks = new ByteBuffer[PIECE / BLOCK];
        for (int i = 0; i < blocks.length; i++) {
            byte[] bytes = new byte[BLOCK];
            random.nextBytes(bytes);
            // Blocks as the FrameReader leaves them: heap buffers from the pool.
            blocks[i] = ByteBuffer.wrap(bytes);
        }
        piece = direct ? ByteBuffer.allocateDirect(PIECE) : ByteBuffer.allocate(PIECE);
        sha1 = MessageDigest.getInstance("SHA-1");
    }

    /** Copy 64 blocks into place, in order. */
    @Benchmark
    public ByteBuffer assemble() {
        for (int i = 0; i < blocks.length; i++) {
            ByteBuffer b = blocks[i];
            piece.put(i * BLOCK, b, b.position(), b.remaining());
        }
        return piece;
    }

    /** SHA-1 of the 1 MiB piece. */
    @Benchmark
    public byte[] hash() throws Exception {
        sha1.update(piece.duplicate().clear());
        sha1.digest(digest, 0, 20);
        return digest;
    }

    /** Both: the per-piece CPU cost of receiving. */
    @Benchmark
    public byte[] assembleAndHash() throws Exception {
        assemble();
        return hash();
    }
}
