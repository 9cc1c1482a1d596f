package dev.spate.engine;

import dev.spate.picker.PieceGeometry;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Finds who sent the bad block of a piece that failed its hash check, when several peers sent its
 * blocks and none can be blamed yet: it keeps a SHA-1 of every block each peer sent for the failed
 * piece, and once the piece verifies (fetched again), names the peers whose blocks differ from the
 * good ones.
 *
 * <p>Not thread-safe: owned by a torrent's loop thread. Hashing blocks here is on that thread, but
 * only for pieces that failed, which honest swarms never produce.
 */
final class LiarFinder {
    private record Contribution(InetSocketAddress peer, byte[] digest) {
    }

    private final PieceGeometry geometry;
    /** Per failed piece, per block index, what each sender sent. */
    private final Map<Integer, Map<Integer, List<Contribution>>> suspects = new HashMap<>();

    LiarFinder(PieceGeometry geometry) {
        this.geometry = geometry;
    }

    /**
     * Remembers what each peer sent of {@code piece}, which failed its hash check.
     *
     * @param data the piece as assembled, position 0
     * @param senders who sent each block, by block index (null where nobody did)
     * @return the distinct senders, in block order
     */
    Set<InetSocketAddress> failed(int piece, ByteBuffer data, InetSocketAddress[] senders) {
        Map<Integer, List<Contribution>> record = suspects.computeIfAbsent(piece, k -> new HashMap<>());
        Set<InetSocketAddress> contributors = new LinkedHashSet<>();
        for (int b = 0; b < senders.length; b++) {
            InetSocketAddress from = senders[b];
            if (from != null) {
                contributors.add(from);
                record.computeIfAbsent(b, k -> new ArrayList<>()).add(new Contribution(from, blockDigest(data, piece, b)));
            }
        }
        return contributors;
    }

    /**
     * {@code piece} verified with {@code good}: returns the peers that earlier sent a block of it
     * that differs, and forgets the piece.
     */
    Set<InetSocketAddress> verified(int piece, ByteBuffer good) {
        Map<Integer, List<Contribution>> earlier = suspects.remove(piece);
        Set<InetSocketAddress> liars = new LinkedHashSet<>();
        if (earlier == null) {
            return liars;
        }
        for (Map.Entry<Integer, List<Contribution>> e : earlier.entrySet()) {
            byte[] digest = blockDigest(good, piece, e.getKey());
            for (Contribution c : e.getValue()) {
                if (!Arrays.equals(digest, c.digest())) {
                    liars.add(c.peer());
                }
            }
        }
        return liars;
    }

    /** Pieces with a failure on record. */
    int pending() {
        return suspects.size();
    }

    private byte[] blockDigest(ByteBuffer pieceData, int piece, int block) {
        int begin = block * PieceGeometry.BLOCK_SIZE;
        int len = geometry.blockLength(piece, block);
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-1");
            md.update(pieceData.duplicate().position(begin).limit(begin + len));
            return md.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-1", e);
        }
    }
}
