package dev.spate.tracker;

import dev.spate.bencode.BDictionary;
import dev.spate.bencode.BInteger;
import dev.spate.bencode.BList;
import dev.spate.bencode.BString;
import dev.spate.bencode.BValue;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Pattern;

/** Decoding of the peer lists trackers send. Entries with port 0 are skipped: nobody listens there. */
final class PeerLists {
    private static final Pattern IPV4 = Pattern.compile("(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})");
    private static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*");

    private PeerLists() {
    }

    /**
     * Compact peers: 4 (BEP 23) or 16 (BEP 7) address bytes then a big-endian port, repeated.
     *
     * @param field the field name for the error message ({@code peers}, {@code peers6})
     */
    static void compact(byte[] bytes, int offset, int length, int addressLength, String field,
            List<InetSocketAddress> out) throws TrackerException {
        int entry = addressLength + 2;
        if (length % entry != 0) {
            String what = addressLength == 4 ? "a compact peer list" : "a compact " + field + " list";
            throw new TrackerException(
                    "tracker sent " + what + " of " + length + " bytes, not a multiple of " + entry);
        }
        for (int at = offset; at < offset + length; at += entry) {
            int port = ((bytes[at + addressLength] & 0xff) << 8) | (bytes[at + addressLength + 1] & 0xff);
            if (port == 0) {
                continue;
            }
            try {
                InetAddress address = InetAddress.getByAddress(Arrays.copyOfRange(bytes, at, at + addressLength));
                out.add(new InetSocketAddress(address, port));
            } catch (UnknownHostException e) {
                throw new AssertionError("4 or 16 bytes are always an address", e);
            }
        }
    }

    /**
     * BEP 3's non-compact list of dictionaries with {@code ip} and {@code port} ({@code peer id} is
     * ignored). Only IP literals are taken: a DNS name would cost a lookup per peer, so it is skipped,
     * as are entries with a port of 0 or outside 16 bits.
     */
    static void dictionaries(BList list, List<InetSocketAddress> out) throws TrackerException {
        for (BValue v : list.values()) {
            if (!(v instanceof BDictionary peer)) {
                throw new TrackerException("tracker sent a peer list entry that is not a dictionary: " + v);
            }
            if (!(peer.get("ip") instanceof BString ip) || !(peer.get("port") instanceof BInteger port)) {
                throw new TrackerException("tracker sent a peer without 'ip' string and 'port' integer: " + peer);
            }
            if (port.value() <= 0 || port.value() > 65535) {
                continue;
            }
            InetAddress address = literal(new String(ip.bytes(), StandardCharsets.ISO_8859_1));
            if (address != null) {
                out.add(new InetSocketAddress(address, (int) port.value()));
            }
        }
    }

    /** An IPv4 or IPv6 literal parsed without any name lookup, or null. */
    static InetAddress literal(String text) {
        try {
            var m4 = IPV4.matcher(text);
            if (m4.matches()) {
                byte[] b = new byte[4];
                for (int i = 0; i < 4; i++) {
                    int octet = Integer.parseInt(m4.group(i + 1));
                    if (octet > 255) {
                        return null;
                    }
                    b[i] = (byte) octet;
                }
                return InetAddress.getByAddress(b);
            }
            if (IPV6.matcher(text).matches()) {
                // Brackets make getByName parse an IPv6 literal and never ask DNS.
                return InetAddress.getByName("[" + text + "]");
            }
        } catch (UnknownHostException e) {
            return null;
        }
        return null;
    }
}
