package dev.spate.engine;

import dev.spate.core.Bitfield;
import dev.spate.peer.OutgoingBlock;
import dev.spate.peer.PeerSession;
import dev.spate.wire.ExtensionIds;
import dev.spate.wire.Message;

/**
 * What peers' sessions report, sent to the role each intent belongs to: availability, blocks and
 * our requests to the {@link Download}, requests to serve and interest to the {@link Upload}, a
 * reason to hang up to the {@link Connections}, metadata requests to the {@link MetadataServer}.
 *
 * <p>Not thread-safe: called on the torrent's loop, from {@link PeerSession#handle} and
 * {@link PeerSession#tick}.
 */
final class PeerIntents implements PeerSession.Listener {
    private final Download download;
    private final Upload upload;
    private final Connections connections;
    private final Lifecycle lifecycle;
    private final MetadataServer metadata;
    private final Pex pex;
    /** Where the DHT nodes peers name go; nowhere for a private torrent (BEP 27). */
    private final java.util.function.Consumer<java.net.InetSocketAddress> dhtNodes;

    PeerIntents(Download download, Upload upload, Connections connections, Lifecycle lifecycle,
            MetadataServer metadata, Pex pex, java.util.function.Consumer<java.net.InetSocketAddress> dhtNodes) {
        this.download = download;
        this.upload = upload;
        this.connections = connections;
        this.lifecycle = lifecycle;
        this.metadata = metadata;
        this.pex = pex;
        this.dhtNodes = dhtNodes;
    }

    /**
     * A peer whose BEP 10 handshake says it prefers encryption ({@code e}) is dialled with MSE
     * next time, at the port it listens on.
     */
    @Override
    public void extensionHandshake(PeerSession peer, dev.spate.wire.ExtendedHandshake handshake) {
        java.net.InetAddress ip = peer.link().remote().getAddress();
        if (handshake.prefersEncryption() && ip != null && handshake.listenPort().isPresent()) {
            connections.prefersEncryption(new java.net.InetSocketAddress(ip, handshake.listenPort().getAsInt()));
        }
    }

    @Override
    public void dhtNode(PeerSession peer, java.net.InetSocketAddress node) {
        dhtNodes.accept(node);
    }

    @Override
    public void peerHas(PeerSession peer, int piece) {
        download.peerHas(peer, piece);
    }

    @Override
    public void peerHasBitfield(PeerSession peer, Bitfield pieces) {
        download.peerHasBitfield(peer, pieces);
    }

    @Override
    public void peerHasAll(PeerSession peer) {
        download.peerHasAll(peer);
    }

    @Override
    public void peerHasNone(PeerSession peer) {
        download.peerHasNone(peer);
    }

    @Override
    public void interestChanged(PeerSession peer, boolean interested) {
        upload.markDue(); // the torrent rechokes once the batch of messages is through
    }

    @Override
    public void canRequest(PeerSession peer) {
        download.fill(peer);
    }

    @Override
    public boolean blockArrived(PeerSession peer, Message.Piece block) {
        return download.blockArrived(peer, block);
    }

    @Override
    public void requestsDropped(PeerSession peer) {
        download.requestsDropped(peer);
    }

    @Override
    public void requestRejected(PeerSession peer, int piece, int begin, int length) {
        download.rejected(peer, piece, begin, length);
    }

    @Override
    public void requestsExpired(PeerSession peer, long pickedAtOrBefore) {
        download.expired(peer, pickedAtOrBefore);
    }

    @Override
    public OutgoingBlock.Source serve(PeerSession peer, Message.Request request) {
        return lifecycle.isActive() ? upload.serve(request) : null;
    }

    @Override
    public void disconnect(PeerSession peer, String reason) {
        connections.disconnect(peer, reason);
    }

    @Override
    public void extensionMessage(PeerSession peer, String name, byte[] payload) {
        switch (name) {
            case ExtensionIds.UT_METADATA -> metadata.onMessage(peer, payload, connections::disconnect);
            case ExtensionIds.UT_PEX -> pex.onMessage(peer, payload);
            default -> { } // an extension we announced but take no messages of
        }
    }
}
