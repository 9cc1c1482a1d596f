package dev.spate.engine;

import dev.spate.choke.ChokeCandidate;
import dev.spate.choke.ChokeDecision;
import dev.spate.choke.Choker;
import dev.spate.peer.OutgoingBlock;
import dev.spate.peer.PeerSession;
import dev.spate.peer.RateMeter;
import dev.spate.storage.Storage;
import dev.spate.storage.StorageException;
import dev.spate.wire.Message;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.IntPredicate;

/**
 * The upload role of a torrent: who may download from us (the BEP 3 choker's regular rounds every
 * 10 s and its optimistic unchoke), and where a requested block's bytes come from (the file, sent
 * by the kernel). A change of a peer's interest does not run the choker at once: it marks a
 * rechoke as due, and the torrent runs one per batch of messages, so a peer flipping its interest
 * costs a flag per message, not a round over every peer.
 *
 * <p>Not thread-safe: owned by the torrent's loop.
 */
final class Upload {
    private final Choker<PeerSession> choker;
    private final Storage storage;
    private final IntPredicate weHave;
    private final RateMeter rate = new RateMeter(5);
    private boolean rechokeDue;

    Upload(int uploadSlots, Storage storage, IntPredicate weHave) {
        this.choker = new Choker<>(uploadSlots, new SplittableRandom());
        this.storage = storage;
        this.weHave = weHave;
    }

    /**
     * Where the bytes of a requested block come from, or null when we do not have its piece. No hop
     * through the disk pool and no buffer: the peer's writer has storage send the block from the
     * file (sendfile) when its turn comes, or read it into the writer's buffer for RC4.
     */
    OutgoingBlock.Source serve(Message.Request r) {
        if (!weHave.test(r.piece())) {
            return null;
        }
        int piece = r.piece();
        int begin = r.begin();
        int length = r.length();
        return new OutgoingBlock.Source() {
            @Override
            public void writeTo(WritableByteChannel target) throws IOException {
                storage.transferTo(piece, begin, length, target);
            }

            @Override
            public void readInto(ByteBuffer dst) throws IOException {
                // One positional read: a file's transfer to a buffer would go 8 KiB at a time
                // through the JDK's own buffer (for RC4 seeding, 3 to 10 times the read's cost).
                try {
                    storage.read(piece, begin, dst.slice(dst.position(), length));
                } catch (IOException e) {
                    throw new StorageException(e.getMessage(), e);
                }
                dst.position(dst.position() + length);
            }
        };
    }

    void sent(PeerSession ps, OutgoingBlock block) {
        ps.blockSent(block);
        rate.add(block.length());
    }

    /** Someone's interest changed, or a peer came or went: rechoke soon. Returns whether it was not yet due. */
    boolean markDue() {
        boolean was = rechokeDue;
        rechokeDue = true;
        return !was;
    }

    boolean isDue() {
        return rechokeDue;
    }

    /**
     * Asks the choker who may download from us and tells the peers whose state changed. The choker
     * itself keeps regular rounds ten seconds apart (BEP 3).
     */
    void rechoke(long now, Collection<PeerSession> peers, boolean seeding) {
        rechokeDue = false;
        List<ChokeCandidate<PeerSession>> candidates = new ArrayList<>(peers.size());
        for (PeerSession ps : peers) {
            candidates.add(new ChokeCandidate<>(ps, ps.peerInterested(), ps.pipeline().snubbed(),
                    ps.download().rate(), ps.upload().rate(), ps.connectedAtNanos()));
        }
        ChokeDecision<PeerSession> decision = choker.rechoke(now, candidates, seeding);
        for (PeerSession ps : peers) {
            if (decision.isUnchoked(ps)) {
                ps.unchoke();
            } else {
                ps.choke();
            }
        }
    }

    void tick() {
        rate.tick();
    }

    long rate() {
        return rate.rate();
    }

    long total() {
        return rate.total();
    }
}
