package dev.spate.bencode;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Bencode decoding and canonical encoding (BEP 3).
 *
 * <p>{@link #decode} is strict: only the canonical form is accepted, as the peer protocol, trackers
 * and the DHT require. {@link #decodeLenient} is for .torrent files, which libtorrent and other
 * clients read leniently and which people therefore share in forms BEP 3 does not allow:
 * dictionary keys out of order or repeated (the first value of a repeated key counts, as in
 * libtorrent, whose lookups stop at the first match), and integers or string lengths with leading
 * zeros or a {@code -0}. Every value still records its raw span, so a hash over the bytes as they
 * were (the info-hash) stays exact whatever the form. Everything else (truncation, lengths beyond
 * the input, integers beyond 64 bits, nesting beyond the limit) is refused in both modes.
 *
 * <p>Decoding is recursive with an explicit depth limit, so hostile input cannot exhaust the stack;
 * a string's declared length is checked against the bytes left before anything is allocated, so it
 * cannot exhaust memory either. Stateless and thread-safe.
 */
public final class Bencode {
    /** Nesting limit used unless one is given. Real .torrent files nest five or six deep. */
    public static final int DEFAULT_MAX_DEPTH = 64;

    private Bencode() {
    }

    /** Decodes {@code input}, which must hold exactly one value. */
    public static BValue decode(byte[] input) throws BencodeException {
        return decode(input, 0, input.length, DEFAULT_MAX_DEPTH);
    }

    /** Decodes {@code input[offset, offset+length)}, which must hold exactly one value. */
    public static BValue decode(byte[] input, int offset, int length, int maxDepth) throws BencodeException {
        BValue value = decodePrefix(input, offset, length, maxDepth);
        int end = value.span().end();
        if (end != offset + length) {
            throw new BencodeException(end, (offset + length - end) + " trailing bytes after the value");
        }
        return value;
    }

    /**
     * Decodes the one value that starts at {@code offset}, allowing bytes after it (as in BEP 9's
     * metadata messages, where raw data follows a dictionary). The value's span tells where it ends.
     */
    public static BValue decodePrefix(byte[] input, int offset, int length, int maxDepth) throws BencodeException {
        checkRange(input, offset, length);
        return new Decoder(input, offset, offset + length, maxDepth, false).value(0);
    }

    /**
     * Decodes {@code input[offset, offset+length)}, which must hold exactly one value, accepting the
     * non-canonical forms described in the class comment. For .torrent files and the info
     * dictionaries of BEP 9's metadata exchange, never for protocol messages.
     */
    public static BValue decodeLenient(byte[] input, int offset, int length, int maxDepth) throws BencodeException {
        BValue value = decodeLenientPrefix(input, offset, length, maxDepth);
        int end = value.span().end();
        if (end != offset + length) {
            throw new BencodeException(end, (offset + length - end) + " trailing bytes after the value");
        }
        return value;
    }

    /** As {@link #decodePrefix}, accepting the non-canonical forms of {@link #decodeLenient}. */
    public static BValue decodeLenientPrefix(byte[] input, int offset, int length, int maxDepth) throws BencodeException {
        checkRange(input, offset, length);
        return new Decoder(input, offset, offset + length, maxDepth, true).value(0);
    }

    private static void checkRange(byte[] input, int offset, int length) {
        if (offset < 0 || length < 0 || offset + length > input.length || offset + length < 0) {
            throw new IllegalArgumentException("range [" + offset + ", +" + length + ") outside " + input.length + " bytes");
        }
    }

    /** The canonical encoding of {@code value}. */
    public static byte[] encode(BValue value) {
        Out out = new Out();
        write(value, out);
        return out.toByteArray();
    }

    private static void write(BValue value, Out out) {
        switch (value) {
            case BString s -> writeString(s.raw(), out);
            case BInteger i -> {
                out.write('i');
                out.ascii(Long.toString(i.value()));
                out.write('e');
            }
            case BList l -> {
                out.write('l');
                for (BValue v : l.values()) {
                    write(v, out);
                }
                out.write('e');
            }
            case BDictionary d -> {
                out.write('d');
                // BDictionary keeps its entries sorted by raw bytes, as BEP 3 requires.
                for (Map.Entry<String, BValue> e : d.entries().entrySet()) {
                    writeString(BDictionary.keyBytes(e.getKey()), out);
                    write(e.getValue(), out);
                }
                out.write('e');
            }
        }
    }

    private static void writeString(byte[] bytes, Out out) {
        out.ascii(Integer.toString(bytes.length));
        out.write(':');
        out.write(bytes, 0, bytes.length);
    }

    private static final class Out extends ByteArrayOutputStream {
        Out() {
            super(256);
        }

        void ascii(String s) {
            byte[] b = s.getBytes(StandardCharsets.US_ASCII);
            write(b, 0, b.length);
        }
    }

    /** One decoding pass over {@code input[start, limit)}. */
    private static final class Decoder {
        private final byte[] in;
        private final int limit;
        private final int maxDepth;
        /** Whether the non-canonical forms of {@link #decodeLenient} are accepted. */
        private final boolean lenient;
        private int pos;

        Decoder(byte[] in, int start, int limit, int maxDepth, boolean lenient) {
            this.in = in;
            this.pos = start;
            this.limit = limit;
            this.maxDepth = maxDepth;
            this.lenient = lenient;
        }

        BValue value(int depth) throws BencodeException {
            if (pos >= limit) {
                throw new BencodeException(pos, "input ends where a value was expected");
            }
            int c = in[pos];
            if (c >= '0' && c <= '9') {
                return string();
            }
            return switch (c) {
                case 'i' -> integer();
                case 'l' -> list(depth);
                case 'd' -> dictionary(depth);
                default -> throw new BencodeException(pos, "expected a value ('i', 'l', 'd' or a digit), found " + describe(c));
            };
        }

        private BString string() throws BencodeException {
            int start = pos;
            int len = stringLength();
            byte[] bytes = Arrays.copyOfRange(in, pos, pos + len);
            pos += len;
            return new BString(bytes, new Span(start, pos - start));
        }

        /** Reads {@code <length>:} and checks the length against the bytes left. */
        private int stringLength() throws BencodeException {
            int start = pos;
            if (!lenient && in[pos] == '0' && pos + 1 < limit && in[pos + 1] != ':') {
                throw new BencodeException(pos, "leading zero in string length");
            }
            long len = 0;
            while (pos < limit && in[pos] >= '0' && in[pos] <= '9') {
                len = len * 10 + (in[pos] - '0');
                if (len > limit) {
                    throw new BencodeException(start, "string length beyond the input");
                }
                pos++;
            }
            if (pos >= limit) {
                throw new BencodeException(pos, "input ends in a string length, expected ':'");
            }
            if (in[pos] != ':') {
                throw new BencodeException(pos, "expected ':' after string length, found " + describe(in[pos]));
            }
            pos++;
            if (len > limit - pos) {
                throw new BencodeException(start, "string length " + len + " beyond the input (" + (limit - pos) + " bytes left)");
            }
            return (int) len;
        }

        private BInteger integer() throws BencodeException {
            int start = pos;
            pos++; // 'i'
            boolean negative = false;
            if (pos < limit && in[pos] == '-') {
                negative = true;
                pos++;
            }
            int digitsStart = pos;
            long magnitudeNeg = 0; // accumulated as a negative number so Long.MIN_VALUE fits
            while (pos < limit && in[pos] >= '0' && in[pos] <= '9') {
                int d = in[pos] - '0';
                if (magnitudeNeg < (Long.MIN_VALUE + d) / 10) {
                    throw new BencodeException(start, "integer beyond 64 bits");
                }
                magnitudeNeg = magnitudeNeg * 10 - d;
                pos++;
            }
            if (pos >= limit) {
                throw new BencodeException(pos, "input ends in an integer, expected 'e'");
            }
            if (pos == digitsStart) {
                throw new BencodeException(pos, "expected a digit in integer, found " + describe(in[pos]));
            }
            if (in[pos] != 'e') {
                throw new BencodeException(pos, "expected 'e' after integer, found " + describe(in[pos]));
            }
            if (!lenient && in[digitsStart] == '0' && pos - digitsStart > 1) {
                throw new BencodeException(digitsStart, "leading zero in integer");
            }
            if (!lenient && negative && magnitudeNeg == 0) {
                throw new BencodeException(start, "negative zero");
            }
            long value;
            if (negative) {
                value = magnitudeNeg;
            } else {
                if (magnitudeNeg == Long.MIN_VALUE) {
                    throw new BencodeException(start, "integer beyond 64 bits");
                }
                value = -magnitudeNeg;
            }
            pos++; // 'e'
            return new BInteger(value, new Span(start, pos - start));
        }

        private BList list(int depth) throws BencodeException {
            int start = pos;
            enter(depth);
            pos++; // 'l'
            List<BValue> values = new ArrayList<>();
            while (true) {
                if (pos >= limit) {
                    throw new BencodeException(pos, "input ends in a list, expected a value or 'e'");
                }
                if (in[pos] == 'e') {
                    pos++;
                    return new BList(values, new Span(start, pos - start));
                }
                values.add(value(depth + 1));
            }
        }

        private BDictionary dictionary(int depth) throws BencodeException {
            int start = pos;
            enter(depth);
            pos++; // 'd'
            Map<String, BValue> entries = new LinkedHashMap<>();
            int prevKeyStart = -1;
            int prevKeyLen = 0;
            while (true) {
                if (pos >= limit) {
                    throw new BencodeException(pos, "input ends in a dictionary, expected a key or 'e'");
                }
                if (in[pos] == 'e') {
                    pos++;
                    return new BDictionary(entries, new Span(start, pos - start));
                }
                if (in[pos] < '0' || in[pos] > '9') {
                    throw new BencodeException(pos, "expected a string key in dictionary, found " + describe(in[pos]));
                }
                int keyOffset = pos;
                int keyLen = stringLength();
                int keyStart = pos;
                pos += keyLen;
                if (prevKeyStart >= 0 && !lenient) {
                    int cmp = Arrays.compareUnsigned(in, prevKeyStart, prevKeyStart + prevKeyLen, in, keyStart, keyStart + keyLen);
                    if (cmp == 0) {
                        throw new BencodeException(keyOffset, "duplicate dictionary key " + quote(keyStart, keyLen));
                    }
                    if (cmp > 0) {
                        throw new BencodeException(keyOffset, "dictionary key " + quote(keyStart, keyLen) + " out of order");
                    }
                }
                prevKeyStart = keyStart;
                prevKeyLen = keyLen;
                String key = new String(in, keyStart, keyLen, StandardCharsets.ISO_8859_1);
                if (pos >= limit) {
                    throw new BencodeException(pos, "input ends after dictionary key " + quote(keyStart, keyLen) + ", expected its value");
                }
                BValue value = value(depth + 1);
                // Lenient: the first value of a repeated key counts (the later ones are still
                // decoded, so the input is checked to its end and the spans stay right).
                entries.putIfAbsent(key, value);
            }
        }

        private void enter(int depth) throws BencodeException {
            if (depth >= maxDepth) {
                throw new BencodeException(pos, "nesting deeper than " + maxDepth);
            }
        }

        private String quote(int start, int len) {
            int shown = Math.min(len, 40);
            StringBuilder sb = new StringBuilder("\"");
            for (int i = start; i < start + shown; i++) {
                int b = in[i] & 0xff;
                if (b >= 0x20 && b < 0x7f) {
                    sb.append((char) b);
                } else {
                    sb.append(String.format("\\x%02x", b));
                }
            }
            return sb.append(shown < len ? "...\"" : "\"").toString();
        }

        private static String describe(int b) {
            b &= 0xff;
            return b >= 0x21 && b < 0x7f ? "'" + (char) b + "'" : String.format("byte 0x%02x", b);
        }
    }
}
