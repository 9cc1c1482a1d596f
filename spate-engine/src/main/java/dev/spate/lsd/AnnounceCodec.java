package dev.spate.lsd;

import dev.spate.core.InfoHash;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * The BEP 14 datagram, bytes in and records out:
 *
 * <pre>
 * BT-SEARCH * HTTP/1.1\r\n
 * Host: 239.192.152.143:6771\r\n
 * Port: 6881\r\n
 * Infohash: 0d418ef2e2437ff3583615bc993670c9e2eb0951\r\n
 * cookie: 16c896bf\r\n
 * \r\n
 * \r\n
 * </pre>
 *
 * <p>We encode exactly the bytes libtorrent sends (its {@code render_lsd_packet}, header order and case
 * included), with as many {@code Infohash} lines as fit in {@link #MAX_SENT_BYTES} (BEP 14: "the packet
 * length should not exceed 1400 bytes").
 *
 * <p>Decoding is strict and bounded, since anyone on the LAN can send us anything. A datagram is
 * rejected as a whole, with the reason, when it is empty or longer than {@link #MAX_RECEIVED_BYTES};
 * holds a byte that is not printable US-ASCII (or a tab); has a CR without LF or a LF without CR; does
 * not start with the request line {@code BT-SEARCH * HTTP/1.1}; has a folded, colon-less or over-long
 * header line, a header name that is not an HTTP token, or more than {@link #MAX_HEADER_LINES}
 * headers; lacks the blank line that ends the headers, or has anything but more blank lines after it;
 * has no {@code Port}, more than one, or one that is not a decimal in 1..65535; has no
 * {@code Infohash}, more than {@link #MAX_INFOHASHES}, or one that is not 40 hex digits or is all
 * zeros; has more than one {@code cookie} or {@code Host}, or a cookie longer than
 * {@link #MAX_COOKIE_LENGTH}. Header names match without regard to case (HTTP); headers we do not
 * know are ignored, as BEP 14 asks for forwards compatibility. Repeated info-hashes count once.
 *
 * <p>Stateless; safe from any thread.
 */
final class AnnounceCodec {
    /** Longest datagram we send (BEP 14, to avoid fragmentation). */
    static final int MAX_SENT_BYTES = 1400;
    /** Longest datagram we accept: one Ethernet frame's worth; a longer one is not an announce. */
    static final int MAX_RECEIVED_BYTES = 1500;
    /** Most info-hashes we accept in one datagram: as many as fit in BEP 14's 1400 bytes. */
    static final int MAX_INFOHASHES = 26;
    /** Most header lines we accept in one datagram. */
    static final int MAX_HEADER_LINES = 40;
    static final int MAX_HEADER_NAME_LENGTH = 32;
    static final int MAX_HEADER_VALUE_LENGTH = 256;
    static final int MAX_COOKIE_LENGTH = 64;

    static final String REQUEST_LINE = "BT-SEARCH * HTTP/1.1";
    private static final String CRLF = "\r\n";
    /** {@code "Infohash: " + 40 hex + CRLF}. */
    private static final int INFOHASH_LINE_LENGTH = 10 + 2 * InfoHash.LENGTH + 2;

    /** What {@link #decode} makes of a datagram. */
    sealed interface Decoded permits Valid, Rejected {
    }

    /** A well-formed announce. */
    record Valid(Announce announce) implements Decoded {
    }

    /** Not an announce we accept; {@code reason} says why, in printable ASCII only. */
    record Rejected(String reason) implements Decoded {
    }

    private AnnounceCodec() {
    }

    /**
     * The datagram announcing {@code infoHashes} on {@code port} to the group named by {@code host}
     * ({@code 239.192.152.143:6771} or {@code [ff15::efc0:988f]:6771}), with our {@code cookie}.
     *
     * @throws IllegalArgumentException if there are no info-hashes, or more than fit in
     *     {@link #MAX_SENT_BYTES}, or the port or cookie is not valid
     */
    static byte[] encode(String host, int port, List<InfoHash> infoHashes, String cookie) {
        if (port < 1 || port > 65_535) {
            throw new IllegalArgumentException("LSD port out of range: " + port);
        }
        if (infoHashes.isEmpty()) {
            throw new IllegalArgumentException("an LSD announce needs at least one info-hash");
        }
        requireToken(cookie, "cookie");
        StringBuilder b = new StringBuilder(MAX_SENT_BYTES);
        b.append(REQUEST_LINE).append(CRLF)
                .append("Host: ").append(host).append(CRLF)
                .append("Port: ").append(port).append(CRLF);
        for (InfoHash h : infoHashes) {
            b.append("Infohash: ").append(h.hex()).append(CRLF);
        }
        b.append("cookie: ").append(cookie).append(CRLF).append(CRLF).append(CRLF);
        if (b.length() > MAX_SENT_BYTES) {
            throw new IllegalArgumentException(infoHashes.size() + " info-hashes make an LSD datagram of "
                    + b.length() + " bytes, more than " + MAX_SENT_BYTES + "; at most "
                    + maxInfoHashes(host, cookie) + " fit");
        }
        return b.toString().getBytes(StandardCharsets.US_ASCII);
    }

    /** How many info-hashes {@link #encode} fits in one datagram for this host and cookie, whatever the port. */
    static int maxInfoHashes(String host, String cookie) {
        int fixed = REQUEST_LINE.length() + 2 + "Host: ".length() + host.length() + 2 + "Port: 65535".length() + 2
                + "cookie: ".length() + cookie.length() + 2 + 4;
        return Math.max(0, (MAX_SENT_BYTES - fixed) / INFOHASH_LINE_LENGTH);
    }

    /** Decodes the bytes from {@code datagram}'s position to its limit, without moving the position. */
    static Decoded decode(ByteBuffer datagram) {
        int length = datagram.remaining();
        if (length == 0) {
            return new Rejected("empty datagram");
        }
        if (length > MAX_RECEIVED_BYTES) {
            return new Rejected("oversized datagram: " + length + " bytes, at most " + MAX_RECEIVED_BYTES);
        }
        byte[] bytes = new byte[length];
        datagram.get(datagram.position(), bytes);
        for (int i = 0; i < length; i++) {
            int c = bytes[i] & 0xff;
            if (c == '\r') {
                if (i + 1 == length || bytes[i + 1] != '\n') {
                    return new Rejected("a CR not followed by LF at offset " + i);
                }
                i++;
            } else if (c == '\n') {
                return new Rejected("a LF without CR at offset " + i);
            } else if ((c < 0x20 || c > 0x7e) && c != '\t') {
                return new Rejected(String.format(Locale.ROOT, "a byte 0x%02x that is not printable ASCII at offset %d", c, i));
            }
        }
        // From here every line ends in CRLF and holds printable ASCII only.
        String text = new String(bytes, StandardCharsets.US_ASCII);
        int lineEnd = text.indexOf(CRLF);
        if (lineEnd < 0) {
            return new Rejected("no line ends in CRLF");
        }
        String requestLine = text.substring(0, lineEnd);
        if (!requestLine.equals(REQUEST_LINE)) {
            return new Rejected("not a BT-SEARCH request: '" + shorten(requestLine) + "'");
        }
        int port = -1;
        Set<InfoHash> hashes = new LinkedHashSet<>();
        int hashLines = 0;
        String cookie = null;
        boolean cookieSeen = false;
        boolean hostSeen = false;
        int headers = 0;
        int start = lineEnd + 2;
        while (true) {
            int end = text.indexOf(CRLF, start);
            if (end < 0) {
                return new Rejected("no blank line ends the headers");
            }
            String line = text.substring(start, end);
            start = end + 2;
            if (line.isEmpty()) {
                break;
            }
            if (++headers > MAX_HEADER_LINES) {
                return new Rejected("more than " + MAX_HEADER_LINES + " header lines");
            }
            if (line.charAt(0) == ' ' || line.charAt(0) == '\t') {
                return new Rejected("a folded header line");
            }
            int colon = line.indexOf(':');
            if (colon < 0) {
                return new Rejected("a header line without a colon: '" + shorten(line) + "'");
            }
            String name = line.substring(0, colon);
            if (name.isEmpty() || name.length() > MAX_HEADER_NAME_LENGTH || !isToken(name)) {
                return new Rejected("a malformed header name: '" + shorten(name) + "'");
            }
            String value = line.substring(colon + 1).strip();
            if (value.length() > MAX_HEADER_VALUE_LENGTH) {
                return new Rejected("an over-long value of header " + name + ": " + value.length() + " characters");
            }
            switch (name.toLowerCase(Locale.ROOT)) {
                case "port" -> {
                    if (port != -1) {
                        return new Rejected("more than one Port header");
                    }
                    port = parsePort(value);
                    if (port < 0) {
                        return new Rejected("a Port that is not a decimal in 1..65535: '" + shorten(value) + "'");
                    }
                }
                case "infohash" -> {
                    if (++hashLines > MAX_INFOHASHES) {
                        return new Rejected("more than " + MAX_INFOHASHES + " Infohash headers");
                    }
                    if (value.length() != 2 * InfoHash.LENGTH || !isHex(value)) {
                        return new Rejected("an Infohash that is not 40 hex digits: '" + shorten(value) + "'");
                    }
                    if (value.chars().allMatch(ch -> ch == '0')) {
                        return new Rejected("an all-zero Infohash");
                    }
                    hashes.add(InfoHash.fromHex(value));
                }
                case "cookie" -> {
                    if (cookieSeen) {
                        return new Rejected("more than one cookie header");
                    }
                    cookieSeen = true;
                    if (value.length() > MAX_COOKIE_LENGTH) {
                        return new Rejected("an over-long cookie: " + value.length() + " characters");
                    }
                    cookie = value.isEmpty() ? null : value;
                }
                case "host" -> {
                    // Names the group the sender meant; we know which socket it came in on.
                    if (hostSeen) {
                        return new Rejected("more than one Host header");
                    }
                    hostSeen = true;
                }
                default -> {
                    // BEP 14: headers a client does not understand are ignored.
                }
            }
        }
        // BEP 14 ends the announce with two blank lines; tolerate any number, but nothing else.
        while (start < text.length()) {
            if (!text.startsWith(CRLF, start)) {
                return new Rejected("data after the headers");
            }
            start += 2;
        }
        if (port == -1) {
            return new Rejected("no Port header");
        }
        if (hashes.isEmpty()) {
            return new Rejected("no Infohash header");
        }
        return new Valid(new Announce(port, List.copyOf(hashes), Optional.ofNullable(cookie)));
    }

    /** 1..65535 from one to five ASCII digits, else -1. */
    private static int parsePort(String value) {
        if (value.isEmpty() || value.length() > 5) {
            return -1;
        }
        int port = 0;
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            port = port * 10 + (c - '0');
        }
        return port >= 1 && port <= 65_535 ? port : -1;
    }

    private static boolean isHex(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F')) {
                return false;
            }
        }
        return true;
    }

    /** An HTTP token (RFC 9110, tchar). */
    private static boolean isToken(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean ok = c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
                    || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    private static void requireToken(String value, String what) {
        if (value.isEmpty() || value.length() > MAX_COOKIE_LENGTH || !isToken(value)) {
            throw new IllegalArgumentException("an LSD " + what + " must be 1.." + MAX_COOKIE_LENGTH
                    + " token characters: '" + value + "'");
        }
    }

    /** A bounded excerpt for a reason: the text is printable ASCII or tabs already; tabs are shown as \t. */
    private static String shorten(String s) {
        String cut = s.length() <= 40 ? s : s.substring(0, 40) + "...";
        return cut.replace("\t", "\\t");
    }
}
