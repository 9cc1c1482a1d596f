package dev.spate.mse;

import java.io.EOFException;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.nio.channels.GatheringByteChannel;
import java.nio.channels.SocketChannel;

/**
 * The payload stream of a connection whose MSE handshake is done: the bytes the handshake read
 * past its end come first, then the socket's, decrypted when the method is RC4; writes are
 * encrypted when it is RC4 and go straight to the socket when it is plaintext.
 *
 * <p>Writes are whole: the socket is in blocking mode, and an RC4 stream cannot take back a byte
 * it encrypted, so {@code write} returns only once every byte is on the socket.
 *
 * <p>Threads: one reader and one writer at a time (the two directions share no state).
 */
public final class PayloadChannel implements ByteChannel, GatheringByteChannel {
    private static final int CHUNK = 64 * 1024;

    private final SocketChannel socket;
    private final ByteBuffer prefix;
    private final Rc4 decrypt;
    private final Rc4 encrypt;
    /** The reader's: ciphertext is read into it and decrypted there, where RC4 runs on an array. */
    private ByteBuffer readBuffer;
    /** The writer's: plaintext is encrypted into it, then written. */
    private ByteBuffer writeBuffer;

    PayloadChannel(SocketChannel socket, byte[] prefix, Rc4 decrypt, Rc4 encrypt) {
        if ((decrypt == null) != (encrypt == null)) {
            throw new IllegalArgumentException("RC4 needs both directions' streams");
        }
        this.socket = socket;
        this.prefix = ByteBuffer.wrap(prefix.clone());
        this.decrypt = decrypt;
        this.encrypt = encrypt;
    }

    /** Whether the payload is RC4-encrypted (else it is plaintext after an obfuscated handshake). */
    public boolean encrypted() {
        return encrypt != null;
    }

    /** Bytes received past the handshake and not read yet; a plaintext channel without any is the socket itself. */
    public int buffered() {
        return prefix.remaining();
    }

    /** The socket underneath, for its options and for writes that bypass this channel when plaintext. */
    public SocketChannel socket() {
        return socket;
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
        if (prefix.hasRemaining()) {
            int n = Math.min(prefix.remaining(), dst.remaining());
            dst.put(dst.position(), prefix, prefix.position(), n);
            dst.position(dst.position() + n);
            prefix.position(prefix.position() + n);
            return n;
        }
        if (decrypt == null) {
            return socket.read(dst);
        }
        if (dst.hasArray()) {
            int start = dst.position();
            int n = socket.read(dst);
            if (n > 0) {
                decrypt.apply(dst.duplicate().limit(start + n).position(start));
            }
            return n;
        }
        if (readBuffer == null) {
            readBuffer = ByteBuffer.allocate(CHUNK);
        }
        readBuffer.clear().limit(Math.min(CHUNK, dst.remaining()));
        int n = socket.read(readBuffer);
        if (n > 0) {
            readBuffer.flip();
            decrypt.apply(readBuffer.duplicate());
            dst.put(readBuffer);
        }
        return n;
    }

    /**
     * Fills {@code dst} within {@code timeout}: for the BitTorrent handshake that follows MSE, whose
     * reads must end in time where a channel's read would wait for ever. Reads through the socket's
     * stream, which honours a timeout, and decrypts.
     */
    public void readFully(ByteBuffer dst, Duration timeout) throws IOException {
        while (prefix.hasRemaining() && dst.hasRemaining()) {
            read(dst);
        }
        if (!dst.hasRemaining()) {
            return;
        }
        long deadline = DeadlineReads.deadline(timeout);
        byte[] chunk = new byte[dst.remaining()];
        int got = 0;
        try {
            while (got < chunk.length) {
                int n = DeadlineReads.read(socket, chunk, got, chunk.length - got, deadline);
                if (n < 0) {
                    throw new EOFException("connection closed after " + got + " of " + chunk.length + " bytes");
                }
                got += n;
            }
        } catch (SocketTimeoutException e) {
            throw new SocketTimeoutException("no " + chunk.length + " bytes within " + timeout.toMillis()
                    + " ms (" + got + " came)");
        } finally {
            DeadlineReads.clear(socket);
        }
        if (decrypt != null) {
            decrypt.apply(chunk, 0, chunk.length);
        }
        dst.put(chunk);
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
        return (int) write(new ByteBuffer[] {src}, 0, 1);
    }

    @Override
    public long write(ByteBuffer[] srcs) throws IOException {
        return write(srcs, 0, srcs.length);
    }

    @Override
    public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
        if (encrypt == null) {
            long total = 0;
            long left = 0;
            for (int i = offset; i < offset + length; i++) {
                left += srcs[i].remaining();
            }
            while (left > 0) {
                long n = socket.write(srcs, offset, length);
                total += n;
                left -= n;
            }
            return total;
        }
        if (writeBuffer == null) {
            writeBuffer = ByteBuffer.allocate(CHUNK);
        }
        long total = 0;
        writeBuffer.clear();
        for (int i = offset; i < offset + length; i++) {
            ByteBuffer src = srcs[i];
            while (src.hasRemaining()) {
                if (!writeBuffer.hasRemaining()) {
                    flush();
                }
                int n = Math.min(src.remaining(), writeBuffer.remaining());
                ByteBuffer part = src.slice(src.position(), n);
                src.position(src.position() + n);
                encrypt.apply(part, writeBuffer);
                total += n;
            }
        }
        flush();
        return total;
    }

    private void flush() throws IOException {
        writeBuffer.flip();
        while (writeBuffer.hasRemaining()) {
            socket.write(writeBuffer);
        }
        writeBuffer.clear();
    }

    @Override
    public boolean isOpen() {
        return socket.isOpen();
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
