package dev.spate.wire;

import dev.spate.bencode.BDictionary;
import dev.spate.bencode.BInteger;
import dev.spate.bencode.BValue;
import dev.spate.bencode.Bencode;
import dev.spate.bencode.BencodeException;

import java.util.Arrays;
import java.util.Optional;

/**
 * A BEP 9 {@code ut_metadata} message: the info dictionary (the "metadata") in 16 KiB pieces, sent
 * as a BEP 10 extended message with the id the receiver gave {@code ut_metadata} in its handshake.
 * The payload is a bencoded dictionary with {@code msg_type} (0 request, 1 data, 2 reject) and
 * {@code piece}; a data message adds {@code total_size} and is followed, outside the dictionary, by
 * the piece's bytes.
 *
 * <p>{@link #decode} is strict, each rule a {@link WireException} naming it: the dictionary and its
 * integers well-formed, a piece index that a metadata within the size limit can have, a data
 * message's {@code total_size} between 1 and the limit (default {@value #DEFAULT_MAX_SIZE} bytes,
 * as rqbit; libtorrent's is 30 MiB), its piece inside that size and exactly as long as BEP 9 says
 * (16 KiB, the last piece the rest), nothing after a request's or reject's dictionary. Keys it
 * does not know are ignored (libtorrent's rejects carry {@code total_size}, for one), and a message
 * of an unknown {@code msg_type} decodes to nothing, as BEP 9 says it MUST be ignored.
 */
public sealed interface MetadataMessage {
    /** Bytes in every metadata piece but the last (BEP 9). */
    int PIECE_LENGTH = 16 * 1024;
    /** The largest metadata accepted unless the caller says otherwise: 32 MiB. */
    long DEFAULT_MAX_SIZE = 32L << 20;

    /** The metadata piece the message is about. */
    int piece();

    /**
     * {@code msg_type} 0: asks for a piece. Answered by a data or a reject with the same piece.
     *
     * @param piece the metadata piece wanted
     */
    record Request(int piece) implements MetadataMessage {
        public Request {
            notNegative(piece);
        }
    }

    /**
     * {@code msg_type} 1: a piece of the metadata.
     *
     * @param piece which piece this is
     * @param totalSize {@code total_size}: bytes of the whole metadata
     * @param bytes the piece: 16 KiB, or what is left for the last piece; owned by the record, not
     *     copied (do not change them)
     */
    record Data(int piece, long totalSize, byte[] bytes) implements MetadataMessage {
        public Data {
            notNegative(piece);
            if (totalSize < 1) {
                throw new IllegalArgumentException("total size " + totalSize + " is not positive");
            }
            if (piece >= pieceCount(totalSize)) {
                throw new IllegalArgumentException("piece " + piece + " of metadata of " + pieceCount(totalSize) + " pieces");
            }
            if (bytes.length != pieceLength(totalSize, piece)) {
                throw new IllegalArgumentException("piece " + piece + " of " + bytes.length + " bytes, expected "
                        + pieceLength(totalSize, piece));
            }
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Data d && d.piece == piece && d.totalSize == totalSize && Arrays.equals(d.bytes, bytes);
        }

        @Override
        public int hashCode() {
            return (31 * piece + Long.hashCode(totalSize)) * 31 + Arrays.hashCode(bytes);
        }

        @Override
        public String toString() {
            return "Data[piece=" + piece + ", totalSize=" + totalSize + ", " + bytes.length + " bytes]";
        }
    }

    /**
     * {@code msg_type} 2: the sender will not send this piece (it lacks the metadata, or limits us).
     *
     * @param piece the piece refused
     */
    record Reject(int piece) implements MetadataMessage {
        public Reject {
            notNegative(piece);
        }
    }

    /** The number of pieces of a metadata of {@code totalSize} bytes. */
    static int pieceCount(long totalSize) {
        if (totalSize < 1) {
            throw new IllegalArgumentException("total size " + totalSize + " is not positive");
        }
        return (int) Math.min(Integer.MAX_VALUE, (totalSize + PIECE_LENGTH - 1) / PIECE_LENGTH);
    }

    /** Bytes of {@code piece} in a metadata of {@code totalSize} bytes. */
    static int pieceLength(long totalSize, int piece) {
        return (int) Math.min(PIECE_LENGTH, totalSize - (long) piece * PIECE_LENGTH);
    }

    /** The extended message's payload: the dictionary, and for data the piece after it. */
    default byte[] encode() {
        BDictionary.Builder d = BDictionary.builder().put("piece", piece());
        byte[] dict = switch (this) {
            case Request r -> Bencode.encode(d.put("msg_type", 0).build());
            case Data data -> Bencode.encode(d.put("msg_type", 1).put("total_size", data.totalSize()).build());
            case Reject r -> Bencode.encode(d.put("msg_type", 2).build());
        };
        if (this instanceof Data data) {
            byte[] out = Arrays.copyOf(dict, dict.length + data.bytes().length);
            System.arraycopy(data.bytes(), 0, out, dict.length, data.bytes().length);
            return out;
        }
        return dict;
    }

