package dev.spate.engine;

import dev.spate.metainfo.FileEntry;
import dev.spate.metainfo.TorrentInfo;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One file of a torrent as an {@link InputStream} ({@link TorrentHandle#openStream}): a read waits
 * until the piece under the position is verified, then reads the verified bytes through the
 * torrent's storage on the disk pool (never on the caller's thread: an interrupt there would close
 * a file channel the torrent's other threads share). Each time the position enters a piece, the
 * pieces from there to {@link #READ_AHEAD_BYTES} ahead get deadlines, the one under it
 * {@link Duration#ZERO} (urgent: asked of several peers) and each next one {@link #STEP} later,
 * so the download keeps ahead of a reader that reads at about a piece a second or slower, and a
 * faster one waits only for what is missing. The deadlines are this stream's claims
 * ({@link Torrent#claimPieceDeadlines}): where several streams read one torrent, a piece gets the
 * earliest time any of them wants it by, and closing one stream leaves the others' claims.
 *
 * <p>One reader thread; {@link #close} from any thread.
 */
final class FileStream extends InputStream {
    /** How far ahead of the position pieces get deadlines (at least two pieces, at most {@link #MAX_AHEAD}). */
    static final long READ_AHEAD_BYTES = 8L << 20;
    /** The most pieces with a deadline ahead: each pick goes over the deadlines, so they stay few. */
    static final int MAX_AHEAD = 64;
    /** Between the deadlines of consecutive pieces ahead. */
    static final Duration STEP = Duration.ofSeconds(1);
    /** The most read from disk at once. */
    static final int CHUNK = 256 * 1024;
    /** How often a waiting read looks whether the stream was closed or the torrent stopped. */
    private static final long POLL_MILLIS = 200;

    private final Torrent torrent;
    private final TorrentInfo info;
    private final long start;
    private final long length;
    private final int firstPiece;
    private final int lastPiece;
    private final int ahead;
    private long position;
    /** Bytes read from disk ahead of the position; null or empty when none. */
    private ByteBuffer buffer;
    /** The piece the position was in at the last read, -1 before. */
    private int piece = -1;
    private volatile boolean closed;

    FileStream(Torrent torrent, int fileIndex) {
        this.torrent = torrent;
        this.info = torrent.info();
        FileEntry file = info.dataFiles().get(fileIndex);
        this.start = file.offset();
        this.length = file.length();
        this.firstPiece = (int) (start / info.pieceLength());
        this.lastPiece = length == 0 ? firstPiece - 1 : (int) ((start + length - 1) / info.pieceLength());
        this.ahead = (int) Math.min(MAX_AHEAD, Math.max(2, READ_AHEAD_BYTES / info.pieceLength()));
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, b.length);
        ensureOpen();
        if (len == 0) {
            return 0;
        }
        if (position >= length) {
            return -1;
        }
        if (buffer == null || !buffer.hasRemaining()) {
            fill();
        }
        int n = Math.min(len, buffer.remaining());
        buffer.get(b, off, n);
        position += n;
        return n;
    }

    /** Reads the next chunk at the position, once its piece is verified. */
    private void fill() throws IOException {
        long at = start + position;
        int p = (int) (at / info.pieceLength());
        int begin = (int) (at % info.pieceLength());
        if (p != piece) {
            piece = p;
            setDeadlines(p);
        }
        await(torrent.whenVerified(p));
        int n = (int) Math.min(Math.min(CHUNK, info.pieceSize(p) - begin), length - position);
        if (buffer == null || buffer.capacity() < n) {
            buffer = ByteBuffer.allocate(Math.min(CHUNK, (int) Math.min(info.pieceLength(), Math.max(n, 1))));
        }
        buffer.clear().limit(n);
        await(torrent.readVerified(p, begin, buffer));
        buffer.flip();
    }

    /**
     * Claims deadlines for the window from {@code from} in place of the last window's: the pieces
     * behind it were read, or skipped by a seek, and are no longer this stream's to hurry.
     */
    private void setDeadlines(int from) {
        Map<Integer, Duration> deadlines = new LinkedHashMap<>();
        int to = Math.min(lastPiece, from + ahead - 1);
        for (int p = from; p <= to; p++) {
            deadlines.put(p, STEP.multipliedBy(p - from));
        }
        torrent.claimPieceDeadlines(this, deadlines);
    }

    /** Waits for {@code f}, looking now and then whether the stream was closed or the torrent stopped. */
    private void await(CompletableFuture<Void> f) throws IOException {
        try {
            while (true) {
                try {
                    f.get(POLL_MILLIS, TimeUnit.MILLISECONDS);
                    return;
                } catch (TimeoutException e) {
                    ensureOpen();
                    if (torrent.completion().isCompletedExceptionally()) {
                        f.cancel(false);
                        throw new IOException("torrent " + info.name() + " stopped");
                    }
                }
            }
        } catch (InterruptedException e) {
            f.cancel(false); // a waiter gone: the torrent forgets it
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted reading " + info.name());
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            throw cause instanceof IOException io ? io : new IOException(Messages.message(cause), cause);
        }
    }

    private void ensureOpen() throws IOException {
        if (closed) {
            throw new IOException("stream closed");
        }
    }

    /** Moves the position without reading (and without waiting for the bytes skipped). */
    @Override
    public long skip(long n) throws IOException {
        ensureOpen();
        long skipped = Math.max(0, Math.min(n, length - position));
        if (skipped == 0) {
            return 0;
        }
        int inBuffer = buffer == null ? 0 : buffer.remaining();
        if (skipped <= inBuffer) {
            buffer.position(buffer.position() + (int) skipped);
        } else if (buffer != null) {
            buffer.limit(0);
        }
        position += skipped;
        return skipped;
    }

    /** The bytes read from disk and not yet returned: those a read gives without waiting. */
    @Override
    public int available() throws IOException {
        ensureOpen();
        return buffer == null ? 0 : buffer.remaining();
    }

    /** Whether {@link #close} was called (from any thread). */
    boolean isClosed() {
        return closed;
    }

    /** Closes the stream and lets go of the deadlines it claimed (other streams' claims on those pieces stay). */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        torrent.claimPieceDeadlines(this, Map.of());
    }
}
