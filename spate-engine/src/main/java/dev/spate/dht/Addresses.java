package dev.spate.dht;

import java.net.InetAddress;

/** Which addresses a node may have (stateless). */
final class Addresses {
    private Addresses() {
    }

    /**
     * Whether a node at {@code ip} can be sent to: not the unspecified address and not multicast or
     * broadcast, which a hostile node would list to make us send to many hosts at once.
     */
    static boolean contactable(InetAddress ip) {
        if (ip.isAnyLocalAddress() || ip.isMulticastAddress()) {
            return false;
        }
        byte[] b = ip.getAddress();
        return !(b.length == 4 && (b[0] & 0xff) == 255 && (b[1] & 0xff) == 255 && (b[2] & 0xff) == 255
                && (b[3] & 0xff) == 255);
    }

    /**
     * BEP 42's exemption: the private, link-local and loopback IPv4 blocks, whose nodes need not have
     * an id derived from their address. For IPv6, loopback, link-local and unique-local (fc00::/7),
     * the same idea for the other family.
     */
    static boolean local(InetAddress ip) {
        byte[] b = ip.getAddress();
        if (b.length == 4) {
            int a0 = b[0] & 0xff;
            int a1 = b[1] & 0xff;
            return a0 == 10 || a0 == 127 || (a0 == 172 && (a1 & 0xf0) == 16) || (a0 == 192 && a1 == 168)
                    || (a0 == 169 && a1 == 254);
        }
        return ip.isLoopbackAddress() || ip.isLinkLocalAddress() || (b[0] & 0xfe) == 0xfc;
    }
}
