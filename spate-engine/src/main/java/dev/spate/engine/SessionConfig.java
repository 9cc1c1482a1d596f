package dev.spate.engine;

import dev.spate.wire.MetadataMessage;
import java.net.InetAddress;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Settings of a {@link Session}. Build one with {@link #builder()}; every setter checks its value at
 * once and names the setting in its message, and so does the constructor, however it is called.
 *
 * @param bindAddress local address to listen on and to dial peers from; the wildcard (the default,
 *     0.0.0.0 or ::) for any, on one dual-stack socket taking IPv4 and IPv6 peers; an IPv4 or IPv6
 *     address for that address only, peers of the other family then left undialled
 * @param listenPort port for incoming peers; 0 picks a free one (see {@link Session#listenPort()})
 * @param maxPeersPerTorrent connections per torrent, both directions
 * @param maxConnections connections in the whole session
 * @param diskQueueBytes bytes of received pieces waiting for hashing and writing; when reached,
 *     peers stop being read until the disk catches up
 * @param connectTimeout how long a dial may take, handshake included
 * @param requestTimeout how long a requested block may stay unanswered before it is asked of
 *     someone else
 * @param idleTimeout how long a peer may send nothing at all before it is dropped
 * @param uploadSlots peers each torrent uploads to at once, the optimistic unchoke included (BEP 3)
 * @param trackerTimeout how long an HTTP tracker may take to connect and to answer, and a UDP
 *     tracker's first wait before it is asked again (BEP 15 doubles the wait each time)
 * @param udpTrackerAttempts how many times a UDP tracker is asked before the next one is tried
 * @param downloadRateLimit payload bytes per second the whole session may receive; 0 for no limit
 * @param uploadRateLimit payload bytes per second the whole session may send; 0 for no limit
 * @param endgame whether the last missing blocks are also asked of other peers (and cancelled where
 *     they arrive twice), so that one slow peer cannot hold up the end of a download
 * @param directWrites whether verified pieces are written with direct IO where they are aligned,
 *     bypassing the operating system's page cache (where the file system allows it): a download
 *     then costs far less CPU and does not crowd the page cache out; off, every write goes through
 *     the page cache, which can suit a slow disk with a fast network better
 * @param pex whether torrents exchange peers with their peers (BEP 11 peer exchange): each peer
 *     that supports it hears once a minute which peers we are connected to, and the peers it
 *     names are dialled; never for a private torrent (BEP 27)
 * @param stateDirectory where the session keeps its own state, never inside a download directory:
 *     resume data under {@code resume/}. Several sessions (and processes) may share one. Created,
 *     with its parents, on the first write (the directory itself with mode 0700 where the file
 *     system has POSIX permissions)
 * @param localDiscovery whether the session finds peers on the local network by Local Service
 *     Discovery (BEP 14): it announces its active torrents by multicast on the interfaces it listens
 *     on (every interface that is up, can multicast and is not a loopback or a tunnel when it listens
 *     on the wildcard address; the interface holding the address otherwise) and dials the peers
 *     others announce for them; never for a private torrent (BEP 27). On by default
 * @param maxMetadataSize the largest info dictionary a magnet link's peers may announce and send
 *     (BEP 9 {@code metadata_size}); a peer claiming more is not asked. From 16 KiB to the default,
 *     32 MiB (libtorrent allows 30 MiB): a smaller limit only refuses more
 * @param dht whether the session takes part in the mainline DHT (BEP 5, with IPv6 per BEP 32): a
 *     node on UDP at the listen port, through which torrents that are not private (BEP 27) find
 *     peers and announce themselves, and magnet links without trackers find theirs. On by default
 * @param dhtBootstrap the routers a DHT node with an empty routing table joins through, as
 *     {@code host:port} addresses, resolved off the session's start; by default the public ones
 *     ({@link dev.spate.dht.DhtConfig#PUBLIC_ROUTERS}). The routing table, saved in the state
 *     directory, makes them unnecessary after the first run. At most 32
 * @param encryption when connections use protocol encryption (MSE/PE); {@link EncryptionPolicy#PREFER}
 *     by default
 */
public record SessionConfig(InetAddress bindAddress, int listenPort, int maxPeersPerTorrent, int maxConnections,
                            long diskQueueBytes, Duration connectTimeout, Duration requestTimeout,
                            Duration idleTimeout, int uploadSlots, Duration trackerTimeout,
                            int udpTrackerAttempts, long downloadRateLimit, long uploadRateLimit,
                            boolean endgame, boolean directWrites, boolean pex, Path stateDirectory,
                            boolean localDiscovery, long maxMetadataSize, boolean dht,
                            List<InetSocketAddress> dhtBootstrap, EncryptionPolicy encryption) {
    /** Most DHT bootstrap routers a config takes. */
    public static final int MAX_DHT_BOOTSTRAP = 32;

    /**
     * Checks every value as the builder's setters do, with the same messages, so that a config made
     * with {@code new} is as valid as a built one; {@code stateDirectory} is made absolute.
     */
    public SessionConfig {
        checkBindAddress(bindAddress);
        checkListenPort(listenPort);
        atLeastOne("maxPeersPerTorrent", maxPeersPerTorrent);
        atLeastOne("maxConnections", maxConnections);
        checkDiskQueueBytes(diskQueueBytes);
        positive("connectTimeout", connectTimeout);
        positive("requestTimeout", requestTimeout);
        positive("idleTimeout", idleTimeout);
        atLeastOne("uploadSlots", uploadSlots);
        positive("trackerTimeout", trackerTimeout);
        checkUdpTrackerAttempts(udpTrackerAttempts);
        rate("downloadRateLimit", downloadRateLimit);
        rate("uploadRateLimit", uploadRateLimit);
        checkMaxMetadataSize(maxMetadataSize);
        stateDirectory = checkStateDirectory(stateDirectory);
        dhtBootstrap = checkDhtBootstrap(dhtBootstrap);
        Objects.requireNonNull(encryption, "encryption");
    }

    /**
     * The state directory when none is set: {@code $XDG_STATE_HOME/spate} if that variable holds an
     * absolute path, else {@code ~/.local/state/spate} (the XDG Base Directory default).
     *
     * @throws IllegalStateException when neither the variable nor the home directory is usable
     */
    public static Path defaultStateDirectory() {
        return defaultStateDirectory(System.getenv(), System.getProperty("user.home"));
    }

    /**
     * {@link #defaultStateDirectory()} from the given environment and {@code user.home}. The home
     * directory is {@code $HOME} when that is absolute, else {@code userHome}. The XDG Base Directory
     * specification says a relative path in its variables is invalid and to be ignored.
     */
    static Path defaultStateDirectory(Map<String, String> environment, String userHome) {
        Path xdg = absoluteOrNull(environment.get("XDG_STATE_HOME"));
        if (xdg != null) {
            return xdg.resolve("spate");
        }
        Path home = absoluteOrNull(environment.get("HOME"));
        if (home == null) {
            home = absoluteOrNull(userHome);
        }
        if (home == null) {
            throw new IllegalStateException("no state directory: XDG_STATE_HOME and HOME are unset or relative"
                    + " and user.home is '" + userHome + "'; set one with stateDirectory(...)");
        }
        return home.resolve(".local").resolve("state").resolve("spate");
    }

    private static Path absoluteOrNull(String path) {
        if (path == null || path.isEmpty()) {
            return null;
        }
        try {
            Path p = Path.of(path);
            return p.isAbsolute() ? p.normalize() : null;
        } catch (InvalidPathException e) {
            return null;
        }
    }

    private static InetAddress checkBindAddress(InetAddress address) {
        return Objects.requireNonNull(address, "bindAddress");
    }

    private static int checkListenPort(int port) {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("listenPort " + port + " outside 0-65535");
        }
        return port;
    }

    private static int atLeastOne(String name, int n) {
        if (n < 1) {
            throw new IllegalArgumentException(name + " " + n + " is less than 1");
        }
        return n;
    }

    private static long checkDiskQueueBytes(long bytes) {
        if (bytes < (1 << 20)) {
            throw new IllegalArgumentException("diskQueueBytes " + bytes + " is less than 1 MiB");
        }
        return bytes;
    }

    private static int checkUdpTrackerAttempts(int n) {
        if (n < 1 || n > 9) {
            throw new IllegalArgumentException("udpTrackerAttempts " + n + " outside 1-9");
        }
        return n;
    }

    /** The most {@code maxMetadataSize} may be: what a peer may announce before the metadata is bounded by it too. */
    public static final long MAX_METADATA_SIZE = MetadataMessage.DEFAULT_MAX_SIZE;

    private static long checkMaxMetadataSize(long bytes) {
        if (bytes < MetadataMessage.PIECE_LENGTH || bytes > MAX_METADATA_SIZE) {
            throw new IllegalArgumentException("maxMetadataSize " + bytes + " outside [" + MetadataMessage.PIECE_LENGTH
                    + ", " + MAX_METADATA_SIZE + "]");
        }
        return bytes;
    }

    private static List<InetSocketAddress> checkDhtBootstrap(List<InetSocketAddress> routers) {
        Objects.requireNonNull(routers, "dhtBootstrap");
        if (routers.size() > MAX_DHT_BOOTSTRAP) {
            throw new IllegalArgumentException("dhtBootstrap lists " + routers.size() + " routers, more than "
                    + MAX_DHT_BOOTSTRAP);
        }
        for (InetSocketAddress a : routers) {
            Objects.requireNonNull(a, "dhtBootstrap router");
            if (a.getPort() == 0) {
                throw new IllegalArgumentException("dhtBootstrap router " + a.getHostString() + " has port 0");
            }
        }
        return List.copyOf(routers);
    }

    private static long rate(String name, long bytesPerSecond) {
        if (bytesPerSecond < 0) {
            throw new IllegalArgumentException(name + " " + bytesPerSecond + " is negative");
        }
        return bytesPerSecond;
    }

    private static Duration positive(String name, Duration d) {
        Objects.requireNonNull(d, name);
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(name + " " + d + " is not positive");
        }
        return d;
    }

    private static Path checkStateDirectory(Path dir) {
        Objects.requireNonNull(dir, "stateDirectory");
        Path absolute = dir.toAbsolutePath().normalize();
        if (!absolute.isAbsolute()) {
            throw new IllegalArgumentException("stateDirectory " + dir + " is not absolute even after toAbsolutePath()");
        }
        return absolute;
    }

    /**
     * Defaults: any address, port 6881, 50 peers per torrent, 200 in all, 32 MiB disk queue, 4
     * upload slots, endgame, direct writes, PEX and local service discovery on, the state directory
     * {@link #defaultStateDirectory()}.
     */
    public static Builder builder() {
        return new Builder();
    }

    /** Builds a {@link SessionConfig}, checking each value as it is set. */
    public static final class Builder {
        private InetAddress bindAddress = wildcard();
        private int listenPort = 6881;
        private int maxPeersPerTorrent = 50;
        private int maxConnections = 200;
        /**
         * 32 ms of data at 1 GB/s, enough to keep hashing and writing busy; more only adds to the
         * memory a download holds (measured: the leech's peak RSS fell from 217 to 180 MiB).
         */
        private long diskQueueBytes = 32L << 20;
        private Duration connectTimeout = Duration.ofSeconds(10);
        private Duration requestTimeout = Duration.ofSeconds(20);
        private Duration idleTimeout = Duration.ofMinutes(3);
        private int uploadSlots = 4;
        private Duration trackerTimeout = Duration.ofSeconds(15);
        /**
         * BEP 15 allows eight retransmissions (over an hour); two attempts (45 s) let a dead UDP
         * tracker give way to the next one in its tier much sooner.
         */
        private int udpTrackerAttempts = 2;
        private long downloadRateLimit;
        private long uploadRateLimit;
        private boolean endgame = true;
        /**
         * The page-cache copy was the largest single cost of a download (bench/swarm, perf): 1.3 s
         * of CPU per GB, against 0.1 s direct.
         */
        private boolean directWrites = true;
        private boolean pex = true;
        /** Null until set: the default is worked out at {@link #build()}, from the environment. */
        private Path stateDirectory;
        /** On for users, as in other clients; every test configuration switches it off. */
        private boolean localDiscovery = true;
        private long maxMetadataSize = MAX_METADATA_SIZE;
        /** On for users; every test configuration switches it off or bootstraps from its own nodes. */
        private boolean dht = true;
        private List<InetSocketAddress> dhtBootstrap = dev.spate.dht.DhtConfig.PUBLIC_ROUTERS;
        private EncryptionPolicy encryption = EncryptionPolicy.PREFER;

        private Builder() {
        }

        private static InetAddress wildcard() {
            try {
                return InetAddress.getByAddress(new byte[4]);
            } catch (java.net.UnknownHostException e) {
                throw new AssertionError(e);
            }
        }

        /** The local address (IPv4 or IPv6) to listen on and dial from; the wildcard for both families. */
        public Builder bindAddress(InetAddress address) {
            this.bindAddress = checkBindAddress(address);
            return this;
        }

        /** The listening port, 0 to 65535; 0 picks a free one. */
        public Builder listenPort(int port) {
            this.listenPort = checkListenPort(port);
            return this;
        }

        /** Connections per torrent, at least 1. */
        public Builder maxPeersPerTorrent(int n) {
            this.maxPeersPerTorrent = atLeastOne("maxPeersPerTorrent", n);
            return this;
        }

        /** Connections in the session, at least 1. */
        public Builder maxConnections(int n) {
            this.maxConnections = atLeastOne("maxConnections", n);
            return this;
        }

        /** Bytes of pieces queued for the disk, at least 1 MiB. */
        public Builder diskQueueBytes(long bytes) {
            this.diskQueueBytes = checkDiskQueueBytes(bytes);
            return this;
        }

        /** How long a dial, handshake included, may take; positive. */
        public Builder connectTimeout(Duration d) {
            this.connectTimeout = positive("connectTimeout", d);
            return this;
        }

        /** How long a requested block may go unanswered before it is asked of another peer; positive. */
        public Builder requestTimeout(Duration d) {
            this.requestTimeout = positive("requestTimeout", d);
            return this;
        }

        /** How long a peer may send nothing at all before it is dropped; positive. */
        public Builder idleTimeout(Duration d) {
            this.idleTimeout = positive("idleTimeout", d);
            return this;
        }

        /** Peers each torrent uploads to at once, the optimistic unchoke included; at least 1. */
        public Builder uploadSlots(int n) {
            this.uploadSlots = atLeastOne("uploadSlots", n);
            return this;
        }

        /** See {@link SessionConfig#trackerTimeout()}. */
        public Builder trackerTimeout(Duration d) {
            this.trackerTimeout = positive("trackerTimeout", d);
            return this;
        }

        /** See {@link SessionConfig#udpTrackerAttempts()}; 1 to 9 (BEP 15: up to 8 retransmissions). */
        public Builder udpTrackerAttempts(int n) {
            this.udpTrackerAttempts = checkUdpTrackerAttempts(n);
            return this;
        }

        /** Bytes per second the session may receive, 0 (the default) for no limit. */
        public Builder downloadRateLimit(long bytesPerSecond) {
            this.downloadRateLimit = rate("downloadRateLimit", bytesPerSecond);
            return this;
        }

        /** Bytes per second the session may send, 0 (the default) for no limit. */
        public Builder uploadRateLimit(long bytesPerSecond) {
            this.uploadRateLimit = rate("uploadRateLimit", bytesPerSecond);
            return this;
        }

        /** Endgame mode on (the default) or off; see {@link SessionConfig#endgame()}. */
        public Builder endgame(boolean enabled) {
            this.endgame = enabled;
            return this;
        }

        /** Direct IO for verified pieces on (the default) or off; see {@link SessionConfig#directWrites()}. */
        public Builder directWrites(boolean enabled) {
            this.directWrites = enabled;
            return this;
        }

        /** Peer exchange on (the default) or off; see {@link SessionConfig#pex()}. */
        public Builder pex(boolean enabled) {
            this.pex = enabled;
            return this;
        }

        /**
         * Where the session keeps its own state (resume data); made absolute. Created, with its
         * parents, when first written to. Default: {@link SessionConfig#defaultStateDirectory()}.
         */
        public Builder stateDirectory(Path directory) {
            this.stateDirectory = checkStateDirectory(directory);
            return this;
        }

        /** Local service discovery (BEP 14) on (the default) or off; see {@link SessionConfig#localDiscovery()}. */
        public Builder localDiscovery(boolean enabled) {
            this.localDiscovery = enabled;
            return this;
        }

        /** See {@link SessionConfig#maxMetadataSize()}; 16 KiB to 32 MiB. */
        public Builder maxMetadataSize(long bytes) {
            this.maxMetadataSize = checkMaxMetadataSize(bytes);
            return this;
        }

        /** The DHT (BEP 5) on (the default) or off; see {@link SessionConfig#dht()}. */
        public Builder dht(boolean enabled) {
            this.dht = enabled;
            return this;
        }

        /**
         * The DHT's bootstrap routers, replacing the public defaults; host names are resolved when
         * the session starts, off its start path. See {@link SessionConfig#dhtBootstrap()}.
         */
        public Builder dhtBootstrap(List<InetSocketAddress> routers) {
            this.dhtBootstrap = checkDhtBootstrap(routers);
            return this;
        }

        /** See {@link SessionConfig#encryption()}; {@link EncryptionPolicy#PREFER} by default. */
        public Builder encryption(EncryptionPolicy policy) {
            this.encryption = Objects.requireNonNull(policy, "encryption");
            return this;
        }

        /**
         * The settings as given so far, defaults for the rest.
         *
         * @throws IllegalStateException when no state directory was set and there is no default
         *     (see {@link SessionConfig#defaultStateDirectory()})
         */
        public SessionConfig build() {
            return new SessionConfig(bindAddress, listenPort, maxPeersPerTorrent, maxConnections, diskQueueBytes,
                    connectTimeout, requestTimeout, idleTimeout, uploadSlots, trackerTimeout, udpTrackerAttempts,
                    downloadRateLimit, uploadRateLimit, endgame, directWrites, pex,
                    stateDirectory != null ? stateDirectory : defaultStateDirectory(), localDiscovery, maxMetadataSize,
                    dht, dhtBootstrap, encryption);
        }
    }
}
