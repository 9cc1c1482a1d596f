package dev.spate.wire;

import static dev.spate.wire.MessageIds.ALLOWED_FAST;
import static dev.spate.wire.MessageIds.BITFIELD;
import static dev.spate.wire.MessageIds.CANCEL;
import static dev.spate.wire.MessageIds.CHOKE;
import static dev.spate.wire.MessageIds.EXTENDED;
import static dev.spate.wire.MessageIds.HAVE;
import static dev.spate.wire.MessageIds.HAVE_ALL;
import static dev.spate.wire.MessageIds.HAVE_NONE;
import static dev.spate.wire.MessageIds.INTERESTED;
import static dev.spate.wire.MessageIds.MAX_BLOCK;
import static dev.spate.wire.MessageIds.MAX_EXTENDED;
import static dev.spate.wire.MessageIds.NOT_INTERESTED;
import static dev.spate.wire.MessageIds.PIECE;
import static dev.spate.wire.MessageIds.PIECE_HEADER;
import static dev.spate.wire.MessageIds.PORT;
import static dev.spate.wire.MessageIds.REJECT;
import static dev.spate.wire.MessageIds.REQUEST;
import static dev.spate.wire.MessageIds.SUGGEST;
import static dev.spate.wire.MessageIds.UNCHOKE;

import dev.spate.core.Bitfield;

import java.nio.ByteBuffer;

/**
 * Decodes length-prefixed frames (BEP 3: a 4-byte big-endian length, then that many bytes, the
 * first being the message id) into {@link Message} records, strictly, for one connection.
 *
 * <p>Rules, each a {@link WireException} naming it:
 * <ul>
 *   <li>a message without fields is exactly its id byte; have, suggest and allowed fast are 5
 *       bytes; request, cancel and reject 13; port 3 (BEP 3, 5, 6);
 *   <li>a bitfield is exactly {@code 1 + ceil(pieces/8)} bytes with its spare bits clear (BEP 3);
 *   <li>a piece carries 1 to 16 KiB of block: BEP 3 lets peers refuse requests above 2^14, so we
 *       never ask for more and refuse to receive more;
 *   <li>a request, cancel or reject asks for 1 to 16 KiB, inside the piece (the last piece is
 *       short); every piece index is below the piece count;
 *   <li>fast-extension messages only when both handshakes set the BEP 6 bit ("the peer MUST close
 *       the connection" otherwise); extended messages only when both set the BEP 10 bit, and at
 *       most 1 MiB;
 *   <li>a message with an unknown id is at most 1 MiB. {@link FrameReader}, which reads a
 *       connection, skips such a message, as BEP 3 clients ignore what they do not understand
 *       (v2-capable clients send BEP 52 hash messages, ids 21-23, for instance); {@link #decode},
 *       which must return a message for its one frame, rejects it.
 * </ul>
 *
 * <p>Immutable and thread-safe; decoding allocates the record and, for a bitfield or extended
 * message, its payload array. A {@link Message.Piece} from {@link #decode(ByteBuffer)} is a view of
 * the input, not a copy.
 */
public final class MessageDecoder {
    private final TorrentGeometry geometry;
    private final boolean fast;
    private final boolean extensions;
    private final int bitfieldBytes;
    /** False before the metadata is known (a magnet link): then indices cannot be checked. */
    private final boolean geometryKnown;
    /**
     * The most pieces a torrent can have whose info dictionary is within the metadata limit
     * ({@link MetadataMessage#DEFAULT_MAX_SIZE}): each piece takes 20 bytes of its {@code pieces}
     * (BEP 3). Before the metadata, a piece index or a bitfield beyond this fits no torrent we
     * would take, so it is refused as it arrives.
     */
    public static final int MAX_PIECES_BEFORE_METADATA = (int) (MetadataMessage.DEFAULT_MAX_SIZE / 20);
    /** The longest bitfield taken while the piece count is unknown: one for {@link #MAX_PIECES_BEFORE_METADATA}. */
    static final int MAX_UNKNOWN_BITFIELD = Bitfield.byteLength(MAX_PIECES_BEFORE_METADATA);

    /**
     * @param geometry the torrent's sizes, to check indices and blocks against
     * @param fast whether both handshakes announced the fast extension (BEP 6)
     * @param extensions whether both handshakes announced the extension protocol (BEP 10)
     */
    public MessageDecoder(TorrentGeometry geometry, boolean fast, boolean extensions) {
        if (geometry == null) {
            throw new NullPointerException("geometry");
        }
        this.geometry = geometry;
        this.fast = fast;
        this.extensions = extensions;
        this.bitfieldBytes = Bitfield.byteLength(geometry.pieceCount());
        this.geometryKnown = true;
    }

