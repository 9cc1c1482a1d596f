package dev.spate.lsd;

import dev.spate.core.InfoHash;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;

/**
 * A process for {@code LsdIT}, run inside the test's network namespace ({@code ip netns exec}) because a
 * JVM cannot move its own sockets there. It is the only test code that starts an {@link LsdService}
 * (LsdTestIsolationTest checks that), and it refuses to run unless {@link NetworkIsolation} passes.
 *
 * <pre>
 * LsdProbe listen --interface IF --families 4|6|46 --port P [--source4 IP] [--source6 IP] [--hash HEX]...
 *                 [--interval-seconds N] [--accept] [--stop-file PATH] [--lifetime SECONDS]
 * LsdProbe flood  --interface IF --source4 IP --hash HEX --valid N
 * </pre>
 *
 * {@code listen} prints {@code STARTED groups=...} and {@code DEFAULT_INTERFACES [...]} (what
 * {@link LsdConfig#defaultInterfaces()} finds in the namespace), then {@code PEER <info-hash> <ip> <port>} for each peer the
 * service reports, {@code ACCEPTED <ip> <info-hash>} for each BitTorrent handshake received on the
 * announced port (with {@code --accept}), {@code STATS ...} when the counters change, and, once the stop
 * file appears, {@code STOPPED clean=<whether every thread of the service ended>}. {@code flood} sends
 * {@code N} valid announces of the hash on ports 10000.. from its source, then every datagram of
 * {@link HostileDatagrams}, and prints {@code SENT valid=N hostile=M}.
 */
public final class LsdProbe {
    private LsdProbe() {
    }

    public static void main(String[] args) throws Exception {
        NetworkIsolation.require();
        Args a = new Args(args);
        int code = switch (a.command) {
            case "listen" -> listen(a);
            case "flood" -> flood(a);
            default -> throw new IllegalArgumentException("unknown command " + a.command);
        };
        System.out.flush();
        System.exit(code);
    }

    private static int listen(Args a) throws Exception {
        NetworkInterface ni = a.networkInterface();
        Set<StandardProtocolFamily> families = EnumSet.noneOf(StandardProtocolFamily.class);
        if (a.value("--families", "4").contains("4")) {
            families.add(StandardProtocolFamily.INET);
        }
        if (a.value("--families", "4").contains("6")) {
            families.add(StandardProtocolFamily.INET6);
        }
        int port = Integer.parseInt(a.value("--port", null));
        LsdConfig config = LsdConfig.defaults(ni, port).withFamilies(families)
                .withAnnounceInterval(Duration.ofSeconds(Long.parseLong(a.value("--interval-seconds", "300"))));
        if (a.has("--source4")) {
            config = config.withIpv4Source(InetAddress.getByName(a.value("--source4", null)));
        }
        if (a.has("--source6")) {
            config = config.withIpv6Source(InetAddress.getByName(a.value("--source6", null)));
        }
        ServerSocket acceptor = null;
        if (a.has("--accept")) {
            acceptor = new ServerSocket();
            acceptor.setReuseAddress(true);
            acceptor.bind(new InetSocketAddress(InetAddress.getByName(a.value("--source4", "0.0.0.0")), port));
            ServerSocket s = acceptor;
            Thread.ofVirtual().name("probe-accept").start(() -> acceptLoop(s));
        }
        Path stopFile = a.has("--stop-file") ? Path.of(a.value("--stop-file", null)) : null;
        Instant end = Instant.now().plusSeconds(Long.parseLong(a.value("--lifetime", "60")));
        LsdService service = LsdService.start(config, (ih, peer) ->
                out("PEER " + ih.hex() + " " + peer.getAddress().getHostAddress() + " " + peer.getPort()));
        out("STARTED groups=" + service.groups() + " interface=" + ni.getName() + " cookie=" + service.cookie());
        out("DEFAULT_INTERFACES " + LsdConfig.defaultInterfaces().stream().map(NetworkInterface::getName).sorted().toList());
        for (String hex : a.values("--hash")) {
            service.add(InfoHash.fromHex(hex));
        }
        LsdStats last = null;
        boolean stopAsked = false;
        while (Instant.now().isBefore(end)) {
            LsdStats s = service.stats();
            if (!s.equals(last)) {
                out("STATS " + s);
                last = s;
            }
            if (stopFile != null && Files.exists(stopFile)) {
                stopAsked = true;
                break;
            }
            Thread.sleep(100);
        }
        service.close();
        service.close();
        if (acceptor != null) {
            acceptor.close();
        }
        out("STATS " + service.stats());
        boolean clean = service.isStopped();
        out("STOPPED clean=" + clean + (stopAsked ? "" : " (lifetime reached)"));
        return clean && stopAsked ? 0 : 4;
    }

