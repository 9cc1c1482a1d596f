package dev.spate.wire;

import dev.spate.bencode.BDictionary;
import dev.spate.bencode.BString;
import dev.spate.bencode.BValue;
import dev.spate.bencode.Bencode;
import dev.spate.bencode.BencodeException;

import java.io.ByteArrayOutputStream;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * A BEP 11 {@code ut_pex} message: the peers the sender connected to ({@code added},
 * {@code added6}, each with a flags byte in {@code added.f}, {@code added6.f}) and disconnected
 * from ({@code dropped}, {@code dropped6}) since its last one, as BEP 23 compact peers: 4 address
 * bytes and a 2-byte port for IPv4, 16 and 2 for IPv6, big-endian.
 *
 * <p>{@link #decode} is strict, each rule a {@link WireException} naming it: one bencoded
 * dictionary holding at least one of the four lists (BEP 11), each a string whose length is a
 * multiple of 6 or 18, flags (when present) one byte per added peer, no port 0, no peer twice and
 * none both added and dropped (BEP 11), at most {@value #MAX_PEERS} added and as many dropped
 * peers (BEP 11 asks for at most 50 after the first message; libtorrent sends up to 100). A peer
 * that breaks them may be ignored or dropped; that, and the one-message-a-minute rule, are the
 * caller's. An IPv4-mapped address in {@code added6} is read as the IPv4 address it is.
 *
 * @param added the peers connected since the last message, in order, the IPv4 ones first
 * @param dropped the peers disconnected since, in order, the IPv4 ones first
 */
public record PexMessage(List<Peer> added, List<InetSocketAddress> dropped) {
    /** Flag 0x01: the peer prefers encryption (the {@code e} of its extended handshake). */
    public static final int PREFERS_ENCRYPTION = 0x01;
    /** Flag 0x02: the peer is a seed, or upload-only. */
    public static final int SEED = 0x02;
    /** Flag 0x04: the peer supports uTP. */
    public static final int UTP = 0x04;
    /** Flag 0x08: the peer announced {@code ut_holepunch}. */
    public static final int HOLEPUNCH = 0x08;
    /** Flag 0x10: the sender connected out to the peer, so the peer is reachable. */
    public static final int REACHABLE = 0x10;
    /** The most peers {@link #decode} accepts as added, and as dropped, in one message. */
    public static final int MAX_PEERS = 200;

    public PexMessage {
        // IPv4 first, as the wire has them in two lists, so that a decoded message equals the one encoded.
        added = added.stream().sorted(Comparator.comparing(p -> !(p.address().getAddress() instanceof Inet4Address)))
                .toList();
        dropped = dropped.stream().sorted(Comparator.comparing(a -> !(a.getAddress() instanceof Inet4Address)))
                .toList();
        dropped.forEach(PexMessage::checkAddress);
        // What decode refuses, the record refuses too, so that what we send is what we accept.
        Set<InetSocketAddress> addresses = new HashSet<>();
        for (Peer p : added) {
            if (!addresses.add(p.address())) {
                throw new IllegalArgumentException("peer " + show(p.address()) + " added twice");
            }
        }
        Set<InetSocketAddress> droppedOnce = new HashSet<>();
        for (InetSocketAddress a : dropped) {
            if (addresses.contains(a) || !droppedOnce.add(a)) {
                throw new IllegalArgumentException("peer " + show(a) + " dropped twice or both added and dropped");
            }
        }
    }

    /**
     * A peer connected to the sender.
     *
     * @param address its IP address (resolved, no host name) and listen port
     * @param flags BEP 11's flag bits, {@link #SEED} and the rest, in [0, 255]
     */
    public record Peer(InetSocketAddress address, int flags) {
        public Peer {
            checkAddress(address);
            if (flags < 0 || flags > 0xff) {
                throw new IllegalArgumentException("flags " + flags + " outside [0, 255]");
            }
        }

        /** A peer without flags. */
        public static Peer of(InetSocketAddress address) {
            return new Peer(address, 0);
        }

        /** Whether {@code flag} (one of the flag constants) is set. */
        public boolean has(int flag) {
            return (flags & flag) != 0;
        }

        /** Whether the peer is a seed ({@link #SEED}). */
        public boolean seed() {
            return has(SEED);
        }

        /** Whether the peer is reachable ({@link #REACHABLE}). */
        public boolean reachable() {
            return has(REACHABLE);
        }
    }

    /** The payload: all six keys, as libtorrent writes them, empty strings for empty lists. */
    public byte[] encode() {
        ByteArrayOutputStream added4 = new ByteArrayOutputStream();
        ByteArrayOutputStream flags4 = new ByteArrayOutputStream();
        ByteArrayOutputStream added6 = new ByteArrayOutputStream();
        ByteArrayOutputStream flags6 = new ByteArrayOutputStream();
        for (Peer p : added) {
            boolean v4 = p.address().getAddress() instanceof Inet4Address;
            compact(p.address(), v4 ? added4 : added6);
            (v4 ? flags4 : flags6).write(p.flags());
        }
        ByteArrayOutputStream dropped4 = new ByteArrayOutputStream();
        ByteArrayOutputStream dropped6 = new ByteArrayOutputStream();
        for (InetSocketAddress a : dropped) {
            compact(a, a.getAddress() instanceof Inet4Address ? dropped4 : dropped6);
        }
        return Bencode.encode(BDictionary.builder()
                .put("added", added4.toByteArray()).put("added.f", flags4.toByteArray())
                .put("added6", added6.toByteArray()).put("added6.f", flags6.toByteArray())
                .put("dropped", dropped4.toByteArray()).put("dropped6", dropped6.toByteArray())
                .build());
    }

    /**
     * This message as the extended message to send.
     *
     * @param extendedId the id the receiving peer gave {@code ut_pex} in its handshake (BEP 10)
     */
    public Message.Extended toMessage(int extendedId) {
        if (extendedId < 1) {
            throw new IllegalArgumentException("extended id " + extendedId + " is not an extension's (0 is the handshake)");
        }
        return new Message.Extended(extendedId, encode());
    }

    /** Decodes a payload, at most {@value #MAX_PEERS} peers added and as many dropped. */
    public static PexMessage decode(byte[] payload) throws WireException {
        return decode(payload, MAX_PEERS);
    }

    /**
     * Decodes the payload of a {@code ut_pex} extended message.
     *
     * @param maxPeers the most peers accepted as added, and as dropped
     */
    public static PexMessage decode(byte[] payload, int maxPeers) throws WireException {
        BValue value;
        try {
            value = Bencode.decode(payload, 0, payload.length, 4);
        } catch (BencodeException e) {
            throw new WireException("ut_pex message is not bencoded: " + e.getMessage());
        }
        if (!(value instanceof BDictionary dict)) {
            throw new WireException("ut_pex message is a " + value.kind() + ", expected a dictionary");
        }
        if (!dict.containsKey("added") && !dict.containsKey("added6") && !dict.containsKey("dropped")
                && !dict.containsKey("dropped6")) {
            throw new WireException("ut_pex message has none of added, added6, dropped and dropped6 (BEP 11)");
        }
        byte[] a4 = peers(dict, "added", 6);
        byte[] a6 = peers(dict, "added6", 18);
        byte[] d4 = peers(dict, "dropped", 6);
        byte[] d6 = peers(dict, "dropped6", 18);
        int addedCount = a4.length / 6 + a6.length / 18;
        int droppedCount = d4.length / 6 + d6.length / 18;
        if (addedCount > maxPeers) {
            throw new WireException("ut_pex message adds " + addedCount + " peers, more than " + maxPeers);
        }
        if (droppedCount > maxPeers) {
            throw new WireException("ut_pex message drops " + droppedCount + " peers, more than " + maxPeers);
        }
        byte[] f4 = flags(dict, "added.f", a4.length / 6);
        byte[] f6 = flags(dict, "added6.f", a6.length / 18);
        List<Peer> added = new ArrayList<>(addedCount);
        Set<InetSocketAddress> seen = new HashSet<>();
        for (int i = 0; i < a4.length / 6; i++) {
            added.add(new Peer(address(a4, i, 4, "added", seen), f4 == null ? 0 : f4[i] & 0xff));
        }
        for (int i = 0; i < a6.length / 18; i++) {
            added.add(new Peer(address(a6, i, 16, "added6", seen), f6 == null ? 0 : f6[i] & 0xff));
        }
        Set<InetSocketAddress> addedSet = seen;
        Set<InetSocketAddress> droppedSeen = new HashSet<>();
        List<InetSocketAddress> dropped = new ArrayList<>(droppedCount);
        for (int i = 0; i < d4.length / 6; i++) {
            dropped.add(dropped(address(d4, i, 4, "dropped", droppedSeen), addedSet));
        }
        for (int i = 0; i < d6.length / 18; i++) {
            dropped.add(dropped(address(d6, i, 16, "dropped6", droppedSeen), addedSet));
        }
        return new PexMessage(added, dropped);
    }

    private static InetSocketAddress dropped(InetSocketAddress a, Set<InetSocketAddress> added) throws WireException {
        if (added.contains(a)) {
            throw new WireException("ut_pex message both adds and drops " + show(a) + " (BEP 11)");
        }
        return a;
    }

    private static byte[] peers(BDictionary dict, String key, int size) throws WireException {
        BValue v = dict.get(key);
        if (v == null) {
            return new byte[0];
        }
        if (!(v instanceof BString s)) {
            throw new WireException("ut_pex " + key + " is a " + v.kind() + ", expected a string");
        }
        if (s.length() % size != 0) {
            throw new WireException("ut_pex " + key + " of " + s.length() + " bytes is not a multiple of " + size
                    + " (BEP 23 compact peers)");
        }
        return s.bytes();
    }

    private static byte[] flags(BDictionary dict, String key, int count) throws WireException {
        BValue v = dict.get(key);
        if (v == null) {
            return null;
        }
        if (!(v instanceof BString s)) {
            throw new WireException("ut_pex " + key + " is a " + v.kind() + ", expected a string");
        }
        if (s.length() != count) {
            throw new WireException("ut_pex " + key + " has " + s.length() + " bytes for " + count + " peers");
        }
        return s.bytes();
    }

    private static InetSocketAddress address(byte[] compact, int index, int addressLength, String key,
            Set<InetSocketAddress> seen) throws WireException {
        int at = index * (addressLength + 2);
        byte[] ip = Arrays.copyOfRange(compact, at, at + addressLength);
        int port = (compact[at + addressLength] & 0xff) << 8 | compact[at + addressLength + 1] & 0xff;
        InetAddress address;
        try {
            address = InetAddress.getByAddress(ip);
        } catch (UnknownHostException e) {
            throw new AssertionError("4 or 16 bytes are an address", e);
        }
        InetSocketAddress a = new InetSocketAddress(address, port);
        if (port == 0) {
            throw new WireException("ut_pex " + key + " peer " + index + " (" + dev.spate.core.PeerAddress.host(address) + ") has port 0");
        }
        if (!seen.add(a)) {
            throw new WireException("ut_pex " + key + " lists " + show(a) + " twice (BEP 11)");
        }
        return a;
    }

    private static void compact(InetSocketAddress a, ByteArrayOutputStream out) {
        out.writeBytes(a.getAddress().getAddress());
        out.write(a.getPort() >>> 8);
        out.write(a.getPort() & 0xff);
    }

    private static void checkAddress(InetSocketAddress a) {
        Objects.requireNonNull(a, "address");
        if (a.isUnresolved()) {
            throw new IllegalArgumentException("PEX carries IP addresses, not the host name " + a.getHostString());
        }
        if (a.getPort() == 0) {
            throw new IllegalArgumentException("port 0 of " + show(a));
        }
    }

    private static String show(InetSocketAddress a) {
        return dev.spate.core.PeerAddress.format(a);
    }
}
