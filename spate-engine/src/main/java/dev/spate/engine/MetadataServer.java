package dev.spate.engine;

import dev.spate.core.Clock;
import dev.spate.peer.PeerSession;
import dev.spate.wire.ExtensionIds;
import dev.spate.wire.MetadataMessage;
import dev.spate.wire.WireException;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;

/**
 * Serves our torrent's info dictionary to peers that ask for it (BEP 9's {@code ut_metadata}), so
 * that a peer given only a magnet link can open the torrent from us.
 *
 * <p>A private torrent's metadata stays among its tracker's peers (BEP 27): we neither announce
 * the extension nor answer with data. Each peer may fetch the metadata a few times a minute
 * ({@link #budget}); a request past that is rejected, as BEP 9 allows against flooding, and a
 * peer that goes on asking far past it, or sends a message that is not BEP 9's, is dropped.
 *
 * <p>Not thread-safe: owned by the torrent's loop.
 */
final class MetadataServer {
    static final long WINDOW_NANOS = TimeUnit.MINUTES.toNanos(1);
    /** Requests past the budget in one window that are rejects, not yet a reason to hang up. */
    static final int FLOOD_FACTOR = 8;

    private final byte[] info;
    private final boolean privateTorrent;
    private final Clock clock;
    private final int budget;
    private final Map<PeerSession, Window> windows = new HashMap<>();

    /**
     * @param info the info dictionary, exactly the bytes the info-hash was computed over
     */
    MetadataServer(byte[] info, boolean privateTorrent, Clock clock) {
        this.info = info;
        this.privateTorrent = privateTorrent;
        this.clock = clock;
        // Enough for a peer to fetch it whole twice (one lost answer, a reconnect) and a little more.
        this.budget = 2 * pieces(info.length) + 4;
    }

    /** What we add to our BEP 10 handshake: the extension and its size, unless private. */
    Map<String, Integer> extensions() {
        return privateTorrent ? Map.of() : Map.of(ExtensionIds.UT_METADATA, ExtensionIds.OUR_UT_METADATA);
    }

    /** Our {@code metadata_size}, unless private. */
    OptionalLong metadataSize() {
        return privateTorrent ? OptionalLong.empty() : OptionalLong.of(info.length);
    }

    /**
     * A {@code ut_metadata} message from {@code peer}: a request is answered with a piece or a
     * reject; data and rejects are ignored (we asked for nothing, we have it).
     */
    void onMessage(PeerSession peer, byte[] payload, Disconnect disconnect) {
        Optional<MetadataMessage> decoded;
        try {
            decoded = MetadataMessage.decode(payload);
        } catch (WireException e) {
            disconnect.drop(peer, "protocol violation: " + e.getMessage());
            return;
        }
        if (decoded.isEmpty() || !(decoded.get() instanceof MetadataMessage.Request request)) {
            return;
        }
        Window window = windows.computeIfAbsent(peer, p -> new Window(clock.nanoTime()));
        long now = clock.nanoTime();
        if (now - window.startNanos >= WINDOW_NANOS) {
            window.startNanos = now;
            window.requests = 0;
        }
        window.requests++;
        if (window.requests > (long) budget * FLOOD_FACTOR) {
            disconnect.drop(peer, "metadata request flood: more than " + budget * FLOOD_FACTOR
                    + " ut_metadata requests in a minute");
            return;
        }
        MetadataMessage answer = window.requests > budget
                ? new MetadataMessage.Reject(request.piece())
                : MetadataMessage.answer(request, info, privateTorrent);
        peer.sendExtension(ExtensionIds.UT_METADATA, answer.encode());
    }

    /** Forgets a peer that left. */
    void peerLeft(PeerSession peer) {
        windows.remove(peer);
    }

    private static int pieces(int size) {
        return Math.max(1, (size + MetadataMessage.PIECE_LENGTH - 1) / MetadataMessage.PIECE_LENGTH);
    }

    /** Hangs up on a peer, for a reason. */
    interface Disconnect {
        void drop(PeerSession peer, String reason);
    }

    private static final class Window {
        long startNanos;
        long requests;

        Window(long startNanos) {
            this.startNanos = startNanos;
        }
    }
}
