package dev.spate.storage;

import dev.spate.core.Bitfield;
import dev.spate.metainfo.TorrentInfo;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;
import java.util.List;

/**
 * Where one torrent's pieces live: its byte stream laid over its files. Narrow on purpose, so the
 * engine and tests can swap {@link FileStorage} for {@link MemoryStorage}.
 *
 * <p>Thread-safe: called from the storage pool's threads ({@link DiskIo}), several at once, and
 * {@link #transferTo} also from peers' writer threads (see there). Only verified pieces are given to {@link #writePiece}; a piece is written once, whole.
 *
 * <p>Everything but {@link #writePiece} only reads: a complete torrent, which is never written,
 * must check ({@link #readPiece}, {@link #stat}), serve and close on data it may not write, and
 * leave it exactly as it was.
 */
public interface Storage extends Closeable {
    /** The torrent whose pieces this stores. */
    TorrentInfo info();

    /**
     * Writes a verified piece: {@code data.remaining()} must equal the piece's size. One positional
     * write per file span; files are created, sparse, on their first write. {@code data}'s position
     * and limit are left as they were.
     *
     * @throws IOException naming the file that failed
     */
    void writePiece(int piece, ByteBuffer data) throws IOException;

    /**
     * Reads {@code dst.remaining()} bytes at {@code begin} within {@code piece} (a block, for
     * seeding), across file spans, advancing {@code dst}'s position.
     *
     * @throws IOException naming the file, also when it is missing or too short
     */
    void read(int piece, int begin, ByteBuffer dst) throws IOException;

    /**
     * Writes {@code length} bytes at {@code begin} within {@code piece} (a block we serve) to
     * {@code target}, a blocking channel, all of them. This default reads the block into memory and
     * writes it; {@link FileStorage} has the kernel send it straight from the file.
     *
     * <p>Unlike the rest of this interface, this is called from the peer's writer thread: its reads
     * come from the page cache the moment before the send (the kernel reads ahead as peers ask
     * for blocks in order), and a copy through the storage pool would cost more than it saves.
     *
     * @throws StorageException when the block cannot be read (naming the file); any other
     *     IOException is the target's
     */
    default void transferTo(int piece, int begin, int length, WritableByteChannel target) throws IOException {
        ByteBuffer block = ByteBuffer.allocate(length);
        try {
            read(piece, begin, block);
        } catch (IOException e) {
            throw new StorageException(e.getMessage(), e);
        }
        block.flip();
        while (block.hasRemaining()) {
            target.write(block);
        }
    }

    /**
     * Reads the whole of {@code piece} into {@code dst} (which must have room for it), advancing its
     * position. Returns false, without reading and leaving {@code dst} untouched, when a file the
     * piece covers is missing or too short to hold its part: the piece cannot be on disk.
     */
    boolean readPiece(int piece, ByteBuffer dst) throws IOException;

    /**
     * Which of {@link TorrentInfo#files()} are wanted. The bytes a verified piece holds of a file
     * not wanted, and not on disk, are kept apart (see {@link FileStorage}) rather than creating
     * the file; a file that becomes wanted gets them back. This default keeps every file as a
     * wanted one.
     *
     * @throws IOException naming the file when bytes kept apart cannot be moved into it
     */
    default void setWantedFiles(boolean[] wanted) throws IOException {
    }

    /**
     * Told at once, when the choice of files changes, what a {@link #setWantedFiles} queued behind
     * the pieces waiting for the disk will say: from now on no bytes are written to a file not
     * wanted there that is not on disk, so a piece that was in flight when its file was skipped
     * does not create it (its bytes are kept apart, as a boundary piece's). Never blocks and does
     * no IO; any thread. This default keeps every file as a wanted one.
     */
    default void willWant(boolean[] wanted) {
    }

    /**
     * Of the pieces {@code have} lists, those whose bytes kept apart for unwanted files (see
     * {@link #setWantedFiles}) are gone or damaged: the file sizes and times the resume file
     * checks do not cover them. This default keeps nothing apart, so loses nothing.
     */
    default List<Integer> keptPiecesLost(Bitfield have) throws IOException {
        return List.of();
    }

    /**
     * Lets go of the files held open, so that each is opened again at its next use: a recheck then
     * reads what is on disk now, not a file deleted or replaced since it was opened (an open
     * descriptor keeps reading the old one). This default holds nothing open.
     */
    default void forgetOpenFiles() {
    }

    /** The size and modification time of every file, in torrent order, for the resume file. */
    List<FileStat> stat() throws IOException;

    /**
     * Forces every piece whose {@link #writePiece} has returned to the device (FileChannel.force
     * on each file written since the last flush), so that a resume file written afterwards lists
     * only durable pieces ({@link ResumeCheck#save}). A write still in flight may or may not be
     * included; it is included in the next flush.
     *
     * @throws IOException naming the file that could not be flushed; it is tried again next time
     */
    void flush() throws IOException;

    /** Flushes, then releases the files. Call once no other IO is in flight. */
    @Override
    void close() throws IOException;
}
