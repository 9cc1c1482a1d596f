package dev.spate.bench;

import dev.spate.core.Bitfield;
import dev.spate.wire.FrameReader;
import dev.spate.wire.Message;
import dev.spate.wire.MessageDecoder;
import dev.spate.wire.MessageEncoder;
import dev.spate.wire.TorrentGeometry;
import dev.spate.wire.WireException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.infra.Blackhole;

/**
 * The peer wire codec: {@link MessageDecoder} on whole frames, {@link FrameReader} on a stream of piece
 * frames (the download's hot path: 16 KiB blocks read into a reused buffer), and {@link MessageEncoder}.
 * Geometry: 100,000 pieces of 1 MiB.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class WireBench {
    static final int BLOCK = 16 * 1024;
    static final int FRAMES = 64;

    final TorrentGeometry geometry = TorrentGeometry.of(100_000L << 20, 1 << 20);
    final MessageDecoder decoder = new MessageDecoder(geometry, true, true);

    byte[] requestFrame;
    byte[] haveFrame;
    byte[] pieceFrame;
    byte[] bitfieldFrame;
    Message.Request request;
    Message.Piece piece;
    Message.BitfieldMessage bitfield;
    ByteBuffer out;

    /** 64 piece frames back to back, served again and again by {@link #channel}. */
    ByteBuffer stream;
    ReplayChannel channel;
    FrameReader reader;
    ByteBuffer blockBuffer;

    @Setup
    public void setup() {
        SplittableRandom random = new SplittableRandom(1);
        byte[] block = new byte[BLOCK];
        random.nextBytes(block);
        request = new Message.Request(4711, 3 * BLOCK, BLOCK);
        piece = Message.Piece.of(4711, 3 * BLOCK, block);
        Bitfield field = new Bitfield(geometry.pieceCount());
        for (int i = 0; i < field.size(); i++) {
            if (random.nextInt(3) != 0) {
                field.set(i);
            }
        }
        bitfield = Message.BitfieldMessage.of(field);
        requestFrame = MessageEncoder.encode(request);
        haveFrame = MessageEncoder.encode(new Message.Have(99_999));
        pieceFrame = MessageEncoder.encode(piece);
        bitfieldFrame = MessageEncoder.encode(bitfield);
        out = ByteBuffer.allocate(MessageEncoder.frameLength(piece) + MessageEncoder.frameLength(bitfield));

        stream = ByteBuffer.allocate(FRAMES * pieceFrame.length);
        for (int i = 0; i < FRAMES; i++) {
            stream.put(MessageEncoder.encode(new Message.Piece(i, (i % 64) * BLOCK, ByteBuffer.wrap(block))));
        }
        stream.flip();
        channel = new ReplayChannel(stream);
        blockBuffer = ByteBuffer.allocate(BLOCK);
        reader = new FrameReader(channel, decoder, n -> blockBuffer.clear());
    }

    @Benchmark
    public Message decodeRequest() throws WireException {
        return decoder.decode(requestFrame, 0, requestFrame.length);
    }

    @Benchmark
    public Message decodeHave() throws WireException {
        return decoder.decode(haveFrame, 0, haveFrame.length);
    }

    /** A 16 KiB piece frame; the block is a view of the input, not a copy. */
    @Benchmark
    public Message decodePiece() throws WireException {
        return decoder.decode(pieceFrame, 0, pieceFrame.length);
    }

    /** A 12.5 KB bitfield (100,000 pieces), copied and checked for spare bits. */
    @Benchmark
    public Message decodeBitfield() throws WireException {
        return decoder.decode(bitfieldFrame, 0, bitfieldFrame.length);
    }

    /** Reads 64 piece frames from a channel, each block into a reused 16 KiB buffer; score per frame. */
    @Benchmark
    @OperationsPerInvocation(FRAMES)
    public void frameReaderPieces(Blackhole bh) throws IOException, WireException {
        channel.rewind();
        for (int i = 0; i < FRAMES; i++) {
            bh.consume(reader.read());
        }
    }

    @Benchmark
    public ByteBuffer encodeRequest() {
        out.clear();
        MessageEncoder.encode(request, out);
        return out;
    }

    /** The 13-byte header a gathering write sends before the block. */
    @Benchmark
    public ByteBuffer encodePieceHeader() {
        out.clear();
        MessageEncoder.encodeHeader(piece, out);
        return out;
    }

    /** The whole frame, the 16 KiB block copied. */
    @Benchmark
    public ByteBuffer encodePiece() {
        out.clear();
        MessageEncoder.encode(piece, out);
        return out;
    }

    @Benchmark
    public ByteBuffer encodeBitfield() {
        out.clear();
        MessageEncoder.encode(bitfield, out);
        return out;
    }

    /** A channel that hands out one buffer's bytes, at most 64 KiB a read, like a socket would. */
    static final class ReplayChannel implements ReadableByteChannel {
        private final ByteBuffer source;

        ReplayChannel(ByteBuffer source) {
            this.source = source;
        }

        void rewind() {
            source.rewind();
        }

        @Override
        public int read(ByteBuffer dst) {
            if (!source.hasRemaining()) {
                return -1;
            }
            int n = Math.min(Math.min(dst.remaining(), source.remaining()), 64 * 1024);
            dst.put(dst.position(), source, source.position(), n);
            dst.position(dst.position() + n);
            source.position(source.position() + n);
            return n;
        }

        @Override
        public boolean isOpen() {
            return true;
        }

        @Override
        public void close() {
        }
    }
}
