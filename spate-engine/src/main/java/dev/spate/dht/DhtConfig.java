package dev.spate.dht;

import dev.spate.core.Clock;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.random.RandomGenerator;

/**
 * How a {@link DhtNode} runs. {@link #defaults()} is what users get; the {@code with...} methods change
 * one thing each. Every value is checked when the record is made, with a message naming the field.
 *
 * @param families the DHTs to take part in (BEP 32: one routing table each)
 * @param bootstrap the user's bootstrap routers, host names unresolved; the caller resolves them and
 *     passes the addresses to {@link DhtNode#bootstrap} (the node does no DNS). Defaults to
 *     {@link #PUBLIC_ROUTERS}; every test configuration sets its own or none
 * @param alpha queries in flight per lookup (Kademlia's alpha), 1 to 8
 * @param queryTimeout how long an unanswered query waits before it counts as failed
 * @param readOnly BEP 43: answer no queries and mark ours {@code ro}, for a node others cannot reach
 * @param enforceNodeIds BEP 42 enforcement: nodes whose ids do not match their addresses neither end
 *     lookups nor receive announces (off by default, as BEP 42's transition period asks)
 * @param externalAddressVotes distinct responders that must report the same external address in
 *     BEP 42's {@code ip} before we believe it, at least 2
 * @param queriesPerSecondPerIp incoming queries one IP may send per second on average
 * @param queryBurst incoming queries one IP may send at once before the rate applies
 * @param floodBlock how long an IP over its rate is ignored entirely
 * @param maxPeersPerInfoHash announced peers stored per info-hash
 * @param maxInfoHashes info-hashes with stored peers
 * @param maxStoredPeers announced peers stored in total
 * @param lookupCacheTtl how long a finished lookup's result is reused for the same target
 * @param clock time for every timer of the node
 * @param random randomness for ids, secrets, transaction ids and refresh targets
 */
