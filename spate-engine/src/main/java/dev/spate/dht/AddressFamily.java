package dev.spate.dht;

import java.net.Inet4Address;
import java.net.InetAddress;

/**
 * The two DHTs (BEP 32): IPv4 and IPv6 are separate networks with separate routing tables, and
 * their compact forms differ in length.
 */
public enum AddressFamily {
    /** The IPv4 DHT: "nodes", 6-byte peers. */
    IPV4(4),
    /** The IPv6 DHT: "nodes6", 18-byte peers. */
    IPV6(16);

    private final int addressLength;

    AddressFamily(int addressLength) {
        this.addressLength = addressLength;
    }

    /** Bytes of an address of this family. */
    public int addressLength() {
        return addressLength;
    }

    /** Bytes of compact peer info: address and port (BEP 5, BEP 32). */
    int peerLength() {
        return addressLength + 2;
    }

    /** Bytes of compact node info: id, address and port. */
    int nodeLength() {
        return NodeId.LENGTH + addressLength + 2;
    }

    /** The family of {@code address}; an IPv4-mapped IPv6 address arrives from Java as IPv4. */
    public static AddressFamily of(InetAddress address) {
        return address instanceof Inet4Address ? IPV4 : IPV6;
    }
}
