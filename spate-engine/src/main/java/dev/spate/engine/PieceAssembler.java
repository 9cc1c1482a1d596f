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
    /** One piece being put together, or brought whole by a web seed. */
    static final class Piece {
        final int index;
        private final ByteBuffer buffer;
        private final InetSocketAddress[] senders;
        /** The web seed that brought the whole piece, or null for a piece of peers' blocks. */
        final Object wholeSource;

        private Piece(int index, ByteBuffer buffer, int blocks, Object wholeSource) {
            this.index = index;
            this.buffer = buffer;
            this.senders = new InetSocketAddress[blocks];
            this.wholeSource = wholeSource;
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
            p = new Piece(piece, buf, geometry.blockCount(piece), null);
            pieces.put(piece, p);
        }
        p.buffer.put(begin, block, block.position(), block.remaining());
        p.senders[begin / PieceGeometry.BLOCK_SIZE] = from;
        return p;
    }

    /**
     * A pooled buffer for a web seed to fetch {@code piece} into, its limit the piece's size. It
     * joins the assembly with {@link #whole}, or goes back with {@link #release(ByteBuffer)}.
     */
    ByteBuffer wholeBuffer(int piece) {
        ByteBuffer buf = buffers.acquire();
        buf.clear().limit(info.pieceSize(piece));
        return buf;
    }

    /**
     * {@code source} brought all of {@code piece} in {@code buffer} (from {@link #wholeBuffer}): it
     * replaces whatever blocks of it peers had sent, whose buffer goes back to the pool.
     */
    Piece whole(int piece, ByteBuffer buffer, Object source) {
        Piece partial = pieces.remove(piece);
        if (partial != null) {
            buffers.release(partial.buffer);
        }
        buffer.position(0).limit(info.pieceSize(piece));
        Piece p = new Piece(piece, buffer, geometry.blockCount(piece), source);
        pieces.put(piece, p);
        return p;
    }

    /**
     * Forgets {@code piece} if it is still being put together (some block missing: it was never
     * sent to the disk, whose verdict would give its buffer back), taking its buffer back: a
     * recheck found the piece on disk meanwhile.
     */
    void dropPartial(int piece) {
        Piece p = pieces.get(piece);
        if (p != null && p.wholeSource == null && java.util.Arrays.asList(p.senders).contains(null)) {
            pieces.remove(piece);
            buffers.release(p.buffer);
        }
    }

    /** Gives back a buffer from {@link #wholeBuffer} that joined no piece. Any thread. */
    void release(ByteBuffer buffer) {
        buffers.release(buffer);
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
