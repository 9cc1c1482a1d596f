package dev.spate.wire;

import dev.spate.core.Hex;
import dev.spate.core.InfoHash;
import dev.spate.core.PeerId;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The 68 bytes each side sends first (BEP 3): {@code 19}, {@code "BitTorrent protocol"}, eight
 * reserved bytes whose bits announce extensions, the info-hash and the sender's peer id.
 * Immutable: the reserved bytes are copied in and out.
 *
 * @param reserved the eight reserved bytes
 * @param infoHash the torrent the sender wants
 * @param peerId the sender's id
 */
public record Handshake(byte[] reserved, InfoHash infoHash, PeerId peerId) {
    /** Bytes of a handshake on the wire. */
    public static final int LENGTH = 68;
    /** Bytes of the reserved field. */
    public static final int RESERVED_LENGTH = 8;
    private static final byte[] PROTOCOL = "BitTorrent protocol".getBytes(StandardCharsets.US_ASCII);
    private static final int INFO_HASH_OFFSET = 1 + 19 + RESERVED_LENGTH;
    private static final int PEER_ID_OFFSET = INFO_HASH_OFFSET + InfoHash.LENGTH;

    // Reserved bits: BEP 10 uses bit 20 from the right (reserved[5] & 0x10); BEP 6 the third least
    // significant bit of the last byte (reserved[7] & 0x04); BEP 5 the last bit (reserved[7] & 0x01).
    private static final int EXTENSIONS_BYTE = 5;
    private static final int EXTENSIONS_BIT = 0x10;
    private static final int FAST_BYTE = 7;
    private static final int FAST_BIT = 0x04;
    private static final int DHT_BYTE = 7;
    private static final int DHT_BIT = 0x01;

    public Handshake {
        if (reserved.length != RESERVED_LENGTH) {
            throw new IllegalArgumentException("reserved field of " + reserved.length + " bytes, expected 8");
        }
        reserved = reserved.clone();
        if (infoHash == null || peerId == null) {
            throw new NullPointerException("info-hash and peer id are required");
        }
    }

    /** Our handshake: the fast extension (BEP 6) and the extension protocol (BEP 10) announced. */
    public static Handshake ours(InfoHash infoHash, PeerId peerId) {
        byte[] reserved = new byte[RESERVED_LENGTH];
        reserved[FAST_BYTE] |= FAST_BIT;
        reserved[EXTENSIONS_BYTE] |= EXTENSIONS_BIT;
        return new Handshake(reserved, infoHash, peerId);
    }

    /** This handshake with BEP 5's DHT bit set or cleared: we take port messages. */
    public Handshake withDht(boolean dht) {
        byte[] r = reserved.clone();
        r[DHT_BYTE] = (byte) (dht ? r[DHT_BYTE] | DHT_BIT : r[DHT_BYTE] & ~DHT_BIT);
        return new Handshake(r, infoHash, peerId);
    }

    /** A copy of the reserved bytes. */
    @Override
    public byte[] reserved() {
        return reserved.clone();
    }

    /** BEP 6: {@code reserved[7] & 0x04}. */
    public boolean supportsFast() {
        return (reserved[FAST_BYTE] & FAST_BIT) != 0;
    }

    /** BEP 10: {@code reserved[5] & 0x10}. */
    public boolean supportsExtensions() {
        return (reserved[EXTENSIONS_BYTE] & EXTENSIONS_BIT) != 0;
    }

    /** BEP 5: {@code reserved[7] & 0x01}, the sender takes port messages. */
    public boolean supportsDht() {
        return (reserved[DHT_BYTE] & DHT_BIT) != 0;
    }

    /** The 68 wire bytes. */
    public byte[] encode() {
        byte[] out = new byte[LENGTH];
        encodeTo(ByteBuffer.wrap(out));
        return out;
    }

    /** Puts the 68 wire bytes at {@code out}'s position and advances it. */
    public void encodeTo(ByteBuffer out) {
        out.put((byte) PROTOCOL.length).put(PROTOCOL).put(reserved).put(infoHash.bytes()).put(peerId.bytes());
    }

    /** Reads exactly 68 bytes. */
    public static Handshake decode(byte[] bytes) throws WireException {
        if (bytes.length != LENGTH) {
            throw new WireException("handshake of " + bytes.length + " bytes, expected 68");
        }
        return decode(bytes, 0);
    }

    /**
     * Reads the 68 bytes from {@code offset} (BEP 3): the protocol string must be exactly
     * {@code 19, "BitTorrent protocol"}.
     */
    public static Handshake decode(byte[] bytes, int offset) throws WireException {
        if (offset < 0 || bytes.length - offset < LENGTH) {
            throw new WireException("handshake needs 68 bytes, " + Math.max(0, bytes.length - offset) + " given");
        }
        int pstrlen = bytes[offset] & 0xff;
        if (pstrlen != PROTOCOL.length) {
            throw new WireException("handshake protocol string of length " + pstrlen + ", expected 19");
        }
        if (!Arrays.equals(bytes, offset + 1, offset + 20, PROTOCOL, 0, PROTOCOL.length)) {
            throw new WireException("handshake protocol string is not \"BitTorrent protocol\" but "
                    + printable(bytes, offset + 1, 19));
        }
        byte[] reserved = Arrays.copyOfRange(bytes, offset + 20, offset + INFO_HASH_OFFSET);
        InfoHash infoHash = InfoHash.of(Arrays.copyOfRange(bytes, offset + INFO_HASH_OFFSET, offset + PEER_ID_OFFSET));
        PeerId peerId = PeerId.of(Arrays.copyOfRange(bytes, offset + PEER_ID_OFFSET, offset + LENGTH));
        return new Handshake(reserved, infoHash, peerId);
    }

    /** Reads the 68 bytes at {@code in}'s position and advances it. */
    public static Handshake decode(ByteBuffer in) throws WireException {
        if (in.remaining() < LENGTH) {
            throw new WireException("handshake needs 68 bytes, " + in.remaining() + " given");
        }
        byte[] bytes = new byte[LENGTH];
        in.get(bytes);
        return decode(bytes, 0);
    }

    private static String printable(byte[] bytes, int from, int length) {
        StringBuilder sb = new StringBuilder("\"");
        for (int i = from; i < from + length; i++) {
            int c = bytes[i] & 0xff;
            if (c >= 0x20 && c < 0x7f && c != '\\' && c != '"') {
                sb.append((char) c);
            } else {
                sb.append(String.format("\\x%02x", c));
            }
        }
        return sb.append('"').toString();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Handshake other && Arrays.equals(reserved, other.reserved)
                && infoHash.equals(other.infoHash) && peerId.equals(other.peerId);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * Arrays.hashCode(reserved) + infoHash.hashCode()) + peerId.hashCode();
    }

    @Override
    public String toString() {
        return "Handshake[reserved=" + Hex.encode(reserved) + ", infoHash=" + infoHash + ", peerId=" + peerId + "]";
    }
}
