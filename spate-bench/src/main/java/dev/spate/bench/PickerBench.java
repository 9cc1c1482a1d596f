package dev.spate.bench;

import dev.spate.core.Bitfield;
import dev.spate.picker.BlockReceipt;
import dev.spate.picker.BlockRequest;
import dev.spate.picker.PiecePicker;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The piece picker of a large swarm: 100,000 pieces of 4 MiB (256 blocks each, 25.6 million blocks in
 * all, so that a 1 s iteration does not run the picker dry), 200 peers (20 seeds, 180 with random
 * bitfields of 10 % to 90 %). One operation: the next peer, round robin, asks for 16 blocks
 * ({@code pick}), and every block it got comes back ({@code blockReceived}); a piece whose blocks are
 * all in is verified ({@code pieceVerified}). The picker is rebuilt before each iteration and, should
 * it run low on missing pieces, inside one (counted in {@code rebuilds}).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class PickerBench {
    static final int PIECES = 100_000;
    static final int PIECE_LENGTH = 4 << 20;
    static final int PEERS = 200;
    static final int SEEDS = 20;
    static final int BUDGET = 16;

    PiecePicker<Integer> picker;
    Integer[] peers;
    Bitfield[] bitfields;
    int next;
    long rebuilds;

    @Setup(Level.Trial)
    public void bitfields() {
        SplittableRandom random = new SplittableRandom(4);
        peers = new Integer[PEERS];
        bitfields = new Bitfield[PEERS];
        for (int p = 0; p < PEERS; p++) {
            peers[p] = p;
            if (p >= SEEDS) {
                double density = 0.1 + 0.8 * random.nextDouble();
                Bitfield b = new Bitfield(PIECES);
                for (int i = 0; i < PIECES; i++) {
                    if (random.nextDouble() < density) {
                        b.set(i);
                    }
                }
                bitfields[p] = b;
            }
        }
    }

    @Setup(Level.Iteration)
    public void picker() {
        picker = new PiecePicker<>(PIECES, PIECE_LENGTH, (long) PIECES * PIECE_LENGTH, new SplittableRandom(5));
        for (int p = 0; p < PEERS; p++) {
            if (p < SEEDS) {
                picker.peerHasAll(peers[p]);
            } else {
                picker.peerHasBitfield(peers[p], bitfields[p]);
            }
        }
        next = 0;
    }

    @Benchmark
    public int pickAndReceive() {
        Integer peer = peers[next];
        next = next + 1 == PEERS ? 0 : next + 1;
        List<BlockRequest> blocks = picker.pick(peer, BUDGET);
        for (BlockRequest r : blocks) {
            BlockReceipt<Integer> receipt = picker.blockReceived(peer, r.piece(), r.begin());
            if (receipt.pieceComplete()) {
                picker.pieceVerified(r.piece());
            }
        }
        if (picker.missingCount() < PIECES / 10) {
            rebuilds++;
            picker();
        }
        return blocks.size();
    }
}
