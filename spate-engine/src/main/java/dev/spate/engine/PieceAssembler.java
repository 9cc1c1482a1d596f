package dev.spate.engine;

import dev.spate.metainfo.TorrentInfo;
import dev.spate.picker.PieceGeometry;
import dev.spate.storage.PieceBuffers;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.Map;

/**
 * The pieces being put together from their blocks: one pooled buffer each, and who sent which
 * block (to charge the senders, or find the liar, if the piece fails its hash).
 *
 * <p>Buffers are direct (off-heap): the collector never copies pieces waiting for the disk (it did,
 * for 300 ms at a time, with heap buffers), and the file write needs no copy of its own. Enough stay
 * pooled for a full disk queue, so steady state allocates none.
 *
 * <p>Not thread-safe: owned by a torrent's loop thread. A piece handed to the disk pool is read
 * there until its verdict comes back to the loop, which then calls {@link #done}.
 */
final class PieceAssembler {
    /** One piece being put together. */
    static final class Piece {
        final int index;
        private final ByteBuffer buffer;
        private final InetSocketAddress[] senders;

        private Piece(int index, ByteBuffer buffer, int blocks) {
            this.index = index;
            this.buffer = buffer;
            this.senders = new InetSocketAddress[blocks];
        }

        /** The piece's bytes, position 0 to its size; do not write. */
        ByteBuffer data() {
            return buffer.duplicate().position(0);
        }

        /** Who sent each block, by block index (null where none arrived). */
        InetSocketAddress[] senders() {
            return senders;
        }
    }

    private final TorrentInfo info;
    private final PieceGeometry geometry;
    private final PieceBuffers buffers;
    private final Map<Integer, Piece> pieces = new HashMap<>();

    PieceAssembler(TorrentInfo info, PieceGeometry geometry, long diskQueueBytes) {
        this.info = info;
        this.geometry = geometry;
        int idle = (int) Math.min(256, diskQueueBytes / info.pieceLength() + 16);
        this.buffers = new PieceBuffers(info.pieceLength(), idle, true);
    }

    /** Copies a block the picker accepted into its piece; returns the piece. */
    Piece add(int piece, int begin, ByteBuffer block, InetSocketAddress from) {
        Piece p = pieces.get(piece);
        if (p == null) {
            ByteBuffer buf = buffers.acquire();
            buf.clear().limit(info.pieceSize(piece));
            p = new Piece(piece, buf, geometry.blockCount(piece));
            pieces.put(piece, p);
        }
        p.buffer.put(begin, block, block.position(), block.remaining());
        p.senders[begin / PieceGeometry.BLOCK_SIZE] = from;
        return p;
    }

    /** The piece has its verdict (or failed to get one): forget it and take its buffer back. */
    void done(Piece p) {
        pieces.remove(p.index, p);
        buffers.release(p.buffer);
    }

    /**
     * Gives the piece's buffer back from any thread, once the loop is gone (a verdict that came
     * too late): the pool is thread-safe, the map is never read again.
     */
    void release(Piece p) {
        buffers.release(p.buffer);
    }

    /** Lets go of idle buffers: the torrent assembles nothing for now (complete, paused, removed). */
    void trim() {
        buffers.trim();
    }
}
