package dev.spate.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.spate.lsd.LsdProbe;
import dev.spate.lsd.LsdService;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Local Service Discovery (BEP 14) on real sockets, always inside a network namespace the test makes,
 * so that no multicast reaches a real network. A JVM cannot move its own sockets into a namespace, so
 * each LSD service runs in a small JVM of its own started with {@code ip netns exec}
 * ({@link LsdProbe}, which refuses to run anywhere else) and reports what it hears on stdout.
 *
 * <p>IPv4 runs on the namespace's loopback with multicast switched on ({@code ip link set lo multicast
 * on}; with {@code IP_MULTICAST_IF} set no route is needed). IPv6 cannot: Linux turns IPv6 routes via
 * {@code lo} into reject routes, and multicast sent there ends as {@code Ip6OutNoRoutes} (measured), so
 * the IPv6 test uses a veth pair with both ends inside the namespace, where only
 * {@code IP_MULTICAST_LOOP} brings a host's announces back to the host: the case of two sessions on
 * one machine.
 *
 * <p>The probes announce every 2 s instead of every 5 minutes, so that a service started after another
 * hears it without waiting minutes; the schedule's own timing is unit-tested on a fake clock.
 */
class LsdIT {
    static final String HASH = "0d418ef2e2437ff3583615bc993670c9e2eb0951";
    static final String ONLY_A = "1111111111111111111111111111111111111111";
    static final String ONLY_B = "2222222222222222222222222222222222222222";
    static final Duration HEAR = Duration.ofSeconds(20);
    static final Pattern STATS = Pattern.compile("(\\w+)=(\\d+)");

    @TempDir
    Path tmp;

