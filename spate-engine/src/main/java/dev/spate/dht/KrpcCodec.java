package dev.spate.dht;

import dev.spate.bencode.BDictionary;
import dev.spate.bencode.BInteger;
import dev.spate.bencode.BList;
import dev.spate.bencode.BString;
import dev.spate.bencode.BValue;
import dev.spate.bencode.Bencode;
import dev.spate.bencode.BencodeException;
import dev.spate.core.InfoHash;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * Bytes to {@link Krpc} records and back (BEP 5, with BEP 32's {@code nodes6}/{@code want}, BEP 42's
 * {@code ip} and BEP 43's {@code ro}). Decoding is strict and bounded: a datagram longer than
 * {@link #MAX_DATAGRAM}, nested deeper than a KRPC message is, or with a field out of its bounds is
 * refused before anything proportional to its content is built. Unknown keys are ignored, as BEP 5
 * asks for forward compatibility. Stateless.
 */
final class KrpcCodec {
    /** Largest datagram read: BEP 32 asks senders for 1024 bytes at most and receivers for some slack. */
    static final int MAX_DATAGRAM = 2048;
    /** Largest datagram we send (BEP 32). */
    static final int MAX_SENT = 1024;
    /** Longest transaction id accepted from others; ours are 2 bytes, as BEP 5 suggests. */
    static final int MAX_TID = 16;
    /** Most contacts of one family read from a reply (honest nodes send 8). */
    static final int MAX_NODES = 16;
    /** Most peers read from one reply's {@code values}. */
    static final int MAX_VALUES = 200;
    /** Longest token accepted (ours are 8 bytes; BEP 5: "a short binary string"). */
    static final int MAX_TOKEN = 64;
    /** Longest error message kept. */
    static final int MAX_ERROR_MESSAGE = 200;
    /** A KRPC message nests a dictionary, a dictionary and a list of strings: depth 3, with one spare. */
    private static final int MAX_DEPTH = 4;

    private KrpcCodec() {
    }

    /**
     * Whether a datagram looks like KRPC, to demultiplex a shared UDP port without decoding: a
     * bencoded dictionary starts with 'd', which no uTP packet (BEP 29: version 1 in the low nibble,
     * type 0-4 in the high one) does.
     */
    static boolean looksLikeKrpc(byte[] data, int offset, int length) {
        return length >= 2 && length <= MAX_DATAGRAM && data[offset] == 'd' && data[offset + length - 1] == 'e';
    }

    static Krpc decode(byte[] data, int offset, int length) throws KrpcException {
        if (!looksLikeKrpc(data, offset, length)) {
            throw new KrpcException("not a KRPC datagram (" + length + " bytes)");
        }
        BValue v;
        try {
            v = Bencode.decode(data, offset, length, MAX_DEPTH);
        } catch (BencodeException e) {
            throw new KrpcException("invalid bencoding: " + e.getMessage());
        }
        if (!(v instanceof BDictionary d)) {
            throw new KrpcException("not a dictionary");
        }
        byte[] tid = string(d, "t", 1, MAX_TID, "transaction id");
        byte[] y = string(d, "y", 1, 1, "message type");
        return switch (y[0]) {
            case 'q' -> query(d, tid);
            case 'r' -> response(d, tid);
            case 'e' -> error(d, tid);
            default -> throw new KrpcException("unknown message type " + (y[0] & 0xff));
        };
    }

    private static Krpc.Query query(BDictionary d, byte[] tid) throws KrpcException {
        try {
            String method = new String(string(d, "q", 1, 32, "method"), StandardCharsets.ISO_8859_1);
            if (!(d.get("a") instanceof BDictionary a)) {
                throw new KrpcException("query without an argument dictionary");
            }
            NodeId sender = NodeId.of(string(a, "id", NodeId.LENGTH, NodeId.LENGTH, "id"));
            boolean ro = d.get("ro") instanceof BInteger i && i.value() == 1;
            return switch (method) {
                case "ping" -> new Krpc.Ping(tid, sender, ro);
                case "find_node" -> new Krpc.FindNode(tid, sender, ro,
                        NodeId.of(string(a, "target", NodeId.LENGTH, NodeId.LENGTH, "target")), want(a));
                case "get_peers" -> new Krpc.GetPeers(tid, sender, ro,
                        InfoHash.of(string(a, "info_hash", 20, 20, "info_hash")), want(a));
                case "announce_peer" -> announce(a, tid, sender, ro);
                default -> throw new UnknownMethod(method, tid);
            };
        } catch (UnknownMethod e) {
            throw e;
        } catch (KrpcException e) {
            throw new KrpcException(e.getMessage(), tid);
        }
    }

    /** A query of a method we do not know: BEP 5 answers with error 204, not a protocol error. */
    static final class UnknownMethod extends KrpcException {
        UnknownMethod(String method, byte[] tid) {
            super("unknown method " + method.substring(0, Math.min(32, method.length())), tid);
        }
    }

    private static Krpc.AnnouncePeer announce(BDictionary a, byte[] tid, NodeId sender, boolean ro)
            throws KrpcException {
        InfoHash ih = InfoHash.of(string(a, "info_hash", 20, 20, "info_hash"));
        boolean implied = a.get("implied_port") instanceof BInteger i && i.value() == 1;
        int port = 0;
        if (a.get("port") instanceof BInteger p && p.value() >= 1 && p.value() <= 65_535) {
            port = (int) p.value();
        } else if (!implied) {
            throw new KrpcException("announce_peer without a port in 1..65535 nor implied_port");
        }
        byte[] token = string(a, "token", 1, MAX_TOKEN, "token");
        return new Krpc.AnnouncePeer(tid, sender, ro, ih, port, implied, token);
    }

    private static Set<AddressFamily> want(BDictionary a) {
        Set<AddressFamily> want = EnumSet.noneOf(AddressFamily.class);
        if (a.get("want") instanceof BList list) {
            // BEP 32: other strings may appear and are ignored.
            for (BValue w : list.values()) {
                if (w instanceof BString s && s.length() == 2) {
                    String t = s.text();
                    if (t.equals("n4")) {
                        want.add(AddressFamily.IPV4);
                    } else if (t.equals("n6")) {
                        want.add(AddressFamily.IPV6);
                    }
                }
            }
        }
        return want;
    }

    private static Krpc.Response response(BDictionary d, byte[] tid) throws KrpcException {
        if (!(d.get("r") instanceof BDictionary r)) {
            throw new KrpcException("response without a return dictionary");
        }
        NodeId sender = NodeId.of(string(r, "id", NodeId.LENGTH, NodeId.LENGTH, "id"));
        List<NodeContact> nodes = nodes(r, "nodes", AddressFamily.IPV4);
        List<NodeContact> nodes6 = nodes(r, "nodes6", AddressFamily.IPV6);
        List<InetSocketAddress> values = List.of();
        BValue vs = r.get("values");
        if (vs != null) {
            if (!(vs instanceof BList list) || list.size() > MAX_VALUES) {
                throw new KrpcException("values is not a list of at most " + MAX_VALUES + " peers");
            }
            List<InetSocketAddress> out = new ArrayList<>(list.size());
            for (BValue p : list.values()) {
                // BEP 32: a list may mix 6- and 18-byte peers; anything else is skipped.
                if (p instanceof BString s) {
                    byte[] b = s.bytes();
                    InetSocketAddress a = Compact.peer(b, 0, b.length);
                    if (a != null && Addresses.contactable(a.getAddress())) {
                        out.add(a);
                    }
                }
            }
            values = List.copyOf(out);
        }
        byte[] token = r.containsKey("token") ? string(r, "token", 1, MAX_TOKEN, "token") : null;
        return new Krpc.Response(tid, sender, nodes, nodes6, values, token, ip(d));
    }

    private static List<NodeContact> nodes(BDictionary r, String key, AddressFamily family) throws KrpcException {
        BValue v = r.get(key);
        if (v == null) {
            return List.of();
        }
        if (!(v instanceof BString s)) {
            throw new KrpcException(key + " is a " + v.kind() + ", not a string");
        }
        List<NodeContact> nodes = Compact.nodes(s.bytes(), family, MAX_NODES);
        if (nodes == null) {
            throw new KrpcException(key + " of " + s.length() + " bytes is not at most " + MAX_NODES
                    + " entries of " + family.nodeLength());
        }
        return List.copyOf(nodes);
    }

    private static Krpc.Error error(BDictionary d, byte[] tid) throws KrpcException {
        if (!(d.get("e") instanceof BList e) || e.size() < 2 || !(e.get(0) instanceof BInteger code)
                || !(e.get(1) instanceof BString msg)) {
            throw new KrpcException("error is not a list of a code and a message");
        }
        String text = msg.text();
        if (text.length() > MAX_ERROR_MESSAGE) {
            text = text.substring(0, MAX_ERROR_MESSAGE);
        }
        int c = code.value() >= 0 && code.value() <= 999 ? (int) code.value() : Krpc.Error.GENERIC;
        return new Krpc.Error(tid, c, text, ip(d));
    }

    /** BEP 42's top-level {@code ip}; a malformed one is ignored rather than failing the message. */
    private static InetSocketAddress ip(BDictionary d) {
        if (d.get("ip") instanceof BString s && (s.length() == 6 || s.length() == 18)) {
            byte[] b = s.bytes();
            return Compact.peer(b, 0, b.length);
        }
        return null;
    }

    private static byte[] string(BDictionary d, String key, int min, int max, String what) throws KrpcException {
        BValue v = d.get(key);
        if (!(v instanceof BString s)) {
            throw new KrpcException(v == null ? "no " + what : what + " is a " + v.kind() + ", not a string");
        }
        if (s.length() < min || s.length() > max) {
            throw new KrpcException(what + " of " + s.length() + " bytes, not "
                    + (min == max ? Integer.toString(min) : min + ".." + max));
        }
        return s.bytes();
    }

    // Encoding: written directly, keys in the raw-byte order BEP 3 requires (listed per message), as
    // the node encodes every datagram it sends.

    static byte[] encode(Krpc message) {
        Out o = new Out();
        o.raw('d');
        switch (message) {
            case Krpc.Query q -> {
                // a, q, ro, t, y; inside a: id, implied_port, info_hash, port, target, token, want
                o.key("a").raw('d').key("id").string(q.sender().raw());
                switch (q) {
                    case Krpc.Ping p -> {
                    }
                    case Krpc.FindNode f -> {
                        o.key("target").string(f.target().raw());
                        want(o, f.want());
                    }
                    case Krpc.GetPeers g -> {
                        o.key("info_hash").string(g.infoHash().bytes());
                        want(o, g.want());
                    }
                    case Krpc.AnnouncePeer ap -> {
                        if (ap.impliedPort()) {
                            o.key("implied_port").integer(1);
                        }
                        o.key("info_hash").string(ap.infoHash().bytes()).key("port").integer(ap.port())
                                .key("token").string(ap.token());
                    }
                }
                o.raw('e').key("q").string(q.method().getBytes(StandardCharsets.US_ASCII));
                if (q.readOnly()) {
                    o.key("ro").integer(1);
                }
                o.key("t").string(q.tid()).key("y").string(Y_Q);
            }
            case Krpc.Response r -> {
                // ip, r, t, y; inside r: id, nodes, nodes6, token, values
                if (r.ip() != null) {
                    o.key("ip").string(Compact.peer(r.ip()));
                }
                o.key("r").raw('d').key("id").string(r.sender().raw());
                if (!r.nodes().isEmpty()) {
                    o.key("nodes").string(Compact.nodes(r.nodes(), AddressFamily.IPV4));
                }
                if (!r.nodes6().isEmpty()) {
                    o.key("nodes6").string(Compact.nodes(r.nodes6(), AddressFamily.IPV6));
                }
                if (r.token() != null) {
                    o.key("token").string(r.token());
                }
                if (!r.values().isEmpty()) {
                    o.key("values").raw('l');
                    for (InetSocketAddress p : r.values()) {
                        o.string(Compact.peer(p));
                    }
                    o.raw('e');
                }
                o.raw('e').key("t").string(r.tid()).key("y").string(Y_R);
            }
            case Krpc.Error e -> {
                // e, ip, t, y
                o.key("e").raw('l').integer(e.code()).string(e.message().getBytes(StandardCharsets.UTF_8)).raw('e');
                if (e.ip() != null) {
                    o.key("ip").string(Compact.peer(e.ip()));
                }
                o.key("t").string(e.tid()).key("y").string(Y_E);
            }
        }
        return o.raw('e').toByteArray();
    }

    private static final byte[] Y_Q = {'q'};
    private static final byte[] Y_R = {'r'};
    private static final byte[] Y_E = {'e'};

    private static void want(Out o, Set<AddressFamily> want) {
        if (!want.isEmpty()) {
            o.key("want").raw('l');
            if (want.contains(AddressFamily.IPV4)) {
                o.string(new byte[] {'n', '4'});
            }
            if (want.contains(AddressFamily.IPV6)) {
                o.string(new byte[] {'n', '6'});
            }
            o.raw('e');
        }
    }

    /** A growing byte buffer with bencode's primitives. */
    private static final class Out {
        private byte[] buf = new byte[256];
        private int len;

        Out raw(int b) {
            ensure(1);
            buf[len++] = (byte) b;
            return this;
        }

        Out ascii(String s) {
            ensure(s.length());
            for (int i = 0; i < s.length(); i++) {
                buf[len++] = (byte) s.charAt(i);
            }
            return this;
        }

        Out key(String k) {
            return ascii(Integer.toString(k.length())).raw(':').ascii(k);
        }

        Out string(byte[] b) {
            ascii(Integer.toString(b.length)).raw(':');
            ensure(b.length);
            System.arraycopy(b, 0, buf, len, b.length);
            len += b.length;
            return this;
        }

        Out integer(long v) {
            return raw('i').ascii(Long.toString(v)).raw('e');
        }

        private void ensure(int n) {
            if (len + n > buf.length) {
                buf = java.util.Arrays.copyOf(buf, Math.max(buf.length * 2, len + n));
            }
        }

        byte[] toByteArray() {
            return java.util.Arrays.copyOf(buf, len);
        }
    }
}
