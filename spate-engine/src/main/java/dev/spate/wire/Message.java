package dev.spate.wire;

import dev.spate.core.Bitfield;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * One peer wire message, one record per kind: BEP 3's core messages, BEP 5's port, BEP 6's fast
 * extension and BEP 10's extended message. A {@code switch} over a {@code Message} is exhaustive.
 *
 * <p>The records check only what any value must satisfy (indices and lengths not negative, a port
 * in 16 bits); what depends on the torrent (an index below the piece count, a block inside its
 * piece) is checked by {@link MessageDecoder} on what peers send. Messages without fields have
 * shared instances ({@link #CHOKE} and so on) so decoding them allocates nothing.
 */
public sealed interface Message {
    KeepAlive KEEP_ALIVE = new KeepAlive();
    Choke CHOKE = new Choke();
    Unchoke UNCHOKE = new Unchoke();
    Interested INTERESTED = new Interested();
    NotInterested NOT_INTERESTED = new NotInterested();
    HaveAll HAVE_ALL = new HaveAll();
    HaveNone HAVE_NONE = new HaveNone();

    /** BEP 3: a zero-length frame that keeps the connection open. */
    record KeepAlive() implements Message {
    }

    /** BEP 3 id 0: the sender will not serve our requests. */
    record Choke() implements Message {
    }

    /** BEP 3 id 1: the sender will serve our requests. */
    record Unchoke() implements Message {
    }

    /** BEP 3 id 2: the sender wants pieces we have. */
    record Interested() implements Message {
    }

    /** BEP 3 id 3. */
    record NotInterested() implements Message {
    }

    /** BEP 3 id 4: the sender has completed and verified {@code piece}. */
    record Have(int piece) implements Message {
        public Have {
            notNegative("piece", piece);
        }
    }

    /**
     * BEP 3 id 5: the pieces the sender has, piece 0 in the high bit of byte 0. A decoded one has
     * been checked against the piece count: the right length and no spare bit set.
     *
     * @param bits the raw wire bytes; owned by the record, not copied (do not change them)
     */
    record BitfieldMessage(byte[] bits) implements Message {
        /** The message for {@code field}. */
        public static BitfieldMessage of(Bitfield field) {
            return new BitfieldMessage(field.toBytes());
        }

        /** The bits as a {@link Bitfield} of {@code pieceCount} pieces. */
        public Bitfield toBitfield(int pieceCount) {
            return Bitfield.fromBytes(bits, pieceCount);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof BitfieldMessage other && Arrays.equals(bits, other.bits);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(bits);
        }

        @Override
        public String toString() {
            return "BitfieldMessage[" + bits.length + " bytes]";
        }
    }

    /** BEP 3 id 6: asks for {@code length} bytes of {@code piece} from {@code begin}. */
    record Request(int piece, int begin, int length) implements Message {
        public Request {
            notNegative("piece", piece);
            notNegative("begin", begin);
            notNegative("length", length);
        }
    }

    /**
     * BEP 3 id 7: a block of data, {@code block.remaining()} bytes of {@code piece} from
     * {@code begin}.
     *
     * <p>Ownership: the record does not copy the block. One decoded by {@link FrameReader} holds a
     * buffer from the reader's block allocator (a pool, say), which the receiver now owns and
     * returns when done. One decoded by {@link MessageDecoder#decode(ByteBuffer)} holds a view of
     * the decoder's input, valid only while that input is not reused. The bytes are those between
     * the block's position and limit: read them with absolute gets or through
     * {@link ByteBuffer#duplicate()} so the record stays as it was; the encoder does so.
     *
     * @param block the data, between position and limit
     */
    record Piece(int piece, int begin, ByteBuffer block) implements Message {
        public Piece {
            notNegative("piece", piece);
            notNegative("begin", begin);
            if (block == null) {
                throw new NullPointerException("block");
            }
        }

        /** Bytes in the block. */
        public int length() {
            return block.remaining();
        }

        /** A piece message holding a copy of {@code bytes}, for tests and small tools. */
        public static Piece of(int piece, int begin, byte[] bytes) {
            return new Piece(piece, begin, ByteBuffer.wrap(bytes.clone()));
        }

        /** Equal when the position, offset and block content are. */
        @Override
        public boolean equals(Object o) {
            return o instanceof Piece other && other.piece == piece && other.begin == begin && block.equals(other.block);
        }

        @Override
        public int hashCode() {
            return 31 * (31 * piece + begin) + block.hashCode();
        }

        @Override
        public String toString() {
            return "Piece[piece=" + piece + ", begin=" + begin + ", length=" + block.remaining() + "]";
        }
    }

    /** BEP 3 id 8: withdraws a request. */
    record Cancel(int piece, int begin, int length) implements Message {
        public Cancel {
            notNegative("piece", piece);
            notNegative("begin", begin);
            notNegative("length", length);
        }
    }

    /** BEP 5 id 9: the sender's DHT node listens on this UDP port. */
    record Port(int port) implements Message {
        public Port {
            if (port < 0 || port > 0xffff) {
                throw new IllegalArgumentException("port " + port + " outside [0, 65535]");
            }
        }
    }

    /** BEP 6 id 13: the sender suggests we download {@code piece}. */
    record Suggest(int piece) implements Message {
        public Suggest {
            notNegative("piece", piece);
        }
    }

    /** BEP 6 id 14: the sender has every piece; replaces a bitfield. */
    record HaveAll() implements Message {
    }

    /** BEP 6 id 15: the sender has no piece; replaces a bitfield. */
    record HaveNone() implements Message {
    }

    /** BEP 6 id 16: the sender will not serve this request. */
    record Reject(int piece, int begin, int length) implements Message {
        public Reject {
            notNegative("piece", piece);
            notNegative("begin", begin);
            notNegative("length", length);
        }
    }

    /** BEP 6 id 17: we may request {@code piece} even while choked. */
    record AllowedFast(int piece) implements Message {
        public AllowedFast {
            notNegative("piece", piece);
        }
    }

    /**
     * BEP 10 id 20: an extension message. Id 0 is the extended handshake
     * ({@link ExtendedHandshake}); others are the ids the receiver announced in its handshake.
     *
     * @param extendedId the one-byte extended message id
     * @param payload the bytes after it; owned by the record, not copied (do not change them)
     */
    record Extended(int extendedId, byte[] payload) implements Message {
        public Extended {
            if (extendedId < 0 || extendedId > 0xff) {
                throw new IllegalArgumentException("extended id " + extendedId + " outside [0, 255]");
            }
            if (payload == null) {
                throw new NullPointerException("payload");
            }
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Extended other && other.extendedId == extendedId && Arrays.equals(payload, other.payload);
        }

        @Override
        public int hashCode() {
            return 31 * extendedId + Arrays.hashCode(payload);
        }

        @Override
        public String toString() {
            return "Extended[extendedId=" + extendedId + ", " + payload.length + " bytes]";
        }
    }

    private static void notNegative(String what, int value) {
        if (value < 0) {
            throw new IllegalArgumentException(what + " " + value + " is negative");
        }
    }
}
