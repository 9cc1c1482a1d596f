package dev.spate.engine;

import dev.spate.peer.OutgoingBlock;
import dev.spate.peer.PeerConnection;
import dev.spate.peer.PeerLink;
import dev.spate.peer.PeerSession;
import dev.spate.storage.StorageException;
import dev.spate.wire.Message;
import java.io.IOException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * Where a torrent's links hand over what they read and what they sent: the one place peers'
 * threads meet the loop. It applies backpressure before a message is posted: a block waits for
 * room in the disk queue, a request for room in the peer's outbox, and every message for the
 * peer's credit ({@link Connections#CREDITS} messages waiting on the loop at most), so a peer we
 * cannot keep up with is simply not read, and its flood waits in TCP rather than in our memory.
 *
 * <p>Threads: the listener methods run on the links' reader and writer threads; what they post
 * runs on the loop.
 */
final class Inbox implements PeerConnection.Listener {
    /** Bytes queued to one peer's socket before its requests stop being read. */
    static final long OUTBOX_LIMIT = 4L << 20;
    /** See {@link #weight}: 32 blocks (512 KiB) of one peer wait on the loop at most. */
    static final int BLOCK_WEIGHT = 16;

    /** The loop's side. */
    interface Loop {
        boolean post(Runnable task);

        /** A message of an attached peer (or of one that just left), on the loop. */
        void received(PeerLink link, Message message);

        /** The torrent's data cannot be read: it cannot seed. On the loop. */
        void unreadable(String message);
    }

    private final TorrentContext context;
    private final int pieceLength;
    private final Connections connections;
    private final Upload upload;
    private final Loop loop;

    Inbox(TorrentContext context, int pieceLength, Connections connections, Upload upload, Loop loop) {
        this.context = context;
        this.pieceLength = pieceLength;
        this.connections = connections;
        this.upload = upload;
        this.loop = loop;
    }

    @Override
    public void onMessage(PeerLink link, Message m) throws InterruptedException {
        if (m instanceof Message.Piece) {
            context.disk().awaitRoom(pieceLength);
        } else if (m instanceof Message.Request) {
            link.awaitQueuedBelow(OUTBOX_LIMIT);
        }
        int weight = weight(m);
        Semaphore credit = connections.credit(link);
        while (credit != null && !credit.tryAcquire(weight, Connections.CREDIT_POLL_MILLIS, TimeUnit.MILLISECONDS)) {
            credit = connections.credit(link); // gone meanwhile: stop waiting
        }
        if (credit == null) {
            release(m);
            return;
        }
        Semaphore held = credit;
        if (!loop.post(() -> {
            try {
                loop.received(link, m);
            } finally {
                held.release(weight);
                release(m); // a block's bytes are in its piece by now
            }
        })) {
            held.release(weight);
            release(m);
        }
    }

    /**
     * A message's share of its peer's credit: a block holds 16 KiB until the loop takes it, so it
     * weighs as much as {@link #BLOCK_WEIGHT} small messages; the bytes a peer can have waiting on
     * the loop are bounded, not just their number.
     */
    static int weight(Message m) {
        return m instanceof Message.Piece || m instanceof Message.Extended ? BLOCK_WEIGHT : 1;
    }

    /** A received block's buffer goes back to the session's pool. */
    private void release(Message m) {
        if (m instanceof Message.Piece p) {
            context.blockBuffers().release(p.block());
        }
    }

    @Override
    public void onClosed(PeerLink link, String reason) {
        if (!loop.post(() -> connections.closed(link, reason))) {
            connections.release(link);
        }
    }

    @Override
    public void onBlockSent(PeerLink link, OutgoingBlock block) {
        loop.post(() -> {
            PeerSession ps = connections.session(link);
            if (ps != null) {
                upload.sent(ps, block);
            }
        });
    }

    @Override
    public void onBlockFailed(PeerLink link, OutgoingBlock block, IOException cause) {
        if (cause instanceof StorageException) {
            // Our data is gone or unreadable (a file deleted or cut short under us): the torrent
            // cannot seed it, whoever asks. A socket's failure only ends that connection.
            loop.post(() -> loop.unreadable(cause.getMessage()));
        }
    }

    @Override
    public void onFatal(PeerLink link, Error error) {
        context.fatal().accept(error);
    }
}
