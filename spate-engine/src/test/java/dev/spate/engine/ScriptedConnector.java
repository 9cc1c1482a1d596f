package dev.spate.engine;

import dev.spate.core.InfoHash;
import dev.spate.peer.PeerConnection;
import dev.spate.peer.PeerLink;
import dev.spate.peer.ScriptedLink;
import dev.spate.wire.TorrentGeometry;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A connector with no sockets, for the engine's loop tests: a dial reaches the scripted link put in
 * {@link #reachable} for its address, and is refused otherwise; every dial is recorded in
 * {@link #dialled}. Nothing is accepted. Any thread.
 */
final class ScriptedConnector implements TorrentContext.Connector {
    final Map<InetSocketAddress, ScriptedLink> reachable = new ConcurrentHashMap<>();
    final List<InetSocketAddress> dialled = new CopyOnWriteArrayList<>();

    @Override
    public PeerLink dial(InetSocketAddress address, InfoHash hash, TorrentGeometry geometry,
                         PeerConnection.Listener listener, PeerConnection.Limits limits) throws Exception {
        dialled.add(address);
        ScriptedLink link = reachable.get(address);
        if (link == null) {
            throw new ConnectException("Connection refused");
        }
        return link;
    }

    @Override
    public PeerLink accept(PeerConnection.Handshaken incoming, TorrentGeometry geometry,
                           PeerConnection.Listener listener, PeerConnection.Limits limits) {
        throw new UnsupportedOperationException("no sockets here");
    }

    final List<InetSocketAddress> prefersEncryption = new CopyOnWriteArrayList<>();

    @Override
    public void prefersEncryption(InetSocketAddress address) {
        prefersEncryption.add(address);
    }
}
