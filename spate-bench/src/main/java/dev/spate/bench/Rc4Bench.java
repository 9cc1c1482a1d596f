package dev.spate.bench;

import dev.spate.mse.Rc4;
import java.nio.ByteBuffer;
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
 * The RC4 payload of protocol encryption (MSE/PE): {@link Rc4#jdk} (SunJCE's ARCFOUR, what
 * {@link Rc4#create} picks) against {@link Rc4#own} (ours, for JDKs whose policy disables ARCFOUR),
 * each xoring in place. Every byte of an RC4 connection goes through one of them once on each side,
 * so their rate bounds an encrypted transfer's. One operation is one buffer: 16 KiB (a block) for the
 * array benchmarks, 64 KiB for the direct one, so MB/s = ops/s x 16,384 (or 65,536) / 10^6.
 *
 * <p>The key stream runs on from operation to operation, as on a connection; the data is whatever
 * the previous operation left, which costs RC4 the same as any other bytes.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class Rc4Bench {
    static final int BLOCK = 16 * 1024;
    static final int DIRECT = 64 * 1024;

    @Param({"jdk", "own"})
    public String impl;

    Rc4 rc4;
    byte[] block;
    ByteBuffer blockSource;
    ByteBuffer blockTarget;
    ByteBuffer direct;

    @Setup
    public void setup() {
        SplittableRandom random = new SplittableRandom(3);
        // A 20-byte key, as MSE's HASH('keyA', S, SKEY) is.
        byte[] key = new byte[20];
        random.nextBytes(key);
        rc4 = impl.equals("jdk") ? Rc4.jdk(key) : Rc4.own(key);
        block = new byte[BLOCK];
        random.nextBytes(block);
        blockSource = ByteBuffer.wrap(block.clone());
        blockTarget = ByteBuffer.allocate(BLOCK);
        byte[] bytes = new byte[DIRECT];
        random.nextBytes(bytes);
        direct = ByteBuffer.allocateDirect(DIRECT).put(bytes).clear();
    }

    /** A 16 KiB heap array in place: what a read into a heap buffer is decrypted with. */
    @Benchmark
    public byte[] heap16k() {
        rc4.apply(block, 0, BLOCK);
        return block;
    }

    /**
     * 16 KiB from one heap buffer into another, xored on the way: what a write of a block does (into
     * the channel's 64 KiB buffer, before the socket).
     */
    @Benchmark
    public ByteBuffer heap16kCopy() {
        blockSource.clear();
        blockTarget.clear();
        rc4.apply(blockSource, blockTarget);
        return blockTarget;
    }

    /** A 64 KiB direct buffer in place. */
    @Benchmark
    public ByteBuffer direct64k() {
        direct.clear();
        rc4.apply(direct);
        return direct;
    }
}