    private MessageDecoder(boolean fast, boolean extensions) {
        this.geometry = null;
        this.fast = fast;
        this.extensions = extensions;
        this.bitfieldBytes = -1;
        this.geometryKnown = false;
    }

    /**
     * A decoder for a torrent whose info dictionary we do not have yet (BEP 9): message lengths are
     * checked as ever, but piece indices and bitfield lengths cannot be, so a bitfield of any
     * length up to {@link #MAX_UNKNOWN_BITFIELD} bytes and an index below
     * {@link #MAX_PIECES_BEFORE_METADATA} pass; the caller keeps what it needs and checks it once
     * the piece count is known ({@link #check}), and the connection goes on with
     * {@link #withGeometry}.
     */
    public static MessageDecoder beforeMetadata(Handshake ours, Handshake theirs) {
        return new MessageDecoder(ours.supportsFast() && theirs.supportsFast(),
                ours.supportsExtensions() && theirs.supportsExtensions());
    }

    /**
     * This decoder with the torrent's geometry known: the one a connection made before the
     * metadata goes on with once it arrived (same negotiated extensions, full checking).
     */
    public MessageDecoder withGeometry(TorrentGeometry geometry) {
        return new MessageDecoder(geometry, fast, extensions);
    }

    /**
     * Checks a message decoded before the metadata ({@link #beforeMetadata}) against what this
     * decoder knows, the piece count and sizes: what {@link #decode} would have refused of it
     * then, with the same words. A message that needs no geometry passes.
     *
     * @throws WireException naming the rule it breaks
     * @throws IllegalStateException if this decoder does not know the geometry either
     */
    public void check(Message m) throws WireException {
        if (!geometryKnown) {
            throw new IllegalStateException("a decoder before the metadata cannot check against it");
        }
        switch (m) {
            case Message.Have h -> index("have", h.piece() & 0xffffffffL);
            case Message.Suggest x -> index("suggest", x.piece() & 0xffffffffL);
            case Message.AllowedFast a -> index("allowed fast", a.piece() & 0xffffffffL);
            case Message.Request r -> inPiece("request", index("request", r.piece() & 0xffffffffL),
                    r.begin() & 0xffffffffL, r.length());
            case Message.Cancel c -> inPiece("cancel", index("cancel", c.piece() & 0xffffffffL),
                    c.begin() & 0xffffffffL, c.length());
            case Message.Reject r -> inPiece("reject", index("reject", r.piece() & 0xffffffffL),
                    r.begin() & 0xffffffffL, r.length());
            case Message.Piece p -> inPiece(null, index("piece message", p.piece() & 0xffffffffL),
                    p.begin() & 0xffffffffL, p.length());
            case Message.BitfieldMessage b -> {
                if (b.bits().length != bitfieldBytes) {
                    throw new WireException("bitfield of " + bytes(b.bits().length) + " for " + geometry.pieceCount()
                            + " pieces, expected " + bitfieldBytes);
                }
                checkSpareBits(b.bits());
            }
            default -> { }
        }
    }

    /** Whether indices and bitfields are checked against a known piece count. */
    public boolean geometryKnown() {
        return geometryKnown;
    }

    /** A decoder for what the two handshakes both announce. */
    public static MessageDecoder negotiated(TorrentGeometry geometry, Handshake ours, Handshake theirs) {
        return new MessageDecoder(geometry,
                ours.supportsFast() && theirs.supportsFast(),
                ours.supportsExtensions() && theirs.supportsExtensions());
    }

    public TorrentGeometry geometry() {
        return geometry;
    }

    public boolean fastExtension() {
        return fast;
    }

    public boolean extensionProtocol() {
        return extensions;
    }

    /**
     * Decodes exactly one frame, all of {@code frame}'s remaining bytes (length prefix included),
     * and moves its position to its limit. A piece's block is a view of {@code frame}.
     */
    public Message decode(ByteBuffer frame) throws WireException {
        int start = frame.position();
        int available = frame.remaining();
        if (available < 4) {
            throw new WireException("frame of " + bytes(available) + " has no 4-byte length prefix");
        }
        long length = u32(frame, start);
        if (length != available - 4) {
            throw new WireException("length prefix says " + bytes(length) + " but the frame holds " + (available - 4));
        }
        if (length == 0) {
            frame.position(frame.limit());
            return Message.KEEP_ALIVE;
        }
        int id = frame.get(start + 4) & 0xff;
        checkLength(id, length);
        Message message = id == PIECE
                ? piece(frame, start + 5, (int) length - 1)
                : decodeBody(id, frame, start + 5, (int) length - 1);
        frame.position(frame.limit());
        return message;
    }

