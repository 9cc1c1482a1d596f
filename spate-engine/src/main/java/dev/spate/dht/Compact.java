package dev.spate.dht;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Compact peer and node info (BEP 5 "Contact Encoding", BEP 32 for IPv6): big-endian address, then
 * a big-endian port, node info prefixed by the 20-byte id. Stateless.
 */
final class Compact {
    private Compact() {
    }

    /** The address and port of {@code a} as compact peer info. */
    static byte[] peer(InetSocketAddress a) {
        byte[] ip = a.getAddress().getAddress();
        byte[] out = Arrays.copyOf(ip, ip.length + 2);
        out[ip.length] = (byte) (a.getPort() >>> 8);
        out[ip.length + 1] = (byte) a.getPort();
        return out;
    }

    /** Parses compact peer info of 6 or 18 bytes; null for any other length or port 0. */
    static InetSocketAddress peer(byte[] b, int offset, int length) {
        if (length != 6 && length != 18) {
            return null;
        }
        int port = ((b[offset + length - 2] & 0xff) << 8) | (b[offset + length - 1] & 0xff);
        if (port == 0) {
            return null;
        }
        try {
            InetAddress ip = InetAddress.getByAddress(Arrays.copyOfRange(b, offset, offset + length - 2));
            // An IPv4-mapped address in an 18-byte form comes back as IPv4: it is not an IPv6 peer.
            if (AddressFamily.of(ip).peerLength() != length) {
                return null;
            }
            return new InetSocketAddress(ip, port);
        } catch (UnknownHostException e) {
            throw new AssertionError("4 or 16 bytes are always an address", e);
        }
    }

    /** Concatenated compact node info of {@code nodes}, which must all be of {@code family}. */
    static byte[] nodes(List<NodeContact> nodes, AddressFamily family) {
        int n = family.nodeLength();
        byte[] out = new byte[nodes.size() * n];
        for (int i = 0; i < nodes.size(); i++) {
            NodeContact c = nodes.get(i);
            System.arraycopy(c.id().raw(), 0, out, i * n, NodeId.LENGTH);
            byte[] p = peer(c.address());
            if (p.length != family.peerLength()) {
                throw new IllegalArgumentException("node " + c + " is not " + family);
            }
            System.arraycopy(p, 0, out, i * n + NodeId.LENGTH, p.length);
        }
        return out;
    }

    /**
     * Parses concatenated compact node info of {@code family}, skipping entries that cannot be
     * contacted (port 0, an address of the other family); null when the length is not a multiple of
     * the entry size or the entries exceed {@code max}.
     */
    static List<NodeContact> nodes(byte[] b, AddressFamily family, int max) {
        int n = family.nodeLength();
        if (b.length % n != 0 || b.length / n > max) {
            return null;
        }
        List<NodeContact> out = new ArrayList<>(b.length / n);
        for (int off = 0; off < b.length; off += n) {
            InetSocketAddress a = peer(b, off + NodeId.LENGTH, family.peerLength());
            if (a != null && Addresses.contactable(a.getAddress())) {
                out.add(new NodeContact(NodeId.of(b, off), a));
            }
        }
        return out;
    }
}
