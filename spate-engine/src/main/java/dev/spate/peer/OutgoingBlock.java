package dev.spate.peer;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A block we serve (BEP 3 piece message), queued in a connection's outbox while its bytes stay
 * where they lie: the writer sends the message header and then has the {@link Source} put the
 * bytes on the socket, straight from the file with the kernel's sendfile where the storage can.
 * No buffer holds the block on its way, so serving costs no copy and no memory per block.
 *
 * <p>Until the writer takes it, the torrent may {@link #cancel} it (the peer cancelled, or we
 * choked it); the writer then skips it. Exactly one of the two wins, so a block is either sent
 * or rejected, never both. Thread-safe.
 */
public final class OutgoingBlock {
    /** Puts a block's bytes on the socket. */
    @FunctionalInterface
    public interface Source {
        /** Writes exactly the block's bytes to {@code target}, a blocking channel. */
        void writeTo(WritableByteChannel target) throws IOException;

        /**
         * Puts exactly the block's bytes into {@code dst} (which has room for them), for a
         * connection that must change them on the way (RC4). This default has {@link #writeTo}
         * write into it; a source that can read straight into memory should: a file channel's
         * transfer to a channel that is not a socket goes through its own 8 KiB buffer.
         */
        default void readInto(ByteBuffer dst) throws IOException {
            writeTo(new WritableByteChannel() {
                @Override
                public int write(ByteBuffer src) throws IOException {
                    int n = src.remaining();
                    if (n > dst.remaining()) {
                        throw new IOException("block source wrote more than " + dst.limit() + " bytes");
                    }
                    dst.put(src);
                    return n;
                }

                @Override
                public boolean isOpen() {
                    return true;
                }

                @Override
                public void close() {
                }
            });
        }
    }

    private static final int QUEUED = 0;
    private static final int TAKEN = 1;
    private static final int CANCELLED = 2;

    private final int piece;
    private final int begin;
    private final int length;
    private final Source source;
    private final AtomicInteger state = new AtomicInteger(QUEUED);

    public OutgoingBlock(int piece, int begin, int length, Source source) {
        if (length <= 0) {
            throw new IllegalArgumentException("block length " + length);
        }
        this.piece = piece;
        this.begin = begin;
        this.length = length;
        this.source = source;
    }

    public int piece() {
        return piece;
    }

    public int begin() {
        return begin;
    }

    public int length() {
        return length;
    }

    /**
     * Withdraws the block unless the writer already took it; true when it will not be sent (so it
     * may be rejected), false when it is being or has been sent.
     */
    public boolean cancel() {
        return state.compareAndSet(QUEUED, CANCELLED) || state.get() == CANCELLED;
    }

    /** The writer's claim: true if the block is to be sent now. */
    boolean take() {
        return state.compareAndSet(QUEUED, TAKEN);
    }

    Source source() {
        return source;
    }

    @Override
    public String toString() {
        return "block " + piece + "/" + begin + "+" + length;
    }
}
