package dev.spate.engine;

import dev.spate.core.InfoHash;
import dev.spate.peer.EarlyMessages;
import dev.spate.peer.PeerLink;

/**
 * A connection of a magnet's metadata phase on its way to the torrent proper: the link, holding
 * its messages ({@link PeerLink#holdMessages}), and what the peer said before the metadata. It
 * holds a session connection slot, which whoever has it last gives back: the torrent's
 * {@link Connections} once it adopts the link, or whoever drops it ({@link #drop}).
 *
 * @param link the connection, handshaken and held
 * @param early the peer's pieces, choke and interest, and handshake, kept before the metadata
 */
record CarriedPeer(PeerLink link, EarlyMessages early) {
    /**
     * Closes the link and gives its slot back: the torrent will not have it. Its old listener,
     * the metadata phase, is over and tells nobody, so the disconnection is published here.
     */
    void drop(TorrentContext context, InfoHash hash, String reason) {
        link.close(reason);
        context.slots().release();
        context.events().accept(new Event.PeerDisconnected(hash, link.remote(), reason));
    }
}