public record DhtConfig(Set<AddressFamily> families, List<InetSocketAddress> bootstrap, int alpha,
        Duration queryTimeout, boolean readOnly, boolean enforceNodeIds, int externalAddressVotes,
        int queriesPerSecondPerIp, int queryBurst, Duration floodBlock, int maxPeersPerInfoHash,
        int maxInfoHashes, int maxStoredPeers, Duration lookupCacheTtl, Clock clock, RandomGenerator random) {

    /**
     * The public routers users bootstrap from unless they choose others. Only a default for users:
     * nothing in the node contacts them by itself.
     */
    public static final List<InetSocketAddress> PUBLIC_ROUTERS = List.of(
            InetSocketAddress.createUnresolved("router.bittorrent.com", 6881),
            InetSocketAddress.createUnresolved("dht.transmissionbt.com", 6881),
            InetSocketAddress.createUnresolved("dht.libtorrent.org", 25401));

    public static final int DEFAULT_ALPHA = 3;
    public static final Duration DEFAULT_QUERY_TIMEOUT = Duration.ofSeconds(5);
    public static final int DEFAULT_EXTERNAL_ADDRESS_VOTES = 4;
    public static final int DEFAULT_QUERIES_PER_SECOND_PER_IP = 5;
    public static final int DEFAULT_QUERY_BURST = 10;
    public static final Duration DEFAULT_FLOOD_BLOCK = Duration.ofMinutes(1);
    public static final int DEFAULT_MAX_PEERS_PER_INFO_HASH = 100;
    public static final int DEFAULT_MAX_INFO_HASHES = 2_000;
    public static final int DEFAULT_MAX_STORED_PEERS = 20_000;
    public static final Duration DEFAULT_LOOKUP_CACHE_TTL = Duration.ofSeconds(30);

    public DhtConfig {
        Objects.requireNonNull(families, "families");
        if (families.isEmpty()) {
            throw new IllegalArgumentException("families must name IPV4, IPV6 or both");
        }
        families = Set.copyOf(families);
        bootstrap = List.copyOf(Objects.requireNonNull(bootstrap, "bootstrap"));
        if (alpha < 1 || alpha > 8) {
            throw new IllegalArgumentException("alpha must be in 1..8, not " + alpha);
        }
        positive(queryTimeout, "queryTimeout");
        if (externalAddressVotes < 2) {
            throw new IllegalArgumentException("externalAddressVotes must be at least 2 (never one node's word), not "
                    + externalAddressVotes);
        }
        atLeastOne(queriesPerSecondPerIp, "queriesPerSecondPerIp");
        atLeastOne(queryBurst, "queryBurst");
        positive(floodBlock, "floodBlock");
        atLeastOne(maxPeersPerInfoHash, "maxPeersPerInfoHash");
        atLeastOne(maxInfoHashes, "maxInfoHashes");
        atLeastOne(maxStoredPeers, "maxStoredPeers");
        Objects.requireNonNull(lookupCacheTtl, "lookupCacheTtl");
        if (lookupCacheTtl.isNegative()) {
            throw new IllegalArgumentException("lookupCacheTtl must not be negative, not " + lookupCacheTtl);
        }
        Objects.requireNonNull(clock, "clock");
        Objects.requireNonNull(random, "random");
    }

    /** What users get: both families, the public routers, the defaults above, the system clock. */
    public static DhtConfig defaults() {
        return new DhtConfig(EnumSet.allOf(AddressFamily.class), PUBLIC_ROUTERS, DEFAULT_ALPHA,
                DEFAULT_QUERY_TIMEOUT, false, false, DEFAULT_EXTERNAL_ADDRESS_VOTES,
                DEFAULT_QUERIES_PER_SECOND_PER_IP, DEFAULT_QUERY_BURST, DEFAULT_FLOOD_BLOCK,
                DEFAULT_MAX_PEERS_PER_INFO_HASH, DEFAULT_MAX_INFO_HASHES, DEFAULT_MAX_STORED_PEERS,
                DEFAULT_LOOKUP_CACHE_TTL, Clock.system(), new SecureRandom());
    }

    /** The DHTs to take part in. */
    public DhtConfig withFamilies(Set<AddressFamily> families) {
        return new DhtConfig(families, bootstrap, alpha, queryTimeout, readOnly, enforceNodeIds, externalAddressVotes,
                queriesPerSecondPerIp, queryBurst, floodBlock, maxPeersPerInfoHash, maxInfoHashes, maxStoredPeers,
                lookupCacheTtl, clock, random);
    }

    /** The user's bootstrap routers (tests: their own, or none). */
    public DhtConfig withBootstrap(List<InetSocketAddress> bootstrap) {
        return new DhtConfig(families, bootstrap, alpha, queryTimeout, readOnly, enforceNodeIds, externalAddressVotes,
                queriesPerSecondPerIp, queryBurst, floodBlock, maxPeersPerInfoHash, maxInfoHashes, maxStoredPeers,
                lookupCacheTtl, clock, random);
    }

    /** Queries in flight per lookup, 1 to 8. */
    public DhtConfig withAlpha(int alpha) {
        return new DhtConfig(families, bootstrap, alpha, queryTimeout, readOnly, enforceNodeIds, externalAddressVotes,
                queriesPerSecondPerIp, queryBurst, floodBlock, maxPeersPerInfoHash, maxInfoHashes, maxStoredPeers,
                lookupCacheTtl, clock, random);
    }

    /** How long an unanswered query waits. */
    public DhtConfig withQueryTimeout(Duration queryTimeout) {
        return new DhtConfig(families, bootstrap, alpha, queryTimeout, readOnly, enforceNodeIds, externalAddressVotes,
                queriesPerSecondPerIp, queryBurst, floodBlock, maxPeersPerInfoHash, maxInfoHashes, maxStoredPeers,
                lookupCacheTtl, clock, random);
    }

    /** BEP 43 read-only operation. */
    public DhtConfig withReadOnly(boolean readOnly) {
        return new DhtConfig(families, bootstrap, alpha, queryTimeout, readOnly, enforceNodeIds, externalAddressVotes,
                queriesPerSecondPerIp, queryBurst, floodBlock, maxPeersPerInfoHash, maxInfoHashes, maxStoredPeers,
                lookupCacheTtl, clock, random);
    }

    /** BEP 42 enforcement. */
    public DhtConfig withEnforceNodeIds(boolean enforceNodeIds) {
        return new DhtConfig(families, bootstrap, alpha, queryTimeout, readOnly, enforceNodeIds, externalAddressVotes,
                queriesPerSecondPerIp, queryBurst, floodBlock, maxPeersPerInfoHash, maxInfoHashes, maxStoredPeers,
                lookupCacheTtl, clock, random);
    }

    /** Distinct responders needed to believe a reported external address. */
    public DhtConfig withExternalAddressVotes(int votes) {
        return new DhtConfig(families, bootstrap, alpha, queryTimeout, readOnly, enforceNodeIds, votes,
                queriesPerSecondPerIp, queryBurst, floodBlock, maxPeersPerInfoHash, maxInfoHashes, maxStoredPeers,
                lookupCacheTtl, clock, random);
    }

    /** The per-IP limit of incoming queries: average rate, burst, and how long an IP over it is ignored. */
    public DhtConfig withQueryRate(int perSecondPerIp, int burst, Duration block) {
        return new DhtConfig(families, bootstrap, alpha, queryTimeout, readOnly, enforceNodeIds, externalAddressVotes,
                perSecondPerIp, burst, block, maxPeersPerInfoHash, maxInfoHashes, maxStoredPeers,
                lookupCacheTtl, clock, random);
    }

    /** Bounds of the announced peers stored: per info-hash, info-hashes, in total. */
    public DhtConfig withPeerStoreLimits(int perInfoHash, int infoHashes, int total) {
        return new DhtConfig(families, bootstrap, alpha, queryTimeout, readOnly, enforceNodeIds, externalAddressVotes,
                queriesPerSecondPerIp, queryBurst, floodBlock, perInfoHash, infoHashes, total,
                lookupCacheTtl, clock, random);
    }

    /** How long a finished lookup is reused; zero turns the cache off. */
    public DhtConfig withLookupCacheTtl(Duration ttl) {
        return new DhtConfig(families, bootstrap, alpha, queryTimeout, readOnly, enforceNodeIds, externalAddressVotes,
                queriesPerSecondPerIp, queryBurst, floodBlock, maxPeersPerInfoHash, maxInfoHashes, maxStoredPeers,
                ttl, clock, random);
    }

    /** The time source of every timer. */
    public DhtConfig withClock(Clock clock) {
        return new DhtConfig(families, bootstrap, alpha, queryTimeout, readOnly, enforceNodeIds, externalAddressVotes,
                queriesPerSecondPerIp, queryBurst, floodBlock, maxPeersPerInfoHash, maxInfoHashes, maxStoredPeers,
                lookupCacheTtl, clock, random);
    }

    /** The randomness source (tests: a seeded one, for repeatable runs). */
    public DhtConfig withRandom(RandomGenerator random) {
        return new DhtConfig(families, bootstrap, alpha, queryTimeout, readOnly, enforceNodeIds, externalAddressVotes,
                queriesPerSecondPerIp, queryBurst, floodBlock, maxPeersPerInfoHash, maxInfoHashes, maxStoredPeers,
                lookupCacheTtl, clock, random);
    }

    private static void positive(Duration d, String name) {
        Objects.requireNonNull(d, name);
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(name + " must be positive, not " + d);
        }
    }

    private static void atLeastOne(int value, String name) {
        if (value < 1) {
            throw new IllegalArgumentException(name + " must be at least 1, not " + value);
        }
    }
}
