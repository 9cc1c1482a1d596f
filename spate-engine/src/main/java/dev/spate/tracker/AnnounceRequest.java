package dev.spate.tracker;

import dev.spate.core.InfoHash;
import dev.spate.core.PeerId;
import java.util.Objects;
import java.util.Optional;

/**
 * One announce (BEP 3 "Trackers"; BEP 15 announce request). {@code numWant} below zero means "the
 * tracker's default"; {@code key} lets a tracker recognise us across address changes; {@code
 * trackerId} echoes the {@code tracker id} a previous answer carried; {@code compact} asks for BEP 23
 * peer strings (UDP is always compact).
 */
public record AnnounceRequest(
        InfoHash infoHash,
        PeerId peerId,
        int port,
        long uploaded,
        long downloaded,
        long left,
        Event event,
        int numWant,
        int key,
        Optional<String> trackerId,
        boolean compact) {

    /** The announce event of BEP 3; NONE is a regular interval announce. */
    public enum Event {
        NONE("", 0),
        STARTED("started", 2),
        COMPLETED("completed", 1),
        STOPPED("stopped", 3);

        private final String httpName;
        private final int udpCode;

        Event(String httpName, int udpCode) {
            this.httpName = httpName;
            this.udpCode = udpCode;
        }

        /** The {@code event} query value of BEP 3; empty for NONE, which sends no parameter. */
        public String httpName() {
            return httpName;
        }

        /** The event field of BEP 15: 0 none, 1 completed, 2 started, 3 stopped. */
        public int udpCode() {
            return udpCode;
        }
    }

    public AnnounceRequest {
        Objects.requireNonNull(infoHash, "infoHash");
        Objects.requireNonNull(peerId, "peerId");
        Objects.requireNonNull(event, "event");
        Objects.requireNonNull(trackerId, "trackerId");
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port " + port + " outside [0, 65535]");
        }
        if (uploaded < 0 || downloaded < 0 || left < 0) {
            throw new IllegalArgumentException(
                    "negative counter: uploaded " + uploaded + ", downloaded " + downloaded + ", left " + left);
        }
    }

    /** A compact request with default numwant and no tracker id. */
    public static AnnounceRequest of(InfoHash infoHash, PeerId peerId, int port, long uploaded, long downloaded,
            long left, Event event, int key) {
        return new AnnounceRequest(infoHash, peerId, port, uploaded, downloaded, left, event, -1, key,
                Optional.empty(), true);
    }

    public AnnounceRequest withTrackerId(Optional<String> id) {
        return new AnnounceRequest(infoHash, peerId, port, uploaded, downloaded, left, event, numWant, key, id,
                compact);
    }
}
