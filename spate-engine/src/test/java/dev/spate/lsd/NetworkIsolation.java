package dev.spate.lsd;

import java.io.IOException;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The guard every test process passes before it joins or sends multicast: its network namespace must
 * be one a test made ({@code ip netns add spate-it-...}, see {@code dev.spate.it.NetNamespace}), and
 * every interface it can see must be a loopback or the test's own veth pair ({@code lsd*}), so that no
 * announce can reach a real network.
 *
 * <p>The namespace is recognized as {@code ip netns identify} does: {@code /proc/self/ns/net} and the
 * namespace's file under {@code /run/netns} are the same inode. (Comparing with PID 1's namespace
 * needs ptrace rights over PID 1, which a container may not grant even to root.)
 */
final class NetworkIsolation {
    /** Interfaces a test namespace may hold besides loopback: the veth pair LsdIT makes. */
    static final String TEST_INTERFACE_PREFIX = "lsd";
    static final Path NAMED_NAMESPACES = Path.of("/run/netns");
    static final String TEST_NAMESPACE_PREFIX = "spate-it-";

    private NetworkIsolation() {
    }

    /** Throws {@link IllegalStateException} naming what is not isolated. */
    static void require() {
        String self = identity(Path.of("/proc/self/ns/net"));
        String name = testNamespaceNamed(self);
        if (name == null) {
            throw new IllegalStateException("LSD tests send multicast only inside a network namespace of their own"
                    + " (" + NAMED_NAMESPACES + "/" + TEST_NAMESPACE_PREFIX + "*); this process is in none of them");
        }
        for (NetworkInterface ni : interfaces()) {
            boolean loopback;
            try {
                loopback = ni.isLoopback();
            } catch (SocketException e) {
                throw new IllegalStateException("cannot tell whether " + ni.getName() + " is a loopback", e);
            }
            if (!loopback && !ni.getName().startsWith(TEST_INTERFACE_PREFIX)) {
                throw new IllegalStateException("LSD tests run only where every interface is a loopback or the test's own "
                        + TEST_INTERFACE_PREFIX + "* veth pair; namespace " + name + " has " + ni.getName());
            }
        }
    }

    /** The name of the test namespace whose identity is {@code self}, or null. */
    private static String testNamespaceNamed(String self) {
        if (!Files.isDirectory(NAMED_NAMESPACES)) {
            return null;
        }
        try (DirectoryStream<Path> all = Files.newDirectoryStream(NAMED_NAMESPACES, TEST_NAMESPACE_PREFIX + "*")) {
            for (Path ns : all) {
                if (identity(ns).equals(self)) {
                    return ns.getFileName().toString();
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot list " + NAMED_NAMESPACES + ": " + e, e);
        }
        return null;
    }

    private static List<NetworkInterface> interfaces() {
        try {
            return NetworkInterface.networkInterfaces().toList();
        } catch (SocketException e) {
            throw new IllegalStateException("cannot list the network interfaces", e);
        }
    }

    /** Device and inode of a namespace file, following the {@code /proc} link. */
    private static String identity(Path nsFile) {
        try {
            return Files.getAttribute(nsFile, "unix:dev") + ":" + Files.getAttribute(nsFile, "unix:ino");
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            throw new IllegalStateException("cannot stat " + nsFile + " to check the network namespace: " + e, e);
        }
    }
}