    @BeforeEach
    void needsNamespaces() {
        assumeTrue(NetNamespace.isSupported(), "needs root and ip netns");
    }

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void twoServicesThatKnowNothingOfEachOtherLearnEachOthersInfoHashAndPort() {
        try (NetNamespace ns = lsdNamespace(2);
             ExternalProcess a = probe(ns, "a", "lo", "4", 7001, List.of("--source4", ns.address(1)), ONLY_A, HASH);
             ExternalProcess b = probe(ns, "b", "lo", "4", 7002, List.of("--source4", ns.address(2)), ONLY_B, HASH)) {
            a.waitForLine("^PEER " + HASH + " 198\\.18\\.0\\.2 7002$", HEAR);
            b.waitForLine("^PEER " + HASH + " 198\\.18\\.0\\.1 7001$", HEAR);
            Map<String, Long> statsA = stop(a);
            Map<String, Long> statsB = stop(b);
            for (ExternalProcess p : List.of(a, b)) {
                assertThat(peerLines(p)).as("%s reports only the torrent both have, once", p.name()).hasSize(1);
            }
            assertThat(statsA.get("own")).as("a heard its own announces and ignored them").isPositive();
            assertThat(statsA.get("unknownTorrents")).as("b's other torrent").isPositive();
            assertThat(statsB.get("own")).isPositive();
            assertThat(a.logText()).as("no default interface in a namespace of loopback only").contains("DEFAULT_INTERFACES []");
        }
    }

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void onAVethPairBothFamiliesCarryAnnouncesThroughTheMulticastLoop() {
        try (NetNamespace ns = lsdNamespace(1)) {
            ns.runChecked(List.of("ip", "link", "add", "lsd0", "type", "veth", "peer", "name", "lsd1"));
            for (String dev : List.of("lsd0", "lsd1")) {
                ns.runChecked(List.of("ip", "link", "set", dev, "up"));
            }
            for (String addr : List.of("198.18.1.1/24", "198.18.1.2/24")) {
                ns.runChecked(List.of("ip", "addr", "add", addr, "dev", "lsd0"));
            }
            for (String addr : List.of("fd00:5a7e::1/64", "fd00:5a7e::2/64")) {
                ns.runChecked(List.of("ip", "-6", "addr", "add", addr, "dev", "lsd0", "nodad"));
            }
            try (ExternalProcess a = probe(ns, "a6", "lsd0", "46", 7001,
                    List.of("--source4", "198.18.1.1", "--source6", "fd00:5a7e::1"), HASH);
                 ExternalProcess b = probe(ns, "b6", "lsd0", "46", 7002,
                         List.of("--source4", "198.18.1.2", "--source6", "fd00:5a7e::2"), HASH)) {
                a.waitForLine("^PEER " + HASH + " 198\\.18\\.1\\.2 7002$", HEAR);
                a.waitForLine("^PEER " + HASH + " fd00:5a7e:0:0:0:0:0:2 7002$", HEAR);
                b.waitForLine("^PEER " + HASH + " 198\\.18\\.1\\.1 7001$", HEAR);
                b.waitForLine("^PEER " + HASH + " fd00:5a7e:0:0:0:0:0:1 7001$", HEAR);
                assertThat(a.logText()).contains("STARTED groups=[/239.192.152.143:6771, /[ff15:0:0:0:0:0:efc0:988f]:6771]")
                        .as("users' default: the veth pair, not loopback").contains("DEFAULT_INTERFACES [lsd0, lsd1]");
                stop(a);
                stop(b);
            }
        }
    }

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void aFloodOfAnnouncesAndHostileDatagramsFromOneHostIsBoundedAndTheServiceCarriesOn() {
        try (NetNamespace ns = lsdNamespace(3);
             ExternalProcess a = probe(ns, "target", "lo", "4", 7001, List.of("--source4", ns.address(1)), HASH)) {
            int valid = 200;
            ExternalProcess flood = ExternalProcess.start("flood", ns.exec(java("flood", "--interface", "lo",
                    "--source4", ns.address(3), "--hash", HASH, "--valid", Integer.toString(valid))), null);
            int hostile;
            try (flood) {
                hostile = Integer.parseInt(flood.waitForLine("^SENT valid=\\d+ hostile=(\\d+)$", HEAR).group(1));
                assertThat(flood.waitForExit(Duration.ofSeconds(10))).isZero();
            }
            // Still listening after the flood: an honest host's announce arrives.
            try (ExternalProcess b = probe(ns, "honest", "lo", "4", 7002, List.of("--source4", ns.address(2)), HASH)) {
                a.waitForLine("^PEER " + HASH + " 198\\.18\\.0\\.2 7002$", HEAR);
                stop(b);
            }
            Map<String, Long> stats = stop(a);
            List<String> fromFlood = peerLines(a).stream().filter(l -> l.contains(" 198.18.0.3 ")).toList();
            assertThat(fromFlood).as("peers passed on from the flooding host in its first minute").hasSize(10);
            assertThat(stats.get("rateLimited")).isEqualTo(valid - 10);
            assertThat(stats.get("rejected")).as("every hostile datagram, none lost").isEqualTo(hostile);
            assertThat(stats.get("receiveFailures")).isZero();
        }
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void libtorrentWithLsdOnHearsOurServiceAndIsHeardByIt() throws IOException {
        Path content = Payload.file(tmp.resolve("seed/lsd.bin"), 300_001, 14);
        Libtorrent.CreatedTorrent torrent = Libtorrent.createTorrent(content, tmp.resolve("lsd.torrent"), 16 * 1024,
                List.of());
        String ih = torrent.infoHashHex();
        try (NetNamespace ns = lsdNamespace(2);
             // Another torrent first: libtorrent must find its own among several Infohash headers.
             ExternalProcess ours = probe(ns, "ours", "lo", "4", 7002,
                     List.of("--source4", ns.address(2), "--accept"), ONLY_B, ih);
             ExternalProcess lt = ExternalProcess.start("libtorrent-lsd", ns.exec(List.of(Libtorrent.PYTHON, "-u",
                     ltScript().toString(), "--torrent", torrent.file().toString(), "--dir",
                     content.getParent().toString(), "--listen", ns.address(1) + ":0", "--timeout", "100")), null)) {
            int ltPort = Integer.parseInt(lt.waitForLine("^LISTENING (\\d+)$", HEAR).group(1));
            ours.waitForLine("^PEER " + ih + " 198\\.18\\.0\\.1 " + ltPort + "$", HEAR);
            lt.waitForLine("^LSD_PEER 198\\.18\\.0\\.2:7002$", HEAR);
            ours.waitForLine("^ACCEPTED 198\\.18\\.0\\.1 " + ih + "$", HEAR);
            stop(ours);
        }
    }

    /** A namespace with {@code hosts} addresses on its loopback and multicast switched on there. */
    static NetNamespace lsdNamespace(int hosts) {
        NetNamespace ns = NetNamespace.create(hosts);
        try {
            ns.runChecked(List.of("ip", "link", "set", "lo", "multicast", "on"));
            return ns;
        } catch (RuntimeException | AssertionError e) {
            ns.close();
            throw e;
        }
    }

    /** Starts an LsdProbe listening in {@code ns} and waits until its service has started. */
    ExternalProcess probe(NetNamespace ns, String name, String iface, String families, int port, List<String> extra,
            String... hashes) {
        return probe(tmp, ns, name, iface, families, port, extra, hashes);
    }

    /** The same, its stop file in {@code dir} (see {@link #stop(Path, ExternalProcess)}). */
    static ExternalProcess probe(Path dir, NetNamespace ns, String name, String iface, String families, int port,
            List<String> extra, String... hashes) {
        List<String> args = new ArrayList<>(List.of("listen", "--interface", iface, "--families", families,
                "--port", Integer.toString(port), "--interval-seconds", "2", "--lifetime", "80",
                "--stop-file", stopFile(dir, name).toString()));
        args.addAll(extra);
        for (String h : hashes) {
            args.add("--hash");
            args.add(h);
        }
        ExternalProcess p = ExternalProcess.start("lsd-" + name, ns.exec(java(args.toArray(String[]::new))), null);
        try {
            p.waitForLine("^STARTED ", HEAR);
            return p;
        } catch (RuntimeException | AssertionError e) {
            p.close();
            throw e;
        }
    }

    /** Asks a probe to stop; checks that its service stopped cleanly and returns its last counters. */
    Map<String, Long> stop(ExternalProcess probe) {
        return stop(tmp, probe);
    }

    /** The same for a probe started with its stop file in {@code dir}. */
    static Map<String, Long> stop(Path dir, ExternalProcess probe) {
        try {
            Files.createFile(stopFile(dir, probe.name().substring("lsd-".length())));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        probe.waitForLine("^STOPPED clean=true$", HEAR);
        assertThat(probe.waitForExit(HEAR)).as("%s exit code", probe.name()).isZero();
        List<String> stats = probe.logText().lines().filter(l -> l.startsWith("STATS ")).toList();
        Map<String, Long> last = new TreeMap<>();
        Matcher m = STATS.matcher(stats.get(stats.size() - 1));
        while (m.find()) {
            last.put(m.group(1), Long.parseLong(m.group(2)));
        }
        return last;
    }

    static List<String> peerLines(ExternalProcess p) {
        return p.logText().lines().filter(l -> l.startsWith("PEER ")).toList();
    }

    static Path stopFile(Path dir, String name) {
        return dir.resolve("stop-" + name);
    }

    /** The probe's JVM: this JVM's java, the engine's classes and the test classes. */
    static List<String> java(String... args) {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx64m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-cp",
                location(LsdService.class) + java.io.File.pathSeparator + location(LsdProbe.class),
                LsdProbe.class.getName()));
        cmd.addAll(List.of(args));
        return cmd;
    }

    private static String location(Class<?> c) {
        try {
            return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private Path ltScript() throws IOException {
        Path script = tmp.resolve("lt_lsd.py");
        try (InputStream in = LsdIT.class.getResourceAsStream("/it/lt_lsd.py")) {
            assertThat(in).as("test resource it/lt_lsd.py").isNotNull();
            Files.copy(in, script, StandardCopyOption.REPLACE_EXISTING);
        }
        return script;
    }
}
