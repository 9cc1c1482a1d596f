package dev.spate.engine;

import dev.spate.core.InfoHash;
import dev.spate.metainfo.TorrentInfo;
import dev.spate.peer.PeerLink;
import dev.spate.peer.PeerSession;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The figures a torrent shows the world: its {@link TorrentStatus} and a {@link PeerStats} for each
 * peer, gathered from its roles. The last status is kept for questions the loop cannot answer in
 * time.
 *
 * <p>Snapshots are taken on the torrent's loop; {@link #last()} may be read from any thread.
 */
final class Snapshots {
    private final TorrentInfo info;
    private final InfoHash hash;
    private final Lifecycle lifecycle;
    private final Download download;
    private final Upload upload;
    private final Connections connections;
    private final TorrentTrackers trackers;
    private final WebSeeds webSeeds;
    private volatile TorrentStatus last;

    Snapshots(TorrentInfo info, InfoHash hash, Lifecycle lifecycle, Download download, Upload upload,
              Connections connections, TorrentTrackers trackers, WebSeeds webSeeds) {
        this.webSeeds = webSeeds;
        this.info = info;
        this.hash = hash;
        this.lifecycle = lifecycle;
        this.download = download;
        this.upload = upload;
        this.connections = connections;
        this.trackers = trackers;
    }

    /** The torrent now, with {@code error} if it stopped on one. Loop. */
    TorrentStatus status(Optional<String> error) {
        TorrentStatus s = TorrentStatus.builder().name(info.name()).infoHash(hash).state(lifecycle.state())
                .pieces(download.piecesVerified(), info.pieceCount())
                .bytes(download.bytesVerified(), info.totalLength())
                .rates(download.rate(), upload.rate())
                .transferred(download.total(), upload.total(), download.wasted())
                .peers(connections.count())
                .knownPeers(connections.count() + connections.candidateCount()).hashFailures(download.hashFailures())
                .error(error).trackers(trackers.states()).webSeeds(webSeeds.stats())
                .files(download.choice().statuses())
                .wanted(download.wantedBytesVerified(), download.wantedBytes())
                .verifiedPieces(download.verifiedPieces()).build();
        last = s;
        return s;
    }

    /** The last status taken, marked stale. Any thread. */
    TorrentStatus last() {
        return last.asStale();
    }

    /** The last status taken, as it was taken. Any thread. */
    TorrentStatus latest() {
        return last;
    }

    /** Every peer now. Loop. */
    List<PeerStats> peers() {
        List<PeerStats> out = new ArrayList<>();
        for (PeerSession ps : connections.peers()) {
            PeerLink link = ps.link();
            out.add(PeerStats.builder().peer(link.remote(), ps.client(), link.outgoing())
                    .rates(ps.download().rate(), ps.upload().rate())
                    .transferred(ps.download().total(), ps.upload().total())
                    .flags(ps.peerChoking(), ps.peerInterested(), ps.amChoking(), ps.amInterested())
                    .requests(download.outstanding(ps), ps.pipeline().target(), ps.pipeline().snubbed())
                    .piecesItHas(download.peerPieces(ps)).encryption(PeerEncryption.of(link.encryption())).build());
        }
        return out;
    }
}