    /** Decodes exactly one frame, {@code bytes[offset, offset+length)}. A piece's block is a view of {@code bytes}. */
    public Message decode(byte[] bytes, int offset, int length) throws WireException {
        return decode(ByteBuffer.wrap(bytes, offset, length));
    }

    /**
     * Checks a frame's length prefix against its id before its body is read.
     *
     * @param id the message id
     * @param length the length prefix: the id byte and the body
     */
    void checkLength(int id, long length) throws WireException {
        switch (id) {
            case CHOKE, UNCHOKE, INTERESTED, NOT_INTERESTED -> exactly(id, length, 1);
            case HAVE -> exactly(id, length, 5);
            case REQUEST, CANCEL -> exactly(id, length, 13);
            case PORT -> exactly(id, length, 3);
            case BITFIELD -> {
                if (!geometryKnown) {
                    if (length < 2 || length > 1 + MAX_UNKNOWN_BITFIELD) {
                        throw new WireException("bitfield of " + bytes(length - 1) + " before the metadata");
                    }
                } else if (length != 1 + bitfieldBytes) {
                    throw new WireException("bitfield of " + bytes(length - 1) + " for " + geometry.pieceCount()
                            + " pieces, expected " + bitfieldBytes);
                }
            }
            case PIECE -> {
                if (length > PIECE_HEADER + MAX_BLOCK) {
                    throw new WireException("piece message of " + bytes(length) + " exceeds " + (PIECE_HEADER + MAX_BLOCK));
                }
                if (length <= PIECE_HEADER) {
                    throw new WireException("piece message of " + bytes(length) + " has no block");
                }
            }
            case HAVE_ALL, HAVE_NONE -> {
                requireFast(id);
                exactly(id, length, 1);
            }
            case SUGGEST, ALLOWED_FAST -> {
                requireFast(id);
                exactly(id, length, 5);
            }
            case REJECT -> {
                requireFast(id);
                exactly(id, length, 13);
            }
            case EXTENDED -> {
                if (!extensions) {
                    throw new WireException("extended message without the extension protocol (BEP 10)");
                }
                if (length > MAX_EXTENDED) {
                    throw new WireException("extended message of " + bytes(length) + " exceeds " + MAX_EXTENDED);
                }
                if (length < 2) {
                    throw new WireException("extended message of 1 byte has no extended id");
                }
            }
            default -> throw new WireException("unknown message id " + id);
        }
    }

    /**
     * Whether a frame with this id and length prefix is one to skip: an id we do not know, with a body
     * of at most 1 MiB. A longer one is a {@link WireException}; a known id is not skippable.
     */
    boolean skippable(int id, long length) throws WireException {
        if (MessageIds.known(id)) {
            return false;
        }
        if (length > MessageIds.MAX_UNKNOWN) {
            throw new WireException("unknown message id " + id + " of " + bytes(length) + " exceeds " + MessageIds.MAX_UNKNOWN);
        }
        return true;
    }