    private static void acceptLoop(ServerSocket server) {
        while (!server.isClosed()) {
            try (Socket s = server.accept()) {
                s.setSoTimeout(5000);
                InputStream in = s.getInputStream();
                byte[] handshake = in.readNBytes(48);
                if (handshake.length == 48 && handshake[0] == 19
                        && new String(handshake, 1, 19, StandardCharsets.US_ASCII).equals("BitTorrent protocol")) {
                    byte[] hash = java.util.Arrays.copyOfRange(handshake, 28, 48);
                    out("ACCEPTED " + s.getInetAddress().getHostAddress() + " " + HexFormat.of().formatHex(hash));
                } else {
                    out("ACCEPTED_GARBAGE " + s.getInetAddress().getHostAddress());
                }
            } catch (IOException e) {
                if (!server.isClosed()) {
                    out("ACCEPT_ERROR " + e);
                }
            }
        }
    }

    private static int flood(Args a) throws Exception {
        NetworkInterface ni = a.networkInterface();
        InetAddress source = InetAddress.getByName(a.value("--source4", null));
        InfoHash hash = InfoHash.fromHex(a.value("--hash", null));
        int valid = Integer.parseInt(a.value("--valid", "0"));
        try (DatagramChannel ch = DatagramChannel.open(StandardProtocolFamily.INET)) {
            ch.setOption(StandardSocketOptions.IP_MULTICAST_IF, ni);
            ch.bind(new InetSocketAddress(source, 0));
            for (int i = 0; i < valid; i++) {
                ch.send(ByteBuffer.wrap(AnnounceCodec.encode(LsdConfig.IPV4_HOST, 10_000 + i, List.of(hash), "flood")),
                        LsdConfig.IPV4_GROUP);
                Thread.sleep(1);
            }
            List<HostileDatagrams.Hostile> hostile = HostileDatagrams.all();
            for (HostileDatagrams.Hostile h : hostile) {
                ch.send(ByteBuffer.wrap(h.bytes()), LsdConfig.IPV4_GROUP);
                Thread.sleep(1);
            }
            out("SENT valid=" + valid + " hostile=" + hostile.size());
        }
        return 0;
    }

    /** One line to stdout; PrintStream keeps lines from the service's and the acceptor's threads whole. */
    private static void out(String line) {
        System.out.println(line);
    }

    /** {@code command --name value ... --flag}. */
    private static final class Args {
        final String command;
        final List<String> rest;

        Args(String[] args) {
            if (args.length == 0) {
                throw new IllegalArgumentException("usage: LsdProbe listen|flood --interface IF ...");
            }
            command = args[0];
            rest = List.of(args).subList(1, args.length);
        }

        boolean has(String name) {
            return rest.contains(name);
        }

        String value(String name, String fallback) {
            int i = rest.indexOf(name);
            if (i < 0 || i + 1 >= rest.size()) {
                if (fallback == null) {
                    throw new IllegalArgumentException("missing " + name);
                }
                return fallback;
            }
            return rest.get(i + 1);
        }

        List<String> values(String name) {
            List<String> out = new ArrayList<>();
            for (int i = 0; i + 1 < rest.size(); i++) {
                if (rest.get(i).equals(name)) {
                    out.add(rest.get(i + 1));
                }
            }
            return out;
        }

        NetworkInterface networkInterface() throws IOException {
            String name = value("--interface", null);
            NetworkInterface ni = NetworkInterface.getByName(name);
            if (ni == null) {
                throw new IllegalArgumentException("no interface " + name);
            }
            return ni;
        }
    }
}