    /**
     * This message as the extended message to send.
     *
     * @param extendedId the id the receiving peer gave {@code ut_metadata} in its handshake (BEP 10)
     */
    default Message.Extended toMessage(int extendedId) {
        if (extendedId < 1) {
            throw new IllegalArgumentException("extended id " + extendedId + " is not an extension's (0 is the handshake)");
        }
        return new Message.Extended(extendedId, encode());
    }

    /** Decodes a payload with the {@linkplain #DEFAULT_MAX_SIZE default} size limit. */
    static Optional<MetadataMessage> decode(byte[] payload) throws WireException {
        return decode(payload, DEFAULT_MAX_SIZE);
    }

    /**
     * Decodes the payload of a {@code ut_metadata} extended message.
     *
     * @param maxSize the largest metadata (a data message's {@code total_size}) accepted
     * @return the message, or empty for a {@code msg_type} BEP 9 does not define
     */
    static Optional<MetadataMessage> decode(byte[] payload, long maxSize) throws WireException {
        BValue value;
        try {
            value = Bencode.decodePrefix(payload, 0, payload.length, 4);
        } catch (BencodeException e) {
            throw new WireException("ut_metadata message is not bencoded: " + e.getMessage());
        }
        if (!(value instanceof BDictionary dict)) {
            throw new WireException("ut_metadata message is a " + value.kind() + ", expected a dictionary");
        }
        long type = integer(dict, "msg_type");
        long piece = integer(dict, "piece");
        int after = payload.length - value.span().end();
        if (type < 0 || type > 2) {
            return Optional.empty();
        }
        String kind = type == 0 ? "request" : type == 1 ? "data" : "reject";
        long mostPieces = (maxSize + PIECE_LENGTH - 1) / PIECE_LENGTH;
        if (piece < 0 || piece >= mostPieces) {
            throw new WireException("ut_metadata " + kind + " for piece " + piece + ", beyond a metadata of at most "
                    + maxSize + " bytes");
        }
        if (type != 1) {
            if (after != 0) {
                throw new WireException("ut_metadata " + kind + " has " + after + " bytes after its dictionary");
            }
            return Optional.of(type == 0 ? new Request((int) piece) : new Reject((int) piece));
        }
        long total = integer(dict, "total_size");
        if (total < 1) {
            throw new WireException("ut_metadata data with total_size " + total);
        }
        if (total > maxSize) {
            throw new WireException("ut_metadata total_size " + total + " exceeds the limit of " + maxSize + " bytes");
        }
        int count = pieceCount(total);
        if (piece >= count) {
            throw new WireException("ut_metadata data for piece " + piece + " of a metadata of " + count
                    + " pieces (total_size " + total + ")");
        }
        int expected = pieceLength(total, (int) piece);
        if (after != expected) {
            throw new WireException("ut_metadata data for piece " + piece + " carries " + after + " bytes, expected "
                    + expected + " (total_size " + total + ")");
        }
        return Optional.of(new Data((int) piece, total, Arrays.copyOfRange(payload, value.span().end(), payload.length)));
    }

    /**
     * Our answer to a peer's request, BEP 9's serving side: the piece of {@code info}, or a reject
     * for a private torrent (BEP 27 keeps its metadata among its tracker's peers; libtorrent does
     * not serve it either) or a piece beyond the metadata. How many requests a peer may make is
     * the caller's to bound, answering the rest with a {@link Reject} (BEP 9's flood protection).
     *
     * @param info our torrent's info dictionary, exactly as its info-hash was computed over
     * @param privateTorrent whether the torrent is private
     */
    static MetadataMessage answer(Request request, byte[] info, boolean privateTorrent) {
        if (privateTorrent || info.length == 0 || request.piece() >= pieceCount(info.length)) {
            return new Reject(request.piece());
        }
        int from = request.piece() * PIECE_LENGTH;
        int to = from + pieceLength(info.length, request.piece());
        return new Data(request.piece(), info.length, Arrays.copyOfRange(info, from, to));
    }

    private static long integer(BDictionary dict, String key) throws WireException {
        BValue v = dict.get(key);
        if (v == null) {
            throw new WireException("ut_metadata message has no " + key);
        }
        if (!(v instanceof BInteger i)) {
            throw new WireException("ut_metadata " + key + " is a " + v.kind() + ", expected an integer");
        }
        return i.value();
    }

    private static void notNegative(int piece) {
        if (piece < 0) {
            throw new IllegalArgumentException("piece " + piece + " is negative");
        }
    }
}
