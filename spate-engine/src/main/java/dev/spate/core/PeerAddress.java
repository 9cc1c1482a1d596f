package dev.spate.core;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.Arrays;

/**
 * The two rules every peer address follows (stateless): one peer has one address, and people see
 * it in one form.
 *
 * <p>An IPv4 host can reach us as an IPv4-mapped IPv6 address ({@code ::ffff:a.b.c.d}): through a
 * dual-stack socket, in a tracker's {@code peers6} (BEP 7), a PEX {@code added6} (BEP 11) or a
 * DHT {@code values} entry (BEP 32). Kept as it came, the same host would be two candidates, dialled
 * twice, and escape the duplicate and ban checks that compare addresses. {@link #canonical} makes
 * it the plain IPv4 address wherever a peer enters.
 */
public final class PeerAddress {
    private static final byte[] MAPPED_PREFIX = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xff, (byte) 0xff};

    private PeerAddress() {
    }

    /**
     * {@code address} with an IPv4-mapped IPv6 address turned into the IPv4 address it maps; any
     * other address, and an unresolved one, as it is. The JDK already does this for addresses it
     * parses or accepts, but not for an {@link Inet6Address} made from bytes with a scope, so the
     * rule is written here rather than assumed.
     */
    public static InetAddress canonical(InetAddress address) {
        if (!(address instanceof Inet6Address)) {
            return address;
        }
        byte[] b = address.getAddress();
        if (!Arrays.equals(b, 0, MAPPED_PREFIX.length, MAPPED_PREFIX, 0, MAPPED_PREFIX.length)) {
            return address;
        }
        try {
            return Inet4Address.getByAddress(Arrays.copyOfRange(b, 12, 16));
        } catch (UnknownHostException e) {
            throw new AssertionError("four bytes are an IPv4 address", e);
        }
    }

    /** {@code address} with its IP {@linkplain #canonical(InetAddress) canonical}; unresolved as it is. */
    public static InetSocketAddress canonical(InetSocketAddress address) {
        InetAddress a = address.getAddress();
        if (a == null) {
            return address;
        }
        InetAddress c = canonical(a);
        return c == a ? address : new InetSocketAddress(c, address.getPort());
    }

    /**
     * An address as people write it: {@code 192.0.2.1}, or IPv6 in the compressed form of RFC 5952
     * ({@code fd00::2}, not the JDK's {@code fd00:0:0:0:0:0:0:2}), with its {@code %scope} if any.
     */
    public static String host(InetAddress address) {
        InetAddress a = canonical(address);
        if (!(a instanceof Inet6Address v6)) {
            return a.getHostAddress();
        }
        byte[] b = v6.getAddress();
        int[] groups = new int[8];
        for (int i = 0; i < 8; i++) {
            groups[i] = (b[2 * i] & 0xff) << 8 | (b[2 * i + 1] & 0xff);
        }
        // RFC 5952 4.2: the longest run of two or more zero groups becomes "::", the first on a tie.
        int bestStart = -1;
        int bestLength = 1;
        for (int i = 0; i < 8; ) {
            if (groups[i] != 0) {
                i++;
                continue;
            }
            int j = i;
            while (j < 8 && groups[j] == 0) {
                j++;
            }
            if (j - i > bestLength) {
                bestStart = i;
                bestLength = j - i;
            }
            i = j;
        }
        StringBuilder out = new StringBuilder(39);
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                out.append("::");
                i += bestLength - 1;
                continue;
            }
            if (out.length() > 0 && out.charAt(out.length() - 1) != ':') {
                out.append(':');
            }
            out.append(Integer.toHexString(groups[i]));
        }
        if (v6.getScopedInterface() != null) {
            out.append('%').append(v6.getScopedInterface().getName());
        } else if (v6.getScopeId() != 0) {
            out.append('%').append(v6.getScopeId());
        }
        return out.toString();
    }

    /**
     * A peer's address as people write it: {@code 192.0.2.1:6881}, {@code [fd00::2]:6881}; an
     * unresolved one as {@code name:port}.
     */
    public static String format(InetSocketAddress address) {
        InetAddress a = address.getAddress();
        if (a == null) {
            return address.getHostString() + ":" + address.getPort();
        }
        String host = host(a);
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + address.getPort();
    }
}
