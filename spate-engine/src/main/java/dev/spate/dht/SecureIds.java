package dev.spate.dht;

import java.net.InetAddress;
import java.util.random.RandomGenerator;
import java.util.zip.CRC32C;

/**
 * BEP 42's tie between a node's id and its external address: the first 21 bits of the id come from
 * CRC32C of the masked address with a 3-bit random {@code r}, and the last byte of the id carries
 * {@code r}. Stateless.
 */
final class SecureIds {
    private static final byte[] V4_MASK = {0x03, 0x0f, 0x3f, (byte) 0xff};
    private static final byte[] V6_MASK = {0x01, 0x03, 0x07, 0x0f, 0x1f, 0x3f, 0x7f, (byte) 0xff};

    private SecureIds() {
    }

    /** The CRC32C of {@code ip} masked (the high 64 bits of an IPv6 address) with {@code r} in its top bits. */
    static int crc(InetAddress ip, int r) {
        byte[] a = ip.getAddress();
        byte[] mask = a.length == 4 ? V4_MASK : V6_MASK;
        byte[] masked = new byte[mask.length];
        for (int i = 0; i < mask.length; i++) {
            masked[i] = (byte) (a[i] & mask[i]);
        }
        masked[0] |= (byte) ((r & 7) << 5);
        CRC32C crc = new CRC32C();
        crc.update(masked);
        return (int) crc.getValue();
    }

    /** A random id valid for {@code ip} under BEP 42. */
    static NodeId generate(InetAddress ip, RandomGenerator random) {
        byte[] id = new byte[NodeId.LENGTH];
        random.nextBytes(id);
        int r = id[19] & 7;
        int c = crc(ip, r);
        id[0] = (byte) (c >>> 24);
        id[1] = (byte) (c >>> 16);
        id[2] = (byte) ((c >>> 8) & 0xf8 | (id[2] & 0x07));
        return NodeId.of(id);
    }

    /** Whether {@code id} is one BEP 42 allows at {@code ip}. */
    static boolean matches(NodeId id, InetAddress ip) {
        byte[] b = id.raw();
        int c = crc(ip, b[19] & 7);
        return (b[0] & 0xff) == (c >>> 24 & 0xff) && (b[1] & 0xff) == (c >>> 16 & 0xff)
                && (b[2] & 0xf8) == (c >>> 8 & 0xf8);
    }

    /** Whether a node at {@code ip} counts as verified: its id matches, or its address is exempt. */
    static boolean verified(NodeId id, InetAddress ip) {
        return Addresses.local(ip) || matches(id, ip);
    }
}
