package dev.spate.wire;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.util.function.IntFunction;

/**
 * Reads handshakes and messages from a blocking channel, one at a time, for the one thread that
 * reads a connection (a peer's virtual thread).
 *
 * <p>It reads the 4-byte length prefix and the id, and asks the {@link MessageDecoder} whether a
 * message of that kind may be that long before reading, or allocating for, the body: a peer
 * announcing a 4 GiB frame costs us 5 bytes. A piece's header is checked before its block is read,
 * and the block is read straight from the channel into a buffer from the block allocator (a pool,
 * say), which the returned {@link Message.Piece} then holds: the receiver owns it. Bitfield and
 * extended payloads are read straight into the array their record keeps. Everything else goes
 * through one small reused buffer, so a message costs its record and nothing more.
 *
 * <p>A message with an id the decoder does not know (at most 1 MiB) is read past and dropped,
 * without allocating: real clients send extensions we do not speak.
 *
 * <p>The channel should be blocking; a read returning 0 is retried. Not thread-safe.
 */
public final class FrameReader {
    /** Largest fixed-size body (reject: id, index, begin, length). */
    private static final int SCRATCH = 16;

    private final ReadableByteChannel channel;
    private final MessageDecoder decoder;
    private final IntFunction<ByteBuffer> blockBuffers;
    private final ByteBuffer scratch = ByteBuffer.allocate(SCRATCH);

    /** A reader whose piece blocks are fresh heap buffers. */
    public FrameReader(ReadableByteChannel channel, MessageDecoder decoder) {
        this(channel, decoder, ByteBuffer::allocate);
    }

    /**
     * @param blockBuffers gives a buffer with at least the asked-for bytes remaining for each piece
     *     block (at most 16 KiB); the block is read in from its position, its limit set to the
 *     block's end, and the piece record holds this very buffer
     */
    public FrameReader(ReadableByteChannel channel, MessageDecoder decoder, IntFunction<ByteBuffer> blockBuffers) {
        this.channel = channel;
        this.decoder = decoder;
        this.blockBuffers = blockBuffers;
    }

    /**
     * Reads the 68-byte handshake (BEP 3).
     *
     * @throws EOFException if the channel ends first
     */
    public Handshake readHandshake() throws IOException, WireException {
        byte[] bytes = new byte[Handshake.LENGTH];
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        if (!fill(buffer, true)) {
            throw new EOFException("connection closed before the handshake");
        }
        return Handshake.decode(bytes);
    }

    /**
     * Reads one message.
     *
     * @return the message, or null if the channel ended cleanly between frames
     * @throws EOFException if the channel ends inside a frame
     * @throws WireException if the frame breaks a rule of {@link MessageDecoder}
     */
    public Message read() throws IOException, WireException {
        long length;
        int id;
        do {
            scratch.clear().limit(4);
            if (!fill(scratch, true)) {
                return null;
            }
            length = MessageDecoder.u32(scratch, 0);
            if (length == 0) {
                return Message.KEEP_ALIVE;
            }
            scratch.clear().limit(1);
            fill(scratch, false);
            id = scratch.get(0) & 0xff;
        } while (decoder.skippable(id, length) && skip(length - 1));
        decoder.checkLength(id, length);
        int bodyLength = (int) length - 1;
        return switch (id) {
            case MessageIds.PIECE -> piece(bodyLength - 8);
            case MessageIds.BITFIELD, MessageIds.EXTENDED -> {
                // The record keeps this array: read into it directly.
                byte[] body = new byte[bodyLength];
                fill(ByteBuffer.wrap(body), false);
                yield decoder.decodeBody(id, ByteBuffer.wrap(body), 0, bodyLength);
            }
            default -> {
                scratch.clear().limit(bodyLength);
                fill(scratch, false);
                yield decoder.decodeBody(id, scratch, 0, bodyLength);
            }
        };
    }

    private Message.Piece piece(int blockLength) throws IOException, WireException {
        scratch.clear().limit(8);
        fill(scratch, false);
        long begin = MessageDecoder.u32(scratch, 4);
        int index = decoder.checkPieceHeader(MessageDecoder.u32(scratch, 0), begin, blockLength);
        ByteBuffer buffer = blockBuffers.apply(blockLength);
        if (buffer.remaining() < blockLength) {
            throw new IllegalStateException("block buffer has " + buffer.remaining() + " bytes, " + blockLength + " needed");
        }
        // The record holds the allocator's own buffer object, so it can go back to a pool as is.
        int start = buffer.position();
        buffer.limit(start + blockLength);
        fill(buffer, false);
        buffer.position(start);
        return new Message.Piece(index, (int) begin, buffer);
    }

    /** Reads and drops {@code n} bytes, a scratch buffer at a time; returns true. */
    private boolean skip(long n) throws IOException {
        long left = n;
        while (left > 0) {
            scratch.clear().limit((int) Math.min(SCRATCH, left));
            fill(scratch, false);
            left -= scratch.limit();
        }
        return true;
    }

    /**
     * Reads until {@code buffer} is full. Returns false if the channel ended before the first byte
     * and {@code boundary} allows that; throws {@link EOFException} if it ended later.
     */
    private boolean fill(ByteBuffer buffer, boolean boundary) throws IOException {
        int wanted = buffer.remaining();
        while (buffer.hasRemaining()) {
            if (channel.read(buffer) < 0) {
                int got = wanted - buffer.remaining();
                if (got == 0 && boundary) {
                    return false;
                }
                throw new EOFException("connection closed inside a frame: " + got + " of " + wanted + " bytes read");
            }
        }
        return true;
    }
}