    /**
     * Decodes the body of a message other than a piece, {@code body[at, at+bodyLength)}, after
     * {@link #checkLength} passed.
     */
    Message decodeBody(int id, ByteBuffer body, int at, int bodyLength) throws WireException {
        return switch (id) {
            case CHOKE -> Message.CHOKE;
            case UNCHOKE -> Message.UNCHOKE;
            case INTERESTED -> Message.INTERESTED;
            case NOT_INTERESTED -> Message.NOT_INTERESTED;
            case HAVE_ALL -> Message.HAVE_ALL;
            case HAVE_NONE -> Message.HAVE_NONE;
            case HAVE -> new Message.Have(index("have", u32(body, at)));
            case SUGGEST -> new Message.Suggest(index("suggest", u32(body, at)));
            case ALLOWED_FAST -> new Message.AllowedFast(index("allowed fast", u32(body, at)));
            case REQUEST, CANCEL, REJECT -> {
                String kind = MessageIds.name(id);
                int piece = index(kind, u32(body, at));
                long begin = u32(body, at + 4);
                long length = u32(body, at + 8);
                if (length == 0) {
                    throw new WireException(kind + " for 0 bytes");
                }
                if (length > MAX_BLOCK) {
                    throw new WireException(kind + " for " + bytes(length) + " exceeds " + MAX_BLOCK);
                }
                inPiece(kind, piece, begin, length);
                yield switch (id) {
                    case REQUEST -> new Message.Request(piece, (int) begin, (int) length);
                    case CANCEL -> new Message.Cancel(piece, (int) begin, (int) length);
                    default -> new Message.Reject(piece, (int) begin, (int) length);
                };
            }
            case PORT -> new Message.Port(((body.get(at) & 0xff) << 8) | (body.get(at + 1) & 0xff));
            case BITFIELD -> {
                byte[] bits = new byte[bodyLength];
                body.get(at, bits);
                checkSpareBits(bits);
                yield new Message.BitfieldMessage(bits);
            }
            case EXTENDED -> {
                byte[] payload = new byte[bodyLength - 1];
                body.get(at + 1, payload);
                yield new Message.Extended(body.get(at) & 0xff, payload);
            }
            default -> throw new WireException("unknown message id " + id);
        };
    }

    /** A piece whose header and block are {@code body[at, at+bodyLength)}; the block is a view. */
    private Message.Piece piece(ByteBuffer body, int at, int bodyLength) throws WireException {
        int blockLength = bodyLength - 8;
        int piece = checkPieceHeader(u32(body, at), u32(body, at + 4), blockLength);
        return new Message.Piece(piece, (int) u32(body, at + 4), body.slice(at + 8, blockLength));
    }

    /**
     * Checks a piece message's header before its block is read: the index exists and the block
     * (whose length {@link #checkLength} bounded) lies inside the piece. Returns the index.
     */
    int checkPieceHeader(long piece, long begin, int blockLength) throws WireException {
        int index = index("piece message", piece);
        inPiece(null, index, begin, blockLength);
        return index;
    }

    /** A bitfield's spare bits, past the last piece, must be clear (BEP 3). */
    void checkSpareBits(byte[] bits) throws WireException {
        if (!geometryKnown) {
            return;
        }
        int spare = bits.length * 8 - geometry.pieceCount();
        if (spare > 0 && (bits[bits.length - 1] & ((1 << spare) - 1)) != 0) {
            throw new WireException("bitfield has spare bits set beyond " + geometry.pieceCount() + " pieces");
        }
    }

    private int index(String kind, long piece) throws WireException {
        if (!geometryKnown) {
            if (piece >= MAX_PIECES_BEFORE_METADATA) {
                throw new WireException(kind + " for piece " + piece + " before the metadata: no torrent within the "
                        + "metadata limit has more than " + MAX_PIECES_BEFORE_METADATA + " pieces");
            }
            return (int) piece;
        }
        if (piece >= geometry.pieceCount()) {
            throw new WireException(kind + " for piece " + piece + " of " + geometry.pieceCount());
        }
        return (int) piece;
    }

    /**
     * The block {@code [begin, begin+length)} must lie inside the piece, the last one being short.
     * {@code kind} names the request-like message, or is null for a piece message's block.
     */
    private void inPiece(String kind, int piece, long begin, long length) throws WireException {
        if (!geometryKnown) {
            return;
        }
        int size = geometry.pieceSize(piece);
        if (begin + length > size) {
            String what = kind == null ? "piece block of " : kind + " for ";
            throw new WireException(what + bytes(length) + " at " + begin + " beyond the " + size + " bytes of piece " + piece);
        }
    }

    private void requireFast(int id) throws WireException {
        if (!fast) {
            throw new WireException(MessageIds.name(id) + " without the fast extension (BEP 6)");
        }
    }

    private static void exactly(int id, long length, int expected) throws WireException {
        if (length != expected) {
            throw new WireException(MessageIds.name(id) + " message of " + bytes(length) + ", expected " + expected);
        }
    }

    private static String bytes(long n) {
        return n == 1 ? "1 byte" : n + " bytes";
    }

    /** The unsigned big-endian 32-bit integer at {@code index}, whatever the buffer's byte order. */
    static long u32(ByteBuffer buffer, int index) {
        return ((buffer.get(index) & 0xffL) << 24) | ((buffer.get(index + 1) & 0xffL) << 16)
                | ((buffer.get(index + 2) & 0xffL) << 8) | (buffer.get(index + 3) & 0xffL);
    }
}
