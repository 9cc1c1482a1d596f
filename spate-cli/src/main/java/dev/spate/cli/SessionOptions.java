package dev.spate.cli;

import dev.spate.engine.EncryptionPolicy;
import dev.spate.engine.Session;
import dev.spate.engine.SessionConfig;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.net.UnknownHostException;
import java.nio.file.Path;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/**
 * Listening, rate, connection, encryption, state, peer exchange, local discovery and DHT options shared by {@code download} and
 * {@code seed}.
 */
final class SessionOptions {
    /** The conventional BitTorrent port, tried first when none is given. */
    static final int DEFAULT_PORT = 6881;

    @Option(names = "--port", paramLabel = "N",
            description = "Port to listen on (default 6881, or a free one if it is taken; 0 for a free one).")
    Integer port;

    @Option(names = "--bind", paramLabel = "ADDR", description = "Local address to listen on and to connect from.")
    String bind;

    @Option(names = "--download-limit", paramLabel = "RATE",
            description = "Most payload bytes per second to receive, e.g. 500K or 5M (binary units); default none.")
    String downloadLimit;

    @Option(names = "--upload-limit", paramLabel = "RATE",
            description = "Most payload bytes per second to send, e.g. 500K or 5M (binary units); default none.")
    String uploadLimit;

    @Option(names = "--max-peers", paramLabel = "N", description = "Most connections to keep (default 50).")
    Integer maxPeers;

    @Option(names = "--no-pex",
            description = "Do not exchange peers with peers (BEP 11 peer exchange; never for a private torrent).")
    boolean noPex;

    @Option(names = "--state", paramLabel = "DIR",
            description = "Where to keep resume data (default $XDG_STATE_HOME/spate, else ~/.local/state/spate);"
                    + " several download and seed processes may share one, a daemon keeps its own.")
    Path state;

    @Option(names = "--no-lsd",
            description = "Do not use local service discovery (LSD): announce nothing to the local network and dial"
                    + " no peer heard there. LSD is on by default, never for private torrents.")
    boolean noLsd;

    @Option(names = "--no-dht",
            description = "Do not use the DHT: find peers only through trackers, peer exchange, the local network and"
                    + " --peer. The DHT is on by default, never for private torrents.")
    boolean noDht;

    @Option(names = "--dht-bootstrap", paramLabel = "HOST:PORT",
            description = "A DHT node to join the DHT through when the saved routing table cannot; repeat for several."
                    + " Replaces the public routers (router.bittorrent.com:6881, dht.transmissionbt.com:6881,"
                    + " dht.libtorrent.org:25401).")
    List<String> dhtBootstrap;

    @Option(names = "--encryption", paramLabel = "POLICY", converter = EncryptionConverter.class,
            description = "Protocol encryption (MSE/PE): tolerate (plaintext out, both in), prefer (the default:"
                    + " encrypted handshake out, plaintext once more if refused, both in) or require (RC4 only,"
                    + " both ways).")
    EncryptionPolicy encryption;

    /** The policy's name as users type it: lower case. */
    static final class EncryptionConverter implements picocli.CommandLine.ITypeConverter<EncryptionPolicy> {
        @Override
        public EncryptionPolicy convert(String value) {
            for (EncryptionPolicy p : EncryptionPolicy.values()) {
                if (p.name().equalsIgnoreCase(value)) {
                    return p;
                }
            }
            throw new picocli.CommandLine.TypeConversionException("'" + value
                    + "' is not an encryption policy: tolerate, prefer or require");
        }
    }

    /** Opens the session these options describe. */
    Session open(CommandSpec spec) throws IOException {
        SessionConfig.Builder config = SessionConfig.builder().pex(!noPex).localDiscovery(!noLsd);
        if (encryption != null) {
            config.encryption(encryption);
        }
        applyLimits(config, spec);
        applyPlace(config, state, bind, spec);
        applyDht(config, noDht, dhtBootstrap, spec);
        if (port != null) {
            if (port < 0 || port > 65535) {
                throw new ParameterException(spec.commandLine(), "port " + port + " outside 0-65535");
            }
            return Session.open(config.listenPort(port).build());
        }
        try {
            return Session.open(config.listenPort(DEFAULT_PORT).build());
        } catch (IOException busy) {
            return Session.open(config.listenPort(0).build());
        }
    }

    /**
     * Where a session keeps its state ({@code --state}) and the address it binds to ({@code --bind}),
     * when given; an unknown bind address is a usage error. Shared with {@code info}'s own session.
     */
    static void applyPlace(SessionConfig.Builder config, Path state, String bind, CommandSpec spec) {
        if (state != null) {
            config.stateDirectory(state);
        }
        if (bind != null) {
            try {
                config.bindAddress(InetAddress.getByName(bind));
            } catch (UnknownHostException e) {
                throw new ParameterException(spec.commandLine(), "unknown bind address: " + bind);
            }
        }
    }

    /**
     * The DHT on or off ({@code --no-dht}) and its bootstrap routers ({@code --dht-bootstrap}, kept as
     * names: the session resolves them without delaying its start). Shared with {@code info}.
     */
    static void applyDht(SessionConfig.Builder config, boolean noDht, List<String> bootstrap, CommandSpec spec) {
        config.dht(!noDht);
        if (bootstrap != null && !bootstrap.isEmpty()) {
            List<InetSocketAddress> routers = new ArrayList<>();
            for (String b : bootstrap) {
                routers.add(parseRouter(spec, b));
            }
            if (routers.size() > SessionConfig.MAX_DHT_BOOTSTRAP) {
                throw new ParameterException(spec.commandLine(), "--dht-bootstrap given " + routers.size()
                        + " times; at most " + SessionConfig.MAX_DHT_BOOTSTRAP);
            }
            config.dhtBootstrap(routers);
        }
    }

    /** {@code HOST:PORT} or {@code [IPV6]:PORT}, unresolved. */
    static InetSocketAddress parseRouter(CommandSpec spec, String text) {
        int colon = text.lastIndexOf(':');
        String host = colon <= 0 ? "" : text.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int p = -1;
        try {
            p = Integer.parseInt(text.substring(colon + 1));
        } catch (NumberFormatException | IndexOutOfBoundsException e) {
            // reported below
        }
        if (host.isEmpty() || p < 1 || p > 65535) {
            throw new ParameterException(spec.commandLine(), "invalid --dht-bootstrap '" + text
                    + "': expected HOST:PORT with a port in 1-65535");
        }
        return InetSocketAddress.createUnresolved(host, p);
    }

    private void applyLimits(SessionConfig.Builder config, CommandSpec spec) {
        if (downloadLimit != null) {
            config.downloadRateLimit(rate("--download-limit", downloadLimit, spec));
        }
        if (uploadLimit != null) {
            config.uploadRateLimit(rate("--upload-limit", uploadLimit, spec));
        }
        if (maxPeers != null) {
            if (maxPeers < 1) {
                throw new ParameterException(spec.commandLine(), "--max-peers " + maxPeers + " is less than 1");
            }
            config.maxPeersPerTorrent(maxPeers).maxConnections(Math.max(maxPeers, 200));
        }
    }

    private static long rate(String option, String text, CommandSpec spec) {
        try {
            return Units.parseSize(text);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "invalid " + option + " '" + text + "': " + e.getMessage());
        }
    }
}
