package dev.spate.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Transmission 3.00 daemon ({@code transmission-daemon -f}) with its own config dir, driven through
 * {@code transmission-remote}. DHT, LPD, PEX, uTP, port forwarding and the blocklist are off; peers are
 * accepted on {@code bindAddress:peerPort}; RPC listens on 127.0.0.1:rpcPort (inside the namespace when one
 * is given) without authentication.
 *
 * <p>Transmission refuses peers whose address is in 127.0.0.0/8, so tests that exchange data with it run
 * it in a {@link NetNamespace} and use 198.18.0.x addresses. {@code transmission-remote} cannot add a peer
 * by address: Transmission as a leech finds peers through a tracker or through incoming connections.
 */
public final class Transmission implements AutoCloseable {

    private static final Duration RPC_TIMEOUT = Duration.ofSeconds(15);
    private static final Pattern PERCENT = Pattern.compile("(?m)^\\s*Percent Done:\\s*([0-9.]+)%");
    private static final Pattern STATE = Pattern.compile("(?m)^\\s*State:\\s*(.+)$");
    private static final Pattern HAVE = Pattern.compile("(?m)^\\s*Have:\\s*(.+?) \\((.+?) verified\\)");

    /** Transmission's peer encryption modes (settings.json "encryption": 0, 1, 2). */
    public enum Encryption { TOLERATED, PREFERRED, REQUIRED }

    /** Start-up options. Defaults: host network, 127.0.0.1, random peer and RPC ports, encryption preferred. */
    public static final class Options {
        private NetNamespace namespace;
        private String bindAddress = "127.0.0.1";
        private int peerPort;
        private int rpcPort;
        private Encryption encryption = Encryption.PREFERRED;

        /** Runs the daemon (and every transmission-remote call) inside {@code ns}. */
        public Options in(NetNamespace ns) {
            this.namespace = ns;
            return this;
        }

        /** Address for incoming peer connections (bind-address-ipv4). */
        public Options bindAddress(String address) {
            this.bindAddress = Objects.requireNonNull(address);
            return this;
        }

        public Options peerPort(int port) {
            this.peerPort = port;
            return this;
        }

        public Options rpcPort(int port) {
            this.rpcPort = port;
            return this;
        }

        public Options encryption(Encryption e) {
            this.encryption = e;
            return this;
        }
    }

    private final ExternalProcess daemon;
    private final NetNamespace namespace;
    private final String bindAddress;
    private final int peerPort;
    private final int rpcPort;
    private int lastId;

    private Transmission(ExternalProcess daemon, Options o, int peerPort, int rpcPort) {
        this.daemon = daemon;
        this.namespace = o.namespace;
        this.bindAddress = o.bindAddress;
        this.peerPort = peerPort;
        this.rpcPort = rpcPort;
    }

