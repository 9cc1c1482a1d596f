package dev.spate.lsd;

import dev.spate.core.InfoHash;
import java.net.InetSocketAddress;

/**
 * Where an {@link LsdService} hands the peers it hears: implemented by the engine.
 */
@FunctionalInterface
public interface LsdListener {
    /**
     * A peer on the local network takes part in the torrent {@code infoHash}, one of those registered
     * with {@link LsdService#add}, and accepts connections at {@code peer}: the announce's source
     * address with the port it announced (an IPv6 link-local address keeps its scope). Already
     * rate-limited per source and in total, and the same peer is not repeated within a minute.
     *
     * <p>Called on the service's receive thread: must return quickly and must not block (post to the
     * torrent's mailbox). An exception thrown here is logged and the service carries on.
     */
    void onPeer(InfoHash infoHash, InetSocketAddress peer);
}
