package dev.spate.lsd;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Datagrams that are not announces we accept, each with the words its rejection reason must contain.
 * {@link AnnounceCodecTest} decodes each; {@code LsdProbe flood} sends them to a live service in a
 * network namespace ({@code LsdIT}), which must count every one as rejected and carry on.
 */
final class HostileDatagrams {
    static final String HASH = "0d418ef2e2437ff3583615bc993670c9e2eb0951";
    static final String OTHER = "aa418ef2e2437ff3583615bc993670c9e2eb0951";

    /** A hostile datagram and what the codec's reason says about it. */
    record Hostile(String name, byte[] bytes, String reason) {
    }

    private HostileDatagrams() {
    }

    /** A well-formed announce of {@code HASH} on {@code port}, with the given extra header lines. */
    static String valid(int port, String... extraHeaders) {
        StringBuilder b = new StringBuilder("BT-SEARCH * HTTP/1.1\r\nHost: 239.192.152.143:6771\r\nPort: " + port + "\r\n");
        for (String h : extraHeaders) {
            b.append(h).append("\r\n");
        }
        return b.append("Infohash: ").append(HASH).append("\r\ncookie: hostile\r\n\r\n\r\n").toString();
    }

    static List<Hostile> all() {
        List<Hostile> out = new ArrayList<>();
        Map<String, String[]> text = new LinkedHashMap<>();
        text.put("wrong method", new String[] {"M-SEARCH * HTTP/1.1\r\nPort: 6881\r\nInfohash: " + HASH + "\r\n\r\n", "not a BT-SEARCH"});
        text.put("HTTP/1.0", new String[] {"BT-SEARCH * HTTP/1.0\r\nPort: 6881\r\nInfohash: " + HASH + "\r\n\r\n", "not a BT-SEARCH"});
        text.put("lower-case method", new String[] {"bt-search * HTTP/1.1\r\nPort: 6881\r\nInfohash: " + HASH + "\r\n\r\n", "not a BT-SEARCH"});
        text.put("bare LF lines", new String[] {valid(6881).replace("\r\n", "\n"), "LF without CR"});
        text.put("CR alone", new String[] {valid(6881).replaceFirst("\r\n", "\r"), "CR not followed by LF"});
        text.put("truncated before the blank line", new String[] {"BT-SEARCH * HTTP/1.1\r\nPort: 6881\r\nInfohash: " + HASH + "\r\n", "no blank line"});
        text.put("no CRLF at all", new String[] {"BT-SEARCH * HTTP/1.1", "no line ends in CRLF"});
        text.put("a body after the headers", new String[] {valid(6881) + "GET / HTTP/1.1\r\n", "data after the headers"});
        text.put("no Port", new String[] {"BT-SEARCH * HTTP/1.1\r\nInfohash: " + HASH + "\r\n\r\n", "no Port"});
        text.put("Port 0", new String[] {valid(0), "Port that is not a decimal in 1..65535"});
        text.put("Port 65536", new String[] {valid(65536), "Port that is not a decimal in 1..65535"});
        text.put("Port with a sign", new String[] {valid(6881).replace("Port: 6881", "Port: +6881"), "Port that is not"});
        text.put("Port that is a word", new String[] {valid(6881).replace("Port: 6881", "Port: http"), "Port that is not"});
        text.put("two ports in one", new String[] {valid(6881).replace("Port: 6881", "Port: 6881 6882"), "Port that is not"});
        text.put("Port 99999999999", new String[] {valid(6881).replace("Port: 6881", "Port: 99999999999"), "Port that is not"});
        text.put("two Port headers", new String[] {valid(6881, "Port: 6882"), "more than one Port"});
        text.put("no Infohash", new String[] {"BT-SEARCH * HTTP/1.1\r\nPort: 6881\r\n\r\n", "no Infohash"});
        text.put("an Infohash of 39 digits", new String[] {valid(6881).replace(HASH, HASH.substring(1)), "not 40 hex digits"});
        text.put("an Infohash of 41 digits", new String[] {valid(6881).replace(HASH, HASH + "0"), "not 40 hex digits"});
        text.put("an Infohash that is not hex", new String[] {valid(6881).replace(HASH, "z" + HASH.substring(1)), "not 40 hex digits"});
        text.put("an all-zero Infohash", new String[] {valid(6881).replace(HASH, "0".repeat(40)), "all-zero"});
        text.put("a header without a colon", new String[] {valid(6881, "Hello"), "without a colon"});
        text.put("a folded header", new String[] {valid(6881, "X-A: b", " c"), "folded"});
        text.put("a header name with a space", new String[] {valid(6881, "X A: b"), "malformed header name"});
        text.put("an empty header name", new String[] {valid(6881, ": b"), "malformed header name"});
        text.put("an over-long header value", new String[] {valid(6881, "X-A: " + "a".repeat(257)), "over-long value"});
        text.put("an over-long cookie", new String[] {valid(6881).replace("cookie: hostile", "cookie: " + "c".repeat(65)), "over-long cookie"});
        text.put("two cookies", new String[] {valid(6881, "cookie: again"), "more than one cookie"});
        text.put("two Hosts", new String[] {valid(6881, "Host: 239.192.152.143:6771"), "more than one Host"});
        String[] many = new String[41];
        Arrays.fill(many, "X-Pad: 1");
        text.put("41 header lines", new String[] {valid(6881, many), "more than 40 header lines"});
        // 27 hashes fit in 1500 bytes only without Host and cookie: a datagram no BEP 14 client makes.
        StringBuilder many27 = new StringBuilder("BT-SEARCH * HTTP/1.1\r\nPort: 1\r\n");
        for (int i = 0; i < 27; i++) {
            many27.append("Infohash: ").append(String.format("%040x", i + 1)).append("\r\n");
        }
        text.put("27 info-hashes", new String[] {many27.append("\r\n").toString(), "more than 26 Infohash"});
        for (Map.Entry<String, String[]> e : text.entrySet()) {
            out.add(new Hostile(e.getKey(), e.getValue()[0].getBytes(StandardCharsets.ISO_8859_1), e.getValue()[1]));
        }
        out.add(new Hostile("empty", new byte[0], "empty datagram"));
        byte[] oversized = (valid(6881, "X-Pad: " + "p".repeat(200), "X-Pad: " + "p".repeat(200),
                "X-Pad: " + "p".repeat(200), "X-Pad: " + "p".repeat(200), "X-Pad: " + "p".repeat(200),
                "X-Pad: " + "p".repeat(200), "X-Pad: " + "p".repeat(200))).getBytes(StandardCharsets.ISO_8859_1);
        out.add(new Hostile("oversized (" + oversized.length + " bytes)", oversized, "oversized"));
        byte[] nul = valid(6881).getBytes(StandardCharsets.ISO_8859_1);
        nul[25] = 0;
        out.add(new Hostile("a NUL byte", nul, "not printable ASCII"));
        byte[] garbage = new byte[300];
        new java.util.SplittableRandom(14).nextBytes(garbage);
        garbage[0] = (byte) 0x80;
        out.add(new Hostile("binary garbage", garbage, "not printable ASCII"));
        out.add(new Hostile("UTF-8 in a header", valid(6881, "X-Name: caf\u00c3\u00a9").getBytes(StandardCharsets.ISO_8859_1),
                "not printable ASCII"));
        return out;
    }
}