    /**
     * Starts the daemon with its config under {@code workDir} (which must exist) and waits until its RPC
     * answers. Unset ports are drawn at random from 20000-59999 (in a fresh namespace they are all free; on the
     * host network a free one is asked of the kernel).
     */
    public static Transmission start(Path workDir, Options o) {
        int peerPort = o.peerPort != 0 ? o.peerPort : pickPort(o.namespace);
        int rpcPort = o.rpcPort != 0 ? o.rpcPort : pickPort(o.namespace);
        Path config = workDir.resolve("transmission-config");
        try {
            Files.createDirectories(config);
            Files.writeString(config.resolve("settings.json"), settings(o, peerPort, rpcPort,
                    workDir.toAbsolutePath().toString()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<String> cmd = List.of("transmission-daemon", "--foreground", "--config-dir",
                config.toAbsolutePath().toString(), "--log-info");
        if (o.namespace != null) {
            cmd = o.namespace.exec(cmd);
        }
        ExternalProcess p = ExternalProcess.start("transmission-daemon", cmd, workDir);
        Transmission t = new Transmission(p, o, peerPort, rpcPort);
        try {
            p.waitForLine("Serving RPC and Web requests", Duration.ofSeconds(15));
            long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
            while (t.remoteRaw(List.of("-si")).exitCode() != 0) {
                if (!p.isAlive() || System.nanoTime() > deadline) {
                    throw p.failure("RPC on 127.0.0.1:" + rpcPort + " did not answer");
                }
                ExternalProcess.sleep(200);
            }
            return t;
        } catch (RuntimeException | AssertionError e) {
            t.close();
            throw e;
        }
    }

    /** Starts a daemon and has it seed {@code torrent} from data already under {@code dataDir}, verified. */
    public static Transmission seed(Path workDir, Options o, Path torrent, Path dataDir, Duration verifyTimeout) {
        Transmission t = start(workDir, o);
        try {
            int id = t.addTorrent(torrent, dataDir);
            t.verify(id);
            t.awaitVerifiedComplete(id, verifyTimeout);
            return t;
        } catch (RuntimeException | AssertionError e) {
            t.close();
            throw e;
        }
    }

    private static String settings(Options o, int peerPort, int rpcPort, String downloadDir) {
        return """
                {
                  "dht-enabled": false,
                  "lpd-enabled": false,
                  "pex-enabled": false,
                  "utp-enabled": false,
                  "port-forwarding-enabled": false,
                  "blocklist-enabled": false,
                  "bind-address-ipv4": "%s",
                  "bind-address-ipv6": "::1",
                  "peer-port": %d,
                  "peer-port-random-on-start": false,
                  "encryption": %d,
                  "rpc-enabled": true,
                  "rpc-bind-address": "127.0.0.1",
                  "rpc-port": %d,
                  "rpc-authentication-required": false,
                  "rpc-whitelist-enabled": false,
                  "rpc-host-whitelist-enabled": false,
                  "download-dir": "%s",
                  "incomplete-dir-enabled": false,
                  "watch-dir-enabled": false,
                  "start-added-torrents": true,
                  "ratio-limit-enabled": false,
                  "idle-seeding-limit-enabled": false,
                  "speed-limit-up-enabled": false,
                  "speed-limit-down-enabled": false,
                  "alt-speed-enabled": false,
                  "scrape-paused-torrents-enabled": false,
                  "message-level": 2
                }
                """.formatted(o.bindAddress, peerPort, o.encryption.ordinal(), rpcPort, downloadDir);
    }

    private static int pickPort(NetNamespace ns) {
        if (ns != null) {
            return ThreadLocalRandom.current().nextInt(20000, 60000);
        }
        try (var s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public String bindAddress() {
        return bindAddress;
    }

    public int peerPort() {
        return peerPort;
    }

    public int rpcPort() {
        return rpcPort;
    }

    public ExternalProcess process() {
        return daemon;
    }

    /** Adds {@code torrent} with {@code downloadDir} as its data folder; returns the torrent id. */
    public synchronized int addTorrent(Path torrent, Path downloadDir) {
        remote("-a", torrent.toAbsolutePath().toString(), "-w", downloadDir.toAbsolutePath().toString());
        return ++lastId; // a fresh daemon numbers its torrents 1, 2, ...
    }

    /** Asks for a recheck of local data (it also runs by itself when a torrent is added over existing data). */
    public void verify(int id) {
        remote("-t", Integer.toString(id), "--verify");
    }

    /** {@code transmission-remote -t ID -i}: the torrent's details as text. */
    public String info(int id) {
        return remote("-t", Integer.toString(id), "-i");
    }

    /**
     * Changes the peer encryption mode at run time ({@code transmission-remote --encryption-required},
     * {@code -preferred} or {@code -tolerated}); handshakes begun after it follow the new mode.
     */
    public void setEncryption(Encryption e) {
        String want = e.name().toLowerCase(java.util.Locale.ROOT);
        remote("--encryption-" + want);
        String session = remote("-si");
        if (!Pattern.compile("(?mi)^\\s*Encryption:\\s*" + want + "\\s*$").matcher(session).find()) {
            throw daemon.failure("encryption not " + want + " after --encryption-" + e + "; session info:\n" + session);
        }
    }

    /** {@code transmission-remote -l}. */
    public String list() {
        return remote("-l");
    }

    /**
     * Waits until the torrent is 100% done with everything verified and no check running (state Seeding or
     * Idle - Transmission shows "Idle" for a seed with no peers).
     */
    public void awaitVerifiedComplete(int id, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        String info = "";
        while (System.nanoTime() < deadline) {
            info = info(id);
            Matcher pct = PERCENT.matcher(info);
            Matcher state = STATE.matcher(info);
            Matcher have = HAVE.matcher(info);
            if (pct.find() && state.find() && have.find()
                    && Double.parseDouble(pct.group(1)) >= 100.0
                    && have.group(1).equals(have.group(2))
                    && (state.group(1).strip().equals("Seeding") || state.group(1).strip().equals("Idle"))) {
                return;
            }
            if (!daemon.isAlive()) {
                throw daemon.failure("exited while waiting for torrent " + id + " to complete");
            }
            ExternalProcess.sleep(300);
        }
        throw daemon.failure("torrent " + id + " not verified complete within " + timeout + "; last info:\n" + info);
    }

    /** Runs transmission-remote against this daemon (inside its namespace) and fails unless it succeeds. */
    public String remote(String... args) {
        List<String> cmd = List.of(args);
        ExternalProcess.Result r = remoteRaw(cmd);
        if (r.exitCode() != 0 || r.output().contains("responded: \"") && !r.output().contains("\"success\"")) {
            throw daemon.failure("transmission-remote " + String.join(" ", cmd) + " failed (exit " + r.exitCode()
                    + "):\n" + r.output());
        }
        return r.output();
    }

    private ExternalProcess.Result remoteRaw(List<String> args) {
        List<String> cmd = new ArrayList<>(List.of("transmission-remote", "127.0.0.1:" + rpcPort));
        cmd.addAll(args);
        if (namespace != null) {
            cmd = namespace.exec(cmd);
        }
        return ExternalProcess.run(RPC_TIMEOUT, cmd);
    }

    @Override
    public void close() {
        daemon.close();
    }
}
