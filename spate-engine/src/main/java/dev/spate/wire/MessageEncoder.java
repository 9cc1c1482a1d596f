package dev.spate.wire;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Writes {@link Message} records as BEP 3 frames: a 4-byte big-endian length, the id, the body.
 *
 * <p>For sending a block without copying it, {@link #encodeHeader} writes a piece message's
 * 13-byte header alone (length prefix, id, index, begin), and the caller sends the block after it
 * in a gathering write: {@code channel.write(new ByteBuffer[] {header, piece.block().duplicate()})}.
 * Every other message is small and {@code encodeHeader} writes it whole.
 *
 * <p>Stateless. The encoder does not check messages against a torrent: what we send is ours to get
 * right, and the records already refuse negative fields. Writing advances the output's position
 * and never a piece block's; a buffer without room throws {@link java.nio.BufferOverflowException}
 * with nothing useful written.
 */
public final class MessageEncoder {
    /** Bytes of a piece message's frame before its block: length, id, index, begin. */
    public static final int PIECE_HEADER_LENGTH = 4 + MessageIds.PIECE_HEADER;

    private MessageEncoder() {
    }

    /** Bytes of {@code message}'s whole frame, length prefix and block included. */
    public static int frameLength(Message message) {
        return 4 + bodyLength(message);
    }

    /** The whole frame in a new array. */
    public static byte[] encode(Message message) {
        byte[] out = new byte[frameLength(message)];
        encode(message, ByteBuffer.wrap(out));
        return out;
    }

    /** Puts the whole frame, a piece's block copied, at {@code out}'s position. */
    public static void encode(Message message, ByteBuffer out) {
        if (out.remaining() < frameLength(message)) {
            throw new java.nio.BufferOverflowException();
        }
        encodeHeader(message, out);
        if (message instanceof Message.Piece p) {
            ByteBuffer block = p.block();
            out.put(out.position(), block, block.position(), block.remaining());
            out.position(out.position() + block.remaining());
        }
    }

    /**
     * Puts the frame at {@code out}'s position, except a piece's block: for a piece only its
     * {@value #PIECE_HEADER_LENGTH}-byte header, whose length prefix counts the block that must
     * follow it.
     */
    public static void encodeHeader(Message message, ByteBuffer out) {
        if (out.order() != ByteOrder.BIG_ENDIAN) {
            throw new IllegalArgumentException("the wire is big-endian; the output buffer is " + out.order());
        }
        int length = bodyLength(message);
        switch (message) {
            case Message.KeepAlive k -> out.putInt(0);
            case Message.Choke c -> idOnly(out, MessageIds.CHOKE);
            case Message.Unchoke u -> idOnly(out, MessageIds.UNCHOKE);
            case Message.Interested i -> idOnly(out, MessageIds.INTERESTED);
            case Message.NotInterested n -> idOnly(out, MessageIds.NOT_INTERESTED);
            case Message.HaveAll a -> idOnly(out, MessageIds.HAVE_ALL);
            case Message.HaveNone n -> idOnly(out, MessageIds.HAVE_NONE);
            case Message.Have h -> start(out, length, MessageIds.HAVE).putInt(h.piece());
            case Message.Suggest s -> start(out, length, MessageIds.SUGGEST).putInt(s.piece());
            case Message.AllowedFast a -> start(out, length, MessageIds.ALLOWED_FAST).putInt(a.piece());
            case Message.BitfieldMessage b -> start(out, length, MessageIds.BITFIELD).put(b.bits());
            case Message.Request r -> start(out, length, MessageIds.REQUEST).putInt(r.piece()).putInt(r.begin()).putInt(r.length());
            case Message.Cancel c -> start(out, length, MessageIds.CANCEL).putInt(c.piece()).putInt(c.begin()).putInt(c.length());
            case Message.Reject r -> start(out, length, MessageIds.REJECT).putInt(r.piece()).putInt(r.begin()).putInt(r.length());
            case Message.Piece p -> start(out, length, MessageIds.PIECE).putInt(p.piece()).putInt(p.begin());
            case Message.Port p -> start(out, length, MessageIds.PORT).putShort((short) p.port());
            case Message.Extended e -> start(out, length, MessageIds.EXTENDED).put((byte) e.extendedId()).put(e.payload());
        }
    }

    /**
     * Writes the 13-byte header of a piece message whose {@code blockLength} bytes the caller sends
     * from elsewhere (a file, by sendfile): the block need not be in memory to frame it.
     */
    public static void encodePieceHeader(int piece, int begin, int blockLength, ByteBuffer out) {
        if (out.order() != ByteOrder.BIG_ENDIAN) {
            throw new IllegalArgumentException("the wire is big-endian; the output buffer is " + out.order());
        }
        if (piece < 0 || begin < 0 || blockLength < 0) {
            throw new IllegalArgumentException("piece " + piece + ", begin " + begin + ", length " + blockLength);
        }
        start(out, MessageIds.PIECE_HEADER + blockLength, MessageIds.PIECE).putInt(piece).putInt(begin);
    }

    /** Bytes after the length prefix. */
    private static int bodyLength(Message message) {
        return switch (message) {
            case Message.KeepAlive k -> 0;
            case Message.Choke c -> 1;
            case Message.Unchoke u -> 1;
            case Message.Interested i -> 1;
            case Message.NotInterested n -> 1;
            case Message.HaveAll a -> 1;
            case Message.HaveNone n -> 1;
            case Message.Have h -> 5;
            case Message.Suggest s -> 5;
            case Message.AllowedFast a -> 5;
            case Message.BitfieldMessage b -> 1 + b.bits().length;
            case Message.Request r -> 13;
            case Message.Cancel c -> 13;
            case Message.Reject r -> 13;
            case Message.Piece p -> MessageIds.PIECE_HEADER + p.block().remaining();
            case Message.Port p -> 3;
            case Message.Extended e -> 2 + e.payload().length;
        };
    }

    private static void idOnly(ByteBuffer out, int id) {
        out.putInt(1).put((byte) id);
    }

    private static ByteBuffer start(ByteBuffer out, int length, int id) {
        return out.putInt(length).put((byte) id);
    }
}
