package dev.spate.it;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A Linux network namespace made for one test ({@code ip netns add spate-it-<random>}), with {@code lo} up
 * and the addresses 198.18.0.1 .. 198.18.0.N /24 on it (198.18.0.0/15 is the benchmarking range: never
 * routed, and - unlike 127.0.0.0/8 - accepted by Transmission as a peer address). The namespace has no
 * other interface, so nothing run inside can reach any other network. Needs root.
 *
 * <p>{@link #close()} kills every process still inside and deletes the namespace; a shutdown hook does the
 * same for namespaces a crashed test left.
 */
public final class NetNamespace implements AutoCloseable {

    public static final String SUBNET_PREFIX = "198.18.0.";
    /** Host i also has {@code fd00::i} (a unique-local IPv6 address, RFC 4193). */
    public static final String SUBNET6_PREFIX = "fd00::";
    private static final Duration CMD_TIMEOUT = Duration.ofSeconds(10);
    private static final Set<NetNamespace> LIVE = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> List.copyOf(LIVE).forEach(NetNamespace::close),
                "spate-it-netns-reaper"));
    }

    private final String name;
    private final int hosts;

    private NetNamespace(String name, int hosts) {
        this.name = name;
        this.hosts = hosts;
    }

    /** Creates a namespace with addresses 198.18.0.1 .. 198.18.0.{hosts} and fd00::1 .. on its loopback. */
    public static NetNamespace create(int hosts) {
        if (hosts < 1 || hosts > 250) {
            throw new IllegalArgumentException("hosts: " + hosts);
        }
        byte[] random = new byte[4];
        ThreadLocalRandom.current().nextBytes(random);
        String name = "spate-it-" + HexFormat.of().formatHex(random);
        ExternalProcess.runChecked(CMD_TIMEOUT, List.of("ip", "netns", "add", name));
        NetNamespace ns = new NetNamespace(name, hosts);
        LIVE.add(ns);
        try {
            ns.runChecked(List.of("ip", "link", "set", "lo", "up"));
            for (int i = 1; i <= hosts; i++) {
                ns.runChecked(List.of("ip", "addr", "add", SUBNET_PREFIX + i + "/24", "dev", "lo"));
                ns.runChecked(List.of("ip", "-6", "addr", "add", SUBNET6_PREFIX + Integer.toHexString(i) + "/128", "dev",
                        "lo", "nodad"));
            }
        } catch (RuntimeException | AssertionError e) {
            ns.close();
            throw e;
        }
        return ns;
    }

    /** Whether {@code ip netns} works here (root, iproute2); for assumptions. */
    public static boolean isSupported() {
        try {
            return ExternalProcess.run(CMD_TIMEOUT, List.of("ip", "netns", "list")).exitCode() == 0
                    && ProcessHandle.current().info().user().map("root"::equals).orElse(false);
        } catch (RuntimeException e) {
            return false;
        }
    }

    public String name() {
        return name;
    }

    /** The i-th IPv6 address, 1-based: {@code address6(1)} is "fd00::1". */
    public String address6(int i) {
        address(i);
        return SUBNET6_PREFIX + Integer.toHexString(i);
    }

    /** Host i's IPv4 address. */
    public String address(int i) {
        if (i < 1 || i > hosts) {
            throw new IllegalArgumentException("this namespace has addresses 1.." + hosts + ", not " + i);
        }
        return SUBNET_PREFIX + i;
    }

    /** {@code cmd} prefixed with {@code ip netns exec NAME}, to run it inside this namespace. */
    public List<String> exec(List<String> cmd) {
        List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", name));
        full.addAll(cmd);
        return full;
    }

    /** Runs {@code cmd} inside the namespace to completion (10 s at most). */
    public ExternalProcess.Result run(List<String> cmd) {
        return ExternalProcess.run(CMD_TIMEOUT, exec(cmd));
    }

    public ExternalProcess.Result runChecked(List<String> cmd) {
        return ExternalProcess.runChecked(CMD_TIMEOUT, exec(cmd));
    }

    /** Whether a TCP connect to {@code host:port} succeeds from inside the namespace. */
    public boolean canConnect(String host, int port) {
        return run(List.of("bash", "-c", "exec 3<>/dev/tcp/" + host + "/" + port)).exitCode() == 0;
    }

    /** Waits until something inside the namespace accepts TCP connections on {@code host:port}. */
    public void waitForPort(String host, int port, Duration timeout, ExternalProcess owner) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!canConnect(host, port)) {
            if (owner != null && !owner.isAlive()) {
                throw owner.failure("exited before listening on " + host + ":" + port + " in " + name);
            }
            if (System.nanoTime() > deadline) {
                throw owner != null ? owner.failure("did not listen on " + host + ":" + port + " within " + timeout)
                        : new AssertionError("nothing listens on " + host + ":" + port + " in " + name);
            }
            ExternalProcess.sleep(200);
        }
    }

    /** Kills whatever still runs inside, then deletes the namespace. Idempotent. */
    @Override
    public void close() {
        if (!LIVE.remove(this)) {
            return;
        }
        // Cleanup must work on a thread a @Timeout has just interrupted: clear the flag, restore it after.
        boolean interrupted = Thread.interrupted();
        try {
            killAllAndDelete();
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void killAllAndDelete() {
        ExternalProcess.Result pids = ExternalProcess.run(CMD_TIMEOUT, List.of("ip", "netns", "pids", name));
        if (pids.exitCode() == 0) {
            pids.output().lines().map(String::strip).filter(s -> s.matches("\\d+"))
                    .map(Long::parseLong)
                    .forEach(pid -> ProcessHandle.of(pid).ifPresent(ExternalProcess::destroyTree));
        }
        ExternalProcess.Result del = ExternalProcess.run(CMD_TIMEOUT, List.of("ip", "netns", "delete", name));
        if (del.exitCode() != 0) {
            System.err.println("spate-it: could not delete network namespace " + name + ": " + del.output());
        }
    }

    @Override
    public String toString() {
        return "netns " + name;
    }
}
